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

/**
 * The proposer of `slot`: the super nodes take slots in turn. With one validator every slot is
 * its own. (The per-round shuffle from the previous round's last block hash arrives with the
 * multi-validator network.)
 */
export function proposerForSlot<T>(validators: readonly T[], slot: number): T {
  if (validators.length === 0) throw new Error('no validators')
  return validators[slot % validators.length]!
}
