import type { ExecContext } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'

/** A node that produced blocks in the day now ending, and the account its reward goes to. */
export interface DayProducer {
  nodeId: string
  owner: string
  blocks: bigint
}

/** What staking needs from the token module (wired in node/wiring.ts). */
export interface StakingTokenMethod {
  getBalance(state: StateReader, address: string): bigint
  getGmt(state: StateReader, address: string): { total: bigint; bound: bigint }
  /** Takes ugat out of the balance into a lock (vesting coins may be locked). */
  debitForLock(state: StateWriter, height: number, address: string, amount: bigint): void
  /** Returns unbonded ugat to the balance (vesting ones are locked again while they vest). */
  creditFromLock(state: StateWriter, address: string, amount: bigint): void
  /**
   * Slashing: `amount` ugat of the address's lock are destroyed (counted as burned; vesting
   * accounts' stake tracking follows). The lock itself and the reward shares are staking's
   * (`stakingMethod.applyLockChange`).
   */
  burnFromLock(state: StateWriter, address: string, amount: bigint): void
  mintGmt(state: StateWriter, to: string, amount: bigint): void
  bindGmt(state: StateWriter, owner: string): void
  moveBoundGmt(state: StateWriter, from: string, to: string): void
  /** Rewards: the account's locked ugat changed by `delta` (its 65 % stream shares). */
  changeStake(state: StateWriter, address: string, delta: bigint): void
  /** Rewards: the number of active nodes the account owns changed by `delta` (its 30 % stream shares). */
  changeActiveNodes(state: StateWriter, owner: string, delta: bigint): void
  /** Rewards: whether the block at `height` ends a day. */
  isLastBlockOfDay(state: StateReader, height: number): boolean
  /** Rewards: the end-of-day split, with the day's block producers for the super nodes' 5 %. */
  distributeDay(ctx: ExecContext, producers: readonly DayProducer[]): void
}

/**
 * Who is told of every change of an account's locked ugat (lock, unlock, slash): governance keeps
 * the running tallies of the proposals the account voted on with it (wired in node/wiring.ts).
 */
export interface StakingLockListener {
  /** `staker`'s ugat locked on all nodes changed by `delta` (negative for an unlock or a slash). */
  lockChanged(state: StateWriter, staker: string, delta: bigint): void
}

/** What staking's commands and hooks are given: the token surface, and the lock listener if any. */
export type StakingDeps = StakingTokenMethod & Partial<StakingLockListener>

/** A genesis validator entry, as the chain-level genesis lists it. */
export interface GenesisValidator {
  name: string
  nodeKey: string
  owner: string
  selfLock?: string
}
