import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import { createRequire } from 'node:module'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hex } from '../hex.js'
import { isBytes, KeyObjectCache } from './keyCache.js'

/** Order n of the secp256k1 group. */
export const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** Length of a compact `r || s` signature. */
export const SECP256K1_SIGNATURE_LENGTH = 64

/** Length of a compressed secp256k1 public key. */
export const SECP256K1_PUBKEY_LENGTH = 33

/** Most public keys kept imported by {@link verifySecp256k1}. */
export const PUBKEY_CACHE_SIZE = 100_000

/** Most private keys kept imported by {@link signDirect}. */
export const PRIVKEY_CACHE_SIZE = 10_000

/** SPKI DER header for a compressed secp256k1 public key (id-ecPublicKey, secp256k1). */
const SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex')

/** PKCS#8 DER header wrapping a SEC1 ECPrivateKey holding only the 32-byte scalar. */
const PKCS8_PREFIX = Buffer.from('303e020100301006072a8648ce3d020106052b8104000a042730250201010420', 'hex')

const ORDER_BYTES = bigintTo32(SECP256K1_ORDER)
const HALF_ORDER_BYTES = bigintTo32(SECP256K1_ORDER >> 1n)

/** The part of the `secp256k1` package's native binding (bitcoin-core's libsecp256k1) used here. */
interface Libsecp256k1 {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean
  ecdh(
    pubkey: Uint8Array,
    seckey: Uint8Array,
    opts: { hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array },
    output: Uint8Array,
  ): Uint8Array
}

/** Which implementation verifies secp256k1 signatures in this process. */
export type Secp256k1Backend = 'libsecp256k1' | 'node:crypto'

/**
 * Environment variable that forces the node:crypto path (`node:crypto`), e.g. to compare the
 * two or to rule the binding out; any other value, or none, means "libsecp256k1 if it loads".
 */
export const SECP256K1_BACKEND_ENV = 'GATHER_SECP256K1_BACKEND'

/**
 * Loads the native binding of the `secp256k1` package (its `bindings.js`, never its pure-JS
 * `elliptic` fallback, which is slower than node:crypto). Prebuilt for linux-x64, darwin-arm64
 * and win32-x64; where it cannot load, verification falls back to node:crypto with the same
 * acceptance rules, and {@link secp256k1BackendError} says why.
 */
function loadLibsecp256k1(): { lib?: Libsecp256k1; error?: string } {
  if (process.env[SECP256K1_BACKEND_ENV] === 'node:crypto') {
    return { error: `${SECP256K1_BACKEND_ENV}=node:crypto` }
  }
  try {
    const lib = createRequire(import.meta.url)('secp256k1/bindings.js') as Libsecp256k1
    return { lib }
  } catch (e) {
    return { error: e instanceof Error ? e.message.split('\n')[0] : String(e) }
  }
}

const loaded = loadLibsecp256k1()
const libsecp256k1 = loaded.lib

/** The implementation that verifies secp256k1 signatures in this process. */
export function secp256k1Backend(): Secp256k1Backend {
  return libsecp256k1 === undefined ? 'node:crypto' : 'libsecp256k1'
}

/** Why libsecp256k1 is not in use (undefined when it is). */
export function secp256k1BackendError(): string | undefined {
  return libsecp256k1 === undefined ? loaded.error : undefined
}

const publicKeys = new KeyObjectCache(PUBKEY_CACHE_SIZE, (pubkey) =>
  createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pubkey]), format: 'der', type: 'spki' }),
)

const privateKeys = new KeyObjectCache(PRIVKEY_CACHE_SIZE, (priv) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, priv]), format: 'der', type: 'pkcs8' }),
)

/**
 * Compressed public key of a secp256k1 private key.
 *
 * @param priv32 - 32-byte private key, 1 <= key < n
 * @returns the 33-byte compressed public key
 * @throws Error if the private key is invalid
 */
export function publicKeyFromPrivateKey(priv32: Uint8Array): Uint8Array {
  assertPrivateKey(priv32)
  return secp256k1.getPublicKey(priv32, true)
}

/**
 * Signs `signBytes` the way Cosmos SIGN_MODE_DIRECT does: ECDSA over `sha256(signBytes)`,
 * returned as a 64-byte compact `r || s` with s normalised to the low half of the order.
 * Uses node:crypto with a cached private `KeyObject` (faster than @noble/curves). The nonce
 * is random (OpenSSL), so two signatures of the same bytes differ; both are valid.
 *
 * @param priv32 - 32-byte private key
 * @param signBytes - the bytes to sign (they are hashed with SHA-256 here)
 * @returns the 64-byte low-S signature
 * @throws Error if the private key is invalid
 */
export function signDirect(priv32: Uint8Array, signBytes: Uint8Array): Uint8Array {
  assertPrivateKey(priv32)
  const sig = sign('sha256', signBytes, { key: privateKeys.get(priv32), dsaEncoding: 'ieee-p1363' })
  if (compare32(sig, 32, HALF_ORDER_BYTES) > 0) {
    const s = bytesToBigint(sig.subarray(32, 64))
    sig.set(bigintTo32(SECP256K1_ORDER - s), 32)
  }
  return sig
}

/**
 * Verifies a 64-byte compact secp256k1 signature over `sha256(message)`, as the node checks
 * transaction signatures. Uses libsecp256k1 (the `secp256k1` package's native binding) where
 * it loads, else node:crypto with public `KeyObject`s cached in a bounded LRU; both give the
 * same answers. Rejects what plain ECDSA would accept but Cosmos does not: high-S signatures
 * (s > n/2, malleable twins). Also rejects r or s equal to 0 or >= n, wrong lengths and
 * public keys that are not valid compressed points. Never throws.
 *
 * @param pubkey33 - 33-byte compressed public key
 * @param message - the signed bytes (hashed with SHA-256 here)
 * @param sig64 - 64-byte `r || s` signature
 * @returns true only for a valid low-S signature
 */
export function verifySecp256k1(pubkey33: Uint8Array, message: Uint8Array, sig64: Uint8Array): boolean {
  return (
    isBytes(message) &&
    isWellFormedSecp256k1(pubkey33, sig64) &&
    verifyWellFormedSecp256k1(pubkey33, message, sig64)
  )
}

/**
 * The curve arithmetic of {@link verifySecp256k1} alone, for a pair that already passed
 * {@link isWellFormedSecp256k1}: the verify pool and the state machine check that (lengths,
 * ranges, low S) once before verifying. Never throws.
 *
 * @param pubkey33 - 33-byte compressed public key
 * @param message - the signed bytes (hashed with SHA-256 here)
 * @param sig64 - 64-byte `r || s` signature that is well formed
 * @returns true when the signature verifies
 */
export function verifyWellFormedSecp256k1(
  pubkey33: Uint8Array,
  message: Uint8Array,
  sig64: Uint8Array,
): boolean {
  if (libsecp256k1 === undefined) return verifyWithNodeCrypto(pubkey33, message, sig64)
  return verifyWithLibsecp256k1(libsecp256k1, pubkey33, message, sig64)
}

/**
 * libsecp256k1's `secp256k1_ecdsa_verify` over sha256(message). It accepts only lower-S
 * signatures and rejects keys that are not on the curve (the binding throws for a key or
 * signature it cannot parse: that is a `false` here).
 */
function verifyWithLibsecp256k1(
  lib: Libsecp256k1,
  pubkey33: Uint8Array,
  message: Uint8Array,
  sig64: Uint8Array,
): boolean {
  try {
    return lib.ecdsaVerify(sig64, createHash('sha256').update(message).digest(), pubkey33)
  } catch {
    return false
  }
}

/**
 * {@link verifySecp256k1} on the node:crypto path whatever the backend: the fallback, kept
 * for the differential test that holds the two paths to the same answers.
 *
 * @param pubkey33 - 33-byte compressed public key
 * @param message - the signed bytes (hashed with SHA-256 here)
 * @param sig64 - 64-byte `r || s` signature
 * @returns true only for a valid low-S signature
 */
export function verifySecp256k1NodeCrypto(
  pubkey33: Uint8Array,
  message: Uint8Array,
  sig64: Uint8Array,
): boolean {
  return (
    isBytes(message) &&
    isWellFormedSecp256k1(pubkey33, sig64) &&
    verifyWithNodeCrypto(pubkey33, message, sig64)
  )
}

/**
 * The node:crypto path of {@link verifyWellFormedSecp256k1}, used where libsecp256k1 cannot
 * load.
 *
 * @param pubkey33 - 33-byte compressed public key
 * @param message - the signed bytes (hashed with SHA-256 here)
 * @param sig64 - 64-byte `r || s` signature that is well formed
 * @returns true when the signature verifies
 */
function verifyWithNodeCrypto(pubkey33: Uint8Array, message: Uint8Array, sig64: Uint8Array): boolean {
  let key: KeyObject
  try {
    key = publicKeys.get(pubkey33)
  } catch {
    return false
  }
  try {
    return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, sig64)
  } catch {
    return false
  }
}

/**
 * The checks of {@link verifySecp256k1} that need no curve arithmetic: lengths, the compressed
 * key prefix, 0 < r < n and 0 < s <= n/2 (low S). A signature failing them is invalid; one
 * passing them still needs the real verification (the verify pool runs that off-thread).
 *
 * @param pubkey33 - 33-byte compressed public key
 * @param sig64 - 64-byte `r || s` signature
 * @returns false when the pair can be rejected without verifying
 */
export function isWellFormedSecp256k1(pubkey33: Uint8Array, sig64: Uint8Array): boolean {
  if (!isBytes(pubkey33) || !isBytes(sig64)) return false
  if (pubkey33.length !== SECP256K1_PUBKEY_LENGTH || sig64.length !== SECP256K1_SIGNATURE_LENGTH) return false
  if (pubkey33[0] !== 0x02 && pubkey33[0] !== 0x03) return false
  if (isZero32(sig64, 0) || compare32(sig64, 0, ORDER_BYTES) >= 0) return false
  return !(isZero32(sig64, 32) || compare32(sig64, 32, HALF_ORDER_BYTES) > 0)
}

/**
 * Whether a 64-byte compact signature has s <= n/2 (the canonical, non-malleable form).
 *
 * @param sig64 - 64-byte `r || s` signature
 * @returns false for high-S signatures or a wrong length
 */
export function isLowS(sig64: Uint8Array): boolean {
  return sig64.length === SECP256K1_SIGNATURE_LENGTH && compare32(sig64, 32, HALF_ORDER_BYTES) <= 0
}

/**
 * The high-S twin of a signature: same r, s' = n - s. Valid for plain ECDSA (node:crypto
 * accepts it) but rejected by {@link verifySecp256k1}. Useful for tests.
 *
 * @param sig64 - 64-byte `r || s` signature
 * @returns a new 64-byte signature `r || (n - s)`
 */
export function malleateSignature(sig64: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig64)
  out.set(bigintTo32(SECP256K1_ORDER - bytesToBigint(sig64.subarray(32, 64))), 32)
  return out
}

/**
 * Elliptic-curve Diffie-Hellman on secp256k1: the x coordinate of `priv · pub`, as
 * `crypto_ecdh` in OpenSSL and noble's `getSharedSecret(...).slice(1)` give it (feed it to a KDF,
 * never use it as a key directly). libsecp256k1 where its binding loads, else node:crypto.
 *
 * @param priv32 - 32-byte private key
 * @param pub33 - 33-byte compressed public key of the other side
 * @returns the 32-byte shared x coordinate
 * @throws Error if the private key is invalid or the public key is not a point of the curve
 */
export function ecdhSecp256k1(priv32: Uint8Array, pub33: Uint8Array): Uint8Array {
  assertPrivateKey(priv32)
  if (!isBytes(pub33) || pub33.length !== SECP256K1_PUBKEY_LENGTH || (pub33[0] !== 2 && pub33[0] !== 3))
    throw new Error('secp256k1 public key must be 33 bytes, compressed')
  if (libsecp256k1 !== undefined) {
    try {
      return libsecp256k1.ecdh(pub33, priv32, { hashfn: (x) => Uint8Array.from(x) }, new Uint8Array(32))
    } catch {
      throw new Error('secp256k1 public key is not a point of the curve')
    }
  }
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(priv32)
  try {
    return new Uint8Array(ecdh.computeSecret(pub33))
  } catch {
    throw new Error('secp256k1 public key is not a point of the curve')
  }
}

/** Throws unless `priv` is a 32-byte scalar in [1, n-1]. */
function assertPrivateKey(priv: Uint8Array): void {
  if (!isBytes(priv) || priv.length !== 32) {
    throw new Error(
      `secp256k1 private key must be 32 bytes, got ${isBytes(priv) ? priv.length : typeof priv}`,
    )
  }
  if (isZero32(priv, 0) || compare32(priv, 0, ORDER_BYTES) >= 0) {
    throw new Error('secp256k1 private key out of range (must be 1 <= key < n)')
  }
}

/** Big-endian compare of `a[offset..offset+32]` with the 32-byte `b`. */
function compare32(a: Uint8Array, offset: number, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const d = (a[offset + i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** Whether `a[offset..offset+32]` is all zero. */
function isZero32(a: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) if (a[offset + i] !== 0) return false
  return true
}

/** Big-endian bytes to bigint. */
function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + hex(bytes))
}

/** Bigint to 32 big-endian bytes. */
function bigintTo32(n: bigint): Uint8Array {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex')
}
