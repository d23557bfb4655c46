/** Token-bucket settings: `burst` requests at once, refilled at `perSecond` (0: no limit). */
export interface RateLimitOptions {
  perSecond: number
  burst: number
}

/** The settings of `--rpc-rate-limit N`: N calls/s per client, bursts of 2N; 0 turns the limit off. */
export function rateLimitOf(perSecond: number): RateLimitOptions {
  return { perSecond, burst: 2 * perSecond }
}

interface Bucket {
  tokens: number
  updatedMs: number
}

/**
 * A token bucket per client key (the remote address, or the first X-Forwarded-For entry behind
 * a trusted proxy). Each JSON-RPC call costs one token, so a batch of 50 costs 50; so does a
 * WebSocket upgrade. Idle buckets are forgotten so the map stays small.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private lastSweepMs = 0

  constructor(
    private readonly opts: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `cost` tokens for `key`; returns 0 when allowed, else milliseconds until it would be. */
  take(key: string, cost = 1): number {
    if (this.opts.perSecond <= 0) return 0
    const now = this.now()
    this.sweep(now)
    let b = this.buckets.get(key)
    if (b === undefined) {
      b = { tokens: this.opts.burst, updatedMs: now }
      this.buckets.set(key, b)
    }
    b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.updatedMs) / 1000) * this.opts.perSecond)
    b.updatedMs = now
    if (b.tokens >= cost) {
      b.tokens -= cost
      return 0
    }
    return Math.ceil(((cost - b.tokens) / this.opts.perSecond) * 1000)
  }

  private sweep(now: number): void {
    if (now - this.lastSweepMs < 10_000) return
    this.lastSweepMs = now
    const full = (this.opts.burst / this.opts.perSecond) * 1000
    for (const [k, b] of this.buckets) if (now - b.updatedMs > full) this.buckets.delete(k)
  }
}
