/** Parameters of a {@link PeerScoreBook}. */
export interface PeerScoreParams {
  /** score at or below which a peer is banned */
  banThreshold: number
  banDurationMs: number
  /** scores decay towards 0 with this half-life */
  halfLifeMs: number
}

interface ScoreEntry {
  score: number
  updatedAt: number
}

/** What {@link PeerScoreBook.penalise} did. */
export interface PenaltyOutcome {
  score: number
  /** true when this penalty crossed the threshold and started a ban */
  banned: boolean
}

/**
 * Scores and bans of peers, by string peer id. Pure bookkeeping with an injected clock: the network
 * decides what to penalise and acts on a ban (disconnect, refuse connections).
 *
 * A score starts at 0, goes down with penalties, and decays back towards 0 (half-life), so an
 * occasional fault is forgiven and only sustained misbehaviour reaches the threshold. A ban ends
 * by itself after `banDurationMs`; the peer then starts again from 0.
 */
export class PeerScoreBook {
  private readonly scores = new Map<string, ScoreEntry>()
  private readonly bans = new Map<string, number>()

  constructor(
    private readonly params: PeerScoreParams,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(params.banThreshold < 0)) throw new RangeError('banThreshold must be negative')
    if (!(params.banDurationMs > 0) || !(params.halfLifeMs > 0)) {
      throw new RangeError('banDurationMs and halfLifeMs must be positive')
    }
  }

  /** The current (decayed) score of a peer; 0 for one never penalised. */
  score(peerId: string): number {
    const entry = this.scores.get(peerId)
    if (entry === undefined) return 0
    return this.decayed(entry, this.clock())
  }

  /** Subtracts `penalty` (≥ 0) and bans the peer when the score reaches the threshold. */
  penalise(peerId: string, penalty: number): PenaltyOutcome {
    if (!Number.isFinite(penalty) || penalty < 0) throw new RangeError(`bad penalty ${penalty}`)
    const now = this.clock()
    const entry = this.scores.get(peerId)
    const score = (entry === undefined ? 0 : this.decayed(entry, now)) - penalty
    this.scores.set(peerId, { score, updatedAt: now })
    if (score <= this.params.banThreshold && !this.isBanned(peerId)) {
      this.ban(peerId)
      return { score, banned: true }
    }
    return { score, banned: false }
  }

  /** Bans a peer now for `durationMs` (default the configured ban duration). */
  ban(peerId: string, durationMs = this.params.banDurationMs): void {
    this.bans.set(peerId, this.clock() + durationMs)
  }

  /** True while a ban runs; an expired ban is forgotten together with the peer's score. */
  isBanned(peerId: string): boolean {
    const until = this.bans.get(peerId)
    if (until === undefined) return false
    if (this.clock() < until) return true
    this.bans.delete(peerId)
    this.scores.delete(peerId)
    return false
  }

  /** When the peer's ban ends (ms since the epoch), if it is banned. */
  bannedUntil(peerId: string): number | undefined {
    return this.isBanned(peerId) ? this.bans.get(peerId) : undefined
  }

  /** Peers with a score or a ban, for reporting. */
  knownPeers(): string[] {
    return [...new Set([...this.scores.keys(), ...this.bans.keys()])]
  }

  /** Drops expired bans and scores that have decayed to almost nothing. */
  prune(): void {
    const now = this.clock()
    for (const id of [...this.bans.keys()]) this.isBanned(id)
    for (const [id, entry] of this.scores) {
      if (!this.bans.has(id) && Math.abs(this.decayed(entry, now)) < 0.5) this.scores.delete(id)
    }
  }

  private decayed(entry: ScoreEntry, now: number): number {
    const elapsed = Math.max(0, now - entry.updatedAt)
    return entry.score * 0.5 ** (elapsed / this.params.halfLifeMs)
  }
}
