import { describe, expect, test } from '@jest/globals'
import {
  lockedInBalance,
  trackBurn,
  trackLock,
  trackUnlock,
  unvestedAt,
  type Vesting,
  vestedAt,
} from './vesting.js'

// 1,000 ugat vesting linearly over heights 100..1,100, cliff at 300
const base: Vesting = {
  original: 1_000n,
  start: 100,
  cliff: 300,
  end: 1_100,
  delegatedVesting: 0n,
  delegatedFree: 0n,
}

describe('vestedAt', () => {
  test.each([
    [0, 0n],
    [100, 0n],
    [299, 0n], // before the cliff nothing, although 199 would have accrued
    [300, 200n], // at the cliff what accrued since start vests at once
    [600, 500n],
    [1_099, 999n],
    [1_100, 1_000n],
    [5_000, 1_000n],
  ])('height %p → %p ugat vested', (height, vested) => {
    expect(vestedAt(base, height)).toBe(vested)
    expect(unvestedAt(base, height)).toBe(1_000n - vested)
  })

  test('no cliff: linear from the start', () => {
    expect(vestedAt({ ...base, cliff: 100 }, 101)).toBe(1n)
  })
})

describe('stake tracking (Cosmos-style delegated vesting / free)', () => {
  test('locking takes vesting coins first; the balance lock shrinks by the same amount', () => {
    const h = 600 // 500 unvested
    const v = trackLock(base, h, 300n)
    expect(v).toMatchObject({ delegatedVesting: 300n, delegatedFree: 0n })
    expect(lockedInBalance(v, h)).toBe(200n)
    // locking more than is locked in the balance: the rest is free coins
    const w = trackLock(v, h, 500n)
    expect(w).toMatchObject({ delegatedVesting: 500n, delegatedFree: 300n })
    expect(lockedInBalance(w, h)).toBe(0n)
  })

  test('coins coming back: free first, then vesting, which are locked again while they vest', () => {
    const h = 600
    const v = trackLock(trackLock(base, h, 500n), h, 300n) // DV 500, DF 300
    const back = trackUnlock(v, 400n)
    expect(back).toMatchObject({ delegatedFree: 0n, delegatedVesting: 400n })
    expect(lockedInBalance(back, h)).toBe(100n)
    const all = trackUnlock(back, 400n)
    expect(all).toMatchObject({ delegatedFree: 0n, delegatedVesting: 0n })
    expect(lockedInBalance(all, h)).toBe(500n)
    // later they vest as usual
    expect(lockedInBalance(all, 1_100)).toBe(0n)
  })

  test('more coming back than was tracked (e.g. a transfer in was locked too) stops at zero', () => {
    expect(trackUnlock({ ...base, delegatedFree: 5n, delegatedVesting: 5n }, 50n)).toMatchObject({
      delegatedFree: 0n,
      delegatedVesting: 0n,
    })
  })
})

describe('slashing (trackBurn)', () => {
  test('free coins of the stake burn first; burned vesting coins stay counted, so the balance lock never grows', () => {
    const h = 200 // before the cliff: all 1,000 unvested
    const v = trackLock(base, h, 600n) // DV 600, balance 400 with 400 locked in it
    expect(lockedInBalance(v, h)).toBe(400n)
    const burned = trackBurn(v, 30n)
    expect(burned).toMatchObject({ delegatedVesting: 600n, delegatedFree: 0n })
    expect(lockedInBalance(burned, h)).toBe(400n) // trackUnlock would give 430 > the balance of 400
    expect(lockedInBalance(trackUnlock(v, 30n), h)).toBe(430n)
    // the 570 left come back: 570 of the 600 counted return, the 30 burned stay counted
    const back = trackUnlock(burned, 570n)
    expect(back).toMatchObject({ delegatedVesting: 30n, delegatedFree: 0n })
    expect(lockedInBalance(back, h)).toBe(970n) // balance 970: exactly covered
    expect(lockedInBalance(back, 1_100)).toBe(0n)
  })

  test('a stake with free coins: the burn takes them first', () => {
    const v = { ...base, delegatedVesting: 100n, delegatedFree: 50n }
    expect(trackBurn(v, 20n)).toMatchObject({ delegatedVesting: 100n, delegatedFree: 30n })
    expect(trackBurn(v, 80n)).toMatchObject({ delegatedVesting: 100n, delegatedFree: 0n })
  })
})
