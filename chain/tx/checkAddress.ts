import { decodeAddress, InvalidAddressError } from '../crypto/address.js'
import { ChainError, ChainErrorCode } from '../errors.js'

/** Addresses that passed, so the accounts every block names again are not decoded again. */
const valid = new Set<string>()
const VALID_CACHE_SIZE = 100_000

/** Checks a message's address field, naming the field in the error. */
export function checkAddress(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ChainError(ChainErrorCode.INVALID_ADDRESS, `${field} is required`)
  }
  if (valid.has(value)) return value
  try {
    decodeAddress(value)
  } catch (e) {
    if (e instanceof InvalidAddressError)
      throw new ChainError(ChainErrorCode.INVALID_ADDRESS, `${field}: ${e.message}`)
    throw e
  }
  if (valid.size >= VALID_CACHE_SIZE) valid.clear()
  valid.add(value)
  return value
}
