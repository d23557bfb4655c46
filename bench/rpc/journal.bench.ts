import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { nodeKeyFromSeed } from '../../chain/crypto/ed25519.js'
import type { Genesis } from '../../genesis/schema.js'
import { load, openBenchNode, type RpcCaseResult, summarise, transferSetup } from './rpc.bench.js'

/** Options of {@link runJournalBench}. */
export interface JournalBenchOptions {
  /** funded accounts = transfers submitted per run (default 5,000) */
  accounts?: number
  /** rounds of (without, with) runs (default 5) */
  rounds?: number
  /** requests in flight (default 16) */
  concurrency?: number
  log?: (line: string) => void
}

/** One run of one mode. */
export interface JournalRun extends RpcCaseResult {
  round: number
  journal: boolean
  /** with the journal: write + fsync rounds, and transactions per round */
  syncs?: number
  appendsPerSync?: number
}

/** What {@link runJournalBench} reports. */
export interface JournalBenchResult {
  accounts: number
  concurrency: number
  rounds: number
  runs: JournalRun[]
  /** medians over the rounds */
  without: { perSec: number; p50Ms: number; p99Ms: number }
  with: { perSec: number; p50Ms: number; p99Ms: number; appendsPerSync: number }
  /** with.perSec / without.perSec */
  ratio: number
  /** the same ratio within each round (the two runs back to back) */
  roundRatios: number[]
  notes: string[]
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function runOnce(
  worker: Worker,
  genesis: Genesis,
  nodeKey: ReturnType<typeof nodeKeyFromSeed>,
  bodies: string[],
  o: { journal: boolean; round: number; concurrency: number },
): Promise<JournalRun> {
  const { node, url, close } = await openBenchNode({ genesis, nodeKey }, { journal: o.journal })
  try {
    const r = summarise('tx_broadcast', await load(worker, { url, bodies, concurrency: o.concurrency }))
    if (r.errors > 0 || node.mempool.size !== bodies.length) {
      throw new Error(`${r.errors} errors, ${node.mempool.size} of ${bodies.length} transactions admitted`)
    }
    const j = node.journal
    return {
      ...r,
      round: o.round,
      journal: o.journal,
      ...(j === undefined
        ? {}
        : { syncs: j.syncs, appendsPerSync: Math.round((j.appends / Math.max(1, j.syncs)) * 10) / 10 }),
    }
  } finally {
    await close()
  }
}

/** Runs the journal benchmark; see the file comment. */
export async function runJournalBench(opts: JournalBenchOptions = {}): Promise<JournalBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const count = opts.accounts ?? 5_000
  const rounds = opts.rounds ?? 5
  const concurrency = opts.concurrency ?? 16
  const t = performance.now()
  const { nodeKey, genesis, bodies } = transferSetup(count)
  log(`setup: ${count} accounts and signed transfers in ${((performance.now() - t) / 1000).toFixed(1)} s`)

  const worker = new Worker(new URL('./loadgen.js', import.meta.url))
  const runs: JournalRun[] = []
  try {
    // warm-up (JIT, the worker's connection pool), not recorded
    await runOnce(worker, genesis, nodeKey, bodies.slice(0, 1_000), { journal: true, round: -1, concurrency })
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [false, true] : [true, false]
      for (const journal of order) {
        const r = await runOnce(worker, genesis, nodeKey, bodies, { journal, round, concurrency })
        log(
          `round ${round} ${journal ? 'with' : 'without'} journal: ${r.perSec} tx/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms${r.appendsPerSync === undefined ? '' : `, ${r.syncs} fsyncs (${r.appendsPerSync} tx each)`}`,
        )
        runs.push(r)
      }
    }
  } finally {
    await worker.terminate()
  }
  const of = (journal: boolean) => runs.filter((r) => r.journal === journal)
  const without = {
    perSec: median(of(false).map((r) => r.perSec)),
    p50Ms: median(of(false).map((r) => r.latencyMs.p50)),
    p99Ms: median(of(false).map((r) => r.latencyMs.p99)),
  }
  const withJournal = {
    perSec: median(of(true).map((r) => r.perSec)),
    p50Ms: median(of(true).map((r) => r.latencyMs.p50)),
    p99Ms: median(of(true).map((r) => r.latencyMs.p99)),
    appendsPerSync: median(of(true).map((r) => r.appendsPerSync ?? 0)),
  }
  return {
    accounts: count,
    concurrency,
    rounds,
    runs,
    without,
    with: withJournal,
    ratio: Math.round((withJournal.perSec / without.perSec) * 1000) / 1000,
    roundRatios: Array.from({ length: rounds }, (_, round) => {
      const w = runs.find((r) => r.round === round && r.journal)!
      const wo = runs.find((r) => r.round === round && !r.journal)!
      return Math.round((w.perSec / wo.perSec) * 1000) / 1000
    }),
    notes: [
      `The node (main thread) and the load generator (a worker thread of the same process) share the machine's ${availableParallelism()} cores; other processes on the machine move both modes' figures, which is why the modes alternate within each round.`,
      'No block is produced during a run: the figure is admission (decode, secp256k1 verify, ante checks, mempool insert) plus, with the journal, the record write and its fsync before the answer.',
      'The journal lives in the node database (classic-level, `j:` keys): each write + fsync round is one LevelDB batch written with sync: true (fdatasync of its write-ahead log).',
    ],
  }
}
