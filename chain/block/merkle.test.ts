import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import { merkleRoot } from './merkle.js'

const SEED = testSeed('GATHER_MERKLE_SEED')

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** The construction written out plainly: leaf = H(0x00‖item), node = H(0x01‖left‖right), split at the largest power of two below n. */
function reference(items: readonly Uint8Array[]): Buffer {
  if (items.length === 0) return sha256()
  if (items.length === 1) return sha256(Uint8Array.of(0), items[0]!)
  let k = 1
  while (k * 2 < items.length) k *= 2
  return sha256(Uint8Array.of(1), reference(items.slice(0, k)), reference(items.slice(k)))
}

describe(`merkleRoot (GATHER_MERKLE_SEED=${SEED} replays)`, () => {
  test('equals the plain RFC 6962 construction for every count up to 70 and random items', () => {
    const rng = new Rng(SEED)
    const mismatches: { count: number; lengths: number[] }[] = []
    for (let round = 0; round < 150; round++) {
      const count = round < 71 ? round : rng.int(300)
      // 32-byte hashes (the tx root), longer encoded results, and empty or odd-sized items
      const items = Array.from({ length: count }, () =>
        rng.bytes(rng.pick([0, 1, 32, 32, 64, 65, 200, rng.int(3000)])),
      )
      const ours = Buffer.from(merkleRoot(items)).toString('hex')
      if (ours !== reference(items).toString('hex'))
        mismatches.push({ count, lengths: items.map((i) => i.length) })
    }
    expect(mismatches).toEqual([])
  })

  test('the known roots: empty, and one item', () => {
    expect(Buffer.from(merkleRoot([])).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
    expect(
      Buffer.from(merkleRoot([Buffer.from('a')])).equals(sha256(Uint8Array.of(0), Buffer.from('a'))),
    ).toBe(true)
  })
})
