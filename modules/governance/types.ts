import type { ExecContext } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'

/** What governance needs from the token module (wired in node/wiring.ts): deposits move through it. */
export interface GovernanceTokenMethod {
  /** Throws TOKEN_INSUFFICIENT_BALANCE or TOKEN_VESTING_LOCKED unless `address` can spend `amount`. */
  checkSpendable(state: StateReader, address: string, amount: bigint, height: number, what: string): void
  /** Debits spendable ugat (vesting coins excluded). */
  spend(state: StateWriter, height: number, address: string, amount: bigint, what?: string): void
  debit(state: StateWriter, address: string, amount: bigint): void
  credit(state: StateWriter, address: string, amount: bigint): void
  /** Burns ugat of an address, counted in the supply's burned, with a `token.burn` event. */
  burn(ctx: ExecContext, address: string, amount: bigint, reason: string): void
}

/** What governance reads of staking (wired in node/wiring.ts): the votes' weights. */
export interface GovernanceStakingView {
  /** ugat the account has locked on all nodes (vesting coins included). O(1). */
  lockedOf(state: StateReader, address: string): bigint
  /** ugat locked on all nodes by everyone. */
  totalLocked(state: StateReader): bigint
}

/**
 * One module's params as governance changes them: `change` is the module's own rule
 * (`ParamsSpec.change`, its `validate()`), `get` and `set` read and write its stored params.
 */
export interface GovernedParams {
  get(state: StateReader): unknown
  /** the params with one key changed (`value` in its JSON form); throws PARAMS_INVALID */
  change(current: unknown, key: string, value: unknown): unknown
  set(state: StateWriter, params: unknown): void
}

/**
 * A state migration a release knows: when a passed plan of this `name` reaches its height, the
 * handler runs once at the start of that block and the chain goes on. A node without it stops
 * before the block.
 */
export interface UpgradeHandler {
  name: string
  migrate(ctx: ExecContext): void
}

/** What the governance module is built with. */
export interface GovernanceDeps {
  token: GovernanceTokenMethod
  staking: GovernanceStakingView
  /** the params of every other module governance may change, by module name */
  params: Readonly<Record<string, GovernedParams>>
  /** the upgrades this build knows */
  upgradeHandlers?: readonly UpgradeHandler[]
}
