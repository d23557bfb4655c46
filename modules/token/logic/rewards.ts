/**
 * The daily reward split (docs/protocol/economics.md) and reward-per-share accounting, as pure bigint math.
 *
 * A day's rewards are split 30 % to active nodes (one share per active node), 65 % to stakers
 * (one share per ugat locked) and 5 % to the day's super nodes by blocks produced. The first two
 * are paid through reward-per-share accumulators, so the end of a day costs the same however many
 * nodes and stakers there are: the day adds `inc = amount / shares` to the stream's accumulator
 * and every holder's reward is `shares × (acc − debt)`, computed when the holder is touched.
 *
 * Nothing is rounded away. Accumulators are scaled by REWARD_SCALE; what a division leaves over
 * stays in scaled units — in the stream's `carry` (added to the next day) and in each holder's
 * `frac` (added to its next settlement) — so, per stream,
 *   Σ holders (shares × (acc − debt) + frac) + carry = (allocated − paid) × REWARD_SCALE
 * holds exactly after every step (the rewards invariant checks it).
 */

/** Fixed-point scale of the accumulators. */
export const REWARD_SCALE = 10n ** 24n

/** Shares of a day's rewards in basis points (docs/protocol/economics.md: 30 / 65 / 5). */
export const NODE_SHARE_BPS = 3_000n
export const STAKER_SHARE_BPS = 6_500n
export const SUPER_NODE_SHARE_BPS = 500n
const BPS = 10_000n

/** One day's rewards split three ways; the three parts always sum to the amount. */
export interface DaySplit {
  nodes: bigint
  stakers: bigint
  superNodes: bigint
}

/** Splits `amount` ugat 30/65/5; the super nodes' part takes the rounding (at most 1 ugat). */
export function splitDay(amount: bigint): DaySplit {
  if (amount < 0n) throw new RangeError('negative amount')
  const nodes = (amount * NODE_SHARE_BPS) / BPS
  const stakers = (amount * STAKER_SHARE_BPS) / BPS
  return { nodes, stakers, superNodes: amount - nodes - stakers }
}

/** A reward stream: its accumulator, scaled remainder and the shares it is divided among. */
export interface Stream {
  /** reward per share so far, × REWARD_SCALE */
  acc: bigint
  /** allocated but not yet in `acc` (scaled units, < totalShares) */
  carry: bigint
  /** shares currently in the stream */
  totalShares: bigint
}

/**
 * Adds `amount` ugat to a stream with shares: the accumulator grows by the whole per-share
 * amount and the scaled remainder is carried. Throws with no shares (the caller keeps the coins).
 */
export function allocate(stream: Stream, amount: bigint): Stream {
  if (stream.totalShares <= 0n) throw new RangeError('allocate to a stream without shares')
  const scaled = amount * REWARD_SCALE + stream.carry
  const inc = scaled / stream.totalShares
  return { ...stream, acc: stream.acc + inc, carry: scaled - inc * stream.totalShares }
}

/** A holder's position in a stream. */
export interface Position {
  shares: bigint
  /** the stream's `acc` when last settled */
  debt: bigint
  /** scaled reward owed below 1 ugat, carried to the next settlement */
  frac: bigint
}

/**
 * What a holder has earned since it was last settled: whole ugat `owed` and the position after
 * (debt moved to `acc`, the sub-ugat rest kept in `frac`).
 */
export function settle(position: Position, acc: bigint): { owed: bigint; position: Position } {
  const scaled = position.shares * (acc - position.debt) + position.frac
  const owed = scaled / REWARD_SCALE
  return { owed, position: { shares: position.shares, debt: acc, frac: scaled - owed * REWARD_SCALE } }
}

/** What `settle` would pay now, without changing anything (for queries). */
export function pendingOf(position: Position, acc: bigint): bigint {
  return (position.shares * (acc - position.debt) + position.frac) / REWARD_SCALE
}

/**
 * Splits `amount` among producers in proportion to the blocks each produced, rounding down;
 * `rest` is what rounding left (less than the number of producers). Order is kept.
 */
export function splitByBlocks<T extends { blocks: bigint }>(
  amount: bigint,
  producers: readonly T[],
): { shares: (T & { amount: bigint })[]; rest: bigint } {
  const total = producers.reduce((s, p) => s + p.blocks, 0n)
  if (total === 0n) return { shares: [], rest: amount }
  let paid = 0n
  const shares = producers.map((p) => {
    const a = (amount * p.blocks) / total
    paid += a
    return { ...p, amount: a }
  })
  return { shares, rest: amount - paid }
}
