import { describe, expect, test } from '@jest/globals'
import { ChainError } from '../../chain/errors.js'
import { decodePolicy, resolveThreshold } from './commands/shared.js'
import { MAX_MEMBERS_LIMIT, messagingParams } from './params.js'

const code = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    return e instanceof ChainError ? e.code : 'NOT_A_CHAIN_ERROR'
  }
  return 'OK'
}

describe('messaging rules on plain values', () => {
  test('thresholds: a majority by default, more than half and at most all when given, 1 for the owner', () => {
    const table: [threshold: number, producers: number, expected: number | string][] = [
      [0, 0, 1],
      [1, 0, 1],
      [2, 0, 'MESSAGING_INVALID_THRESHOLD'],
      [0, 1, 1],
      [0, 2, 2],
      [0, 3, 2],
      [0, 4, 3],
      [0, 21, 11],
      [1, 2, 'MESSAGING_INVALID_THRESHOLD'],
      [2, 4, 'MESSAGING_INVALID_THRESHOLD'],
      [3, 4, 3],
      [4, 4, 4],
      [5, 4, 'MESSAGING_INVALID_THRESHOLD'],
    ]
    for (const [t, n, expected] of table) {
      const got = typeof expected === 'number' ? resolveThreshold(t, n) : code(() => resolveThreshold(t, n))
      expect({ t, n, got }).toEqual({ t, n, got: expected })
      // the rule that makes evidence possible: two sets of signers of this size always overlap
      if (typeof expected === 'number' && n > 0) expect(2 * expected > n).toBe(true)
    }
  })

  test('policies: defaults, the 10,000-member limit, amounts and ids checked', () => {
    expect(decodePolicy(undefined)).toEqual({
      maxMembers: MAX_MEMBERS_LIMIT,
      minGatBalance: '0',
      parentGroup: '0',
      membersMayBefriend: false,
      checkpointInterval: 100,
      private: false,
    })
    expect(
      decodePolicy({
        maxMembers: 10_000,
        minGatBalance: '5',
        parentGroup: 3,
        membersMayBefriend: true,
        checkpointInterval: 8,
        private: true,
      }),
    ).toEqual({
      maxMembers: 10_000,
      minGatBalance: '5',
      parentGroup: '3',
      membersMayBefriend: true,
      checkpointInterval: 8,
      private: true,
    })
    expect(code(() => decodePolicy({ checkpointInterval: 100_001 }))).toBe(
      'MESSAGING_INVALID_CHECKPOINT_INTERVAL',
    )
    expect(code(() => decodePolicy({ maxMembers: 10_001 }))).toBe('MESSAGING_MAX_MEMBERS_EXCEEDED')
    expect(code(() => decodePolicy({ minGatBalance: '01' }))).toBe('INVALID_AMOUNT')
    expect(code(() => decodePolicy({ minGatBalance: 'x'.repeat(1000) }))).toBe('INVALID_AMOUNT')
    expect(code(() => decodePolicy({ parentGroup: '9007199254740993' }))).toBe('MESSAGING_INVALID_GROUP')
  })

  test('params: defaults round-trip; bad values are refused naming the field', () => {
    const d = messagingParams.defaults()
    expect(d).toEqual({ creationFee: 10_000_000n, maxProducers: 21, maxGroupDepth: 8 })
    expect(messagingParams.parse(messagingParams.toJson(d))).toEqual(d)
    expect(() => messagingParams.parse({ maxProducers: 0 })).toThrow(
      /modules\.messaging\.params\.maxProducers/,
    )
    expect(() => messagingParams.parse({ maxProducers: 101 })).toThrow(/maxProducers/)
    expect(() => messagingParams.parse({ maxGroupDepth: 1.5 })).toThrow(/maxGroupDepth/)
    expect(() => messagingParams.parse({ creationFee: (10n ** 15n).toString() })).toThrow(/creationFee/)
  })
})
