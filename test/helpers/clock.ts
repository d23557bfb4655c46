/**
 * A clock and timers that move only when the test says so: `now()`, `setTimeout` and
 * `clearTimeout` for code that takes them as dependencies (the slot loop), and `advance(ms)`,
 * which fires the timers due on the way in time order, letting the promise work each one starts
 * finish before the next. No wall time is involved.
 */
export class ManualClock {
  private t: number
  private nextId = 1
  private readonly timers = new Map<number, { at: number; fn: () => void }>()

  constructor(startMs: number) {
    this.t = startMs
  }

  now = (): number => this.t

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn })
    return id
  }

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number)
  }

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size
  }

  /**
   * Moves the clock `ms` forward, firing each timer due by then at its own time (ties in the order
   * set). Fails after `maxFires` timers: code that keeps setting timers without letting time pass
   * spins, and would spin here forever.
   */
  async advance(ms: number, maxFires = 10_000): Promise<void> {
    const end = this.t + ms
    for (let fired = 0; ; fired++) {
      if (fired >= maxFires) throw new Error(`${maxFires} timers fired within ${ms} ms: a timer loop spins`)
      await settled()
      let due: [number, { at: number; fn: () => void }] | undefined
      for (const entry of this.timers) {
        if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry
      }
      if (due === undefined) break
      this.timers.delete(due[0])
      this.t = Math.max(this.t, due[1].at)
      due[1].fn()
    }
    this.t = end
    await settled()
  }
}

/** Lets every promise reaction queued so far (and those they queue) run. */
function settled(): Promise<void> {
  return new Promise((r) => setImmediate(r))
}
