/**
 * The RPC benchmark's load generator, run in a worker thread (its own event loop, so the node's
 * loop on the main thread is not also the client's). Sends pre-built JSON-RPC bodies over HTTP
 * with `concurrency` requests in flight over keep-alive connections, timing each: with Node's
 * fetch (undici), or with node:http and a keep-alive Agent, which costs the client about a
 * quarter of fetch's CPU per request (bench/results/rpc.md: on this 2-core machine fetch alone
 * tops out near 3,000 requests/s against a server that answers instantly).
 */
import { Agent, request } from 'node:http'
import { parentPort } from 'node:worker_threads'

/** What the main thread sends. */
export interface LoadJob {
  url: string
  bodies: string[]
  concurrency: number
  /** the HTTP client (default fetch) */
  client?: 'fetch' | 'http'
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

/** One POST: the status and the body. */
type Post = (body: string) => Promise<{ status: number; text: string }>

function fetchPost(url: string): Post {
  return async (body) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    return { status: res.status, text: await res.text() }
  }
}

function httpPost(url: string, concurrency: number): Post {
  const u = new URL(url)
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  return (body) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => {
            text += d
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(body)
    })
}

async function run(job: LoadJob): Promise<LoadResult> {
  const latenciesMs: number[] = []
  let errors = 0
  let firstError: string | undefined
  let next = 0
  const post = job.client === 'http' ? httpPost(job.url, job.concurrency) : fetchPost(job.url)
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= job.bodies.length) return
      const t = performance.now()
      try {
        const { status, text } = await post(job.bodies[i]!)
        if (status !== 200 || text.includes('"error"')) {
          errors++
          firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`
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
