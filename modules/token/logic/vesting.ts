/**
 * Vesting accounts (docs/protocol/economics.md: the 10,000,000 GAT genesis allocation), as pure bigint math.
 *
 * An allocation of `original` ugat vests linearly from `start` to `end` (block heights), with
 * nothing vested before `cliff`. Unvested coins sit in the account's balance but cannot be spent;
 * they can be locked on nodes. As in Cosmos SDK vesting accounts, locking tracks how much of the
 * stake came from still-vesting coins (`delegatedVesting`) and how much from free coins
 * (`delegatedFree`), so that coins coming back from unbonding are locked again if they still vest:
 *   locked in balance = max(0, unvested − delegatedVesting),  spendable = balance − that.
 */

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

/** A schedule and its stake tracking, in ugat and heights. */
export interface Vesting {
  original: bigint
  start: number
  cliff: number
  end: number
  delegatedVesting: bigint
  delegatedFree: bigint
}

/** ugat of the allocation vested at `height`: 0 before the cliff, all from `end`, linear between. */
export function vestedAt(v: Vesting, height: number): bigint {
  if (height < v.cliff) return 0n
  if (height >= v.end) return v.original
  if (height <= v.start) return 0n
  return (v.original * BigInt(height - v.start)) / BigInt(v.end - v.start)
}

/** ugat of the allocation still vesting at `height`. */
export function unvestedAt(v: Vesting, height: number): bigint {
  return v.original - vestedAt(v, height)
}

/** ugat of the balance that cannot be spent at `height`: unvested coins not locked on nodes. */
export function lockedInBalance(v: Vesting, height: number): bigint {
  const locked = unvestedAt(v, height) - v.delegatedVesting
  return locked > 0n ? locked : 0n
}

/** Locking `amount` on a node takes still-vesting coins first (they cannot be spent anyway). */
export function trackLock(v: Vesting, height: number, amount: bigint): Vesting {
  const fromVesting = min(amount, lockedInBalance(v, height))
  return {
    ...v,
    delegatedVesting: v.delegatedVesting + fromVesting,
    delegatedFree: v.delegatedFree + amount - fromVesting,
  }
}

/**
 * `amount` comes back from unbonding (or was burned out of the stake): free coins first, then
 * vesting ones — which are then locked in the balance again while they still vest.
 */
export function trackUnlock(v: Vesting, amount: bigint): Vesting {
  const fromFree = min(amount, v.delegatedFree)
  const rest = amount - fromFree
  const fromVesting = min(rest, v.delegatedVesting)
  return {
    ...v,
    delegatedFree: v.delegatedFree - fromFree,
    delegatedVesting: v.delegatedVesting - fromVesting,
  }
}

/**
 * `amount` of the stake is burned (slashing): the free coins of the stake go first, as in
 * `trackUnlock`, but burned vesting coins stay counted in `delegatedVesting`. Those coins never
 * come back to the balance, so lowering `delegatedVesting` would raise the part of an unchanged
 * balance that must stay locked (above the balance itself when the account holds few free coins);
 * keeping them counted makes the burned coins the last of the allocation to vest.
 */
export function trackBurn(v: Vesting, amount: bigint): Vesting {
  return { ...v, delegatedFree: v.delegatedFree - min(amount, v.delegatedFree) }
}
