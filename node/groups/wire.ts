import { protoType, u64ToSafeNumber } from '../../chain/codec/index.js'

const GossipType = protoType('gather.messaging.v1.GroupGossip')

/** A producer's checkpoint signature as gossiped. */
export interface CheckpointVote {
  height: number
  blockHash: Uint8Array
  stateRoot: Uint8Array
  accumulatorRoot: Uint8Array
  /** hex ed25519 key */
  producer: string
  signature: Uint8Array
}

/** One message of a group's gossip topic. */
export type GroupGossip =
  | { kind: 'tx'; tx: Uint8Array }
  | { kind: 'block'; block: Uint8Array }
  | { kind: 'checkpointVote'; vote: CheckpointVote }
  | {
      kind: 'head'
      height: number
      hash: Uint8Array
      /** when it was announced (ms since 1970; 0 if the sender left it out): tells repeats apart */
      announcedAtMs: number
    }
  | {
      kind: 'pendingTxs'
      /** GroupTx bytes in admission order */
      txs: Uint8Array[]
      /** when they were offered (ms since 1970): tells repeats apart */
      offeredAtMs: number
    }

/** Transactions one offer of pending ones may carry. */
export const MAX_PENDING_OFFER_TXS = 2_000

export function encodeGroupGossip(g: GroupGossip): Uint8Array {
  switch (g.kind) {
    case 'tx':
      return GossipType.encode(GossipType.fromObject({ tx: g.tx })).finish()
    case 'block':
      return GossipType.encode(GossipType.fromObject({ block: g.block })).finish()
    case 'checkpointVote':
      return GossipType.encode(GossipType.fromObject({ checkpointVote: g.vote })).finish()
    case 'head':
      return GossipType.encode(
        GossipType.fromObject({ head: { height: g.height, hash: g.hash, announcedAtMs: g.announcedAtMs } }),
      ).finish()
    case 'pendingTxs':
      return GossipType.encode(
        GossipType.fromObject({ pendingTxs: { txs: g.txs, offeredAtMs: g.offeredAtMs } }),
      ).finish()
  }
}

const bytes = (v: unknown, n: number | undefined, field: string): Uint8Array => {
  if (!(v instanceof Uint8Array) || (n !== undefined && v.length !== n) || v.length === 0)
    throw new Error(`${field} must be ${n ?? 'non-empty'} bytes`)
  return v
}

/** Decodes a gossip message; throws Error naming what is wrong. */
export function decodeGroupGossip(b: Uint8Array): GroupGossip {
  const m = GossipType.decode(b) as unknown as Record<string, unknown>
  switch (m.kind) {
    case 'tx':
      return { kind: 'tx', tx: bytes(m.tx, undefined, 'tx') }
    case 'block':
      return { kind: 'block', block: bytes(m.block, undefined, 'block') }
    case 'checkpointVote': {
      const v = m.checkpointVote as Record<string, unknown>
      const producer = String(v.producer ?? '')
      if (!/^[0-9a-f]{64}$/.test(producer))
        throw new Error('checkpoint_vote.producer must be 64 hex characters')
      return {
        kind: 'checkpointVote',
        vote: {
          height: u64ToSafeNumber(v.height as never, 'checkpoint_vote.height'),
          blockHash: bytes(v.blockHash, 32, 'checkpoint_vote.block_hash'),
          stateRoot: bytes(v.stateRoot, 32, 'checkpoint_vote.state_root'),
          accumulatorRoot: bytes(v.accumulatorRoot, 32, 'checkpoint_vote.accumulator_root'),
          producer,
          signature: bytes(v.signature, 64, 'checkpoint_vote.signature'),
        },
      }
    }
    case 'head': {
      const h = m.head as Record<string, unknown>
      return {
        kind: 'head',
        height: u64ToSafeNumber(h.height as never, 'head.height'),
        hash: bytes(h.hash, 32, 'head.hash'),
        announcedAtMs: u64ToSafeNumber((h.announcedAtMs ?? 0) as never, 'head.announced_at_ms'),
      }
    }
    case 'pendingTxs': {
      const p = m.pendingTxs as Record<string, unknown>
      const txs = (p.txs ?? []) as unknown[]
      if (txs.length === 0 || txs.length > MAX_PENDING_OFFER_TXS)
        throw new Error(`pending_txs.txs must hold 1..${MAX_PENDING_OFFER_TXS} transactions`)
      return {
        kind: 'pendingTxs',
        txs: txs.map((t, i) => bytes(t, undefined, `pending_txs.txs[${i}]`)),
        offeredAtMs: u64ToSafeNumber((p.offeredAtMs ?? 0) as never, 'pending_txs.offered_at_ms'),
      }
    }
    default:
      throw new Error('empty group gossip message')
  }
}
