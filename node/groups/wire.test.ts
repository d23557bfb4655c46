import { describe, expect, test } from '@jest/globals'
import { protoType } from '../../chain/codec/index.js'
import { decodeGroupGossip, encodeGroupGossip } from './wire.js'

const hash = new Uint8Array(32).fill(7)

describe('group head announcements', () => {
  test('two announcements of one head are different messages, and decode to the same head', () => {
    const a = encodeGroupGossip({ kind: 'head', height: 12, hash, announcedAtMs: 1_796_000_000_000 })
    const b = encodeGroupGossip({ kind: 'head', height: 12, hash, announcedAtMs: 1_796_000_002_000 })
    // gossipsub's message id is sha256(topic ‖ data): equal bytes would be one message
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(decodeGroupGossip(a)).toEqual({ kind: 'head', height: 12, hash, announcedAtMs: 1_796_000_000_000 })
    expect(decodeGroupGossip(b)).toMatchObject({ kind: 'head', height: 12, hash })
  })

  test('an announcement from a node that sends no time still decodes (time 0)', () => {
    const T = protoType('gather.messaging.v1.GroupGossip')
    const old = T.encode(T.fromObject({ head: { height: 3, hash } })).finish()
    expect(decodeGroupGossip(old)).toEqual({ kind: 'head', height: 3, hash, announcedAtMs: 0 })
  })

  test('a time beyond 2^53 is refused like any other overflowing number', () => {
    const T = protoType('gather.messaging.v1.GroupGossip')
    const bad = T.encode(
      T.fromObject({ head: { height: 3, hash, announcedAtMs: '18446744073709551615' } }),
    ).finish()
    expect(() => decodeGroupGossip(bad)).toThrow(/announced_at_ms/)
  })
})

describe('offers of pending transactions', () => {
  const txs = [Uint8Array.of(1, 2, 3), Uint8Array.of(4)]

  test('two offers of the same transactions are different messages and keep their order', () => {
    const a = encodeGroupGossip({ kind: 'pendingTxs', txs, offeredAtMs: 1_796_000_000_000 })
    const b = encodeGroupGossip({ kind: 'pendingTxs', txs, offeredAtMs: 1_796_000_004_500 })
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false)
    expect(decodeGroupGossip(a)).toEqual({ kind: 'pendingTxs', txs, offeredAtMs: 1_796_000_000_000 })
  })

  test('an empty offer, an empty transaction and too many transactions are refused', () => {
    const T = protoType('gather.messaging.v1.GroupGossip')
    const of = (list: Uint8Array[]) =>
      T.encode(T.fromObject({ pendingTxs: { txs: list, offeredAtMs: 1 } })).finish()
    expect(() => decodeGroupGossip(of([]))).toThrow(/1\.\.2000 transactions/)
    expect(() => decodeGroupGossip(of([Uint8Array.of(1), new Uint8Array(0)]))).toThrow(
      /pending_txs\.txs\[1\]/,
    )
    expect(() => decodeGroupGossip(of(Array.from({ length: 2_001 }, () => Uint8Array.of(9))))).toThrow(
      /1\.\.2000 transactions/,
    )
  })
})
