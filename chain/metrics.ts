import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { TxJournalMetrics } from './mempool/journal.js'

/**
 * How often the event-loop delay histogram (`nodejs_eventloop_lag_*`) samples, in ms.
 * prom-client's default of 10 ms is a timer waking the process 100 times a second; on an idle
 * validator that was about a seventh of its CPU (docs/adr/021-idle-sampler-and-idontwant.md). A
 * delay shorter than this is still seen whenever a sample falls in it, and the lags an operator
 * acts on are far longer. As at 10 ms, a scrape resets the histogram and the interval after it
 * only restarts its clock.
 */
export const EVENT_LOOP_SAMPLE_MS = 100

/**
 * Every Prometheus metric of the node, created in one place: this is the only file that imports
 * prom-client. Other code takes the structural interfaces it needs (`BlockMetrics`,
 * `RpcMetrics`), so it runs without metrics in tests and benchmarks.
 */
export class NodeMetrics {
  readonly registry = new Registry()
  readonly blockHeight = new Gauge({
    name: 'gather_block_height',
    help: 'Height of the last committed block',
    registers: [this.registry],
  })
  readonly finalHeight = new Gauge({
    name: 'gather_final_height',
    help: 'Height of the last final block',
    registers: [this.registry],
  })
  readonly blockApplySeconds = new Histogram({
    name: 'gather_block_apply_seconds',
    help: 'Time to execute and commit a block, seconds',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })
  readonly blockTransactions = new Histogram({
    name: 'gather_block_transactions',
    help: 'Transactions per committed block',
    buckets: [0, 1, 10, 100, 500, 1000, 2500, 5000, 10000],
    registers: [this.registry],
  })
  readonly mempoolTransactions = new Gauge({
    name: 'gather_mempool_transactions',
    help: 'Transactions waiting in the mempool',
    registers: [this.registry],
  })
  readonly mempoolBytes = new Gauge({
    name: 'gather_mempool_bytes',
    help: 'Bytes of transactions waiting in the mempool',
    registers: [this.registry],
  })
  readonly journalAppends = new Counter({
    name: 'gather_tx_journal_appends_total',
    help: 'Transactions written to the transaction journal (RPC submissions), each fsynced before its answer',
    registers: [this.registry],
  })
  readonly journalSyncs = new Counter({
    name: 'gather_tx_journal_syncs_total',
    help: 'Write + fsync rounds of the transaction journal (group commit: fewer than appends under load)',
    registers: [this.registry],
  })
  readonly journalSyncSeconds = new Histogram({
    name: 'gather_tx_journal_sync_seconds',
    help: 'Time of one transaction journal write + fsync round, seconds',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  })
  readonly journalRecords = new Gauge({
    name: 'gather_tx_journal_records',
    help: 'Transactions in the transaction journal (accepted over RPC, not yet committed)',
    registers: [this.registry],
  })
  readonly journalErrors = new Counter({
    name: 'gather_tx_journal_errors_total',
    help: 'Transaction journal writes that failed (their transactions were refused)',
    registers: [this.registry],
  })
  readonly journalReplayed = new Counter({
    name: 'gather_tx_journal_replayed_total',
    help: 'Journaled transactions replayed on start, by outcome (readmitted, dropped)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })
  readonly rpcRequests = new Counter({
    name: 'gather_rpc_requests_total',
    help: 'JSON-RPC requests by method and outcome (ok, error, rejected)',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  })
  readonly rpcSeconds = new Histogram({
    name: 'gather_rpc_request_duration_seconds',
    help: 'JSON-RPC request latency by method, seconds',
    labelNames: ['method'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  })

  readonly peers = new Gauge({
    name: 'gather_p2p_peers',
    help: 'Connected peers',
    registers: [this.registry],
  })
  readonly gossipIn = new Counter({
    name: 'gather_p2p_gossip_in_total',
    help: 'Gossip messages received, by topic (tx, block, vote, group) and verdict (accept, keep, ignore, reject)',
    labelNames: ['topic', 'verdict'] as const,
    registers: [this.registry],
  })
  readonly gossipOut = new Counter({
    name: 'gather_p2p_gossip_out_total',
    help: 'Gossip messages published, by topic',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  })
  readonly missedSlots = new Counter({
    name: 'gather_missed_slots_total',
    help: 'Slots without a block on this chain, by the scheduled producer (node id)',
    labelNames: ['producer'] as const,
    registers: [this.registry],
  })
  readonly finalityLag = new Gauge({
    name: 'gather_finality_lag_blocks',
    help: 'Blocks between the head and the last final block (head height - final height)',
    registers: [this.registry],
  })
  /** asked at each scrape, so a head that goes stale shows without a new block */
  private healthSource: (() => boolean) | undefined
  readonly healthOk = new Gauge({
    name: 'gather_health_ok',
    help: '1 when GET /health answers 200 (fresh head, finality within its lag limit, own slots produced), else 0',
    registers: [this.registry],
    collect: () => {
      if (this.healthSource !== undefined) this.healthOk.set(this.healthSource() ? 1 : 0)
    },
  })

  constructor(opts: { processMetrics?: boolean } = {}) {
    // prom-client's default process and Node.js metrics under their standard names
    // (process_cpu_seconds_total, nodejs_heap_size_used_bytes…), which Node.js dashboards query
    if (opts.processMetrics !== false) {
      collectDefaultMetrics({
        register: this.registry,
        eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
      })
    }
  }

  /** p2p: the structural hook chain/p2p reports to (see chain/p2p/types.ts P2pMetrics). */
  readonly p2p = {
    gossipIn: (kind: string, verdict: string): void => {
      this.gossipIn.inc({ topic: kind, verdict })
    },
    gossipOut: (kind: string): void => {
      this.gossipOut.inc({ topic: kind })
    },
    peers: (count: number): void => {
      this.peers.set(count)
    },
  }

  /** The transaction journal's hooks (see chain/mempool/journal.ts TxJournalMetrics). */
  readonly txJournal: TxJournalMetrics = {
    onSync: (seconds, appends) => {
      this.journalSyncs.inc()
      this.journalAppends.inc(appends)
      this.journalSyncSeconds.observe(seconds)
    },
    onRecords: (count) => {
      this.journalRecords.set(count)
    },
    onError: () => {
      this.journalErrors.inc()
    },
    onReplay: (readmitted, dropped) => {
      this.journalReplayed.inc({ outcome: 'readmitted' }, readmitted)
      this.journalReplayed.inc({ outcome: 'dropped' }, dropped)
    },
  }

  /** A slot passed without a block from its scheduled producer. */
  onMissedSlot(producer: string): void {
    this.missedSlots.inc({ producer })
  }

  /** Where `gather_health_ok` comes from: the node's health check, asked at each scrape. */
  watchHealth(isOk: () => boolean): void {
    this.healthSource = isOk
  }

  /** Sets the head and final heights (at start, before any block). */
  onHead(height: number, finalHeight: number): void {
    this.finalityLag.set(height - finalHeight)
    this.blockHeight.set(height)
    this.finalHeight.set(finalHeight)
  }

  /** Records a committed block. */
  onBlock(height: number, finalHeight: number, applySeconds: number, txs: number): void {
    this.finalityLag.set(height - finalHeight)
    this.blockHeight.set(height)
    this.finalHeight.set(finalHeight)
    this.blockApplySeconds.observe(applySeconds)
    this.blockTransactions.observe(txs)
  }

  /** Records the mempool's size. */
  onMempool(txs: number, bytes: number): void {
    this.mempoolTransactions.set(txs)
    this.mempoolBytes.set(bytes)
  }

  /** Records one JSON-RPC call. Unknown method names are folded into one label to bound cardinality. */
  onRpc(method: string, outcome: 'ok' | 'error' | 'rejected', seconds: number): void {
    this.rpcRequests.inc({ method, outcome })
    this.rpcSeconds.observe({ method }, seconds)
  }

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}

/** What the node reports after each block (implemented by NodeMetrics). */
export interface BlockMetrics {
  onBlock(height: number, finalHeight: number, applySeconds: number, txs: number): void
  /** head and final heights changed outside a commit (the final block moved) */
  onHead(height: number, finalHeight: number): void
  /** a slot between the parent and a new block had no block: its scheduled producer missed it */
  onMissedSlot?(producer: string): void
  onMempool(txs: number, bytes: number): void
  /** the node's health check, for a gauge read at scrape time */
  watchHealth?(isOk: () => boolean): void
  /** the transaction journal's hooks */
  readonly txJournal?: TxJournalMetrics
}

/** What the RPC server reports per call (implemented by NodeMetrics). */
export interface RpcMetrics {
  onRpc(method: string, outcome: 'ok' | 'error' | 'rejected', seconds: number): void
  render(): Promise<{ contentType: string; body: string }>
}
