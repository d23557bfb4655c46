import { describe, expect, test } from '@jest/globals'
import {
  allocate,
  type Position,
  pendingOf,
  REWARD_SCALE,
  type Stream,
  settle,
  splitByBlocks,
  splitDay,
} from './rewards.js'

const GAT = 1_000_000n

describe('splitDay', () => {
  test.each([
    // docs/protocol/economics.md worked example: 20,000 GAT → 6,000 / 13,000 / 1,000
    [20_000n * GAT, 6_000n * GAT, 13_000n * GAT, 1_000n * GAT],
    [2_500n * GAT, 750n * GAT, 1_625n * GAT, 125n * GAT],
    [0n, 0n, 0n, 0n],
    [1n, 0n, 0n, 1n],
    [7n, 2n, 4n, 1n],
    [99n, 29n, 64n, 6n],
  ])('%p ugat → nodes %p, stakers %p, super nodes %p', (amount, nodes, stakers, superNodes) => {
    const s = splitDay(amount)
    expect(s).toEqual({ nodes, stakers, superNodes })
    expect(s.nodes + s.stakers + s.superNodes).toBe(amount)
  })

  test('a negative amount is refused', () => {
    expect(() => splitDay(-1n)).toThrow(RangeError)
  })
})

describe('reward-per-share streams', () => {
  test('the worked example of docs/protocol/economics.md: 6,000 GAT over 10,000 nodes is 0.6 GAT each; 13,000 GAT over 20,000 GAT locked is 0.65 per GAT', () => {
    const nodes = allocate({ acc: 0n, carry: 0n, totalShares: 10_000n }, 6_000n * GAT)
    expect(pendingOf({ shares: 1n, debt: 0n, frac: 0n }, nodes.acc)).toBe(600_000n)
    expect(nodes.carry).toBe(0n)
    const stakers = allocate({ acc: 0n, carry: 0n, totalShares: 20_000n * GAT }, 13_000n * GAT)
    expect(pendingOf({ shares: GAT, debt: 0n, frac: 0n }, stakers.acc)).toBe(650_000n)
    expect(pendingOf({ shares: 2_000n * GAT, debt: 0n, frac: 0n }, stakers.acc)).toBe(1_300n * GAT)
  })

  test('a stream without shares refuses an allocation (the caller keeps the coins)', () => {
    expect(() => allocate({ acc: 0n, carry: 0n, totalShares: 0n }, 5n)).toThrow(/without shares/)
  })

  test('settle moves debt to acc and keeps the sub-ugat rest', () => {
    // 10 ugat over 3 shares: 3.333… each
    const s = allocate({ acc: 0n, carry: 0n, totalShares: 3n }, 10n)
    const r = settle({ shares: 1n, debt: 0n, frac: 0n }, s.acc)
    expect(r.owed).toBe(3n)
    expect(r.position.debt).toBe(s.acc)
    expect(r.position.frac).toBe(s.acc - 3n * REWARD_SCALE)
    // settling again right away pays nothing and keeps the fraction
    expect(settle(r.position, s.acc)).toEqual({ owed: 0n, position: r.position })
  })

  test('nothing is created or lost: holders + carry = allocated, exactly, over many uneven days', () => {
    // three holders with awkward shares; days of awkward amounts; shares change between days
    let stream: Stream = { acc: 0n, carry: 0n, totalShares: 0n }
    const holders: Position[] = [
      { shares: 7n, debt: 0n, frac: 0n },
      { shares: 13n, debt: 0n, frac: 0n },
      { shares: 1n, debt: 0n, frac: 0n },
    ]
    stream.totalShares = 21n
    let allocated = 0n
    let paid = 0n
    const amounts = [1n, 2n, 100n, 999_999_999n, 17n, 3n, 20_000n * GAT, 5n]
    amounts.forEach((amount, day) => {
      stream = allocate(stream, amount)
      allocated += amount
      // one holder touched each day, its shares change by ±day
      const i = day % holders.length
      const r = settle(holders[i]!, stream.acc)
      paid += r.owed
      const delta = day % 2 === 0 ? BigInt(day + 1) : -1n
      holders[i] = { ...r.position, shares: r.position.shares + delta }
      stream.totalShares += delta
      const owedScaled =
        holders.reduce((s, h) => s + h.shares * (stream.acc - h.debt) + h.frac, 0n) + stream.carry
      expect(owedScaled).toBe((allocated - paid) * REWARD_SCALE)
    })
    // everything pending is at most one ugat per holder away from being paid
    const pending = holders.reduce((s, h) => s + pendingOf(h, stream.acc), 0n)
    expect(allocated - paid - pending).toBeGreaterThanOrEqual(0n)
    expect(allocated - paid - pending).toBeLessThanOrEqual(BigInt(holders.length))
  })
})

describe('splitByBlocks', () => {
  test('in proportion to blocks; the rounding rest is returned', () => {
    const r = splitByBlocks(1_000n * GAT, [
      { id: 'a', blocks: 2n },
      { id: 'b', blocks: 1n },
      { id: 'c', blocks: 1n },
    ])
    expect(r.shares.map((s) => s.amount)).toEqual([500n * GAT, 250n * GAT, 250n * GAT])
    expect(r.rest).toBe(0n)
    const odd = splitByBlocks(10n, [
      { id: 'a', blocks: 1n },
      { id: 'b', blocks: 1n },
      { id: 'c', blocks: 1n },
    ])
    expect(odd.shares.map((s) => s.amount)).toEqual([3n, 3n, 3n])
    expect(odd.rest).toBe(1n)
  })

  test('no producers: everything is the rest', () => {
    expect(splitByBlocks(42n, [])).toEqual({ shares: [], rest: 42n })
  })
})
