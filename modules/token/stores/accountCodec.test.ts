import { describe, expect, test } from '@jest/globals'
import { Rng, testSeed } from '../../../test/helpers/rng.js'
import { type AccountRecord, accountCodec, accountProtoCodec } from './accountCodec.js'

const SEED = testSeed('GATHER_ACCOUNT_CODEC_SEED')

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Numbers around every varint byte edge, the fast path's 2^49 edge and the uint64 end. */
const EDGES = [
  0n,
  1n,
  127n,
  128n,
  16_383n,
  16_384n,
  2n ** 31n,
  2n ** 32n,
  2n ** 49n - 1n,
  2n ** 49n,
  2n ** 53n,
]
const NUMBERS = [...EDGES, ...EDGES.map((n) => n + 1n), 2n ** 64n - 2n, 2n ** 64n - 1n]

function someNumber(rng: Rng): string {
  if (rng.chance(0.4)) return rng.pick(NUMBERS).toString()
  return (BigInt(rng.int(2 ** 32)) * BigInt(rng.int(2 ** 32))).toString().slice(0, 1 + rng.int(20))
}

function someAddress(rng: Rng): string {
  return rng.pick([
    '',
    'g',
    'gather1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq7x8f5',
    'gather1' + 'x'.repeat(rng.int(140)),
    'ü-address',
    '\u{1f600}',
  ])
}

function someRecord(rng: Rng): AccountRecord {
  return { address: someAddress(rng), accountNumber: someNumber(rng), sequence: someNumber(rng) }
}

/** The result of decoding, or the error's message: what both codecs must agree on. */
function outcome(decode: (b: Uint8Array) => AccountRecord, b: Uint8Array): string {
  try {
    // JSON keeps the key order, which toEqual would not compare
    return JSON.stringify(decode(b))
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

/** A valid encoding changed: bytes flipped, inserted, dropped, truncated, fields repeated or reordered. */
function mutate(rng: Rng, b: Uint8Array, other: Uint8Array): Uint8Array {
  const out = [...b]
  switch (rng.int(7)) {
    case 0:
      if (out.length > 0) out[rng.int(out.length)] = rng.int(256)
      break
    case 1:
      out.splice(rng.int(out.length + 1), 0, rng.int(256))
      break
    case 2:
      out.splice(rng.int(out.length + 1), 1)
      break
    case 3:
      return b.subarray(0, rng.int(b.length + 1))
    case 4:
      // another record's fields after these: repeated fields, last one wins
      return Buffer.concat([b, other])
    case 5:
      // an unknown field, a varint field with the wrong wire type, or a known tag with a long varint
      out.push(rng.pick([0x20, 0x12, 0x1a, 0x11, 0x08, 0x10]), ...rng.bytes(rng.int(12)))
      break
    default:
      // a varint made longer than it needs to be (still valid: protobufjs reads it)
      for (let i = 0; i < out.length; i++) {
        if ((out[i] === 0x10 || out[i] === 0x18) && rng.chance(0.5)) {
          out.splice(i + 1, 0, 0x80)
          break
        }
      }
  }
  return Uint8Array.from(out)
}

describe(`token account codec (GATHER_ACCOUNT_CODEC_SEED=${SEED} replays)`, () => {
  test('encode gives the bytes protobufjs gives, and decode the record', () => {
    const rng = new Rng(SEED)
    const mismatches: { i: number; record: AccountRecord }[] = []
    for (let i = 0; i < 20_000; i++) {
      const record = someRecord(rng)
      const ours = accountCodec.encode(record)
      if (hex(ours) !== hex(accountProtoCodec.encode(record))) mismatches.push({ i, record })
      else if (outcome(accountCodec.decode, ours) !== outcome(accountProtoCodec.decode, ours))
        mismatches.push({ i, record })
    }
    expect(mismatches).toEqual([])
  })

  test('decode agrees with protobufjs on mutated, truncated and random bytes, errors included', () => {
    const rng = new Rng(SEED ^ 0xacc0)
    const mismatches: { i: number; bytes: string; ours: string; reference: string }[] = []
    let fast = 0
    for (let i = 0; i < 40_000; i++) {
      const valid = accountCodec.encode(someRecord(rng))
      const b = rng.chance(0.1)
        ? rng.bytes(rng.int(24))
        : mutate(rng, valid, accountCodec.encode(someRecord(rng)))
      const ours = outcome(accountCodec.decode, b)
      const reference = outcome(accountProtoCodec.decode, b)
      if (ours !== reference) mismatches.push({ i, bytes: hex(b), ours, reference })
      if (!ours.startsWith('error')) fast++
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    // the inputs reach the decoding paths, not only errors
    expect(fast).toBeGreaterThan(10_000)
  })

  test('a value that is not a canonical decimal uint64 is encoded as protobufjs encodes it', () => {
    for (const v of ['', '01', '-1', '1e3', ' 5', '18446744073709551616', '99999999999999999999']) {
      const record = { address: 'gather1x', accountNumber: v, sequence: '7' }
      let ours: string
      let reference: string
      try {
        ours = hex(accountCodec.encode(record))
      } catch (e) {
        ours = `error: ${(e as Error).message}`
      }
      try {
        reference = hex(accountProtoCodec.encode(record))
      } catch (e) {
        reference = `error: ${(e as Error).message}`
      }
      expect({ v, ours }).toEqual({ v, ours: reference })
    }
  })
})
