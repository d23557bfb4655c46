import { P2pError, P2pErrorCode } from './errors.js'
import type { GossipKind, Status } from './types.js'

/**
 * The version of each kind's topics. Votes are 2 since they travel as bundles (a
 * `VoteBundle`, docs/adr/020): a node of version 1 neither sends nor takes them.
 */
const TOPIC_VERSION: Readonly<Record<GossipKind, number>> = { tx: 1, block: 1, vote: 2 }

/** The gossip topic of one kind on one chain: `/gather/<chainId>/<kind>/<version>`. */
export function gossipTopic(chainId: string, kind: GossipKind): string {
  return `/gather/${chainId}/${kind}/${TOPIC_VERSION[kind]}`
}

/**
 * The direct topic of a kind: `/gather/<chainId>/<kind>/direct/<version>`. What arrives on it is
 * checked and used like the kind's own topic but never relayed: its publisher sent it to every
 * peer that needs it (`Gossip.publishDirect`).
 */
export function directTopic(chainId: string, kind: GossipKind): string {
  return `/gather/${chainId}/${kind}/direct/${TOPIC_VERSION[kind]}`
}

/** A libp2p peer id as text (base58btc, `12D3Koo…` for ed25519 keys). */
const PEER_ID_TEXT = /^[1-9A-HJ-NP-Za-km-z]{32,128}$/

/**
 * The vote inbox of one peer: `/gather/<chainId>/vote/to/<peerId>/2`. Only that peer subscribes
 * to it, so a vote published there goes to that peer alone (docs/adr/020: a validator sends its
 * vote to the block's proposer, which forwards the votes it gathers as bundles).
 */
export function voteInboxTopic(chainId: string, peerId: string): string {
  return `/gather/${chainId}/vote/to/${peerId}/${TOPIC_VERSION.vote}`
}

/** Whether `topic` is some peer's vote inbox on this chain ({@link voteInboxTopic}). */
export function isVoteInboxTopic(chainId: string, topic: string): boolean {
  const prefix = `/gather/${chainId}/vote/to/`
  const suffix = `/${TOPIC_VERSION.vote}`
  if (!topic.startsWith(prefix) || !topic.endsWith(suffix)) return false
  return PEER_ID_TEXT.test(topic.slice(prefix.length, topic.length - suffix.length))
}

/** The gossip topic of one group chain on one chain: `/gather/<chainId>/group/<groupId>/1`. */
export function groupTopic(chainId: string, groupId: number): string {
  return `/gather/${chainId}/group/${groupId}/1`
}

/** Whether `n` is a group id the wire carries: an integer in 0..2^53-1 (a uint64 on the wire). */
export function isGroupId(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

/** Request/response protocol ids of a chain. */
export function protocolIds(chainId: string): {
  status: string
  blocksByRange: string
  groupBlocksByRange: string
} {
  return {
    status: `/gather/${chainId}/req/status/1`,
    blocksByRange: `/gather/${chainId}/req/blocks-by-range/1`,
    groupBlocksByRange: `/gather/${chainId}/req/group-blocks/1`,
  }
}

/** The kad-dht protocol of a chain, so that nodes of different chains keep separate tables. */
export function dhtProtocol(chainId: string): string {
  return `/gather/${chainId}/kad/1.0.0`
}

/** Result byte that starts every response chunk. */
export const ResponseCode = {
  OK: 0,
  INVALID_REQUEST: 1,
  SERVER_ERROR: 2,
  RATE_LIMITED: 3,
  WRONG_CHAIN: 4,
} as const

/** One of {@link ResponseCode}. */
export type ResponseCodeValue = (typeof ResponseCode)[keyof typeof ResponseCode]

/** The error code a client raises for a non-OK response byte. */
export function errorCodeOfResponse(code: number): (typeof P2pErrorCode)[keyof typeof P2pErrorCode] {
  switch (code) {
    case ResponseCode.INVALID_REQUEST:
      return P2pErrorCode.P2P_INVALID_REQUEST
    case ResponseCode.SERVER_ERROR:
      return P2pErrorCode.P2P_SERVER_ERROR
    case ResponseCode.RATE_LIMITED:
      return P2pErrorCode.P2P_RATE_LIMITED
    case ResponseCode.WRONG_CHAIN:
      return P2pErrorCode.P2P_WRONG_CHAIN
    default:
      return P2pErrorCode.P2P_BAD_RESPONSE
  }
}

/** Bytes of an unsigned LEB128 varint length prefix we accept: 4 bytes encode up to 256 MiB. */
const MAX_PREFIX_BYTES = 4

/** `payload` with its unsigned-varint length in front. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const prefix: number[] = []
  let n = payload.length
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n !== 0) byte |= 0x80
    prefix.push(byte)
  } while (n !== 0)
  const out = new Uint8Array(prefix.length + payload.length)
  out.set(prefix, 0)
  out.set(payload, prefix.length)
  return out
}

/**
 * Incremental decoder of length-prefixed frames. `push` returns the frames completed by a chunk;
 * it throws {@link P2pError} `P2P_BAD_RESPONSE` (the caller re-labels it for requests) when a
 * length exceeds `maxFrameBytes` or its prefix is too long, before buffering the body.
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0)

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes; returns every frame now complete, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk)
    const frames: Uint8Array[] = []
    for (;;) {
      const header = this.readPrefix()
      if (header === undefined) break
      const { length, prefixBytes } = header
      if (this.buffer.length < prefixBytes + length) break
      frames.push(this.buffer.slice(prefixBytes, prefixBytes + length))
      this.buffer = this.buffer.subarray(prefixBytes + length)
    }
    return frames
  }

  /** True when no partial frame is buffered (a stream may end here). */
  get isEmpty(): boolean {
    return this.buffer.length === 0
  }

  /** Throws when the stream ended in the middle of a frame. */
  end(): void {
    if (this.buffer.length !== 0) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_RESPONSE,
        `stream ended inside a frame (${this.buffer.length} bytes left over)`,
      )
    }
  }

  private readPrefix(): { length: number; prefixBytes: number } | undefined {
    let length = 0
    for (let i = 0; i < this.buffer.length; i++) {
      if (i >= MAX_PREFIX_BYTES) break
      const byte = this.buffer[i]!
      length += (byte & 0x7f) * 2 ** (7 * i)
      if ((byte & 0x80) === 0) {
        if (i > 0 && byte === 0) throw badFrame('non-minimal length prefix')
        if (length > this.maxFrameBytes) {
          throw badFrame(`frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`)
        }
        return { length, prefixBytes: i + 1 }
      }
    }
    if (this.buffer.length >= MAX_PREFIX_BYTES) throw badFrame('length prefix too long')
    return undefined
  }
}

function badFrame(message: string): P2pError {
  return new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, `malformed frame: ${message}`)
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/** A response chunk: the result byte, then the body (payload, or a UTF-8 error message). */
export function encodeResponseChunk(code: ResponseCodeValue, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length)
  out[0] = code
  out.set(body, 1)
  return out
}

/** An error response chunk with a short message. */
export function encodeErrorChunk(code: ResponseCodeValue, message: string): Uint8Array {
  return encodeResponseChunk(code, new TextEncoder().encode(message.slice(0, 256)))
}

/** Splits a response chunk into its result byte and body. */
export function decodeResponseChunk(chunk: Uint8Array): { code: number; body: Uint8Array } {
  if (chunk.length === 0) throw new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, 'empty response chunk')
  return { code: chunk[0]!, body: chunk.subarray(1) }
}

const HEX32 = /^[0-9a-f]{64}$/
const MAX_STATUS_BYTES = 1024

/** Status as JSON bytes. */
export function encodeStatus(status: Status): Uint8Array {
  const s = validateStatus(status)
  return new TextEncoder().encode(
    JSON.stringify({
      chainId: s.chainId,
      genesisHash: s.genesisHash,
      headHeight: s.headHeight,
      headHash: s.headHash,
      finalHeight: s.finalHeight,
    }),
  )
}

/** Parses and checks status bytes; throws `P2P_BAD_RESPONSE` with the reason. */
export function decodeStatus(bytes: Uint8Array): Status {
  if (bytes.length > MAX_STATUS_BYTES) {
    throw new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, `status of ${bytes.length} bytes is too large`)
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, 'status is not JSON')
  }
  return validateStatus(value)
}

function validateStatus(value: unknown): Status {
  const bad = (why: string): P2pError => new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, `bad status: ${why}`)
  if (typeof value !== 'object' || value === null) throw bad('not an object')
  const v = value as Record<string, unknown>
  if (typeof v.chainId !== 'string' || v.chainId.length === 0 || v.chainId.length > 64) {
    throw bad('chainId must be a string of 1-64 characters')
  }
  for (const key of ['genesisHash', 'headHash'] as const) {
    if (typeof v[key] !== 'string' || !HEX32.test(v[key] as string)) throw bad(`${key} must be 32-byte hex`)
  }
  for (const key of ['headHeight', 'finalHeight'] as const) {
    const n = v[key]
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw bad(`${key} must be a non-negative integer`)
    }
  }
  if ((v.finalHeight as number) > (v.headHeight as number)) throw bad('finalHeight is above headHeight')
  return {
    chainId: v.chainId,
    genesisHash: v.genesisHash as string,
    headHeight: v.headHeight as number,
    headHash: v.headHash as string,
    finalHeight: v.finalHeight as number,
  }
}

/** Whether two statuses are of the same chain; the reason when not. */
export function sameChain(ours: Status, theirs: Status): { ok: true } | { ok: false; reason: string } {
  if (ours.chainId !== theirs.chainId) {
    return { ok: false, reason: `chain id ${theirs.chainId}, expected ${ours.chainId}` }
  }
  if (ours.genesisHash !== theirs.genesisHash) {
    return { ok: false, reason: `genesis ${theirs.genesisHash}, expected ${ours.genesisHash}` }
  }
  return { ok: true }
}

/** A blocks-by-range request: `from` (uint64 big-endian, a safe integer) and `count` (uint32). */
export function encodeBlocksByRange(from: number, count: number): Uint8Array {
  const out = new Uint8Array(12)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(from))
  view.setUint32(8, count)
  return out
}

/** Parses a blocks-by-range request; throws `P2P_INVALID_REQUEST` with the reason. */
export function decodeBlocksByRange(bytes: Uint8Array, maxCount: number): { from: number; count: number } {
  const bad = (why: string): P2pError =>
    new P2pError(P2pErrorCode.P2P_INVALID_REQUEST, `bad blocks-by-range request: ${why}`)
  if (bytes.length !== 12) throw bad(`${bytes.length} bytes, expected 12`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const from = view.getBigUint64(0)
  const count = view.getUint32(8)
  if (from > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('from height is too large')
  if (count < 1 || count > maxCount) throw bad(`count ${count} is not in 1..${maxCount}`)
  return { from: Number(from), count }
}

/**
 * A group-blocks request: `groupId` and `from` (uint64 big-endian, safe integers) and `count`
 * (uint32), 20 bytes.
 */
export function encodeGroupBlocksByRange(groupId: number, from: number, count: number): Uint8Array {
  const out = new Uint8Array(20)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(groupId))
  view.setBigUint64(8, BigInt(from))
  view.setUint32(16, count)
  return out
}

/** Parses a group-blocks request; throws `P2P_INVALID_REQUEST` with the reason. */
export function decodeGroupBlocksByRange(
  bytes: Uint8Array,
  maxCount: number,
): { groupId: number; from: number; count: number } {
  const bad = (why: string): P2pError =>
    new P2pError(P2pErrorCode.P2P_INVALID_REQUEST, `bad group-blocks request: ${why}`)
  if (bytes.length !== 20) throw bad(`${bytes.length} bytes, expected 20`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const groupId = view.getBigUint64(0)
  const from = view.getBigUint64(8)
  const count = view.getUint32(16)
  if (groupId > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('group id is too large')
  // a group chain starts at height 1
  if (from < 1n) throw bad('from height must be at least 1')
  if (from > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('from height is too large')
  if (count < 1 || count > maxCount) throw bad(`count ${count} is not in 1..${maxCount}`)
  return { groupId: Number(groupId), from: Number(from), count }
}
