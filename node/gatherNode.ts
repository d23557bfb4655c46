import { Blockchain, type CommittedBlock, type ProposerKey, receiveBlock } from '../chain/blockchain.js'
import type { ReceivedBlock, TxResult, Vote } from '../chain/codec/block.js'
import { VerifyPool } from '../chain/crypto/verifyPool.js'
import { ChainError, ChainErrorCode, isChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import { invariantChecker } from '../chain/invariants.js'
import { type Logger, silentLogger } from '../chain/logger.js'
import {
  type AdmissionOptions,
  AdmissionQueue,
  DEFAULT_ADMISSION_OPTIONS,
} from '../chain/mempool/admission.js'
import { TxJournal } from '../chain/mempool/journal.js'
import { DEFAULT_MEMPOOL_OPTIONS, Mempool, type MempoolOptions } from '../chain/mempool/mempool.js'
import type { BlockMetrics } from '../chain/metrics.js'
import { type Module, type PreparedTx, StateMachine } from '../chain/stateMachine.js'
import { ChainDb } from '../chain/store/chainDb.js'
import { txId } from '../chain/tx/decodeTx.js'
import type { VotePool } from '../consensus/finality.js'
import type { Health, HealthParams } from '../consensus/liveness.js'
import { BlockProducer } from '../consensus/producer.js'
import { slotAt } from '../consensus/schedule.js'
import type { Genesis } from '../genesis/schema.js'
import { GovernanceErrorCode } from '../modules/governance/errors.js'
import type { UpgradeHandler } from '../modules/governance/types.js'
import { tokenAuthenticator } from '../modules/token/module.js'
import { tokenRecheckScope } from '../modules/token/recheckScope.js'
import { NodeFinality } from './finality.js'
import { NodeHealth } from './health.js'
import { NodeReadApi, nextBlockInfo, signatureVerificationStatus } from './readApi.js'
import { releaseUpgrades } from './upgrades.js'
import {
  chainInvariants,
  chainModules,
  chainSpec,
  consensusRules,
  requiredUpgrade,
  stakingSchedule,
} from './wiring.js'

/** Options of a node. */
export interface NodeOptions {
  /** folder of the classic-level database */
  dataDir: string
  genesis: Genesis
  /** the node key; a node whose key is a genesis validator produces blocks */
  nodeKey?: ProposerKey
  logger?: Logger
  mempool?: Partial<MempoolOptions>
  /** the admission queue's bound and batch size (DEFAULT_ADMISSION_OPTIONS) */
  admission?: Partial<AdmissionOptions>
  /** run the slot loop (default true when the node key is a validator) */
  produce?: boolean
  /** worker threads verifying block signatures (default: cores - 1; 0 verifies inline) */
  verifyThreads?: number
  /** block, mempool and transaction journal metrics (the node runs without) */
  metrics?: BlockMetrics
  /**
   * journal the transactions submitted with `submitTxDurable` (RPC) in the database, fsynced
   * before they are accepted, and replay them into the mempool on open (default true;
   * docs/adr/005-transaction-journal.md)
   */
  txJournal?: boolean
  /**
   * check the invariants (`chainInvariants`) on every block's state before committing it; a
   * block that breaks them is not written and the node halts (`--check-invariants`)
   */
  checkInvariants?: boolean
  /**
   * health thresholds (`getHealth`, `GET /health`, the stall and missed-slot warnings); defaults:
   * finality may lag 42 blocks (two rounds), the head may be a minute old, a super node may miss
   * one slot in a row
   */
  health?: Partial<HealthParams>
  /**
   * modules appended after the chain's own; for tests and tools only: every node of a chain must
   * run the same modules, or their state roots differ
   */
  extraModules?: readonly Module[]
  /**
   * the software upgrades this build knows (default: the release's, node/upgrades.ts); at a
   * passed plan's height the node runs the handler of its name, and without one it halts before
   * the block
   */
  upgradeHandlers?: readonly UpgradeHandler[]
}

/**
 * A Gather node: chain, mempool and (for a validator) the block producer, wired together. It
 * orders every write: block commits and reverts are serialised, transactions go through the
 * mempool and the journal. Its queries are `NodeReadApi`'s, its votes `NodeFinality`'s, its
 * liveness `NodeHealth`'s. Events: `block` (CommittedBlock) after each commit, `tx` (raw bytes)
 * for each transaction admitted to the mempool, `vote` (Vote) for each vote this node signs,
 * `final` ({ height, hash }) when the final block moves, `revert` ({ height, hash }) for each
 * block fork choice reverts, `halt` (ChainError) when an invariant broke or the next block needs
 * a software upgrade this build does not know (GOVERNANCE_UPGRADE_REQUIRED).
 */
export class GatherNode extends NodeReadApi {
  /** the journal of RPC-accepted transactions; undefined with `txJournal: false` */
  readonly journal: TxJournal | undefined
  /** `tx_broadcast` and gossip: batched signature verification on the pool, bounded (docs/adr/014) */
  readonly admission: AdmissionQueue<{ hash: string }>
  readonly log: Logger
  /** finality votes seen for recent blocks */
  readonly votes: VotePool
  private readonly finality: NodeFinality
  private readonly health: NodeHealth
  private readonly producer: BlockProducer | undefined
  private lock: Promise<unknown> = Promise.resolve()
  private closed = false
  /** why the node stopped producing and importing: an invariant broke, or an upgrade is required */
  private haltReason: ChainError | undefined
  /** while it returns false the slot loop does not produce (the network sets it while syncing) */
  private productionGate: (() => boolean) | undefined

  private constructor(
    private readonly db: ChainDb,
    chain: Blockchain,
    private readonly opts: NodeOptions,
    log: Logger,
    private readonly verifyPool: VerifyPool,
    journal: TxJournal | undefined,
  ) {
    super(
      chain,
      new Mempool(
        { ...DEFAULT_MEMPOOL_OPTIONS, ...opts.mempool },
        {
          machine: chain.machine,
          chain: { state: chain.state, nextBlockInfo: () => nextBlockInfo(chain) },
          recheckScope: tokenRecheckScope,
        },
      ),
    )
    this.log = log
    this.health = new NodeHealth(opts.health, {
      chain,
      nodeKey: opts.nodeKey,
      log,
      ...(opts.metrics === undefined ? {} : { metrics: opts.metrics }),
    })
    this.finality = new NodeFinality({
      chain,
      nodeKey: opts.nodeKey,
      log,
      onOwnVote: (vote) => this.emit('vote', vote),
      onFinal: (final) => {
        this.opts.metrics?.onHead(this.chain.head.height, this.chain.finalBlock.height)
        this.emit('final', final)
        this.health.watchFinality()
      },
    })
    this.votes = this.finality.votes
    opts.metrics?.watchHealth?.(() => this.getHealth().status === 'ok')
    this.journal = journal
    this.admission = new AdmissionQueue(
      { ...DEFAULT_ADMISSION_OPTIONS, ...opts.admission },
      {
        prepare: (raw) => chain.machine.prepare(raw),
        // every core: the worker threads take equal shares and this thread the last one, from
        // two signatures up (workers alone measured slower: docs/adr/014)
        preverify: (txs) => chain.machine.preverify(this.mempool.checkView, txs, { minParallel: 2 }),
        admit: (raw, prepared, durable) =>
          durable && this.journal !== undefined
            ? this.admitDurable(raw, prepared, this.journal)
            : this.admit(raw, prepared),
      },
    )
    const key = opts.nodeKey
    // Any node with a node key runs the slot loop; it produces only in slots of its own, which
    // exist only while it is an elected super node.
    if (key !== undefined && opts.produce !== false) {
      this.producer = new BlockProducer({
        clock: chain.clock,
        headSlot: () => this.chain.head.slot,
        isOurSlot: (slot) =>
          (this.productionGate?.() ?? true) &&
          Buffer.compare(this.chain.proposerOf(slot), key.publicKey) === 0,
        produce: async (slot) => {
          await this.produceBlock(slot)
        },
        log,
      })
    }
  }

  /**
   * Opens the database (writing genesis on first use), resumes from the last committed block and
   * puts the journaled transactions back in the mempool.
   */
  static async open(opts: NodeOptions): Promise<GatherNode> {
    const log = opts.logger ?? silentLogger()
    const db = await ChainDb.open(opts.dataDir)
    const verifyPool = new VerifyPool(opts.verifyThreads)
    try {
      const machine = new StateMachine(
        { chainId: opts.genesis.chainId, maxTxBytes: opts.genesis.params.maxTxBytes },
        [
          ...chainModules({ upgradeHandlers: opts.upgradeHandlers ?? releaseUpgrades }),
          ...(opts.extraModules ?? []),
        ],
        tokenAuthenticator,
        verifyPool,
      )
      const chain = await Blockchain.open(chainSpec(opts.genesis), {
        db,
        machine,
        schedule: stakingSchedule(),
        rules: consensusRules,
        checker: opts.checkInvariants === true ? invariantChecker(chainInvariants()) : undefined,
      })
      log.info(
        {
          chainId: chain.chainId,
          height: chain.head.height,
          stateRoot: hex(chain.head.stateRoot),
          keys: chain.state.size,
          checkInvariants: opts.checkInvariants === true,
        },
        'chain opened',
      )
      const sigs = signatureVerificationStatus()
      if (sigs.warning !== null) log.warn({ backend: sigs.backend, ed25519: sigs.ed25519 }, sigs.warning)
      const journal =
        opts.txJournal === false ? undefined : await TxJournal.open(db, { metrics: opts.metrics?.txJournal })
      const node = new GatherNode(db, chain, opts, log, verifyPool, journal)
      await node.replayJournal()
      node.checkUpgrade()
      return node
    } catch (e) {
      await verifyPool.close()
      await db.close()
      throw e
    }
  }

  /** This node's key (a validator's block and vote key), if it has one. */
  get nodeKey(): ProposerKey | undefined {
    return this.opts.nodeKey
  }

  /** Lets the network hold production back (e.g. while syncing); undefined lifts the gate. */
  setProductionGate(gate: (() => boolean) | undefined): void {
    this.productionGate = gate
  }

  /** Starts the slot loop if this node is a validator. */
  start(): void {
    this.producer?.start()
  }

  /** Stops producing, waits for the block in progress, closes the database. */
  async stop(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.producer?.stop()
    await this.lock.catch(() => undefined)
    await this.finality.drained()
    await this.admission.drain()
    await this.journal?.close()
    await this.verifyPool.close()
    await this.db.close()
  }

  /**
   * Re-admits the journaled transactions in their admission order, each through the mempool's
   * full checks, keeping the age they had; drops (and deletes) those that no longer pass: already
   * committed or otherwise out of sequence, expired, or invalid now.
   */
  private async replayJournal(): Promise<void> {
    if (this.journal === undefined) return
    const r = await this.journal.replay((e) => {
      this.mempool.add(e.raw, { addedAtHeight: e.addedAtHeight })
    })
    if (r.readmitted + r.dropped.length === 0) return
    const reasons: Record<string, number> = {}
    for (const d of r.dropped) {
      reasons[d.code] = (reasons[d.code] ?? 0) + 1
      this.log.debug({ hash: d.hash, code: d.code }, 'journaled transaction dropped')
    }
    this.log.info(
      { readmitted: r.readmitted, dropped: r.dropped.length, reasons, mempool: this.mempool.size },
      'transaction journal replayed',
    )
    this.opts.metrics?.onMempool(this.mempool.size, this.mempool.sizeBytes)
  }

  /** Deletes the journal records of transactions no longer pending (committed, evicted, invalid). */
  private compactJournal(): void {
    const removed = this.journal?.retain((hash) => this.mempool.has(hash)) ?? 0
    if (removed > 0) this.log.debug({ removed, records: this.journal?.size }, 'transaction journal compacted')
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock
      .catch(() => undefined)
      .then(() => {
        if (this.haltReason !== undefined) throw this.halted()
        return fn()
      })
      .catch((e: unknown) => {
        if (
          isChainError(e) &&
          (e.code === ChainErrorCode.INVARIANT_BROKEN || e.code === GovernanceErrorCode.UPGRADE_REQUIRED)
        )
          this.halt(e)
        throw e
      })
    this.lock = run
    return run
  }

  /** The error every block operation gets once the node halted. */
  private halted(): ChainError {
    return new ChainError(
      ChainErrorCode.NODE_HALTED,
      `the node halted at height ${this.chain.head.height}: ${this.haltReason?.message ?? ''}`,
    )
  }

  /**
   * An invariant broke: the block was not written; stop producing and importing rather than
   * build on a state that cannot be trusted. Emits `halt` (ChainError) for the process to exit.
   */
  private halt(e: ChainError): void {
    if (this.haltReason !== undefined) return
    this.haltReason = e
    if (e.code === GovernanceErrorCode.UPGRADE_REQUIRED)
      this.log.error(
        { height: this.chain.head.height, upgrade: e.data?.name, upgradeHeight: e.data?.height },
        `${e.message}; the node halts with its data intact at height ${this.chain.head.height}`,
      )
    else
      this.log.error(
        { height: this.chain.head.height, violations: e.data?.violations },
        `invariants broken: the block was not committed and the node halts; the chain stays at height ${this.chain.head.height}`,
      )
    // not awaited: the producer waits for the slot in progress, which is this very call
    void this.producer?.stop()
    this.emit('halt', e)
  }

  /**
   * Halts before the next block when it is the height of a pending upgrade plan this build has no
   * handler for: nothing of that block is executed, the data stays as it is, and a release that
   * knows the plan continues from here.
   */
  private checkUpgrade(): void {
    const handlers = this.opts.upgradeHandlers ?? releaseUpgrades
    const r = requiredUpgrade(this.chain.state, this.chain.head.height + 1, handlers)
    if (r === undefined) return
    this.halt(
      new ChainError(GovernanceErrorCode.UPGRADE_REQUIRED, r.message, { name: r.name, height: r.height }),
    )
  }

  /** Why the node halted (INVARIANT_BROKEN, GOVERNANCE_UPGRADE_REQUIRED), or undefined while it runs. */
  get haltedBy(): ChainError | undefined {
    return this.haltReason
  }

  /**
   * Submits raw TxRaw bytes to the mempool; throws ChainError when refused. Not journaled: for
   * gossip, evidence, tests and tools (RPC submissions use `submitTxDurable`).
   */
  submitTx(raw: Uint8Array): { hash: string } {
    return this.admit(raw, undefined)
  }

  private admit(raw: Uint8Array, prepared: PreparedTx | undefined): { hash: string } {
    if (this.closed) throw new ChainError('NODE_STOPPED', 'node is stopping')
    const p = this.mempool.add(raw, prepared === undefined ? {} : { prepared })
    this.opts.metrics?.onMempool(this.mempool.size, this.mempool.sizeBytes)
    this.emit('tx', raw)
    this.log.debug({ hash: p.tx.hashHex, signer: p.tx.signer }, 'transaction admitted')
    return { hash: p.tx.hashHex }
  }

  /**
   * Submits raw TxRaw bytes through the admission queue, not journaled (gossip): verified in a
   * batch on the verify pool, then admitted in arrival order; rejects with the mempool's
   * ChainError, or TX_ADMISSION_BUSY when the queue is full.
   */
  submitTxQueued(raw: Uint8Array): Promise<{ hash: string }> {
    if (this.closed) return Promise.reject(new ChainError('NODE_STOPPED', 'node is stopping'))
    return this.admission.submit(raw, false)
  }

  /**
   * Submits raw TxRaw bytes as `tx_broadcast` does: through the admission queue (a batch's
   * signatures verified together on the verify pool, admissions in arrival order), admitted to
   * the mempool (held back from proposers meanwhile), then journaled and fsynced; resolves once
   * the transaction would survive a crash of this node. Rejects with the mempool's ChainError
   * when refused, TX_ADMISSION_BUSY when the queue is full, and TX_JOURNAL_FAILED when the
   * journal cannot be written, in which case the transaction is taken out of the mempool again.
   * Without a journal (`txJournal: false`) nothing is journaled.
   */
  submitTxDurable(raw: Uint8Array): Promise<{ hash: string }> {
    if (this.closed) return Promise.reject(new ChainError('NODE_STOPPED', 'node is stopping'))
    return this.admission.submit(raw, true)
  }

  private async admitDurable(
    raw: Uint8Array,
    prepared: PreparedTx,
    journal: TxJournal,
  ): Promise<{ hash: string }> {
    if (this.closed) throw new ChainError('NODE_STOPPED', 'node is stopping')
    const addedAtHeight = this.nextBlockInfo().height
    const p = this.mempool.add(raw, { held: true, addedAtHeight, prepared })
    const hash = p.tx.hashHex
    try {
      await journal.append(hash, raw, addedAtHeight)
    } catch (e) {
      this.mempool.discard(hash)
      this.opts.metrics?.onMempool(this.mempool.size, this.mempool.sizeBytes)
      this.log.error({ hash, err: (e as Error).message }, 'transaction not accepted: journal write failed')
      throw e
    }
    this.mempool.release(hash)
    this.opts.metrics?.onMempool(this.mempool.size, this.mempool.sizeBytes)
    this.emit('tx', raw)
    this.log.debug({ hash, signer: p.tx.signer }, 'transaction admitted and journaled')
    return { hash }
  }

  /**
   * Produces a block now with the mempool's transactions: in `slot`, or the first slot after the
   * head (at or after the current time). Used by the slot loop, tests and benchmarks; `key`
   * signs as another super node (tests and benchmarks that play several producers on one node).
   */
  produceBlock(slot?: number, opts: { key?: ProposerKey } = {}): Promise<CommittedBlock> {
    const key = opts.key ?? this.opts.nodeKey
    if (key === undefined) return Promise.reject(new Error('this node has no node key'))
    return this.serialise(async () => {
      // our vote for the head goes into this block's commit whenever we are one of its voters
      await this.finality.ownVoteSigned()
      // the default never reuses a slot this node already signed a block for (e.g. before a crash)
      const signed = await this.chain.lastSigned('proposal')
      const s = slot ?? Math.max(this.chain.head.slot + 1, signed + 1, slotAt(this.chain.clock, Date.now()))
      // what was submitted before the slot (still in the admission queue, or admitted and being
      // journaled) goes in this block, not the next one (held transactions are left out until
      // their record is on disk)
      await this.admission.settled()
      await this.journal?.settled()
      const missed = this.health.missedBefore(s)
      const committed = await this.chain.propose(
        s,
        key,
        this.mempool.pending(this.chain.spec.maxBlockTxs),
        this.finality.votesForHead(),
      )
      for (const d of committed.dropped) {
        this.log.debug({ hash: d.tx.tx.hashHex, code: d.error.code }, 'transaction dropped from block')
      }
      this.health.afterSlots(missed, committed)
      this.afterCommit(committed)
      return committed
    })
  }

  /**
   * Validates and commits a block produced elsewhere: its bytes, or the block the network layer
   * already decoded from them (decoded once; the received bytes are what is stored).
   */
  importBlock(block: Uint8Array | ReceivedBlock): Promise<CommittedBlock> {
    return this.serialise(async () => {
      const received = ArrayBuffer.isView(block) ? receiveBlock(block) : block
      const missed = this.health.missedBefore(received.block.header.slot)
      const committed = await this.chain.import(received, (raw) => {
        // hashed once: the id that finds it in the mempool is the one decoding keeps
        const id = txId(raw)
        return this.mempool.get(id.hashHex) ?? this.chain.machine.prepare(raw, id)
      })
      this.health.afterSlots(missed, committed)
      this.afterCommit(committed)
      return committed
    })
  }

  /**
   * Reverts the blocks above `height` (fork choice moving to another branch), newest first, each
   * in its own atomic batch; their transactions go back to the mempool where they still pass.
   * Emits `revert` ({ height, hash }) per block. Never below the final block (BLOCK_FINAL).
   * Returns how many blocks were reverted.
   */
  revertTo(height: number): Promise<number> {
    return this.serialise(async () => {
      const final = this.chain.finalBlock.height
      if (height < final) {
        throw new ChainError(
          ChainErrorCode.BLOCK_FINAL,
          `refusing to revert to height ${height}: block ${final} is final`,
        )
      }
      const txs: Uint8Array[][] = []
      while (this.chain.head.height > height) {
        const { block, hash } = await this.chain.revertHead()
        const h = block.header.height
        txs.unshift(block.txs)
        this.finality.forget(h)
        this.log.warn({ height: h, hash: hex(hash).slice(0, 16), txs: block.txs.length }, 'block reverted')
        this.emit('revert', { height: h, hash })
      }
      this.mempool.restore(txs.flat())
      this.compactJournal()
      this.opts.metrics?.onHead(this.chain.head.height, this.chain.finalBlock.height)
      this.opts.metrics?.onMempool(this.mempool.size, this.mempool.sizeBytes)
      return txs.length
    })
  }

  private afterCommit(c: CommittedBlock): void {
    this.mempool.update(
      c.txs.map((t) => t.hashHex),
      c.changes.keys(),
    )
    // the deletes wait for a synced write after this block's batch (TxJournal), so a crash
    // cannot keep them and lose the block
    this.compactJournal()
    const failed = c.results.filter((r) => r.code !== 0).length
    this.log.info(
      {
        height: c.block.header.height,
        slot: c.block.header.slot,
        hash: hex(c.hash).slice(0, 16),
        txs: c.block.txs.length,
        failed,
        applyMs: Math.round(c.applyMs),
        mempool: this.mempool.size,
      },
      'block committed',
    )
    this.opts.metrics?.onBlock(
      c.block.header.height,
      this.chain.finalBlock.height,
      c.applyMs / 1000,
      c.block.txs.length,
    )
    this.opts.metrics?.onMempool(this.mempool.size, this.mempool.sizeBytes)
    this.emit('block', c)
    this.finality.afterBlock(c)
    this.health.watchFinality()
    this.checkUpgrade()
  }

  /**
   * A vote from the network: checked against the voters of the block at its height (kept for
   * the last 64 blocks; votes up to 2 blocks ahead wait for their block). Returns `accept`,
   * `ignore` (unknown block, too old, already counted) or throws a ChainError when it is invalid.
   */
  addVote(vote: Vote): 'accept' | 'ignore' {
    return this.finality.addVote(vote)
  }

  /** Resolves when pending finality work (votes being signed, final blocks being written) is done. */
  settled(): Promise<void> {
    return this.finality.settled()
  }

  /**
   * How the node is (`GET /health`, `gather_health_ok`): `stale` when the head is old, `degraded`
   * when finality lags the head by more than `maxFinalityLagBlocks` or this node, an elected super
   * node, keeps missing its own slots; each failed check gives a reason. `overrides` replace the
   * node's thresholds for this answer (the RPC server's `maxHeadAgeMs`).
   */
  getHealth(overrides: Partial<HealthParams> = {}): Health {
    return this.health.getHealth(overrides)
  }

  /**
   * Resolves when a block including the transaction commits; rejects with CHAIN_TIMEOUT after
   * `timeoutMs`, or TX_EVICTED if it leaves the mempool without being included.
   */
  waitForTx(
    hashHex: string,
    timeoutMs: number,
  ): Promise<{ height: number; index: number; result: TxResult }> {
    const wanted = hashHex.toUpperCase()
    return new Promise((resolve, reject) => {
      const onBlock = (c: CommittedBlock): void => {
        const index = c.txs.findIndex((t) => t.hashHex === wanted)
        if (index >= 0) {
          done()
          resolve({ height: c.block.header.height, index, result: c.results[index]! })
        } else if (!this.mempool.has(wanted)) {
          done()
          reject(
            new ChainError(
              'TX_EVICTED',
              `transaction ${wanted} left the mempool without being included (it no longer passes the checks)`,
            ),
          )
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(
          new ChainError(
            'CHAIN_TIMEOUT',
            `transaction ${wanted} was not included within ${timeoutMs} ms; it may still be`,
          ),
        )
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.off('block', onBlock)
      }
      this.on('block', onBlock)
    })
  }
}
