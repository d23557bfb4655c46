import { describe, expect, test } from '@jest/globals'
import {
  blockMint,
  createEmission,
  dailyEmission,
  dayOfHeight,
  GAT_EMISSION,
  LAST_ISSUANCE_DAY,
  TOTAL_ISSUANCE,
  totalMintedThroughDay,
  totalMintedThroughHeight,
} from './emission.js'

const GAT = 1_000_000n

describe('daily emission (days numbered from 0, the genesis day)', () => {
  test.each([
    // day, GAT that day, GAT minted on days 0..day
    [0, 20_000n, 20_000n],
    [1, 20_000n, 40_000n],
    [1_459, 20_000n, 29_200_000n],
    [1_460, 10_000n, 29_210_000n],
    [2_919, 10_000n, 43_800_000n],
    [2_920, 5_000n, 43_805_000n],
    [4_379, 5_000n, 51_100_000n],
    [4_380, 2_500n, 51_102_500n],
    [19_938, 2_500n, 89_997_500n],
    [19_939, 2_500n, 90_000_000n],
    [19_940, 0n, 90_000_000n],
    [20_000, 0n, 90_000_000n],
    [1_000_000_000, 0n, 90_000_000n],
  ])('day %i: %i GAT, %i GAT in total', (day, amount, through) => {
    expect(dailyEmission(day)).toBe(amount * GAT)
    expect(totalMintedThroughDay(day)).toBe(through * GAT)
  })

  test('issuance runs on days 0..19,939 (19,940 days) and reaches exactly 90,000,000 GAT', () => {
    expect(TOTAL_ISSUANCE).toBe(90_000_000n * GAT)
    expect(LAST_ISSUANCE_DAY).toBe(19_939)
    // 1,460 × (20,000 + 10,000 + 5,000) = 51,100,000; 38,900,000 / 2,500 = 15,560 days from 4,380.
    expect(1_460n * (20_000n + 10_000n + 5_000n)).toBe(51_100_000n)
    expect(4_380 + 15_560 - 1).toBe(LAST_ISSUANCE_DAY)
    expect(totalMintedThroughDay(LAST_ISSUANCE_DAY - 1)).toBeLessThan(TOTAL_ISSUANCE)
    expect(totalMintedThroughDay(LAST_ISSUANCE_DAY)).toBe(TOTAL_ISSUANCE)
    expect(dailyEmission(LAST_ISSUANCE_DAY)).toBe(2_500n * GAT)
    expect(dailyEmission(LAST_ISSUANCE_DAY + 1)).toBe(0n)
  })

  test('the closed form equals the running sum of the daily amounts, day by day, and never exceeds the cap', () => {
    let sum = 0n
    let issuingDays = 0
    for (let day = 0; day <= 21_000; day++) {
      const d = dailyEmission(day)
      if (d < 0n) throw new Error(`day ${day}: negative amount ${d}`)
      sum += d
      if (d > 0n) issuingDays++
      if (totalMintedThroughDay(day) !== sum) {
        throw new Error(`day ${day}: closed form ${totalMintedThroughDay(day)} ≠ running sum ${sum}`)
      }
    }
    expect(sum).toBe(TOTAL_ISSUANCE)
    expect(issuingDays).toBe(19_940)
  })

  test('the amount only ever halves, at days 1,460, 2,920 and 4,380, and stops once', () => {
    const changes: [number, bigint][] = []
    for (let day = 1; day <= 21_000; day++) {
      if (dailyEmission(day) !== dailyEmission(day - 1)) changes.push([day, dailyEmission(day) / GAT])
    }
    expect(changes).toEqual([
      [1_460, 10_000n],
      [2_920, 5_000n],
      [4_380, 2_500n],
      [19_940, 0n],
    ])
  })

  test.each([-1, 0.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('day %p is refused', (day) => {
    expect(() => dailyEmission(day)).toThrow(RangeError)
    expect(() => totalMintedThroughDay(day)).toThrow(/day must be a whole number/)
  })
})

describe('a cap that falls inside a day', () => {
  // 100 a day halving every 3 days twice (100, 50, 25), cap 1,010.
  const small = createEmission({ total: 1_010n, baseDaily: 100n, halvingIntervalDays: 3, halvings: 2 })

  test('the last day gets the remainder, and nothing after it', () => {
    // 3×100 + 3×50 = 450 by day 5; 560 left at 25 a day = 22 full days (550) + 10 on day 28.
    expect(small.lastIssuanceDay).toBe(28)
    expect(small.dailyEmission(27)).toBe(25n)
    expect(small.dailyEmission(28)).toBe(10n)
    expect(small.dailyEmission(29)).toBe(0n)
    expect(small.totalMintedThroughDay(27)).toBe(1_000n)
    expect(small.totalMintedThroughDay(28)).toBe(1_010n)
    expect(small.totalMintedThroughDay(10_000)).toBe(1_010n)
  })

  test('blocks of the partial day sum to the remainder', () => {
    const blocksPerDay = 4
    const day28 = Array.from({ length: blocksPerDay }, (_, i) =>
      small.blockMint(28 * blocksPerDay + i + 1, blocksPerDay),
    )
    expect(day28).toEqual([3n, 3n, 2n, 2n])
    expect(small.blockMint(29 * blocksPerDay + 1, blocksPerDay)).toBe(0n)
    expect(small.totalMintedThroughHeight(1_000, blocksPerDay)).toBe(1_010n)
  })

  test('a cap inside a halving era', () => {
    const e = createEmission({ total: 250n, baseDaily: 100n, halvingIntervalDays: 3, halvings: 2 })
    expect(e.lastIssuanceDay).toBe(2)
    expect([0, 1, 2, 3].map((d) => e.dailyEmission(d))).toEqual([100n, 100n, 50n, 0n])
  })

  test('a schedule that cannot be halved exactly is refused', () => {
    expect(() => createEmission({ ...GAT_EMISSION, baseDaily: 1_001n })).toThrow(/halved 3 times/)
  })
})

describe('per-block minting', () => {
  test.each([
    [0, 43_200, 0],
    [1, 43_200, 0],
    [43_200, 43_200, 0],
    [43_201, 43_200, 1],
    [86_400, 43_200, 1],
    [1, 1, 0],
    [2, 1, 1],
    [7, 7, 0],
    [8, 7, 1],
  ])('height %i with %i blocks a day is on day %i', (height, blocksPerDay, day) => {
    expect(dayOfHeight(height, blocksPerDay)).toBe(day)
  })

  // Days around every boundary; long days are checked on fewer of them to keep the test quick.
  const DAYS = [0, 1, 1_459, 1_460, 2_919, 2_920, 4_379, 4_380, 19_938, 19_939, 19_940, 25_000]
  const FEW_DAYS = [0, 1_460, 4_380, 19_939, 19_940]

  test.each([1, 2, 3, 7, 43_200, 43_201, 86_400])(
    'with %i blocks a day, every day sums exactly to its amount and blocks differ by at most 1 ugat',
    (blocksPerDay) => {
      for (const day of blocksPerDay > 1_000 ? FEW_DAYS : DAYS) {
        const first = day * blocksPerDay + 1
        let sum = 0n
        let min: bigint | undefined
        let max = 0n
        for (let h = first; h < first + blocksPerDay; h++) {
          const m = blockMint(h, blocksPerDay)
          sum += m
          if (min === undefined || m < min) min = m
          if (m > max) max = m
        }
        expect({ day, sum }).toEqual({ day, sum: dailyEmission(day) })
        expect({ day, spread: max - min! }).toEqual({
          day,
          spread: dailyEmission(day) % BigInt(blocksPerDay) === 0n ? 0n : 1n,
        })
        // The block before the day belongs to the day before: no block is counted twice.
        if (day > 0)
          expect({ day, prev: dayOfHeight(first - 1, blocksPerDay) }).toEqual({ day, prev: day - 1 })
        expect({ day, closedForm: totalMintedThroughHeight(first + blocksPerDay - 1, blocksPerDay) }).toEqual(
          {
            day,
            closedForm: totalMintedThroughDay(day),
          },
        )
      }
    },
  )

  test('more blocks a day than ugat a day: some blocks mint 0, the day is still exact', () => {
    const blocksPerDay = 3_000_000_000 // > 2,500 GAT = 2.5e9 ugat
    const last = LAST_ISSUANCE_DAY * blocksPerDay
    expect(blockMint(last + 1, blocksPerDay)).toBe(1n)
    expect(blockMint(last + 2_500_000_000, blocksPerDay)).toBe(1n)
    expect(blockMint(last + 2_500_000_001, blocksPerDay)).toBe(0n)
    expect(totalMintedThroughHeight(last + blocksPerDay, blocksPerDay)).toBe(TOTAL_ISSUANCE)
  })

  test('the closed form through a height equals the running sum of block mints (7 blocks a day)', () => {
    const blocksPerDay = 7
    for (const day of DAYS) {
      const start = Math.max(0, (day - 1) * blocksPerDay)
      let sum = totalMintedThroughHeight(start, blocksPerDay)
      for (let h = start + 1; h <= start + 3 * blocksPerDay; h++) {
        sum += blockMint(h, blocksPerDay)
        expect({ h, total: totalMintedThroughHeight(h, blocksPerDay) }).toEqual({ h, total: sum })
      }
    }
  })

  test('nothing is minted after the last day, and the total never exceeds 90,000,000 GAT', () => {
    for (const blocksPerDay of [1, 7, 43_200, 43_201]) {
      const lastBlock = (LAST_ISSUANCE_DAY + 1) * blocksPerDay
      expect({ blocksPerDay, m: blockMint(lastBlock, blocksPerDay) > 0n }).toEqual({ blocksPerDay, m: true })
      expect({ blocksPerDay, m: blockMint(lastBlock + 1, blocksPerDay) }).toEqual({ blocksPerDay, m: 0n })
      expect({ blocksPerDay, m: blockMint(lastBlock * 10, blocksPerDay) }).toEqual({ blocksPerDay, m: 0n })
      expect(totalMintedThroughHeight(lastBlock - 1, blocksPerDay)).toBeLessThan(TOTAL_ISSUANCE)
      expect(totalMintedThroughHeight(lastBlock, blocksPerDay)).toBe(TOTAL_ISSUANCE)
      expect(totalMintedThroughHeight(Number.MAX_SAFE_INTEGER, blocksPerDay)).toBe(TOTAL_ISSUANCE)
    }
  })

  test('bad heights and block counts are refused', () => {
    expect(() => blockMint(0, 43_200)).toThrow(/height must be a whole number ≥ 1/)
    expect(() => blockMint(1, 0)).toThrow(/blocksPerDay must be a whole number ≥ 1/)
    expect(() => dayOfHeight(-1, 1)).toThrow(RangeError)
    expect(() => dayOfHeight(1, 1.5)).toThrow(RangeError)
  })
})
