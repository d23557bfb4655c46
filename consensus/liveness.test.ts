import { describe, expect, test } from '@jest/globals'
import {
  assessHealth,
  defaultHealthParams,
  FinalityWatch,
  type Health,
  type HealthInput,
  MissedSlotWatch,
  STALL_REMINDER_ROUNDS,
  validateHealthParams,
} from './liveness.js'
import { ROUND_SLOTS } from './schedule.js'

const PARAMS = { maxFinalityLagBlocks: 42, maxHeadAgeMs: 60_000, maxMissedSlotsInRow: 1 }

/** A healthy single-validator devnet at height 100 with 2 s blocks. */
const base: HealthInput = {
  height: 100,
  finalHeight: 99,
  headAgeMs: 500,
  blockTimeMs: 2000,
  superNode: true,
  missedOwnSlots: 0,
}

interface Case {
  name: string
  input: Partial<HealthInput>
  params?: Partial<typeof PARAMS>
  status: Health['status']
  /** one regular expression per expected reason, in order */
  reasons: RegExp[]
  finalityLag: number
}

const CASES: Case[] = [
  { name: 'all fine', input: {}, status: 'ok', reasons: [], finalityLag: 1 },
  { name: 'genesis, fresh', input: { height: 0, finalHeight: 0 }, status: 'ok', reasons: [], finalityLag: 0 },
  {
    name: 'finality lag at the limit is still ok',
    input: { height: 142, finalHeight: 100 },
    status: 'ok',
    reasons: [],
    finalityLag: 42,
  },
  {
    name: 'finality lag one past the limit: degraded',
    input: { height: 143, finalHeight: 100 },
    status: 'degraded',
    reasons: [/^finality lags the head by 43 blocks \(final 100, head 143; limit 42\)/],
    finalityLag: 43,
  },
  {
    name: 'the README walk: final 104, head 445',
    input: { height: 445, finalHeight: 104 },
    status: 'degraded',
    reasons: [/finality lags the head by 341 blocks/],
    finalityLag: 341,
  },
  {
    name: 'a smaller limit (--max-finality-lag 21)',
    input: { height: 130, finalHeight: 104 },
    params: { maxFinalityLagBlocks: 21 },
    status: 'degraded',
    reasons: [/by 26 blocks .*limit 21/],
    finalityLag: 26,
  },
  {
    name: 'head older than a minute: stale',
    input: { headAgeMs: 61_000 },
    status: 'stale',
    reasons: [/^the head block 100 is 61 s old \(limit 60 s\)/],
    finalityLag: 1,
  },
  {
    name: 'ten block times count when longer than maxHeadAgeMs',
    input: { headAgeMs: 90_000, blockTimeMs: 10_000 },
    status: 'ok',
    reasons: [],
    finalityLag: 1,
  },
  {
    name: 'stale and lagging: stale, both reasons',
    input: { headAgeMs: 120_000, height: 200, finalHeight: 100 },
    status: 'stale',
    reasons: [/is 120 s old/, /lags the head by 100 blocks/],
    finalityLag: 100,
  },
  {
    name: 'one own slot missed: tolerated',
    input: { missedOwnSlots: 1 },
    status: 'ok',
    reasons: [],
    finalityLag: 1,
  },
  {
    name: 'own slots missed in a row beyond the limit: degraded',
    input: { missedOwnSlots: 3 },
    status: 'degraded',
    reasons: [/^this node is a super node and missed its last 3 slots in a row \(limit 1\)/],
    finalityLag: 1,
  },
  {
    name: 'missed slots do not count for a node that is not a super node',
    input: { superNode: false, missedOwnSlots: 9 },
    status: 'ok',
    reasons: [],
    finalityLag: 1,
  },
  {
    name: 'lagging and missing: degraded, both reasons',
    input: { height: 300, finalHeight: 100, missedOwnSlots: 2 },
    status: 'degraded',
    reasons: [/lags the head by 200 blocks/, /missed its last 2 slots/],
    finalityLag: 200,
  },
  {
    name: 'a final height above the head (a race while reading) is no lag',
    input: { height: 10, finalHeight: 11 },
    status: 'ok',
    reasons: [],
    finalityLag: 0,
  },
]

describe('assessHealth', () => {
  test.each(CASES)('$name', (c) => {
    const h = assessHealth({ ...base, ...c.input }, { ...PARAMS, ...c.params })
    expect({ status: h.status, finalityLag: h.finalityLag, reasons: h.reasons.length }).toEqual({
      status: c.status,
      finalityLag: c.finalityLag,
      reasons: c.reasons.length,
    })
    for (const [i, re] of c.reasons.entries())
      expect({ i, reason: h.reasons[i] }).toEqual({ i, reason: expect.stringMatching(re) })
  })

  test('the body carries the numbers and limits behind the verdict', () => {
    expect(assessHealth({ ...base, height: 150, finalHeight: 100 }, PARAMS)).toEqual({
      status: 'degraded',
      reasons: [expect.stringMatching(/lags the head by 50 blocks/)],
      height: 150,
      finalHeight: 100,
      finalityLag: 50,
      maxFinalityLag: 42,
      headAgeMs: 500,
      maxHeadAgeMs: 60_000,
      superNode: true,
      missedOwnSlots: 0,
    })
  })

  test('defaults: two rounds of lag, a minute, one missed slot; validation names the field', () => {
    expect(defaultHealthParams()).toEqual({
      maxFinalityLagBlocks: 2 * ROUND_SLOTS,
      maxHeadAgeMs: 60_000,
      maxMissedSlotsInRow: 1,
    })
    expect(validateHealthParams(defaultHealthParams())).toEqual(defaultHealthParams())
    expect(() => validateHealthParams({ ...PARAMS, maxFinalityLagBlocks: 0 })).toThrow(/maxFinalityLagBlocks/)
    expect(() => validateHealthParams({ ...PARAMS, maxHeadAgeMs: -1 })).toThrow(/maxHeadAgeMs/)
    expect(() => validateHealthParams({ ...PARAMS, maxMissedSlotsInRow: 1.5 })).toThrow(/maxMissedSlotsInRow/)
  })
})

describe('FinalityWatch', () => {
  // [height, finalHeight, headSlot] → notice kind (and repeat) or none
  const STEPS: { at: [number, number, number]; want: string | undefined }[] = [
    { at: [10, 9, 10], want: undefined },
    { at: [31, 10, 40], want: undefined }, // lag 21: at the limit
    { at: [32, 10, 42], want: 'stalled' }, // lag 22: crossed
    { at: [40, 10, 60], want: undefined }, // still stalled, no reminder yet
    { at: [80, 10, 42 + STALL_REMINDER_ROUNDS * ROUND_SLOTS - 1], want: undefined },
    { at: [81, 10, 42 + STALL_REMINDER_ROUNDS * ROUND_SLOTS], want: 'stalled again' },
    { at: [90, 10, 42 + STALL_REMINDER_ROUNDS * ROUND_SLOTS + 5], want: undefined },
    { at: [91, 90, 200], want: 'resumed' },
    { at: [92, 91, 201], want: undefined },
    { at: [130, 91, 240], want: 'stalled' }, // a new stall is reported afresh
  ]

  test('once when the lag crosses the limit, every few rounds while it lasts, once when it resumes', () => {
    const w = new FinalityWatch(21)
    for (const [i, s] of STEPS.entries()) {
      const n = w.observe(...s.at)
      const got = n === undefined ? undefined : n.kind === 'stalled' && n.repeat ? 'stalled again' : n.kind
      expect({ step: i, at: s.at, got }).toEqual({ step: i, at: s.at, got: s.want })
    }
  })

  test('notices carry the heights, the lag and the rounds it lasted', () => {
    const w = new FinalityWatch(2)
    expect(w.observe(13, 10, 21)).toEqual({
      kind: 'stalled',
      repeat: false,
      height: 13,
      finalHeight: 10,
      finalityLag: 3,
      rounds: 0,
    })
    expect(w.observe(30, 29, 21 + 3 * ROUND_SLOTS)).toEqual({
      kind: 'resumed',
      height: 30,
      finalHeight: 29,
      finalityLag: 1,
      rounds: 3,
    })
  })
})

describe('MissedSlotWatch', () => {
  const A = 'a'.repeat(64)
  const B = 'b'.repeat(64)
  const C = 'c'.repeat(64)
  const miss = (producer: string, ...slots: number[]) => slots.map((slot) => ({ slot, producer }))

  test('a producer is reported when it misses more than the limit in a row, once per round', () => {
    const w = new MissedSlotWatch(1)
    // B misses slot 1: tolerated
    expect(w.onBlock(A, miss(B, 1), [A, B])).toEqual([])
    expect(w.missedInRow(B)).toBe(1)
    // B misses slot 3 too: 2 in a row, reported
    expect(w.onBlock(A, miss(B, 3), [A, B])).toEqual([
      { kind: 'missing', producer: B, missedSlots: 2, rounds: 1, firstSlot: 1, lastSlot: 3 },
    ])
    // more misses in the same round: no second report
    expect(w.onBlock(A, miss(B, 5), [A, B])).toEqual([])
    expect(w.missedInRow(B)).toBe(3)
    // a block without new misses (A's slots in a row): nothing
    expect(w.onBlock(A, [], [A, B])).toEqual([])
    // the next round: reported again, with the run so far
    expect(w.onBlock(A, miss(B, 21), [A, B])).toEqual([
      { kind: 'missing', producer: B, missedSlots: 4, rounds: 2, firstSlot: 1, lastSlot: 21 },
    ])
    // B produces: one notice, and its run is over
    expect(w.onBlock(B, [], [A, B])).toEqual([{ kind: 'producing', producer: B, missedSlots: 4 }])
    expect(w.missedInRow(B)).toBe(0)
  })

  test('a producer whose short run ends is not reported; a node that leaves the set is forgotten', () => {
    const w = new MissedSlotWatch(1)
    expect(w.onBlock(A, miss(B, 1), [A, B])).toEqual([])
    expect(w.onBlock(B, [], [A, B])).toEqual([])
    expect(w.onBlock(A, miss(C, 4), [A, B, C])).toEqual([])
    expect(w.missedInRow(C)).toBe(1)
    expect(w.onBlock(A, [], [A, B])).toEqual([])
    expect(w.missedInRow(C)).toBe(0)
  })

  test('a node back after missing its own slots (a restart) is reported as producing, not missing', () => {
    const w = new MissedSlotWatch(1)
    expect(w.onBlock(A, miss(A, 10, 11, 12), [A])).toEqual([
      { kind: 'producing', producer: A, missedSlots: 3 },
    ])
    expect(w.missedInRow(A)).toBe(0)
  })

  test('several producers missing in one gap are reported each', () => {
    const w = new MissedSlotWatch(0)
    expect(w.onBlock(A, [...miss(B, 1), ...miss(C, 2)], [A, B, C]).map((n) => n.producer)).toEqual([B, C])
  })
})
