import { createHash } from 'node:crypto'
/** Slot timing of a chain: slots of `blockTimeMs` counted from genesis time. */
export interface SlotClock {
  genesisTimeMs: number
  blockTimeMs: number
}

/** The slot that contains unix time `timeMs` (slot 0 starts at genesis; times before it are slot 0). */
export function slotAt(clock: SlotClock, timeMs: number): number {
  if (timeMs <= clock.genesisTimeMs) return 0
  return Math.floor((timeMs - clock.genesisTimeMs) / clock.blockTimeMs)
}

/** The start time of `slot`, which is also the timestamp of a block produced in it. */
export function slotTime(clock: SlotClock, slot: number): number {
  return clock.genesisTimeMs + slot * clock.blockTimeMs
}

/** Slots per round (docs/protocol/consensus.md): every super node has at least one slot in each round of 21. */
export const ROUND_SLOTS = 21

/** The round a slot belongs to. */
export function roundOf(slot: number): number {
  return Math.floor(slot / ROUND_SLOTS)
}

/**
 * The order of a round: the super nodes shuffled (Fisher–Yates) with randomness drawn from
 * sha256(seed ‖ counter), where `seed` is the hash of the previous round's last block. Every
 * node derives the same order; nobody can pick their place without grinding a block hash.
 */
export function roundOrder<T>(superNodes: readonly T[], seed: Uint8Array): T[] {
  const order = [...superNodes]
  let counter = 0
  let pool = Buffer.alloc(0)
  const next32 = (): number => {
    if (pool.length < 4) {
      const c = Buffer.alloc(4)
      c.writeUInt32BE(counter++)
      pool = createHash('sha256').update(seed).update(c).digest()
    }
    const v = pool.readUInt32BE(0)
    pool = pool.subarray(4)
    return v
  }
  for (let i = order.length - 1; i > 0; i--) {
    // rejection sampling keeps the draw uniform over 0..i
    const range = i + 1
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % range)
    let r = next32()
    while (r >= limit) r = next32()
    const j = r % range
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return order
}

/**
 * The proposer of `slot`: within a round, slot `k` (0..20) goes to `order[k mod n]` of the
 * round's shuffled order, so with n super nodes each has ⌊21/n⌋ or ⌈21/n⌉ slots a round. With
 * one validator every slot is its own.
 */
export function proposerForSlot<T>(superNodes: readonly T[], slot: number, roundSeed: Uint8Array): T {
  if (superNodes.length === 0) throw new Error('no validators')
  const order = superNodes.length === 1 ? superNodes : roundOrder(superNodes, roundSeed)
  return order[(slot % ROUND_SLOTS) % order.length]!
}
