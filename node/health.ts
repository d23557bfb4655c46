import type { Blockchain, CommittedBlock, ProposerKey } from '../chain/blockchain.js'
import { hex } from '../chain/hex.js'
import type { Logger } from '../chain/logger.js'
import type { BlockMetrics } from '../chain/metrics.js'
import {
  assessHealth,
  defaultHealthParams,
  FinalityWatch,
  type Health,
  type HealthParams,
  MissedSlotWatch,
  validateHealthParams,
} from '../consensus/liveness.js'
import { ROUND_SLOTS } from '../consensus/schedule.js'

/** A slot that passed without a block, and the super node scheduled to produce it. */
export interface MissedSlot {
  slot: number
  producer: string
}

/** What the health watch is given by the node. */
export interface HealthDeps {
  chain: Blockchain
  /** this node's key: its own missed slots make it degraded */
  nodeKey: ProposerKey | undefined
  log: Logger
  metrics?: BlockMetrics
}

/**
 * The node's liveness, watched block by block: missed slots (counted per producer, logged when a
 * super node keeps missing them), finality stalls (logged when they start, while they last and
 * when they end), and the health verdict (`GET /health`) from consensus/liveness.ts.
 */
export class NodeHealth {
  readonly params: HealthParams
  /** decides when a finality stall is logged (and its end) */
  private readonly finalityWatch: FinalityWatch
  /** per super node: its slots missed in a row; decides when that is logged */
  private readonly missedWatch: MissedSlotWatch

  /** Throws on invalid thresholds (`validateHealthParams`). */
  constructor(
    params: Partial<HealthParams> | undefined,
    private readonly deps: HealthDeps,
  ) {
    this.params = validateHealthParams({ ...defaultHealthParams(), ...params })
    this.finalityWatch = new FinalityWatch(this.params.maxFinalityLagBlocks)
    this.missedWatch = new MissedSlotWatch(this.params.maxMissedSlotsInRow)
  }

  /** The empty slots between the head and a block at `slot`, with their scheduled producers (capped at 4 rounds). */
  missedBefore(slot: number): MissedSlot[] {
    const { chain } = this.deps
    if (chain.head.height === 0) return []
    const out: MissedSlot[] = []
    const from = Math.max(chain.head.slot + 1, slot - 4 * ROUND_SLOTS)
    try {
      for (let s = from; s < slot; s++) out.push({ slot: s, producer: hex(chain.proposerOf(s)) })
    } catch {
      // no super nodes to schedule: propose or import of the block itself says why
    }
    return out
  }

  /**
   * The empty slots before a new block: counted by producer (`gather_missed_slots_total`), and a
   * warning when a super node keeps missing its slots (once a round at most) or an info line when
   * it produces again.
   */
  afterSlots(missed: readonly MissedSlot[], c: CommittedBlock): void {
    const { log, metrics, nodeKey } = this.deps
    for (const m of missed) metrics?.onMissedSlot?.(m.producer)
    const ours = nodeKey === undefined ? undefined : hex(nodeKey.publicKey)
    const notices = this.missedWatch.onBlock(hex(c.block.header.proposer), missed, c.superNodes.map(hex))
    for (const n of notices) {
      if (n.kind === 'missing') {
        log.warn(
          {
            producer: n.producer,
            missedSlots: n.missedSlots,
            rounds: n.rounds,
            firstSlot: n.firstSlot,
            lastSlot: n.lastSlot,
            height: c.block.header.height,
          },
          n.producer === ours
            ? 'this node is an elected super node and keeps missing its own slots'
            : 'a super node keeps missing its slots (is its node running?)',
        )
      } else {
        log.info({ producer: n.producer, missedSlots: n.missedSlots }, 'super node producing again')
      }
    }
  }

  /** Logs a finality stall when it starts, every few rounds while it lasts, and when it ends. */
  watchFinality(): void {
    const { chain, log } = this.deps
    const head = chain.head
    const n = this.finalityWatch.observe(head.height, chain.finalBlock.height, head.slot)
    if (n === undefined) return
    const context = {
      height: n.height,
      finalHeight: n.finalHeight,
      finalityLag: n.finalityLag,
      maxFinalityLag: this.params.maxFinalityLagBlocks,
      rounds: n.rounds,
    }
    if (n.kind === 'resumed') log.info(context, 'finality resumed')
    else
      log.warn(
        context,
        n.repeat
          ? 'finality still stalled: the final block is not moving'
          : 'finality stalled: fewer than 2n/3+1 of the super nodes vote (an elected node that is not running?)',
      )
  }

  /**
   * How the node is: `stale` when the head is old, `degraded` when finality lags the head by
   * more than `maxFinalityLagBlocks` or this node, an elected super node, keeps missing its own
   * slots; each failed check gives a reason. `overrides` replace the thresholds for this answer.
   */
  getHealth(overrides: Partial<HealthParams> = {}): Health {
    const { chain, nodeKey: key } = this.deps
    const head = chain.head
    const superNode =
      key !== undefined && chain.headSuperNodes.some((k) => Buffer.compare(k, key.publicKey) === 0)
    return assessHealth(
      {
        height: head.height,
        finalHeight: chain.finalBlock.height,
        headAgeMs: Date.now() - head.timeMs,
        blockTimeMs: chain.clock.blockTimeMs,
        superNode,
        missedOwnSlots: key === undefined ? 0 : this.missedWatch.missedInRow(hex(key.publicKey)),
      },
      { ...this.params, ...overrides },
    )
  }
}
