import { hex } from '../../../chain/hex.js'
import { decodeGroupHeader, type GroupBlockHeader, groupBlockHash } from './block.js'
import type { GroupCheckpoint } from './checkpoint.js'
import { leafHash, rootFromAuditPath } from './merkle.js'
import { type MmrProof, mmrRootFromProof } from './mmr.js'
import { MAX_GROUP_TX_BYTES } from './tx.js'

/**
 * A message inclusion proof: message → the block's tx root (audit path) → the block's hash (its
 * header) → the checkpoint's accumulator (an MMR proof; not needed when the message is in the
 * checkpoint block itself) → the checkpoint block (its header, whose hash is the anchored block
 * hash and whose accumulator and state roots are the anchored ones).
 */
export interface InclusionProof {
  groupId: number
  /** the group-chain height of the anchored checkpoint the proof ends at */
  checkpointHeight: number
  /** the message (a group-chain transaction); empty for a deleted one, proven by `leafHash` */
  message: Uint8Array
  /** the leaf hash of a message whose content was dropped (a tombstone): its hash still proves */
  leafHash?: Uint8Array
  /** header bytes of the block holding the message */
  blockHeader: Uint8Array
  /** index of the message among the block's transactions */
  txIndex: number
  /** audit path to the block's tx root, deepest first */
  txPath: Uint8Array[]
  /** the block among the checkpoint's earlier blocks (absent when the block is the checkpoint block) */
  accumulator?: MmrProof
  /** header bytes of the checkpoint block (absent when the block is the checkpoint block) */
  checkpointHeader?: Uint8Array
}

/** Why a proof does not verify: a stable code and a sentence. */
export type InclusionFailure = { valid: false; code: InclusionErrorCode; reason: string }

/** The outcome of verifying a proof. */
export type InclusionResult =
  | {
      valid: true
      groupId: number
      height: number
      txIndex: number
      checkpointHeight: number
      blockHash: string
    }
  | InclusionFailure

/** Codes of `verifyInclusion` failures. */
export const InclusionErrorCode = {
  MALFORMED: 'PROOF_MALFORMED',
  WRONG_CHECKPOINT: 'PROOF_WRONG_CHECKPOINT',
  TX_ROOT_MISMATCH: 'PROOF_TX_ROOT_MISMATCH',
  BLOCK_HASH_MISMATCH: 'PROOF_BLOCK_HASH_MISMATCH',
  ACCUMULATOR_MISMATCH: 'PROOF_ACCUMULATOR_MISMATCH',
  CHECKPOINT_MISMATCH: 'PROOF_CHECKPOINT_MISMATCH',
  /** (main chain lookups) the proof names a group that does not exist */
  UNKNOWN_GROUP: 'PROOF_UNKNOWN_GROUP',
  /** (main chain lookups) no checkpoint is anchored at the proof's checkpoint height */
  NO_CHECKPOINT: 'PROOF_NO_CHECKPOINT',
} as const
/** One of the `InclusionErrorCode` values. */
export type InclusionErrorCode = (typeof InclusionErrorCode)[keyof typeof InclusionErrorCode]

const eq = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0
const fail = (code: InclusionErrorCode, reason: string): InclusionFailure => ({ valid: false, code, reason })

function header(bytes: Uint8Array, what: string): GroupBlockHeader | InclusionFailure {
  try {
    return decodeGroupHeader(bytes)
  } catch (e) {
    return fail(InclusionErrorCode.MALFORMED, `${what} is not a group block header: ${(e as Error).message}`)
  }
}

/**
 * Verifies a proof against an anchored checkpoint, and nothing else: the checkpoint is what a
 * client reads from the main chain (`group_getCheckpoints`, or `state_getProof` of its key
 * against a final header's state root). Pure, no I/O. Every failure names the first link that
 * does not hold.
 */
export function verifyInclusion(proof: InclusionProof, checkpoint: GroupCheckpoint): InclusionResult {
  if (proof.groupId !== checkpoint.groupId || proof.checkpointHeight !== checkpoint.height) {
    return fail(
      InclusionErrorCode.WRONG_CHECKPOINT,
      `the proof ends at group ${proof.groupId} height ${proof.checkpointHeight}, the checkpoint is group ${checkpoint.groupId} height ${checkpoint.height}`,
    )
  }
  const block = header(proof.blockHeader, 'blockHeader')
  if ('valid' in block) return block
  if (block.groupId !== checkpoint.groupId)
    return fail(
      InclusionErrorCode.WRONG_CHECKPOINT,
      `the block belongs to group ${block.groupId}, not ${checkpoint.groupId}`,
    )
  if (block.height > checkpoint.height)
    return fail(
      InclusionErrorCode.WRONG_CHECKPOINT,
      `the block is at height ${block.height}, after the checkpoint at ${checkpoint.height}`,
    )

  // message → tx root
  if (proof.txIndex >= block.txCount)
    return fail(
      InclusionErrorCode.TX_ROOT_MISMATCH,
      `txIndex ${proof.txIndex} is outside the block's ${block.txCount} transactions`,
    )
  const leaf =
    proof.message.length === 0 && proof.leafHash !== undefined ? proof.leafHash : leafHash(proof.message)
  const txRoot = rootFromAuditPath(leaf, proof.txIndex, block.txCount, proof.txPath)
  if (txRoot === undefined || !eq(txRoot, block.txRoot)) {
    return fail(
      InclusionErrorCode.TX_ROOT_MISMATCH,
      `the message and its path give tx root ${txRoot === undefined ? '(none: the path does not fit the block)' : hex(txRoot)}, the block's is ${hex(block.txRoot)}: the message is not transaction ${proof.txIndex} of block ${block.height}`,
    )
  }

  // tx root → block hash
  const blockHash = groupBlockHash(proof.blockHeader)
  const ok = (): InclusionResult => ({
    valid: true,
    groupId: block.groupId,
    height: block.height,
    txIndex: proof.txIndex,
    checkpointHeight: checkpoint.height,
    blockHash: hex(blockHash),
  })
  if (block.height === checkpoint.height) {
    if (!eq(blockHash, checkpoint.blockHash))
      return fail(
        InclusionErrorCode.BLOCK_HASH_MISMATCH,
        `the block hashes to ${hex(blockHash)}, the checkpoint anchors ${hex(checkpoint.blockHash)}`,
      )
    if (!eq(block.accumulatorRoot, checkpoint.accumulatorRoot) || !eq(block.stateRoot, checkpoint.stateRoot))
      return fail(
        InclusionErrorCode.CHECKPOINT_MISMATCH,
        "the block's accumulator or state root differs from the checkpoint's",
      )
    return ok()
  }

  // block hash → accumulator of the checkpoint block
  if (proof.accumulator === undefined || proof.checkpointHeader === undefined)
    return fail(
      InclusionErrorCode.MALFORMED,
      `the block is below the checkpoint height, so the proof needs accumulator and checkpointHeader`,
    )
  const anchor = header(proof.checkpointHeader, 'checkpointHeader')
  if ('valid' in anchor) return anchor
  const anchorHash = groupBlockHash(proof.checkpointHeader)
  if (!eq(anchorHash, checkpoint.blockHash))
    return fail(
      InclusionErrorCode.BLOCK_HASH_MISMATCH,
      `the checkpoint header hashes to ${hex(anchorHash)}, the checkpoint anchors ${hex(checkpoint.blockHash)}`,
    )
  if (anchor.height !== checkpoint.height || anchor.groupId !== checkpoint.groupId)
    return fail(
      InclusionErrorCode.CHECKPOINT_MISMATCH,
      'the checkpoint header is for another group or height',
    )
  if (!eq(anchor.accumulatorRoot, checkpoint.accumulatorRoot) || !eq(anchor.stateRoot, checkpoint.stateRoot))
    return fail(
      InclusionErrorCode.CHECKPOINT_MISMATCH,
      "the checkpoint header's accumulator or state root differs from the anchored checkpoint's",
    )
  const acc = proof.accumulator
  if (acc.leafIndex !== block.height - 1 || acc.size !== checkpoint.height - 1)
    return fail(
      InclusionErrorCode.ACCUMULATOR_MISMATCH,
      `the accumulator proof is for leaf ${acc.leafIndex} of ${acc.size}; block ${block.height} under a checkpoint at ${checkpoint.height} is leaf ${block.height - 1} of ${checkpoint.height - 1}`,
    )
  const root = mmrRootFromProof(blockHash, acc)
  if (root === undefined || !eq(root, checkpoint.accumulatorRoot))
    return fail(
      InclusionErrorCode.ACCUMULATOR_MISMATCH,
      `block ${block.height}'s hash and the accumulator path give ${root === undefined ? '(none: the path does not fit the size)' : hex(root)}, the checkpoint's accumulator root is ${hex(checkpoint.accumulatorRoot)}`,
    )
  return ok()
}

/** The JSON form of a proof (what `gather verify-inclusion --proof FILE` reads and `group_verifyInclusion` takes). */
export interface InclusionProofJson {
  groupId: number
  checkpointHeight: number
  /** base64; empty for a deleted message */
  message: string
  /** hex: the leaf hash of a deleted message (its tombstone) */
  leafHash?: string
  /** base64 */
  blockHeader: string
  txIndex: number
  /** hex, 32 bytes each */
  txPath: string[]
  accumulator?: { leafIndex: number; size: number; path: string[]; peaks: string[] }
  /** base64 */
  checkpointHeader?: string
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const fromB64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'))

/** A proof as JSON. */
export function proofToJson(p: InclusionProof): InclusionProofJson {
  return {
    groupId: p.groupId,
    checkpointHeight: p.checkpointHeight,
    message: b64(p.message),
    ...(p.leafHash === undefined ? {} : { leafHash: hex(p.leafHash) }),
    blockHeader: b64(p.blockHeader),
    txIndex: p.txIndex,
    txPath: p.txPath.map(hex),
    ...(p.accumulator === undefined
      ? {}
      : {
          accumulator: {
            leafIndex: p.accumulator.leafIndex,
            size: p.accumulator.size,
            path: p.accumulator.path.map(hex),
            peaks: p.accumulator.peaks.map(hex),
          },
        }),
    ...(p.checkpointHeader === undefined ? {} : { checkpointHeader: b64(p.checkpointHeader) }),
  }
}

/** Limits on a proof's JSON: far above any real group chain, far below a memory problem. */
export const PROOF_LIMITS = { maxMessageBytes: MAX_GROUP_TX_BYTES, maxPath: 64, maxHeaderBytes: 64 * 1024 }

const HEX32 = /^[0-9a-fA-F]{64}$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Reads a proof from untrusted JSON; throws Error naming the first bad field. The RPC method
 * checks the same shape with zod first; the CLI and other clients use this.
 */
export function proofFromJson(j: unknown): InclusionProof {
  if (j === null || typeof j !== 'object' || Array.isArray(j))
    throw new Error('the proof must be a JSON object')
  const o = j as Record<string, unknown>
  const int = (v: unknown, field: string, min = 0): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw new Error(`${field} must be a whole number from ${min}`)
    return v
  }
  const base64 = (v: unknown, field: string, max: number): Uint8Array => {
    if (typeof v !== 'string' || !BASE64.test(v) || v.length > Math.ceil((max * 4) / 3) + 4)
      throw new Error(`${field} must be base64 of at most ${max} bytes`)
    return fromB64(v)
  }
  const hashes = (v: unknown, field: string): Uint8Array[] => {
    if (!Array.isArray(v) || v.length > PROOF_LIMITS.maxPath)
      throw new Error(`${field} must be an array of at most ${PROOF_LIMITS.maxPath} hashes`)
    return v.map((h, i) => {
      if (typeof h !== 'string' || !HEX32.test(h)) throw new Error(`${field}[${i}] must be 64 hex characters`)
      return fromHex(h)
    })
  }
  const known = new Set([
    'groupId',
    'checkpointHeight',
    'message',
    'leafHash',
    'blockHeader',
    'txIndex',
    'txPath',
    'accumulator',
    'checkpointHeader',
  ])
  for (const k of Object.keys(o)) if (!known.has(k)) throw new Error(`unknown field "${k}"`)
  const proof: InclusionProof = {
    groupId: int(o.groupId, 'groupId', 1),
    checkpointHeight: int(o.checkpointHeight, 'checkpointHeight', 1),
    message: base64(o.message, 'message', PROOF_LIMITS.maxMessageBytes),
    blockHeader: base64(o.blockHeader, 'blockHeader', PROOF_LIMITS.maxHeaderBytes),
    txIndex: int(o.txIndex, 'txIndex'),
    txPath: hashes(o.txPath, 'txPath'),
  }
  if (o.leafHash !== undefined) {
    if (typeof o.leafHash !== 'string' || !HEX32.test(o.leafHash))
      throw new Error('leafHash must be 64 hex characters')
    if (proof.message.length > 0) throw new Error('a proof holds either the message or its leafHash')
    proof.leafHash = fromHex(o.leafHash)
  }
  if (o.accumulator !== undefined) {
    const a = o.accumulator as Record<string, unknown>
    if (a === null || typeof a !== 'object') throw new Error('accumulator must be an object')
    proof.accumulator = {
      leafIndex: int(a.leafIndex, 'accumulator.leafIndex'),
      size: int(a.size, 'accumulator.size', 1),
      path: hashes(a.path, 'accumulator.path'),
      peaks: hashes(a.peaks, 'accumulator.peaks'),
    }
  }
  if (o.checkpointHeader !== undefined)
    proof.checkpointHeader = base64(o.checkpointHeader, 'checkpointHeader', PROOF_LIMITS.maxHeaderBytes)
  return proof
}
