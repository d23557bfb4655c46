/** Our chain, as fork choice sees it. */
export interface OurChain {
  finalHeight: number
  finalHash: Uint8Array
  headHeight: number
}

/** A peer's chain that parts from ours, as far as we know it. */
export interface PeerBranch {
  /**
   * the height of the last block both chains share; undefined when they share none at or above
   * our final block
   */
  forkHeight: number | undefined
  finalHeight: number
  headHeight: number
}

/** What to do about a peer's branch; `reason` says why, for the log. */
export type ForkChoiceDecision =
  | { decision: 'stay'; reason: string }
  /** revert our blocks above `revertTo` (the fork point), then import the peer's */
  | { decision: 'switch'; revertTo: number; reason: string }
  /** the branch conflicts with our final block: never followed, and the peer is at fault */
  | { decision: 'refuse'; reason: string }

/**
 * Fork choice between our chain and a peer's branch. A final block is never reverted, so a
 * branch that parts below our final block is refused. Otherwise the peer's branch is better,
 * and we switch to it, when its final block is above the fork (ours can then never become
 * final) or when it is longer; else we stay.
 */
export function forkChoice(ours: OurChain, theirs: PeerBranch): ForkChoiceDecision {
  const fork = theirs.forkHeight
  if (fork === undefined || fork < ours.finalHeight) {
    const hash = Buffer.from(ours.finalHash).toString('hex').slice(0, 16)
    return {
      decision: 'refuse',
      reason: `the branch parts below our final block ${ours.finalHeight} (${hash}…), and a final block is never reverted`,
    }
  }
  if (theirs.finalHeight > fork) {
    return {
      decision: 'switch',
      revertTo: fork,
      reason: `its final block ${theirs.finalHeight} is above the fork at ${fork}: ours there can never become final`,
    }
  }
  if (theirs.headHeight > ours.headHeight) {
    return {
      decision: 'switch',
      revertTo: fork,
      reason: `it is longer: head ${theirs.headHeight}, ours ${ours.headHeight}`,
    }
  }
  return {
    decision: 'stay',
    reason: `not better: its final block ${theirs.finalHeight} is not above the fork at ${fork} and its head ${theirs.headHeight} is not above ours (${ours.headHeight})`,
  }
}
