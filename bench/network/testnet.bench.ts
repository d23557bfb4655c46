/**
 * A 21-validator network on this machine (issue 17, item 5): `gather testnet --validators 21`
 * (21 real `gather start` processes on 127.0.0.1), first idle, then under a steady load of signed
 * transfers. Measures each node's CPU while the chain produces empty blocks, then final
 * transactions per second, the time from submission to finality (p50/p99), whether every
 * accepted transaction became final, the missed-slot rate and the memory of each node.
 *
 * Idle CPU: each node process's utime + stime from /proc/<pid>/stat over idle windows measured
 * back to back, as a share of one core; nothing but the producers runs then (no RPC polling).
 * The figure is the last window's; the earlier ones show the start-up work dying down.
 *
 * Finality time: node 0 is polled every 100 ms; a block's final time is the first poll that saw
 * the final height reach it; a transaction's latency is its block's final time minus the moment
 * it was accepted by `tx_broadcast`.
 *
 * The load generator is a set of wallets: each sender has at most one transaction in flight and
 * takes the next sequence only once the node accepted the last one, so a refusal is a real
 * refusal (never one of our own sequence gaps).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os, { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deriveAccountKey, TEST_MNEMONIC } from '../../chain/crypto/hd.js'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { GatherClient, RpcClientError } from '../../rpc/client.js'

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../cli/index.js')

/** Issue 17's targets for 21 validators with 2 s blocks. */
export const TESTNET_TARGETS = {
  idleCpuPct: 2,
  missedSlotRate: 0.02,
  p50Ms: 6_000,
  p99Ms: 12_000,
  lost: 0,
} as const

export interface TestnetBenchOptions {
  validators?: number
  blockTimeMs?: number
  /** seconds of steady load */
  seconds?: number
  /** transactions per second offered */
  rate?: number
  senders?: number
  basePort?: number
  /** seconds of the idle window (empty blocks) before the load */
  idleSeconds?: number
  /** seconds from the first final blocks to the first idle window (start-up work: syncs, meshes, DHT) */
  idleSettleSeconds?: number
  /**
   * idle windows measured back to back (default 4): the last is the idle figure, the ones
   * before show how the start-up work (V8 compiling, the DHT's first lookups) dies down
   */
  idleWindows?: number
  /** measure idle only: no funding, no load */
  idleOnly?: boolean
  /** run one node under `node --cpu-prof` (its profile is written here when the testnet stops) */
  cpuProf?: { node: number; dir: string }
  log?: (line: string) => void
}

export interface IdleResult {
  seconds: number
  /** each node's CPU over the window, % of one core, in node order */
  cpuPctPerNode: number[]
  cpuPct: { median: number; max: number; total: number }
  loadAverage: { start: number[]; end: number[] }
  blocks: number
  slots: number
  missedSlotRate: number
}

export interface TestnetBenchResult {
  validators: number
  blockTimeMs: number
  seconds: number
  offeredPerSec: number
  /** transactions sent (each an accepted or a refused `tx_broadcast`) */
  offered: number
  submitted: number
  refused: number
  /** broadcasts sent again because they did not reach the node (no answer, not a refusal) */
  retried: number
  /** why submissions were refused: error message (numbers and hashes masked) → count */
  refusedWhy: Record<string, number>
  finalTxs: number
  /** accepted transactions in a final block whose messages failed (fee charged) */
  failedTxs: number
  /** accepted transactions in no block of node 0's chain by the end of the wait */
  lost: number
  /** accepted transactions committed on node 0 but not final by the end of the wait */
  late?: number
  /**
   * where the lost transactions are (up to 20 of them): the nodes that still hold each pending in
   * their mempool; none means no node kept it
   */
  lostWhere?: { hash: string; pendingOn: number[] }[]
  finalTxPerSec: number
  latencyMs: { p50: number; p99: number; max: number }
  blocks: number
  slots: number
  missedSlotRate: number
  finalLagBlocks: { median: number; max: number }
  rssMiB: { median: number; max: number; total: number }
  /**
   * CPU over the load window (first submission to the last answer), % of one core: each node's
   * utime + stime from /proc/<pid>/stat, and the bench process itself (the load generator: it
   * signs and sends every transaction and polls node 0)
   */
  loadCpu?: { perNodeMedian: number; perNodeMax: number; nodesTotal: number; generator: number }
  /** the last idle window: a validator that has been running a few minutes */
  idle: IdleResult
  /** every idle window, in order (the last is `idle`) */
  idleWindows?: IdleResult[]
  notes: string[]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const m = /VmRSS:\s+(\d+) kB/.exec(status)
  return m === null ? 0 : Number(m[1]) / 1024
}

/** utime + stime of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // the command name (field 2) may hold spaces: count from the closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0)
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100

function childPids(parent: number): Promise<number[]> {
  return readFile(`/proc/${parent}/task/${parent}/children`, 'utf8')
    .then((t) => t.trim().split(/\s+/).filter(Boolean).map(Number))
    .catch(() => [])
}

/** Slots without a block over the blocks `from..to` of node 0 (none when fewer than two). */
async function slotsOf(
  c: GatherClient,
  from: number,
  to: number,
): Promise<{ blocks: number; slots: number; missedSlotRate: number }> {
  if (to < from) return { blocks: 0, slots: 0, missedSlotRate: 0 }
  const first = (await c.getBlock({ height: from })).header.slot
  const last = (await c.getBlock({ height: to })).header.slot
  const blocks = to - from + 1
  const slots = last - first + 1
  return { blocks, slots, missedSlotRate: slots > 0 ? (slots - blocks) / slots : 0 }
}

/** Each node's CPU over `seconds` while nothing but the chain runs, with the blocks made meanwhile. */
async function measureIdle(pids: number[], c0: GatherClient, seconds: number): Promise<IdleResult> {
  const fromHeight = (await c0.getStatus()).height
  const start = os.loadavg()
  const before = await Promise.all(pids.map(cpuTicks))
  const t0 = performance.now()
  await sleep(seconds * 1000)
  const after = await Promise.all(pids.map(cpuTicks))
  const elapsed = (performance.now() - t0) / 1000
  const end = os.loadavg()
  const toHeight = (await c0.getStatus()).height
  const pct = pids.map((_, i) => ((after[i]! - before[i]!) / TICKS_PER_SECOND / elapsed) * 100)
  return {
    seconds: elapsed,
    cpuPctPerNode: pct,
    cpuPct: { median: quantile(pct, 0.5), max: quantile(pct, 1), total: pct.reduce((a, b) => a + b, 0) },
    loadAverage: { start, end },
    ...(await slotsOf(c0, fromHeight + 1, toHeight)),
  }
}

export async function runTestnetBench(opts: TestnetBenchOptions = {}): Promise<TestnetBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const validators = opts.validators ?? 21
  const blockTimeMs = opts.blockTimeMs ?? 2000
  const seconds = opts.seconds ?? 150
  const rate = opts.rate ?? 100
  // one transaction in flight per sender: enough senders that a few seconds of latency still
  // leave free ones at the offered rate
  const senderCount = opts.senders ?? Math.max(40, rate * 4)
  const basePort = opts.basePort ?? 31_000
  const idleSeconds = opts.idleSeconds ?? 60
  const idleSettleSeconds = opts.idleSettleSeconds ?? 60
  const idleWindowCount = opts.idleWindows ?? 4
  const dir = await mkdtemp(join(tmpdir(), 'gather-bench-testnet-'))
  let child: ChildProcess | undefined
  try {
    child = spawn(
      process.execPath,
      [
        CLI,
        'testnet',
        '--validators',
        String(validators),
        '--dir',
        join(dir, 'net'),
        '--block-time',
        String(blockTimeMs),
        '--base-port',
        String(basePort),
        '--log-level',
        'warn',
        ...(opts.cpuProf === undefined
          ? []
          : ['--cpu-prof-node', String(opts.cpuProf.node), '--cpu-prof-dir', opts.cpuProf.dir]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    const readyBy = Date.now() + 300_000 // 21 processes take a while to start on 2 cores
    while (!out.includes('Ctrl-C stops every node')) {
      if (child.exitCode !== null || Date.now() > readyBy) throw new Error(`testnet did not start:\n${out}`)
      await sleep(200)
    }
    const manifest = JSON.parse(await readFile(join(dir, 'net', 'testnet.json'), 'utf8')) as {
      chainId: string
      faucet: { index: number; address: string }
      nodes: { rpc: string }[]
    }
    const clients = manifest.nodes.map((n) => new GatherClient(n.rpc, { timeoutMs: 30_000 }))
    // the bench's own reads of node 0 are retried when they do not reach it
    const c0 = retryingReads(clients[0]!)
    log(`testnet: ${validators} validators up; waiting for finality to start`)
    const finalBy = Date.now() + 240_000
    while ((await c0.getStatus()).finalHeight < 3) {
      if (Date.now() > finalBy) {
        const st = await Promise.all(clients.map((c) => c.getStatus().catch(() => undefined)))
        throw new Error(
          `no finality after 4 minutes: ${JSON.stringify(st.map((x) => x && { h: x.height, f: x.finalHeight, hold: x.productionHold, head: x.headHash.slice(0, 8) }))}`,
        )
      }
      await sleep(200)
    }
    // the nodes in manifest order (gather testnet starts them in that order)
    const pids = await childPids(child.pid as number)
    // start-up work (first syncs, meshes, the DHT's first lookups) goes on after the first final
    // blocks: idle is measured once it has settled
    await sleep(idleSettleSeconds * 1000)
    const idleWindows: IdleResult[] = []
    for (let w = 1; w <= idleWindowCount; w++) {
      log(
        `testnet: idle window ${w} of ${idleWindowCount}, ${idleSeconds} s (load average ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')})`,
      )
      const window = await measureIdle(pids, c0, idleSeconds)
      idleWindows.push(window)
      log(
        `testnet: idle CPU per node median ${window.cpuPct.median.toFixed(2)} %, max ${window.cpuPct.max.toFixed(2)} % of a core; load average ${window.loadAverage.end.map((x) => x.toFixed(2)).join(' ')}`,
      )
    }
    const idle = idleWindows.at(-1)!
    if (opts.idleOnly === true)
      return { ...idleOnlyResult(validators, blockTimeMs, idle, await rssOf(pids)), idleWindows }

    const faucet = await deriveAccountKey(TEST_MNEMONIC, manifest.faucet.index)
    const senders = await Promise.all(
      Array.from({ length: senderCount }, (_, i) => deriveAccountKey(TEST_MNEMONIC, 1_000 + i)),
    )
    // fund the senders from the faucet, 32 transfers per transaction (the message limit)
    const fa = await c0.getAccount(faucet.address)
    const batches = Math.ceil(senders.length / 32)
    for (let i = 0; i < batches; i++) {
      const fund = signTx(
        {
          messages: senders
            .slice(i * 32, (i + 1) * 32)
            .map((s) => transferMessage(faucet.address, s.address, 1_000n * 1_000_000n)),
          chainId: manifest.chainId,
          accountNumber: BigInt(fa.accountNumber),
          sequence: BigInt(fa.sequence) + BigInt(i),
          fee: 10_000n,
        },
        faucet.privateKey,
        faucet.publicKey,
      )
      await broadcastRetrying(clients[0]!, fund, () => undefined)
    }
    // every funding transaction committed (the faucet's sequence moved past them), then final
    const fundBy = Date.now() + 120_000
    while (BigInt((await c0.getAccount(faucet.address)).sequence) < BigInt(fa.sequence) + BigInt(batches)) {
      if (Date.now() > fundBy) throw new Error('the funding transactions were not committed within 2 minutes')
      await sleep(200)
    }
    const fundedHeight = (await c0.getStatus()).height
    while ((await c0.getStatus()).finalHeight < fundedHeight) await sleep(200)
    // the senders' accounts, 50 at a time (node 0's rate limit is 200 calls/s per client)
    const accts: Awaited<ReturnType<GatherClient['getAccount']>>[] = []
    for (let i = 0; i < senders.length; i += 50)
      accts.push(...(await Promise.all(senders.slice(i, i + 50).map((s) => c0.getAccount(s.address)))))
    const unfunded = accts.filter((a) => BigInt(a.balance.ugat) === 0n)
    if (unfunded.length > 0) throw new Error(`${unfunded.length} senders were not funded`)
    const seq = accts.map((a) => BigInt(a.sequence))
    log(
      `testnet: ${senderCount} senders funded at height ${fundedHeight}; ${seconds} s of load at ${rate} tx/s`,
    )

    // final-height poller
    const finalAt = new Map<number, number>()
    let lastFinal = (await c0.getStatus()).finalHeight
    const lags: number[] = []
    let polling = true
    const poller = (async () => {
      while (polling) {
        try {
          const st = await c0.getStatus()
          const now = performance.now()
          for (let h = lastFinal + 1; h <= st.finalHeight; h++) finalAt.set(h, now)
          lastFinal = Math.max(lastFinal, st.finalHeight)
          lags.push(st.height - st.finalHeight)
        } catch {
          // a slow answer: try again
        }
        await sleep(100)
      }
    })()

    const startHeight = (await c0.getStatus()).height
    const submittedAt = new Map<string, number>()
    let refused = 0
    let offered = 0
    const refusedWhy: Record<string, number> = {}
    // senders with nothing in flight, in the order they became free
    const free: number[] = senders.map((_, i) => i)
    let starved = 0
    let retried = 0
    let resynced = 0
    const cpuBefore = await Promise.all(pids.map(cpuTicks))
    const genBefore = process.cpuUsage()
    const t0 = performance.now()
    const inflight = new Set<Promise<void>>()
    const send = (i: number): void => {
      const s = senders[i]!
      const raw = signTx(
        {
          messages: [transferMessage(s.address, faucet.address, 1n)],
          chainId: manifest.chainId,
          accountNumber: BigInt(accts[i]!.accountNumber),
          sequence: seq[i]!,
          fee: 1_000n,
        },
        s.privateKey,
        s.publicKey,
      )
      // a wallet talks to one node: sender i always uses node i mod N
      const client = clients[i % clients.length]!
      offered++
      const firstTry = performance.now()
      const p = broadcastRetrying(client, raw, () => retried++)
        .then((answer) => {
          // an answer to a retry may say the first try got in (it was accepted then: its time)
          submittedAt.set(txHash(raw), answer === 'accepted' ? performance.now() : firstTry)
          // the next sequence only once this one is in
          seq[i] = seq[i]! + 1n
        })
        .catch((e: unknown) => {
          refused++
          // the node wants an earlier sequence: it no longer holds one this sender had sent
          // (a refusal, and those transactions show as lost); like a wallet, go on from the
          // node's sequence rather than send this one forever
          const mismatch = /sequence mismatch.*expected (\d+), got (\d+)/.exec(String((e as Error).message))
          if (mismatch !== null && BigInt(mismatch[1]!) < BigInt(mismatch[2]!)) {
            seq[i] = BigInt(mismatch[1]!)
            resynced++
          }
          const why = String((e as Error).message ?? e)
            .replace(/[0-9A-Fa-f]{16,}/g, '…')
            .replace(/gat1[0-9a-z]{38}/g, 'gat1…')
            .replace(/\d+/g, 'N')
            .slice(0, 120)
          refusedWhy[why] = (refusedWhy[why] ?? 0) + 1
        })
        .finally(() => {
          inflight.delete(p)
          free.push(i)
        })
      inflight.add(p)
    }
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate)
      while (offered < due) {
        const i = free.shift()
        if (i === undefined) {
          starved++
          break
        }
        send(i)
      }
      await sleep(10)
    }
    await Promise.all(inflight)
    const loadEnd = performance.now()
    const cpuAfter = await Promise.all(pids.map(cpuTicks))
    const gen = process.cpuUsage(genBefore)
    const loadSeconds = (loadEnd - t0) / 1000
    const loadPct = pids.map(
      (_, i) => ((cpuAfter[i]! - cpuBefore[i]!) / TICKS_PER_SECOND / loadSeconds) * 100,
    )
    const loadCpu = {
      perNodeMedian: quantile(loadPct, 0.5),
      perNodeMax: quantile(loadPct, 1),
      nodesTotal: loadPct.reduce((a, b) => a + b, 0),
      generator: ((gen.user + gen.system) / 1e6 / loadSeconds) * 100,
    }
    log(
      `testnet: CPU under load per node median ${loadCpu.perNodeMedian.toFixed(1)} %, max ${loadCpu.perNodeMax.toFixed(1)} %, all nodes ${loadCpu.nodesTotal.toFixed(0)} %, load generator ${loadCpu.generator.toFixed(1)} % of a core; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    )
    const endHeight = (await c0.getStatus()).height

    // which final block included each accepted transaction, and when it became final; wait
    // (up to a minute) until every accepted one is in a final block
    const latencies: number[] = []
    const included = new Set<string>()
    let failedTxs = 0
    let scanned = startHeight
    const scanFinal = async (): Promise<void> => {
      for (let h = scanned + 1; h <= lastFinal; h++) {
        const b = await c0.getBlock({ height: h })
        for (const r of b.results) {
          const at = submittedAt.get(r.hash)
          if (at === undefined || included.has(r.hash)) continue
          included.add(r.hash)
          if (r.code !== 0) failedTxs++
          const fin = finalAt.get(h)
          if (fin !== undefined) latencies.push(fin - at)
        }
        scanned = h
      }
    }
    for (;;) {
      await scanFinal()
      const waited = performance.now() - loadEnd
      if ((included.size >= submittedAt.size && lastFinal >= endHeight + 2) || waited > 60_000) break
      await sleep(500)
    }
    polling = false
    await poller
    const window = await slotsOf(c0, startHeight + 1, endHeight)
    const rss = await rssOf(pids)
    // accepted but not in a final block: committed on node 0 above the final height (late, not
    // lost), or nowhere on node 0's chain (lost)
    let late = 0
    const lostHashes: string[] = []
    for (const hash of submittedAt.keys()) {
      if (included.has(hash)) continue
      const found = await c0.getTx(hash).then(
        () => true,
        () => false,
      )
      if (found) late++
      else lostHashes.push(hash)
    }
    const lost = lostHashes.length
    const lostWhere = lost > 0 ? await whereLost(clients, lostHashes.slice(0, 20)) : undefined
    const result: TestnetBenchResult = {
      validators,
      blockTimeMs,
      seconds,
      offeredPerSec: rate,
      offered,
      submitted: submittedAt.size,
      refused,
      retried,
      refusedWhy,
      finalTxs: included.size,
      failedTxs,
      lost,
      late,
      ...(lostWhere === undefined ? {} : { lostWhere }),
      finalTxPerSec: included.size / seconds,
      latencyMs: {
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        max: quantile(latencies, 1),
      },
      ...window,
      finalLagBlocks: { median: quantile(lags, 0.5), max: quantile(lags, 1) },
      rssMiB: rss,
      loadCpu,
      idle,
      idleWindows,
      notes: [
        `${validators} \`gather start\` processes started by \`gather testnet\` on this one machine (2 cores shared by all of them and the load generator), ${blockTimeMs} ms blocks.`,
        `Idle: ${idleWindowCount} windows of ${idle.seconds.toFixed(0)} s of empty blocks back to back, the first ${idleSettleSeconds} s after the first final blocks, no RPC calls meanwhile; each process's utime + stime from /proc/<pid>/stat over each window. The figure is the last window's (a validator running for ${Math.round((idleSettleSeconds + idleWindowCount * idleSeconds) / 60)} minutes); per-node medians of the windows in order: ${idleWindows.map((x) => `${x.cpuPct.median.toFixed(2)} %`).join(', ')} (max ${idleWindows.map((x) => `${x.cpuPct.max.toFixed(2)} %`).join(', ')}). The first windows still hold start-up work: V8 compiling on its own threads, the DHT's first lookups.`,
        `${senderCount} funded senders send 1-ugat transfers, each to its own node's \`tx_broadcast\` (sender i → node i mod ${validators}), at ${rate} tx/s offered for ${seconds} s; a sender has one transaction in flight and takes its next sequence only once the node accepted the last${starved > 0 ? ` (${starved} times no sender was free: the offered rate was not reached)` : ''}.`,
        `A broadcast that failed to reach the node (a connection closed or reset, not an answer) was sent again, up to ${BROADCAST_TRIES} times (${retried} retries); an answer to a retry that the transaction is already pending, or that the sequence after it is due, counts it as accepted at its first try.`,
        `Lost = accepted by \`tx_broadcast\` but in no block of node 0's chain 60 s after the load; late = committed there but not yet final (${late}).${resynced > 0 ? ` ${resynced} times a node wanted an earlier sequence than the sender's next (it no longer held a transaction it had accepted): the sender went on from the node's.` : ''}`,
        ...(lostWhere === undefined
          ? []
          : [
              `Lost transactions, pending in the mempool of (node indexes; none: no node kept it): ${lostWhere
                .map(
                  (l) =>
                    `${l.hash.slice(0, 12)}… ${l.pendingOn.length === 0 ? 'none' : l.pendingOn.join(',')}`,
                )
                .join('; ')}${lost > lostWhere.length ? ` (the first ${lostWhere.length} of ${lost})` : ''}.`,
            ]),
        'Latency = the first 100 ms poll of node 0 that saw the block final − the moment tx_broadcast accepted the transaction.',
        'Missed slots are counted on node 0 over the blocks of the load window (slots without a block / slots).',
        ...Object.entries(refusedWhy)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([why, n]) => `Refused ${n}×: ${why}`),
      ],
    }
    return result
  } finally {
    if (child?.pid !== undefined && child.exitCode === null) {
      child.kill('SIGINT')
      const by = Date.now() + 30_000
      while (child.exitCode === null && Date.now() < by) await sleep(200)
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The client with its reads (`getStatus`, `getAccount`, `getBlock`) sent again, up to 10 times,
 * when they do not reach the node (a keep-alive connection closed as it was reused) or meet its
 * per-client rate limit.
 */
/**
 * For lost transactions (accepted, in no block of node 0's chain): which nodes still hold each
 * pending (`chain_getTx` answers NOT_FOUND with `pending` for a mempool transaction), so that a
 * loss can be told apart from a transaction that only waits for a block.
 */
async function whereLost(
  clients: GatherClient[],
  hashes: string[],
): Promise<{ hash: string; pendingOn: number[] }[]> {
  const out: { hash: string; pendingOn: number[] }[] = []
  for (const hash of hashes) {
    const pending = await Promise.all(
      clients.map((c) =>
        c.getTx(hash).then(
          () => false,
          (e: unknown) =>
            e instanceof RpcClientError && (e.data as { pending?: boolean } | undefined)?.pending === true,
        ),
      ),
    )
    out.push({ hash, pendingOn: pending.flatMap((p, i) => (p ? [i] : [])) })
  }
  return out
}

function retryingReads(client: GatherClient): GatherClient {
  const reads = new Set(['getStatus', 'getAccount', 'getBlock'])
  return new Proxy(client, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown
      if (typeof name !== 'string' || !reads.has(name) || typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
          } catch (e) {
            const message = String((e as Error).message)
            // not reached, or over the node's per-client rate limit (our reads of 400 accounts)
            if (!/cannot reach the node|rate limit exceeded/.test(message) || attempt >= 10) throw e
            await sleep(100 * attempt)
          }
        }
      }
    },
  })
}

/** How many times a broadcast is sent when the connection fails (not when the node answers). */
const BROADCAST_TRIES = 4

/** The transaction hash `tx_broadcast` answers with: sha256 of the TxRaw, upper-case hex. */
function txHash(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex').toUpperCase()
}

/**
 * `tx_broadcast`, sent again when it did not reach the node (the client says "cannot reach the
 * node": a keep-alive connection the server closed as it was reused, a reset). Resolves
 * `accepted` when the node admitted it on this try, `earlier` when a retry's refusal shows an
 * earlier try got in (already pending, or the node wants the next sequence); rejects with the
 * node's refusal otherwise.
 */
async function broadcastRetrying(
  client: GatherClient,
  raw: Uint8Array,
  onRetry: () => void,
): Promise<'accepted' | 'earlier'> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.broadcast(raw)
      return 'accepted'
    } catch (e) {
      const message = String((e as Error).message ?? e)
      if (attempt > 1 && /is already pending/.test(message)) return 'earlier'
      const mismatch = /sequence mismatch.*expected (\d+), got (\d+)/.exec(message)
      if (attempt > 1 && mismatch !== null && BigInt(mismatch[1]!) === BigInt(mismatch[2]!) + 1n)
        return 'earlier'
      if (!/cannot reach the node/.test(message) || attempt >= BROADCAST_TRIES) throw e
      onRetry()
      await sleep(100 * attempt)
    }
  }
}

async function rssOf(pids: number[]): Promise<TestnetBenchResult['rssMiB']> {
  const rss = await Promise.all(pids.map(rssMiB))
  return { median: quantile(rss, 0.5), max: quantile(rss, 1), total: rss.reduce((a, b) => a + b, 0) }
}

function idleOnlyResult(
  validators: number,
  blockTimeMs: number,
  idle: IdleResult,
  rssMiB: TestnetBenchResult['rssMiB'],
): TestnetBenchResult {
  return {
    validators,
    blockTimeMs,
    seconds: 0,
    offeredPerSec: 0,
    offered: 0,
    submitted: 0,
    refused: 0,
    retried: 0,
    refusedWhy: {},
    finalTxs: 0,
    failedTxs: 0,
    lost: 0,
    finalTxPerSec: 0,
    latencyMs: { p50: 0, p99: 0, max: 0 },
    blocks: 0,
    slots: 0,
    missedSlotRate: 0,
    finalLagBlocks: { median: 0, max: 0 },
    rssMiB,
    idle,
    notes: ['Idle only (--idle-only): no load.'],
  }
}

/** The verdict lines against issue 17's targets. */
export function testnetVerdicts(r: TestnetBenchResult): string[] {
  const t = TESTNET_TARGETS
  const line = (ok: boolean, what: string): string => `- ${ok ? 'MET' : 'NOT MET'}: ${what}`
  const lines = [
    line(
      r.idle.cpuPct.max <= t.idleCpuPct,
      `idle ≤ ${t.idleCpuPct} % of a core per node (median ${r.idle.cpuPct.median.toFixed(2)} %, max ${r.idle.cpuPct.max.toFixed(2)} %)`,
    ),
  ]
  if (r.offered === 0) return lines
  return [
    ...lines,
    line(
      r.lost === 0 && (r.late ?? 0) === 0,
      `nothing accepted is lost (${r.lost} of ${r.submitted} accepted in no block, ${r.late ?? 0} committed but not final 60 s after the load)`,
    ),
    line(
      r.missedSlotRate <= t.missedSlotRate,
      `missed slots ≤ ${t.missedSlotRate * 100} % (${(r.missedSlotRate * 100).toFixed(1)} %)`,
    ),
    line(
      r.latencyMs.p50 <= t.p50Ms,
      `submission → final p50 ≤ ${t.p50Ms} ms (${r.latencyMs.p50.toFixed(0)} ms)`,
    ),
    line(
      r.latencyMs.p99 <= t.p99Ms,
      `submission → final p99 ≤ ${t.p99Ms} ms (${r.latencyMs.p99.toFixed(0)} ms)`,
    ),
  ]
}
