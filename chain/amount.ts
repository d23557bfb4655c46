import { ChainError, ChainErrorCode } from './errors.js'

/** Base units per GAT: 1 GAT is 1,000,000 ugat. */
export const UGAT_PER_GAT = 1_000_000n

/** The GAT cap in ugat: 100,000,000 GAT, all there will ever be (genesis plus issuance). */
export const GAT_CAP_UGAT = 100_000_000n * UGAT_PER_GAT

/** Largest amount any field may carry: far above the 1e14 ugat cap, far below overflow of anything. */
export const MAX_AMOUNT = (1n << 127n) - 1n

const DECIMAL = /^(0|[1-9][0-9]*)$/

/**
 * Parses a wire amount (a decimal string of whole base units) into a bigint. Rejects signs,
 * fractions, exponents, leading zeros, whitespace and values above MAX_AMOUNT, naming `field`.
 */
export function parseAmount(value: unknown, field: string): bigint {
  if (typeof value !== 'string') {
    throw new ChainError(
      ChainErrorCode.INVALID_AMOUNT,
      `${field} must be a decimal string, got ${typeof value}`,
    )
  }
  if (value.length > 40 || !DECIMAL.test(value)) {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value
    throw new ChainError(
      ChainErrorCode.INVALID_AMOUNT,
      `${field} "${shown}" is not a non-negative whole number in base units (digits only, no sign or leading zeros)`,
    )
  }
  const n = BigInt(value)
  if (n > MAX_AMOUNT)
    throw new ChainError(
      ChainErrorCode.INVALID_AMOUNT,
      `${field} ${value} exceeds the maximum amount 2^127-1`,
    )
  return n
}

/** Parses an amount that must be strictly positive. */
export function parsePositiveAmount(value: unknown, field: string): bigint {
  const n = parseAmount(value, field)
  if (n === 0n) throw new ChainError(ChainErrorCode.INVALID_AMOUNT, `${field} must be greater than zero`)
  return n
}

/** Formats ugat as GAT with up to six decimals, for people: 1500000n → "1.5". */
export function formatGat(ugat: bigint): string {
  const whole = ugat / UGAT_PER_GAT
  const frac = (ugat % UGAT_PER_GAT).toString().padStart(6, '0').replace(/0+$/, '')
  return frac === '' ? whole.toString() : `${whole}.${frac}`
}
