import { describe, expect, test } from '@jest/globals'
import pino from 'pino'
import { BlockProducer } from './producer.js'
import { slotAt } from './schedule.js'

describe('the slot loop', () => {
  test('wakes once per slot, produces only in its own slots, each once', async () => {
    const clock = { genesisTimeMs: Date.now() - 1_000, blockTimeMs: 50 }
    let head = slotAt(clock, Date.now())
    const asked = new Map<number, number>()
    const produced: number[] = []
    const producer = new BlockProducer({
      clock,
      headSlot: () => head,
      isOurSlot: (slot) => {
        asked.set(slot, (asked.get(slot) ?? 0) + 1)
        return slot % 3 === 0
      },
      produce: async (slot) => {
        produced.push(slot)
        head = slot
      },
      log: pino({ level: 'silent' }),
    })
    const first = head + 1
    producer.start()
    await new Promise((r) => setTimeout(r, 1_000))
    await producer.stop()
    const last = slotAt(clock, Date.now())
    // about 20 slots went by; every one was asked about at most once (no spinning within a slot)
    expect(asked.size).toBeGreaterThanOrEqual(10)
    expect(Math.max(...asked.values())).toBe(1)
    expect(produced.length).toBeGreaterThanOrEqual(3)
    expect(produced.every((s) => s % 3 === 0 && s >= first && s <= last)).toBe(true)
    expect(new Set(produced).size).toBe(produced.length)
  })
})
