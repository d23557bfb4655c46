import { fromBech32, toBech32 } from '@cosmjs/encoding'
import { ripemd160, sha256 } from './hash.js'

/** Bech32 human-readable prefix of Gather Chain account addresses. */
export const ADDRESS_PREFIX = 'gat'

/** Length in bytes of the data part of an account address. */
export const ADDRESS_LENGTH = 20

/**
 * Longest bech32 string accepted when decoding (the Cosmos SDK's limit). Must be passed to
 * cosmjs `fromBech32`: its default (`Infinity`) makes @scure/base 2.x throw a RangeError.
 */
const BECH32_MAX_LENGTH = 1023

/** Thrown by {@link decodeAddress} when a string is not a valid account address. */
export class InvalidAddressError extends Error {
  /** The address string that failed to decode. */
  readonly address: string

  /**
   * @param address - the rejected address string
   * @param reason - why it was rejected, e.g. `bad checksum`
   */
  constructor(address: string, reason: string) {
    super(`invalid address ${JSON.stringify(address)}: ${reason}`)
    this.name = 'InvalidAddressError'
    this.address = address
  }
}

/**
 * Cosmos account address of a compressed secp256k1 public key:
 * `bech32(prefix, ripemd160(sha256(pubkey)))`, as cosmjs and the Cosmos SDK compute it.
 *
 * @param pubkey33 - 33-byte compressed secp256k1 public key
 * @param prefix - bech32 prefix, `gat` by default
 * @returns the bech32 address
 * @throws Error if the key is not 33 bytes
 */
export function addressFromPubkey(pubkey33: Uint8Array, prefix: string = ADDRESS_PREFIX): string {
  if (pubkey33.length !== 33) {
    throw new Error(`expected a 33-byte compressed secp256k1 public key, got ${pubkey33.length} bytes`)
  }
  const id = `${prefix}:${Buffer.from(pubkey33.buffer, pubkey33.byteOffset, 33).toString('latin1')}`
  let address = addressCache.get(id)
  if (address === undefined) {
    address = toBech32(prefix, ripemd160(sha256(pubkey33)))
    // Every transaction derives its signer's address; senders repeat, so remember recent ones.
    if (addressCache.size >= ADDRESS_CACHE_SIZE) addressCache.clear()
    addressCache.set(id, address)
  }
  return address
}

/**
 * The account of a module (`sha256(name)[:20]`, as the Cosmos SDK derives module accounts):
 * where a module holds coins for its users (governance's deposits). No key signs for it.
 */
export function moduleAddress(name: string, prefix: string = ADDRESS_PREFIX): string {
  return toBech32(prefix, sha256(new TextEncoder().encode(name)).slice(0, ADDRESS_LENGTH))
}

const ADDRESS_CACHE_SIZE = 100_000
const addressCache = new Map<string, string>()

/**
 * Decodes a bech32 account address into its 20 address bytes.
 *
 * @param addr - the bech32 address
 * @param prefix - the required prefix, `gat` by default
 * @returns the 20-byte address
 * @throws {@link InvalidAddressError} on a malformed string, bad checksum, wrong prefix or length
 */
export function decodeAddress(addr: string, prefix: string = ADDRESS_PREFIX): Uint8Array {
  if (typeof addr !== 'string') throw new InvalidAddressError(String(addr), 'not a string')
  let decoded: { prefix: string; data: Uint8Array }
  try {
    decoded = fromBech32(addr, BECH32_MAX_LENGTH)
  } catch (err) {
    throw new InvalidAddressError(addr, bech32Reason(err))
  }
  if (decoded.prefix !== prefix) {
    throw new InvalidAddressError(
      addr,
      `wrong prefix ${JSON.stringify(decoded.prefix)}, expected ${JSON.stringify(prefix)}`,
    )
  }
  if (decoded.data.length !== ADDRESS_LENGTH) {
    throw new InvalidAddressError(addr, `expected ${ADDRESS_LENGTH} bytes, got ${decoded.data.length}`)
  }
  return decoded.data
}

/**
 * Whether `addr` decodes as a 20-byte address with the given prefix.
 *
 * @param addr - the string to check
 * @param prefix - the required prefix, `gat` by default
 * @returns true when {@link decodeAddress} would succeed
 */
export function isValidAddress(addr: string, prefix: string = ADDRESS_PREFIX): boolean {
  try {
    decodeAddress(addr, prefix)
    return true
  } catch {
    return false
  }
}

/** Turns a bech32 library error into a short reason. */
function bech32Reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  if (/checksum/i.test(message)) return 'bad checksum'
  return `not bech32 (${message})`
}
