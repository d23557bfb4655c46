import { describe, expect, test } from '@jest/globals'
import { ChainErrorCode } from './errors.js'
import { checkSum, findViolations, type Invariant, invariantChecker, invariantError } from './invariants.js'
import { CommittedState } from './store/committedState.js'
import { StateOverlay } from './store/overlay.js'
import { TypedStore } from './store/typedStore.js'
import type { StateReader } from './store/types.js'

const utf8 = new TextEncoder()
const num = (state: StateReader, key: string): bigint => {
  const b = state.get(key)
  return b === undefined ? 0n : BigInt(new TextDecoder().decode(b))
}

/** A toy ledger: `a/x` + `a/y` must equal `a/total`. */
const ledger: Invariant = {
  name: 'toy.ledger',
  check: (s) => checkSum({ x: num(s, 'a/x'), y: num(s, 'a/y') }, { total: num(s, 'a/total') }, 'ugat'),
}
const nonNegative: Invariant = {
  name: 'toy.sign',
  check: (s) => (num(s, 'a/x') < 0n ? [`x is ${num(s, 'a/x')} ugat, below zero`] : []),
}

function stateOf(values: Record<string, bigint>): StateOverlay {
  const s = new StateOverlay(CommittedState.empty())
  for (const [k, v] of Object.entries(values)) s.set(k, utf8.encode(v.toString()))
  return s
}

describe('checkSum', () => {
  test.each<{ left: Record<string, bigint>; right: Record<string, bigint>; expected: string[] }>([
    { left: { a: 1n, b: 2n }, right: { c: 3n }, expected: [] },
    { left: {}, right: {}, expected: [] },
    {
      left: { balances: 10n, staked: 5n },
      right: { genesis: 20n, burned: -6n },
      expected: ['balances 10 + staked 5 = 15 ugat, but genesis 20 − burned 6 = 14 ugat (off by +1 ugat)'],
    },
    {
      left: { issued: 2n },
      right: { held: 3n },
      expected: ['issued 2 = 2 ugat, but held 3 = 3 ugat (off by -1 ugat)'],
    },
  ])('$left vs $right', ({ left, right, expected }) => {
    expect(checkSum(left, right, 'ugat')).toEqual(expected)
  })
})

describe('findViolations', () => {
  test('an empty list when every invariant holds', () => {
    expect(findViolations(stateOf({ 'a/x': 1n, 'a/y': 2n, 'a/total': 3n }), [ledger, nonNegative])).toEqual(
      [],
    )
  })

  test('each violation is prefixed by its invariant, in the order the invariants are given', () => {
    const s = stateOf({ 'a/x': -1n, 'a/y': 2n, 'a/total': 3n })
    expect(findViolations(s, [nonNegative, ledger])).toEqual([
      'toy.sign: x is -1 ugat, below zero',
      'toy.ledger: x -1 + y 2 = 1 ugat, but total 3 = 3 ugat (off by -2 ugat)',
    ])
    expect(invariantChecker([ledger])(s, 1)).toEqual([
      'toy.ledger: x -1 + y 2 = 1 ugat, but total 3 = 3 ugat (off by -2 ugat)',
    ])
  })

  test('checks read the state as given: an overlay write is seen, and undone with the snapshot', () => {
    const s = stateOf({ 'a/x': 1n, 'a/y': 2n, 'a/total': 3n })
    const snap = s.snapshot()
    s.set('a/y', utf8.encode('9'))
    expect(findViolations(s, [ledger])).toHaveLength(1)
    s.restore(snap)
    expect(findViolations(s, [ledger])).toEqual([])
  })
})

describe('invariantError', () => {
  test('INVARIANT_BROKEN, naming what broke and every violation, which data also lists', () => {
    const e = invariantError('block 7', ['a: one', 'b: two'])
    expect(e.code).toBe(ChainErrorCode.INVARIANT_BROKEN)
    expect(e.message).toBe('block 7 breaks 2 invariants: a: one; b: two')
    expect(e.data).toEqual({ violations: ['a: one', 'b: two'] })
    expect(invariantError('the genesis state', ['x']).message).toBe('the genesis state breaks 1 invariant: x')
  })
})

describe('invariantChecker reads through a view that keeps decoded values', () => {
  /** `n` records, JSON, counting its decodes */
  let decodes = 0
  const records = new TypedStore<{ n: number; tags: string[] }>('toy', 'records', {
    encode: (v) => utf8.encode(JSON.stringify(v)),
    decode: (b) => {
      decodes++
      return JSON.parse(new TextDecoder().decode(b)) as { n: number; tags: string[] }
    },
  })
  const positive: Invariant = {
    name: 'toy.positive',
    check: (s) => records.entries(s).flatMap(([id, r]) => (r.n > 0 ? [] : [`${id} holds ${r.n}`])),
  }
  const sameScan: Invariant = {
    name: 'toy.scan',
    check: (s) => (records.entries(s).length === s.keys(records.prefix).length ? [] : ['scans differ']),
  }

  test('an entry no block changed is decoded once over many checks; a changed one again, and its violation found', () => {
    const state = new StateOverlay(CommittedState.empty())
    for (let i = 0; i < 10; i++) records.set(state, `r${i}`, { n: i + 1, tags: ['a'] })
    const check = invariantChecker([positive, sameScan, positive])
    decodes = 0
    expect(check(state, 1)).toEqual([])
    expect(decodes).toBe(10)
    expect(check(state, 2)).toEqual([])
    expect(decodes).toBe(10)
    records.set(state, 'r3', { n: 0, tags: [] })
    records.set(state, 'r10', { n: 5, tags: [] })
    expect(check(state, 3)).toEqual(['toy.positive: r3 holds 0', 'toy.positive: r3 holds 0'])
    expect(decodes).toBe(12)
    // the plain path decodes every time, and agrees
    decodes = 0
    expect(findViolations(state, [positive])).toEqual(['toy.positive: r3 holds 0'])
    expect(decodes).toBe(11)
  })

  test('what a check reads is frozen, nested values too: an invariant cannot change it for the next', () => {
    const state = new StateOverlay(CommittedState.empty())
    records.set(state, 'r0', { n: 1, tags: ['a'] })
    const mutating: Invariant = {
      name: 'toy.mutating',
      check: (s) => {
        const r = records.get(s, 'r0')!
        r.tags.push('b')
        return []
      },
    }
    expect(() => invariantChecker([mutating])(state, 1)).toThrow(TypeError)
    expect(() => invariantChecker([positive, mutating])(state, 1)).toThrow(TypeError)
    expect(records.get(state, 'r0')).toEqual({ n: 1, tags: ['a'] })
    // outside a check, decoded values are the caller's own to change
    const own = records.get(state, 'r0')!
    own.tags.push('b')
    expect(records.get(state, 'r0')).toEqual({ n: 1, tags: ['a'] })
  })
})
