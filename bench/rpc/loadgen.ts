/**
 * The RPC benchmark's load generator, run in a worker thread (its own event loop, so the node's
 * loop on the main thread is not also the client's). Sends pre-built JSON-RPC bodies over HTTP
 * with `concurrency` requests in flight over keep-alive connections, timing each, with one of
 * three clients (bench/results/rpc.md gives each one's ceiling against a server that answers at
 * once; the client shares the node's cores, so a cheaper client leaves the node more):
 * - `autocannon`: the HTTP load generator (`concurrency` connections, one request in flight on
 *   each), the cheapest per request;
 * - `http`: node:http with a keep-alive Agent;
 * - `fetch`: Node's fetch (undici), the dearest.
 */
import { Agent, request } from 'node:http'
import { parentPort } from 'node:worker_threads'
import autocannon from 'autocannon'

/** The load generator's HTTP clients. */
export type LoadClient = 'fetch' | 'http' | 'autocannon'

/** What the main thread sends. */
export interface LoadJob {
  url: string
  bodies: string[]
  concurrency: number
  /** the HTTP client (default fetch) */
  client?: LoadClient
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

/** What a run counts: each answer's latency, and the failures with the first one's text. */
function tally() {
  const latenciesMs: number[] = []
  let errors = 0
  let firstError: string | undefined
  const fail = (why: string, count = 1): void => {
    errors += count
    firstError ??= why
  }
  return {
    latenciesMs,
    fail,
    /** an HTTP answer: a failure unless 200 without a JSON-RPC error */
    answer(status: number, text: string): void {
      if (status !== 200 || text.includes('"error"')) fail(`HTTP ${status}: ${text.slice(0, 300)}`)
    },
    result: (seconds: number): LoadResult => ({
      latenciesMs,
      seconds,
      errors,
      ...(firstError === undefined ? {} : { firstError }),
    }),
  }
}

/**
 * autocannon: `concurrency` keep-alive connections, one request in flight on each, every body
 * sent once in order; each response timed by autocannon (`response` event) and checked as the
 * other clients check theirs (`onResponse`).
 */
async function runAutocannon(job: LoadJob): Promise<LoadResult> {
  const t = tally()
  let next = 0
  const started = performance.now()
  // autocannon ends a run on its next one-second tick: the run's time is up to its last answer
  let last = started
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.concurrency,
        pipelining: 1,
        amount: job.bodies.length,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: job.bodies[next++] ?? job.bodies[0] }),
            onResponse: (status, text) => t.answer(status, text),
          },
        ],
      },
      (err, result) => {
        if (err !== null && err !== undefined) {
          reject(err)
          return
        }
        // connection errors and timeouts are not responses
        const failed = result.errors + result.timeouts
        if (failed > 0) t.fail(`${result.errors} connection errors, ${result.timeouts} timeouts`, failed)
        resolve()
      },
    )
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      t.latenciesMs.push(responseTime)
      last = performance.now()
    })
  })
  return t.result((last - started) / 1000)
}

async function run(job: LoadJob): Promise<LoadResult> {
  if (job.client === 'autocannon') return runAutocannon(job)
  const t = tally()
  let next = 0
  const post = job.client === 'http' ? httpPost(job.url, job.concurrency) : fetchPost(job.url)
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= job.bodies.length) return
      const sent = performance.now()
      try {
        const { status, text } = await post(job.bodies[i]!)
        t.answer(status, text)
      } catch (e) {
        t.fail(String(e))
      }
      t.latenciesMs.push(performance.now() - sent)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: job.concurrency }, () => worker()))
  return t.result((performance.now() - started) / 1000)
}

parentPort?.on('message', (job: LoadJob) => {
  run(job).then(
    (r) => parentPort?.postMessage(r),
    (e: unknown) =>
      parentPort?.postMessage({ latenciesMs: [], seconds: 0, errors: 1, firstError: String(e) }),
  )
})
