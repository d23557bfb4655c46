import { afterAll, describe, expect, it } from '@jest/globals'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { compareImplementations } from '../../test/helpers/differential.js'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import {
  malleateSignature,
  SECP256K1_ORDER,
  secp256k1Backend,
  verifySecp256k1,
  verifySecp256k1NodeCrypto,
} from './secp256k1.js'
import { type VerifyItem, VerifyPool } from './verifyPool.js'

const SEED = testSeed('GATHER_SECP256K1_DIFF_SEED')
const rng = new Rng(SEED)
const CASES = 20_000

function bigintTo32(n: bigint): Uint8Array {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex')
}

function flipBit(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes)
  const bit = rng.int(out.length * 8)
  out[bit >> 3]! ^= 1 << (bit & 7)
  return out
}

/** A 33-byte compressed key whose x has no point on the curve (libsecp256k1 cannot parse it). */
function offCurveKey(): Uint8Array {
  for (;;) {
    const candidate = Uint8Array.from([0x02, ...rng.bytes(32)])
    try {
      secp256k1.Point.fromBytes(candidate)
    } catch {
      return candidate
    }
  }
}

interface Case extends VerifyItem {
  kind: string
}

/**
 * Valid signatures and their broken variants: the high-S twin, a flipped bit in the signature,
 * the message or the key, another signer's key, r or s of 0 or n, wrong lengths, a key off the
 * curve or with a bad prefix, random bytes.
 */
function makeCases(): Case[] {
  const keys = Array.from({ length: 40 }, () => {
    const priv = secp256k1.utils.randomSecretKey(rng.bytes(48))
    return { priv, pub: secp256k1.getPublicKey(priv, true) }
  })
  const variants: ((c: Case) => Case)[] = [
    (c) => ({ ...c, kind: 'high-S twin', signature: malleateSignature(c.signature) }),
    (c) => ({ ...c, kind: 'flipped signature bit', signature: flipBit(c.signature) }),
    (c) => ({ ...c, kind: 'flipped message bit', message: flipBit(c.message) }),
    (c) => ({ ...c, kind: 'flipped key bit', pubkey: flipBit(c.pubkey) }),
    (c) => ({
      ...c,
      kind: 'wrong key',
      pubkey: rng.pick(keys.filter((k) => Buffer.compare(k.pub, c.pubkey) !== 0)).pub,
    }),
    (c) => ({
      ...c,
      kind: 'r = 0',
      signature: Uint8Array.from([...new Uint8Array(32), ...c.signature.subarray(32)]),
    }),
    (c) => ({
      ...c,
      kind: 'r = n',
      signature: Uint8Array.from([...bigintTo32(SECP256K1_ORDER), ...c.signature.subarray(32)]),
    }),
    (c) => ({
      ...c,
      kind: 's = 0',
      signature: Uint8Array.from([...c.signature.subarray(0, 32), ...new Uint8Array(32)]),
    }),
    (c) => ({
      ...c,
      kind: 's = n',
      signature: Uint8Array.from([...c.signature.subarray(0, 32), ...bigintTo32(SECP256K1_ORDER)]),
    }),
    (c) => ({ ...c, kind: 'short signature', signature: c.signature.subarray(0, 63) }),
    (c) => ({ ...c, kind: 'long signature', signature: Uint8Array.from([...c.signature, 0]) }),
    (c) => ({
      ...c,
      kind: 'uncompressed-prefix key',
      pubkey: Uint8Array.from([0x04, ...c.pubkey.subarray(1)]),
    }),
    (c) => ({ ...c, kind: 'key off the curve', pubkey: offCurveKey() }),
    (c) => ({ ...c, kind: 'random signature', signature: rng.bytes(64) }),
    (c) => ({ ...c, kind: 'empty message', message: new Uint8Array(0) }),
  ]
  const out: Case[] = []
  while (out.length < CASES) {
    const key = rng.pick(keys)
    const message = rng.bytes(1 + rng.int(300))
    const signature = secp256k1.sign(message, key.priv, { lowS: true })
    const valid: Case = { kind: 'valid', pubkey: key.pub, message, signature }
    out.push(valid)
    for (let v = 0; v < 3; v++) out.push(rng.pick(variants)(valid))
  }
  return out
}

describe(`secp256k1 backends agree (seed ${SEED}; replay with GATHER_SECP256K1_DIFF_SEED=${SEED})`, () => {
  const cases = makeCases()
  const pool = new VerifyPool(1)
  afterAll(() => pool.close())

  it('verifies with libsecp256k1 in this build', () => {
    expect(secp256k1Backend()).toBe('libsecp256k1')
  })

  it(`gives the answers of the node:crypto path on ${CASES.toLocaleString('en-US')} valid and broken signatures`, () => {
    const { disagreements, kinds } = compareImplementations(
      cases,
      { name: 'libsecp256k1', verify: (c) => verifySecp256k1(c.pubkey, c.message, c.signature) },
      { name: 'node:crypto', verify: (c) => verifySecp256k1NodeCrypto(c.pubkey, c.message, c.signature) },
      (c) =>
        `key ${Buffer.from(c.pubkey).toString('hex')}, sig ${Buffer.from(c.signature).toString('hex')}, msg ${Buffer.from(c.message).toString('hex')}`,
    )
    expect({ seed: SEED, disagreements }).toEqual({
      seed: SEED,
      disagreements: [],
    })
    // Every valid signature verifies; every broken one is refused.
    expect(kinds.get('valid')).toEqual({ valid: CASES / 4, invalid: 0 })
    for (const [kind, k] of kinds) {
      if (kind !== 'valid') expect({ kind, valid: k.valid }).toEqual({ kind, valid: 0 })
    }
  })

  it('agrees with noble (strict low-S) on a sample', () => {
    for (let i = 0; i < cases.length; i += 40) {
      const c = cases[i]!
      let noble = false
      try {
        noble =
          c.signature.length === 64 &&
          c.pubkey.length === 33 &&
          secp256k1.verify(c.signature, c.message, c.pubkey, { lowS: true })
      } catch {
        noble = false
      }
      expect({ i, kind: c.kind, ours: verifySecp256k1(c.pubkey, c.message, c.signature) }).toEqual({
        i,
        kind: c.kind,
        ours: noble,
      })
    }
  })

  it('gives the same answers through the verify pool (worker thread and caller)', async () => {
    expect(pool.threads).toBe(1)
    const ok = await pool.verifyBatch(cases)
    const wrong = cases.filter(
      (c, i) => ok[i] !== verifySecp256k1NodeCrypto(c.pubkey, c.message, c.signature),
    )
    expect(wrong.map((c) => c.kind)).toEqual([])
  })
})
