/**
 * The RPC benchmark's load generator, run in a worker thread (its own event loop, so the node's
 * loop on the main thread is not also the client's). Sends pre-built JSON-RPC bodies over HTTP
 * with `concurrency` requests in flight (Node's fetch, undici keep-alive pool), timing each.
 */
import { parentPort } from 'node:worker_threads'

/** What the main thread sends. */
export interface LoadJob {
  url: string
  bodies: string[]
  concurrency: number
}

/** What the worker answers. */
export interface LoadResult {
  /** per request, ms, in completion order */
  latenciesMs: number[]
  seconds: number
  /** HTTP errors, JSON-RPC errors and transport failures */
  errors: number
  firstError?: string
}

async function run(job: LoadJob): Promise<LoadResult> {
  const latenciesMs: number[] = []
  let errors = 0
  let firstError: string | undefined
  let next = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= job.bodies.length) return
      const t = performance.now()
      try {
        const res = await fetch(job.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: job.bodies[i]!,
        })
        const text = await res.text()
        if (res.status !== 200 || text.includes('"error"')) {
          errors++
          firstError ??= `HTTP ${res.status}: ${text.slice(0, 300)}`
        }
      } catch (e) {
        errors++
        firstError ??= String(e)
      }
      latenciesMs.push(performance.now() - t)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: job.concurrency }, () => worker()))
  return {
    latenciesMs,
    seconds: (performance.now() - started) / 1000,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  }
}

parentPort?.on('message', (job: LoadJob) => {
  run(job).then(
    (r) => parentPort?.postMessage(r),
    (e: unknown) =>
      parentPort?.postMessage({ latenciesMs: [], seconds: 0, errors: 1, firstError: String(e) }),
  )
})
