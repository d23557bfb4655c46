import type { ExecContext } from '../../chain/stateMachine.js'
import type { StateReader } from '../../chain/store/types.js'

/** What messaging needs from the token module (wired in node/wiring.ts): balances and burns. */
export interface MessagingTokenMethod {
  getBalance(state: StateReader, address: string): bigint
  /** burns ugat from an address and counts them in the supply's `burned` */
  burn(ctx: ExecContext, address: string, amount: bigint, reason: string): void
}

/** One account whose ugat balance the block changed. */
export interface BalanceChange {
  address: string
  /** at the start of the block */
  before: bigint
  /** now */
  after: bigint
}

/**
 * The balances a block has changed so far, for the holder gate's join/leave events (wired in
 * node/wiring.ts from the block's state overlay). Linear in the block's writes.
 */
export interface HolderBalanceView {
  changedBalances(state: StateReader): BalanceChange[]
}

/** Paging of list queries: offset from 0, limit 1..100 (default 50). */
export interface Page {
  offset?: number
  limit?: number
}
