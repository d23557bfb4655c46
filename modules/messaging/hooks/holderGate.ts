import type { ExecContext } from '../../../chain/stateMachine.js'
import { messagingMethod } from '../method.js'
import type { HolderBalanceView } from '../types.js'

/**
 * After a block's transactions: for every account whose balance the block changed and every
 * holder-gated group, emit `messaging.holder_joined` / `messaging.holder_left` when the balance
 * crossed the group's `minGatBalance` (at or above it is a member). This is what a group-chain
 * runtime follows for automatic join and leave. Cost: changed accounts × gated groups, and
 * nothing at all in a block that changed no balance.
 */
export function applyHolderGate(ctx: ExecContext, view: HolderBalanceView): void {
  const changes = view.changedBalances(ctx.state)
  if (changes.length === 0) return
  const gated = messagingMethod.gatedGroups(ctx.state)
  if (gated.length === 0) return
  for (const c of changes) {
    for (const [id, min] of gated) {
      const was = c.before >= min
      const is = c.after >= min
      if (was === is) continue
      ctx.emit(is ? 'messaging.holder_joined' : 'messaging.holder_left', {
        group_id: BigInt(id).toString(),
        address: c.address,
        balance: c.after.toString(),
        min_gat_balance: min.toString(),
      })
    }
  }
}
