import { decodeAddress, InvalidAddressError } from '../crypto/address.js'
import { ChainError, ChainErrorCode } from '../errors.js'

/** Checks a message's address field, naming the field in the error. */
export function checkAddress(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ChainError(ChainErrorCode.INVALID_ADDRESS, `${field} is required`)
  }
  try {
    decodeAddress(value)
  } catch (e) {
    if (e instanceof InvalidAddressError)
      throw new ChainError(ChainErrorCode.INVALID_ADDRESS, `${field}: ${e.message}`)
    throw e
  }
  return value
}
