/**
 * A 21-validator network on this machine (issue 5): `gather testnet --validators 21` (21 real
 * `gather start` processes on 127.0.0.1) under a steady load of signed transfers for several
 * minutes. Measures final transactions per second, the time from submission to finality
 * (p50/p99), the missed-slot rate and the memory of each node.
 *
 * Finality time: node 0 is polled every 100 ms; a block's final time is the first poll that saw
 * the final height reach it; a transaction's latency is its block's final time minus the moment
 * it was accepted by `tx_broadcast`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deriveAccountKey, TEST_MNEMONIC } from '../../chain/crypto/hd.js'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { GatherClient } from '../../rpc/client.js'

const CLI = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../cli/index.js')

export interface TestnetBenchOptions {
  validators?: number
  blockTimeMs?: number
  /** seconds of steady load */
  seconds?: number
  /** transactions per second offered */
  rate?: number
  senders?: number
  basePort?: number
  log?: (line: string) => void
}

export interface TestnetBenchResult {
  validators: number
  blockTimeMs: number
  seconds: number
  offeredPerSec: number
  submitted: number
  refused: number
  /** why submissions were refused: error message (numbers and hashes masked) → count */
  refusedWhy: Record<string, number>
  finalTxs: number
  finalTxPerSec: number
  latencyMs: { p50: number; p99: number; max: number }
  blocks: number
  slots: number
  missedSlotRate: number
  finalLagBlocks: { median: number; max: number }
  rssMiB: { median: number; max: number; total: number }
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

function childPids(parent: number): Promise<number[]> {
  return readFile(`/proc/${parent}/task/${parent}/children`, 'utf8')
    .then((t) => t.trim().split(/\s+/).filter(Boolean).map(Number))
    .catch(() => [])
}

export async function runTestnetBench(opts: TestnetBenchOptions = {}): Promise<TestnetBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const validators = opts.validators ?? 21
  const blockTimeMs = opts.blockTimeMs ?? 3000
  const seconds = opts.seconds ?? 150
  const rate = opts.rate ?? 20
  const senderCount = opts.senders ?? 40
  const basePort = opts.basePort ?? 31_000
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
    const c0 = clients[0]!
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

    const faucet = await deriveAccountKey(TEST_MNEMONIC, manifest.faucet.index)
    const senders = await Promise.all(
      Array.from({ length: senderCount }, (_, i) => deriveAccountKey(TEST_MNEMONIC, 1_000 + i)),
    )
    // fund the senders from the faucet, 32 transfers per transaction (the message limit)
    const fa = await c0.getAccount(faucet.address)
    let fundedHeight = 0
    for (let i = 0; i * 32 < senders.length; i++) {
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
      const funded = await c0.broadcastCommit(fund, 60_000)
      if (funded.code !== 0) throw new Error(`funding failed: ${funded.log}`)
      fundedHeight = funded.height
    }
    while ((await c0.getStatus()).finalHeight < fundedHeight) await sleep(200)
    const accts = await Promise.all(senders.map((s) => c0.getAccount(s.address)))
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
    const refusedWhy: Record<string, number> = {}
    const t0 = performance.now()
    let sent = 0
    const inflight: Promise<void>[] = []
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate)
      while (sent < due) {
        const i = sent % senderCount
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
        seq[i] = seq[i]! + 1n
        // a wallet talks to one node: sender i always uses node i mod N, so its sequences reach
        // that node in order (spread over nodes, n+1 could arrive before gossip brought n)
        const client = clients[i % clients.length]!
        sent++
        inflight.push(
          client
            .broadcast(raw)
            .then((r) => {
              submittedAt.set(r.hash.toUpperCase(), performance.now())
            })
            .catch((e: unknown) => {
              refused++
              // like a wallet, take the sequence the node expects and go on from there (one
              // lost submission must not make every later one of this sender a gap)
              const expected = /sequence mismatch.*expected (\d+)/.exec(String((e as Error).message))
              if (expected !== null) seq[i] = BigInt(expected[1]!)
              const why = String((e as Error).message ?? e)
                .replace(/[0-9A-Fa-f]{16,}/g, '…')
                .replace(/gat1[0-9a-z]{38}/g, 'gat1…')
                .replace(/\d+/g, 'N')
                .slice(0, 120)
              refusedWhy[why] = (refusedWhy[why] ?? 0) + 1
            }),
        )
      }
      await sleep(20)
    }
    await Promise.all(inflight)
    const loadEnd = performance.now()
    // let the last ones become final
    const endHeight = (await c0.getStatus()).height
    while (lastFinal < endHeight + 2 && performance.now() - loadEnd < 60_000) await sleep(200)
    polling = false
    await poller

    // which block included each transaction, and when that block became final
    const latencies: number[] = []
    let finalTxs = 0
    let blocks = 0
    let firstSlot = -1
    let lastSlot = -1
    for (let h = startHeight + 1; h <= Math.min(lastFinal, endHeight); h++) {
      const b = await c0.getBlock({ height: h })
      blocks++
      if (firstSlot < 0) firstSlot = b.header.slot
      lastSlot = b.header.slot
      const { createHash } = await import('node:crypto')
      for (const tx of b.txs) {
        const hash = createHash('sha256').update(Buffer.from(tx, 'base64')).digest('hex').toUpperCase()
        const at = submittedAt.get(hash)
        const fin = finalAt.get(h)
        if (at === undefined || fin === undefined) continue
        finalTxs++
        latencies.push(fin - at)
      }
    }
    const slots = lastSlot - firstSlot + 1
    const pids = await childPids(child.pid as number)
    const rss = await Promise.all(pids.map(rssMiB))
    const result: TestnetBenchResult = {
      validators,
      blockTimeMs,
      seconds,
      offeredPerSec: rate,
      submitted: submittedAt.size,
      refused,
      refusedWhy,
      finalTxs,
      finalTxPerSec: finalTxs / seconds,
      latencyMs: {
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        max: quantile(latencies, 1),
      },
      blocks,
      slots,
      missedSlotRate: slots > 0 ? (slots - blocks) / slots : 0,
      finalLagBlocks: { median: quantile(lags, 0.5), max: quantile(lags, 1) },
      rssMiB: { median: quantile(rss, 0.5), max: quantile(rss, 1), total: rss.reduce((a, b) => a + b, 0) },
      notes: [
        `${validators} \`gather start\` processes started by \`gather testnet\` on this one machine (2 cores shared by all of them and the load generator), ${blockTimeMs} ms blocks.`,
        `${senderCount} funded senders send 1-ugat transfers in turn, each to its own node's \`tx_broadcast\` (sender i → node i mod ${validators}), at ${rate} tx/s offered for ${seconds} s.`,
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
