import { signEd25519, verifyEd25519 } from '../../chain/crypto/ed25519.js'
import { ChainError } from '../../chain/errors.js'
import { hex } from '../../chain/hex.js'
import type { Logger } from '../../chain/logger.js'
import { CommittedState } from '../../chain/store/committedState.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import type { StateReader } from '../../chain/store/types.js'
import {
  type DecodedGroupBlock,
  decodeGroupBlock,
  encodeGroupBlock,
  encodeGroupHeader,
  type GroupBlock,
  type GroupBlockHeader,
  groupBlockHash,
  type PrunedTx,
} from '../../modules/messaging/groupchain/block.js'
import { GroupErrorCode } from '../../modules/messaging/groupchain/errors.js'
import { leafHash, rootOfLeaves } from '../../modules/messaging/groupchain/merkle.js'
import { MerkleMountainRange } from '../../modules/messaging/groupchain/mmr.js'
import {
  type ApplyContext,
  applyGroupBlock,
  applyGroupTx,
  type GroupEffect,
  type GroupView,
  groupState,
  type MessageIndex,
  memberStore,
} from '../../modules/messaging/groupchain/state.js'
import { MAX_ROUND, nextRoundOf, openRound, producerOf } from '../../modules/messaging/groupchain/turns.js'
import { decodeGroupTx, type GroupTx, verifyGroupTxSignature } from '../../modules/messaging/groupchain/tx.js'
import type { GroupRecord } from '../../modules/messaging/stores/index.js'
import type { GroupStore, MessageRecord } from './groupStore.js'
import { type GroupMainView, groupViewAt } from './mainView.js'
import type { GroupMessageView } from './types.js'

const ZERO32 = new Uint8Array(32)

/** Timing and size limits of a group chain on this node. */
export interface GroupChainOptions {
  /** at most one block per this many ms (default 500) */
  blockTimeMs: number
  /** a producer that has not produced its turn within this passes it to the next (default 2,000 ms) */
  turnTimeoutMs: number
  /** how far a block's time may be ahead of this node's clock (default 2,000 ms) */
  maxClockDriftMs: number
  /** pending transactions kept per group (default 10,000) */
  maxPending: number
  /** transactions per block (default 2,000) */
  maxBlockTxs: number
  /** bytes of transactions per block (default 1 MiB) */
  maxBlockBytes: number
}

export const DEFAULT_GROUP_CHAIN_OPTIONS: GroupChainOptions = {
  blockTimeMs: 500,
  turnTimeoutMs: 2_000,
  maxClockDriftMs: 2_000,
  maxPending: 10_000,
  maxBlockTxs: 2_000,
  maxBlockBytes: 1024 * 1024,
}

/** The main chain's final state as a group chain reads it (see FinalState, GroupMainView). */
export interface MainFacts {
  /** brings the view up to the latest final block and gives a reader of that state (use it synchronously) */
  current(): Promise<{ height: number; state: StateReader }>
  view: GroupMainView
  holds(state: StateReader, record: GroupRecord, address: string): boolean
}

/** What a group chain needs from its host. */
export interface GroupChainDeps {
  chainId: string
  store: GroupStore
  main: MainFacts
  /** this node's ed25519 key, when it may produce */
  nodeKey?: { publicKey: Uint8Array; privateKey: Uint8Array }
  now(): number
  log: Logger
  /** gossip a block this node produced */
  publishBlock(bytes: Uint8Array): void
  /** a block was committed (produced or imported) */
  onCommit(block: GroupBlock, hash: Uint8Array, messages: GroupMessageView[]): void
}

/** Why a block was not imported: `code` for the caller's verdict (reject penalises the sender). */
export class GroupBlockError extends ChainError {
  constructor(
    code: string,
    message: string,
    readonly verdict: 'reject' | 'ignore',
    data?: Record<string, unknown>,
  ) {
    super(code, message, data)
  }
}

const invalid = (message: string): GroupBlockError =>
  new GroupBlockError(GroupErrorCode.BLOCK_INVALID, message, 'reject')

/**
 * One group chain on this node: its state (a sparse-Merkle-committed key-value set, like the main
 * chain's), its accumulator of block hashes, its pending transactions, and the two ways a block
 * arrives — produced here in this node's turn, or imported from a peer after every check. Writes
 * are serialised; each block is one atomic batch in the store.
 */
export class GroupChain {
  private state: CommittedState
  private mmr = new MerkleMountainRange()
  private headHeader: GroupBlockHeader | undefined
  private headHash: Uint8Array = ZERO32
  /** pending transactions in arrival order, and a view of the state with them applied */
  private readonly pool = new Map<string, GroupTx>()
  private poolState: StateOverlay
  private poolMessages = new Map<string, { author: string; deleted: boolean }>()
  /** when each pending transaction was last offered to peers (admitted, or offered again) */
  private readonly offeredAt = new Map<string, number>()
  /** ids whose signature this node checked (admission), so import does not verify them again */
  private readonly verified = new Set<string>()
  private firstPendingAt = 0
  private lastPruneAt = 0
  private timer: NodeJS.Timeout | undefined
  /** syncs in progress (`whileSyncing`): no block of our own meanwhile */
  private syncs = 0
  private lock: Promise<unknown> = Promise.resolve()
  private closed = false
  readonly opts: GroupChainOptions

  private constructor(
    readonly groupId: number,
    private readonly deps: GroupChainDeps,
    opts: Partial<GroupChainOptions>,
    state: CommittedState,
  ) {
    this.opts = { ...DEFAULT_GROUP_CHAIN_OPTIONS, ...opts }
    this.state = state
    this.poolState = new StateOverlay(state)
  }

  /** Loads the stored chain (state, accumulator, head). */
  static async open(
    groupId: number,
    deps: GroupChainDeps,
    opts: Partial<GroupChainOptions> = {},
  ): Promise<GroupChain> {
    const c = new GroupChain(groupId, deps, opts, CommittedState.empty())
    await c.reload()
    return c
  }

  private async reload(): Promise<void> {
    const { store } = this.deps
    this.state = CommittedState.fromEntries(await store.loadState())
    const hashes = await store.loadHashes()
    this.mmr = new MerkleMountainRange()
    for (const h of hashes) this.mmr.append(h)
    const head = await store.head()
    if (head === undefined || head.height === 0) {
      this.headHeader = undefined
      this.headHash = ZERO32
    } else {
      const b = await store.headerBlock(head.height)
      if (b === undefined) throw new Error(`group ${this.groupId}: head block ${head.height} is missing`)
      this.headHeader = b.header
      this.headHash = head.hash
      if (hashes.length !== head.height)
        throw new Error(`group ${this.groupId}: ${hashes.length} block hashes stored for head ${head.height}`)
      if (Buffer.compare(Buffer.from(this.state.root), Buffer.from(b.header.stateRoot)) !== 0)
        throw new Error(`group ${this.groupId}: stored state root differs from block ${head.height}'s`)
    }
    this.rebuildPool()
  }

  get height(): number {
    return this.headHeader?.height ?? 0
  }

  get hash(): Uint8Array {
    return this.headHash
  }

  get header(): GroupBlockHeader | undefined {
    return this.headHeader
  }

  get stateRoot(): Uint8Array {
    return this.state.root
  }

  get accumulatorRoot(): Uint8Array {
    return this.mmr.root()
  }

  get pending(): number {
    return this.pool.size
  }

  /** The head state (read-only). */
  get view(): StateReader {
    return this.state
  }

  /** The accumulator (proofs). */
  get accumulator(): MerkleMountainRange {
    return this.mmr
  }

  /** The block hash at `height` (1..head). */
  blockHash(height: number): Uint8Array {
    return this.mmr.leafAt(height - 1)
  }

  /** Whether this node's key is among the producers at the latest final state. */
  producing(): boolean {
    const key = this.deps.nodeKey
    const record = this.deps.main.view.latest
    return key !== undefined && record?.producers.includes(hex(key.publicKey)) === true
  }

  /**
   * Runs a sync from a peer (`revertTo` its fork point, then `importBlock` its blocks, each
   * serialised on its own) with production held: a block of this node's own produced between
   * those steps (the reverted transactions are back in the pool) would compete with the
   * peer's next one, and the sync would stop on it. Production resumes afterwards.
   */
  async whileSyncing<T>(fn: () => Promise<T>): Promise<T> {
    this.syncs++
    try {
      return await fn()
    } finally {
      this.syncs--
      if (this.syncs === 0) this.reschedule()
    }
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    await this.lock
  }

  // ---------------------------------------------------------------- admission

  /** The nonce an author signs next: above the state's and this node's pending ones. */
  nextNonce(address: string): number {
    return groupState.lastNonce(this.poolState, address) + 1
  }

  /** State with the pending transactions applied (what an author sees). */
  get pendingView(): StateReader {
    return this.poolState
  }

  /**
   * Checks a transaction (form, signature, the rules against the head state with the pending
   * ones applied, and the main chain's final state) and adds it to the pool. Throws ChainError.
   */
  async admit(bytes: Uint8Array): Promise<GroupTx> {
    const tx = decodeGroupTx(bytes)
    if (tx.body.groupId !== this.groupId)
      throw new ChainError(
        GroupErrorCode.MALFORMED,
        `transaction is for group ${tx.body.groupId}, not ${this.groupId}`,
      )
    if (this.pool.has(tx.id) || this.verified.has(tx.id))
      throw new ChainError(GroupErrorCode.ALREADY_KNOWN, `group transaction ${tx.id} is already known`)
    if (this.pool.size >= this.opts.maxPending)
      throw new ChainError(
        GroupErrorCode.POOL_FULL,
        `group ${this.groupId} has ${this.pool.size} pending transactions; try again shortly`,
      )
    if (!verifyGroupTxSignature(this.deps.chainId, tx))
      throw new ChainError(
        GroupErrorCode.BAD_SIGNATURE,
        "the signature is not the author key's over this chain's group-tx sign doc",
      )
    const deleted = tx.body.action.kind === 'delete' ? tx.body.action.messageId : undefined
    const stored = deleted === undefined ? undefined : await this.deps.store.message(deleted)
    const { state: finalState } = await this.deps.main.current()
    const group = this.currentView(finalState)
    const messages: MessageIndex = {
      get: (id) => this.poolMessages.get(id) ?? (id === deleted && stored !== undefined ? stored : undefined),
    }
    const ctx: ApplyContext = { timeMs: this.deps.now(), height: this.height + 1, group, messages }
    const snap = this.poolState.snapshot()
    let effect: GroupEffect
    try {
      effect = applyGroupTx(this.poolState, tx, ctx)
    } catch (e) {
      this.poolState.restore(snap)
      throw e
    }
    this.notePoolEffect(effect)
    this.verified.add(tx.id)
    if (this.verified.size > 4 * this.opts.maxPending) this.verified.clear()
    if (this.pool.size === 0) this.firstPendingAt = this.deps.now()
    this.pool.set(tx.id, tx)
    this.offeredAt.set(tx.id, this.deps.now())
    this.schedule()
    return tx
  }

  /**
   * The pending transactions last offered to peers `ageMs` or more ago, in arrival order, at most
   * `maxCount` and `maxBytes` of them, marked offered now. A pending transaction lives only in the pools of the
   * nodes that received its one gossip: a producer that was down or restarting when it went round
   * never saw it, one killed since has lost it, and the node that holds it would otherwise keep
   * it pending forever (and its author's later nonces with it).
   */
  takeStale(ageMs: number, maxCount: number, maxBytes: number): GroupTx[] {
    const now = this.deps.now()
    for (const id of this.offeredAt.keys()) if (!this.pool.has(id)) this.offeredAt.delete(id)
    const out: GroupTx[] = []
    let bytes = 0
    for (const tx of this.pool.values()) {
      if (now - (this.offeredAt.get(tx.id) ?? 0) < ageMs) continue
      if (out.length === maxCount || bytes + tx.bytes.length > maxBytes) break
      bytes += tx.bytes.length
      out.push(tx)
      this.offeredAt.set(tx.id, now)
    }
    return out
  }

  private notePoolEffect(effect: GroupEffect): void {
    if (effect.kind === 'post') this.poolMessages.set(effect.id, { author: effect.author, deleted: false })
    if (effect.kind === 'delete') {
      const m = this.poolMessages.get(effect.id)
      this.poolMessages.set(effect.id, { author: m?.author ?? effect.by, deleted: true })
    }
  }

  /** The group view at the latest final state (admission, building). */
  private currentView(finalState: StateReader): GroupView {
    const view = this.deps.main.view
    const record = view.latest
    if (record === undefined)
      throw new ChainError(GroupErrorCode.UNKNOWN_GROUP, `no group ${this.groupId} on the final main chain`)
    return {
      owner: record.owner,
      maxMembers: record.policy.maxMembers,
      gated: BigInt(record.policy.minGatBalance) > 0n,
      private: record.policy.private,
      frozen: record.frozen,
      holds: (address) => this.deps.main.holds(finalState, record, address),
    }
  }

  /** Re-applies the pending transactions on the new head state; those that no longer pass are dropped. */
  private rebuildPool(): void {
    this.poolState = new StateOverlay(this.state)
    this.poolMessages = new Map()
    if (this.pool.size === 0) return
    const record = this.deps.main.view.latest
    if (record === undefined) return
    const group: GroupView = {
      owner: record.owner,
      maxMembers: record.policy.maxMembers,
      gated: BigInt(record.policy.minGatBalance) > 0n,
      private: record.policy.private,
      frozen: record.frozen,
      // re-checked against the final state when the block is built
      holds: () => true,
    }
    const ctx: ApplyContext = {
      timeMs: this.deps.now(),
      height: this.height + 1,
      group,
      messages: { get: (id) => this.poolMessages.get(id) },
    }
    for (const [id, tx] of this.pool) {
      const snap = this.poolState.snapshot()
      try {
        this.notePoolEffect(applyGroupTx(this.poolState, tx, ctx))
      } catch (e) {
        this.poolState.restore(snap)
        // a delete of an earlier block's message: its record is in the store, checked when built
        if (e instanceof ChainError && e.code === GroupErrorCode.UNKNOWN_MESSAGE) continue
        this.pool.delete(id)
        this.deps.log.debug(
          { group: this.groupId, tx: id, err: (e as Error).message },
          'pending group transaction dropped',
        )
      }
    }
  }

  // ---------------------------------------------------------------- production

  /** Arms the production timer when this node produces the group and has something to put in a block. */
  schedule(delayMs?: number): void {
    if (this.closed || this.syncs > 0 || this.timer !== undefined || !this.producing()) return
    if (this.pool.size === 0 && this.pendingRemovals().length === 0) return
    const now = this.deps.now()
    const parentTime = this.headHeader?.timeMs ?? 0
    const wait = delayMs ?? Math.max(0, parentTime + this.opts.blockTimeMs - now)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.serialise(() => this.tryProduce()).catch((e: Error) =>
        this.deps.log.error({ group: this.groupId, err: e.message }, 'group block production failed'),
      )
    }, wait)
    this.timer.unref?.()
  }

  /** Drops the armed production timer (its height has passed) and arms one for the new head. */
  private reschedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.schedule()
  }

  /** Members a block made now would remove: holder-left events since the head's main height. */
  private pendingRemovals(): string[] {
    const view = this.deps.main.view
    const from = this.headHeader?.mainHeight ?? 0
    return view
      .leftBetween(from, view.height)
      .filter((a) => a !== view.latest?.owner && memberStore.has(this.state, a))
  }

  private async tryProduce(): Promise<void> {
    if (this.closed || this.syncs > 0 || !this.producing()) return
    const key = this.deps.nodeKey!
    const record = this.deps.main.view.latest!
    const now = this.deps.now()
    const height = this.height + 1
    const parentTime = this.headHeader?.timeMs ?? 0
    if (now < parentTime + this.opts.blockTimeMs) return this.schedule()
    const turnStart = Math.max(parentTime + this.opts.blockTimeMs, this.firstPendingAt)
    const me = hex(key.publicKey)
    const round = openRound(record.producers, me, height, turnStart, now, this.opts.turnTimeoutMs)
    if (round === undefined) {
      const elapsed = Math.max(0, now - turnStart)
      const current = Math.floor(elapsed / this.opts.turnTimeoutMs)
      const mine = nextRoundOf(record.producers, me, height, current + 1) ?? MAX_ROUND
      return this.schedule(turnStart + mine * this.opts.turnTimeoutMs - now)
    }
    await this.produce(round)
  }

  /** Builds, commits and publishes one block in `round`; nothing when no transaction passes. */
  private async produce(round: number): Promise<void> {
    const key = this.deps.nodeKey!
    const { height: finalHeight, state: finalState } = await this.deps.main.current()
    const parent = this.headHeader
    const mainHeight = Math.max(parent?.mainHeight ?? 0, finalHeight)
    const record = this.deps.main.view.recordAt(mainHeight)
    if (record === undefined) return
    const group = this.currentView(finalState)
    const removed = this.deps.main.view
      .leftBetween(parent?.mainHeight ?? 0, mainHeight)
      .filter((a) => a !== record.owner && groupState.isMember(this.state, group, a) && !group.holds(a))
    // arrival order: admission checked each against the ones before it (an author's nonces rise in it)
    const candidates = [...this.pool.values()]
    const picked: GroupTx[] = []
    let bytes = 0
    for (const tx of candidates) {
      if (picked.length >= this.opts.maxBlockTxs || bytes + tx.bytes.length > this.opts.maxBlockBytes) break
      picked.push(tx)
      bytes += tx.bytes.length
    }
    const messages = await this.messageLookup(picked)
    const timeMs = Math.max(this.deps.now(), parent?.timeMs ?? 0)
    const height = this.height + 1
    const ctx: ApplyContext = { timeMs, height, group, messages }
    const outcome = applyGroupBlock(this.state, picked, ctx, removed, 'build')
    for (const r of outcome.refused) {
      this.pool.delete(r.tx.id)
      this.deps.log.debug(
        { group: this.groupId, tx: r.tx.id, code: r.code },
        'group transaction refused when building',
      )
    }
    if (outcome.applied.length === 0 && removed.length === 0) {
      this.rebuildPool()
      return
    }
    const txs = outcome.applied.map((t) => (t as GroupTx).bytes)
    const tree = this.state.treeWith(outcome.overlay.changes())
    const header: GroupBlockHeader = {
      groupId: this.groupId,
      height,
      previousHash: this.headHash,
      producer: key.publicKey,
      timeMs,
      txRoot: rootOfLeaves(txs.map(leafHash)),
      stateRoot: tree.root,
      accumulatorRoot: this.mmr.root(),
      txCount: txs.length,
      mainHeight,
      round,
      removed,
    }
    const headerBytes = encodeGroupHeader(header)
    const hash = groupBlockHash(headerBytes)
    const block: GroupBlock = { header, txs, signature: signEd25519(key.privateKey, hash) }
    await this.commit({ block, headerBytes, hash }, outcome.overlay, outcome.effects, outcome.applied, tree)
    this.deps.publishBlock(encodeGroupBlock(block))
  }

  /** The message index for the deletes among `txs` (their targets are read from the store first). */
  private async messageLookup(txs: readonly (GroupTx | PrunedTx)[]): Promise<MessageIndex> {
    const found = new Map<string, MessageRecord>()
    for (const tx of txs) {
      if ('leafHash' in tx || tx.body.action.kind !== 'delete') continue
      const id = tx.body.action.messageId
      const m = await this.deps.store.message(id)
      if (m !== undefined) found.set(id, m)
    }
    return { get: (id) => found.get(id) }
  }

  // ---------------------------------------------------------------- import

  /** Imports a peer's block on top of the head (serialised). Throws GroupBlockError. */
  importBlock(bytes: Uint8Array): Promise<DecodedGroupBlock> {
    return this.serialise(() => this.importNow(bytes))
  }

  /** Reverts blocks down to `height` (serialised); their transactions go back to the pool. */
  revertTo(height: number): Promise<void> {
    return this.serialise(async () => {
      const back: Uint8Array[] = []
      while (this.height > height) {
        const b = await this.deps.store.block(this.height)
        if (b !== undefined) back.push(...b.txs.filter((t) => t.length > 0))
        await this.deps.store.revert(this.height)
        await this.reload()
      }
      for (const t of back) {
        try {
          const tx = decodeGroupTx(t)
          this.pool.set(tx.id, tx)
        } catch {
          // our own blocks held only well-formed transactions
        }
      }
      this.rebuildPool()
      this.reschedule()
    })
  }

  /** Checks a decoded block's header against the head and the turn rules, without its transactions. */
  checkHeader(d: DecodedGroupBlock): void {
    const h = d.block.header
    if (h.groupId !== this.groupId) throw invalid(`block is for group ${h.groupId}, not ${this.groupId}`)
    const view = this.deps.main.view
    if (h.mainHeight > view.height)
      throw new GroupBlockError(
        GroupErrorCode.BLOCK_INVALID,
        `block names main height ${h.mainHeight}, this node's final is ${view.height}`,
        'ignore',
      )
    const record = view.recordAt(h.mainHeight)
    if (record === undefined)
      throw new GroupBlockError(GroupErrorCode.UNKNOWN_GROUP, `no group ${this.groupId}`, 'ignore')
    if (record.producers.length === 0)
      throw new GroupBlockError(GroupErrorCode.BLOCK_NOT_PRODUCER, 'the group names no producers', 'reject')
    if (h.round > MAX_ROUND) throw invalid(`round ${h.round} is above ${MAX_ROUND}`)
    const expected = producerOf(record.producers, h.height, h.round)
    if (hex(h.producer) !== expected)
      throw new GroupBlockError(
        GroupErrorCode.BLOCK_NOT_PRODUCER,
        `block ${h.height} round ${h.round} is signed by ${hex(h.producer)}, not its producer ${expected}`,
        'reject',
      )
    if (!verifyEd25519(h.producer, d.hash, d.block.signature))
      throw new GroupBlockError(
        GroupErrorCode.BLOCK_BAD_SIGNATURE,
        "the block signature is not its producer's",
        'reject',
      )
    if (h.timeMs > this.deps.now() + this.opts.maxClockDriftMs)
      throw new GroupBlockError(
        GroupErrorCode.BLOCK_INVALID,
        `block time ${h.timeMs} is ahead of this node's clock`,
        'ignore',
      )
  }

  private async importNow(bytes: Uint8Array): Promise<DecodedGroupBlock> {
    let d: DecodedGroupBlock
    try {
      d = decodeGroupBlock(bytes)
    } catch (e) {
      throw invalid(`malformed group block: ${(e as Error).message}`)
    }
    const h = d.block.header
    this.checkHeader(d)
    if (h.height <= this.height) {
      if (Buffer.from(this.blockHash(h.height)).equals(Buffer.from(d.hash)))
        throw new GroupBlockError(
          GroupErrorCode.BLOCK_INVALID,
          `block ${h.height} is already stored`,
          'ignore',
        )
      throw new GroupBlockError('GROUP_BLOCK_FORK', `block ${h.height} competes with this node's`, 'ignore', {
        height: h.height,
      })
    }
    if (h.height > this.height + 1)
      throw new GroupBlockError(
        'GROUP_BLOCK_GAP',
        `block ${h.height} is ahead of this node's head ${this.height}`,
        'ignore',
        {
          height: h.height,
        },
      )
    if (!Buffer.from(h.previousHash).equals(Buffer.from(this.headHash)))
      throw new GroupBlockError('GROUP_BLOCK_FORK', `block ${h.height} builds on another parent`, 'ignore', {
        height: h.height,
      })
    const parent = this.headHeader
    if (parent !== undefined && (h.timeMs < parent.timeMs || h.mainHeight < parent.mainHeight))
      throw invalid('block time or main height goes back')
    if (!Buffer.from(h.accumulatorRoot).equals(Buffer.from(this.mmr.root())))
      throw invalid('accumulator root does not match the chain')
    // transactions: decode, check signatures (once), then the rules
    const pruned = new Map((d.block.pruned ?? []).map((p) => [p.index, p]))
    const items: (GroupTx | PrunedTx)[] = []
    const leaves: Uint8Array[] = []
    let size = 0
    for (let i = 0; i < d.block.txs.length; i++) {
      const p = pruned.get(i)
      if (p !== undefined) {
        items.push(p)
        leaves.push(p.leafHash)
        continue
      }
      const raw = d.block.txs[i]!
      size += raw.length
      let tx: GroupTx
      try {
        tx = decodeGroupTx(raw)
      } catch (e) {
        throw invalid(`transaction ${i}: ${(e as Error).message}`)
      }
      if (tx.body.groupId !== this.groupId) throw invalid(`transaction ${i} is for group ${tx.body.groupId}`)
      if (!this.verified.has(tx.id) && !verifyGroupTxSignature(this.deps.chainId, tx))
        throw new GroupBlockError(
          GroupErrorCode.BAD_SIGNATURE,
          `transaction ${i} has a bad signature`,
          'reject',
        )
      items.push(tx)
      leaves.push(leafHash(raw))
    }
    if (size > this.opts.maxBlockBytes || items.length > this.opts.maxBlockTxs)
      throw invalid('block is over the size limits')
    if (!Buffer.from(rootOfLeaves(leaves)).equals(Buffer.from(h.txRoot)))
      throw invalid('tx root does not match the transactions')
    const { state: finalState } = await this.deps.main.current()
    const record = this.deps.main.view.recordAt(h.mainHeight)!
    const group = groupViewAt(this.deps.main.view, h.mainHeight, (a) =>
      this.deps.main.holds(finalState, record, a),
    )
    if (group === undefined)
      throw new GroupBlockError(GroupErrorCode.UNKNOWN_GROUP, `no group ${this.groupId}`, 'ignore')
    for (const a of h.removed) {
      if (!groupState.isMember(this.state, group, a) || a === group.owner)
        throw invalid(`removed ${a} is not a member`)
      if (group.holds(a)) throw invalid(`removed ${a} still holds the gate at main height ${h.mainHeight}`)
    }
    const messages = await this.messageLookup(items)
    let outcome: ReturnType<typeof applyGroupBlock>
    try {
      outcome = applyGroupBlock(
        this.state,
        items,
        { timeMs: h.timeMs, height: h.height, group, messages },
        h.removed,
        'check',
      )
    } catch (e) {
      const code = e instanceof ChainError ? e.code : GroupErrorCode.BLOCK_INVALID
      throw new GroupBlockError(code, `block ${h.height}: ${(e as Error).message}`, 'reject')
    }
    const tree = this.state.treeWith(outcome.overlay.changes())
    if (!Buffer.from(tree.root).equals(Buffer.from(h.stateRoot)))
      throw invalid('state root does not match the transactions')
    await this.commit(d, outcome.overlay, outcome.effects, items, tree)
    return d
  }

  // ---------------------------------------------------------------- commit

  private async commit(
    d: DecodedGroupBlock,
    overlay: StateOverlay,
    effects: readonly GroupEffect[],
    items: readonly (GroupTx | PrunedTx)[],
    tree: ReturnType<CommittedState['treeWith']>,
  ): Promise<void> {
    const { block, hash } = d
    const h = block.header
    const changes = overlay.changes()
    const previous = new Map<string, Uint8Array | null>()
    for (const k of changes.keys()) previous.set(k, this.state.get(k) ?? null)
    const messages = new Map<string, { record: MessageRecord; previous: MessageRecord | undefined }>()
    const tombstones: { height: number; index: number; pruned: PrunedTx }[] = []
    const views: GroupMessageView[] = []
    const postIndex = new Map<string, number>()
    items.forEach((t, i) => {
      if (!('leafHash' in t) && t.body.action.kind === 'post') postIndex.set(t.id, i)
    })
    for (const e of effects) {
      if (e.kind === 'post') {
        const i = postIndex.get(e.id)!
        const tx = items[i] as GroupTx
        const action = tx.body.action as { contentType: string; content: Uint8Array }
        const record: MessageRecord = {
          height: h.height,
          index: i,
          author: e.author,
          timeMs: h.timeMs,
          contentType: action.contentType,
          deleted: false,
          pruned: false,
        }
        messages.set(e.id, { record, previous: undefined })
        views.push(messageView(e.id, record, action.content))
      } else if (e.kind === 'delete') {
        const local = messages.get(e.id)
        const before = local?.record ?? (await this.deps.store.message(e.id))
        if (before === undefined) continue
        const record: MessageRecord = { ...before, deleted: true, deletedBy: e.by }
        messages.set(e.id, { record, previous: local === undefined ? before : local.previous })
        if (local !== undefined) {
          // posted and deleted in this block: store the slot as a tombstone right away
          const tx = items[before.index] as GroupTx
          const p: PrunedTx = {
            index: before.index,
            leafHash: leafHash(tx.bytes),
            author: tx.author,
            nonce: tx.body.nonce,
          }
          block.pruned = [...(block.pruned ?? []), p]
          block.txs[before.index] = new Uint8Array(0)
        } else {
          const slot = await this.deps.store.tx(before.height, before.index)
          if (slot instanceof Uint8Array) {
            const tx = decodeGroupTx(slot)
            tombstones.push({
              height: before.height,
              index: before.index,
              pruned: {
                index: before.index,
                leafHash: leafHash(slot),
                author: tx.author,
                nonce: tx.body.nonce,
              },
            })
          }
        }
        views.push(messageView(e.id, record, undefined))
      }
    }
    await this.deps.store.commit({ decoded: d, changes, previous, messages, tombstones })
    this.state.apply(changes, tree)
    this.mmr.append(hash)
    this.headHeader = h
    this.headHash = hash
    for (const t of items) if (!('leafHash' in t)) this.pool.delete(t.id)
    this.firstPendingAt = this.deps.now()
    this.rebuildPool()
    this.deps.log.debug(
      { group: this.groupId, height: h.height, round: h.round, txs: items.length, pending: this.pool.size },
      'group block committed',
    )
    this.deps.onCommit(block, hash, views)
    // a new head is a new height: the turn (and the timer armed for the old one) starts over
    this.reschedule()
    await this.applyRetention()
  }

  /** Drops content past the rules' retention (at most once a minute). */
  private async applyRetention(): Promise<void> {
    const days = groupState.rules(this.state).retentionDays
    const now = this.deps.now()
    if (days === 0 || now - this.lastPruneAt < 60_000) return
    this.lastPruneAt = now
    const n = await this.deps.store.pruneOlderThan(now - days * 86_400_000)
    if (n > 0)
      this.deps.log.info(
        { group: this.groupId, pruned: n, retentionDays: days },
        'group content past retention pruned',
      )
  }

  /** Whether the state at the head says `address` is a member. */
  isMember(address: string): boolean {
    return address === this.deps.main.view.latest?.owner || memberStore.has(this.state, address)
  }
}

/** The RPC view of a stored message. */
export function messageView(id: string, r: MessageRecord, content: Uint8Array | undefined): GroupMessageView {
  const v: GroupMessageView = {
    id,
    author: r.author,
    timeMs: r.timeMs,
    height: r.height,
    index: r.index,
    contentType: r.contentType,
    content: r.deleted || r.pruned || content === undefined ? null : Buffer.from(content).toString('base64'),
    deleted: r.deleted,
    pruned: r.pruned,
  }
  if (r.deletedBy !== undefined) v.deletedBy = r.deletedBy
  return v
}
