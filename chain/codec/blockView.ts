import { hex } from '../hex.js'
import type { Block } from './block.js'

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
  txs: string[]
  signature: string
}

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
