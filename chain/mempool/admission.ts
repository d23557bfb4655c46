import { ChainError, ChainErrorCode } from '../errors.js'
import type { PreparedTx } from '../stateMachine.js'

/** Admission queue limits. */
export interface AdmissionOptions {
  /** most submissions waiting (queued or having their signatures verified); more are refused with TX_ADMISSION_BUSY */
  maxQueued: number
  /** a batch starts as soon as this many are queued (else on the next turn of the event loop) */
  maxBatch: number
}

/** Defaults: a few seconds of a busy node's admission, a batch large enough to share a worker message. */
export const DEFAULT_ADMISSION_OPTIONS: AdmissionOptions = { maxQueued: 4_096, maxBatch: 256 }

/** What the queue runs (the node wires the state machine, the verify pool and the mempool in). */
export interface AdmissionDeps<R> {
  /** decode and resolve messages: stateless, throws ChainError */
  prepare(raw: Uint8Array): PreparedTx
  /** verify a batch's signatures on the verify pool, remembering the valid ones (`StateMachine.preverify`) */
  preverify(txs: readonly PreparedTx[]): Promise<void>
  /**
   * admit one transaction; called in arrival order, one batch after another, each call's
   * synchronous part (the mempool insert) before the next call
   */
  admit(raw: Uint8Array, prepared: PreparedTx, durable: boolean): R | Promise<R>
}

interface Waiting<R> {
  raw: Uint8Array
  /** journaled before the answer (RPC), or not (gossip) */
  durable: boolean
  resolve: (r: R) => void
  reject: (e: unknown) => void
}

/**
 * Transaction admission in batches (docs/adr/014-admission-pipeline.md): submissions queue up
 * until the next turn of the event loop (or `maxBatch`), are decoded, have their signatures
 * verified together on the verify pool (every core), and are then admitted one by one in
 * arrival order, so each gets exactly the answer it would get alone (the signature check during
 * admission finds the pool's result in the signature cache). While a batch verifies, the next
 * one gathers; admissions stay in arrival order across batches. Back-pressure: at most
 * `maxQueued` submissions wait; beyond that a submission is refused at once with
 * TX_ADMISSION_BUSY, and nothing of it is kept.
 */
export class AdmissionQueue<R> {
  private queue: Waiting<R>[] = []
  private waiting = 0
  private scheduled = false
  /** settles when the last started batch has made its admissions */
  private admitted: Promise<void> = Promise.resolve()
  /** batches started */
  batches = 0

  constructor(
    private readonly opts: AdmissionOptions,
    private readonly deps: AdmissionDeps<R>,
  ) {}

  /** Submissions queued or verifying. */
  get size(): number {
    return this.waiting
  }

  /** Queues a transaction; resolves with what `admit` returns, or rejects with why it was refused. */
  submit(raw: Uint8Array, durable: boolean): Promise<R> {
    if (this.waiting >= this.opts.maxQueued) {
      return Promise.reject(
        new ChainError(
          ChainErrorCode.TX_ADMISSION_BUSY,
          `this node has ${this.waiting} transactions waiting for admission, the most it queues; retry shortly or submit to another node`,
        ),
      )
    }
    this.waiting++
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ raw, durable, resolve, reject })
      if (this.queue.length >= this.opts.maxBatch) this.startBatch()
      else if (!this.scheduled) {
        this.scheduled = true
        // after the current I/O phase: every request parsed in it joins the batch
        setImmediate(() => this.startBatch())
      }
    })
  }

  private startBatch(): void {
    this.scheduled = false
    const batch = this.queue
    if (batch.length === 0) return
    this.queue = []
    this.batches++
    const prepared: (PreparedTx | undefined)[] = batch.map((w) => {
      try {
        return this.deps.prepare(w.raw)
      } catch (e) {
        this.waiting--
        w.reject(e)
        return undefined
      }
    })
    const good = prepared.filter((p): p is PreparedTx => p !== undefined)
    // a verification failure (a worker died) only costs the cache: admission verifies inline
    const verified = this.deps.preverify(good).catch(() => undefined)
    const previous = this.admitted
    this.admitted = Promise.all([verified, previous]).then(() => {
      for (let i = 0; i < batch.length; i++) {
        const p = prepared[i]
        if (p === undefined) continue
        const w = batch[i]!
        this.waiting--
        try {
          Promise.resolve(this.deps.admit(w.raw, p, w.durable)).then(w.resolve, w.reject)
        } catch (e) {
          w.reject(e)
        }
      }
    })
  }

  /**
   * Starts what is queued now and resolves once everything submitted so far has been admitted
   * (its mempool insert made) or refused: a proposer waits for this before taking the pending
   * transactions, so what was submitted before its slot goes into its block.
   */
  settled(): Promise<void> {
    if (this.queue.length > 0) this.startBatch()
    return this.admitted
  }

  /** Resolves once everything submitted so far has been admitted or refused. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) {
      this.startBatch()
      await this.admitted
    }
    await this.admitted
  }
}
