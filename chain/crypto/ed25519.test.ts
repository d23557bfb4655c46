import { describe, expect, it } from '@jest/globals'
import { ed25519 } from '@noble/curves/ed25519.js'
import { generateNodeKey, nodeKeyFromSeed, signEd25519, verifyEd25519 } from './ed25519.js'
import { deriveNodeKey, TEST_MNEMONIC } from './hd.js'

describe('ed25519 node keys', () => {
  const message = new TextEncoder().encode('vote for block 42 round 0')

  it('generates distinct keys whose public key matches noble', () => {
    const a = generateNodeKey()
    const b = generateNodeKey()
    expect(a.privateKey).toHaveLength(32)
    expect(a.publicKey).toHaveLength(32)
    expect(a.publicKey).not.toEqual(b.publicKey)
    expect(a.publicKey).toEqual(ed25519.getPublicKey(a.privateKey))
    expect(nodeKeyFromSeed(a.privateKey)).toEqual(a)
  })

  it('round-trips sign/verify and interoperates with noble', () => {
    const key = generateNodeKey()
    const sig = signEd25519(key.privateKey, message)
    expect(sig).toHaveLength(64)
    expect(verifyEd25519(key.publicKey, message, sig)).toBe(true)
    expect(ed25519.verify(sig, message, key.publicKey)).toBe(true)
    const nobleSig = ed25519.sign(message, key.privateKey)
    expect(Buffer.from(nobleSig).equals(Buffer.from(sig))).toBe(true)
    expect(verifyEd25519(key.publicKey, message, nobleSig)).toBe(true)
  })

  it('rejects tampered and malformed input without throwing', () => {
    const key = generateNodeKey()
    const other = generateNodeKey()
    const sig = signEd25519(key.privateKey, message)
    const flipped = Uint8Array.from(sig)
    flipped[10] = (flipped[10] ?? 0) ^ 1
    const tamperedMessage = Uint8Array.from(message)
    tamperedMessage[0] = (tamperedMessage[0] ?? 0) ^ 1
    const cases: { name: string; pub: Uint8Array; message: Uint8Array; sig: Uint8Array }[] = [
      { name: 'tampered message', pub: key.publicKey, message: tamperedMessage, sig },
      { name: 'flipped signature bit', pub: key.publicKey, message, sig: flipped },
      { name: 'wrong key', pub: other.publicKey, message, sig },
      { name: 'truncated signature', pub: key.publicKey, message, sig: sig.subarray(0, 63) },
      { name: 'long signature', pub: key.publicKey, message, sig: Uint8Array.from([...sig, 0]) },
      { name: 'truncated key', pub: key.publicKey.subarray(0, 31), message, sig },
      { name: 'zero key', pub: new Uint8Array(32), message, sig },
      { name: 'all-ones key', pub: new Uint8Array(32).fill(0xff), message, sig },
      { name: 'empty', pub: new Uint8Array(0), message: new Uint8Array(0), sig: new Uint8Array(0) },
    ]
    for (const c of cases) {
      expect({ case: c.name, valid: verifyEd25519(c.pub, c.message, c.sig) }).toEqual({
        case: c.name,
        valid: false,
      })
    }
    expect(verifyEd25519(undefined as unknown as Uint8Array, message, sig)).toBe(false)
  })

  it('rejects seeds of the wrong length', () => {
    expect(() => nodeKeyFromSeed(new Uint8Array(31))).toThrow('32 bytes')
    expect(() => signEd25519(new Uint8Array(64), message)).toThrow('32 bytes')
  })

  it('derives deterministic node keys from a mnemonic', async () => {
    const a = await deriveNodeKey(TEST_MNEMONIC, 0)
    const again = await deriveNodeKey(TEST_MNEMONIC, 0)
    const b = await deriveNodeKey(TEST_MNEMONIC, 1)
    expect(again).toEqual(a)
    expect(b.publicKey).not.toEqual(a.publicKey)
    expect(a.publicKey).toEqual(ed25519.getPublicKey(a.privateKey))
    expect(verifyEd25519(a.publicKey, message, signEd25519(a.privateKey, message))).toBe(true)
  })
})
