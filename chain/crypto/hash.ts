import { hash } from 'node:crypto'
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js'

/**
 * SHA-256 of `data`, computed with node:crypto's one-shot `hash` (about twice as fast as a
 * pure-JS implementation for transaction-sized inputs).
 *
 * @param data - bytes to hash
 * @returns the 32-byte digest (a `Buffer`, which is a `Uint8Array`)
 */
export function sha256(data: Uint8Array): Uint8Array {
  return hash('sha256', data, 'buffer')
}

/**
 * SHA-256 of `data` as a lowercase hex string.
 *
 * @param data - bytes to hash
 * @returns 64 hex characters
 */
export function sha256Hex(data: Uint8Array): string {
  return hash('sha256', data, 'hex')
}

/**
 * RIPEMD-160 of `data`. Uses @noble/hashes because OpenSSL 3 builds may only expose RIPEMD-160
 * through the legacy provider; it is only used for address derivation, which is not hot.
 *
 * @param data - bytes to hash
 * @returns the 20-byte digest
 */
export function ripemd160(data: Uint8Array): Uint8Array {
  return nobleRipemd160(data)
}
