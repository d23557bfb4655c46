import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { fromBase64 } from '@cosmjs/encoding'
import { DirectSecp256k1HdWallet, makeCosmoshubPath, makeSignBytes, makeSignDoc } from '@cosmjs/proto-signing'
import { describe, expect, it } from '@jest/globals'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { deriveAccountKey, TEST_MNEMONIC } from './hd.js'
import {
  isLowS,
  malleateSignature,
  publicKeyFromPrivateKey,
  SECP256K1_ORDER,
  signDirect,
  verifySecp256k1,
} from './secp256k1.js'

const SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex')

function bigintTo32(n: bigint): Uint8Array {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex')
}

function withR(sig: Uint8Array, r: bigint): Uint8Array {
  const out = Uint8Array.from(sig)
  out.set(bigintTo32(r), 0)
  return out
}

function withS(sig: Uint8Array, s: bigint): Uint8Array {
  const out = Uint8Array.from(sig)
  out.set(bigintTo32(s), 32)
  return out
}

describe('secp256k1 with cosmjs', () => {
  it('verifies a signature made by DirectSecp256k1HdWallet.signDirect over a SignDoc', async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: 'gat',
      hdPaths: [makeCosmoshubPath(0)],
    })
    const [account] = await wallet.getAccounts()
    if (account === undefined) throw new Error('wallet has no account')
    const bodyBytes = Uint8Array.from({ length: 120 }, (_, i) => (i * 7) % 256)
    const authInfoBytes = Uint8Array.from({ length: 60 }, (_, i) => (i * 13) % 256)
    const signDoc = makeSignDoc(bodyBytes, authInfoBytes, 'gather-test-1', 42)
    const { signature } = await wallet.signDirect(account.address, signDoc)
    const sig = fromBase64(signature.signature)
    const signBytes = makeSignBytes(signDoc)

    expect(sig).toHaveLength(64)
    expect(isLowS(sig)).toBe(true)
    expect(verifySecp256k1(account.pubkey, signBytes, sig)).toBe(true)
    expect(verifySecp256k1(account.pubkey, makeSignBytes({ ...signDoc, accountNumber: 43n }), sig)).toBe(
      false,
    )
  })
})

describe('signDirect / verifySecp256k1', () => {
  const message = Uint8Array.from({ length: 200 }, (_, i) => i % 256)

  it('derives the same public key as noble', async () => {
    const { privateKey, publicKey } = await deriveAccountKey(TEST_MNEMONIC, 0)
    expect(publicKeyFromPrivateKey(privateKey)).toEqual(publicKey)
    expect(publicKey).toEqual(secp256k1.getPublicKey(privateKey, true))
  })

  it('produces 64-byte low-S signatures that verify here and in noble (strict)', async () => {
    const { privateKey, publicKey } = await deriveAccountKey(TEST_MNEMONIC, 0)
    // Enough signatures that, without normalisation, some would be high-S (p = 1/2 each).
    for (let i = 0; i < 40; i++) {
      const msg = Uint8Array.from([...message, i])
      const sig = signDirect(privateKey, msg)
      expect({ i, length: sig.length, lowS: isLowS(sig) }).toEqual({ i, length: 64, lowS: true })
      expect({ i, ours: verifySecp256k1(publicKey, msg, sig) }).toEqual({ i, ours: true })
      expect({ i, noble: secp256k1.verify(sig, msg, publicKey, { lowS: true }) }).toEqual({ i, noble: true })
    }
  })

  it('rejects the high-S twin that node:crypto alone would accept', async () => {
    const { privateKey, publicKey } = await deriveAccountKey(TEST_MNEMONIC, 1)
    const sig = signDirect(privateKey, message)
    const twin = malleateSignature(sig)
    expect(isLowS(twin)).toBe(false)
    const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    expect(nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, twin)).toBe(true)
    expect(verifySecp256k1(publicKey, message, twin)).toBe(false)
  })

  it('rejects malformed and mismatched input without throwing', async () => {
    const a = await deriveAccountKey(TEST_MNEMONIC, 0)
    const b = await deriveAccountKey(TEST_MNEMONIC, 1)
    const sig = signDirect(a.privateKey, message)
    const offCurve = Uint8Array.from([0x02, ...new Uint8Array(32)])
    const cases: { name: string; pubkey: Uint8Array; message: Uint8Array; sig: Uint8Array }[] = [
      { name: 'wrong message', pubkey: a.publicKey, message: Uint8Array.from([...message, 1]), sig },
      { name: 'wrong key', pubkey: b.publicKey, message, sig },
      { name: 'truncated signature', pubkey: a.publicKey, message, sig: sig.subarray(0, 63) },
      { name: 'empty signature', pubkey: a.publicKey, message, sig: new Uint8Array(0) },
      { name: 'DER-length signature', pubkey: a.publicKey, message, sig: new Uint8Array(70) },
      { name: 'r = 0', pubkey: a.publicKey, message, sig: withR(sig, 0n) },
      { name: 'r = n', pubkey: a.publicKey, message, sig: withR(sig, SECP256K1_ORDER) },
      { name: 's = 0', pubkey: a.publicKey, message, sig: withS(sig, 0n) },
      { name: 's = n', pubkey: a.publicKey, message, sig: withS(sig, SECP256K1_ORDER) },
      { name: 'flipped signature bit', pubkey: a.publicKey, message, sig: withS(sig, 1n) },
      { name: 'pubkey not on curve', pubkey: offCurve, message, sig },
      {
        name: 'pubkey with bad prefix byte',
        pubkey: Uint8Array.from([0x05, ...a.publicKey.subarray(1)]),
        message,
        sig,
      },
      { name: 'uncompressed pubkey', pubkey: secp256k1.getPublicKey(a.privateKey, false), message, sig },
      { name: 'truncated pubkey', pubkey: a.publicKey.subarray(0, 32), message, sig },
      { name: 'empty pubkey', pubkey: new Uint8Array(0), message, sig },
    ]
    expect(verifySecp256k1(a.publicKey, message, sig)).toBe(true)
    for (const c of cases) {
      expect({ case: c.name, valid: verifySecp256k1(c.pubkey, c.message, c.sig) }).toEqual({
        case: c.name,
        valid: false,
      })
    }
    const notBytes = [undefined, null, 'abc', 42, [1, 2, 3]] as unknown as Uint8Array[]
    for (const bad of notBytes) {
      expect({ bad, valid: verifySecp256k1(bad, message, sig) }).toEqual({ bad, valid: false })
      expect({ bad, valid: verifySecp256k1(a.publicKey, bad, sig) }).toEqual({ bad, valid: false })
      expect({ bad, valid: verifySecp256k1(a.publicKey, message, bad) }).toEqual({ bad, valid: false })
    }
  })

  it('throws a clear error for invalid private keys', () => {
    const cases: { name: string; priv: Uint8Array; error: string }[] = [
      { name: 'short', priv: new Uint8Array(31), error: 'must be 32 bytes' },
      { name: 'zero', priv: new Uint8Array(32), error: 'out of range' },
      { name: 'n', priv: bigintTo32(SECP256K1_ORDER), error: 'out of range' },
    ]
    for (const c of cases) {
      expect(() => signDirect(c.priv, message)).toThrow(c.error)
      expect(() => publicKeyFromPrivateKey(c.priv)).toThrow(c.error)
    }
  })

  it('isLowS checks the half-order boundary', () => {
    const half = SECP256K1_ORDER >> 1n
    const base = new Uint8Array(64).fill(1)
    expect(isLowS(withS(base, half))).toBe(true)
    expect(isLowS(withS(base, half + 1n))).toBe(false)
    expect(isLowS(base.subarray(0, 63))).toBe(false)
  })
})
