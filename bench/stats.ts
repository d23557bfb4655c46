/** Summary of a sample (ms, µs or tx/s: whatever was measured). */
export interface Stats {
  median: number
  min: number
  max: number
  mean: number
  runs: number
}

/** Median, min, max and mean of `xs` (all 0 for an empty sample). */
export function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  if (n === 0) return { median: 0, min: 0, max: 0, mean: 0, runs: 0 }
  const median = n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2
  return { median, min: s[0]!, max: s[n - 1]!, mean: s.reduce((a, b) => a + b, 0) / n, runs: n }
}

/** Runs `fn` `runs` times; the wall time of each run in ms. */
export function timeRuns(runs: number, fn: () => unknown): number[] {
  const out: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    fn()
    out.push(performance.now() - t)
  }
  return out
}
