/**
 * GAT issuance (docs/protocol/economics.md), as pure bigint math over day numbers and block heights.
 *
 * Days are numbered from 0 (the genesis day). The daily amount starts at 20,000 GAT and halves
 * every 1,460 days down to 2,500 GAT, then stays at 2,500 GAT until exactly 90,000,000 GAT have
 * been minted: the day the cap falls in gets the remainder, every later day nothing. A day is
 * `blocksPerDay` blocks; heights start at 1 (block 1 is the first block of day 0).
 */

import { UGAT_PER_GAT } from '../../../chain/amount.js'

/** The shape of an issuance curve; the chain uses GAT_EMISSION, tests also try others. */
export interface EmissionSchedule {
  /** everything issuance will ever mint, ugat */
  total: bigint
  /** the daily amount of the first era, ugat */
  baseDaily: bigint
  /** days between halvings */
  halvingIntervalDays: number
  /** halvings before the amount stays constant */
  halvings: number
}

/** docs/protocol/economics.md: 90,000,000 GAT; 20,000 GAT a day, halving every 1,460 days three times, then 2,500. */
export const GAT_EMISSION: EmissionSchedule = {
  total: 90_000_000n * UGAT_PER_GAT,
  baseDaily: 20_000n * UGAT_PER_GAT,
  halvingIntervalDays: 1_460,
  halvings: 3,
}

/** Issuance math for one schedule. Every function is O(1) in the day or height. */
export interface Emission {
  readonly schedule: EmissionSchedule
  /** the last day anything is minted */
  readonly lastIssuanceDay: number
  /** ugat minted on `day`: the era's amount, the remainder on the last day, 0 after it */
  dailyEmission(day: number): bigint
  /** ugat minted on days 0..`day` inclusive; never more than `schedule.total` */
  totalMintedThroughDay(day: number): bigint
  /** ugat minted by the block at `height` (≥ 1) */
  blockMint(height: number, blocksPerDay: number): bigint
  /** ugat minted by blocks 1..`height` inclusive (0 for height 0) */
  totalMintedThroughHeight(height: number, blocksPerDay: number): bigint
}

function checkWhole(value: number, name: string, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number ≥ ${min}, got ${value}`)
  }
}

/** The day a block belongs to; height 0 (genesis) counts as day 0. */
export function dayOfHeight(height: number, blocksPerDay: number): number {
  checkWhole(height, 'height', 0)
  checkWhole(blocksPerDay, 'blocksPerDay', 1)
  return height === 0 ? 0 : Math.floor((height - 1) / blocksPerDay)
}

/** Builds the issuance math of a schedule; throws if the schedule cannot be exact. */
export function createEmission(schedule: EmissionSchedule): Emission {
  const { total, baseDaily, halvingIntervalDays, halvings } = schedule
  checkWhole(halvingIntervalDays, 'halvingIntervalDays', 1)
  checkWhole(halvings, 'halvings', 0)
  const floorDaily = baseDaily >> BigInt(halvings)
  if (floorDaily <= 0n || floorDaily << BigInt(halvings) !== baseDaily) {
    throw new RangeError(`baseDaily ${baseDaily} cannot be halved ${halvings} times exactly`)
  }
  const interval = BigInt(halvingIntervalDays)
  const floorStartDay = BigInt(halvingIntervalDays * halvings)

  /** The sum of days 0..n-1 without the cap (at most `halvings` + 1 terms). */
  const uncappedFirstDays = (n: bigint): bigint => {
    let sum = 0n
    for (let era = 0; era < halvings; era++) {
      const start = BigInt(era) * interval
      if (n <= start) return sum
      const days = n - start < interval ? n - start : interval
      sum += days * (baseDaily >> BigInt(era))
    }
    return n <= floorStartDay ? sum : sum + (n - floorStartDay) * floorDaily
  }

  // The cap falls on the first day whose running total reaches it.
  const beforeFloor = uncappedFirstDays(floorStartDay)
  let lastIssuanceDay: number
  if (beforeFloor >= total) {
    let day = 0
    while (uncappedFirstDays(BigInt(day) + 1n) < total) day++
    lastIssuanceDay = day
  } else {
    const floorDays = (total - beforeFloor + floorDaily - 1n) / floorDaily
    lastIssuanceDay = Number(floorStartDay + floorDays) - 1
  }

  const totalMintedThroughDay = (day: number): bigint => {
    checkWhole(day, 'day', 0)
    const uncapped = uncappedFirstDays(BigInt(day) + 1n)
    if (uncapped > total) return total
    return uncapped
  }
  const dailyEmission = (day: number): bigint =>
    totalMintedThroughDay(day) - (day === 0 ? 0n : totalMintedThroughDay(day - 1))

  return {
    schedule,
    lastIssuanceDay,
    dailyEmission,
    totalMintedThroughDay,

    // The day's amount D over its B blocks: floor(D/B) each, one more ugat for the first
    // D mod B blocks, so the day sums to exactly D whatever B is.
    blockMint(height, blocksPerDay) {
      checkWhole(height, 'height', 1)
      const day = dayOfHeight(height, blocksPerDay)
      const index = BigInt((height - 1) % blocksPerDay)
      const perDay = dailyEmission(day)
      const b = BigInt(blocksPerDay)
      return perDay / b + (index < perDay % b ? 1n : 0n)
    },

    totalMintedThroughHeight(height, blocksPerDay) {
      const day = dayOfHeight(height, blocksPerDay)
      if (height === 0) return 0n
      const blocksToday = BigInt(height - day * blocksPerDay)
      const perDay = dailyEmission(day)
      const b = BigInt(blocksPerDay)
      const extra = perDay % b
      const before = day === 0 ? 0n : totalMintedThroughDay(day - 1)
      return before + blocksToday * (perDay / b) + (blocksToday < extra ? blocksToday : extra)
    },
  }
}

const gat = createEmission(GAT_EMISSION)

/** Everything issuance will ever mint: 90,000,000 GAT, in ugat. */
export const TOTAL_ISSUANCE = GAT_EMISSION.total
/** The last day GAT is minted: 19,939 (issuance runs 19,940 days, days 0..19,939). */
export const LAST_ISSUANCE_DAY = gat.lastIssuanceDay
/** ugat minted on `day` (from 0): 20,000 → 10,000 → 5,000 → 2,500 GAT, 0 after LAST_ISSUANCE_DAY. */
export const dailyEmission = gat.dailyEmission
/** ugat minted on days 0..`day` inclusive; O(1); reaches TOTAL_ISSUANCE at LAST_ISSUANCE_DAY. */
export const totalMintedThroughDay = gat.totalMintedThroughDay
/** ugat minted by the block at `height` (≥ 1); each day's blocks sum to exactly its amount. */
export const blockMint = gat.blockMint
/** ugat minted by blocks 1..`height` inclusive; O(1). */
export const totalMintedThroughHeight = gat.totalMintedThroughHeight
