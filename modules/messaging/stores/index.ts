import { protoType } from '../../../chain/codec/index.js'
import {
  bigintCodec,
  bytesCodec,
  paddedId,
  protoCodec,
  SingletonStore,
  TypedStore,
} from '../../../chain/store/typedStore.js'
import { type MessagingParamsJson, messagingParams } from '../params.js'

/** Module name and key prefix. */
export const MESSAGING_MODULE = 'messaging'

/** A group's policy as stored (docs/protocol/groups.md). */
export interface PolicyRecord {
  /** 1..10,000 */
  maxMembers: number
  /** ugat; "0": not holder-gated */
  minGatBalance: string
  /** "0": no parent */
  parentGroup: string
  membersMayBefriend: boolean
  /** group blocks between anchored checkpoints (1..100,000) */
  checkpointInterval: number
  /** posts are end-to-end encrypted (key epochs); fixed at creation */
  private: boolean
}

/** A group as stored (uint64 numbers as decimal strings). */
export interface GroupRecord {
  id: string
  owner: string
  name: string
  /** hex ed25519 keys; empty: the owner produces */
  producers: string[]
  threshold: number
  policy: PolicyRecord
  createdHeight: string
  updatedHeight: string
  frozen: boolean
  lastCheckpointHeight: string
  checkpointCount: string
}

/** An anchored checkpoint as stored. */
export interface CheckpointRecord {
  groupId: string
  height: string
  blockHash: Uint8Array
  stateRoot: Uint8Array
  accumulatorRoot: Uint8Array
  /** producers whose signatures counted; ["owner"] for an owner-produced group */
  signers: string[]
  anchoredHeight: string
  submitter: string
}

/** Two conflicting checkpoints for one height, as stored. */
export interface EvidenceRecord {
  groupId: string
  height: string
  anchored: CheckpointRecord
  conflicting: CheckpointRecord
  culprits: string[]
  mainHeight: string
  resolved: boolean
}

/** `messaging/group/<id, 20 digits>` → the group. */
export const groupStore = new TypedStore<GroupRecord>(
  MESSAGING_MODULE,
  'group',
  protoCodec(protoType('gather.messaging.v1.Group')),
)
/** `messaging/byOwner/<owner>/<id, 20 digits>` → empty: the owner's groups, for `group_list`. */
export const groupByOwnerStore = new TypedStore<Uint8Array>(MESSAGING_MODULE, 'byOwner', bytesCodec)
/** `messaging/byParent/<parent id>/<id>` (20 digits each) → empty: a group's children. */
export const groupByParentStore = new TypedStore<Uint8Array>(MESSAGING_MODULE, 'byParent', bytesCodec)
/** `messaging/checkpoint/<group id>/<height>` (20 digits each) → an anchored checkpoint. */
export const checkpointStore = new TypedStore<CheckpointRecord>(
  MESSAGING_MODULE,
  'checkpoint',
  protoCodec(protoType('gather.messaging.v1.Checkpoint')),
)
/**
 * `messaging/evidence/<group id>/<height>/<main height>` (20 digits each) → conflicting checkpoints
 * that froze the group (a frozen group takes no more, so one main height holds at most one).
 */
export const evidenceStore = new TypedStore<EvidenceRecord>(
  MESSAGING_MODULE,
  'evidence',
  protoCodec(protoType('gather.messaging.v1.GroupEvidence')),
)
/** `messaging/gated/<id, 20 digits>` → minGatBalance of a holder-gated group (only those). */
export const gatedStore = new TypedStore<bigint>(MESSAGING_MODULE, 'gated', bigintCodec)
/** The id the next group gets. */
export const nextGroupIdStore = new SingletonStore<bigint>(MESSAGING_MODULE, 'nextGroupId', bigintCodec)
/** Parameters. */
export const paramsStore = new SingletonStore<Required<MessagingParamsJson>>(
  MESSAGING_MODULE,
  'params',
  messagingParams.codec,
)

/** The state key of a group's checkpoint at a height (what `state_getProof` proves). */
export function checkpointKey(groupId: number | string, height: number | string): string {
  return checkpointStore.key(`${paddedId(groupId)}/${paddedId(height)}`)
}
