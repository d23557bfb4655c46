import { describe, expect, test } from '@jest/globals'
import { parseCliAmount, parsePositiveCliAmount } from './amount.js'

describe('parseCliAmount', () => {
  const ok: [string, bigint][] = [
    ['1.5gat', 1_500_000n],
    ['1.5GAT', 1_500_000n],
    ['2.5gat', 2_500_000n],
    ['1gat', 1_000_000n],
    ['0.000001gat', 1n],
    ['1000000.123456gat', 1_000_000_123_456n],
    ['1500000ugat', 1_500_000n],
    ['1500000UGAT', 1_500_000n],
    ['1500000', 1_500_000n],
    ['0', 0n],
    [' 42 ', 42n],
  ]
  test.each(ok)('%s is %s ugat', (input, want) => {
    expect(parseCliAmount(input)).toBe(want)
  })

  const bad: [string, RegExp][] = [
    ['1.5', /is not an amount/],
    ['1.5ugat', /is not an amount/],
    ['1.0000001gat', /at most 6 decimals/],
    ['-1', /is not an amount/],
    ['01', /is not an amount/],
    ['1e6', /is not an amount/],
    ['gat', /is not an amount/],
    ['', /is not an amount/],
    ['1 gat', /is not an amount/],
    ['1atom', /is not an amount/],
    [`${'9'.repeat(50)}`, /too large/],
  ]
  test.each(bad)('%j is rejected', (input, err) => {
    expect(() => parseCliAmount(input, 'amount')).toThrow(err)
  })

  test('error messages name the option', () => {
    expect(() => parseCliAmount('x', '--fee')).toThrow(/^--fee "x"/)
  })

  test('positive amounts refuse zero', () => {
    expect(() => parsePositiveCliAmount('0gat')).toThrow('amount must be greater than zero')
    expect(parsePositiveCliAmount('1')).toBe(1n)
  })
})
