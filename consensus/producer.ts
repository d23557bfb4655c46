import type { Logger } from 'pino'
import { type SlotClock, slotAt, slotTime } from './schedule.js'

/** What the producer needs from the node. */
export interface ProducerDeps {
  clock: SlotClock
  /** the head's slot (a new block must be in a later one) */
  headSlot(): number
  /** whether our node key is the proposer of `slot` */
  isOurSlot(slot: number): boolean
  /** builds, signs and commits a block in `slot` */
  produce(slot: number): Promise<void>
  log: Logger
  /** the wall clock; tests may pass another */
  now?: () => number
  /** the timers the loop waits with (Node's by default); tests may pass ones driven by `now` */
  timers?: ProducerTimers
}

/** The two timer calls the slot loop makes. */
export interface ProducerTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const NODE_TIMERS: ProducerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * The slot loop: wakes at the start of each slot and, when the slot is ours, produces a block.
 * It is the only code that reads the clock; blocks carry the slot's start time, so execution
 * itself never does. A production that overruns its slot moves on to the current slot. When the
 * previous slot has no block yet, it waits up to a third of the slot for it (gossip latency).
 */
export class BlockProducer {
  private timer: unknown
  private running = false
  private inFlight: Promise<void> = Promise.resolve()
  /** the last slot the loop woke for: the next wake is for a later one */
  private lastSlot = -1

  constructor(private readonly deps: ProducerDeps) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.schedule()
  }

  /** Stops the loop and waits for a block in progress to finish committing. */
  async stop(): Promise<void> {
    this.running = false
    if (this.timer !== undefined) this.timers().clearTimeout(this.timer)
    this.timer = undefined
    await this.inFlight
  }

  private now(): number {
    return (this.deps.now ?? Date.now)()
  }

  private timers(): ProducerTimers {
    return this.deps.timers ?? NODE_TIMERS
  }

  private nextSlot(): number {
    const { clock } = this.deps
    const current = slotAt(clock, this.now())
    let slot = Math.max(current, this.deps.headSlot() + 1)
    if (slotTime(clock, slot) < this.now() - clock.blockTimeMs / 2) slot = current + 1
    // never wake twice for one slot (a slot that is not ours would otherwise spin until its end)
    return Math.max(slot, this.deps.headSlot() + 1, this.lastSlot + 1)
  }

  private schedule(): void {
    if (!this.running) return
    const slot = this.nextSlot()
    const delay = Math.max(0, slotTime(this.deps.clock, slot) - this.now())
    this.timer = this.timers().setTimeout(() => {
      this.lastSlot = slot
      this.inFlight = this.runSlot(slot).finally(() => this.schedule())
    }, delay)
  }

  private async runSlot(slot: number): Promise<void> {
    if (!this.running || !this.deps.isOurSlot(slot) || slot <= this.deps.headSlot()) return
    // The previous slot's block may still be on its way: give it up to a third of our slot
    // rather than build on its parent and fork the chain.
    const { clock } = this.deps
    const waitUntil = slotTime(clock, slot) + clock.blockTimeMs / 3
    while (this.running && this.deps.headSlot() < slot - 1 && this.now() < waitUntil) {
      await new Promise<void>((r) => this.timers().setTimeout(r, Math.min(10, clock.blockTimeMs / 10)))
    }
    if (!this.running || slot <= this.deps.headSlot()) return
    try {
      await this.deps.produce(slot)
    } catch (e) {
      this.deps.log.error({ err: e, slot }, 'block production failed')
    }
  }
}
