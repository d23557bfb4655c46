import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto'
import { createRequire } from 'node:module'
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

/** The one libsodium call verification needs; both builds of libsodium have it. */
export interface Ed25519Verifier {
  crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pub: Uint8Array): boolean
}

/**
 * Which build of libsodium verifies ed25519 signatures in this process: the native one
 * (`sodium-native`, prebuilt binaries in its package) or the same C code compiled to
 * WebAssembly (`libsodium-wrappers`), where the native one cannot load.
 */
export type Ed25519Backend = 'libsodium' | 'libsodium.js'

/**
 * Environment variable that forces the WebAssembly build (`libsodium.js`), e.g. to compare the
 * two or to rule the native binding out; any other value, or none, means "native if it loads".
 */
export const ED25519_BACKEND_ENV = 'GATHER_ED25519_BACKEND'

/**
 * Loads sodium-native's binding. Where it cannot load, {@link loadLibsodiumJs} stands in:
 * libsodium's own code, so exactly the same signatures pass (chain/crypto/ed25519Backend.test.ts).
 */
function loadLibsodium(): { lib?: Ed25519Verifier; error?: string } {
  if (process.env[ED25519_BACKEND_ENV] === 'libsodium.js')
    return { error: `${ED25519_BACKEND_ENV}=libsodium.js` }
  try {
    return { lib: createRequire(import.meta.url)('sodium-native') as Ed25519Verifier }
  } catch (e) {
    return { error: e instanceof Error ? e.message.split('\n')[0] : String(e) }
  }
}

/** libsodium compiled to WebAssembly (libsodium.js), ready to use. */
export async function loadLibsodiumJs(): Promise<Ed25519Verifier> {
  const { default: sodium } = await import('libsodium-wrappers')
  await sodium.ready
  return sodium
}

const native = loadLibsodium()
const verifier: Ed25519Verifier = native.lib ?? (await loadLibsodiumJs())

/** The build of libsodium that verifies ed25519 signatures in this process. */
export function ed25519Backend(): Ed25519Backend {
  return native.lib === undefined ? 'libsodium.js' : 'libsodium'
}

/** Why the native libsodium is not in use (undefined when it is). */
export function ed25519BackendError(): string | undefined {
  return native.lib === undefined ? native.error : undefined
}

/**
 * `verifyEd25519` on a given build of libsodium (the differential test runs both).
 * Never throws: malformed keys, messages or signatures give false.
 */
export function verifyEd25519With(
  lib: Ed25519Verifier,
  pub32: Uint8Array,
  message: Uint8Array,
  sig64: Uint8Array,
): boolean {
  if (!isBytes(pub32) || !isBytes(message) || !isBytes(sig64)) return false
  if (pub32.length !== ED25519_KEY_LENGTH || sig64.length !== ED25519_SIGNATURE_LENGTH) return false
  try {
    return lib.crypto_sign_verify_detached(sig64, message, pub32) === true
  } catch {
    return false
  }
}

/**
 * Verifies an ed25519 signature with libsodium's `crypto_sign_verify_detached` (native, about
 * twice node:crypto's rate here; docs/adr/022-ed25519-on-libsodium.md). Besides RFC 8032's
 * checks it refuses a non-canonical S, a small-order R or public key and a non-canonical
 * public key, which no honest signer produces. Never throws: malformed keys, messages or
 * signatures give false.
 *
 * @param pub32 - 32-byte public key
 * @param message - the signed bytes
 * @param sig64 - 64-byte signature
 * @returns true only for a valid signature
 */
export function verifyEd25519(pub32: Uint8Array, message: Uint8Array, sig64: Uint8Array): boolean {
  return verifyEd25519With(verifier, pub32, message, sig64)
}

/**
 * RFC 8032 verification as node:crypto (OpenSSL) runs it, with cached public `KeyObject`s: the
 * node's check before libsodium, no longer used by the node. It accepts the small-order
 * forgeries libsodium refuses; kept for the differential test and the crypto bench, which
 * compare against it. Never throws.
 */
export function verifyEd25519NodeCrypto(pub32: Uint8Array, message: Uint8Array, sig64: Uint8Array): boolean {
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
