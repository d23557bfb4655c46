import { ROUND_SLOTS, roundOf } from './schedule.js'

/**
 * Liveness of the chain as one node sees it: whether finality keeps up with the head, whether
 * the super nodes produce their slots, and what `/health` answers. Pure functions and two small
 * trackers fed by the node after each block; nothing here reads the clock (callers pass the
 * head's age) or logs (callers turn the notices into log lines).
 */

/** Thresholds of a node's health (node options; `--max-finality-lag` sets the first). */
export interface HealthParams {
  /** the final block may trail the head by this many blocks before the node is degraded */
  maxFinalityLagBlocks: number
  /** the head may be this old, ms, before the node is stale (ten block times count at least) */
  maxHeadAgeMs: number
  /** a super node may miss this many of its slots in a row before it is reported (and, for this node, degraded) */
  maxMissedSlotsInRow: number
}

/** Defaults: two rounds of finality lag, a minute of head age, one missed slot in a row. */
export function defaultHealthParams(): HealthParams {
  return { maxFinalityLagBlocks: 2 * ROUND_SLOTS, maxHeadAgeMs: 60_000, maxMissedSlotsInRow: 1 }
}

/** Refuses thresholds that cannot be met or make no sense; names the field at fault. */
export function validateHealthParams(p: HealthParams): HealthParams {
  for (const [name, v] of Object.entries(p)) {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new Error(`health ${name} must be a whole number ≥ 0, got ${v}`)
  }
  if (p.maxFinalityLagBlocks < 1) throw new Error('health maxFinalityLagBlocks must be at least 1 block')
  return p
}

/** What the node knows when it is asked how it is. */
export interface HealthInput {
  height: number
  finalHeight: number
  /** now − the head block's time, ms */
  headAgeMs: number
  blockTimeMs: number
  /** this node's key is one of the super nodes that scheduled the head block */
  superNode: boolean
  /** this node's own slots in a row that passed without its block while other blocks came */
  missedOwnSlots: number
}

/** `GET /health`: `ok` (HTTP 200) or why not (HTTP 503), with the numbers behind it. */
export interface Health {
  /** `stale`: no recent head; `degraded`: blocks come but finality or our own production lags */
  status: 'ok' | 'degraded' | 'stale'
  /** one sentence per failed check; empty when ok */
  reasons: string[]
  height: number
  finalHeight: number
  /** head height − final height */
  finalityLag: number
  maxFinalityLag: number
  headAgeMs: number
  /** the head-age limit applied: maxHeadAgeMs or ten block times, whichever is larger */
  maxHeadAgeMs: number
  superNode: boolean
  missedOwnSlots: number
}

/** The health verdict: stale beats degraded beats ok; every failed check gives a reason. */
export function assessHealth(input: HealthInput, params: HealthParams): Health {
  const finalityLag = Math.max(0, input.height - input.finalHeight)
  const maxHeadAgeMs = Math.max(params.maxHeadAgeMs, input.blockTimeMs * 10)
  const stale = input.headAgeMs > maxHeadAgeMs
  const reasons: string[] = []
  if (stale) {
    reasons.push(
      `the head block ${input.height} is ${seconds(input.headAgeMs)} old (limit ${seconds(maxHeadAgeMs)}): no block is being produced or imported`,
    )
  }
  if (finalityLag > params.maxFinalityLagBlocks) {
    reasons.push(
      `finality lags the head by ${finalityLag} blocks (final ${input.finalHeight}, head ${input.height}; limit ${params.maxFinalityLagBlocks}): fewer than ⌊2n/3⌋+1 of the n super nodes' votes reach this node`,
    )
  }
  const missing = input.superNode && input.missedOwnSlots > params.maxMissedSlotsInRow
  if (missing) {
    reasons.push(
      `this node is a super node and missed its last ${input.missedOwnSlots} slots in a row (limit ${params.maxMissedSlotsInRow}) while other blocks came`,
    )
  }
  return {
    status: stale ? 'stale' : reasons.length > 0 ? 'degraded' : 'ok',
    reasons,
    height: input.height,
    finalHeight: input.finalHeight,
    finalityLag,
    maxFinalityLag: params.maxFinalityLagBlocks,
    headAgeMs: input.headAgeMs,
    maxHeadAgeMs,
    superNode: input.superNode,
    missedOwnSlots: input.superNode ? input.missedOwnSlots : 0,
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}

/** A finality stall starting or still going on, or finality resuming. */
export type FinalityNotice =
  | {
      kind: 'stalled'
      /** false the first time, true for the periodic reminders */
      repeat: boolean
      height: number
      finalHeight: number
      finalityLag: number
      /** rounds of slots since the lag crossed the limit */
      rounds: number
    }
  | { kind: 'resumed'; height: number; finalHeight: number; finalityLag: number; rounds: number }

/** Rounds between two reminders of a finality stall that goes on. */
export const STALL_REMINDER_ROUNDS = 5

/**
 * Watches head and final heights: a notice once when the lag crosses `maxLagBlocks`, again every
 * `STALL_REMINDER_ROUNDS` rounds of slots while it stays above, and once when it is back at or
 * below the limit.
 */
export class FinalityWatch {
  private stalledAtSlot: number | undefined
  private remindedAtSlot = 0

  constructor(private readonly maxLagBlocks: number) {}

  /** The head (height and slot) or the final height moved. */
  observe(height: number, finalHeight: number, headSlot: number): FinalityNotice | undefined {
    const finalityLag = Math.max(0, height - finalHeight)
    const since = this.stalledAtSlot
    const rounds = since === undefined ? 0 : Math.floor((headSlot - since) / ROUND_SLOTS)
    if (finalityLag <= this.maxLagBlocks) {
      if (since === undefined) return undefined
      this.stalledAtSlot = undefined
      return { kind: 'resumed', height, finalHeight, finalityLag, rounds }
    }
    if (since === undefined) {
      this.stalledAtSlot = headSlot
      this.remindedAtSlot = headSlot
      return { kind: 'stalled', repeat: false, height, finalHeight, finalityLag, rounds: 0 }
    }
    if (headSlot - this.remindedAtSlot < STALL_REMINDER_ROUNDS * ROUND_SLOTS) return undefined
    this.remindedAtSlot = headSlot
    return { kind: 'stalled', repeat: true, height, finalHeight, finalityLag, rounds }
  }
}

/** A super node that keeps missing its slots, or one that produces again after that. */
export type MissedSlotNotice =
  | {
      kind: 'missing'
      producer: string
      /** its slots in a row without a block */
      missedSlots: number
      /** rounds those slots span */
      rounds: number
      firstSlot: number
      lastSlot: number
    }
  | { kind: 'producing'; producer: string; missedSlots: number }

interface MissRun {
  count: number
  firstSlot: number
  lastSlot: number
  /** the round of the last `missing` notice for this run, -1 before any */
  notifiedRound: number
}

/**
 * Counts, per super node, its slots in a row that passed without its block while the chain
 * moved on (a block came later). Reports a node once its run exceeds `maxInRow`, at most once
 * per round, and when it produces again after a reported run. Nodes that leave the super-node
 * set are forgotten.
 */
export class MissedSlotWatch {
  private readonly runs = new Map<string, MissRun>()

  constructor(private readonly maxInRow: number) {}

  /** Slots of `producer` missed in a row so far (0 when it produced its last one). */
  missedInRow(producer: string): number {
    return this.runs.get(producer)?.count ?? 0
  }

  /**
   * A block by `proposer`, after the empty slots `missed` (in slot order, each with its scheduled
   * producer); `superNodes` are the block's super nodes (hex node ids).
   */
  onBlock(
    proposer: string,
    missed: readonly { slot: number; producer: string }[],
    superNodes: readonly string[],
  ): MissedSlotNotice[] {
    const notices: MissedSlotNotice[] = []
    for (const m of missed) {
      const run = this.runs.get(m.producer)
      if (run === undefined) {
        this.runs.set(m.producer, { count: 1, firstSlot: m.slot, lastSlot: m.slot, notifiedRound: -1 })
      } else {
        run.count++
        run.lastSlot = m.slot
      }
    }
    const done = this.runs.get(proposer)
    if (done !== undefined) {
      this.runs.delete(proposer)
      if (done.count > this.maxInRow)
        notices.push({ kind: 'producing', producer: proposer, missedSlots: done.count })
    }
    for (const [producer, run] of this.runs) {
      if (!superNodes.includes(producer)) {
        this.runs.delete(producer)
        continue
      }
      const round = roundOf(run.lastSlot)
      if (run.count <= this.maxInRow || run.notifiedRound >= round) continue
      run.notifiedRound = round
      notices.push({
        kind: 'missing',
        producer,
        missedSlots: run.count,
        rounds: round - roundOf(run.firstSlot) + 1,
        firstSlot: run.firstSlot,
        lastSlot: run.lastSlot,
      })
    }
    return notices
  }
}
