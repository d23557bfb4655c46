import { describe, expect, test } from '@jest/globals'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import { CommittedState } from './committedState.js'
import { StateOverlay } from './overlay.js'
import { bigintCodec, TypedStore } from './typedStore.js'

const SEED = testSeed('GATHER_TYPED_STORE_SEED')

/** What decoding gave: the number, or the error's type and message. */
function outcome(run: () => bigint): string {
  try {
    return `${run()}n`
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`
  }
}

describe(`typed stores (GATHER_TYPED_STORE_SEED=${SEED} replays)`, () => {
  test('bigintCodec decodes every byte string as BigInt over its UTF-8 does, errors included', () => {
    const rng = new Rng(SEED)
    const utf8 = new TextDecoder()
    // digits, signs, spaces, hex prefixes, and UTF-8 whitespace BigInt trims (NBSP, BOM, line separator)
    const pieces = [
      '0',
      '7',
      '123456789',
      '-',
      '+',
      ' ',
      '\t',
      '0x',
      'ff',
      'n',
      '\u00a0',
      '\ufeff',
      '\u2028',
      'é',
    ]
    const mismatches: string[] = []
    for (let i = 0; i < 20_000; i++) {
      const b = rng.chance(0.8)
        ? Buffer.from(Array.from({ length: rng.int(5) }, () => rng.pick(pieces)).join(''), 'utf8')
        : rng.bytes(rng.int(6))
      const ours = outcome(() => bigintCodec.decode(b))
      const reference = outcome(() => BigInt(utf8.decode(b)))
      if (ours !== reference) mismatches.push(`${b.toString('hex')}: ${ours} vs ${reference}`)
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    for (const v of [0n, 1n, 10n ** 30n, -5n]) expect(bigintCodec.decode(bigintCodec.encode(v))).toBe(v)
  })

  test('a store reads and writes the same keys however often an id comes back', () => {
    const store = new TypedStore('m', 's', bigintCodec)
    const state = new StateOverlay(CommittedState.empty())
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) store.set(state, `id${i}`, BigInt(i * round))
      for (let i = 0; i < 100; i++)
        expect({ i, v: store.get(state, `id${i}`) }).toEqual({ i, v: BigInt(i * round) })
    }
    expect(store.key('id5')).toBe('m/s/id5')
    expect(state.keys('m/s/').length).toBe(100)
  })
})
