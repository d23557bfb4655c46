import { hex } from '../hex.js'
import { txHashHex } from '../tx/decodeTx.js'
import type { Block, BlockEvents, ChainEvent, TxResult } from './block.js'

/** Which block hooks emitted a block event: before or after the block's transactions. */
export type BlockEventPhase = 'beforeTransactions' | 'afterTransactions'

/** A block event (a block hook's, not a transaction's) as the JSON views show it. */
export interface BlockEventView extends ChainEvent {
  phase: BlockEventPhase
}

/** A transaction's result as a block's JSON view shows it. */
export interface TxResultView {
  /** the transaction hash, upper-case hex (as `chain_getTx` takes it) */
  hash: string
  /** 0: success; otherwise the messages failed (the fee was still charged) */
  code: number
  codespace: string
  log: string
  events: ChainEvent[]
}

/** JSON view of a block. */
export interface BlockView {
  height: number
  hash: string
  header: {
    chainId: string
    height: number
    slot: number
    time: string
    previousHash: string
    proposer: string
    txRoot: string
    stateRoot: string
    resultRoot: string
    lastCommit: number
  }
  /** the TxRaw bytes, base64 */
  txs: string[]
  /** the transactions' results, in the order of `txs` */
  results: TxResultView[]
  /** the block hooks' events (not a transaction's), in the order they were emitted */
  events: BlockEventView[]
  signature: string
}

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
