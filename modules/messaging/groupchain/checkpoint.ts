import { protoType } from '../../../chain/codec/index.js'
import { signEd25519, verifyEd25519 } from '../../../chain/crypto/ed25519.js'
import { hex } from '../../../chain/hex.js'

const SignDocType = protoType('gather.messaging.v1.CheckpointSignDoc')

/** Domain of checkpoint signatures: a producer's key signs nothing else with this prefix. */
export const CHECKPOINT_DOMAIN = 'gather/group-checkpoint/v1'

/** What a checkpoint states about a group chain at one height. */
export interface GroupCheckpoint {
  groupId: number
  height: number
  blockHash: Uint8Array
  stateRoot: Uint8Array
  accumulatorRoot: Uint8Array
}

/** A producer's signature on a checkpoint. */
export interface ProducerSignature {
  /** the producer's ed25519 public key, 64 lower-case hex characters */
  producer: string
  signature: Uint8Array
}

/**
 * The bytes producers sign: the domain, the main chain's id (so a signature cannot be replayed
 * on another chain) and every field of the checkpoint.
 */
export function checkpointSignBytes(chainId: string, cp: GroupCheckpoint): Uint8Array {
  return SignDocType.encode(
    SignDocType.fromObject({
      domain: CHECKPOINT_DOMAIN,
      chainId,
      groupId: cp.groupId,
      height: cp.height,
      blockHash: cp.blockHash,
      stateRoot: cp.stateRoot,
      accumulatorRoot: cp.accumulatorRoot,
    }),
  ).finish()
}

/** Signs a checkpoint with a producer's ed25519 key. */
export function signCheckpoint(
  chainId: string,
  cp: GroupCheckpoint,
  key: { privateKey: Uint8Array; publicKey: Uint8Array },
): ProducerSignature {
  return {
    producer: hex(key.publicKey),
    signature: signEd25519(key.privateKey, checkpointSignBytes(chainId, cp)),
  }
}

/** True when `sig` is `sig.producer`'s valid signature on the checkpoint. */
export function verifyCheckpointSignature(
  chainId: string,
  cp: GroupCheckpoint,
  sig: ProducerSignature,
): boolean {
  if (!/^[0-9a-f]{64}$/.test(sig.producer)) return false
  return verifyEd25519(Buffer.from(sig.producer, 'hex'), checkpointSignBytes(chainId, cp), sig.signature)
}

/** True when two checkpoints for the same group and height state the same block. */
export function sameCheckpoint(a: GroupCheckpoint, b: GroupCheckpoint): boolean {
  const eq = (x: Uint8Array, y: Uint8Array): boolean => Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0
  return (
    a.groupId === b.groupId &&
    a.height === b.height &&
    eq(a.blockHash, b.blockHash) &&
    eq(a.stateRoot, b.stateRoot) &&
    eq(a.accumulatorRoot, b.accumulatorRoot)
  )
}

const AnchoredType = protoType('gather.messaging.v1.Checkpoint')

/**
 * The checkpoint in an anchored record's state value (`messaging/checkpoint/<group>/<height>`),
 * as `state_getProof` returns it: a light client checks the value against a main-chain state
 * root, then verifies inclusion proofs against this. Throws Error on bytes that do not decode.
 */
export function decodeAnchoredCheckpoint(value: Uint8Array): GroupCheckpoint & { signers: string[] } {
  const m = AnchoredType.toObject(AnchoredType.decode(value), { longs: String, defaults: true }) as {
    groupId: string
    height: string
    blockHash: Uint8Array
    stateRoot: Uint8Array
    accumulatorRoot: Uint8Array
    signers: string[]
  }
  const num = (s: string, field: string): number => {
    const n = Number(s)
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${field} ${s} is not a valid number`)
    return n
  }
  for (const [field, b] of [
    ['block_hash', m.blockHash],
    ['state_root', m.stateRoot],
    ['accumulator_root', m.accumulatorRoot],
  ] as const)
    if (b.length !== 32) throw new Error(`${field} is not 32 bytes`)
  return {
    groupId: num(m.groupId, 'group_id'),
    height: num(m.height, 'height'),
    blockHash: Uint8Array.from(m.blockHash),
    stateRoot: Uint8Array.from(m.stateRoot),
    accumulatorRoot: Uint8Array.from(m.accumulatorRoot),
    signers: m.signers,
  }
}
