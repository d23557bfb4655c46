import { describe, expect, test } from '@jest/globals'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import { type ChainEvent, decodeTxResult, encodeTxResult, type TxResult } from './block.js'
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
