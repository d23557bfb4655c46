/**
 * JSON-RPC gateway throughput: `account_get` calls per second and `tx_broadcast` submissions per
 * second, with p50/p99 latency, over real HTTP, against the verify limits (one thread, all
 * cores) measured in the same run, with a verdict against issue 17's 5,000 tx/s.
 *
 * How it works:
 * 1. The block-apply bench's genesis: 10,000 funded accounts (deterministic keys), one validator.
 * 2. The verify limits (bench/crypto/verify.bench.ts), then each client's ceiling against a
 *    server that answers at once.
 * 3. Per round, a fresh node (temp dir, `produce: false`: no blocks are made during the run, so
 *    the figures are the gateway + mempool admission alone) and an RpcServer on 127.0.0.1, port
 *    0, with the rate limit raised out of the way (the defaults would cap one client at 200
 *    calls/s): `rounds` rounds with the node:http client, one with fetch and one with
 *    autocannon; the limits again.
 * 4. The load generator runs in a worker thread (bench/rpc/loadgen.ts) with `concurrency`
 *    requests in flight over keep-alive connections (node:http, fetch or autocannon), bodies
 *    built beforehand: a warm-up of `account_get`, then `account_get` of random accounts, then one
 *    pre-signed transfer per account through `tx_broadcast` (decode, signature verify, sequence,
 *    fee and balance checks, mempool insert). Setup (key derivation, signing) is not measured.
 * The node (main thread) and the load generator (worker) share the machine's cores.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { nodeKeyFromSeed } from '../../chain/crypto/ed25519.js'
import { silentLogger } from '../../chain/logger.js'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { GatherNode } from '../../node/index.js'
import { defaultRpcOptions, RpcServer } from '../../rpc/server.js'
import { benchAccounts, benchGenesis } from '../chain/blockApply.bench.js'
import { measureAllCoresVerifyRate, measureNativeVerifyRate } from '../crypto/verify.bench.js'
import type { LoadClient, LoadJob, LoadResult } from './loadgen.js'

/** Options of {@link runRpcBench}. */
export interface RpcBenchOptions {
  /** funded accounts = transfers submitted per tx_broadcast round (default 10,000) */
  accounts?: number
  /** measured `account_get` calls (default 20,000) */
  reads?: number
  /** requests in flight (default 16) */
  concurrency?: number
  /** tx_broadcast rounds with the node:http client, each on a fresh node (default 3) */
  rounds?: number
  /** seconds of each verify-limit measurement (default 3) */
  verifySeconds?: number
  log?: (line: string) => void
}

/** One measured case. */
export interface RpcCaseResult {
  name: string
  /** the load generator's HTTP client */
  client?: LoadClient
  requests: number
  errors: number
  seconds: number
  perSec: number
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number }
}

/** The verify limits measured in the same run (bench/crypto/verify.bench.ts), before and after the cases. */
export interface VerifyLimits {
  /** libsecp256k1 verifies per second on one thread, each run */
  oneThreadRuns: number[]
  /** the verify pool on every core, each run */
  allCoresRuns: number[]
  allCoresThreads: number
  oneThreadPerSec: number
  allCoresPerSec: number
}

/** What {@link runRpcBench} reports. */
export interface RpcBenchResult {
  accounts: number
  concurrency: number
  cases: RpcCaseResult[]
  /** the tx_broadcast rounds with the node:http client */
  broadcastRounds?: RpcCaseResult[]
  /** median of `broadcastRounds` (tx/s) */
  broadcastPerSec?: number
  limits?: VerifyLimits
  /** broadcastPerSec / limits.allCoresPerSec */
  ratioAllCores?: number
  /** what each client manages against a server that answers at once (the client's own ceiling) */
  clientCeiling?: { client: LoadClient; perSec: number }[]
  /** transactions in the mempool after the last tx_broadcast case (= admitted) */
  mempoolAfter: number
  /** admission batches (verify-pool round trips) of the last tx_broadcast case */
  admissionBatches?: number
  verdict?: string
  notes: string[]
}

/** Target of issue 17: tx_broadcast admission over HTTP, 16 in flight, rate limit off. */
export const ADMISSION_TARGET_PER_SEC = 5_000

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/** Request count, rate and latency quantiles of one load run. */
export function summarise(name: string, r: LoadResult): RpcCaseResult {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b)
  const round = (x: number): number => Math.round(x * 1000) / 1000
  return {
    name,
    requests: r.latenciesMs.length,
    errors: r.errors,
    seconds: round(r.seconds),
    perSec: Math.round(r.latenciesMs.length / r.seconds),
    latencyMs: {
      p50: round(quantile(sorted, 0.5)),
      p90: round(quantile(sorted, 0.9)),
      p99: round(quantile(sorted, 0.99)),
      max: round(sorted[sorted.length - 1] ?? Number.NaN),
      mean: round(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)),
    },
  }
}

/** Runs one job on the load generator worker (bench/rpc/loadgen.ts). */
export function load(worker: Worker, job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e)
    worker.once('error', onError)
    worker.once('message', (r: LoadResult) => {
      worker.off('error', onError)
      resolve(r)
    })
    worker.postMessage(job)
  })
}

/** A JSON-RPC request body. */
export function body(id: number, method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params })
}

/**
 * The accounts, node key and genesis of an RPC benchmark, with one `tx_broadcast` body per
 * account: a transfer at sequence 0 to the next account.
 */
export function transferSetup(count: number) {
  const accounts = benchAccounts(count)
  const nodeKey = nodeKeyFromSeed(createHash('sha256').update('gather-bench-node-key').digest())
  const genesis = benchGenesis(accounts, nodeKey.publicKey)
  const bodies = accounts.map((a, i) =>
    body(i, 'tx_broadcast', {
      tx: Buffer.from(
        signTx(
          {
            messages: [transferMessage(a.address, accounts[(i + 1) % count]!.address, 1_000n)],
            chainId: genesis.chainId,
            accountNumber: BigInt(i),
            sequence: 0n,
            fee: 1_000n,
          },
          a.privateKey,
          a.publicKey,
        ),
      ).toString('base64'),
    }),
  )
  return { accounts, nodeKey, genesis, bodies }
}

/** Requests per second one client manages against a server that answers at once (no node). */
async function clientCeiling(worker: Worker, client: LoadClient, concurrency: number): Promise<number> {
  const reply = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { hash: 'A'.repeat(64) } })
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) })
      res.end(reply)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const port = (server.address() as AddressInfo).port
    const bodies = Array.from({ length: 10_000 }, (_, i) => body(i, 'tx_broadcast', { tx: 'A'.repeat(300) }))
    const r = await load(worker, { url: `http://127.0.0.1:${port}/`, bodies, concurrency, client })
    return Math.round(r.latenciesMs.length / r.seconds)
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

async function measureLimits(seconds: number, into: VerifyLimits): Promise<void> {
  into.oneThreadRuns.push(Math.round(await measureNativeVerifyRate(seconds)))
  const all = await measureAllCoresVerifyRate(seconds)
  into.allCoresRuns.push(Math.round(all.perSec))
  into.allCoresThreads = all.threads
  const mean = (xs: number[]): number => Math.round(xs.reduce((a, v) => a + v, 0) / Math.max(1, xs.length))
  into.oneThreadPerSec = mean(into.oneThreadRuns)
  into.allCoresPerSec = mean(into.allCoresRuns)
}

/** A benchmark node (temp dir, no block production) behind an RpcServer with the rate limit out of the way. */
export async function openBenchNode(
  setup: Pick<ReturnType<typeof transferSetup>, 'genesis' | 'nodeKey'>,
  o: { journal?: boolean } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), 'gather-rpc-bench-'))
  const node = await GatherNode.open({
    dataDir: join(dir, 'data'),
    genesis: setup.genesis,
    nodeKey: setup.nodeKey,
    produce: false,
    logger: silentLogger(),
    txJournal: o.journal ?? true,
  })
  const server = new RpcServer(
    { ...defaultRpcOptions(), port: 0, rateLimit: { perSecond: 1e9, burst: 1e9 } },
    { node, log: silentLogger() },
  )
  const { url } = await server.listen()
  return {
    node,
    url,
    close: async () => {
      await server.close()
      await node.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Runs the RPC benchmark; see the file comment. */
export async function runRpcBench(opts: RpcBenchOptions = {}): Promise<RpcBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const count = opts.accounts ?? 10_000
  const reads = opts.reads ?? 20_000
  const concurrency = opts.concurrency ?? 16
  const rounds = opts.rounds ?? 3
  const verifySeconds = opts.verifySeconds ?? 3
  const t = performance.now()
  const setup = transferSetup(count)
  const { accounts, bodies: txBodies } = setup
  let seed = 12345
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x80000000
  }
  const readBodies = (n: number): string[] =>
    Array.from({ length: n }, (_, i) =>
      body(i, 'account_get', { address: accounts[Math.floor(rand() * count)]!.address }),
    )
  log(`setup: ${count} accounts and signed transfers in ${((performance.now() - t) / 1000).toFixed(1)} s`)

  const limits: VerifyLimits = {
    oneThreadRuns: [],
    allCoresRuns: [],
    allCoresThreads: 1,
    oneThreadPerSec: 0,
    allCoresPerSec: 0,
  }
  await measureLimits(verifySeconds, limits)
  log(`verify limits: ${limits.oneThreadRuns.at(-1)}/s one thread, ${limits.allCoresRuns.at(-1)}/s all cores`)

  const worker = new Worker(new URL('./loadgen.js', import.meta.url))
  try {
    const ceiling: { client: LoadClient; perSec: number }[] = []
    for (const client of ['http', 'autocannon', 'fetch'] as const) {
      ceiling.push({ client, perSec: await clientCeiling(worker, client, concurrency) })
      log(`client ceiling (${client}, a server that answers at once): ${ceiling.at(-1)!.perSec} req/s`)
    }
    const cases: RpcCaseResult[] = []
    const broadcastRounds: RpcCaseResult[] = []
    let mempoolAfter = 0
    let admissionBatches = 0
    let perSync = 0
    const broadcast = async (client: LoadClient, withReads: boolean): Promise<RpcCaseResult> => {
      const n = await openBenchNode(setup)
      try {
        // account numbers follow the genesis order; check the one the transfers rely on
        const probe = n.node.query.token.getAccount({ address: accounts[count - 1]!.address })
        if (probe.accountNumber !== String(count - 1)) {
          throw new Error(`account numbers are not in genesis order (${probe.accountNumber})`)
        }
        const warm = await load(worker, {
          url: n.url,
          bodies: readBodies(Math.min(2_000, reads)),
          concurrency,
          client,
        })
        if (warm.errors > 0) throw new Error(`warm-up failed: ${warm.firstError}`)
        if (withReads) {
          const r = {
            ...summarise(
              'account_get',
              await load(worker, { url: n.url, bodies: readBodies(reads), concurrency, client }),
            ),
            client,
          }
          log(
            `account_get (${client}): ${r.perSec} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.errors} errors`,
          )
          cases.push(r)
        }
        const b = {
          ...summarise(
            'tx_broadcast',
            await load(worker, { url: n.url, bodies: txBodies, concurrency, client }),
          ),
          client,
        }
        log(
          `tx_broadcast (${client}): ${b.perSec} tx/s, p50 ${b.latencyMs.p50} ms, p99 ${b.latencyMs.p99} ms, ${b.errors} errors, load ${loadavg()
            .map((x) => x.toFixed(2))
            .join(' ')}`,
        )
        mempoolAfter = n.node.mempool.size
        admissionBatches = n.node.admission.batches
        perSync = (n.node.journal?.appends ?? 0) / Math.max(1, n.node.journal?.syncs ?? 0)
        if (mempoolAfter !== count - b.errors) {
          throw new Error(
            `${mempoolAfter} transactions in the mempool after ${count} submissions, ${b.errors} errors`,
          )
        }
        if (n.node.journal !== undefined && n.node.journal.size !== mempoolAfter) {
          throw new Error(`${n.node.journal.size} journal records for ${mempoolAfter} admitted transactions`)
        }
        return b
      } finally {
        await n.close()
      }
    }
    const batches: number[] = []
    const perSyncs: number[] = []
    for (let round = 0; round < rounds; round++) {
      const b = await broadcast('http', round === 0)
      batches.push(admissionBatches)
      perSyncs.push(perSync)
      broadcastRounds.push(b)
      cases.push(b)
    }
    // the client of the figures recorded first, for comparison
    cases.push(await broadcast('fetch', true))
    // the cheapest client: whether the client's own cost bounds the figure
    cases.push(await broadcast('autocannon', true))
    await measureLimits(verifySeconds, limits)
    log(
      `verify limits: ${limits.oneThreadRuns.at(-1)}/s one thread, ${limits.allCoresRuns.at(-1)}/s all cores`,
    )
    const sorted = broadcastRounds.map((r) => r.perSec).sort((a, b) => a - b)
    const broadcastPerSec = sorted[Math.floor(sorted.length / 2)] ?? 0
    const ratioAllCores = broadcastPerSec / limits.allCoresPerSec
    const verdict =
      broadcastPerSec >= ADMISSION_TARGET_PER_SEC
        ? `met: tx_broadcast admission ${broadcastPerSec} tx/s ≥ ${ADMISSION_TARGET_PER_SEC} tx/s (median of ${rounds} rounds, node:http client)`
        : `not met: tx_broadcast admission ${broadcastPerSec} tx/s < ${ADMISSION_TARGET_PER_SEC} tx/s (median of ${rounds} rounds, node:http client)`
    log(verdict)
    const cores = availableParallelism()
    return {
      accounts: count,
      concurrency,
      cases,
      broadcastRounds,
      broadcastPerSec,
      limits,
      ratioAllCores,
      clientCeiling: ceiling,
      mempoolAfter,
      admissionBatches,
      verdict,
      notes: [
        `The node (main thread, plus ${limits.allCoresThreads - 1} verify worker thread) and the load generator (a worker thread of the same process) share the machine's ${cores} cores: every figure includes the client's own cost (JSON, HTTP), so a remote client would see more.`,
        'HTTP/1.1 keep-alive, one JSON-RPC call per request (no batches), rate limit raised out of the way (the default is 200 calls/s per client).',
        `Three clients: node:http with a keep-alive Agent (the figure against the target), Node's fetch (undici), the client of the first figures recorded, and autocannon (16 connections, one request in flight on each), the cheapest per request. "Client ceiling" is what each manages against a server that answers at once: fetch's is near the first tx_broadcast figure, so fetch measured the client more than the node; autocannon's is the highest, so its tx_broadcast round shows whether the client's own cost bounds the figure.`,
        `tx_broadcast: one pre-signed transfer per funded account (sequence 0), each round on a fresh node with the same genesis: decoded once, signatures verified in batches on the verify pool, its worker thread and the main thread (the admission queue, docs/adr/014-admission-pipeline.md), ante checks and mempool insert in arrival order, the journal record fsynced (group commit) before the answer; no block is produced during the run. Admission batches per node:http round: ${batches.map(fmtInt).join(', ')} (${(count / Math.max(1, batches.at(-1) ?? 1)).toFixed(1)} transactions per batch in the last); transactions per journal fsync: ${perSyncs.map((x) => x.toFixed(1)).join(', ')}. With 16 requests in flight each waits for the fsync in progress and then its own, so the fsync's latency, not only the CPU, bounds the rate (16 / latency).`,
        `Limits measured in the same run (bench/crypto/verify.bench.ts), before and after the cases: libsecp256k1 ${limits.oneThreadRuns.map(fmtInt).join(' / ')} verifies/s on one thread, ${limits.allCoresRuns.map(fmtInt).join(' / ')} on all cores (${limits.allCoresThreads} threads); admission is ${(ratioAllCores * 100).toFixed(1)} % of the all-cores mean (${fmtInt(limits.allCoresPerSec)}/s) and ${((broadcastPerSec / limits.oneThreadPerSec) * 100).toFixed(1)} % of the one-thread mean.`,
        'No metrics registry attached (a node started by the CLI also updates prom-client counters per call).',
      ],
    }
  } finally {
    await worker.terminate()
  }
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}
