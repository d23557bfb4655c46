import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { isBytes } from './keyCache.js'
import { isWellFormedSecp256k1, verifyWellFormedSecp256k1 } from './secp256k1.js'

/** One signature to check: over sha256(message) by the 33-byte compressed key. */
export interface VerifyItem {
  pubkey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

interface Job {
  resolve: (ok: Uint8Array) => void
  reject: (e: Error) => void
}

const WORKER_FILE = fileURLToPath(new URL('./verifyWorker.js', import.meta.url))

/** Below this many signatures a batch is verified inline: messaging a worker costs more. */
const MIN_PARALLEL_BATCH = 64

/**
 * Verifies batches of secp256k1 signatures on worker threads plus the calling thread, so a
 * block's signatures use every core (as Lodestar does for BLS). Results are exactly those of
 * `verifySecp256k1`: malformed and high-S signatures are rejected on the calling thread before
 * any worker sees them.
 */
export class VerifyPool {
  private readonly workers: Worker[] = []
  private readonly jobs = new Map<number, Job>()
  private nextId = 0
  private closed = false

  /** @param threads - worker threads; default one less than the cores (the caller verifies too) */
  constructor(threads = Math.max(0, availableParallelism() - 1)) {
    if (!existsSync(WORKER_FILE)) threads = 0
    for (let i = 0; i < threads; i++) {
      const w = new Worker(WORKER_FILE)
      w.unref()
      w.on('message', (m: { id: number; ok: Uint8Array }) => {
        const job = this.jobs.get(m.id)
        this.jobs.delete(m.id)
        job?.resolve(m.ok)
      })
      w.on('error', (e) => {
        for (const job of this.jobs.values()) job.reject(e)
        this.jobs.clear()
      })
      this.workers.push(w)
    }
  }

  /** Number of worker threads (0: everything runs inline). */
  get threads(): number {
    return this.workers.length
  }

  /**
   * Verifies every item; result i is true only for a valid low-S signature. Below
   * `minParallel` well-formed signatures (default 64) everything is verified inline.
   */
  async verifyBatch(items: readonly VerifyItem[], opts: { minParallel?: number } = {}): Promise<boolean[]> {
    const out = new Array<boolean>(items.length).fill(false)
    const todo: number[] = []
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!
      // the checks of verifySecp256k1 that need no curve, once: what passes only needs the curve
      if (isBytes(it.message) && isWellFormedSecp256k1(it.pubkey, it.signature)) todo.push(i)
    }
    if (this.closed || this.workers.length === 0 || todo.length < (opts.minParallel ?? MIN_PARALLEL_BATCH)) {
      for (const i of todo)
        out[i] = verifyWellFormedSecp256k1(items[i]!.pubkey, items[i]!.message, items[i]!.signature)
      return out
    }
    // Equal shares for each worker and for this thread, which takes the last share.
    const shares = this.workers.length + 1
    const per = Math.ceil(todo.length / shares)
    const pending: Promise<void>[] = []
    for (let w = 0; w < this.workers.length; w++) {
      const idx = todo.slice(w * per, (w + 1) * per)
      if (idx.length === 0) continue
      pending.push(
        this.send(w, idx, items).then((ok) => {
          for (let k = 0; k < idx.length; k++) out[idx[k]!] = ok[k] === 1
        }),
      )
    }
    for (const i of todo.slice(this.workers.length * per)) {
      out[i] = verifyWellFormedSecp256k1(items[i]!.pubkey, items[i]!.message, items[i]!.signature)
    }
    await Promise.all(pending)
    return out
  }

  /**
   * Posts one share as a single packed buffer (moved, not copied): each signature's key,
   * signature and message bytes one after another, with their end offsets. Posting the items'
   * own Uint8Arrays would clone each one's whole backing ArrayBuffer (a transaction's key and
   * signature are views into a request or block buffer), which cost more than the curve.
   */
  private send(worker: number, idx: number[], items: readonly VerifyItem[]): Promise<Uint8Array> {
    const id = this.nextId++
    let size = 0
    for (const i of idx) {
      const it = items[i]!
      size += it.pubkey.length + it.signature.length + it.message.length
    }
    const packed = new Uint8Array(size)
    const ends = new Uint32Array(idx.length * 3)
    let at = 0
    for (let k = 0; k < idx.length; k++) {
      const it = items[idx[k]!]!
      packed.set(it.pubkey, at)
      at += it.pubkey.length
      ends[3 * k] = at
      packed.set(it.signature, at)
      at += it.signature.length
      ends[3 * k + 1] = at
      packed.set(it.message, at)
      at += it.message.length
      ends[3 * k + 2] = at
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject })
      this.workers[worker]!.postMessage({ id, packed, ends }, [packed.buffer, ends.buffer])
    })
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    this.closed = true
    const workers = this.workers.splice(0)
    await Promise.all(workers.map((w) => w.terminate()))
    for (const job of this.jobs.values()) job.reject(new Error('verify pool closed'))
    this.jobs.clear()
  }
}
