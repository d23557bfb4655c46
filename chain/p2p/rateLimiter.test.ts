import { describe, expect, test } from '@jest/globals'
import { RateLimiter } from './rateLimiter.js'

describe('RateLimiter', () => {
  test('a burst up to capacity, then refill over time, per key', () => {
    let now = 1_000
    const limiter = new RateLimiter({ capacity: 5, refillPerSecond: 2 }, () => now)
    for (let i = 0; i < 5; i++) expect(limiter.allow('a')).toBe(true)
    expect(limiter.allow('a')).toBe(false)
    expect(limiter.allow('b', 5)).toBe(true)
    now += 499
    expect(limiter.allow('a')).toBe(false)
    now += 1
    expect(limiter.allow('a')).toBe(true)
    expect(limiter.allow('a')).toBe(false)
    now += 60_000
    // never above capacity
    expect(limiter.allow('a', 5)).toBe(true)
    expect(limiter.allow('a')).toBe(false)
  })

  test('a refused request charges nothing', () => {
    let now = 0
    const limiter = new RateLimiter({ capacity: 10, refillPerSecond: 1 }, () => now)
    expect(limiter.allow('a', 8)).toBe(true)
    expect(limiter.allow('a', 3)).toBe(false)
    expect(limiter.allow('a', 2)).toBe(true)
    now += 1000
    expect(limiter.allow('a', 1)).toBe(true)
  })

  test('prune forgets full buckets only', () => {
    let now = 0
    const limiter = new RateLimiter({ capacity: 4, refillPerSecond: 1 }, () => now)
    limiter.allow('a', 4)
    limiter.allow('b', 1)
    now += 1000
    expect(limiter.prune()).toBe(1)
    now += 3000
    expect(limiter.prune()).toBe(0)
  })

  test('bad parameters are refused', () => {
    expect(() => new RateLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow('bad rate limit')
    expect(() => new RateLimiter({ capacity: 1, refillPerSecond: -1 })).toThrow('bad rate limit')
  })
})
