import { formatGat } from '../chain/amount.js'

/** Prints a value as pretty JSON (the `--json` output). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Formats a ugat amount for people: `1.5 GAT (1500000 ugat)`. */
export function formatUgat(ugat: bigint | string): string {
  const n = typeof ugat === 'string' ? BigInt(ugat) : ugat
  return `${formatGat(n)} GAT (${n} ugat)`
}

/** Two aligned columns, `key  value`, one row a line. */
export function keyValueTable(rows: readonly (readonly [string, string | number | boolean])[]): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${String(v)}`.trimEnd()).join('\n')
}

/** A table with a header row and aligned columns. */
export function columnTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** Prints `value` as JSON with `--json`, else the human rendering. */
export function output(json: boolean | undefined, value: unknown, human: () => string): void {
  if (json === true) printJson(value)
  else process.stdout.write(`${human()}\n`)
}
