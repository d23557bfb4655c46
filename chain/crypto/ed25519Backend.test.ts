import { beforeAll, describe, expect, it } from '@jest/globals'
import { compareImplementations } from '../../test/helpers/differential.js'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import {
  type Ed25519Verifier,
  ed25519Backend,
  loadLibsodiumJs,
  nodeKeyFromSeed,
  signEd25519,
  verifyEd25519,
  verifyEd25519NodeCrypto,
  verifyEd25519With,
} from './ed25519.js'

const SEED = testSeed('GATHER_ED25519_DIFF_SEED')
const rng = new Rng(SEED)
const CASES = 20_000

/** The group order L of ed25519, little endian as S is encoded. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}

function fromLe(b: Uint8Array): bigint {
  let n = 0n
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!)
  return n
}

function flipBit(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes)
  const bit = rng.int(out.length * 8)
  out[bit >> 3]! ^= 1 << (bit & 7)
  return out
}

/** The identity point (y = 1), which has order 1: a small-order point. */
const IDENTITY = le32(1n)
/** y = -1 (order 2). */
const ORDER_TWO = le32(2n ** 255n - 19n - 1n)
/** y = 0 (order 4). */
const ORDER_FOUR = new Uint8Array(32)
/** y = p + 1: a non-canonical encoding of the identity. */
const NON_CANONICAL_IDENTITY = le32(2n ** 255n - 19n + 1n)

interface Case {
  kind: string
  pub: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

/** What RFC 8032's verification (node:crypto, OpenSSL) may accept and libsodium refuses. */
const STRICTER_KINDS = new Set([
  'small-order key and R, S = 0 (any message)',
  'non-canonical identity key, S = 0',
])

/**
 * Valid signatures and their broken variants: flipped bits in the signature, message or key,
 * another signer's key, S + L (the same scalar, not canonical), S >= 2^253, wrong lengths,
 * random bytes, small-order keys and R, a non-canonical key encoding.
 */
function makeCases(): Case[] {
  const keys = Array.from({ length: 40 }, () => nodeKeyFromSeed(rng.bytes(32)))
  const variants: ((c: Case) => Case)[] = [
    (c) => ({ ...c, kind: 'flipped signature bit', signature: flipBit(c.signature) }),
    (c) => ({ ...c, kind: 'flipped message bit', message: flipBit(c.message) }),
    (c) => ({ ...c, kind: 'flipped key bit', pub: flipBit(c.pub) }),
    (c) => ({
      ...c,
      kind: 'wrong key',
      pub: rng.pick(keys.filter((k) => Buffer.compare(k.publicKey, c.pub) !== 0)).publicKey,
    }),
    (c) => ({
      ...c,
      kind: 'S + L (non-canonical scalar)',
      signature: Uint8Array.from([
        ...c.signature.subarray(0, 32),
        ...le32(fromLe(c.signature.subarray(32)) + L),
      ]),
    }),
    (c) => ({
      ...c,
      kind: 'S with the top bits set',
      signature: Uint8Array.from([...c.signature.subarray(0, 63), c.signature[63]! | 0xe0]),
    }),
    (c) => ({ ...c, kind: 'short signature', signature: c.signature.subarray(0, 63) }),
    (c) => ({ ...c, kind: 'long signature', signature: Uint8Array.from([...c.signature, 0]) }),
    (c) => ({ ...c, kind: 'short key', pub: c.pub.subarray(0, 31) }),
    (c) => ({ ...c, kind: 'random signature', signature: rng.bytes(64) }),
    (c) => ({ ...c, kind: 'random key', pub: rng.bytes(32) }),
    (c) => ({ ...c, kind: 'empty message', message: new Uint8Array(0) }),
    (c) => ({
      ...c,
      kind: 'small-order key and R, S = 0 (any message)',
      pub: rng.pick([IDENTITY, ORDER_TWO, ORDER_FOUR]),
      signature: Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]),
    }),
    (c) => ({
      ...c,
      kind: 'small-order R',
      signature: Uint8Array.from([
        ...rng.pick([IDENTITY, ORDER_TWO, ORDER_FOUR]),
        ...c.signature.subarray(32),
      ]),
    }),
    (c) => ({
      ...c,
      kind: 'non-canonical identity key, S = 0',
      pub: NON_CANONICAL_IDENTITY,
      signature: Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]),
    }),
  ]
  const out: Case[] = []
  while (out.length < CASES) {
    const key = rng.pick(keys)
    const message = rng.bytes(1 + rng.int(300))
    const valid: Case = {
      kind: 'valid',
      pub: key.publicKey,
      message,
      signature: signEd25519(key.privateKey, message),
    }
    out.push(valid)
    for (let v = 0; v < 3; v++) out.push(rng.pick(variants)(valid))
  }
  return out
}

describe(`ed25519 on native libsodium and on libsodium.js agree (seed ${SEED}; replay with GATHER_ED25519_DIFF_SEED=${SEED})`, () => {
  const cases = makeCases()
  let wasm: Ed25519Verifier

  beforeAll(async () => {
    wasm = await loadLibsodiumJs()
  })

  it('verifies with the native libsodium in this build', () => {
    expect(ed25519Backend()).toBe('libsodium')
  })

  it(`gives the same answers on both builds for ${CASES.toLocaleString('en-US')} valid and broken signatures`, () => {
    const { disagreements, kinds } = compareImplementations(
      cases,
      { name: 'libsodium', verify: (c) => verifyEd25519(c.pub, c.message, c.signature) },
      { name: 'libsodium.js', verify: (c) => verifyEd25519With(wasm, c.pub, c.message, c.signature) },
      (c) =>
        `key ${Buffer.from(c.pub).toString('hex')}, sig ${Buffer.from(c.signature).toString('hex')}, msg ${Buffer.from(c.message).toString('hex')}`,
    )
    expect({ seed: SEED, disagreements }).toEqual({
      seed: SEED,
      disagreements: [],
    })
    // Every valid signature verifies; every broken one is refused, the small-order ones too.
    expect(kinds.get('valid')).toEqual({ valid: CASES / 4, invalid: 0 })
    for (const kind of STRICTER_KINDS)
      expect({ kind, seen: (kinds.get(kind)?.invalid ?? 0) > 0 }).toEqual({ kind, seen: true })
    for (const [kind, k] of kinds) {
      if (kind !== 'valid') expect({ kind, valid: k.valid }).toEqual({ kind, valid: 0 })
    }
  })

  it('accepts and refuses as node:crypto did, except the small-order forgeries it lets through', () => {
    const differ: string[] = []
    for (const c of cases) {
      if (STRICTER_KINDS.has(c.kind)) continue
      if (
        verifyEd25519(c.pub, c.message, c.signature) !==
        verifyEd25519NodeCrypto(c.pub, c.message, c.signature)
      )
        differ.push(c.kind)
    }
    expect(differ).toEqual([])
    // The reason for the stricter rule: OpenSSL takes an identity key with an identity R and
    // S = 0 as a signature of any message.
    const forgery: Case = {
      kind: 'forgery',
      pub: IDENTITY,
      message: rng.bytes(40),
      signature: Uint8Array.from([...IDENTITY, ...new Uint8Array(32)]),
    }
    expect({
      openSsl: verifyEd25519NodeCrypto(forgery.pub, forgery.message, forgery.signature),
      libsodium: verifyEd25519(forgery.pub, forgery.message, forgery.signature),
    }).toEqual({
      openSsl: true,
      libsodium: false,
    })
  })

  it('never throws on values that are not bytes', () => {
    const k = nodeKeyFromSeed(new Uint8Array(32).fill(3))
    const sig = signEd25519(k.privateKey, new Uint8Array([1]))
    for (const bad of [undefined, null, 'ab', 7, {}, [1, 2]] as unknown[]) {
      expect(verifyEd25519(bad as Uint8Array, new Uint8Array([1]), sig)).toBe(false)
      expect(verifyEd25519(k.publicKey, bad as Uint8Array, sig)).toBe(false)
      expect(verifyEd25519(k.publicKey, new Uint8Array([1]), bad as Uint8Array)).toBe(false)
      expect(verifyEd25519With(wasm, k.publicKey, bad as Uint8Array, sig)).toBe(false)
    }
  })
})
