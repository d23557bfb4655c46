import type { ExecContext } from '../../../chain/stateMachine.js'
import { messagingEvents } from '../events.js'
import { messagingMethod } from '../method.js'
import type { HolderBalanceView } from '../types.js'

/** Index of the first threshold above `x` in `gates` (sorted by threshold). */
function firstAbove(gates: readonly { min: bigint }[], x: bigint): number {
  let lo = 0
  let hi = gates.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (gates[mid]!.min > x) hi = mid
    else lo = mid + 1
  }
  return lo
}

/**
 * After a block's transactions: for every account whose balance the block changed, emit
 * `messaging.holder_joined` / `messaging.holder_left` for each holder-gated group whose
 * `minGatBalance` the balance crossed (at or above it is a member). This is what a group-chain
 * runtime follows for automatic join and leave.
 *
 * A balance going from `lo` to `hi` (either way) crosses exactly the thresholds in (lo, hi], so
 * the gates are sorted once per block and each change costs a binary search plus its crossings:
 * O(G log G + A log G + events) for G gated groups and A changed balances, and nothing more
 * than the gated-groups read on a chain without gated groups or in a block that changed no
 * balance.
 */
export function applyHolderGate(ctx: ExecContext, view: HolderBalanceView): void {
  // the gates first: without a gated group no balance change needs to be looked at
  const gated = messagingMethod.gatedGroups(ctx.state)
  if (gated.length === 0) return
  const changes = view.changedBalances(ctx.state)
  if (changes.length === 0) return
  const gates = gated
    .map(([id, min]) => ({ id: BigInt(id), min }))
    .sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  for (const c of changes) {
    const joined = c.after > c.before
    const lo = joined ? c.before : c.after
    const hi = joined ? c.after : c.before
    for (let i = firstAbove(gates, lo); i < gates.length && gates[i]!.min <= hi; i++) {
      const g = gates[i]!
      messagingEvents.emit(ctx, joined ? 'messaging.holder_joined' : 'messaging.holder_left', {
        group_id: g.id.toString(),
        address: c.address,
        balance: c.after.toString(),
        min_gat_balance: g.min.toString(),
      })
    }
  }
}
