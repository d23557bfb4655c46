import type { ExecContext } from '../../chain/stateMachine.js'
import type { StateReader } from '../../chain/store/types.js'

/** What identity needs from the token module (wired in node/wiring.ts): balances and burns. */
export interface IdentityTokenMethod {
  getBalance(state: StateReader, address: string): bigint
  /** burns ugat from an address and counts them in the supply's `burned` */
  burn(ctx: ExecContext, address: string, amount: bigint, reason: string): void
}
