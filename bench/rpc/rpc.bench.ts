/**
 * JSON-RPC gateway throughput: `account_get` calls per second and `tx_broadcast` submissions per
 * second, with p50/p99 latency, over real HTTP.
 *
 * How it works:
 * 1. The block-apply bench's genesis: 10,000 funded accounts (deterministic keys), one validator.
 * 2. A node (temp dir, `produce: false`: no blocks are made during the run, so the figures are
 *    the gateway + mempool admission alone) and an RpcServer on 127.0.0.1, port 0, with the rate
 *    limit raised out of the way (the defaults would cap one client at 200 calls/s).
 * 3. The load generator runs in a worker thread (bench/rpc/loadgen.ts) with `concurrency`
 *    requests in flight over keep-alive connections (Node's fetch / undici), bodies built
 *    beforehand: a warm-up of `account_get`, then `account_get` of random accounts, then one
 *    pre-signed transfer per account through `tx_broadcast` (decode, signature verify, sequence,
 *    fee and balance checks, mempool insert). Setup (key derivation, signing) is not measured.
 * The node (main thread) and the load generator (worker) share the machine's cores.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { nodeKeyFromSeed } from '../../chain/crypto/ed25519.js'
import { silentLogger } from '../../chain/logger.js'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { GatherNode } from '../../node/index.js'
import { defaultRpcOptions, RpcServer } from '../../rpc/server.js'
import { benchAccounts, benchGenesis } from '../chain/blockApply.bench.js'
import type { LoadJob, LoadResult } from './loadgen.js'

/** Options of {@link runRpcBench}. */
export interface RpcBenchOptions {
  /** funded accounts = transfers submitted (default 10,000) */
  accounts?: number
  /** measured `account_get` calls (default 20,000) */
  reads?: number
  /** requests in flight (default 16) */
  concurrency?: number
  log?: (line: string) => void
}

/** One measured case. */
export interface RpcCaseResult {
  name: string
  requests: number
  errors: number
  seconds: number
  perSec: number
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number }
}

/** What {@link runRpcBench} reports. */
export interface RpcBenchResult {
  accounts: number
  concurrency: number
  cases: RpcCaseResult[]
  /** transactions in the mempool after the tx_broadcast case (= admitted) */
  mempoolAfter: number
  notes: string[]
}

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

/** Runs the RPC benchmark; see the file comment. */
export async function runRpcBench(opts: RpcBenchOptions = {}): Promise<RpcBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const count = opts.accounts ?? 10_000
  const reads = opts.reads ?? 20_000
  const concurrency = opts.concurrency ?? 16
  let t = performance.now()
  const { accounts, nodeKey, genesis, bodies: txBodies } = transferSetup(count)
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

  const dir = await mkdtemp(join(tmpdir(), 'gather-rpc-bench-'))
  const node = await GatherNode.open({
    dataDir: join(dir, 'data'),
    genesis,
    nodeKey,
    produce: false,
    logger: silentLogger(),
  })
  const server = new RpcServer(
    {
      ...defaultRpcOptions(),
      port: 0,
      rateLimit: { perSecond: 1e9, burst: 1e9 },
    },
    { node, log: silentLogger() },
  )
  const worker = new Worker(new URL('./loadgen.js', import.meta.url))
  try {
    const { url } = await server.listen()
    // account numbers follow the genesis order; check the one the transfers rely on
    const probe = node.query.token.getAccount({ address: accounts[count - 1]!.address })
    if (probe.accountNumber !== String(count - 1)) {
      throw new Error(`account numbers are not in genesis order (${probe.accountNumber})`)
    }
    const cases: RpcCaseResult[] = []
    t = performance.now()
    const warm = await load(worker, { url, bodies: readBodies(Math.min(2_000, reads)), concurrency })
    log(`warm-up: ${warm.latenciesMs.length} account_get in ${warm.seconds.toFixed(1)} s`)
    if (warm.errors > 0) throw new Error(`warm-up failed: ${warm.firstError}`)

    const r = summarise('account_get', await load(worker, { url, bodies: readBodies(reads), concurrency }))
    log(
      `account_get: ${r.perSec} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ${r.errors} errors`,
    )
    cases.push(r)

    const b = summarise('tx_broadcast', await load(worker, { url, bodies: txBodies, concurrency }))
    log(
      `tx_broadcast: ${b.perSec} tx/s, p50 ${b.latencyMs.p50} ms, p99 ${b.latencyMs.p99} ms, ${b.errors} errors`,
    )
    cases.push(b)
    const mempoolAfter = node.mempool.size
    if (mempoolAfter !== count - b.errors) {
      throw new Error(
        `${mempoolAfter} transactions in the mempool after ${count} submissions, ${b.errors} errors`,
      )
    }
    return {
      accounts: count,
      concurrency,
      cases,
      mempoolAfter,
      notes: [
        `The node (main thread) and the load generator (a worker thread of the same process) share the machine's ${(
          await import('node:os')
        ).availableParallelism()} cores: every figure includes the client's own cost (JSON, HTTP, fetch), so a remote client would see more.`,
        'HTTP/1.1 keep-alive, one JSON-RPC call per request (no batches), rate limit raised out of the way (the default is 200 calls/s per client).',
        'tx_broadcast: one pre-signed transfer per funded account (sequence 0), admitted to the mempool (decode, secp256k1 verify, ante checks); no block is produced during the run.',
        'No metrics registry attached (a node started by the CLI also updates prom-client counters per call).',
      ],
    }
  } finally {
    await worker.terminate()
    await server.close()
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
