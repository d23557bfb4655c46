/**
 * Who produces a group block, and which of two blocks at one height stands (docs/adr/008).
 *
 * The producers take turns in the order the group lists them: height h's round-0 producer is
 * `producers[(h - 1) mod n]`; if it has not produced within the turn timeout, round 1 passes the
 * turn to the next one, and so on. Pure: no clock, no state.
 */

/** Producers checked at most this many rounds deep (a block with a higher round is invalid). */
export const MAX_ROUND = 1000

/** The producer (hex key) of height `height`, round `round`. */
export function producerOf(producers: readonly string[], height: number, round: number): string {
  if (producers.length === 0) throw new RangeError('a group with no producers has no turns')
  return producers[(height - 1 + round) % producers.length]!
}

/**
 * The first round at or after `fromRound` in which `key` produces height `height`, or undefined
 * when it is not a producer.
 */
export function nextRoundOf(
  producers: readonly string[],
  key: string,
  height: number,
  fromRound = 0,
): number | undefined {
  const i = producers.indexOf(key)
  if (i < 0) return undefined
  const n = producers.length
  const first = (((i - (height - 1)) % n) + n) % n
  if (first >= fromRound) return first
  return first + Math.ceil((fromRound - first) / n) * n
}

/**
 * The round a producer may use at `nowMs` for a height whose turn started at `turnStartMs`
 * (when it first had something to put in a block, or the parent's time, whichever is later):
 * round r opens `r × turnTimeoutMs` after the start. Its own round if that is open, else
 * undefined (wait).
 */
export function openRound(
  producers: readonly string[],
  key: string,
  height: number,
  turnStartMs: number,
  nowMs: number,
  turnTimeoutMs: number,
): number | undefined {
  const elapsed = Math.max(0, nowMs - turnStartMs)
  const current = Math.min(MAX_ROUND, Math.floor(elapsed / turnTimeoutMs))
  // the earliest of our rounds that is open: ours at or below `current`, the latest such
  let r = nextRoundOf(producers, key, height, 0)
  if (r === undefined || r > current) return undefined
  const n = producers.length
  while (r + n <= current) r += n
  return r
}

/** One side of a fork: its head height and its block at the height where the two parted. */
export interface Branch {
  headHeight: number
  /** the block at the fork height */
  fork: { round: number; hash: Uint8Array }
}

/**
 * The fork choice of a group chain, for two branches that part at one height above the last
 * anchored checkpoint (below it nothing is ever replaced): the longer branch, then the lower round
 * at the fork (the producer whose turn it was), then the lower hash. True when `theirs` wins.
 */
export function theirsWins(ours: Branch, theirs: Branch): boolean {
  if (theirs.headHeight !== ours.headHeight) return theirs.headHeight > ours.headHeight
  if (theirs.fork.round !== ours.fork.round) return theirs.fork.round < ours.fork.round
  return Buffer.compare(Buffer.from(theirs.fork.hash), Buffer.from(ours.fork.hash)) < 0
}
