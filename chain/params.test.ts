import { describe, expect, test } from '@jest/globals'
import { ChainError } from './errors.js'
import { defineParams } from './params.js'

interface Example {
  fee: bigint
  rounds: number
  open: boolean
  label: string
}

const example = defineParams<Example>({
  module: 'example',
  fields: {
    fee: { kind: 'bigint', unit: 'ugat', min: 0n, max: 1_000n, maxName: 'the cap' },
    rounds: { kind: 'int', unit: 'rounds', min: 1, max: 10 },
    open: { kind: 'bool' },
    label: { kind: 'string', maxLength: 8, pattern: /^[a-z]*$/ },
  },
  defaults: () => ({ fee: 5n, rounds: 2, open: false, label: 'x' }),
  check: (p) => (p.open && p.fee === 0n ? [{ key: 'fee', reason: 'must not be 0 when open' }] : []),
})

const errorOf = (fn: () => unknown): { code: string; message: string } | 'OK' => {
  try {
    fn()
  } catch (e) {
    return e instanceof ChainError
      ? { code: e.code, message: e.message }
      : { code: 'NOT_A_CHAIN_ERROR', message: '' }
  }
  return 'OK'
}

describe('defineParams', () => {
  test('defaults, the JSON form (bigints as decimal strings) and back', () => {
    const d = example.defaults()
    expect(example.toJson(d)).toEqual({ fee: '5', rounds: 2, open: false, label: 'x' })
    expect(example.parse(example.toJson(d))).toEqual(d)
    expect(example.parse(undefined)).toEqual(d)
    expect(example.parse({ rounds: 3 })).toEqual({ ...d, rounds: 3 })
    expect(example.defaults()).not.toBe(example.defaults())
  })

  test('the stored form lists the fields in definition order, whatever the order given', () => {
    const bytes = example.codec.encode({ label: 'y', open: true, rounds: 4, fee: '7' })
    expect(new TextDecoder().decode(bytes)).toBe('{"fee":"7","rounds":4,"open":true,"label":"y"}')
    expect(example.codec.decode(bytes)).toEqual({ fee: '7', rounds: 4, open: true, label: 'y' })
  })

  test('each bad field is named with what it must be and what it got', () => {
    const d = example.defaults()
    const table: [Partial<Example>, string[]][] = [
      [{}, []],
      [{ fee: -1n }, ['fee: must be a whole number of ugat from 0 to 1000 (the cap), got -1']],
      [{ fee: 1_001n }, ['fee: must be a whole number of ugat from 0 to 1000 (the cap), got 1001']],
      [{ rounds: 0 }, ['rounds: must be a whole number of rounds from 1 to 10, got 0']],
      [{ rounds: 1.5 }, ['rounds: must be a whole number of rounds from 1 to 10, got 1.5']],
      [{ label: 'ABC' }, ['label: must be a string of at most 8 characters matching /^[a-z]*$/, got "ABC"']],
      [{ fee: 0n, open: true }, ['fee: must not be 0 when open']],
      [
        { fee: -1n, rounds: 11 },
        [
          'fee: must be a whole number of ugat from 0 to 1000 (the cap), got -1',
          'rounds: must be a whole number of rounds from 1 to 10, got 11',
        ],
      ],
    ]
    for (const [change, expected] of table) {
      expect({ change, problems: example.problems({ ...d, ...change }) }).toEqual({
        change,
        problems: expected,
      })
      const got = errorOf(() => example.validate({ ...d, ...change }))
      if (expected.length === 0) expect({ change, got }).toEqual({ change, got: 'OK' })
      else
        expect({ change, got }).toEqual({
          change,
          got: {
            code: 'PARAMS_INVALID',
            message: `invalid params: ${expected.map((x) => `modules.example.params.${x}`).join('; ')}`,
          },
        })
    }
  })

  test('parse refuses bad JSON as invalid genesis, naming the field', () => {
    const table: [unknown, RegExp][] = [
      [{ fee: 5 }, /^invalid genesis: modules\.example\.params\.fee: must be .* as a decimal string, got 5$/],
      [{ fee: '05' }, /modules\.example\.params\.fee: .* got "05"/],
      [{ fee: '-1' }, /modules\.example\.params\.fee/],
      [{ fee: '1'.repeat(40) }, /modules\.example\.params\.fee/],
      [
        { rounds: '3' },
        /modules\.example\.params\.rounds: must be a whole number of rounds from 1 to 10, got "3"/,
      ],
      [{ open: 'yes' }, /modules\.example\.params\.open: must be true or false/],
      [{ rounds: 2 ** 53 }, /modules\.example\.params\.rounds/],
    ]
    for (const [raw, expected] of table) {
      const got = errorOf(() => example.parse(raw as never))
      expect({ raw, code: got === 'OK' ? 'OK' : got.code }).toEqual({ raw, code: 'GENESIS_INVALID' })
      expect(got === 'OK' ? '' : got.message).toMatch(expected)
    }
  })

  test('change: one param from its JSON value, through the same rules (what governance will call)', () => {
    const d = example.defaults()
    expect(example.change(d, 'fee', '9')).toEqual({ ...d, fee: 9n })
    expect(example.change(d, 'open', true)).toEqual({ ...d, open: true })
    expect(d.fee).toBe(5n)
    expect(errorOf(() => example.change(d, 'fee', 9))).toEqual({
      code: 'PARAMS_INVALID',
      message: expect.stringMatching(
        /^invalid params: modules\.example\.params\.fee: .*decimal string, got 9$/,
      ),
    })
    expect(errorOf(() => example.change(d, 'rounds', 11))).toMatchObject({ code: 'PARAMS_INVALID' })
    expect(errorOf(() => example.change({ ...d, fee: 0n }, 'open', true))).toEqual({
      code: 'PARAMS_INVALID',
      message: 'invalid params: modules.example.params.fee: must not be 0 when open',
    })
    expect(errorOf(() => example.change(d, 'rounds', undefined))).toEqual({
      code: 'PARAMS_INVALID',
      message:
        'invalid params: modules.example.params.rounds: must be a whole number of rounds from 1 to 10, got no value',
    })
    expect(errorOf(() => example.change(d, 'nope', 1))).toEqual({
      code: 'PARAMS_INVALID',
      message: 'example has no param "nope" (its params: fee, rounds, open, label)',
    })
  })

  test('the genesis schema: strict, fields optional, the same reasons at the field path', () => {
    const schema = example.genesisSchema()
    expect(schema.safeParse({}).success).toBe(true)
    expect(schema.safeParse({ fee: '10', rounds: 3 }).data).toEqual({ fee: '10', rounds: 3 })
    const bad = schema.safeParse({ rounds: 0, extra: 1 })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['', 'Unrecognized key: "extra"'],
      ['rounds', 'must be a whole number of rounds from 1 to 10, got 0'],
    ])
    expect(schema.safeParse({ fee: '0', open: true }).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'fee',
    ])
  })
})
