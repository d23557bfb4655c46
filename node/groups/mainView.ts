import type { Blockchain } from '../../chain/blockchain.js'
import type { StateChanges, StateReader } from '../../chain/store/types.js'
import type { GroupView } from '../../modules/messaging/groupchain/state.js'
import { messagingMethod } from '../../modules/messaging/method.js'
import type { GroupRecord } from '../../modules/messaging/stores/index.js'
import { tokenMethod } from '../../modules/token/method.js'

/**
 * The main chain as the group chains see it: its **latest final** state, not its head. The node
 * keeps the state of its head only, and an undo record (the previous value of every key a block
 * changed) for each block above the final one; the final state is the head's with those undone.
 */
export class FinalState {
  /** undo records by height, with the hash of the block they belong to */
  private readonly undo = new Map<number, { hash: string; changes: StateChanges }>()
  /** the last merge, while the head and the final block stay where they were */
  private last: { headHash: Uint8Array; final: number; merged: StateChanges } | undefined

  constructor(private readonly chain: Blockchain) {}

  /**
   * A reader of the final state at this moment, with its height. Use it synchronously: the head
   * moves with the next committed block.
   */
  async reader(): Promise<{ height: number; state: StateReader }> {
    for (;;) {
      const head = this.chain.head
      const final = this.chain.finalBlock.height
      const last = this.last
      // most calls (every admitted group transaction) come between two main blocks: no reads
      if (
        last !== undefined &&
        last.final === final &&
        Buffer.from(last.headHash).equals(Buffer.from(head.hash))
      )
        return { height: final, state: this.readerOf(last.merged) }
      const merged: StateChanges = new Map()
      // from the head down: the lowest block's previous value is the value at the final block
      for (let h = head.height; h > final; h--) {
        const changes = await this.undoOf(h)
        if (changes === undefined) break
        for (const [k, v] of changes) merged.set(k, v)
      }
      if (this.chain.head.height !== head.height || this.chain.finalBlock.height !== final) continue
      for (const h of this.undo.keys()) if (h <= final || h > head.height) this.undo.delete(h)
      this.last = { headHash: head.hash, final, merged }
      return { height: final, state: this.readerOf(merged) }
    }
  }

  private readerOf(merged: StateChanges): StateReader {
    const live = this.chain.state
    return {
      get: (key) => {
        if (merged.has(key)) return merged.get(key) ?? undefined
        return live.get(key)
      },
      keys: () => {
        throw new Error('the final-state reader answers single keys only')
      },
    }
  }

  private async undoOf(height: number): Promise<StateChanges | undefined> {
    const hash = Buffer.from((await this.chain.getBlock(height))?.hash ?? []).toString('hex')
    const cached = this.undo.get(height)
    if (cached !== undefined && cached.hash === hash) return cached.changes
    const changes = await this.chain.db.getUndo(height)
    if (changes !== undefined) this.undo.set(height, { hash, changes })
    return changes
  }
}

/** A holder-gate crossing of one address in one group, at a final main height. */
interface Crossing {
  height: number
  joined: boolean
}

/**
 * One group's main-chain facts over time, from the moment this node began hosting it: the group
 * record at each final height it changed, the holder-gate crossings of every address (the
 * messaging module's `holder_joined` / `holder_left` block events), and the final balance reads
 * for a join. A group block names the main height its producer checked; a node checks it against
 * the facts at that height where its history reaches, and trusts the producer's signature (and
 * the anchored checkpoint) before that (docs/adr/008-group-chains.md).
 */
export class GroupMainView {
  /** the group record from each final height on (ascending) */
  private readonly records: { from: number; record: GroupRecord }[] = []
  private readonly crossings = new Map<string, Crossing[]>()
  /** holder-left events in height order, for removals */
  private readonly left: { height: number; address: string }[] = []
  /** the final height this view has seen */
  height = 0

  constructor(readonly groupId: number) {}

  /** The first final height the view knows (a block checked below it is trusted to its producer). */
  get since(): number {
    return this.records[0]?.from ?? Number.POSITIVE_INFINITY
  }

  /** The record at the latest final height seen, or undefined before the group exists. */
  get latest(): GroupRecord | undefined {
    return this.records[this.records.length - 1]?.record
  }

  /** The record at final height `m` (the earliest known below the view's start). */
  recordAt(m: number): GroupRecord | undefined {
    let r = this.records[0]?.record
    for (const e of this.records) {
      if (e.from > m) break
      r = e.record
    }
    return r
  }

  /**
   * Takes the group record at final height `height`. A change of what the rules read (owner,
   * producers, threshold, policy, frozen) starts a new entry; anything else (the checkpoint
   * counters every anchor moves) updates the latest one, so the history grows only with real
   * rule changes.
   */
  observeRecord(height: number, record: GroupRecord | undefined): void {
    this.height = Math.max(this.height, height)
    if (record === undefined) return
    const last = this.records[this.records.length - 1]
    if (last !== undefined && rulesOf(last.record) === rulesOf(record)) last.record = record
    else this.records.push({ from: height, record })
  }

  /** Moves the view to final height `height` when the group's record did not change there. */
  advance(height: number): void {
    this.height = Math.max(this.height, height)
  }

  /** Records a holder-gate crossing of a final block at `height`. */
  observeCrossing(height: number, address: string, joined: boolean): void {
    const list = this.crossings.get(address) ?? []
    this.crossings.set(address, list)
    list.push({ height, joined })
    if (!joined) this.left.push({ height, address })
  }

  /**
   * Whether `address` held the gate at final height `m`, given whether it holds it at the view's
   * latest final height (`holdsNow`): the first crossing after `m` says what it was before.
   */
  heldAt(address: string, m: number, holdsNow: boolean): boolean {
    const first = this.crossings.get(address)?.find((c) => c.height > m)
    return first === undefined ? holdsNow : !first.joined
  }

  /** Addresses with a holder-left event in (from, to]. */
  leftBetween(from: number, to: number): string[] {
    return [...new Set(this.left.filter((e) => e.height > from && e.height <= to).map((e) => e.address))]
  }
}

/** What of a group record the group chain's rules read, as one comparable string. */
function rulesOf(r: GroupRecord): string {
  return JSON.stringify([r.owner, r.producers, r.threshold, r.policy, r.frozen])
}

/** The gate's balance check against a final-state reader. */
export function holdsGate(state: StateReader, record: GroupRecord, address: string): boolean {
  const min = BigInt(record.policy.minGatBalance)
  return min === 0n || tokenMethod.getBalance(state, address) >= min
}

/** Reads a group's record from a final-state reader. */
export function groupRecordAt(state: StateReader, groupId: number): GroupRecord | undefined {
  return messagingMethod.getGroup(state, groupId)
}

/** The {@link GroupView} a group block at main height `m` is checked against. */
export function groupViewAt(
  view: GroupMainView,
  m: number,
  holdsNow: (address: string) => boolean,
): GroupView | undefined {
  const r = view.recordAt(m)
  if (r === undefined) return undefined
  const gated = BigInt(r.policy.minGatBalance) > 0n
  return {
    owner: r.owner,
    maxMembers: r.policy.maxMembers,
    gated,
    private: r.policy.private,
    frozen: r.frozen,
    // before the view's history a node cannot know: it trusts the producer (and the checkpoint)
    holds: (address) => (m < view.since ? true : view.heldAt(address, m, holdsNow(address))),
  }
}
