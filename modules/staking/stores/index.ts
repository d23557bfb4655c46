import { protoType } from '../../../chain/codec/index.js'
import {
  bigintCodec,
  paddedId,
  protoCodec,
  SingletonStore,
  TypedStore,
} from '../../../chain/store/typedStore.js'
import { type StakingParamsJson, stakingParams } from '../params.js'

/** Module name and key prefix. */
export const STAKING_MODULE = 'staking'

/** A node record as stored (numbers as decimal strings). */
export interface NodeRecord {
  nodeId: string
  owner: string
  moniker: string
  registeredHeight: string
  locked: string
  jailedUntil: string
}

/** One pending unlock. */
export interface UnbondingRecord {
  staker: string
  nodeId: string
  amount: string
  releaseHeight: string
}

/** The elected set of a period. */
export interface SuperNodeSetRecord {
  period: string
  nodeIds: string[]
}

/** `staking/node/<nodeId>` → node record. */
export const nodeStore = new TypedStore<NodeRecord>(
  STAKING_MODULE,
  'node',
  protoCodec(protoType('gather.staking.v1.Node')),
)
/** `staking/lock/<staker>/<nodeId>` → ugat the staker locked on the node. */
export const lockStore = new TypedStore<bigint>(STAKING_MODULE, 'lock', bigintCodec)
const unbondingEntryCodec = protoCodec<UnbondingRecord>(protoType('gather.staking.v1.UnbondingEntry'))
/**
 * `staking/unbondingAt/<height, 12 digits>/<index, 10 digits>` → one unlock released at that
 * height. One key per unlock (not one list per height), so queuing an unlock and releasing it
 * cost O(1) however many unlocks share a release height.
 */
export const unbondingAtStore = new TypedStore<UnbondingRecord>(
  STAKING_MODULE,
  'unbondingAt',
  unbondingEntryCodec,
)
/** `staking/unbondingCount/<height, 12 digits>` → how many unlocks were queued for that height. */
export const unbondingCountStore = new TypedStore<bigint>(STAKING_MODULE, 'unbondingCount', bigintCodec)
/** `staking/unbonding/<staker>/<height, 12 digits>/<index, 10 digits>` → the staker's pending unlock (same index as unbondingAt). */
export const unbondingByStakerStore = new TypedStore<UnbondingRecord>(
  STAKING_MODULE,
  'unbonding',
  unbondingEntryCodec,
)
/** The current super nodes and the period they were elected for. */
export const superNodesStore = new SingletonStore<SuperNodeSetRecord>(
  STAKING_MODULE,
  'superNodes',
  protoCodec(protoType('gather.staking.v1.SuperNodeSet')),
)
/** Parameters. */
export const paramsStore = new SingletonStore<Required<StakingParamsJson>>(
  STAKING_MODULE,
  'params',
  stakingParams.codec,
)
/** Total ugat locked on all nodes. */
export const totalLockedStore = new SingletonStore<bigint>(STAKING_MODULE, 'totalLocked', bigintCodec)
/** Total ugat unlocked and waiting in unbonding (absent means 0). */
export const totalUnbondingStore = new SingletonStore<bigint>(STAKING_MODULE, 'totalUnbonding', bigintCodec)

/** The key of a release-height bucket: zero-padded so keys sort by height. */
export function heightId(height: number): string {
  return paddedId(height, 12)
}

/** The id of the `index`-th unlock released at `height`: sorts by height, then queue order. */
export function unbondingId(height: number, index: bigint): string {
  return `${heightId(height)}/${paddedId(index, 10)}`
}

/** `staking/dayBlocks/<nodeId>` → blocks the node produced in the current day (cleared at its end). */
export const dayBlocksStore = new TypedStore<bigint>(STAKING_MODULE, 'dayBlocks', bigintCodec)

/**
 * `staking/lockByNode/<nodeId>/<staker>` → the same ugat as `lock/<staker>/<nodeId>`: the node's
 * lockers, so slashing a node reads its own stakers and not every lock. Kept by `changeLock`.
 */
export const lockByNodeStore = new TypedStore<bigint>(STAKING_MODULE, 'lockByNode', bigintCodec)

/**
 * `staking/lockedBy/<staker>` → ugat the staker has locked on all nodes (the sum of its
 * `lock/<staker>/…`): a voter's governance weight, read in O(1). Kept by `changeLock`.
 */
export const lockedByStore = new TypedStore<bigint>(STAKING_MODULE, 'lockedBy', bigintCodec)

/** `staking/jailExpiry/<height, 12 digits>/<nodeId>` → the height the node was jailed at; read when its jail ends. */
export const jailExpiryStore = new TypedStore<bigint>(STAKING_MODULE, 'jailExpiry', bigintCodec)

/**
 * `staking/evidence/<offender>/<kind>/<slot or height, 12 digits>` → the height the evidence was
 * included at: each offence is punished once.
 */
export const evidenceStore = new TypedStore<bigint>(STAKING_MODULE, 'evidence', bigintCodec)
