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
  /** the worker it was sent to */
  worker: Slot
  size: number
}

/** A worker thread and the signatures sent to it and not answered yet. */
interface Slot {
  worker: Worker
  queued: number
}

/**
 * A job's items packed in one transferable buffer (cloning thousands of small arrays costs the
 * sending thread more than copying their bytes): per item the 33-byte key, the 64-byte
 * signature, the message length (u32, little endian) and the message.
 */
function pack(items: readonly VerifyItem[], idx: readonly number[]): ArrayBuffer {
  let size = 0
  for (const i of idx) size += 33 + 64 + 4 + items[i]!.message.length
  const buf = new Uint8Array(size)
  const view = new DataView(buf.buffer)
  let o = 0
  for (const i of idx) {
    const it = items[i]!
    buf.set(it.pubkey, o)
    buf.set(it.signature, o + 33)
    view.setUint32(o + 97, it.message.length, true)
    buf.set(it.message, o + 101)
    o += 101 + it.message.length
  }
  return buf.buffer
}

/**
 * The items that pass the checks of verifySecp256k1 needing no curve (done once, here): only
 * these go to the curve, anything else is false.
 */
function wellFormed(items: readonly VerifyItem[]): number[] {
  const todo: number[] = []
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!
    if (isBytes(it.message) && isWellFormedSecp256k1(it.pubkey, it.signature)) todo.push(i)
  }
  return todo
}

/** Verifies items `idx` (well formed) on this thread into `out`. */
function verifyInline(items: readonly VerifyItem[], idx: readonly number[], out: boolean[]): void {
  for (const i of idx)
    out[i] = verifyWellFormedSecp256k1(items[i]!.pubkey, items[i]!.message, items[i]!.signature)
}

const WORKER_FILE = fileURLToPath(new URL('./verifyWorker.js', import.meta.url))

/** How long `close` waits for a worker to end between jobs before terminating it. */
const CLOSE_TIMEOUT_MS = 5_000

/** Below this many signatures a batch is verified inline: messaging a worker costs more. */
const MIN_PARALLEL_BATCH = 64

/**
 * Verifies batches of secp256k1 signatures on worker threads plus the calling thread, so a
 * block's signatures use every core (as Lodestar does for BLS). Results are exactly those of
 * `verifySecp256k1`: malformed and high-S signatures are rejected on the calling thread before
 * any worker sees them.
 */
export class VerifyPool {
  private readonly workers: Slot[] = []
  private readonly jobs = new Map<number, Job>()
  private nextId = 0
  private closed = false

  /** @param threads - worker threads; default one less than the cores (the caller verifies too) */
  constructor(threads = Math.max(0, availableParallelism() - 1)) {
    if (!existsSync(WORKER_FILE)) threads = 0
    for (let i = 0; i < threads; i++) {
      const slot: Slot = { worker: new Worker(WORKER_FILE), queued: 0 }
      slot.worker.unref()
      slot.worker.on('message', (m: { id: number; ok: Uint8Array }) => {
        const job = this.jobs.get(m.id)
        this.jobs.delete(m.id)
        if (job === undefined) return
        slot.queued -= job.size
        job.resolve(m.ok)
      })
      // A worker that fails is gone: its jobs fail (the callers verify inline) and it gets no more.
      slot.worker.on('error', (e) => this.lose(slot, e))
      slot.worker.on('exit', () => this.lose(slot, new Error('verify worker exited')))
      this.workers.push(slot)
    }
  }

  private lose(slot: Slot, e: Error): void {
    const i = this.workers.indexOf(slot)
    if (i >= 0) this.workers.splice(i, 1)
    for (const [id, job] of this.jobs) {
      if (job.worker !== slot) continue
      this.jobs.delete(id)
      job.reject(e)
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
    const todo = wellFormed(items)
    if (this.closed || this.workers.length === 0 || todo.length < (opts.minParallel ?? MIN_PARALLEL_BATCH)) {
      verifyInline(items, todo, out)
      return out
    }
    // Equal shares for each worker and for this thread, which takes the last share.
    const shares = this.workers.length + 1
    const per = Math.ceil(todo.length / shares)
    const pending: Promise<void>[] = []
    const workers = [...this.workers]
    for (let w = 0; w < workers.length; w++) {
      const idx = todo.slice(w * per, (w + 1) * per)
      if (idx.length > 0) pending.push(this.send(workers[w]!, idx, items, out))
    }
    verifyInline(items, todo.slice(workers.length * per), out)
    await Promise.all(pending)
    return out
  }

  /**
   * Verifies every item on the worker threads only, leaving the calling thread free for other
   * work meanwhile (block import executes while its signatures are checked); each call goes to
   * the worker with the least queued. Results as `verifyBatch`. Without workers (or once
   * closed), and for fewer than 64 signatures (messaging a worker costs more), the items are
   * verified inline before this returns.
   */
  verifyOnWorkers(items: readonly VerifyItem[]): Promise<boolean[]> {
    const out = new Array<boolean>(items.length).fill(false)
    const todo = wellFormed(items)
    if (this.closed || this.workers.length === 0 || todo.length < MIN_PARALLEL_BATCH) {
      verifyInline(items, todo, out)
      return Promise.resolve(out)
    }
    let w = this.workers[0]!
    for (const slot of this.workers) if (slot.queued < w.queued) w = slot
    return this.send(w, todo, items, out).then(() => out)
  }

  /** Sends items `idx` to one worker; its answers land in `out`. */
  private send(slot: Slot, idx: number[], items: readonly VerifyItem[], out: boolean[]): Promise<void> {
    const id = this.nextId++
    return new Promise<Uint8Array>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, worker: slot, size: idx.length })
      slot.queued += idx.length
      const buf = pack(items, idx)
      slot.worker.postMessage({ id, count: idx.length, buf }, [buf])
    }).then((ok) => {
      for (let k = 0; k < idx.length; k++) out[idx[k]!] = ok[k] === 1
    })
  }

  /**
   * Stops the worker threads once they have answered what was sent to them (those jobs resolve
   * as usual). A worker is asked to end between jobs, never ended from outside in the middle of
   * one: terminating a thread inside libsecp256k1's binding aborts the process. One that has not
   * ended within `CLOSE_TIMEOUT_MS` is terminated.
   */
  async close(): Promise<void> {
    this.closed = true
    const workers = [...this.workers]
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.worker.terminate(), CLOSE_TIMEOUT_MS)
            w.worker.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
            w.worker.postMessage({ close: true })
          }),
      ),
    )
    this.workers.length = 0
    for (const job of this.jobs.values()) job.reject(new Error('verify pool closed'))
    this.jobs.clear()
  }
}
