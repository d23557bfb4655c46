import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import { isBytes, KeyObjectCache } from './keyCache.js'

/** An ed25519 node (consensus) key pair as CometBFT uses it. */
export interface NodeKey {
  /** 32-byte private seed. */
  readonly privateKey: Uint8Array
  /** 32-byte public key. */
  readonly publicKey: Uint8Array
}

/** Length of an ed25519 seed, public key. */
export const ED25519_KEY_LENGTH = 32

/** Length of an ed25519 signature. */
export const ED25519_SIGNATURE_LENGTH = 64

/** SPKI DER header for an ed25519 public key. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** PKCS#8 DER header for an ed25519 private seed. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

const publicKeys = new KeyObjectCache(10_000, (pub) =>
  createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' }),
)

const privateKeys = new KeyObjectCache(1_000, (seed) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' }),
)

/**
 * Generates a random ed25519 node key.
 *
 * @returns a fresh key pair
 */
export function generateNodeKey(): NodeKey {
  return nodeKeyFromSeed(randomBytes(ED25519_KEY_LENGTH))
}

/**
 * The ed25519 key pair of a 32-byte seed.
 *
 * @param seed32 - 32-byte private seed
 * @returns the key pair (the seed is copied)
 * @throws Error if the seed is not 32 bytes
 */
export function nodeKeyFromSeed(seed32: Uint8Array): NodeKey {
  assertSeed(seed32)
  const spki = createPublicKey(privateKeys.get(seed32)).export({ format: 'der', type: 'spki' })
  return {
    privateKey: Uint8Array.from(seed32),
    publicKey: Uint8Array.from(spki.subarray(-ED25519_KEY_LENGTH)),
  }
}

/**
 * Signs `message` with ed25519 (node:crypto, cached private `KeyObject`).
 *
 * @param seed32 - 32-byte private seed
 * @param message - bytes to sign
 * @returns the 64-byte signature
 * @throws Error if the seed is not 32 bytes
 */
export function signEd25519(seed32: Uint8Array, message: Uint8Array): Uint8Array {
  assertSeed(seed32)
  return sign(null, message, privateKeys.get(seed32))
}

/**
 * Verifies an ed25519 signature (node:crypto, public `KeyObject`s cached in a bounded LRU).
 * Never throws: malformed keys, messages or signatures give false.
 *
 * @param pub32 - 32-byte public key
 * @param message - the signed bytes
 * @param sig64 - 64-byte signature
 * @returns true only for a valid signature
 */
export function verifyEd25519(pub32: Uint8Array, message: Uint8Array, sig64: Uint8Array): boolean {
  if (!isBytes(pub32) || !isBytes(message) || !isBytes(sig64)) return false
  if (pub32.length !== ED25519_KEY_LENGTH || sig64.length !== ED25519_SIGNATURE_LENGTH) return false
  try {
    return verify(null, message, publicKeys.get(pub32), sig64)
  } catch {
    return false
  }
}

/** Throws unless `seed` is 32 bytes. */
function assertSeed(seed: Uint8Array): void {
  if (!isBytes(seed) || seed.length !== ED25519_KEY_LENGTH) {
    throw new Error(`ed25519 seed must be 32 bytes, got ${isBytes(seed) ? seed.length : typeof seed}`)
  }
}
