import { protoType } from '../../../chain/codec/index.js'
import {
  bigintCodec,
  protoCodec,
  SingletonStore,
  TypedStore,
  type ValueCodec,
} from '../../../chain/store/typedStore.js'
import type { StakingParamsJson } from '../params.js'

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

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()
const paramsCodec: ValueCodec<Required<StakingParamsJson>> = {
  encode: (v) =>
    utf8.encode(
      JSON.stringify({
        maxSuperNodes: v.maxSuperNodes,
        minNodeLock: v.minNodeLock,
        maxNodeLock: v.maxNodeLock,
        unbondingBlocks: v.unbondingBlocks,
        electionPeriodRounds: v.electionPeriodRounds,
      }),
    ),
  decode: (b) => JSON.parse(fromUtf8.decode(b)) as Required<StakingParamsJson>,
}

/** `staking/node/<nodeId>` → node record. */
export const nodeStore = new TypedStore<NodeRecord>(
  STAKING_MODULE,
  'node',
  protoCodec(protoType('gather.staking.v1.Node')),
)
/** `staking/lock/<staker>/<nodeId>` → ugat the staker locked on the node. */
export const lockStore = new TypedStore<bigint>(STAKING_MODULE, 'lock', bigintCodec)
const unbondingListCodec = protoCodec<{ entries: UnbondingRecord[] }>(
  protoType('gather.staking.v1.UnbondingList'),
)
/** `staking/unbondingAt/<height, 12 digits>` → unlocks released at that height. */
export const unbondingAtStore = new TypedStore<{ entries: UnbondingRecord[] }>(
  STAKING_MODULE,
  'unbondingAt',
  unbondingListCodec,
)
/** `staking/unbonding/<staker>` → the staker's pending unlocks. */
export const unbondingByStakerStore = new TypedStore<{ entries: UnbondingRecord[] }>(
  STAKING_MODULE,
  'unbonding',
  unbondingListCodec,
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
  paramsCodec,
)
/** Total ugat locked on all nodes. */
export const totalLockedStore = new SingletonStore<bigint>(STAKING_MODULE, 'totalLocked', bigintCodec)

/** The key of a release-height bucket: zero-padded so keys sort by height. */
export function heightId(height: number): string {
  return height.toString().padStart(12, '0')
}
