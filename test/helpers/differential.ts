/** One case of a differential test: what kind of input it is. */
export interface DifferentialCase {
  kind: string
}

/** One implementation under comparison. */
export interface Contender<C> {
  name: string
  verify: (c: C) => boolean
}

/**
 * Runs every case through two implementations of one check: the cases where they disagree (at
 * most `limit`, each described by `describe`), and per kind how many the first accepted and
 * refused.
 */
export function compareImplementations<C extends DifferentialCase>(
  cases: readonly C[],
  first: Contender<C>,
  second: Contender<C>,
  describe: (c: C) => string,
  limit = 5,
): { disagreements: string[]; kinds: Map<string, { valid: number; invalid: number }> } {
  const disagreements: string[] = []
  const kinds = new Map<string, { valid: number; invalid: number }>()
  for (const c of cases) {
    const a = first.verify(c)
    const b = second.verify(c)
    if (a !== b && disagreements.length < limit)
      disagreements.push(`${c.kind}: ${first.name} ${a}, ${second.name} ${b} (${describe(c)})`)
    const k = kinds.get(c.kind) ?? { valid: 0, invalid: 0 }
    if (a) k.valid++
    else k.invalid++
    kinds.set(c.kind, k)
  }
  return { disagreements, kinds }
}
