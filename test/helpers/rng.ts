/** mulberry32: small, fast, and the same sequence for the same seed everywhere (seeded tests and fuzzers). */
export class Rng {
  private a: number

  constructor(seed: number) {
    this.a = seed >>> 0
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** 0 to n-1 */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)))
  }
}

/** The seed of a seeded test: `$<envName>` when set (to replay a failure), else a fresh one. */
export function testSeed(envName: string): number {
  const v = process.env[envName]
  return v !== undefined && v !== '' ? Number(v) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0
}
