/** A node as the election sees it: its stake from the snapshot and the tie-breakers. */
export interface ElectionCandidate {
  /** hex ed25519 node key (lower case, 64 characters): byte order equals string order */
  nodeId: string
  /** ugat locked on the node */
  stake: bigint
  registeredHeight: number
  jailed: boolean
}

/** Election settings (staking params). */
export interface ElectionOptions {
  maxSuperNodes: number
  /** a node with less locked is inactive and cannot be elected */
  minStake: bigint
}

/** Ranking: more stake first, then earlier registration, then smaller node key bytes. */
export function compareCandidates(a: ElectionCandidate, b: ElectionCandidate): number {
  if (a.stake !== b.stake) return a.stake > b.stake ? -1 : 1
  if (a.registeredHeight !== b.registeredHeight) return a.registeredHeight - b.registeredHeight
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0
}

/**
 * The super nodes of the next period: the `maxSuperNodes` active (stake at or above the minimum,
 * not jailed) candidates ranked by `compareCandidates`, in rank order; fewer candidates, all of
 * them. Pure and O(n log k): a bounded sorted buffer of k = maxSuperNodes, so it stays cheap for
 * 100,000 registered nodes.
 */
export function electSuperNodes(
  candidates: Iterable<ElectionCandidate>,
  opts: ElectionOptions,
): ElectionCandidate[] {
  const k = opts.maxSuperNodes
  const top: ElectionCandidate[] = []
  if (k <= 0) return top
  for (const c of candidates) {
    if (c.jailed || c.stake < opts.minStake) continue
    if (top.length === k && compareCandidates(c, top[k - 1]!) >= 0) continue
    // binary search for the insertion point
    let lo = 0
    let hi = top.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareCandidates(c, top[mid]!) < 0) hi = mid
      else lo = mid + 1
    }
    top.splice(lo, 0, c)
    if (top.length > k) top.pop()
  }
  return top
}
