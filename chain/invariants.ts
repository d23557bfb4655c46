import { ChainError, ChainErrorCode } from './errors.js'
import type { DecodedValues, StateReader } from './store/types.js'

/**
 * A rule the whole state must satisfy after every block (docs/protocol/economics.md: supply conservation, caps).
 * `check` is pure over the state and returns the violations it finds, each a sentence with the
 * numbers; an empty list means the rule holds. Checks are linear in the state: they run in tests
 * and, with `--check-invariants`, before each commit, never in consensus code.
 */
export interface Invariant {
  /** short name, prefixed to each violation (`token.supply`) */
  readonly name: string
  /** `height`: the block the state is the result of, for rules that depend on it (vesting) */
  check(state: StateReader, height?: number): string[]
}

/** Checks a state before it is committed; returns the violations (empty: commit). */
export type InvariantChecker = (state: StateReader, height: number) => string[]

/** Every violation of `invariants` in `state`, as `name: sentence`, in the order given. */
export function findViolations(
  state: StateReader,
  invariants: readonly Invariant[],
  height?: number,
): string[] {
  return invariants.flatMap((inv) => inv.check(state, height).map((v) => `${inv.name}: ${v}`))
}

/**
 * The checker running `invariants`, for `Blockchain.open`. The invariants read the state through
 * a view that lists each prefix's keys once per check (several rules scan the same stores) and
 * keeps what the typed stores decode (`StateReader.decoded`), frozen: an entry no block changed
 * is the same bytes object at the next check and is not decoded again. Invariants only read.
 */
export function invariantChecker(invariants: readonly Invariant[]): InvariantChecker {
  const decoded: DecodedValues = new WeakMap()
  return (state, height) => {
    const listed = new Map<string, string[]>()
    const view: StateReader = {
      get: (key) => state.get(key),
      keys: (prefix) => {
        let keys = listed.get(prefix)
        if (keys === undefined) {
          keys = state.keys(prefix)
          listed.set(prefix, keys)
        }
        return [...keys]
      },
      decoded,
    }
    return findViolations(view, invariants, height)
  }
}

/** The error a node raises instead of committing a state that breaks invariants. */
export function invariantError(what: string, violations: readonly string[]): ChainError {
  return new ChainError(
    ChainErrorCode.INVARIANT_BROKEN,
    `${what} breaks ${violations.length} invariant${violations.length === 1 ? '' : 's'}: ${violations.join('; ')}`,
    { violations: [...violations] },
  )
}

/**
 * One side of an accounting identity compared with the other: a violation naming every term
 * when the sums differ. `left` and `right` map a term's name to its amount; `unit` follows each
 * number (`ugat`).
 */
export function checkSum(
  left: Record<string, bigint>,
  right: Record<string, bigint>,
  unit: string,
): string[] {
  const total = (terms: Record<string, bigint>): bigint => Object.values(terms).reduce((s, v) => s + v, 0n)
  const l = total(left)
  const r = total(right)
  if (l === r) return []
  const show = (terms: Record<string, bigint>): string =>
    Object.entries(terms)
      .map(([name, v], i) => `${i === 0 ? '' : v < 0n ? '− ' : '+ '}${name} ${i > 0 && v < 0n ? -v : v}`)
      .join(' ')
  const diff = l - r
  return [
    `${show(left)} = ${l} ${unit}, but ${show(right)} = ${r} ${unit} (off by ${diff > 0n ? '+' : ''}${diff} ${unit})`,
  ]
}
