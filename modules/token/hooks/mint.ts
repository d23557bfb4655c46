import type { ExecContext } from '../../../chain/stateMachine.js'
import { tokenEvents } from '../events.js'
import { blockMint, dayOfHeight, TOTAL_ISSUANCE } from '../logic/emission.js'
import { getBlocksPerDay } from '../params.js'
import { mintedStore, rewardPoolStore } from '../stores/index.js'

/**
 * Issuance for one block: mints `blockMint(height, blocksPerDay)` ugat into the reward pool,
 * counts it in `token/supply/minted` and emits `token.minted { height, day, amount }`. Nothing
 * happens once the day's amount is 0 (after the last issuance day). Returns the amount minted.
 *
 * Runs after the block's transactions (the token module's `afterTransactions`): the pool then
 * holds the whole day's amount at the end of the day's last block, where the end-of-day
 * distribution will run right after it, and no transaction of a block can spend or observe
 * coins minted by that same block.
 */
export function applyBlockMint(ctx: ExecContext): bigint {
  const { height } = ctx.block
  const blocksPerDay = getBlocksPerDay(ctx.state)
  const minted = mintedStore.get(ctx.state) ?? 0n
  const due = blockMint(height, blocksPerDay)
  // The schedule never passes the cap on its own; the clamp keeps the cap even if the counter and
  // the schedule ever disagree (e.g. a future change of blocksPerDay).
  const room = TOTAL_ISSUANCE - minted
  const amount = due < room ? due : room > 0n ? room : 0n
  if (amount === 0n) return 0n
  mintedStore.set(ctx.state, minted + amount)
  rewardPoolStore.set(ctx.state, (rewardPoolStore.get(ctx.state) ?? 0n) + amount)
  tokenEvents.emit(ctx, 'token.minted', {
    height: String(height),
    day: String(dayOfHeight(height, blocksPerDay)),
    amount: amount.toString(),
  })
  return amount
}
