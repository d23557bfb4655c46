import { describe, expect, test } from '@jest/globals'
import { ChainErrorCode } from './errors.js'
import { checkSum, findViolations, type Invariant, invariantChecker, invariantError } from './invariants.js'
import { CommittedState } from './store/committedState.js'
import { StateOverlay } from './store/overlay.js'
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
