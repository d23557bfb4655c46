import { ChainError, ChainErrorCode } from '../errors.js'
import type { AccountInfo, BlockInfo, ExecutedTx, PreparedTx, StateMachine } from '../stateMachine.js'
import { StateOverlay } from '../store/overlay.js'
import type { StateReader, StateWriter } from '../store/types.js'

/** Mempool limits. */
export interface MempoolOptions {
  /** most transactions held */
  maxTxs: number
  /** most bytes of raw transactions held */
  maxBytes: number
  /** a transaction still pending this many blocks after admission is evicted */
  ttlBlocks: number
}

/** Defaults sized for a 2 s block of up to 10,000 transfers. */
export const DEFAULT_MEMPOOL_OPTIONS: MempoolOptions = {
  maxTxs: 20_000,
  maxBytes: 32 * 1024 * 1024,
  ttlBlocks: 300,
}

/** What the mempool needs from the chain: the committed state and the block the next transaction would land in. */
export interface MempoolChainView {
  readonly state: StateReader
  nextBlockInfo(): BlockInfo
}

/**
 * What a pending transaction's check depends on and changes, for the partial recheck (see
 * {@link RecheckScope}): it reads and writes its signer's account keys, and only adds amounts
 * to its recipients' (an addition that cannot fail: the recipients exist).
 */
export interface TxFootprint {
  signer: string
  credits: readonly { to: string; amount: bigint }[]
  /** its check depends on the block height (a timeout height, a vesting signer): rechecked after every block */
  everyBlock: boolean
}

/**
 * What lets the mempool recheck only the accounts a block touched instead of every pending
 * transaction (docs/adr/014-admission-pipeline.md). The token module supplies it
 * (`modules/token/recheckScope.ts`); without one every block is a full recheck.
 */
export interface RecheckScope {
  /**
   * The transaction's footprint, evaluated against the state it is checked on; undefined when
   * its check may read or write anything else (then a block means a full recheck while it is
   * pending).
   */
  footprint(p: PreparedTx, state: StateReader): TxFootprint | undefined
  /**
   * The account a state key belongs to; null for a key no footprinted check decides anything
   * on (a supply counter that is only added to); undefined for any other key (a block that
   * wrote it means a full recheck).
   */
  accountOfKey(key: string): string | null | undefined
  /** Adds `amount` to an existing account, exactly as a footprinted transaction's credit does. */
  credit(state: StateWriter, to: string, amount: bigint): void
}

/** How the last recheck ran (tests and the bench read it). */
export interface RecheckStats {
  full: number
  partial: number
  /** transactions re-executed by partial rechecks */
  partialRechecked: number
  /** transactions kept by partial rechecks without re-executing them */
  partialKept: number
}

function touchAll(touched: Set<string>, fp: TxFootprint): void {
  touched.add(fp.signer)
  for (const c of fp.credits) touched.add(c.to)
}

/** Fee per byte, scaled by 10^6: the eviction order. */
function priorityOf(p: PreparedTx): bigint {
  return (p.tx.fee * 1_000_000n) / BigInt(p.tx.raw.length)
}

interface Entry {
  prepared: PreparedTx
  addedAtHeight: number
  /** fee per byte, scaled, for eviction order */
  priority: bigint
  /** admitted, but not offered to a proposer until `release` (its journal record is being written) */
  held: boolean
  /** what its check touched, against the check state it was last checked on */
  footprint: TxFootprint | undefined
}

/** How a transaction is admitted. */
export interface AdmitOptions {
  /**
   * keep it from proposers until `release` (or `discard`): the RPC path holds a transaction
   * while its journal record is fsynced, so a block never includes one whose acceptance failed
   */
  held?: boolean
  /**
   * the height it was first admitted for (a transaction replayed from the journal keeps its
   * age); refused with TX_EXPIRED when that is ttlBlocks or more ago
   */
  addedAtHeight?: number
  /** the transaction already prepared from `raw` (the admission queue decodes once) */
  prepared?: PreparedTx
}

/**
 * Pending transactions. Each is checked in full before admission (decode, signature, chain id,
 * sequence, fee, balance and its messages) against a "check state": the committed state plus
 * every pending transaction applied in order, so a sender can queue sequences n, n+1, n+2.
 * Order is first come, first served, which keeps each account's sequences in order.
 * After each block the check state is rebuilt and the remaining transactions re-checked: only
 * those of the accounts the block touched when a {@link RecheckScope} allows it (the result is
 * the same as a full recheck: chain/mempool/recheck.test.ts), every one otherwise.
 */
export class Mempool {
  private readonly entries = new Map<string, Entry>()
  private bytes = 0
  private checkState: StateOverlay
  /** how rechecks after blocks ran */
  readonly recheckStats: RecheckStats = { full: 0, partial: 0, partialRechecked: 0, partialKept: 0 }

  constructor(
    private readonly opts: MempoolOptions,
    private readonly deps: { machine: StateMachine; chain: MempoolChainView; recheckScope?: RecheckScope },
  ) {
    this.checkState = new StateOverlay(deps.chain.state)
  }

  /** Number of pending transactions. */
  get size(): number {
    return this.entries.size
  }

  /** Bytes of pending transactions. */
  get sizeBytes(): number {
    return this.bytes
  }

  has(hashHex: string): boolean {
    return this.entries.has(hashHex)
  }

  get(hashHex: string): PreparedTx | undefined {
    return this.entries.get(hashHex)?.prepared
  }

  /**
   * An account as the next transaction must see it: its number, and a sequence that counts the
   * account's transactions already pending here (the check state has them applied).
   */
  nextAccount(address: string): AccountInfo | undefined {
    return this.deps.machine.account(this.checkState, address)
  }

  /**
   * Pending transactions in admission order (what a proposer includes), up to the first held
   * one: what was admitted after it may depend on it (the same sender's next sequence).
   */
  pending(limit = Number.POSITIVE_INFINITY): PreparedTx[] {
    const out: PreparedTx[] = []
    for (const e of this.entries.values()) {
      if (out.length >= limit || e.held) break
      out.push(e.prepared)
    }
    return out
  }

  /** Admits raw transaction bytes or throws a ChainError saying why not. Nothing is kept on failure. */
  add(raw: Uint8Array, opts: AdmitOptions = {}): PreparedTx {
    const height = this.deps.chain.nextBlockInfo().height
    if (opts.addedAtHeight !== undefined && height - opts.addedAtHeight >= this.opts.ttlBlocks) {
      throw new ChainError(
        ChainErrorCode.TX_EXPIRED,
        `transaction was admitted for block ${opts.addedAtHeight}, ${this.opts.ttlBlocks} or more blocks ago`,
      )
    }
    const prepared = opts.prepared ?? this.deps.machine.prepare(raw)
    if (this.entries.has(prepared.tx.hashHex)) {
      throw new ChainError(
        ChainErrorCode.TX_ALREADY_KNOWN,
        `transaction ${prepared.tx.hashHex} is already pending`,
      )
    }
    const priority = priorityOf(prepared)
    if (this.isFullFor(raw.length)) {
      // Check before evicting: a transaction that fails anyway (a forged signature claiming a
      // high fee) must not flush the pool. The check's writes are undone; it runs again below.
      const snapshot = this.checkState.snapshot()
      this.deps.machine.checkTx(this.deps.chain.nextBlockInfo(), this.checkState, prepared)
      this.checkState.restore(snapshot)
      this.makeRoom(raw.length, priority, prepared.tx.signer)
    }
    const footprint = this.deps.recheckScope?.footprint(prepared, this.checkState)
    this.deps.machine.checkTx(this.deps.chain.nextBlockInfo(), this.checkState, prepared)
    this.entries.set(prepared.tx.hashHex, {
      prepared,
      addedAtHeight: opts.addedAtHeight ?? height,
      priority,
      held: opts.held === true,
      footprint,
    })
    this.bytes += raw.length
    return prepared
  }

  private isFullFor(bytes: number): boolean {
    return this.entries.size + 1 > this.opts.maxTxs || this.bytes + bytes > this.opts.maxBytes
  }

  /**
   * Evicts the cheapest tails of account queues if the pool is full and the newcomer pays more
   * per byte; otherwise refuses it. Only tails are evicted so no sequence gap is left behind,
   * and never the newcomer's own (it would then have a gap itself).
   */
  private makeRoom(bytes: number, priority: bigint, signer: string): void {
    if (!this.isFullFor(bytes)) return
    const tails = new Map<string, [string, Entry]>()
    for (const [h, e] of this.entries)
      if (e.prepared.tx.signer !== signer) tails.set(e.prepared.tx.signer, [h, e])
    const candidates = [...tails.values()].sort((a, b) => (a[1].priority < b[1].priority ? -1 : 1))
    const evict: string[] = []
    let count = this.entries.size
    let size = this.bytes
    for (const [h, e] of candidates) {
      if (count + 1 <= this.opts.maxTxs && size + bytes <= this.opts.maxBytes) break
      if (e.priority >= priority) break
      evict.push(h)
      count--
      size -= e.prepared.tx.raw.length
    }
    if (count + 1 > this.opts.maxTxs || size + bytes > this.opts.maxBytes) {
      throw new ChainError(
        ChainErrorCode.MEMPOOL_FULL,
        `mempool is full (${this.entries.size} transactions, ${this.bytes} bytes); retry later or pay a higher fee per byte`,
      )
    }
    for (const h of evict) this.remove(h)
    this.recheck()
  }

  /**
   * Simulates a transaction (unsigned, `StateMachine.simulateTx`) as the next one after the
   * pending ones: against the check state, every write undone. Throws what the ante step
   * throws; a failing message is the failed result.
   */
  simulate(raw: Uint8Array): ExecutedTx {
    const prepared = this.deps.machine.prepare(raw, undefined, { simulate: true })
    return this.deps.machine.simulateTx(this.deps.chain.nextBlockInfo(), this.checkState, prepared)
  }

  /** Offers a held transaction to proposers. */
  release(hashHex: string): void {
    const e = this.entries.get(hashHex)
    if (e !== undefined) e.held = false
  }

  /**
   * Takes back a transaction whose acceptance failed (its journal record could not be written);
   * what was admitted after it and no longer passes without it goes too.
   */
  discard(hashHex: string): void {
    if (!this.entries.has(hashHex)) return
    this.remove(hashHex)
    this.recheck()
  }

  private remove(hashHex: string): void {
    const e = this.entries.get(hashHex)
    if (e === undefined) return
    this.entries.delete(hashHex)
    this.bytes -= e.prepared.tx.raw.length
  }

  /**
   * Drops transactions a block included, then re-checks the rest against the new state.
   * `changedKeys`: the state keys the block wrote (`CommittedBlock.changes`); with them and a
   * recheck scope, only the transactions connected to the accounts the block touched are
   * re-executed (see `recheckTouched`); without them, every one.
   */
  update(includedHashes: Iterable<string>, changedKeys?: Iterable<string>): void {
    const scope = this.deps.recheckScope
    // the accounts whose state differs from what the pending checks saw; undefined: unknown
    let touched: Set<string> | undefined =
      scope === undefined || changedKeys === undefined ? undefined : new Set()
    const touch = (e: Entry): void => {
      if (touched === undefined) return
      if (e.footprint === undefined) touched = undefined
      else touchAll(touched, e.footprint)
    }
    for (const h of includedHashes) {
      const e = this.entries.get(h)
      if (e !== undefined) touch(e)
      this.remove(h)
    }
    const height = this.deps.chain.nextBlockInfo().height
    for (const [h, e] of this.entries) {
      // added for block `addedAtHeight`: after ttlBlocks blocks without it, it goes
      if (height - e.addedAtHeight >= this.opts.ttlBlocks) {
        touch(e)
        this.remove(h)
      }
    }
    if (touched !== undefined && scope !== undefined && changedKeys !== undefined) {
      for (const key of changedKeys) {
        const a = scope.accountOfKey(key)
        if (a === undefined) {
          touched = undefined
          break
        }
        if (a !== null) touched.add(a)
      }
    }
    if (touched !== undefined) {
      for (const e of this.entries.values()) {
        if (e.footprint === undefined) {
          touched = undefined
          break
        }
        if (e.footprint.everyBlock) touchAll(touched, e.footprint)
      }
    }
    if (touched === undefined || scope === undefined || !this.recheckTouched(touched, scope)) this.recheck()
  }

  /**
   * The partial recheck. An account is dirty when the block touched it, or when a pending
   * transaction of a dirty signer pays it (that transaction may now fail, so what the account
   * received may change): the closure, in any order, over the pending footprints. A transaction
   * of a clean signer depends only on clean keys, which the block left as they were: it passes
   * as before and is not re-executed; the check state's keys of clean accounts (its effects
   * included) are copied over. Then in admission order against the new state: a transaction of
   * a dirty signer is re-executed (dropped if it fails), and one of a clean signer only repeats
   * its credits to dirty accounts, so every dirty account sees, at each point, the same amounts
   * a full recheck would give it. The unread counters (`null` keys) then only hold the
   * re-executed transactions' additions. False when the check state holds a key the scope does
   * not know (the caller then rechecks in full).
   */
  private recheckTouched(dirty: Set<string>, scope: RecheckScope): boolean {
    const bySigner = new Map<string, Entry[]>()
    for (const e of this.entries.values()) {
      const list = bySigner.get(e.footprint!.signer)
      if (list === undefined) bySigner.set(e.footprint!.signer, [e])
      else list.push(e)
    }
    const work = [...dirty]
    for (let a = work.pop(); a !== undefined; a = work.pop()) {
      for (const e of bySigner.get(a) ?? []) {
        for (const c of e.footprint!.credits) {
          if (dirty.has(c.to)) continue
          dirty.add(c.to)
          work.push(c.to)
        }
      }
    }

    const next = new StateOverlay(this.deps.chain.state)
    for (const [key, value] of this.checkState.changes()) {
      const a = scope.accountOfKey(key)
      if (a === undefined) return false
      if (a === null || dirty.has(a)) continue
      if (value === null) next.delete(key)
      else next.set(key, value)
    }
    this.checkState = next
    const info = this.deps.chain.nextBlockInfo()
    let rechecked = 0
    let kept = 0
    for (const [h, e] of [...this.entries]) {
      const fp = e.footprint!
      if (!dirty.has(fp.signer)) {
        kept++
        for (const c of fp.credits) if (dirty.has(c.to)) scope.credit(next, c.to, c.amount)
        continue
      }
      rechecked++
      try {
        const footprint = scope.footprint(e.prepared, next)
        this.deps.machine.checkTx(info, next, e.prepared)
        e.footprint = footprint
      } catch {
        this.remove(h)
      }
    }
    this.recheckStats.partial++
    this.recheckStats.partialRechecked += rechecked
    this.recheckStats.partialKept += kept
    return true
  }

  /**
   * After blocks were reverted (fork choice): puts their transactions back ahead of the pending
   * ones, in block order, and re-checks everything against the reverted state; what no longer
   * passes (or no longer decodes) is dropped.
   */
  restore(raws: Iterable<Uint8Array>): void {
    const pending = [...this.entries]
    this.entries.clear()
    this.bytes = 0
    const height = this.deps.chain.nextBlockInfo().height
    for (const raw of raws) {
      let prepared: PreparedTx
      try {
        prepared = this.deps.machine.prepare(raw)
      } catch {
        continue
      }
      this.entries.set(prepared.tx.hashHex, {
        prepared,
        addedAtHeight: height,
        priority: priorityOf(prepared),
        held: false,
        footprint: undefined,
      })
    }
    for (const [h, e] of pending) if (!this.entries.has(h)) this.entries.set(h, e)
    for (const e of this.entries.values()) this.bytes += e.prepared.tx.raw.length
    this.recheck()
  }

  /** Rebuilds the check state from the committed state, dropping what no longer passes. */
  private recheck(): void {
    this.checkState = new StateOverlay(this.deps.chain.state)
    const info = this.deps.chain.nextBlockInfo()
    for (const [h, e] of [...this.entries]) {
      try {
        const footprint = this.deps.recheckScope?.footprint(e.prepared, this.checkState)
        this.deps.machine.checkTx(info, this.checkState, e.prepared)
        e.footprint = footprint
      } catch {
        this.remove(h)
      }
    }
    this.recheckStats.full++
  }

  /** The check state (committed state plus the pending transactions), read-only: tests compare it. */
  get checkView(): StateReader {
    return this.checkState
  }
}
