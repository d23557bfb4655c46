import { z } from 'zod'
import { hex } from '../hex.js'
import type { Block } from './block.js'

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
    txs: z.array(z.string()),
    signature: z.string(),
  })
  .strict()

/** JSON view of a block. */
export type BlockView = z.output<typeof blockViewSchema>

/** Turns a block into its JSON view. */
export function blockView(block: Block, hash: Uint8Array): BlockView {
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
    signature: hex(block.signature),
  }
}
