import { protoType, u64ToSafeNumber } from '../../../chain/codec/index.js'
import { verifyEd25519 } from '../../../chain/crypto/ed25519.js'
import { sha256 } from '../../../chain/crypto/hash.js'

const HeaderType = protoType('gather.messaging.v1.GroupBlockHeader')
const BlockType = protoType('gather.messaging.v1.GroupBlock')

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
  /** the main chain's final height the producer checked the block's rules against */
  mainHeight: number
  /** 0: the height's first producer in turn order; r: the r-th after it (the turn passed) */
  round: number
  /** members removed because their GAT fell below the holder gate */
  removed: string[]
}

/** A transaction whose content was dropped (tombstone or retention): what still commits to it. */
export interface PrunedTx {
  index: number
  /** RFC 6962 leaf hash of the original bytes */
  leafHash: Uint8Array
  author: string
  nonce: number
}

/** A group-chain block: header, transactions and the producer's ed25519 signature over the header hash. */
export interface GroupBlock {
  header: GroupBlockHeader
  /** a pruned transaction is empty here and described in `pruned` */
  txs: Uint8Array[]
  signature: Uint8Array
  pruned?: PrunedTx[]
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
      mainHeight: h.mainHeight,
      round: h.round,
      removed: h.removed,
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
    mainHeight: u64ToSafeNumber(m.mainHeight as never, 'main_height'),
    round: Number(m.round ?? 0),
    removed: ((m.removed as string[] | undefined) ?? []).map(String),
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

/** Encodes a whole block (header, txs, signature, pruned transactions). */
export function encodeGroupBlock(b: GroupBlock): Uint8Array {
  return BlockType.encode(
    BlockType.fromObject({
      header: HeaderType.toObject(HeaderType.decode(encodeGroupHeader(b.header))),
      txs: b.txs,
      signature: b.signature,
      pruned: (b.pruned ?? []).map((p) => ({ ...p })),
    }),
  ).finish()
}

/** A decoded block with its header's canonical bytes and hash (computed once). */
export interface DecodedGroupBlock {
  block: GroupBlock
  headerBytes: Uint8Array
  hash: Uint8Array
}

/**
 * Decodes a whole block; throws Error naming the bad part. The header must be canonical (its hash
 * is over those bytes), the signature 64 bytes, the transaction count the header's, and every
 * pruned entry must stand for an empty transaction slot.
 */
export function decodeGroupBlock(bytes: Uint8Array): DecodedGroupBlock {
  const m = BlockType.decode(bytes) as unknown as Record<string, unknown>
  if (m.header === undefined || m.header === null) throw new Error('block has no header')
  const headerBytes = HeaderType.encode(m.header as never).finish()
  const header = decodeGroupHeader(headerBytes)
  const txs = ((m.txs as Uint8Array[] | undefined) ?? []).map((t) => t)
  const signature = (m.signature as Uint8Array | undefined) ?? new Uint8Array(0)
  if (signature.length !== 64) throw new Error('signature must be 64 bytes')
  if (txs.length !== header.txCount)
    throw new Error(`block has ${txs.length} transactions, header says ${header.txCount}`)
  const pruned: PrunedTx[] = ((m.pruned as Record<string, unknown>[] | undefined) ?? []).map((p) => ({
    index: Number(p.index ?? 0),
    leafHash: bytes32(p.leafHash, 'pruned.leaf_hash'),
    author: String(p.author ?? ''),
    nonce: u64ToSafeNumber(p.nonce as never, 'pruned.nonce'),
  }))
  const seen = new Set<number>()
  for (const p of pruned) {
    if (p.index >= txs.length || seen.has(p.index) || txs[p.index]!.length !== 0)
      throw new Error(`pruned entry ${p.index} does not stand for an empty transaction slot`)
    seen.add(p.index)
  }
  for (let i = 0; i < txs.length; i++)
    if (txs[i]!.length === 0 && !seen.has(i)) throw new Error(`transaction ${i} is empty`)
  const block: GroupBlock = { header, txs, signature }
  if (pruned.length > 0) block.pruned = pruned.sort((a, b) => a.index - b.index)
  return { block, headerBytes, hash: groupBlockHash(headerBytes) }
}
