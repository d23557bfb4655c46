import { protoType, u64ToSafeNumber } from '../../../chain/codec/index.js'
import { verifyEd25519 } from '../../../chain/crypto/ed25519.js'
import { sha256 } from '../../../chain/crypto/hash.js'

const HeaderType = protoType('gather.messaging.v1.GroupBlockHeader')
const BlockType = protoType('gather.messaging.v1.GroupBlock')
const PostType = protoType('gather.messaging.v1.GroupPost')

/** A group-chain block header. Its hash is sha256 of its protobuf encoding (`encodeGroupHeader`). */
export interface GroupBlockHeader {
  groupId: number
  /** from 1 */
  height: number
  /** hash of block height-1 (32 zero bytes for block 1) */
  previousHash: Uint8Array
  /** the producer's ed25519 public key */
  producer: Uint8Array
  timeMs: number
  /** RFC 6962 Merkle root of the block's transactions */
  txRoot: Uint8Array
  /** root of the group chain's state after the block */
  stateRoot: Uint8Array
  /** MMR root over the hashes of blocks 1..height-1 */
  accumulatorRoot: Uint8Array
  txCount: number
}

/** A group-chain block: header, transactions and the producer's ed25519 signature over the header hash. */
export interface GroupBlock {
  header: GroupBlockHeader
  txs: Uint8Array[]
  signature: Uint8Array
}

/** The canonical bytes of a header (what its hash is taken over). */
export function encodeGroupHeader(h: GroupBlockHeader): Uint8Array {
  return HeaderType.encode(
    HeaderType.fromObject({
      groupId: h.groupId,
      height: h.height,
      previousHash: h.previousHash,
      producer: h.producer,
      timeMs: h.timeMs,
      txRoot: h.txRoot,
      stateRoot: h.stateRoot,
      accumulatorRoot: h.accumulatorRoot,
      txCount: h.txCount,
    }),
  ).finish()
}

const bytes32 = (b: unknown, field: string): Uint8Array => {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new Error(`${field} must be 32 bytes`)
  return b
}

/** Decodes header bytes; throws Error naming the bad field. Re-encoding must give the same bytes. */
export function decodeGroupHeader(bytes: Uint8Array): GroupBlockHeader {
  const m = HeaderType.decode(bytes) as unknown as Record<string, unknown>
  const h: GroupBlockHeader = {
    groupId: u64ToSafeNumber(m.groupId as never, 'group_id'),
    height: u64ToSafeNumber(m.height as never, 'height'),
    previousHash: bytes32(m.previousHash, 'previous_hash'),
    producer: (m.producer as Uint8Array | undefined) ?? new Uint8Array(0),
    timeMs: u64ToSafeNumber(m.timeMs as never, 'time_ms'),
    txRoot: bytes32(m.txRoot, 'tx_root'),
    stateRoot: bytes32(m.stateRoot, 'state_root'),
    accumulatorRoot: bytes32(m.accumulatorRoot, 'accumulator_root'),
    txCount: Number(m.txCount ?? 0),
  }
  if (h.height < 1) throw new Error('height must be at least 1')
  // one byte string per header: a non-canonical encoding would give the same block two hashes
  if (Buffer.compare(Buffer.from(encodeGroupHeader(h)), Buffer.from(bytes)) !== 0)
    throw new Error('header bytes are not in canonical encoding')
  return h
}

/** sha256 of a header's canonical bytes. */
export function groupBlockHash(h: GroupBlockHeader | Uint8Array): Uint8Array {
  return sha256(h instanceof Uint8Array ? h : encodeGroupHeader(h))
}

/** True when the block's signature is its producer's ed25519 signature over the header hash. */
export function verifyGroupBlockSignature(b: GroupBlock): boolean {
  return verifyEd25519(b.header.producer, groupBlockHash(b.header), b.signature)
}

/** Encodes a whole block (header, txs, signature). */
export function encodeGroupBlock(b: GroupBlock): Uint8Array {
  return BlockType.encode(
    BlockType.fromObject({
      header: HeaderType.toObject(HeaderType.decode(encodeGroupHeader(b.header))),
      txs: b.txs,
      signature: b.signature,
    }),
  ).finish()
}

/** A post: an author's content (ActivityStreams 2.0 JSON, or ciphertext for a private group). */
export interface GroupPost {
  author: string
  nonce: number
  contentType: string
  content: Uint8Array
}

/** The transaction bytes of a post. */
export function encodePost(p: GroupPost): Uint8Array {
  return PostType.encode(PostType.fromObject(p)).finish()
}

/** Decodes a post transaction. */
export function decodePost(bytes: Uint8Array): GroupPost {
  const m = PostType.decode(bytes) as unknown as Record<string, unknown>
  return {
    author: String(m.author ?? ''),
    nonce: u64ToSafeNumber(m.nonce as never, 'nonce'),
    contentType: String(m.contentType ?? ''),
    content: (m.content as Uint8Array | undefined) ?? new Uint8Array(0),
  }
}
