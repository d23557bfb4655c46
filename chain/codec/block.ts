import { createHash } from 'node:crypto'
import { protoType, u64ToSafeNumber } from './index.js'

const HeaderType = protoType('gather.chain.v1.Header')
const BlockType = protoType('gather.chain.v1.Block')
const VoteType = protoType('gather.chain.v1.Vote')
const VoteSignDocType = protoType('gather.chain.v1.VoteSignDoc')
const VoteBundleType = protoType('gather.chain.v1.VoteBundle')

/** Most votes in one bundle: three times the 21 super nodes of a block, rounded up. */
export const MAX_BUNDLE_VOTES = 64
const TxResultType = protoType('gather.chain.v1.TxResult')

/** A finality vote of one super node for one block. */
export interface Vote {
  height: number
  blockHash: Uint8Array
  validator: Uint8Array
  signature: Uint8Array
}

/** A block header (docs/protocol/transactions.md). */
export interface Header {
  chainId: string
  height: number
  slot: number
  timeMs: number
  previousHash: Uint8Array
  proposer: Uint8Array
  txRoot: Uint8Array
  stateRoot: Uint8Array
  lastCommit: Vote[]
  resultRoot: Uint8Array
}

/** A block: header, raw transactions and the proposer's signature over the header hash. */
export interface Block {
  header: Header
  txs: Uint8Array[]
  signature: Uint8Array
}

/** One event emitted while executing a transaction or a block hook. */
export interface ChainEvent {
  type: string
  attributes: { key: string; value: string }[]
}

/** The events of a block's hooks (block events), in the order they were emitted. */
export interface BlockEvents {
  /** the beforeTransactions hooks' events, then the afterTransactions hooks' */
  events: ChainEvent[]
  /** how many of `events` come from the beforeTransactions hooks */
  beforeTransactions: number
}

/** The recorded outcome of a transaction: code 0 is success. */
export interface TxResult {
  code: number
  codespace: string
  log: string
  events: ChainEvent[]
}

const EMPTY = new Uint8Array(0)
const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : EMPTY)

function voteFromProto(v: Record<string, unknown>): Vote {
  return {
    height: u64ToSafeNumber(v.height as number, 'vote.height'),
    blockHash: bytes(v.blockHash),
    validator: bytes(v.validator),
    signature: bytes(v.signature),
  }
}

function headerFromProto(h: Record<string, unknown>): Header {
  return {
    chainId: String(h.chainId ?? ''),
    height: u64ToSafeNumber(h.height as number, 'header.height'),
    slot: u64ToSafeNumber(h.slot as number, 'header.slot'),
    timeMs: u64ToSafeNumber(h.timeMs as number, 'header.timeMs'),
    previousHash: bytes(h.previousHash),
    proposer: bytes(h.proposer),
    txRoot: bytes(h.txRoot),
    stateRoot: bytes(h.stateRoot),
    lastCommit: ((h.lastCommit as Record<string, unknown>[] | undefined) ?? []).map(voteFromProto),
    resultRoot: bytes(h.resultRoot),
  }
}

/** Encodes a header; the block hash is sha256 of these bytes. */
export function encodeHeader(h: Header): Uint8Array {
  return HeaderType.encode(HeaderType.fromObject(h)).finish()
}

/** Hash of a header: sha256 of its protobuf bytes (what the proposer signs, what the next block links to). */
export function headerHash(h: Header): Uint8Array {
  return createHash('sha256').update(encodeHeader(h)).digest()
}

/** Decodes a header; throws on malformed bytes or out-of-range numbers. */
export function decodeHeader(b: Uint8Array): Header {
  return headerFromProto(HeaderType.decode(b) as unknown as Record<string, unknown>)
}

/** Encodes a block for storage and the wire. */
export function encodeBlock(b: Block): Uint8Array {
  return BlockType.encode(BlockType.fromObject(b)).finish()
}

/** Decodes a block; throws on malformed bytes. */
export function decodeBlock(b: Uint8Array): Block {
  const raw = BlockType.decode(b) as unknown as Record<string, unknown>
  if (raw.header === undefined || raw.header === null) throw new Error('block has no header')
  return {
    header: headerFromProto(raw.header as Record<string, unknown>),
    txs: ((raw.txs as Uint8Array[] | undefined) ?? []).map(bytes),
    signature: bytes(raw.signature),
  }
}

/**
 * A block decoded once from the bytes it arrived in (gossip, blocks-by-range, the database),
 * passed down the import instead of the bytes so nothing decodes it again.
 */
export interface ReceivedBlock {
  readonly block: Block
  /** the bytes as they arrived: stored and served as they are, never re-encoded */
  readonly bytes: Uint8Array
  /** `headerHash(block.header)`, computed on first use and kept */
  readonly hash: Uint8Array
}

/** Decodes block bytes once, keeping them beside the block; throws on malformed bytes (as `decodeBlock`). */
export function decodeReceivedBlock(bytes: Uint8Array): ReceivedBlock {
  const block = decodeBlock(bytes)
  let hash: Uint8Array | undefined
  return {
    block,
    bytes,
    get hash(): Uint8Array {
      hash ??= headerHash(block.header)
      return hash
    },
  }
}

/** Encodes a vote. */
export function encodeVote(v: Vote): Uint8Array {
  return VoteType.encode(VoteType.fromObject(v)).finish()
}

/** Decodes a vote; throws on malformed bytes. */
export function decodeVote(b: Uint8Array): Vote {
  return voteFromProto(VoteType.decode(b) as unknown as Record<string, unknown>)
}

/** Encodes votes as one bundle (what the vote topics carry). */
export function encodeVoteBundle(votes: readonly Vote[]): Uint8Array {
  return VoteBundleType.encode(VoteBundleType.fromObject({ votes })).finish()
}

/**
 * Decodes a bundle of 1 to {@link MAX_BUNDLE_VOTES} votes; throws on malformed bytes, an empty
 * bundle or one with more votes.
 */
export function decodeVoteBundle(b: Uint8Array): Vote[] {
  const m = VoteBundleType.decode(b) as unknown as { votes?: Record<string, unknown>[] }
  const votes = m.votes ?? []
  if (votes.length === 0) throw new Error('a vote bundle holds no vote')
  if (votes.length > MAX_BUNDLE_VOTES)
    throw new Error(`a vote bundle of ${votes.length} votes, more than ${MAX_BUNDLE_VOTES}`)
  return votes.map(voteFromProto)
}

/** The bytes a super node signs to vote for `blockHash` at `height` on `chainId`. */
export function voteSignBytes(chainId: string, height: number, blockHash: Uint8Array): Uint8Array {
  return VoteSignDocType.encode(VoteSignDocType.fromObject({ chainId, height, blockHash })).finish()
}

/** Encodes a transaction result (stored, and hashed into the header's result root). */
export function encodeTxResult(r: TxResult): Uint8Array {
  // a TxResult already has protobufjs's field types (a number, strings, arrays of plain
  // objects), so it is encoded as it is: `fromObject` first would copy every event and
  // attribute into message objects, once per transaction (block.test.ts: the same bytes)
  return TxResultType.encode(r).finish()
}

/** Events as protobufjs decodes them (proto3 leaves empty fields out) → plain ChainEvents. */
export function eventsFromProto(events: readonly Partial<ChainEvent>[] | undefined): ChainEvent[] {
  return (events ?? []).map((e) => ({
    type: e.type ?? '',
    attributes: (e.attributes ?? []).map((a) => ({ key: a.key ?? '', value: a.value ?? '' })),
  }))
}

/** Decodes a stored transaction result. */
export function decodeTxResult(b: Uint8Array): TxResult {
  const r = TxResultType.decode(b) as unknown as {
    code?: number
    codespace?: string
    log?: string
    events?: ChainEvent[]
  }
  return {
    code: r.code ?? 0,
    codespace: r.codespace ?? '',
    log: r.log ?? '',
    events: eventsFromProto(r.events),
  }
}
