import type { StateChanges, StateReader, StateWriter } from './types.js'

/** A journal entry: the overlay's previous record for `key` (undefined: it had none). */
type JournalEntry = [key: string, previous: Uint8Array | null | undefined]

/**
 * Buffered writes over a read-only base, with cheap snapshots: a block executes in one overlay,
 * each transaction's messages run after a snapshot and a failure restores it. Nothing reaches
 * the base until the block commits the overlay's `changes()` in one database batch.
 */
export class StateOverlay implements StateWriter {
  private readonly writes: StateChanges = new Map()
  private readonly journal: JournalEntry[] = []

  constructor(private readonly base: StateReader) {}

  get(key: string): Uint8Array | undefined {
    const w = this.writes.get(key)
    if (w !== undefined) return w ?? undefined
    return this.base.get(key)
  }

  keys(prefix: string): string[] {
    const out = new Set(this.base.keys(prefix))
    for (const [k, v] of this.writes) {
      if (!k.startsWith(prefix)) continue
      if (v === null) out.delete(k)
      else out.add(k)
    }
    return [...out].sort()
  }

  set(key: string, value: Uint8Array): void {
    this.journal.push([key, this.writes.get(key)])
    this.writes.set(key, value)
  }

  delete(key: string): void {
    this.journal.push([key, this.writes.get(key)])
    this.writes.set(key, null)
  }

  /** The value of `key` in the base, ignoring this overlay's writes (for a block: its parent state). */
  baseGet(key: string): Uint8Array | undefined {
    return this.base.get(key)
  }

  /** Marks the current point; pass the result to `restore` to undo everything written since. */
  snapshot(): number {
    return this.journal.length
  }

  /** Undoes every write made after `snapshot` was taken. */
  restore(snapshot: number): void {
    if (snapshot < 0 || snapshot > this.journal.length) throw new RangeError(`unknown snapshot ${snapshot}`)
    while (this.journal.length > snapshot) {
      const [key, previous] = this.journal.pop()!
      if (previous === undefined) this.writes.delete(key)
      else this.writes.set(key, previous)
    }
  }

  /** The net changes against the base (a write equal to "no change" is still reported). */
  changes(): StateChanges {
    return this.writes
  }

  /** Number of keys written. */
  get size(): number {
    return this.writes.size
  }
}
