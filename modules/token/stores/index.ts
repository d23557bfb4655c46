import { protoType } from '../../../chain/codec/index.js'
import {
  bigintCodec,
  protoCodec,
  SingletonStore,
  stringCodec,
  TypedStore,
} from '../../../chain/store/typedStore.js'
import { type AccountRecord, accountCodec } from './accountCodec.js'

/** Module name, also the state key prefix. */
export const TOKEN_MODULE = 'token'

export type { AccountRecord } from './accountCodec.js'

/** `token/account/<address>` → account number and sequence. */
export const accountStore = new TypedStore<AccountRecord>(TOKEN_MODULE, 'account', accountCodec)
/** `token/balance/<address>` → ugat. */
export const balanceStore = new TypedStore<bigint>(TOKEN_MODULE, 'balance', bigintCodec)
/** The next account number to assign. */
export const nextAccountNumberStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'nextAccountNumber',
  bigintCodec,
)
/** ugat created at genesis. */
export const genesisSupplyStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/genesis', bigintCodec)
/** ugat minted by issuance since genesis. */
export const mintedStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/minted', bigintCodec)
/** ugat burned (fees and paid features). */
export const burnedStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/burned', bigintCodec)
/** Parameters, stored so that governance can change them later. */
export const minFeeStore = new SingletonStore<bigint>(TOKEN_MODULE, 'params/minFee', bigintCodec)

/** GMT of an account as stored (decimal strings). */
export interface GmtRecord {
  total: string
  bound: string
}

/** `token/gmt/<address>` → GMT held, and how many are bound to registered nodes. */
export const gmtStore = new TypedStore<GmtRecord>(
  TOKEN_MODULE,
  'gmt',
  protoCodec(protoType('gather.token.v1.GmtHolding')),
)
/** GMT issued so far (cap 10,000,000). */
export const gmtIssuedStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/gmtIssued', bigintCodec)
/** The only account allowed to issue GMT (genesis parameter; absent: nobody). */
export const gmtIssuerStore = new SingletonStore<string>(TOKEN_MODULE, 'params/gmtIssuer', stringCodec)

/** `token/params/blocksPerDay`: blocks per issuance day (genesis parameter). */
export const blocksPerDayStore = new SingletonStore<bigint>(TOKEN_MODULE, 'params/blocksPerDay', bigintCodec)
/** `token/rewardPool`: minted ugat not yet distributed (absent means 0). */
export const rewardPoolStore = new SingletonStore<bigint>(TOKEN_MODULE, 'rewardPool', bigintCodec)

/** A reward stream as stored (decimal strings). */
export interface RewardStreamRecord {
  acc: string
  carry: string
  totalShares: string
}

/** An account's reward record as stored (decimal strings). */
export interface RewardAccountRecord {
  stakeShares: string
  stakeDebt: string
  stakeFrac: string
  nodeShares: string
  nodeDebt: string
  nodeFrac: string
  unclaimed: string
  superLocked: string
}

const rewardStreamCodec = protoCodec<RewardStreamRecord>(protoType('gather.token.v1.RewardStream'))
/** `token/rewards/stream/nodes`: 30 %, one share per active node. */
export const nodeStreamStore = new SingletonStore<RewardStreamRecord>(
  TOKEN_MODULE,
  'rewards/stream/nodes',
  rewardStreamCodec,
)
/** `token/rewards/stream/stakers`: 65 %, one share per ugat locked. */
export const stakerStreamStore = new SingletonStore<RewardStreamRecord>(
  TOKEN_MODULE,
  'rewards/stream/stakers',
  rewardStreamCodec,
)
/** `token/rewardAccount/<address>` → the account's reward positions, unclaimed and locked rewards. */
export const rewardAccountStore = new TypedStore<RewardAccountRecord>(
  TOKEN_MODULE,
  'rewardAccount',
  protoCodec(protoType('gather.token.v1.RewardAccount')),
)
/** ugat allocated to the two streams and not yet settled to accounts (absent means 0). */
export const rewardsOutstandingStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'rewards/outstanding',
  bigintCodec,
)
/** Sum of every account's `unclaimed` (absent means 0). */
export const rewardsUnclaimedStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'rewards/unclaimed',
  bigintCodec,
)
/** Sum of every account's `superLocked` (absent means 0). */
export const rewardsSuperLockedStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'rewards/superLocked',
  bigintCodec,
)
/** `token/params/superNodeRewardLockDays`: super-node rewards of earlier days are locked until this day. */
export const superNodeLockDaysStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'params/superNodeRewardLockDays',
  bigintCodec,
)

/** A vesting account as stored. */
export interface VestingRecord {
  originalVesting: string
  startHeight: string
  cliffHeight: string
  endHeight: string
  delegatedVesting: string
  delegatedFree: string
}

/** `token/vesting/<address>` → the genesis vesting schedule and its stake tracking. */
export const vestingStore = new TypedStore<VestingRecord>(
  TOKEN_MODULE,
  'vesting',
  protoCodec(protoType('gather.token.v1.VestingAccount')),
)
/**
 * `token/rewards/waiting/{nodes,stakers}`: a stream's share of earlier days that found no shares
 * to go to (no active node, nothing locked); part of the reward pool, added to that stream's next
 * allocation (absent means 0).
 */
export const nodesWaitingStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'rewards/waiting/nodes',
  bigintCodec,
)
export const stakersWaitingStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'rewards/waiting/stakers',
  bigintCodec,
)
