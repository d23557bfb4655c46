import { EventEmitter } from 'node:events'
import {
  Blockchain,
  type ChainSpec,
  type CommittedBlock,
  type ConsensusRules,
  type ProposerKey,
  type SuperNodeSchedule,
} from '../chain/blockchain.js'
import { type Block, decodeBlock, decodeTxResult, type TxResult, type Vote } from '../chain/codec/block.js'
import { VerifyPool } from '../chain/crypto/verifyPool.js'
import { ChainError, ChainErrorCode, isChainError } from '../chain/errors.js'
import { type Invariant, invariantChecker } from '../chain/invariants.js'
import { type Logger, silentLogger } from '../chain/logger.js'
import { TxJournal } from '../chain/mempool/journal.js'
import { DEFAULT_MEMPOOL_OPTIONS, Mempool, type MempoolOptions } from '../chain/mempool/mempool.js'
import type { BlockMetrics } from '../chain/metrics.js'
import { type BlockInfo, type Module, StateMachine } from '../chain/stateMachine.js'
import { ChainDb } from '../chain/store/chainDb.js'
import { StateOverlay } from '../chain/store/overlay.js'
import { proofToJson, type SmtProofJson } from '../chain/store/smt.js'
import { txHashHex } from '../chain/tx/decodeTx.js'
import { quorum, signVote, VotePool, verifyLastCommit, verifyVote } from '../consensus/finality.js'
import {
  assessHealth,
  defaultHealthParams,
  FinalityWatch,
  type Health,
  type HealthParams,
  MissedSlotWatch,
  validateHealthParams,
} from '../consensus/liveness.js'
import { BlockProducer } from '../consensus/producer.js'
import { proposerForSlot, ROUND_SLOTS, roundOf, roundOrder, slotAt, slotTime } from '../consensus/schedule.js'
import { type Genesis, genesisHash, genesisTimeMs } from '../genesis/schema.js'
import { identityEndpoint } from '../modules/identity/endpoint.js'
import { identityInvariants } from '../modules/identity/invariants.js'
import { createIdentityModule } from '../modules/identity/module.js'
import { messagingEndpoint } from '../modules/messaging/endpoint.js'
import type { InclusionProof } from '../modules/messaging/groupchain/proof.js'
import { messagingInvariants } from '../modules/messaging/invariants.js'
import { createMessagingModule } from '../modules/messaging/module.js'
import type { HolderBalanceView, Page } from '../modules/messaging/types.js'
import { stakingEndpoint } from '../modules/staking/endpoint.js'
import { stakingInvariants } from '../modules/staking/invariants.js'
import { stakingMethod } from '../modules/staking/method.js'
import { createStakingModule } from '../modules/staking/module.js'
import type { StakingTokenMethod } from '../modules/staking/types.js'
import { tokenEndpoint } from '../modules/token/endpoint.js'
import { tokenInvariants } from '../modules/token/invariants.js'
import { tokenMethod } from '../modules/token/method.js'
import { tokenAuthenticator, tokenModule } from '../modules/token/module.js'
import { rewardsMethod } from '../modules/token/rewards.js'
import { balanceStore } from '../modules/token/stores/index.js'
import type { TokenStakingView } from '../modules/token/types.js'

/** Options of a node. */
export interface NodeOptions {
  /** folder of the classic-level database */
  dataDir: string
  genesis: Genesis
  /** the node key; a node whose key is a genesis validator produces blocks */
  nodeKey?: ProposerKey
  logger?: Logger
  mempool?: Partial<MempoolOptions>
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
}

/** JSON view of a block. */
export interface BlockView {
  height: number
  hash: string
  header: {
    chainId: string
    height: number
    slot: number
    time: string
    previousHash: string
    proposer: string
    txRoot: string
    stateRoot: string
    resultRoot: string
    lastCommit: number
  }
  txs: string[]
  signature: string
}

/** The modules of Gather Chain, in execution order. */
export function chainModules(): Module[] {
  return [
    tokenModule,
    createStakingModule(stakingTokenMethod),
    createIdentityModule(tokenMethod),
    // last, so its holder gate sees every balance change of the block
    createMessagingModule(tokenMethod, holderBalanceView),
  ]
}

/** The token surface staking uses: balances, GMT, and the reward hooks. */
export const stakingTokenMethod: StakingTokenMethod = {
  ...tokenMethod,
  changeStake: rewardsMethod.changeStake,
  changeActiveNodes: rewardsMethod.changeActiveNodes,
  isLastBlockOfDay: rewardsMethod.isLastBlockOfDay,
  distributeDay: rewardsMethod.distributeDay,
}

/**
 * The balances a block changed, for messaging's holder gate: the token balance keys written in
 * the block's overlay, each read before (the parent state) and now.
 */
export const holderBalanceView: HolderBalanceView = {
  changedBalances(state) {
    if (!(state instanceof StateOverlay)) return []
    const before = { get: (k: string) => state.baseGet(k), keys: () => [] }
    const out = []
    for (const key of state.changes().keys()) {
      if (!key.startsWith(balanceStore.prefix)) continue
      const address = key.slice(balanceStore.prefix.length)
      const b = tokenMethod.getBalance(before, address)
      const a = tokenMethod.getBalance(state, address)
      if (a !== b) out.push({ address, before: b, after: a })
    }
    return out
  },
}

/** What the token module reads from staking (supply query, invariants). */
export const tokenStakingView: TokenStakingView = {
  totalLocked: (state) => stakingMethod.getTotalLocked(state),
  totalUnbonding: (state) => stakingMethod.getTotalUnbonding(state),
  registeredNodes: (state) => stakingMethod.countNodes(state),
  activeNodes: (state, height) => stakingMethod.countActiveNodes(state, height),
}

/**
 * The invariants of Gather Chain (ARCHITECTURE.md, "Invariants"): each module's own, with the
 * cross-module ones (supply conservation, GMT bound per node) given staking's view.
 */
export function chainInvariants(): Invariant[] {
  return [
    ...tokenInvariants(tokenStakingView),
    ...stakingInvariants,
    ...identityInvariants,
    ...messagingInvariants,
  ]
}

/** The block schedule from the staking module's elected set (memoised per parent state and period). */
function stakingSchedule(): SuperNodeSchedule {
  let memo: { root: string; height: number; period: number; keys: Uint8Array[] } | undefined
  return (state, height, slot) => {
    // The producer asks every slot; an election at a period boundary scans every node, so
    // answer repeated questions about the same parent state and period from memory.
    const root = (state as { root?: Uint8Array }).root
    const rootHex = root === undefined ? '' : Buffer.from(root).toString('hex')
    const period = stakingMethod.periodOf(state, slot)
    if (
      memo !== undefined &&
      rootHex !== '' &&
      memo.root === rootHex &&
      memo.height === height &&
      memo.period === period
    ) {
      return memo.keys
    }
    const keys = stakingMethod.superNodesFor(state, height, slot).nodeIds.map((id) => Buffer.from(id, 'hex'))
    memo = { root: rootHex, height, period, keys }
    return keys
  }
}

/** The consensus rules the block pipeline applies (consensus/schedule.ts, consensus/finality.ts). */
export const consensusRules: ConsensusRules = { proposerForSlot, roundOf, slotTime, verifyLastCommit }

/** What the block pipeline reads of a genesis file. */
export function chainSpec(genesis: Genesis): ChainSpec {
  return {
    chainId: genesis.chainId,
    genesisHash: genesisHash(genesis),
    genesisTimeMs: genesisTimeMs(genesis),
    blockTimeMs: genesis.params.blockTimeMs,
    maxBlockTxs: genesis.params.maxBlockTxs,
    maxBlockBytes: genesis.params.maxBlockBytes,
    document: genesis,
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Turns a block into its JSON view. */
export function blockView(block: Block, hash: Uint8Array): BlockView {
  const h = block.header
  return {
    height: h.height,
    hash: hex(hash),
    header: {
      chainId: h.chainId,
      height: h.height,
      slot: h.slot,
      time: new Date(h.timeMs).toISOString(),
      previousHash: hex(h.previousHash),
      proposer: hex(h.proposer),
      txRoot: hex(h.txRoot),
      stateRoot: hex(h.stateRoot),
      resultRoot: hex(h.resultRoot),
      lastCommit: h.lastCommit.length,
    },
    txs: block.txs.map((t) => Buffer.from(t).toString('base64')),
    signature: hex(block.signature),
  }
}

/** What the node shows of an attached network (node/nodeNetwork.ts implements it). */
export interface NodeNetworkView {
  sync(): { syncing: boolean; targetHeight: number; peers: number; productionHold: string | null }
  peerId(): string
  addresses(): string[]
  peers(): unknown[]
}

/** Recent blocks kept for checking votes that arrive after them. */
const VOTE_WINDOW = 64

/** A slot that passed without a block, and the super node scheduled to produce it. */
interface MissedSlot {
  slot: number
  producer: string
}

/**
 * A Gather node: chain, mempool and (for a validator) the block producer, wired together.
 * Block commits are serialised; events: `block` (CommittedBlock) after each commit, `tx` (raw
 * bytes) for each transaction admitted to the mempool, `vote`
 * (Vote) for each vote this node signs, `final` ({ height, hash }) when the final block moves,
 * `revert` ({ height, hash }) for each block fork choice reverts.
 */
export class GatherNode extends EventEmitter {
  readonly chain: Blockchain
  readonly mempool: Mempool
  /** the journal of RPC-accepted transactions; undefined with `txJournal: false` */
  readonly journal: TxJournal | undefined
  readonly log: Logger
  private readonly producer: BlockProducer | undefined
  private lock: Promise<unknown> = Promise.resolve()
  private closed = false
  /** why the node stopped producing and importing, once an invariant broke */
  private haltReason: ChainError | undefined
  /** finality votes seen for recent blocks */
  readonly votes = new VotePool()
  /** recent blocks on our chain: hash and voters, for checking votes */
  private readonly recent = new Map<number, { hash: Uint8Array; superNodes: Uint8Array[] }>()
  /** votes for blocks we do not have yet (they may arrive before the block), by height */
  private readonly early = new Map<number, Vote[]>()
  private finalising: Promise<unknown> = Promise.resolve()
  /**
   * This node's vote for the head, while it is being signed (the double-sign guard's write comes
   * first). A proposal waits for it, so the votes a block carries never depend on timing.
   */
  private ownVote: Promise<unknown> = Promise.resolve()
  /** while it returns false the slot loop does not produce (the network sets it while syncing) */
  private productionGate: (() => boolean) | undefined
  /** the network attached to this node (sync state, peers), for status queries */
  private network: NodeNetworkView | undefined
  private readonly healthParams: HealthParams
  /** decides when a finality stall is logged (and its end) */
  private readonly finalityWatch: FinalityWatch
  /** per super node: its slots missed in a row; decides when that is logged */
  private readonly missedWatch: MissedSlotWatch

  private constructor(
    private readonly db: ChainDb,
    chain: Blockchain,
    private readonly opts: NodeOptions,
    log: Logger,
    private readonly verifyPool: VerifyPool,
    journal: TxJournal | undefined,
  ) {
    super()
    this.chain = chain
    this.log = log
    this.healthParams = validateHealthParams({ ...defaultHealthParams(), ...opts.health })
    this.finalityWatch = new FinalityWatch(this.healthParams.maxFinalityLagBlocks)
    this.missedWatch = new MissedSlotWatch(this.healthParams.maxMissedSlotsInRow)
    opts.metrics?.watchHealth?.(() => this.getHealth().status === 'ok')
    this.journal = journal
    this.mempool = new Mempool(
      { ...DEFAULT_MEMPOOL_OPTIONS, ...opts.mempool },
      { machine: chain.machine, chain: { state: chain.state, nextBlockInfo: () => this.nextBlockInfo() } },
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
        [...chainModules(), ...(opts.extraModules ?? [])],
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
      const journal =
        opts.txJournal === false ? undefined : await TxJournal.open(db, { metrics: opts.metrics?.txJournal })
      const node = new GatherNode(db, chain, opts, log, verifyPool, journal)
      await node.replayJournal()
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

  /** Attaches (or detaches) the network's views for `chain_getStatus` and `net_getPeers`. */
  attachNetwork(view: NodeNetworkView | undefined): void {
    this.network = view
  }

  /** Peers of the attached network (`net_getPeers`); empty without one. */
  getPeers() {
    return {
      peerId: this.network?.peerId() ?? null,
      addresses: this.network?.addresses() ?? [],
      peers: this.network?.peers() ?? [],
    }
  }

  /**
   * The current round (`consensus_getRound`): the slot after the head, its round, the round's
   * proposer order, and, for the round so far on this chain, which slots got blocks and which
   * producers missed theirs.
   */
  async getRound() {
    const head = this.chain.head
    const slot = Math.max(head.slot + 1, slotAt(this.chain.clock, Date.now()))
    const round = roundOf(slot)
    const first = round * ROUND_SLOTS
    const superNodes = this.chain.superNodesAt(slot)
    const order = superNodes.length <= 1 ? superNodes : roundOrder(superNodes, this.chain.roundSeedFor(slot))
    const produced = new Map<number, string>()
    for (let h = head.height; h > 0; h--) {
      const b = await this.chain.getBlock(h)
      if (b === undefined || b.block.header.slot < first) break
      produced.set(b.block.header.slot, hex(b.block.header.proposer))
    }
    const slots = []
    for (let s = first; s < first + ROUND_SLOTS; s++) {
      const proposer = hex(order[(s % ROUND_SLOTS) % order.length]!)
      const status = produced.has(s)
        ? 'produced'
        : s <= head.slot
          ? 'missed'
          : s < slot
            ? 'missed'
            : 'pending'
      slots.push({ slot: s, proposer, status })
    }
    return {
      slot,
      round,
      roundStartSlot: first,
      headHeight: head.height,
      headSlot: head.slot,
      order: order.map(hex),
      slots,
      missed: slots.filter((x) => x.status === 'missed').map((x) => ({ slot: x.slot, proposer: x.proposer })),
    }
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
    await this.finalising.catch(() => undefined)
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

  /** Info of the block the next transaction would be executed in. */
  nextBlockInfo(): BlockInfo {
    const head = this.chain.head
    return {
      chainId: this.chain.chainId,
      height: head.height + 1,
      slot: head.slot + 1,
      timeMs: head.timeMs + this.chain.clock.blockTimeMs,
      proposer: new Uint8Array(0),
    }
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock
      .catch(() => undefined)
      .then(() => {
        if (this.haltReason !== undefined) throw this.halted()
        return fn()
      })
      .catch((e: unknown) => {
        if (isChainError(e) && e.code === ChainErrorCode.INVARIANT_BROKEN) this.halt(e)
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
    this.log.error(
      { height: this.chain.head.height, violations: e.data?.violations },
      `invariants broken: the block was not committed and the node halts; the chain stays at height ${this.chain.head.height}`,
    )
    // not awaited: the producer waits for the slot in progress, which is this very call
    void this.producer?.stop()
    this.emit('halt', e)
  }

  /** Why the node halted (an INVARIANT_BROKEN error), or undefined while it runs. */
  get haltedBy(): ChainError | undefined {
    return this.haltReason
  }

  /**
   * Submits raw TxRaw bytes to the mempool; throws ChainError when refused. Not journaled: for
   * gossip, evidence, tests and tools (RPC submissions use `submitTxDurable`).
   */
  submitTx(raw: Uint8Array): { hash: string } {
    if (this.closed) throw new ChainError('NODE_STOPPED', 'node is stopping')
    const p = this.mempool.add(raw)
    this.opts.metrics?.onMempool(this.mempool.size, this.mempool.sizeBytes)
    this.emit('tx', raw)
    this.log.debug({ hash: p.tx.hashHex, signer: p.tx.signer }, 'transaction admitted')
    return { hash: p.tx.hashHex }
  }

  /**
   * Submits raw TxRaw bytes as `tx_broadcast` does: admitted to the mempool (held back from
   * proposers meanwhile), then journaled and fsynced; resolves once the transaction would
   * survive a crash of this node. Rejects with the mempool's ChainError when refused, and with
   * TX_JOURNAL_FAILED when the journal cannot be written, in which case the transaction is taken
   * out of the mempool again. Without a journal (`txJournal: false`) it is `submitTx`.
   */
  async submitTxDurable(raw: Uint8Array): Promise<{ hash: string }> {
    if (this.journal === undefined) return this.submitTx(raw)
    if (this.closed) throw new ChainError('NODE_STOPPED', 'node is stopping')
    const addedAtHeight = this.nextBlockInfo().height
    const p = this.mempool.add(raw, { held: true, addedAtHeight })
    const hash = p.tx.hashHex
    try {
      await this.journal.append(hash, raw, addedAtHeight)
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
      await this.ownVote
      // the default never reuses a slot this node already signed a block for (e.g. before a crash)
      const signed = await this.chain.lastSigned('proposal')
      const s = slot ?? Math.max(this.chain.head.slot + 1, signed + 1, slotAt(this.chain.clock, Date.now()))
      // what was admitted before the slot and is still being journaled goes in this block,
      // not the next one (held transactions are left out until their record is on disk)
      await this.journal?.settled()
      const head = this.chain.head
      const missed = this.missedBefore(s)
      const committed = await this.chain.propose(
        s,
        key,
        this.mempool.pending(this.chain.spec.maxBlockTxs),
        head.height === 0 ? [] : this.votes.votesFor(head.height, head.hash),
      )
      for (const d of committed.dropped) {
        this.log.debug({ hash: d.tx.tx.hashHex, code: d.error.code }, 'transaction dropped from block')
      }
      this.afterSlots(missed, committed)
      this.afterCommit(committed)
      return committed
    })
  }

  /** Validates and commits a block produced elsewhere. */
  importBlock(bytes: Uint8Array): Promise<CommittedBlock> {
    return this.serialise(async () => {
      let missed: MissedSlot[] = []
      try {
        missed = this.missedBefore(decodeBlock(bytes).header.slot)
      } catch {
        // undecodable: chain.import says why
      }
      const committed = await this.chain.import(bytes, (raw) => {
        const known = this.mempool.get(txHashHex(raw))
        return known ?? this.chain.machine.prepare(raw)
      })
      this.afterSlots(missed, committed)
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
        this.recent.delete(h)
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
    this.mempool.update(c.txHashes.map((h) => hex(h).toUpperCase()))
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
    this.afterBlockVotes(c)
    this.watchFinality()
  }

  /**
   * The empty slots before a new block: counted by producer (`gather_missed_slots_total`), and a
   * warning when a super node keeps missing its slots (once a round at most) or an info line when
   * it produces again.
   */
  private afterSlots(missed: readonly MissedSlot[], c: CommittedBlock): void {
    for (const m of missed) this.opts.metrics?.onMissedSlot?.(m.producer)
    const ours = this.opts.nodeKey === undefined ? undefined : hex(this.opts.nodeKey.publicKey)
    const notices = this.missedWatch.onBlock(hex(c.block.header.proposer), missed, c.superNodes.map(hex))
    for (const n of notices) {
      if (n.kind === 'missing') {
        this.log.warn(
          {
            producer: n.producer,
            missedSlots: n.missedSlots,
            rounds: n.rounds,
            firstSlot: n.firstSlot,
            lastSlot: n.lastSlot,
            height: c.block.header.height,
          },
          n.producer === ours
            ? 'this node is an elected super node and keeps missing its own slots'
            : 'a super node keeps missing its slots (is its node running?)',
        )
      } else {
        this.log.info({ producer: n.producer, missedSlots: n.missedSlots }, 'super node producing again')
      }
    }
  }

  /** Logs a finality stall when it starts, every few rounds while it lasts, and when it ends. */
  private watchFinality(): void {
    const head = this.chain.head
    const n = this.finalityWatch.observe(head.height, this.chain.finalBlock.height, head.slot)
    if (n === undefined) return
    const context = {
      height: n.height,
      finalHeight: n.finalHeight,
      finalityLag: n.finalityLag,
      maxFinalityLag: this.healthParams.maxFinalityLagBlocks,
      rounds: n.rounds,
    }
    if (n.kind === 'resumed') this.log.info(context, 'finality resumed')
    else
      this.log.warn(
        context,
        n.repeat
          ? 'finality still stalled: the final block is not moving'
          : 'finality stalled: fewer than 2n/3+1 of the super nodes vote (an elected node that is not running?)',
      )
  }

  /**
   * Finality bookkeeping after a commit: remember the block's voters; count the votes its header
   * carries for the parent and any that arrived early; vote for it if we are one of its super
   * nodes (never twice for a height, even across restarts).
   */
  private afterBlockVotes(c: CommittedBlock): void {
    const h = c.block.header
    this.recent.set(h.height, { hash: c.hash, superNodes: c.superNodes })
    this.recent.delete(h.height - VOTE_WINDOW)
    this.votes.prune(h.height - VOTE_WINDOW)
    for (const v of h.lastCommit) this.countVote(v)
    // votes seen for this block while we held another one at its height (before a branch switch)
    const pooled = this.votes.votesFor(h.height, c.hash)
    if (pooled.length > 0) this.checkQuorum(pooled[0]!)
    const early = this.early.get(h.height) ?? []
    this.early.delete(h.height)
    for (const v of early) this.addVote(v)
    for (const height of this.early.keys()) if (height < h.height) this.early.delete(height)
    const key = this.opts.nodeKey
    if (key === undefined || !c.superNodes.some((k) => Buffer.compare(k, key.publicKey) === 0)) return
    this.finalising = this.finalising
      .then(async () => {
        await this.chain.guardSign('vote', h.height)
        const vote = signVote(this.chain.chainId, h.height, c.hash, key)
        this.emit('vote', vote)
        this.countVote(vote)
      })
      .catch((e: unknown) => this.log.warn({ height: h.height, err: (e as Error).message }, 'not voting'))
    this.ownVote = this.finalising
  }

  /** The empty slots between the head and a block at `slot`, with their scheduled producers (capped at 4 rounds). */
  private missedBefore(slot: number): MissedSlot[] {
    if (this.chain.head.height === 0) return []
    const out: MissedSlot[] = []
    const from = Math.max(this.chain.head.slot + 1, slot - 4 * ROUND_SLOTS)
    try {
      for (let s = from; s < slot; s++) out.push({ slot: s, producer: hex(this.chain.proposerOf(s)) })
    } catch {
      // no super nodes to schedule: propose or import of the block itself says why
    }
    return out
  }

  /**
   * A vote from the network: checked against the voters of the block at its height (kept for
   * the last 64 blocks; votes up to 2 blocks ahead wait for their block). Returns `accept`,
   * `ignore` (unknown block, too old, already counted) or throws a ChainError when it is invalid.
   */
  addVote(vote: Vote): 'accept' | 'ignore' {
    const head = this.chain.head.height
    if (vote.height > head) {
      if (vote.height > head + 2) return 'ignore'
      const list = this.early.get(vote.height) ?? []
      if (list.length < 4 * 21) list.push(vote)
      this.early.set(vote.height, list)
      return 'ignore'
    }
    const block = this.recent.get(vote.height)
    if (block === undefined) return 'ignore'
    verifyVote(this.chain.chainId, vote, block.superNodes)
    if (Buffer.compare(vote.blockHash, block.hash) !== 0) {
      // a valid vote for a block we do not have: keep it (a conflicting one is evidence), do not count it
      this.votes.add(vote)
      return 'ignore'
    }
    return this.countVote(vote) ? 'accept' : 'ignore'
  }

  /** Adds a checked vote; finalises its block when the quorum is reached. */
  private countVote(vote: Vote): boolean {
    if (!this.votes.add(vote)) return false
    this.checkQuorum(vote)
    return true
  }

  /** Finalises the block `vote` is for when its votes reach the quorum of its super nodes. */
  private checkQuorum(vote: Vote): void {
    const block = this.recent.get(vote.height)
    if (block === undefined || Buffer.compare(block.hash, vote.blockHash) !== 0) return
    if (this.votes.votesFor(vote.height, vote.blockHash).length < quorum(block.superNodes.length)) return
    if (vote.height <= this.chain.finalBlock.height) return
    this.finalising = this.finalising
      .then(async () => {
        if (await this.chain.markFinal(vote.height, vote.blockHash)) {
          this.opts.metrics?.onHead(this.chain.head.height, this.chain.finalBlock.height)
          this.emit('final', { height: vote.height, hash: vote.blockHash })
          this.watchFinality()
        }
      })
      .catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'finality'))
  }

  /** Resolves when pending finality work (votes being signed, final blocks being written) is done. */
  async settled(): Promise<void> {
    // work queued while waiting (a vote finalising its block) is waited for too
    for (let p = this.finalising; ; p = this.finalising) {
      await p
      if (p === this.finalising) return
    }
  }

  /**
   * How the node is (`GET /health`, `gather_health_ok`): `stale` when the head is old, `degraded`
   * when finality lags the head by more than `maxFinalityLagBlocks` or this node, an elected super
   * node, keeps missing its own slots; each failed check gives a reason. `overrides` replace the
   * node's thresholds for this answer (the RPC server's `maxHeadAgeMs`).
   */
  getHealth(overrides: Partial<HealthParams> = {}): Health {
    const head = this.chain.head
    const key = this.opts.nodeKey
    const superNode =
      key !== undefined && this.chain.headSuperNodes.some((k) => Buffer.compare(k, key.publicKey) === 0)
    return assessHealth(
      {
        height: head.height,
        finalHeight: this.chain.finalBlock.height,
        headAgeMs: Date.now() - head.timeMs,
        blockTimeMs: this.chain.clock.blockTimeMs,
        superNode,
        missedOwnSlots: key === undefined ? 0 : this.missedWatch.missedInRow(hex(key.publicKey)),
      },
      { ...this.healthParams, ...overrides },
    )
  }

  /** Head, finality and mempool in one object (`chain_getStatus`). */
  getStatus() {
    const head = this.chain.head
    const net = this.network?.sync()
    const finalHeight = this.chain.finalBlock.height
    return {
      chainId: this.chain.chainId,
      genesisHash: hex(this.chain.genesisHash),
      height: head.height,
      headHash: hex(head.hash),
      stateRoot: hex(head.stateRoot),
      headTime: new Date(head.timeMs).toISOString(),
      finalHeight,
      finalityLag: head.height - finalHeight,
      mempool: { txs: this.mempool.size, bytes: this.mempool.sizeBytes },
      blockTimeMs: this.chain.clock.blockTimeMs,
      syncing: net?.syncing ?? false,
      targetHeight: net?.targetHeight ?? head.height,
      peers: net?.peers ?? 0,
      productionHold: net?.productionHold ?? null,
    }
  }

  /**
   * The account number and the sequence an account's next transaction needs: its committed
   * sequence plus its transactions pending in the mempool. Undefined for an unknown account.
   */
  nextAccount(address: string): { accountNumber: bigint; sequence: bigint } | undefined {
    return this.mempool.nextAccount(address)
  }

  /** The minimum fee per transaction, ugat (decimal string). */
  getMinFee(): string {
    return tokenEndpoint.getMinFee(this.readContext())
  }

  /** An account (`account_get`). */
  getAccount(address: string) {
    return tokenEndpoint.getAccount({ block: this.chain.headInfo(), state: this.chain.state }, address)
  }

  /** Supply counters (`token_getSupply`), with staking's locked and unbonding totals. */
  getSupply() {
    return tokenEndpoint.getSupply(
      { block: this.chain.headInfo(), state: this.chain.state },
      tokenStakingView,
    )
  }

  /** Issuance schedule and counters (`token_getEmission`); `day` defaults to the next block's day. */
  getEmission(day?: number) {
    return tokenEndpoint.getEmission({ block: this.chain.headInfo(), state: this.chain.state }, day)
  }

  /** An account's rewards (`token_getRewards`). */
  getRewards(address: string) {
    return tokenEndpoint.getRewards(this.readContext(), address)
  }

  /** The head's read context, for module endpoints. */
  private readContext() {
    return { block: this.chain.headInfo(), state: this.chain.state }
  }

  /** Current and next super nodes (`staking_getSuperNodes`). */
  getSuperNodes() {
    return stakingEndpoint.getSuperNodes(this.readContext())
  }

  /** A registered node, or undefined (`staking_getNode`). */
  getNode(nodeId: string) {
    return stakingEndpoint.getNode(this.readContext(), nodeId)
  }

  /** An account's locks (`staking_getLocks`). */
  getLocks(address: string) {
    return stakingEndpoint.getLocks(this.readContext(), address)
  }

  /** An account's pending unlocks (`staking_getUnbonding`). */
  getUnbonding(address: string) {
    return stakingEndpoint.getUnbonding(this.readContext(), address)
  }

  /** Staking parameters (`staking_getParams`). */
  getStakingParams() {
    return stakingEndpoint.getParams(this.readContext())
  }

  /** A GID's binding, by GID or address (`identity_resolve`). */
  resolveIdentity(by: { gid?: bigint; address?: string }) {
    return identityEndpoint.resolve(this.readContext(), by)
  }

  /** A group (`group_get`). */
  getGroup(groupId: number) {
    return messagingEndpoint.getGroup(this.readContext(), groupId)
  }

  /** Groups: all, an owner's or a parent's children, paged (`group_list`). */
  listGroups(by: { owner?: string; parent?: number } & Page) {
    return messagingEndpoint.listGroups(this.readContext(), by)
  }

  /** A group's anchored checkpoints, newest first, paged (`group_getCheckpoints`). */
  getCheckpoints(groupId: number, page: Page) {
    return messagingEndpoint.getCheckpoints(this.readContext(), groupId, page)
  }

  /** Holder-gate membership from main-chain balances (`group_isMember`). */
  isGroupMember(groupId: number, address: string) {
    return messagingEndpoint.isMember(this.readContext(), tokenMethod, groupId, address)
  }

  /** Verifies a message inclusion proof against its anchored checkpoint (`group_verifyInclusion`). */
  verifyInclusion(proof: InclusionProof) {
    return messagingEndpoint.verifyInclusion(this.readContext(), proof)
  }

  /** A proof of a state key's value or absence against the head's state root (`state_getProof`). */
  getProof(key: string): {
    key: string
    value: string | null
    height: number
    stateRoot: string
    proof: SmtProofJson
  } {
    const p = this.chain.state.prove(key)
    return {
      key,
      value: p.value === undefined ? null : Buffer.from(p.value).toString('base64'),
      height: this.chain.head.height,
      stateRoot: hex(p.root),
      proof: proofToJson(p.proof),
    }
  }

  /** A block by height. */
  async getBlock(height: number): Promise<BlockView | undefined> {
    const b = await this.chain.getBlock(height)
    return b === undefined ? undefined : blockView(b.block, b.hash)
  }

  /** A block by hash (hex). */
  async getBlockByHash(hashHex: string): Promise<BlockView | undefined> {
    if (!/^[0-9a-fA-F]{64}$/.test(hashHex)) return undefined
    const b = await this.chain.getBlockByHash(Buffer.from(hashHex, 'hex'))
    return b === undefined ? undefined : blockView(b.block, b.hash)
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
        const index = c.txHashes.findIndex((h) => hex(h).toUpperCase() === wanted)
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

  /** A transaction by hash (hex): where it landed and its result. */
  async getTx(hashHex: string): Promise<
    | {
        hash: string
        height: number
        index: number
        result: TxResult
        tx: string
      }
    | undefined
  > {
    if (!/^[0-9a-fA-F]{64}$/.test(hashHex)) return undefined
    const loc = await this.chain.db.getTxLocation(Buffer.from(hashHex, 'hex'))
    if (loc === undefined) return undefined
    const [b, r] = await Promise.all([
      this.chain.getBlock(loc.height),
      this.chain.db.getTxResultBytes(loc.height, loc.index),
    ])
    if (b === undefined || r === undefined) return undefined
    return {
      hash: hashHex.toUpperCase(),
      height: loc.height,
      index: loc.index,
      result: decodeTxResult(r),
      tx: Buffer.from(b.block.txs[loc.index]!).toString('base64'),
    }
  }
}
