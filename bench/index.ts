/**
 * `npm run bench`: the crypto, SMT and block-apply suites, a summary table, and
 * `bench/results/chain-core.json` + `bench/results/chain-core.md`; the JSON-RPC suite writes
 * `bench/results/rpc.json` + `bench/results/rpc.md`; the journal suite (`tx_broadcast` with and
 * without the transaction journal, same run) `bench/results/journal.json` + `.md`.
 *
 * Usage: `node dist/bench/index.js [--only crypto|smt|block|rpc|journal|staking|rewards|messaging|testnet|groups|private|governance] [--quick]`
 * (testnet: `[--validators N] [--block-time MS] [--seconds S] [--rate TX_PER_S] [--idle-seconds S]
 * [--idle-settle S] [--idle-windows N] [--idle-only] [--cpu-prof DIR[:NODE]]`, default 21
 * validators, 2,000 ms blocks, four 60 s idle windows back to back starting 60 s after the first
 * final blocks (the last one is the idle figure), then
 * 150 s at 100 tx/s; `--idle-only` prints the idle figures and writes no results; `--cpu-prof`
 * runs node NODE (default 1) under `node --cpu-prof`, its profile written to DIR at the end)
 * (the staking suite writes `bench/results/staking.json` + `bench/results/staking.md`; the
 * rewards suite `bench/results/rewards.json` + `.md`; the messaging suite
 * `bench/results/messaging.json` + `.md`; the group-chain suite, on real `gather start` processes,
 * `bench/results/groups.json` + `.md`; the governance suite `bench/results/governance.json` + `.md`)
 * (`--quick`: fewer, smaller block-apply samples, for trying the harness; not for the record).
 */
import '../chain/polyfills.js'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BlockApplyResult, meetsBlockTarget, runBlockApplyBench } from './chain/blockApply.bench.js'
import { runCryptoBench } from './crypto/verify.bench.js'
import { governanceMarkdown, runGovernanceBench } from './governance/governance.bench.js'
import { type GroupsBenchResult, runGroupsBench } from './groups/groups.bench.js'
import { privateMarkdown, runPrivateGroupsBench } from './groups/private.bench.js'
import { type MessagingBenchResult, runMessagingBench } from './messaging/messaging.bench.js'
import {
  runTestnetBench,
  type TestnetBenchOptions,
  type TestnetBenchResult,
  testnetVerdicts,
} from './network/testnet.bench.js'
import { type JournalBenchResult, runJournalBench } from './rpc/journal.bench.js'
import { type RpcBenchResult, runRpcBench } from './rpc/rpc.bench.js'
import { runStakingBench, type StakingBenchResult } from './staking/staking.bench.js'
import { runSmtBench } from './store/smt.bench.js'
import { type RewardsBenchResult, type RewardsSizeResult, runRewardsBench } from './token/rewards.bench.js'

const SUITES = [
  'crypto',
  'smt',
  'block',
  'rpc',
  'journal',
  'staking',
  'rewards',
  'messaging',
  'testnet',
  'groups',
  'private',
  'governance',
] as const
type SuiteName = (typeof SUITES)[number]

/** A benny JSON result file as `save({ format: 'json' })` writes it. */
interface BennyFile {
  name: string
  date: string
  results: { name: string; ops: number; margin: number; percentSlower: number }[]
}

/** bench/results/chain-core.json. */
interface ChainCoreReport {
  /** when this file was last written */
  date: string
  machine: {
    node: string
    platform: string
    arch: string
    cpuModel: string
    cpus: number
    memoryGiB: number
    /** os.loadavg() when the run started and ended: other processes on the machine skew the figures */
    loadAverage: { start: number[]; end: number[] }
  }
  /** each suite with the date it ran (a `--only` run replaces just its suite) */
  suites: {
    crypto?: { date: string; results: BennyFile['results'] }
    smt?: { date: string; results: BennyFile['results'] }
    block?: { date: string; quick: boolean; seconds: number; result: BlockApplyResult }
  }
}

/** The testnet suite's own arguments. */
type TestnetArgs = Pick<
  TestnetBenchOptions,
  | 'validators'
  | 'blockTimeMs'
  | 'seconds'
  | 'rate'
  | 'idleSeconds'
  | 'idleSettleSeconds'
  | 'idleWindows'
  | 'idleOnly'
  | 'cpuProf'
>

function parseArgs(argv: string[]): {
  only: SuiteName[]
  quick: boolean
  testnet: TestnetArgs
} {
  let only: SuiteName[] = [...SUITES]
  let quick = false
  const testnet: TestnetArgs = {}
  const whole = (name: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${name} takes a whole number ${min}..${max}, got "${v}"`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--quick') {
      quick = true
    } else if (a === '--validators') {
      testnet.validators = whole(a, argv[++i], 1, 21)
    } else if (a === '--block-time') {
      testnet.blockTimeMs = whole(a, argv[++i], 100, 60_000)
    } else if (a === '--seconds') {
      testnet.seconds = whole(a, argv[++i], 10, 3_600)
    } else if (a === '--rate') {
      testnet.rate = whole(a, argv[++i], 1, 10_000)
    } else if (a === '--idle-seconds') {
      testnet.idleSeconds = whole(a, argv[++i], 5, 3_600)
    } else if (a === '--idle-settle') {
      testnet.idleSettleSeconds = whole(a, argv[++i], 0, 3_600)
    } else if (a === '--idle-windows') {
      testnet.idleWindows = whole(a, argv[++i], 1, 60)
    } else if (a === '--idle-only') {
      testnet.idleOnly = true
    } else if (a === '--cpu-prof') {
      // --cpu-prof DIR[:NODE]: node NODE (default 1) runs under node --cpu-prof
      const v = argv[++i] ?? ''
      const m = /^(.+?)(?::(\d+))?$/.exec(v)
      if (m === null) throw new Error(`--cpu-prof takes DIR[:NODE], got "${v}"`)
      testnet.cpuProf = { dir: resolve(m[1]!), node: m[2] === undefined ? 1 : Number(m[2]) }
    } else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length)
      const names = (v ?? '').split(',').filter((x) => x !== '')
      const bad = names.filter((n) => !(SUITES as readonly string[]).includes(n))
      if (names.length === 0 || bad.length > 0) {
        throw new Error(`--only takes ${SUITES.join('|')} (comma-separated), got "${v ?? ''}"`)
      }
      only = names as SuiteName[]
    } else if (a === '--help' || a === '-h') {
      console.log(
        'usage: node dist/bench/index.js [--only crypto|smt|block|rpc|journal|staking|rewards|messaging|testnet|groups|private|governance] [--quick]',
      )
      process.exit(0)
    } else {
      throw new Error(
        `unknown argument "${a}"; usage: [--only crypto|smt|block|rpc|journal|staking|rewards|messaging|testnet|groups|private|governance] [--quick]`,
      )
    }
  }
  return { only, quick, testnet }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')
}

function bennyTable(results: BennyFile['results']): string {
  return table(
    ['case', 'ops/s', '± %'],
    results.map((r) => [r.name, fmt(r.ops), r.margin.toFixed(2)]),
  )
}

/** The phases of the recorded baseline (the fields the bench had then). */
interface BaselinePhase {
  txsPerBlock: number
  usPerTx: Partial<Record<'preverify' | 'verifyBatch', number>> &
    Record<
      'total' | 'prepare' | 'verifySignature' | 'execute' | 'stateRoot' | 'dbCommit' | 'stateApply' | 'other',
      number
    >
}

/** bench/results/block-apply-baseline.json: block apply before the pipeline work, for the before/after tables. */
interface BlockBaseline {
  date: string
  sizes: { mode: string; txsPerBlock: number; txPerSecMedian: number; ratioAllCores: number }[]
  phases: BaselinePhase[]
}

function blockBaseline(): BlockBaseline | undefined {
  // dist/bench/index.js -> <root>/bench/results (where main() writes)
  const path = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    '..',
    'bench',
    'results',
    'block-apply-baseline.json',
  )
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as BlockBaseline) : undefined
}

/** The human summary (also printed at the end of a run). */
function markdown(rep: ChainCoreReport): string {
  const m = rep.machine
  const out: string[] = [
    '# Gather Chain core benchmarks',
    '',
    `Written ${rep.date} by \`npm run bench\` (bench/index.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end (other processes skew the figures). Micro-benchmarks are single-threaded.`,
    '',
  ]
  const block = rep.suites.block
  if (block !== undefined) {
    const r = block.result
    const targetOf = (txs: number) => r.targets.find((t) => t.txsPerBlock === txs)
    const targetText = (r.targets ?? [])
      .map(
        (t) =>
          `${fmt(t.txsPerBlock)}-tx blocks >= ${fmt(t.txPerSec)} tx/s${t.ofAllCores === undefined ? '' : ` and >= ${pct(t.ofAllCores)} of the all-cores limit`}`,
      )
      .join('; ')
    out.push(
      `## Block apply (${block.date}${block.quick ? ', --quick run: not for the record' : ''})`,
      '',
      `A follower node imports pre-built blocks of signed transfers among ${fmt(r.accounts)} accounts (\`GatherNode.importBlock\`: decode, signature verify, execute, state root, classic-level commit). The limits are measured in the same run, before, between and after the block sizes: the native secp256k1 verification rate on one thread (\`measureNativeVerifyRate\`), ${r.verifyRuns.map((v) => fmt(v)).join(' / ')} verifies/s (mean ${fmt(r.verifyPerSec)}), and on all cores, a verify pool on ${r.allCoresThreads ?? '?'} threads (\`measureAllCoresVerifyRate\`), ${(r.allCoresRuns ?? []).map((v) => fmt(v)).join(' / ')} verifies/s. Each block size is compared with the runs around it. Targets: ${targetText}.`,
      '',
      `**Verdict: ${r.meetsTarget ? 'met' : 'NOT met'}** for the node as shipped (median tx/s of each block size).`,
      '',
      table(
        [
          'node',
          'txs/block',
          'blocks',
          'tx/s median',
          'tx/s min',
          'ms/block median',
          'target',
          'met',
          'of the all-cores limit',
          'of the one-thread limit',
        ],
        r.sizes.map((s) => {
          const t = targetOf(s.txsPerBlock)
          return [
            s.mode === 'default'
              ? `as shipped (${s.verifyThreads} verify worker${s.verifyThreads === 1 ? '' : 's'} beside the main thread)`
              : 'verifyThreads: 0',
            fmt(s.txsPerBlock),
            String(s.blocks),
            fmt(s.txPerSec.median),
            fmt(s.txPerSec.min),
            fmt(s.msPerBlock.median, 1),
            t === undefined
              ? '—'
              : `${fmt(t.txPerSec)} tx/s${t.ofAllCores === undefined ? '' : `, ${pct(t.ofAllCores)}`}`,
            s.mode !== 'default' || t === undefined ? '—' : meetsBlockTarget(s, r.targets) ? 'yes' : '**no**',
            `${pct(s.ratioAllCores)} of ${fmt(s.allCoresPerSec)}`,
            `${pct(s.ratioMedian)} of ${fmt(s.verifyPerSec)}`,
          ]
        }),
      ),
      '',
    )
    const baseline = blockBaseline()
    if (baseline !== undefined) {
      const before = (mode: string, txs: number) =>
        baseline.sizes.find((x) => x.mode === mode && x.txsPerBlock === txs)
      out.push(
        `Before the pipeline work (${baseline.date}, the same bench, the node of commit d0347b2; \`bench/results/block-apply-baseline.json\`):`,
        '',
        table(
          [
            'node',
            'txs/block',
            'tx/s median before',
            'tx/s median now',
            'now / before',
            'of the all-cores limit before',
            'now',
          ],
          r.sizes.flatMap((s) => {
            const b = before(s.mode, s.txsPerBlock)
            if (b === undefined) return []
            return [
              [
                s.mode === 'default' ? 'as shipped' : 'verifyThreads: 0',
                fmt(s.txsPerBlock),
                fmt(b.txPerSecMedian),
                fmt(s.txPerSec.median),
                `${(s.txPerSec.median / b.txPerSecMedian).toFixed(2)}×`,
                pct(b.ratioAllCores),
                pct(s.ratioAllCores),
              ],
            ]
          }),
        ),
        '',
      )
    }
    if (r.phases.length > 0) {
      const basePhase = (txs: number) => baseline?.phases.find((p) => p.txsPerBlock === txs)
      const cols = r.phases.flatMap((p) =>
        basePhase(p.txsPerBlock) === undefined
          ? [`${fmt(p.txsPerBlock)} txs`]
          : [`${fmt(p.txsPerBlock)} txs before`, `${fmt(p.txsPerBlock)} txs now`],
      )
      // one row: the phase now, and before where the baseline has it (`old` maps the baseline's fields)
      const row = (
        name: string,
        now: (p: (typeof r.phases)[number]) => number,
        old?: (u: BaselinePhase['usPerTx']) => number | undefined,
        bold = false,
      ): string[] => {
        const cell = (x: number | undefined) =>
          x === undefined ? '—' : bold ? `**${x.toFixed(1)}**` : x.toFixed(1)
        return [
          name,
          ...r.phases.flatMap((p) => {
            const b = basePhase(p.txsPerBlock)
            const n = cell(now(p))
            return b === undefined ? [n] : [cell(old?.(b.usPerTx)), n]
          }),
        ]
      }
      out.push(
        `### Where the time goes (µs of wall time per transaction, instrumented follower as shipped)`,
        '',
        `Main-thread wall time per phase, before the pipeline work and now. Before, \`StateMachine.preverify\` verified the block's signatures on the pool (the worker and the main thread) before execution; now the main thread sends them to the verify worker(s) in chunks as it decodes (\`SignatureCheck.add\`), executes with those signatures deferred, and waits for the answers only before the roots are compared (\`settle\`). The workers' own time, overlapped with decode and execute, is the italic row and not part of the total.`,
        '',
        table(
          ['phase', ...cols],
          [
            row(
              'signatures, main thread (before: `preverify`; now: `SignatureCheck.add` + `settle`)',
              (p) => p.usPerTx.signaturesSend + p.usPerTx.signaturesWait,
              (u) => u.preverify,
            ),
            row(
              '_of which sent to the workers (account lookups, SignDoc, packing)_',
              (p) => p.usPerTx.signaturesSend,
              (u) =>
                u.preverify !== undefined && u.verifyBatch !== undefined
                  ? u.preverify - u.verifyBatch
                  : undefined,
            ),
            row(
              '_of which waiting for the workers_',
              (p) => p.usPerTx.signaturesWait,
              (u) => u.verifyBatch,
            ),
            row(
              '_verification on the workers, overlapped (not in the total)_',
              (p) => p.usPerTx.workerVerify,
            ),
            row(
              'signature check in execute (`verifySignature`: deferred or cached)',
              (p) => p.usPerTx.verifySignature,
              (u) => u.verifySignature,
            ),
            row(
              'execute, without verify (`executeTx`: ante, fee, transfer, events)',
              (p) => p.usPerTx.execute,
              (u) => u.execute,
            ),
            row(
              'decode (`StateMachine.prepare`)',
              (p) => p.usPerTx.prepare,
              (u) => u.prepare,
            ),
            row(
              'state root (`CommittedState.treeWith`)',
              (p) => p.usPerTx.stateRoot,
              (u) => u.stateRoot,
            ),
            row(
              'db commit (`ChainDb.commitBlock`)',
              (p) => p.usPerTx.dbCommit,
              (u) => u.dbCommit,
            ),
            row(
              'state apply (`CommittedState.apply`)',
              (p) => p.usPerTx.stateApply,
              (u) => u.stateApply,
            ),
            row(
              'other (block decode, hashes, merkle roots, encodes, checks)',
              (p) => p.usPerTx.other,
              (u) => u.other,
            ),
            row(
              '**total**',
              (p) => p.usPerTx.total,
              (u) => u.total,
              true,
            ),
            row('_of total: garbage-collection pauses_', (p) => p.gcPauses, undefined),
            row('_of other: tx + result merkle roots_', (p) => p.otherParts.txRoot + p.otherParts.resultRoot),
            row(
              '_of other: result encoding (once: the same bytes give the result root and are stored)_',
              (p) => p.otherParts.encodeResultsForCommit,
            ),
            row(
              '_of other: tx hash for the mempool lookup (once: decoding keeps it)_',
              (p) => p.otherParts.txHashForMempoolLookup,
            ),
            row(
              '_of other: block decode (once; stored as received, not re-encoded)_',
              (p) => p.otherParts.decodeBlock,
            ),
          ],
        ),
        '',
      )
    }
    if (r.micro.length > 0) {
      out.push(
        '### Per-transaction micro-benchmarks (benny)',
        '',
        table(
          ['case', 'ops/s', 'µs/op', '± %'],
          r.micro.map((x) => [x.name, fmt(x.opsPerSec), x.usPerOp.toFixed(1), x.marginPct.toFixed(2)]),
        ),
        '',
      )
    }
    out.push(...r.notes.map((n) => `- ${n}`), '')
  }
  if (rep.suites.crypto !== undefined) {
    out.push(`## Crypto (${rep.suites.crypto.date})`, '', bennyTable(rep.suites.crypto.results), '')
  }
  if (rep.suites.smt !== undefined) {
    out.push(`## Sparse Merkle tree (${rep.suites.smt.date})`, '', bennyTable(rep.suites.smt.results), '')
  }
  return out.join('\n')
}

/** bench/results/journal.json. */
interface JournalReport {
  date: string
  quick: boolean
  machine: ChainCoreReport['machine']
  result: JournalBenchResult
}

function journalMarkdown(rep: JournalReport): string {
  const m = rep.machine
  const r = rep.result
  return [
    '# Gather Chain transaction journal benchmark',
    '',
    `## \`tx_broadcast\` admission with and without the journal (${rep.date}${rep.quick ? ', --quick run: not for the record' : ''})`,
    '',
    `Written by \`npm run bench -- --only journal\` (bench/rpc/journal.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    `${r.rounds} rounds; in each, a fresh in-process node without and one with the journal (the order alternating) take ${fmt(r.accounts)} pre-signed transfers through \`tx_broadcast\`, ${r.concurrency} HTTP requests in flight, no block production.`,
    '',
    `**With / without: ${pct(r.ratio)}** of the admission rate (medians: ${fmt(r.with.perSec)} vs ${fmt(r.without.perSec)} tx/s; p50 ${r.with.p50Ms.toFixed(2)} vs ${r.without.p50Ms.toFixed(2)} ms, p99 ${r.with.p99Ms.toFixed(2)} vs ${r.without.p99Ms.toFixed(2)} ms; ${r.with.appendsPerSync} transactions per fsync). Within each round: ${r.roundRatios.map(pct).join(', ')}.`,
    '',
    table(
      ['round', 'journal', 'tx/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'fsyncs', 'tx per fsync'],
      r.runs.map((x) => [
        String(x.round),
        x.journal ? 'with' : 'without',
        fmt(x.perSec),
        x.latencyMs.p50.toFixed(2),
        x.latencyMs.p90.toFixed(2),
        x.latencyMs.p99.toFixed(2),
        x.latencyMs.max.toFixed(2),
        x.syncs === undefined ? '' : fmt(x.syncs),
        x.appendsPerSync === undefined ? '' : String(x.appendsPerSync),
      ]),
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

/** bench/results/rpc.json. */
interface RpcReport {
  date: string
  quick: boolean
  machine: ChainCoreReport['machine']
  result: RpcBenchResult
}

function rpcMarkdown(rep: RpcReport): string {
  const m = rep.machine
  const r = rep.result
  return [
    '# Gather Chain JSON-RPC benchmark',
    '',
    `## JSON-RPC over HTTP (${rep.date}${rep.quick ? ', --quick run: not for the record' : ''})`,
    '',
    `Written by \`npm run bench -- --only rpc\` (bench/rpc/rpc.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    `An in-process node (${fmt(r.accounts)} funded accounts, no block production during the run) behind an RpcServer on 127.0.0.1; a load generator in a worker thread keeps ${r.concurrency} HTTP requests in flight over keep-alive connections. **The node and the load generator share the same ${m.cpus} cores**, so the figures are a lower bound for a node with a remote client.`,
    '',
    ...(r.verdict === undefined
      ? []
      : [
          `**${r.verdict}.** Admission is **${((r.ratioAllCores ?? 0) * 100).toFixed(1)} % of the all-cores verify limit** measured in the same run (${fmt(r.limits?.allCoresPerSec ?? 0)} verifies/s on ${r.limits?.allCoresThreads} threads; one thread ${fmt(r.limits?.oneThreadPerSec ?? 0)}/s). Rounds (node:http client): ${(r.broadcastRounds ?? []).map((b) => fmt(b.perSec)).join(', ')} tx/s. Client ceilings (a server that answers at once): ${(r.clientCeiling ?? []).map((c) => `${c.client} ${fmt(c.perSec)} req/s`).join(', ')}.`,
          '',
        ]),
    table(
      ['method', 'client', 'requests', 'errors', 'per second', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      r.cases.map((c) => [
        `\`${c.name}\``,
        c.client ?? 'fetch',
        fmt(c.requests),
        fmt(c.errors),
        fmt(c.perSec),
        c.latencyMs.p50.toFixed(2),
        c.latencyMs.p90.toFixed(2),
        c.latencyMs.p99.toFixed(2),
        c.latencyMs.max.toFixed(2),
      ]),
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

/** bench/results/testnet.json. */
interface TestnetReport {
  date: string
  quick: boolean
  machine: ChainCoreReport['machine']
  result: TestnetBenchResult
}

function testnetMarkdown(rep: TestnetReport): string {
  const m = rep.machine
  const r = rep.result
  return [
    '# Gather Chain testnet benchmark',
    '',
    `## ${r.validators} validators under steady load (${rep.date}${rep.quick ? ', --quick run: not for the record' : ''})`,
    '',
    `Written by \`npm run bench -- --only testnet\` (bench/network/testnet.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    table(
      ['measure', 'value'],
      [
        ['validators (processes)', String(r.validators)],
        ['block time', `${r.blockTimeMs} ms`],
        [
          'idle CPU per node, median / max (% of one core)',
          `${r.idle.cpuPct.median.toFixed(2)} / ${r.idle.cpuPct.max.toFixed(2)} % (all nodes ${r.idle.cpuPct.total.toFixed(1)} %; ${r.idle.seconds.toFixed(0)} s, load average ${r.idle.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} → ${r.idle.loadAverage.end.map((x) => x.toFixed(2)).join(' ')})`,
        ],
        [
          'idle blocks / slots (missed)',
          `${fmt(r.idle.blocks)} / ${fmt(r.idle.slots)} (${(r.idle.missedSlotRate * 100).toFixed(1)} %)`,
        ],
        [
          'load',
          `${r.offeredPerSec} tx/s offered for ${r.seconds} s: ${fmt(r.offered)} sent, ${fmt(r.submitted)} accepted, ${fmt(r.refused)} refused (${fmt(r.retried ?? 0)} broadcasts retried after a failed connection)`,
        ],
        [
          'accepted → final / failed / late / lost',
          `${fmt(r.finalTxs)} / ${fmt(r.failedTxs)} / ${r.late === undefined ? '–' : fmt(r.late)} / ${fmt(r.lost)}`,
        ],
        ['final transactions', `${fmt(r.finalTxs)} = ${r.finalTxPerSec.toFixed(1)} tx/s`],
        ...(r.loadCpu === undefined
          ? []
          : [
              [
                'CPU under load per node, median / max (% of one core)',
                `${r.loadCpu.perNodeMedian.toFixed(1)} / ${r.loadCpu.perNodeMax.toFixed(1)} % (all nodes ${r.loadCpu.nodesTotal.toFixed(0)} %; the load generator ${r.loadCpu.generator.toFixed(1)} %)`,
              ],
            ]),
        [
          'submission → final, p50 / p99 / max',
          `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p99)} / ${fmt(r.latencyMs.max)} ms`,
        ],
        ['blocks / slots in the window', `${fmt(r.blocks)} / ${fmt(r.slots)}`],
        ['missed-slot rate', `${(r.missedSlotRate * 100).toFixed(1)} %`],
        ['head − final height, median / max', `${r.finalLagBlocks.median} / ${r.finalLagBlocks.max} blocks`],
        [
          'memory (RSS) per node, median / max',
          `${r.rssMiB.median.toFixed(0)} / ${r.rssMiB.max.toFixed(0)} MiB (all nodes ${r.rssMiB.total.toFixed(0)} MiB)`,
        ],
      ],
    ),
    '',
    'Against the targets (21 validators, 2 s blocks, 100 tx/s for 150 s):',
    '',
    ...testnetVerdicts(r),
    '',
    `Idle CPU per node, in node order (% of one core): ${r.idle.cpuPctPerNode.map((x) => x.toFixed(2)).join(', ')}.`,
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

/** bench/results/rewards.json. */
interface RewardsReport {
  date: string
  quick: boolean
  machine: ChainCoreReport['machine']
  result: RewardsBenchResult
}

function rewardsMarkdown(rep: RewardsReport): string {
  const m = rep.machine
  const sizes = rep.result.sizes
  const ms = (s: { median: number; min: number; max: number }, d = 2): string =>
    `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`
  const first = sizes[0]
  const last = sizes[sizes.length - 1]
  const ratio = (f: (r: RewardsSizeResult) => number): string =>
    first === undefined || last === undefined || f(first) === 0 ? '–' : (f(last) / f(first)).toFixed(2)
  return [
    '# Gather Chain rewards benchmark',
    '',
    `## End-of-day distribution and claims vs number of stakers (${rep.date}${rep.quick ? ', --quick run: not for the record' : ''})`,
    '',
    `Written by \`npm run bench -- --only rewards\` (bench/token/rewards.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    'Medians, (min–max) in brackets.',
    '',
    table(
      [
        'stakers',
        'state keys',
        '`distributeDay` µs',
        'claim µs',
        'empty block ms',
        'day-end block ms',
        '1-transfer block ms',
        '1-claim block ms',
      ],
      sizes.map((r) => [
        fmt(r.stakers),
        fmt(r.stateKeys),
        ms(r.distributeUs, 1),
        ms(r.claimUs, 1),
        ms(r.ordinaryBlockMs),
        ms(r.dayEndBlockMs),
        ms(r.transferBlockMs),
        ms(r.claimBlockMs),
      ]),
    ),
    '',
    `Largest / smallest size, medians: distributeDay ${ratio((r) => r.distributeUs.median)}×, claim ${ratio((r) => r.claimUs.median)}×, day-end block ${ratio((r) => r.dayEndBlockMs.median)}×, claim block ${ratio((r) => r.claimBlockMs.median)}× (1.00 = the same cost).`,
    '',
    ...rep.result.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

/** bench/results/staking.json. */
interface StakingReport {
  date: string
  quick: boolean
  machine: ChainCoreReport['machine']
  result: StakingBenchResult
}

function stakingMarkdown(rep: StakingReport): string {
  const m = rep.machine
  const r = rep.result
  return [
    '# Gather Chain staking benchmark',
    '',
    `## Staking: elections and lock/unlock block apply (${rep.date}${rep.quick ? ', --quick run: not for the record' : ''})`,
    '',
    `Written by \`npm run bench -- --only staking\` (bench/staking/staking.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    `The limit: single-thread native secp256k1 verification (\`measureNativeVerifyRate\`) in the same run: ${r.verifyRuns.map((v) => fmt(v)).join(' / ')} verifies/s (before, after; mean ${fmt(r.verifyPerSec)}).`,
    '',
    '### Election (maxSuperNodes 21)',
    '',
    table(
      [
        'registered nodes',
        '`electSuperNodes` ms (median / min)',
        '`stakingMethod.elect`, committed state, ms',
        'same through a block overlay, ms',
        'state election in verifies at the limit',
        'share of a 2 s block',
      ],
      r.elections.map((e) => [
        fmt(e.nodes),
        `${e.pureMs.median.toFixed(2)} / ${e.pureMs.min.toFixed(2)}`,
        `${e.stateMs.median.toFixed(1)} / ${e.stateMs.min.toFixed(1)}`,
        `${e.overlayMs.median.toFixed(1)} / ${e.overlayMs.min.toFixed(1)}`,
        fmt(e.stateMsInVerifies),
        pct(e.overlayMs.median / 2000),
      ]),
    ),
    '',
    `### Lock/unlock transactions in block apply (${fmt(r.accounts)} accounts, ${r.registeredNodes} nodes, follower with ${r.verifyThreads} verify worker(s) + main)`,
    '',
    table(
      [
        'txs/block',
        'unlocks',
        'blocks',
        'tx/s median',
        'tx/s min',
        'ms/block median',
        'ratio to the limit (median)',
        'ratio (min)',
      ],
      r.blocks.map((b) => [
        fmt(b.txsPerBlock),
        pct(b.unlockShare),
        String(b.blocks),
        fmt(b.txPerSec.median),
        fmt(b.txPerSec.min),
        fmt(b.msPerBlock.median, 1),
        pct(b.ratioMedian),
        pct(b.ratioMin),
      ]),
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

/** bench/results/messaging.json. */
interface MessagingReport {
  date: string
  quick: boolean
  machine: ChainCoreReport['machine']
  result: MessagingBenchResult
}

function messagingMarkdown(rep: MessagingReport): string {
  const m = rep.machine
  const r = rep.result
  return [
    '# Gather Chain messaging benchmark',
    '',
    `## Inclusion proofs and checkpoint anchoring (${rep.date}${rep.quick ? ', --quick run: not for the record' : ''})`,
    '',
    `Written by \`npm run bench -- --only messaging\` (bench/messaging/messaging.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    '### Message inclusion proof verification (one thread)',
    '',
    table(
      [
        'group chain blocks',
        'messages',
        'proof JSON bytes (mean)',
        'hashes per proof (mean)',
        '`verifyInclusion` /s',
        'from JSON text /s',
      ],
      r.proofs.map((p) => [
        fmt(p.blocks),
        fmt(p.messages),
        fmt(p.proofJsonBytes),
        p.hashesPerProof.toFixed(1),
        fmt(p.verifyPerSec),
        fmt(p.jsonVerifyPerSec),
      ]),
    ),
    '',
    `### MsgAnchorCheckpoint in block apply (${fmt(r.accounts)} accounts and groups, follower with ${r.verifyThreads} verify worker(s) + main)`,
    '',
    `Signature rates in the same run, one thread: secp256k1 ${fmt(r.secpVerifyPerSec)} verifies/s, ed25519 ${fmt(r.ed25519VerifyPerSec)} verifies/s; an anchor costs one secp256k1 (transaction, on the pool) and two ed25519 (producers, inline): signature bound ${fmt(r.signatureBoundTxPerSec)} anchors/s.`,
    '',
    table(
      [
        'anchors/block',
        'blocks',
        'tx/s median',
        'tx/s min',
        'ms/block median',
        'share of the signature bound (median)',
        'producer tx/s median (admitted txs)',
      ],
      r.blocks.map((b) => [
        fmt(b.txsPerBlock),
        String(b.blocks),
        fmt(b.txPerSec.median),
        fmt(b.txPerSec.min),
        fmt(b.msPerBlock.median, 1),
        pct(b.txPerSec.median / r.signatureBoundTxPerSec),
        fmt(b.producerTxPerSec.median),
      ]),
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

/** bench/results/groups.json. */
interface GroupsReport {
  date: string
  quick: boolean
  machine: ChainCoreReport['machine']
  result: GroupsBenchResult
}

function groupsMarkdown(rep: GroupsReport): string {
  const m = rep.machine
  const r = rep.result
  const limit = r.verifyPerSec
  const many = r.posts.find((p) => p.groups > 1)
  const idle = r.idle
  const a = r.anchoring
  const verdict = (ok: boolean): string => (ok ? 'met' : '**NOT met**')
  return [
    '# Gather Chain group-chain benchmark',
    '',
    `## Group chains on real \`gather start\` processes (${rep.date}${rep.quick ? ', --quick run: not for the record' : ''})`,
    '',
    `Written by \`npm run bench -- --only groups\` (bench/groups/groups.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
    `**The limit**: single-thread secp256k1 verification as the node does it (\`measureNativeVerifyRate\`, \`verifySecp256k1\`) in the same run: ${r.verifyRuns.map((v) => fmt(v)).join(' / ')} verifies/s (before, after; mean ${fmt(limit)}). A group post costs one verify at admission and none at import (GroupChain keeps the ids it verified).`,
    '',
    '| measure | value | ratio / target |',
    '| --- | --- | --- |',
    ...r.posts.map(
      (p) =>
        `| posts/s through one node, ${p.groups === 1 ? '1 group' : `spread over ${p.groups} groups`} (submit → in a group block) | ${fmt(p.postsPerSec)} | ${pct(p.ratio)} of the limit${p.groups > 1 ? `; target >= ${fmt(r.postsTarget)}: ${verdict(p.postsPerSec >= r.postsTarget)}` : ''} |`,
    ),
    `| delivery latency, 3 nodes, submit to node 0 → seen on node 2, p50 / p99 | ${fmt(r.latency.p50Ms)} / ${fmt(r.latency.p99Ms)} ms | target p50 <= ${fmt(r.latencyTarget)} ms: ${verdict(r.latency.p50Ms <= r.latencyTarget)} |`,
    `| idle CPU, ${idle[1]?.groups ?? '?'} quiet groups vs ${idle[0]?.groups ?? '?'} | ${idle.map((x) => `${(x.cores * 100).toFixed(1)} %`).join(' vs ')} of a core | ${r.idleRatio.toFixed(2)}×; target <= ${r.idleTarget}×: ${verdict(r.idleRatio <= r.idleTarget)} |`,
    `| anchoring per 1,000 group blocks (checkpointInterval ${a.checkpointInterval}) | ${fmt(a.per1000GroupBlocks.txs, 1)} txs, ${fmt(a.per1000GroupBlocks.bytes)} bytes, ${fmt(a.per1000GroupBlocks.feeGat, 3)} GAT; extra node CPU ${fmt(a.extraCpuMsPer1000GroupBlocks)} ms | ${fmt(a.trickle.anchored / Math.max(1, a.trickle.groupBlocks), 3)} anchors per group block (1 / interval = ${fmt(1 / a.checkpointInterval, 3)}) |`,
    '',
    '### Posts per second through one node',
    '',
    `A 1-validator testnet node (\`gather testnet --validators 1 --init-only\`, then \`gather start … --follow-group all --rpc-rate-limit 0 --log-level warn\`, ${fmt(r.mainBlockTimeMs)} ms main blocks) produces every group (its node id is the groups' producer; group block time 500 ms, at most 2,000 posts per group block, 10,000 pending per group). Posts are signed before timing; the client keeps ${many?.concurrency ?? '?'} HTTP requests in flight, ${many?.batch ?? '?'} \`group_post\` calls per JSON-RPC batch; each author's posts to a group go in order through one request lane. Timed from the first submission until every group head shows nothing pending; afterwards every author's \`nextNonce\` is checked (nothing admitted was lost).`,
    '',
    table(
      [
        'groups',
        'members (authors)',
        'posts',
        'refused',
        'retries',
        'admission /s',
        'in blocks, s',
        '**posts/s**',
        'ratio to the limit',
        'group blocks',
        'posts per block',
        'node CPU (cores)',
        'client CPU (cores)',
        'max pending',
        'lost',
      ],
      r.posts.map((p) => [
        fmt(p.groups),
        `${fmt(p.members)} (${fmt(p.authors)})`,
        fmt(p.posts),
        fmt(p.refused),
        fmt(p.retries),
        fmt(p.admitPerSec),
        p.seconds.toFixed(2),
        `**${fmt(p.postsPerSec)}**`,
        pct(p.ratio),
        fmt(p.groupBlocks),
        p.postsPerBlock.toFixed(1),
        p.nodeCores.toFixed(2),
        p.clientCores.toFixed(2),
        fmt(p.maxPendingSeen),
        fmt(p.nonceMismatches),
      ]),
    ),
    '',
    ...r.posts.flatMap((p) =>
      Object.entries(p.refusedWhy).map(([why, n]) => `- ${p.groups} group(s): refused ${n}×: ${why}`),
    ),
    '',
    '### Delivery latency on a 3-validator testnet',
    '',
    `Nodes 1 and 2 produce the group, node 0 only follows it; ${fmt(r.latency.posts)} posts (${fmt(r.latency.admitted)} admitted, ${fmt(r.latency.refused)} refused) are submitted to node 0 at ${r.latency.offeredPerSec}/s; each node's \`groupMessages\` WebSocket subscription (\`GatherClient.subscribe\`) stamps each message when it arrives. Latency = that moment − the moment node 0 answered \`group_post\`. ${fmt(r.latency.groupBlocks)} group blocks. Of node 2's latency, the wait until the time in the header of the block that holds the post (production) is p50 ${fmt(r.latency.untilBlockTimeMs.p50)} / p99 ${fmt(r.latency.untilBlockTimeMs.p99)} ms.`,
    '',
    table(
      ['node', 'seen', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      r.latency.nodes.map((x) => [x.role, fmt(x.seen), fmt(x.p50), fmt(x.p90), fmt(x.p99), fmt(x.max)]),
    ),
    '',
    '### Idle CPU of a node hosting quiet groups',
    '',
    `Each case on a fresh 1-validator testnet node (${fmt(idle[0]?.seconds ?? 0)} s windows), producing every group; a warm-up join and post in each group, then no posts; the node process's utime + stime from /proc/<pid>/stat over the window, the main chain producing blocks all along.`,
    '',
    table(
      ['groups', 'window s', 'CPU s', 'share of a core', 'main blocks', 'RSS MiB'],
      idle.map((x) => [
        fmt(x.groups),
        x.seconds.toFixed(1),
        x.cpuSeconds.toFixed(2),
        pct(x.cores),
        fmt(x.mainBlocks),
        fmt(x.rssMiB),
      ]),
    ),
    '',
    '### Anchoring cost (the posts run)',
    '',
    table(
      ['measure', 'value'],
      [
        ['checkpointInterval of the groups', fmt(a.checkpointInterval)],
        [
          `posts run (${fmt(a.postsRun.groups)} groups): checkpoints anchored (\`group_getCheckpoints\`) / group blocks`,
          `${fmt(a.postsRun.anchored)} / ${fmt(a.postsRun.groupBlocks)} = ${fmt(a.postsRun.anchorsPerGroupBlock, 3)} per group block`,
        ],
        ...[a.trickle, a.comparison].map((t) => [
          `trickle: a post in each of ${fmt(t.groups)} groups every 500 ms, interval ${fmt(t.checkpointInterval)}`,
          `${fmt(t.posts)} posts, ${fmt(t.groupBlocks)} group blocks, ${fmt(t.anchored)} anchored (${fmt(t.anchored / Math.max(1, t.groupBlocks), 3)} per block); node CPU ${t.nodeCpuSeconds.toFixed(2)} s in ${t.seconds.toFixed(1)} s = ${fmt((t.nodeCpuSeconds / Math.max(1, t.groupBlocks)) * 1e6)} ms per 1,000 group blocks`,
        ]),
        [
          'MsgAnchorCheckpoint transactions in the main blocks of the run',
          `${fmt(a.anchorTxs)} in ${fmt(a.mainBlocks)} main blocks`,
        ],
        [
          'size of one (bytes, mean / min / max)',
          `${fmt(a.txBytes.mean)} / ${fmt(a.txBytes.min)} / ${fmt(a.txBytes.max)}`,
        ],
        ['fee of one', `${fmt(a.feeUgat.mean)} ugat`],
        [
          'per 1,000 group blocks (trickle with anchoring)',
          `${fmt(a.per1000GroupBlocks.txs, 1)} transactions, ${fmt(a.per1000GroupBlocks.bytes)} bytes, ${fmt(a.per1000GroupBlocks.feeGat, 3)} GAT`,
        ],
        [
          'extra node CPU per 1,000 group blocks (trickle with anchoring − without, per block)',
          `${fmt(a.extraCpuMsPer1000GroupBlocks)} ms`,
        ],
        [
          'signature checks per 1,000 group blocks (estimate)',
          `${fmt(a.estimatedSignatureMsPer1000GroupBlocks, 1)} ms of one core (1 secp256k1 at the limit + 1 ed25519 at ${fmt(a.ed25519VerifyPerSec)}/s per anchor)`,
        ],
      ],
    ),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}

async function readBenny(file: string): Promise<{ date: string; results: BennyFile['results'] } | undefined> {
  if (!existsSync(file)) return undefined
  const j = JSON.parse(await readFile(file, 'utf8')) as BennyFile
  return { date: j.date, results: j.results }
}

async function main(): Promise<void> {
  const { only, quick, testnet } = parseArgs(process.argv.slice(2))
  // dist/bench/index.js -> the project root, where the suites save to bench/results/
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  process.chdir(root)
  const resultsDir = join(root, 'bench', 'results')
  await mkdir(resultsDir, { recursive: true })
  const jsonPath = join(resultsDir, 'chain-core.json')
  const mdPath = join(resultsDir, 'chain-core.md')

  const cpus = os.cpus()
  const previous: ChainCoreReport | undefined = existsSync(jsonPath)
    ? (JSON.parse(await readFile(jsonPath, 'utf8')) as ChainCoreReport)
    : undefined
  const report: ChainCoreReport = {
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      cpus: cpus.length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: { start: os.loadavg(), end: [] },
    },
    // a --only run keeps the other suites' last results (each carries its own date)
    suites: only.length === SUITES.length ? {} : { ...previous?.suites },
  }
  const started = performance.now()

  if (only.includes('staking')) {
    console.log('\n=== staking ===')
    const stakingStart = os.loadavg()
    const result = await runStakingBench(
      quick
        ? {
            electionSizes: [10_000],
            accounts: 2_000,
            blocks: [
              { txs: 1_000, count: 2, unlockShare: 0.5 },
              { txs: 1_000, count: 1, unlockShare: 1 },
            ],
            verifySeconds: 1,
          }
        : {},
    )
    const stakingReport: StakingReport = {
      date: new Date().toISOString(),
      quick,
      machine: { ...report.machine, loadAverage: { start: stakingStart, end: os.loadavg() } },
      result,
    }
    const md = stakingMarkdown(stakingReport)
    await writeFile(join(resultsDir, 'staking.json'), `${JSON.stringify(stakingReport, null, 2)}\n`)
    await writeFile(join(resultsDir, 'staking.md'), md)
    console.log(`\n${md}`)
    console.log(`wrote ${join(resultsDir, 'staking.json')} and ${join(resultsDir, 'staking.md')}`)
  }

  if (only.includes('governance')) {
    console.log('\n=== governance ===')
    const start = os.loadavg()
    const result = await runGovernanceBench(quick ? { voteCounts: [100, 10_000], runs: 10 } : {})
    const rep = {
      date: new Date().toISOString(),
      quick,
      machine: { ...report.machine, loadAverage: { start, end: os.loadavg() } },
      result,
    }
    const md = governanceMarkdown(rep)
    await writeFile(join(resultsDir, 'governance.json'), `${JSON.stringify(rep, null, 2)}\n`)
    await writeFile(join(resultsDir, 'governance.md'), md)
    console.log(`\n${md}`)
    console.log(`wrote ${join(resultsDir, 'governance.json')} and ${join(resultsDir, 'governance.md')}`)
  }

  if (only.includes('testnet')) {
    console.log('\n=== testnet ===')
    const start = os.loadavg()
    const result = await runTestnetBench(
      quick
        ? {
            validators: 4,
            seconds: 30,
            rate: 20,
            idleSeconds: 15,
            idleSettleSeconds: 5,
            idleWindows: 1,
            ...testnet,
          }
        : testnet,
    )
    if (testnet.idleOnly === true) {
      // a look at idle CPU (e.g. with --cpu-prof), not the suite's record: nothing is written
      console.log(
        JSON.stringify(
          { loadAverage: { start, end: os.loadavg() }, idle: result.idle, windows: result.idleWindows },
          null,
          2,
        ),
      )
      console.log(testnetVerdicts(result).join('\n'))
    } else {
      const rep: TestnetReport = {
        date: new Date().toISOString(),
        quick,
        machine: { ...report.machine, loadAverage: { start, end: os.loadavg() } },
        result,
      }
      const md = testnetMarkdown(rep)
      await writeFile(join(resultsDir, 'testnet.json'), `${JSON.stringify(rep, null, 2)}\n`)
      await writeFile(join(resultsDir, 'testnet.md'), md)
      console.log(`\n${md}`)
      console.log(`wrote ${join(resultsDir, 'testnet.json')} and ${join(resultsDir, 'testnet.md')}`)
    }
  }

  if (only.includes('groups')) {
    console.log('\n=== groups ===')
    const start = os.loadavg()
    const result = await runGroupsBench(
      quick
        ? {
            verifySeconds: 1,
            oneGroup: { authors: 320, postsPerAuthor: 5 },
            manyGroups: { groups: 100, membersPerGroup: 10, authors: 400, postsPerMember: 3 },
            latency: { posts: 40, rate: 20, authors: 5 },
            trickleSeconds: 5,
            idle: { groups: [1, 100], settleSeconds: 3, seconds: 10, mainBlockTimeMs: 1000 },
          }
        : {},
    )
    const rep: GroupsReport = {
      date: new Date().toISOString(),
      quick,
      machine: { ...report.machine, loadAverage: { start, end: os.loadavg() } },
      result,
    }
    const md = groupsMarkdown(rep)
    await writeFile(join(resultsDir, 'groups.json'), `${JSON.stringify(rep, null, 2)}\n`)
    await writeFile(join(resultsDir, 'groups.md'), md)
    console.log(`\n${md}`)
    console.log(`wrote ${join(resultsDir, 'groups.json')} and ${join(resultsDir, 'groups.md')}`)
  }

  if (only.includes('private')) {
    console.log('\n=== private ===')
    const start = os.loadavg()
    const result = await runPrivateGroupsBench(
      quick ? { epochSizes: [100, 1_000], members: 50, postsPerMember: 5 } : {},
    )
    const m = report.machine
    const date = new Date().toISOString()
    const machine = `${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${start.map((x) => x.toFixed(2)).join(' ')} at the start, ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at the end${quick ? ' (--quick run: not for the record)' : ''}`
    const md = privateMarkdown(date, machine, result)
    await writeFile(
      join(resultsDir, 'private-groups.json'),
      `${JSON.stringify({ date, quick, machine, result }, null, 2)}\n`,
    )
    await writeFile(join(resultsDir, 'private-groups.md'), md)
    console.log(`\n${md}`)
  }

  if (only.includes('rewards')) {
    console.log('\n=== rewards ===')
    const rewardsStart = os.loadavg()
    const result = await runRewardsBench(quick ? { sizes: [1_000, 100_000] } : {})
    const rewardsReport: RewardsReport = {
      date: new Date().toISOString(),
      quick,
      machine: { ...report.machine, loadAverage: { start: rewardsStart, end: os.loadavg() } },
      result,
    }
    const md = rewardsMarkdown(rewardsReport)
    await writeFile(join(resultsDir, 'rewards.json'), `${JSON.stringify(rewardsReport, null, 2)}\n`)
    await writeFile(join(resultsDir, 'rewards.md'), md)
    console.log(`\n${md}`)
    console.log(`wrote ${join(resultsDir, 'rewards.json')} and ${join(resultsDir, 'rewards.md')}`)
  }

  if (only.includes('messaging')) {
    console.log('\n=== messaging ===')
    const start = os.loadavg()
    const result = await runMessagingBench(
      quick
        ? { chainLengths: [1_000], accounts: 1_000, blocks: [{ txs: 1_000, count: 2 }], verifySeconds: 1 }
        : {},
    )
    const rep: MessagingReport = {
      date: new Date().toISOString(),
      quick,
      machine: { ...report.machine, loadAverage: { start, end: os.loadavg() } },
      result,
    }
    const md = messagingMarkdown(rep)
    await writeFile(join(resultsDir, 'messaging.json'), `${JSON.stringify(rep, null, 2)}\n`)
    await writeFile(join(resultsDir, 'messaging.md'), md)
    console.log(`\n${md}`)
    console.log(`wrote ${join(resultsDir, 'messaging.json')} and ${join(resultsDir, 'messaging.md')}`)
  }

  if (only.includes('rpc')) {
    console.log('\n=== rpc ===')
    const rpcStart = os.loadavg()
    const result = await runRpcBench(
      quick ? { accounts: 2_000, reads: 5_000, rounds: 1, verifySeconds: 1 } : {},
    )
    const rpcReport: RpcReport = {
      date: new Date().toISOString(),
      quick,
      machine: { ...report.machine, loadAverage: { start: rpcStart, end: os.loadavg() } },
      result,
    }
    const md = rpcMarkdown(rpcReport)
    await writeFile(join(resultsDir, 'rpc.json'), `${JSON.stringify(rpcReport, null, 2)}\n`)
    await writeFile(join(resultsDir, 'rpc.md'), md)
    console.log(`\n${md}`)
    console.log(`wrote ${join(resultsDir, 'rpc.json')} and ${join(resultsDir, 'rpc.md')}`)
  }
  if (only.includes('journal')) {
    console.log('\n=== journal ===')
    const start = os.loadavg()
    const result = await runJournalBench(quick ? { accounts: 1_000, rounds: 1 } : {})
    const rep: JournalReport = {
      date: new Date().toISOString(),
      quick,
      machine: { ...report.machine, loadAverage: { start, end: os.loadavg() } },
      result,
    }
    const md = journalMarkdown(rep)
    await writeFile(join(resultsDir, 'journal.json'), `${JSON.stringify(rep, null, 2)}\n`)
    await writeFile(join(resultsDir, 'journal.md'), md)
    console.log(`\n${md}`)
    console.log(`wrote ${join(resultsDir, 'journal.json')} and ${join(resultsDir, 'journal.md')}`)
  }
  // an rpc-, journal-, staking-, rewards- or messaging-only run leaves chain-core.json/.md alone
  if (
    only.every((s) =>
      [
        'rpc',
        'journal',
        'staking',
        'rewards',
        'messaging',
        'testnet',
        'groups',
        'governance',
        'private',
      ].includes(s),
    )
  )
    return

  if (only.includes('crypto')) {
    console.log('\n=== crypto ===')
    await runCryptoBench()
    report.suites.crypto = await readBenny(join(resultsDir, 'crypto.json'))
  }
  if (only.includes('smt')) {
    console.log('\n=== smt ===')
    await runSmtBench()
    report.suites.smt = await readBenny(join(resultsDir, 'smt.json'))
  }
  if (only.includes('block')) {
    console.log('\n=== block apply ===')
    const t = performance.now()
    const result = await runBlockApplyBench({
      resultsFolder: 'bench/results',
      ...(quick
        ? {
            blocks: [
              { txs: 1_000, count: 2 },
              { txs: 5_000, count: 1 },
            ],
            verifySeconds: 1,
            warmup: false,
          }
        : {}),
    })
    report.suites.block = {
      date: new Date().toISOString(),
      quick,
      seconds: Math.round((performance.now() - t) / 1000),
      result,
    }
  }

  report.machine.loadAverage.end = os.loadavg()
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`)
  const md = markdown(report)
  await writeFile(mdPath, md)
  console.log(`\n${md}`)
  console.log(`wrote ${jsonPath} and ${mdPath} in ${Math.round((performance.now() - started) / 1000)} s`)
}

main().catch((e: unknown) => {
  console.error(e)
  process.exitCode = 1
})
