import type { RateLimit } from './types.js'

/** A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`. */
export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.capacity
    this.updatedAt = now
  }

  /** Takes `cost` tokens if there are that many; returns whether it did. */
  tryTake(cost: number, now: number): boolean {
    this.refill(now)
    if (cost > this.tokens) return false
    this.tokens -= cost
    return true
  }

  /** True once the bucket has refilled completely (it can then be forgotten). */
  isFull(now: number): boolean {
    this.refill(now)
    return this.tokens >= this.limit.capacity
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000
    this.tokens = Math.min(this.limit.capacity, this.tokens + elapsed * this.limit.refillPerSecond)
    this.updatedAt = now
  }
}

/**
 * Per-key token buckets (one per peer and protocol). Buckets that refill completely are dropped on
 * `prune`, so an idle peer costs nothing and a reconnecting peer finds its bucket as it left it.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(limit.capacity > 0) || !(limit.refillPerSecond >= 0)) {
      throw new RangeError(`bad rate limit: capacity ${limit.capacity}, refill ${limit.refillPerSecond}/s`)
    }
  }

  /** Charges `cost` tokens to `key`; false when its bucket has fewer (nothing is charged then). */
  allow(key: string, cost = 1): boolean {
    const now = this.clock()
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      bucket = new TokenBucket(this.limit, now)
      this.buckets.set(key, bucket)
    }
    return bucket.tryTake(cost, now)
  }

  /** Forgets full buckets; returns how many remain. */
  prune(): number {
    const now = this.clock()
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key)
    return this.buckets.size
  }
}
