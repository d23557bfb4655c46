import { describe, expect, test } from '@jest/globals'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import {
  type ChainEvent,
  decodeTxResult,
  decodeVoteBundle,
  encodeTxResult,
  encodeVoteBundle,
  MAX_BUNDLE_VOTES,
  type TxResult,
  type Vote,
} from './block.js'
import { protoType } from './index.js'

const SEED = testSeed('GATHER_CODEC_SEED')
const TxResultType = protoType('gather.chain.v1.TxResult')

function someString(rng: Rng): string {
  return rng.pick([
    '',
    'a',
    'token.transfer',
    'gat1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq',
    'ü→✓',
    'x'.repeat(300),
  ])
}

function someResult(rng: Rng): TxResult {
  const events: ChainEvent[] = Array.from({ length: rng.int(5) }, () => ({
    type: someString(rng),
    attributes: Array.from({ length: rng.int(5) }, () => ({ key: someString(rng), value: someString(rng) })),
  }))
  return {
    code: rng.pick([0, 1, 1, 127, 128, 2 ** 31]),
    codespace: someString(rng),
    log: someString(rng),
    events,
  }
}

describe(`transaction results (GATHER_CODEC_SEED=${SEED} replays)`, () => {
  test('encodeTxResult gives the bytes protobufjs gives after fromObject, and decodes back', () => {
    const rng = new Rng(SEED)
    const mismatches: number[] = []
    for (let i = 0; i < 2_000; i++) {
      const r = someResult(rng)
      const bytes = encodeTxResult(r)
      const reference = TxResultType.encode(TxResultType.fromObject(r)).finish()
      if (Buffer.compare(Buffer.from(bytes), Buffer.from(reference)) !== 0) mismatches.push(i)
      else if (JSON.stringify(decodeTxResult(bytes)) !== JSON.stringify(r)) mismatches.push(i)
    }
    expect(mismatches).toEqual([])
  })
})

describe(`vote bundles (GATHER_CODEC_SEED=${SEED} replays)`, () => {
  const VoteType = protoType('gather.chain.v1.Vote')
  const bytes = (rng: Rng, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256))
  const someVote = (rng: Rng): Vote => ({
    height: 1 + rng.int(2 ** 40),
    blockHash: bytes(rng, 32),
    validator: bytes(rng, 32),
    signature: bytes(rng, 64),
  })

  test('a bundle of 1 to 64 votes decodes to the same votes in the same order', () => {
    const rng = new Rng(SEED)
    for (let round = 0; round < 50; round++) {
      const votes = Array.from({ length: 1 + rng.int(MAX_BUNDLE_VOTES) }, () => someVote(rng))
      const wire = encodeVoteBundle(votes)
      expect(decodeVoteBundle(wire)).toEqual(votes)
      // 21 votes, a full set of super nodes, stay far below the vote topics' 16 KiB
      if (votes.length === 21) expect(wire.length).toBeLessThan(4 * 1024)
    }
  })

  test('an empty bundle, one of 65 votes and malformed bytes are refused', () => {
    const rng = new Rng(SEED + 1)
    expect(() => decodeVoteBundle(encodeVoteBundle([]))).toThrow('holds no vote')
    const tooMany = Array.from({ length: MAX_BUNDLE_VOTES + 1 }, () => someVote(rng))
    expect(() => decodeVoteBundle(encodeVoteBundle(tooMany))).toThrow('more than 64')
    // a bare vote is not a bundle: its first field is a varint, a bundle's a message
    const bare = VoteType.encode(VoteType.fromObject(someVote(rng))).finish()
    expect(() => decodeVoteBundle(bare)).toThrow()
    expect(() => decodeVoteBundle(Uint8Array.from([0x0a, 0x05, 0x08]))).toThrow()
  })
})
