import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { sha256Hex } from '../../../chain/crypto/hash.js'
import { ChainError } from '../../../chain/errors.js'
import { hex } from '../../../chain/hex.js'
import type { Command, ReadContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { MessagingErrorCode } from '../errors.js'
import { messagingEvents } from '../events.js'
import {
  checkpointSignBytes,
  type GroupCheckpoint,
  sameCheckpoint,
  verifyCheckpointSignature,
} from '../groupchain/checkpoint.js'
import { messagingMethod } from '../method.js'
import { MAX_PRODUCERS_HARD } from '../params.js'
import type { CheckpointRecord, GroupRecord } from '../stores/index.js'
import { decodeId } from './shared.js'

const MsgAnchorCheckpointType = protoType('gather.messaging.v1.MsgAnchorCheckpoint')

/** The signer name recorded for an owner-produced group's checkpoints. */
export const OWNER_SIGNER = 'owner'

/** A decoded MsgAnchorCheckpoint. */
export interface AnchorCheckpoint {
  submitter: string
  checkpoint: GroupCheckpoint
  signatures: { producer: string; signature: Uint8Array }[]
}

function bytes32(v: unknown, field: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== 32)
    throw new ChainError(MessagingErrorCode.INVALID_CHECKPOINT, `${field} must be 32 bytes`)
  return Uint8Array.from(v)
}

function toRecord(
  cp: GroupCheckpoint,
  signers: string[],
  height: number,
  submitter: string,
): CheckpointRecord {
  return {
    groupId: cp.groupId.toString(),
    height: cp.height.toString(),
    blockHash: cp.blockHash,
    stateRoot: cp.stateRoot,
    accumulatorRoot: cp.accumulatorRoot,
    signers,
    anchoredHeight: height.toString(),
    submitter,
  }
}

function toCheckpoint(r: CheckpointRecord): GroupCheckpoint {
  return {
    groupId: Number(r.groupId),
    height: Number(r.height),
    blockHash: r.blockHash,
    stateRoot: r.stateRoot,
    accumulatorRoot: r.accumulatorRoot,
  }
}

const SIGNATURE_CACHE_LIMIT = 100_000

/** Checks producer signatures of checkpoints. */
type SignatureCheck = (
  chainId: string,
  cp: GroupCheckpoint,
  sig: { producer: string; signature: Uint8Array },
) => boolean

/**
 * `verifyCheckpointSignature`, remembering valid results so a block does not check again what
 * admission checked (a pure function of its inputs, so safe to cache). One per command, so one
 * per node: nodes in one process (tests, benchmarks) do not share it.
 */
function cachedSignatureCheck(): SignatureCheck {
  const verified = new Map<string, true>()
  return (chainId, cp, sig) => {
    const key = `${sha256Hex(checkpointSignBytes(chainId, cp))}:${sig.producer}:${hex(sig.signature)}`
    if (verified.has(key)) return true
    if (!verifyCheckpointSignature(chainId, cp, sig)) return false
    if (verified.size >= SIGNATURE_CACHE_LIMIT) verified.clear()
    verified.set(key, true)
    return true
  }
}

/**
 * The producers whose signatures count for this checkpoint, after checking every signature:
 * each from a current producer, valid over the checkpoint and this chain's id, and enough of
 * them. An owner-produced group's checkpoint is signed by the owner's transaction itself.
 */
function countedSigners(
  ctx: ReadContext,
  group: GroupRecord,
  msg: AnchorCheckpoint,
  isValidSignature: SignatureCheck,
): string[] {
  if (group.producers.length === 0) {
    if (msg.submitter !== group.owner || msg.signatures.length > 0)
      throw new ChainError(
        MessagingErrorCode.NOT_PRODUCER,
        `group ${group.id} has no producers: its owner ${group.owner} produces it, and only the owner's own transaction (without producer signatures) anchors its checkpoints`,
      )
    return [OWNER_SIGNER]
  }
  for (const s of msg.signatures) {
    if (!group.producers.includes(s.producer))
      throw new ChainError(
        MessagingErrorCode.NOT_PRODUCER,
        `${s.producer} is not a producer of group ${group.id} (producers: ${group.producers.join(', ')})`,
        { producer: s.producer },
      )
    if (!isValidSignature(ctx.block.chainId, msg.checkpoint, s))
      throw new ChainError(
        MessagingErrorCode.BAD_SIGNATURE,
        `the signature of producer ${s.producer} does not verify over this checkpoint and chain id "${ctx.block.chainId}"`,
        { producer: s.producer },
      )
  }
  if (msg.signatures.length < group.threshold)
    throw new ChainError(
      MessagingErrorCode.BELOW_THRESHOLD,
      `${msg.signatures.length} producer signature(s); group ${group.id} needs ${group.threshold} of its ${group.producers.length} producers`,
      { signatures: msg.signatures.length, threshold: group.threshold },
    )
  return msg.signatures.map((s) => s.producer)
}

/**
 * `/gather.messaging.v1.MsgAnchorCheckpoint`: anyone submits a group-chain checkpoint signed by
 * at least the threshold of the group's current producers; heights strictly increase. A
 * checkpoint that contradicts an anchored one at the same height, with the threshold of
 * signatures, is evidence: it is recorded and the group is frozen until its owner rotates the
 * producers that signed both.
 */
export function anchorCheckpointCommand(): Command<AnchorCheckpoint> {
  const isValidSignature = cachedSignatureCheck()
  return {
    typeUrl: typeUrlOf(MsgAnchorCheckpointType),

    decode(value) {
      const m = MsgAnchorCheckpointType.decode(value) as unknown as {
        submitter: string
        groupId: unknown
        height: unknown
        blockHash: unknown
        stateRoot: unknown
        accumulatorRoot: unknown
        signatures: { producer: string; signature: Uint8Array }[]
      }
      if (m.signatures.length > MAX_PRODUCERS_HARD)
        throw new ChainError(
          MessagingErrorCode.INVALID_CHECKPOINT,
          `at most ${MAX_PRODUCERS_HARD} signatures`,
        )
      const seen = new Set<string>()
      const signatures = m.signatures.map((s, i) => {
        if (!/^[0-9a-f]{64}$/.test(s.producer))
          throw new ChainError(
            MessagingErrorCode.INVALID_CHECKPOINT,
            `signatures[${i}].producer must be an ed25519 public key as 64 lower-case hex characters`,
          )
        if (seen.has(s.producer))
          throw new ChainError(
            MessagingErrorCode.DUPLICATE_SIGNER,
            `signatures[${i}]: producer ${s.producer} signed twice; each producer counts once`,
          )
        seen.add(s.producer)
        if (!(s.signature instanceof Uint8Array) || s.signature.length !== 64)
          throw new ChainError(
            MessagingErrorCode.INVALID_CHECKPOINT,
            `signatures[${i}].signature must be 64 bytes`,
          )
        return { producer: s.producer, signature: Uint8Array.from(s.signature) }
      })
      return {
        submitter: checkAddress(m.submitter, 'submitter'),
        checkpoint: {
          groupId: decodeId(m.groupId, 'group_id'),
          height: decodeId(m.height, 'height', false, MessagingErrorCode.INVALID_CHECKPOINT),
          blockHash: bytes32(m.blockHash, 'block_hash'),
          stateRoot: bytes32(m.stateRoot, 'state_root'),
          accumulatorRoot: bytes32(m.accumulatorRoot, 'accumulator_root'),
        },
        signatures,
      }
    },

    signer: (msg) => msg.submitter,

    verify(ctx, msg) {
      const cp = msg.checkpoint
      const group = messagingMethod.getGroup(ctx.state, cp.groupId)
      if (group === undefined)
        throw new ChainError(MessagingErrorCode.UNKNOWN_GROUP, `group ${cp.groupId} does not exist`)
      if (group.frozen)
        throw new ChainError(
          MessagingErrorCode.GROUP_FROZEN,
          `group ${group.id} is frozen after conflicting checkpoints; its owner must rotate the producers first`,
        )
      countedSigners(ctx, group, msg, isValidSignature)
      const existing = messagingMethod.getCheckpoint(ctx.state, cp.groupId, cp.height)
      if (existing !== undefined) {
        if (sameCheckpoint(toCheckpoint(existing), cp))
          throw new ChainError(
            MessagingErrorCode.CHECKPOINT_EXISTS,
            `group ${group.id}'s checkpoint at height ${cp.height} is already anchored`,
          )
        return // a conflicting checkpoint: evidence, recorded by execute
      }
      const last = Number(group.lastCheckpointHeight)
      if (cp.height <= last)
        throw new ChainError(
          MessagingErrorCode.HEIGHT_NOT_INCREASING,
          `group ${group.id}'s last checkpoint is at height ${last}; a new one must be higher than that, got ${cp.height}`,
          { last },
        )
    },

    execute(ctx, msg) {
      const cp = msg.checkpoint
      const group = messagingMethod.getGroup(ctx.state, cp.groupId)!
      // verify has just checked every signature (the state machine runs it right before)
      const signers = group.producers.length === 0 ? [OWNER_SIGNER] : msg.signatures.map((s) => s.producer)
      const record = toRecord(cp, signers, ctx.block.height, msg.submitter)
      const existing = messagingMethod.getCheckpoint(ctx.state, cp.groupId, cp.height)
      if (existing !== undefined) {
        const both = existing.signers.filter((s) => signers.includes(s))
        // after a rotation, new producers contradicting anchored history are the ones to blame
        const culprits = both.length > 0 ? both : signers
        messagingMethod.putEvidence(ctx.state, {
          groupId: group.id,
          height: cp.height.toString(),
          anchored: existing,
          conflicting: record,
          culprits,
          mainHeight: ctx.block.height.toString(),
          resolved: false,
        })
        messagingMethod.putGroup(ctx.state, group, { ...group, frozen: true })
        messagingEvents.emit(ctx, 'messaging.group_frozen', {
          group_id: group.id,
          height: cp.height.toString(),
          culprits: culprits.join(','),
          submitter: msg.submitter,
        })
        return
      }
      messagingMethod.putCheckpoint(ctx.state, record)
      messagingMethod.putGroup(ctx.state, group, {
        ...group,
        lastCheckpointHeight: cp.height.toString(),
        checkpointCount: (BigInt(group.checkpointCount) + 1n).toString(),
      })
      messagingEvents.emit(ctx, 'messaging.checkpoint_anchored', {
        group_id: group.id,
        height: cp.height.toString(),
        block_hash: hex(cp.blockHash),
        signers: signers.join(','),
      })
    },
  }
}
