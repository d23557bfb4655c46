import { ChainError, ChainErrorCode } from '../errors.js'
import type { JournalRecord } from '../store/chainDb.js'
import { txHashHex } from '../tx/decodeTx.js'

/**
 * Where the journal keeps its records (`ChainDb` implements it with the `j:` key space of the
 * node's database, outside the state). `writeJournal` applies the puts, then the deletes, in
 * one atomic batch; with `sync` it resolves once the batch, and every write before it, is on
 * disk. `sync` makes every earlier write durable.
 */
export interface JournalStore {
  readJournal(): Promise<JournalRecord[]>
  writeJournal(
    puts: readonly JournalRecord[],
    dels: readonly number[],
    opts: { sync: boolean },
  ): Promise<void>
  sync(): Promise<void>
}

/** Structural metrics hooks (the node wires prom-client's `gather_tx_journal_*` here). */
export interface TxJournalMetrics {
  /** one write + fsync round carrying `appends` new transactions (0: a barrier for deletes) */
  onSync?(seconds: number, appends: number): void
  /** records in the journal after a change */
  onRecords?(count: number): void
  /** a write failed: its appends were refused */
  onError?(): void
  /** a replay on start: transactions back in the mempool, records dropped */
  onReplay?(readmitted: number, dropped: number): void
}

/** A journaled transaction as replay hands it back. */
export interface JournalEntry {
  /** upper-case hex of sha256(raw), the mempool's key */
  hash: string
  raw: Uint8Array
  /** the height of the block the transaction was admitted for (the mempool's TTL counts from it) */
  addedAtHeight: number
}

/** What a replay did: how many transactions came back, and each dropped record with why. */
export interface ReplayResult {
  readmitted: number
  dropped: { hash: string; code: string }[]
}

const RECORD_VERSION = 1
const HEADER_BYTES = 1 + 8

/** A record's bytes: version, admission height (u64 BE), the raw transaction. */
export function encodeJournalEntry(raw: Uint8Array, addedAtHeight: number): Uint8Array {
  const out = Buffer.alloc(HEADER_BYTES + raw.length)
  out.writeUInt8(RECORD_VERSION, 0)
  out.writeBigUInt64BE(BigInt(addedAtHeight), 1)
  out.set(raw, HEADER_BYTES)
  return out
}

/** The entry of a record's bytes, or undefined when they are not a record this version writes. */
export function decodeJournalEntry(value: Uint8Array): JournalEntry | undefined {
  if (value.length <= HEADER_BYTES || value[0] !== RECORD_VERSION) return undefined
  const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  const raw = new Uint8Array(b.subarray(HEADER_BYTES))
  return { hash: txHashHex(raw), raw, addedAtHeight: Number(b.readBigUInt64BE(1)) }
}

interface Round {
  puts: (JournalRecord & { hash: string })[]
  waiters: { resolve: () => void; reject: (e: Error) => void }[]
}

const emptyRound = (): Round => ({ puts: [], waiters: [] })

/**
 * The journal of transactions this node accepted over RPC (docs/adr/005-transaction-journal.md):
 * each is written and fsynced before `tx_broadcast` answers, replayed into the mempool on start,
 * and deleted once it is no longer pending (committed, or dropped by the mempool).
 *
 * Group commit: one write + fsync is in flight at a time; appends that arrive meanwhile wait and
 * go together in the next one, so under concurrent submissions the number of fsyncs (`syncs`)
 * stays far below the number of appends.
 *
 * Deletes wait for a sync: a record is deleted only once a synced write that started after its
 * transaction left the mempool has completed (the next append round, or a barrier write when
 * there is none). A crash, power loss included, can then never keep the delete and lose the
 * block that made it, whether or not the block's own write was synced (ChainDb syncs it today;
 * the journal does not rely on that).
 */
export class TxJournal {
  /** hash → record sequence of every live record (written or on its way) */
  private readonly index = new Map<string, number>()
  private nextSeq: number
  private round = emptyRound()
  /** records to delete whose reason (a block, a replay against the state) may not be durable yet */
  private unsettledDels: number[] = []
  /** records to delete once nothing they depend on can be lost */
  private settledDels: number[] = []
  private writing = false
  private drained: Promise<void> = Promise.resolve()
  private closed = false
  private recovered: JournalRecord[] | undefined
  /** settles after the latest append's write (and so after every earlier one's) */
  private lastAppend: Promise<void> = Promise.resolve()
  /** synced writes: append rounds, and barriers for deletes */
  syncs = 0
  /** transactions appended (and synced) */
  appends = 0

  private constructor(
    private readonly store: JournalStore,
    recovered: JournalRecord[],
    private readonly metrics: TxJournalMetrics | undefined,
  ) {
    this.recovered = recovered
    this.nextSeq = recovered.reduce((m, r) => Math.max(m, r.seq + 1), 0)
  }

  /** Reads the stored records; `replay` hands them to the mempool before anything is appended. */
  static async open(store: JournalStore, deps: { metrics?: TxJournalMetrics } = {}): Promise<TxJournal> {
    return new TxJournal(store, await store.readJournal(), deps.metrics)
  }

  /** Live records (appended, not yet removed). */
  get size(): number {
    return this.index.size
  }

  /** True when the transaction has a live record. */
  has(hash: string): boolean {
    return this.index.has(hash)
  }

  /**
   * Hands every stored transaction, in admission order, to `admit` (which throws a ChainError
   * when the mempool refuses it); refused and unreadable records are deleted. Once only.
   */
  async replay(admit: (entry: JournalEntry) => void): Promise<ReplayResult> {
    const records = this.recovered ?? []
    this.recovered = undefined
    const dropped: ReplayResult['dropped'] = []
    let readmitted = 0
    for (const r of records) {
      const entry = decodeJournalEntry(r.value)
      if (entry === undefined) {
        dropped.push({ hash: '', code: 'JOURNAL_RECORD_UNREADABLE' })
        this.unsettledDels.push(r.seq)
        continue
      }
      try {
        if (this.index.has(entry.hash)) {
          throw new ChainError(
            ChainErrorCode.TX_ALREADY_KNOWN,
            `transaction ${entry.hash} is journaled twice`,
          )
        }
        admit(entry)
        this.index.set(entry.hash, r.seq)
        readmitted++
      } catch (e) {
        dropped.push({ hash: entry.hash, code: e instanceof ChainError ? e.code : 'ERROR' })
        this.unsettledDels.push(r.seq)
      }
    }
    this.metrics?.onReplay?.(readmitted, dropped.length)
    this.schedule()
    await this.flush()
    return { readmitted, dropped }
  }

  /**
   * Writes a transaction's record; resolves once it is on disk (with whatever else arrived
   * while the previous fsync ran). Rejects with TX_JOURNAL_FAILED when the write fails: the
   * caller must then not accept the transaction.
   */
  append(hash: string, raw: Uint8Array, addedAtHeight: number): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new ChainError('NODE_STOPPED', 'node is stopping: the transaction was not accepted'),
      )
    }
    if (this.index.has(hash)) return this.flush()
    const seq = this.nextSeq++
    this.index.set(hash, seq)
    const written = new Promise<void>((resolve, reject) => {
      this.round.puts.push({ seq, value: encodeJournalEntry(raw, addedAtHeight), hash })
      this.round.waiters.push({ resolve, reject })
      this.schedule()
    })
    this.lastAppend = written.catch(() => undefined)
    return written
  }

  /**
   * Resolves once every append made so far is written or refused, without waiting for later
   * ones (a proposer waits for this, not for `flush`, which a steady load could keep busy). The
   * appending callers' own continuations run first.
   */
  settled(): Promise<void> {
    return this.lastAppend
  }

  /**
   * Compaction: deletes the record of every transaction `keep` says is no longer pending
   * (committed in a block, or dropped by the mempool), after the next synced write (see the
   * class comment) and so after the record's own write. Returns how many were removed.
   */
  retain(keep: (hash: string) => boolean): number {
    let removed = 0
    for (const [hash, seq] of this.index) {
      if (keep(hash)) continue
      this.index.delete(hash)
      this.unsettledDels.push(seq)
      removed++
    }
    if (removed > 0) this.schedule()
    return removed
  }

  /** Resolves when every append and delete made so far is written (deletes after their barrier). */
  async flush(): Promise<void> {
    while (this.writing) await this.drained
  }

  /** Writes what is queued, then refuses new appends (NODE_STOPPED). */
  async close(): Promise<void> {
    this.closed = true
    await this.flush()
  }

  private schedule(): void {
    if (this.writing) return
    this.writing = true
    // the first write starts after the current task, so appends made in the same tick (a
    // JSON-RPC batch) share it
    this.drained = Promise.resolve().then(() => this.drain())
  }

  private async drain(): Promise<void> {
    for (;;) {
      const round = this.round
      const settling = this.unsettledDels
      const dels = this.settledDels
      if (round.puts.length === 0 && settling.length === 0 && dels.length === 0) {
        // checked and cleared in one step: an append after this starts a new drain
        this.writing = false
        return
      }
      this.round = emptyRound()
      this.unsettledDels = []
      this.settledDels = []
      await this.write(round, dels, settling)
    }
  }

  /**
   * One write: the round's appends and the settled deletes, synced when there are appends or
   * deletes to settle (the sync is their barrier; with nothing else to write it is a barrier
   * alone). A failure refuses the appends; its deletes are dropped (the next start's replay
   * drops those records again) rather than retried against a failing disk.
   */
  private async write(round: Round, dels: number[], settling: number[]): Promise<void> {
    const sync = round.puts.length > 0 || settling.length > 0
    const started = performance.now()
    try {
      if (round.puts.length === 0 && dels.length === 0) await this.store.sync()
      else await this.store.writeJournal(round.puts, dels, { sync })
    } catch (e) {
      for (const p of round.puts) if (this.index.get(p.hash) === p.seq) this.index.delete(p.hash)
      this.metrics?.onError?.()
      this.metrics?.onRecords?.(this.index.size)
      const err = new ChainError(
        ChainErrorCode.TX_JOURNAL_FAILED,
        `this node could not write its transaction journal (${(e as Error).message}); the transaction was not accepted: retry later or submit it to another node`,
      )
      for (const w of round.waiters) w.reject(err)
      return
    }
    if (sync) {
      this.syncs++
      this.appends += round.puts.length
      this.metrics?.onSync?.((performance.now() - started) / 1000, round.puts.length)
    }
    this.settledDels.push(...settling)
    this.metrics?.onRecords?.(this.index.size)
    for (const w of round.waiters) w.resolve()
  }
}
