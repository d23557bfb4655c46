import { describe, expect, test } from '@jest/globals'
import { PeerScoreBook } from './peerScore.js'

const params = { banThreshold: -100, banDurationMs: 60_000, halfLifeMs: 10_000 }

describe('PeerScoreBook', () => {
  test('penalties add up to a ban at the threshold, which ends by itself with a clean score', () => {
    let now = 0
    const book = new PeerScoreBook(params, () => now)
    expect(book.score('p')).toBe(0)
    for (let i = 1; i <= 4; i++) {
      expect({ penalty: i, ...book.penalise('p', 22) }).toEqual({ penalty: i, score: -22 * i, banned: false })
    }
    expect(book.penalise('p', 22)).toEqual({ score: -110, banned: true })
    expect(book.isBanned('p')).toBe(true)
    expect(book.bannedUntil('p')).toBe(60_000)
    // further penalties while banned do not start another ban
    expect(book.penalise('p', 22).banned).toBe(false)
    expect(book.isBanned('q')).toBe(false)
    now = 59_999
    expect(book.isBanned('p')).toBe(true)
    now = 60_000
    expect(book.isBanned('p')).toBe(false)
    expect(book.score('p')).toBe(0)
    expect(book.bannedUntil('p')).toBeUndefined()
  })

  test('scores decay towards 0 with the half-life', () => {
    let now = 0
    const book = new PeerScoreBook(params, () => now)
    book.penalise('p', 80)
    now = 10_000
    expect(book.score('p')).toBeCloseTo(-40)
    now = 20_000
    expect(book.score('p')).toBeCloseTo(-20)
    // old offences weigh less: 80 then 40 a half-life later is -80, not a ban
    now = 0
    const other = new PeerScoreBook(params, () => now)
    other.penalise('p', 80)
    now = 10_000
    expect(other.penalise('p', 40)).toEqual({ score: -80, banned: false })
  })

  test('a direct ban, pruning and the list of known peers', () => {
    let now = 0
    const book = new PeerScoreBook(params, () => now)
    book.ban('x', 1000)
    book.penalise('y', 10)
    expect(book.knownPeers().sort()).toEqual(['x', 'y'])
    now = 200_000
    book.prune()
    expect(book.knownPeers()).toEqual([])
  })

  test('bad input is refused', () => {
    const book = new PeerScoreBook(params)
    expect(() => book.penalise('p', -1)).toThrow('bad penalty -1')
    expect(() => book.penalise('p', Number.NaN)).toThrow('bad penalty')
    expect(() => new PeerScoreBook({ ...params, banThreshold: 0 })).toThrow('banThreshold must be negative')
    expect(() => new PeerScoreBook({ ...params, halfLifeMs: 0 })).toThrow('must be positive')
  })
})
