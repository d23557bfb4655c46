import type { StateReader } from '../../chain/store/types.js'

/**
 * What the token module needs to know from staking, which holds ugat taken out of balances and
 * binds GMT to nodes (wired in node/wiring.ts). Used by the supply query and the invariants.
 */
export interface TokenStakingView {
  /** ugat locked on nodes */
  totalLocked(state: StateReader): bigint
  /** ugat unlocked and waiting to return to balances */
  totalUnbonding(state: StateReader): bigint
  /** registered nodes: each binds exactly one GMT (linear: for invariants, not hot paths) */
  registeredNodes(state: StateReader): bigint
  /** nodes active at `height` (at least the minimum locked, not jailed): linear, for invariants */
  activeNodes(state: StateReader, height: number): bigint
}
