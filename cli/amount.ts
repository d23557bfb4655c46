import { MAX_AMOUNT, UGAT_PER_GAT } from '../chain/amount.js'

const GAT = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?gat$/i
const UGAT = /^(0|[1-9][0-9]*)(?:ugat)?$/i

/**
 * Parses an amount typed by a person into ugat: `1.5gat` / `1.5GAT` (GAT, up to six decimals),
 * `1500000ugat`, or a bare whole number meaning ugat.
 *
 * @param value - the text from the command line
 * @param what - the name used in error messages, e.g. `amount` or `--fee`
 * @returns the amount in ugat
 * @throws Error with a one-line message naming `what` for anything else
 */
export function parseCliAmount(value: string, what = 'amount'): bigint {
  const v = value.trim()
  const gat = GAT.exec(v)
  let ugat: bigint
  if (gat !== null) {
    const frac = gat[2] ?? ''
    if (frac.length > 6)
      throw new Error(`${what} "${value}": GAT has at most 6 decimals (1 ugat = 0.000001 GAT)`)
    ugat = BigInt(gat[1] ?? '0') * UGAT_PER_GAT + BigInt(frac.padEnd(6, '0') || '0')
  } else if (UGAT.test(v)) {
    ugat = BigInt(v.replace(/ugat$/i, ''))
  } else {
    throw new Error(
      `${what} "${value}" is not an amount: use 1.5gat (GAT, up to 6 decimals), 1500000ugat or a whole number of ugat`,
    )
  }
  if (ugat > MAX_AMOUNT) throw new Error(`${what} "${value}" is too large`)
  return ugat
}

/** Like {@link parseCliAmount}, but zero is an error. */
export function parsePositiveCliAmount(value: string, what = 'amount'): bigint {
  const n = parseCliAmount(value, what)
  if (n === 0n) throw new Error(`${what} must be greater than zero`)
  return n
}
