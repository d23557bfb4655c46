import { z } from 'zod'
import { hex } from '../hex.js'
import { txHashHex } from '../tx/decodeTx.js'
import type { Block, BlockEvents, ChainEvent, TxResult } from './block.js'

/** Which block hooks emitted a block event: before or after the block's transactions. */
export type BlockEventPhase = 'beforeTransactions' | 'afterTransactions'

/** An event (a transaction's or a block hook's): a type and string attributes, in emission order. */
export const chainEventSchema = z
  .object({
    type: z.string(),
    attributes: z.array(z.object({ key: z.string(), value: z.string() }).strict()),
  })
  .strict() satisfies z.ZodType<ChainEvent>

/** A block event (a block hook's, not a transaction's) as the JSON views show it. */
export const blockEventViewSchema = chainEventSchema
  .extend({ phase: z.enum(['beforeTransactions', 'afterTransactions']) })
  .strict() satisfies z.ZodType<{ phase: BlockEventPhase }>

/** A block event as the JSON views show it. */
export type BlockEventView = z.output<typeof blockEventViewSchema>

/** A transaction's result as a block's JSON view shows it. */
export const txResultViewSchema = z
  .object({
    /** the transaction hash, upper-case hex (as `chain_getTx` takes it) */
    hash: z.string(),
    /** 0: success; otherwise the messages failed (the fee was still charged) */
    code: z.number(),
    codespace: z.string(),
    log: z.string(),
    events: z.array(chainEventSchema),
  })
  .strict()

/** A transaction's result as a block's JSON view shows it. */
export type TxResultView = z.output<typeof txResultViewSchema>

/** JSON view of a block (`chain_getBlock`): hashes and keys in hex, transactions as base64 TxRaw. */
export const blockViewSchema = z
  .object({
    height: z.number(),
    hash: z.string(),
    header: z
      .object({
        chainId: z.string(),
        height: z.number(),
        slot: z.number(),
        time: z.string(),
        previousHash: z.string(),
        proposer: z.string(),
        txRoot: z.string(),
        stateRoot: z.string(),
        resultRoot: z.string(),
        /** how many finality votes for the parent the header carries */
        lastCommit: z.number(),
      })
      .strict(),
    /** the TxRaw bytes, base64 */
    txs: z.array(z.string()),
    /** the transactions' results, in the order of `txs` */
    results: z.array(txResultViewSchema),
    /** the block hooks' events (not a transaction's), in the order they were emitted */
    events: z.array(blockEventViewSchema),
    signature: z.string(),
  })
  .strict()

/** JSON view of a block. */
export type BlockView = z.output<typeof blockViewSchema>

/** The block events with the phase of each. */
export function blockEventViews(e: BlockEvents): BlockEventView[] {
  return e.events.map((ev, i) => ({
    type: ev.type,
    attributes: ev.attributes,
    phase: i < e.beforeTransactions ? 'beforeTransactions' : 'afterTransactions',
  }))
}

/** Turns a block, its transactions' results and its block events into its JSON view. */
export function blockView(
  block: Block,
  hash: Uint8Array,
  outcome: { results: readonly TxResult[]; events: BlockEvents },
): BlockView {
  const h = block.header
  return {
    height: h.height,
    hash: hex(hash),
    header: {
      chainId: h.chainId,
      height: h.height,
      slot: h.slot,
      time: new Date(h.timeMs).toISOString(),
      previousHash: hex(h.previousHash),
      proposer: hex(h.proposer),
      txRoot: hex(h.txRoot),
      stateRoot: hex(h.stateRoot),
      resultRoot: hex(h.resultRoot),
      lastCommit: h.lastCommit.length,
    },
    txs: block.txs.map((t) => Buffer.from(t).toString('base64')),
    results: block.txs.map((t, i) => {
      const r = outcome.results[i]
      if (r === undefined) throw new Error(`block ${h.height}: no result for transaction ${i}`)
      return { hash: txHashHex(t), code: r.code, codespace: r.codespace, log: r.log, events: r.events }
    }),
    events: blockEventViews(outcome.events),
    signature: hex(block.signature),
  }
}
