import { describe, expect, test } from '@jest/globals'
import pino from 'pino'
import { ManualClock } from '../test/helpers/clock.js'
import { BlockProducer } from './producer.js'
import { slotAt, slotTime } from './schedule.js'

/** A slot loop on a manual clock (no wall time): `ours` says which slots it produces in. */
function loop(o: {
  blockTimeMs: number
  startSlot: number
  headSlot: number
  ours: (slot: number) => boolean
}) {
  const slots = { genesisTimeMs: Date.parse('2026-01-01T00:00:00Z'), blockTimeMs: o.blockTimeMs }
  const clock = new ManualClock(slotTime(slots, o.startSlot))
  const state = { head: o.headSlot }
  const asked = new Map<number, number>()
  const produced: { slot: number; parent: number; atMs: number }[] = []
  const producer = new BlockProducer({
    clock: slots,
    headSlot: () => state.head,
    isOurSlot: (slot) => {
      asked.set(slot, (asked.get(slot) ?? 0) + 1)
      return o.ours(slot)
    },
    produce: async (slot) => {
      produced.push({ slot, parent: state.head, atMs: clock.now() - slotTime(slots, slot) })
      state.head = slot
    },
    log: pino({ level: 'silent' }),
    now: clock.now,
    timers: clock,
  })
  return { slots, clock, state, asked, produced, producer }
}

describe('the slot loop', () => {
  test('wakes once per slot, produces only in its own slots, each once', async () => {
    const l = loop({ blockTimeMs: 50, startSlot: 20, headSlot: 20, ours: (slot) => slot % 3 === 0 })
    l.producer.start()
    await l.clock.advance(1_000)
    await l.producer.stop()
    expect(slotAt(l.slots, l.clock.now())).toBe(40)
    // every slot after the head was asked about once (no spinning within a slot), none twice
    expect([...l.asked.entries()]).toEqual(Array.from({ length: 20 }, (_, i) => [21 + i, 1]))
    // and produced in the ones that are ours, each on the block before
    expect(l.produced.map(({ slot, parent }) => [slot, parent])).toEqual([
      [21, 20],
      [24, 21],
      [27, 24],
      [30, 27],
      [33, 30],
      [36, 33],
      [39, 36],
    ])
    // stopped: no timer left behind
    expect(l.clock.pending).toBe(0)
  })

  test('the previous slot has no block: it waits a third of its slot for it, then builds without it', async () => {
    // slot 2 is someone else's and its block never comes; slot 3 is ours
    const l = loop({ blockTimeMs: 60, startSlot: 2, headSlot: 1, ours: (slot) => slot === 3 })
    l.producer.start()
    await l.clock.advance(2 * 60)
    await l.producer.stop()
    expect(l.produced).toHaveLength(1)
    const [p] = l.produced
    expect(p).toMatchObject({ slot: 3, parent: 1 })
    // a third of 60 ms, to the next check of the head (every 6 ms)
    expect(p!.atMs).toBeGreaterThanOrEqual(20)
    expect(p!.atMs).toBeLessThan(20 + 6)
  })

  test('the previous block arrives while it waits: it builds on it at once', async () => {
    const l = loop({ blockTimeMs: 60, startSlot: 2, headSlot: 1, ours: (slot) => slot === 3 })
    // the block of slot 2 is imported 8 ms into slot 3
    l.clock.setTimeout(() => {
      l.state.head = 2
    }, 60 + 8)
    l.producer.start()
    await l.clock.advance(2 * 60)
    await l.producer.stop()
    expect(l.produced).toHaveLength(1)
    const [p] = l.produced
    expect(p).toMatchObject({ slot: 3, parent: 2 })
    expect(p!.atMs).toBeGreaterThanOrEqual(8)
    expect(p!.atMs).toBeLessThan(8 + 6)
  })
})
