import { merkleRoot } from './block/merkle.js'
import {
  type Block,
  type ChainEvent,
  decodeReceivedBlock,
  encodeBlock,
  encodeTxResult,
  type Header,
  headerHash,
  type ReceivedBlock,
  type TxResult,
  type Vote,
} from './codec/block.js'
import { signEd25519, verifyEd25519 } from './crypto/ed25519.js'
import { ChainError, ChainErrorCode, isChainError } from './errors.js'
import { type InvariantChecker, invariantError } from './invariants.js'
import type { BlockInfo, PreparedTx, StateMachine } from './stateMachine.js'
import type { ChainDb, HeadRecord } from './store/chainDb.js'
import { CommittedState } from './store/committedState.js'
import { StateOverlay } from './store/overlay.js'
import type { SparseMerkleTree } from './store/smt.js'
import type { StateChanges, StateReader } from './store/types.js'
import { txHash } from './tx/decodeTx.js'

/** One transaction of a committed block, as admission and execution knew it. */
export interface CommittedTx {
  /** sha256 of the raw transaction, its id */
  hash: Uint8Array
  /** upper-case hex of `hash` (the mempool's key and what RPC shows) */
  hashHex: string
  /** the address of its single signer */
  signer: string
}

/** A block that is now part of the chain. */
export interface CommittedBlock {
  block: Block
  hash: Uint8Array
  /** the bytes stored: as received for an imported block, as encoded for one produced here */
  bytes: Uint8Array
  /** one per transaction of `block.txs`, in order, so listeners need not decode them again */
  txs: CommittedTx[]
  results: TxResult[]
  /** events of the block hooks (not of transactions): the beforeTransactions hooks', then the afterTransactions hooks' */
  blockEvents: ChainEvent[]
  /** how many of `blockEvents` the beforeTransactions hooks emitted */
  blockEventsBefore: number
  /** every state key the block wrote (hooks and transactions) and its new value (null: deleted); the mempool rechecks from its keys */
  changes: ReadonlyMap<string, Uint8Array | null>
  applyMs: number
  /** the super nodes (node keys) that scheduled this block: its finality voters */
  superNodes: Uint8Array[]
}

/** A block built and executed but not yet written. */
interface ExecutedBlock {
  header: Omit<Header, 'stateRoot' | 'resultRoot' | 'txRoot'>
  included: PreparedTx[]
  dropped: { tx: PreparedTx; error: ChainError }[]
  results: TxResult[]
  blockEvents: ChainEvent[]
  blockEventsBefore: number
  overlay: StateOverlay
  tree: SparseMerkleTree
  txRoot: Uint8Array
  resultRoot: Uint8Array
  encodedResults: Uint8Array[]
}

/**
 * Who may produce: the super nodes (node keys, in rank order) for a block at `height` in `slot`
 * whose parent state is `state`. Provided by the wiring (staking owns the elected set).
 */
export type SuperNodeSchedule = (state: StateReader, height: number, slot: number) => Uint8Array[]

/**
 * What the block pipeline needs of a genesis: the wiring computes it from the genesis file
 * (chain/ never imports genesis/).
 */
export interface ChainSpec {
  chainId: string
  /** hash of the genesis file: the parent of block 1, and what a database belongs to */
  genesisHash: Uint8Array
  /** when slot 0 starts; block times count from it */
  genesisTimeMs: number
  blockTimeMs: number
  maxBlockTxs: number
  maxBlockBytes: number
  /** the genesis document, handed to the modules' `initGenesis` when the database is new */
  document: Readonly<Record<string, unknown>>
}

/** Slot timing of the chain: slots of `blockTimeMs` counted from genesis time. */
export interface ChainClock {
  genesisTimeMs: number
  blockTimeMs: number
}

/**
 * The consensus rules blocks are built and checked by. The pipeline applies them; consensus/
 * defines them and the wiring passes them in (chain/ never imports consensus/).
 */
export interface ConsensusRules {
  /** the scheduled proposer of `slot` among `superNodes`, for a round ordered by `roundSeed` */
  proposerForSlot(superNodes: readonly Uint8Array[], slot: number, roundSeed: Uint8Array): Uint8Array
  /** the round of a slot (a new round takes a new seed) */
  roundOf(slot: number): number
  /** the time of a block in `slot` */
  slotTime(clock: ChainClock, slot: number): number
  /** throws a ChainError unless `votes` are valid votes of the parent's super nodes for the parent */
  verifyLastCommit(
    chainId: string,
    votes: readonly Vote[],
    parent: { height: number; hash: Uint8Array; superNodes: readonly Uint8Array[] },
  ): void
}

/** What `Blockchain.open` is given besides the spec. */
export interface BlockchainDeps {
  db: ChainDb
  machine: StateMachine
  schedule: SuperNodeSchedule
  rules: ConsensusRules
  /** run on the opened state and on each block's state before its commit */
  checker?: InvariantChecker
}

/** The node key of a block producer. */
export interface ProposerKey {
  privateKey: Uint8Array
  publicKey: Uint8Array
}

function invalid(reason: string): ChainError {
  return new ChainError(ChainErrorCode.BLOCK_INVALID, `invalid block: ${reason}`)
}

/** Transactions decoded before their signatures go to the verify workers (block import). */
const SIGNATURE_CHUNK = 512

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Decodes received block bytes for `Blockchain.import`; BLOCK_INVALID when they do not decode. */
export function receiveBlock(bytes: Uint8Array): ReceivedBlock {
  try {
    return decodeReceivedBlock(bytes)
  } catch (e) {
    throw invalid(`cannot decode: ${(e as Error).message}`)
  }
}

/**
 * The block pipeline: executes transactions against the committed state, builds or checks
 * headers, and commits each block (block, indexes, results, block events, state) in one
 * database batch.
 */
export class Blockchain {
  readonly clock: ChainClock
  readonly genesisHash: Uint8Array
  readonly db: ChainDb
  readonly machine: StateMachine
  private readonly schedule: SuperNodeSchedule
  private readonly rules: ConsensusRules
  private readonly checker: InvariantChecker | undefined
  private headRecord: HeadRecord
  /** the hash of the last block before the head's round: the seed of the head's round order */
  private headRoundSeed: Uint8Array
  /** the super nodes that scheduled the head (its finality voters) */
  private headVoters: Uint8Array[]
  /** the last final block (height 0: genesis) */
  private final: { height: number; hash: Uint8Array }
  /** what this node signed last (see guardSign), cached */
  private readonly signed: { proposal?: number; vote?: number } = {}
  /** orders markFinal and revertHead, so a block is never reverted while it is being made final */
  private finality: Promise<unknown> = Promise.resolve()

  private constructor(
    readonly spec: ChainSpec,
    deps: BlockchainDeps,
    readonly state: CommittedState,
    head: HeadRecord,
  ) {
    this.db = deps.db
    this.machine = deps.machine
    this.schedule = deps.schedule
    this.rules = deps.rules
    this.checker = deps.checker
    this.clock = { genesisTimeMs: spec.genesisTimeMs, blockTimeMs: spec.blockTimeMs }
    this.genesisHash = spec.genesisHash
    this.headRecord = head
    this.headRoundSeed = this.genesisHash
    this.headVoters = head.height === 0 ? [] : this.schedule(state, head.height, head.slot)
    this.final = { height: 0, hash: this.genesisHash }
  }

  /** Restores the head's round seed and the final block from the database (on open). */
  private async restore(): Promise<void> {
    this.final = (await this.db.getFinal()) ?? this.final
    await this.loadRoundSeed()
  }

  /** Reads the seed of the head's round: the parent of the first block of that round (≤ 21 blocks back). */
  private async loadRoundSeed(): Promise<void> {
    if (this.head.height === 0) {
      this.headRoundSeed = this.genesisHash
      return
    }
    let b = (await this.getBlock(this.head.height))!.block.header
    while (b.height > 1) {
      const parent = (await this.getBlock(b.height - 1))!.block.header
      if (this.rules.roundOf(b.slot) > this.rules.roundOf(parent.slot)) break
      b = parent
    }
    this.headRoundSeed = b.previousHash
  }

  /** The seed of the round order for a block in `slot` after the head. */
  roundSeedFor(slot: number): Uint8Array {
    return this.head.height === 0 || this.rules.roundOf(slot) > this.rules.roundOf(this.head.slot)
      ? this.head.hash
      : this.headRoundSeed
  }

  /** The super nodes that scheduled the head block: who votes on it. */
  get headSuperNodes(): Uint8Array[] {
    return this.headVoters
  }

  /** The last final block. */
  get finalBlock(): { height: number; hash: Uint8Array } {
    return this.final
  }

  /**
   * Marks the block at `height` with `hash` final (it reached a vote quorum), if it is on this
   * chain and above the current final block; persisted. Returns whether the final block moved.
   * A quorum for a block that conflicts with ours is refused loudly: a final block is never
   * reverted, so this node cannot follow that chain.
   */
  markFinal(height: number, hash: Uint8Array): Promise<boolean> {
    return this.exclusive(() => this.writeFinal(height, hash))
  }

  private async writeFinal(height: number, hash: Uint8Array): Promise<boolean> {
    if (height <= this.final.height || height > this.head.height) return false
    // ours: the head, or found at that height by the hash index (which holds this chain's blocks
    // only); the block itself is read only to name what conflicts
    const isOurs =
      height === this.head.height
        ? Buffer.compare(this.head.hash, hash) === 0
        : (await this.db.getHeightByHash(hash)) === height
    if (!isOurs) {
      const ours = await this.getBlock(height)
      throw new ChainError(
        ChainErrorCode.BLOCK_INVALID,
        `a quorum finalised block ${height} ${hex(hash)}, but this chain holds ${ours === undefined ? 'nothing' : hex(ours.hash)} there`,
      )
    }
    await this.db.putFinal(height, hash, this.final.height)
    this.final = { height, hash: Uint8Array.from(hash) }
    return true
  }

  /**
   * Reverts the head block (fork choice moving to another branch): deletes it, its indexes,
   * results and block events, writes back the state it changed from its undo record and makes its parent the head, in
   * one atomic batch. A final block is never reverted (BLOCK_FINAL). Returns the block.
   */
  revertHead(): Promise<{ block: Block; hash: Uint8Array }> {
    return this.exclusive(() => this.revertOne())
  }

  /** Runs `fn` after every earlier markFinal/revertHead has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.finality.catch(() => undefined).then(fn)
    this.finality = run
    return run
  }

  private async revertOne(): Promise<{ block: Block; hash: Uint8Array }> {
    const head = this.head
    if (head.height <= this.final.height) {
      throw new ChainError(
        ChainErrorCode.BLOCK_FINAL,
        `refusing to revert block ${head.height}: the final block is ${this.final.height}`,
      )
    }
    const current = await this.getBlock(head.height)
    const restore = await this.db.getUndo(head.height)
    if (current === undefined || restore === undefined) {
      throw new ChainError(ChainErrorCode.STATE_CORRUPT, `block ${head.height} or its undo record is missing`)
    }
    const tree = this.state.treeWith(restore)
    const parentHeader = head.height === 1 ? undefined : (await this.getBlock(head.height - 1))?.block.header
    if (head.height > 1 && parentHeader === undefined)
      throw new ChainError(ChainErrorCode.STATE_CORRUPT, `block ${head.height - 1} is missing`)
    const parent: HeadRecord =
      parentHeader === undefined
        ? {
            height: 0,
            hash: this.genesisHash,
            stateRoot: tree.root,
            slot: 0,
            timeMs: this.clock.genesisTimeMs,
          }
        : {
            height: parentHeader.height,
            hash: current.block.header.previousHash,
            stateRoot: parentHeader.stateRoot,
            slot: parentHeader.slot,
            timeMs: parentHeader.timeMs,
          }
    if (Buffer.compare(tree.root, parent.stateRoot) !== 0) {
      throw new ChainError(
        ChainErrorCode.STATE_CORRUPT,
        `reverting block ${head.height} gives state root ${hex(tree.root)}, not its parent's ${hex(parent.stateRoot)}`,
      )
    }
    const txHashes = current.block.txs.map(txHash)
    await this.db.revertBlock({ height: head.height, hash: current.hash, txHashes, restore, parent })
    this.state.apply(restore, tree)
    this.headRecord = parent
    this.headVoters = parent.height === 0 ? [] : this.schedule(this.state, parent.height, parent.slot)
    await this.loadRoundSeed()
    return { block: current.block, hash: current.hash }
  }

  /**
   * Opens the chain in `deps.db`: writes genesis on first use, otherwise checks the genesis
   * matches and that the state rebuilt from disk has the root of the last committed block. With
   * a `checker`, the opened state and every block's state before its commit must pass it
   * (INVARIANT_BROKEN otherwise, and nothing is written).
   */
  static async open(spec: ChainSpec, deps: BlockchainDeps): Promise<Blockchain> {
    const { db, machine, checker } = deps
    const gHash = spec.genesisHash
    const stored = await db.getGenesisHash()
    if (stored === undefined) {
      const empty = CommittedState.empty()
      const overlay = new StateOverlay(empty)
      machine.initGenesis(overlay, spec.genesisTimeMs, spec.document)
      const violations = checker?.(overlay, 0) ?? []
      if (violations.length > 0) throw invariantError('the genesis state', violations)
      const tree = empty.treeWith(overlay.changes())
      const head: HeadRecord = {
        height: 0,
        hash: gHash,
        stateRoot: tree.root,
        slot: 0,
        timeMs: spec.genesisTimeMs,
      }
      await db.commitGenesis(gHash, head, overlay.changes())
    } else if (Buffer.compare(stored, gHash) !== 0) {
      throw new ChainError(
        ChainErrorCode.GENESIS_INVALID,
        `this database belongs to genesis ${hex(stored)}, but the genesis file hashes to ${hex(gHash)}; use another --home or the original genesis`,
      )
    }
    const head = await db.getHead()
    if (head === undefined)
      throw new ChainError(ChainErrorCode.STATE_CORRUPT, 'database has a genesis but no head')
    const state = await db.loadState()
    if (Buffer.compare(state.root, head.stateRoot) !== 0) {
      throw new ChainError(
        ChainErrorCode.STATE_CORRUPT,
        `state on disk has root ${hex(state.root)} but block ${head.height} committed ${hex(head.stateRoot)}`,
      )
    }
    const violations = checker?.(state, head.height) ?? []
    if (violations.length > 0) throw invariantError(`the state at height ${head.height}`, violations)
    const chain = new Blockchain(spec, deps, state, head)
    await chain.restore()
    return chain
  }

  /** The last committed block. */
  get head(): HeadRecord {
    return this.headRecord
  }

  get chainId(): string {
    return this.spec.chainId
  }

  /** Block info for read-only queries against the committed state. */
  headInfo(): BlockInfo {
    return {
      chainId: this.chainId,
      height: this.head.height,
      slot: this.head.slot,
      timeMs: this.head.timeMs,
      proposer: new Uint8Array(0),
    }
  }

  /** The super nodes (node keys) scheduling the next block if it lands in `slot`. */
  superNodesAt(slot: number): Uint8Array[] {
    return this.schedule(this.state, this.head.height + 1, slot)
  }

  /** The scheduled proposer (node key) of `slot` for the block after the head. */
  proposerOf(slot: number): Uint8Array {
    return this.rules.proposerForSlot(this.superNodesAt(slot), slot, this.roundSeedFor(slot))
  }

  /** Executes a block's transactions over the head state; `deferred`: signatures checked elsewhere (`SignatureCheck`). */
  private execute(
    info: BlockInfo,
    txs: PreparedTx[],
    building: boolean,
    deferred?: ReadonlySet<string>,
  ): ExecutedBlock {
    const overlay = new StateOverlay(this.state)
    const blockEvents: ChainEvent[] = []
    this.machine.beforeTransactions(info, overlay, blockEvents)
    const blockEventsBefore = blockEvents.length
    const included: PreparedTx[] = []
    const dropped: { tx: PreparedTx; error: ChainError }[] = []
    const results: TxResult[] = []
    const maxTxs = this.spec.maxBlockTxs
    const maxBytes = this.spec.maxBlockBytes
    let bytes = 0
    for (const p of txs) {
      if (building && (included.length >= maxTxs || bytes + p.tx.raw.length > maxBytes)) break
      try {
        const executed = this.machine.executeTx(info, overlay, p, deferred && { deferred })
        included.push(p)
        results.push(executed.result)
        bytes += p.tx.raw.length
      } catch (e) {
        if (!isChainError(e)) throw e
        if (!building) throw invalid(`transaction ${p.tx.hashHex}: ${e.message}`)
        dropped.push({ tx: p, error: e })
      }
    }
    this.machine.afterTransactions(info, overlay, blockEvents)
    const tree = this.state.treeWith(overlay.changes())
    const encodedResults = results.map(encodeTxResult)
    return {
      header: {
        chainId: info.chainId,
        height: info.height,
        slot: info.slot,
        timeMs: info.timeMs,
        previousHash: this.head.hash,
        proposer: info.proposer,
        lastCommit: [],
      },
      included,
      dropped,
      results,
      blockEvents,
      blockEventsBefore,
      overlay,
      tree,
      txRoot: merkleRoot(included.map((p) => p.tx.hash)),
      resultRoot: merkleRoot(encodedResults),
      encodedResults,
    }
  }

  /**
   * Builds, signs and commits a block for `slot` from candidate transactions (in order).
   * Candidates that fail the ante checks are left out and returned in `dropped`.
   */
  async propose(
    slot: number,
    key: ProposerKey,
    candidates: PreparedTx[],
    lastCommit: Vote[] = [],
  ): Promise<CommittedBlock & { dropped: { tx: PreparedTx; error: ChainError }[] }> {
    const started = performance.now()
    if (slot <= this.head.slot && this.head.height > 0)
      throw new Error(`slot ${slot} is not after the head's ${this.head.slot}`)
    const superNodes = this.superNodesAt(slot)
    if (
      Buffer.compare(this.rules.proposerForSlot(superNodes, slot, this.roundSeedFor(slot)), key.publicKey) !==
      0
    )
      throw new Error(`not the proposer of slot ${slot}`)
    if (this.head.height > 0) {
      this.rules.verifyLastCommit(this.chainId, lastCommit, {
        height: this.head.height,
        hash: this.head.hash,
        superNodes: this.headVoters,
      })
    }
    const info: BlockInfo = {
      chainId: this.chainId,
      height: this.head.height + 1,
      slot,
      timeMs: this.rules.slotTime(this.clock, slot),
      proposer: key.publicKey,
    }
    const ex = this.execute(info, candidates, true)
    this.checkInvariants(info.height, ex)
    const header: Header = {
      ...ex.header,
      lastCommit,
      txRoot: ex.txRoot,
      stateRoot: ex.tree.root,
      resultRoot: ex.resultRoot,
    }
    const hash = headerHash(header)
    // Never sign two blocks for one slot, even across a restart: record the slot durably first.
    await this.guardSign('proposal', slot)
    const block: Block = {
      header,
      txs: ex.included.map((p) => p.tx.raw),
      signature: signEd25519(key.privateKey, hash),
    }
    const committed = await this.commit(block, hash, encodeBlock(block), ex, started, superNodes)
    return { ...committed, dropped: ex.dropped }
  }

  /**
   * Checks and commits a block received from elsewhere (or read back for replay), decoded once
   * by whoever received it (`receiveBlock`); its received bytes are what is stored. Every rule is
   * checked before anything is written; `prepare` may supply already decoded transactions.
   */
  async import(received: ReceivedBlock, prepare?: (raw: Uint8Array) => PreparedTx): Promise<CommittedBlock> {
    const started = performance.now()
    const { block } = received
    const h = block.header
    if (h.chainId !== this.chainId) throw invalid(`chain id "${h.chainId}", expected "${this.chainId}"`)
    if (h.height !== this.head.height + 1)
      throw invalid(`height ${h.height}, expected ${this.head.height + 1}`)
    if (Buffer.compare(h.previousHash, this.head.hash) !== 0) {
      throw invalid(`previous hash ${hex(h.previousHash)} is not the head ${hex(this.head.hash)}`)
    }
    if (this.head.height > 0 && h.slot <= this.head.slot)
      throw invalid(`slot ${h.slot} is not after ${this.head.slot}`)
    if (h.timeMs !== this.rules.slotTime(this.clock, h.slot))
      throw invalid(`time ${h.timeMs} does not match slot ${h.slot}`)
    const superNodes = this.superNodesAt(h.slot)
    if (
      Buffer.compare(
        h.proposer,
        this.rules.proposerForSlot(superNodes, h.slot, this.roundSeedFor(h.slot)),
      ) !== 0
    ) {
      throw invalid(`proposer ${hex(h.proposer)} is not scheduled for slot ${h.slot}`)
    }
    if (h.height > 1 || h.lastCommit.length > 0) {
      try {
        this.rules.verifyLastCommit(this.chainId, h.lastCommit, {
          height: this.head.height,
          hash: this.head.hash,
          superNodes: this.headVoters,
        })
      } catch (e) {
        if (!isChainError(e)) throw e
        throw invalid(`lastCommit: ${e.message}`)
      }
    }
    const hash = received.hash
    if (!verifyEd25519(h.proposer, hash, block.signature)) throw invalid('bad proposer signature')
    if (block.txs.length > this.spec.maxBlockTxs)
      throw invalid(`${block.txs.length} transactions, above the limit`)
    const total = block.txs.reduce((n, t) => n + t.length, 0)
    if (total > this.spec.maxBlockBytes) throw invalid(`${total} bytes of transactions, above the limit`)
    // The signatures are verified on the worker threads while this thread decodes and executes
    // the block; they are sent in chunks as decoding goes, so the workers start early.
    const signatures = this.machine.checkSignatures(this.state)
    const prepared: PreparedTx[] = []
    let sent = 0
    for (const raw of block.txs) {
      try {
        prepared.push(prepare ? prepare(raw) : this.machine.prepare(raw))
      } catch (e) {
        if (!isChainError(e)) throw e
        await signatures.settle()
        throw invalid(`transaction ${prepared.length}: ${e.message}`)
      }
      if (prepared.length - sent >= SIGNATURE_CHUNK) {
        signatures.add(prepared.slice(sent))
        sent = prepared.length
      }
    }
    signatures.add(prepared.slice(sent))
    const info: BlockInfo = {
      chainId: h.chainId,
      height: h.height,
      slot: h.slot,
      timeMs: h.timeMs,
      proposer: h.proposer,
    }
    let ex: ExecutedBlock | undefined
    try {
      ex = this.execute(info, prepared, false, signatures.deferred)
    } catch (e) {
      if (!isChainError(e)) throw e
    }
    // A bad signature, or a transaction that failed while signatures were still unchecked:
    // execute again with every signature checked in order, which raises the same error a
    // sequential check would (the valid signatures are cached by now).
    if (!(await signatures.settle()) || ex === undefined) ex = this.execute(info, prepared, false)
    if (Buffer.compare(ex.txRoot, h.txRoot) !== 0) throw invalid('tx root does not match the transactions')
    if (Buffer.compare(ex.resultRoot, h.resultRoot) !== 0)
      throw invalid('result root does not match execution')
    if (Buffer.compare(ex.tree.root, h.stateRoot) !== 0) {
      throw invalid(`state root ${hex(h.stateRoot)} does not match execution (${hex(ex.tree.root)})`)
    }
    this.checkInvariants(h.height, ex)
    return this.commit(block, hash, received.bytes, ex, started, superNodes)
  }

  /**
   * The double-sign guard: refuses to sign a second proposal for a slot (or vote for a height)
   * at or below the last one signed, and records the new one durably before the signature exists.
   */
  async guardSign(kind: 'proposal' | 'vote', at: number): Promise<void> {
    const last = await this.lastSigned(kind)
    if (at <= last) {
      throw new ChainError(
        ChainErrorCode.DOUBLE_SIGN,
        `refusing to sign a second ${kind} at ${kind === 'proposal' ? 'slot' : 'height'} ${at}: already signed up to ${last}`,
      )
    }
    await this.db.putMeta(`sign-${kind}`, Buffer.from(String(at)))
    this.signed[kind] = at
  }

  /** The last slot this node signed a block for, or height it voted at (-1: never). */
  async lastSigned(kind: 'proposal' | 'vote'): Promise<number> {
    const cached = this.signed[kind]
    if (cached !== undefined) return cached
    const stored = await this.db.getMeta(`sign-${kind}`)
    const last = stored === undefined ? -1 : Number(Buffer.from(stored).toString('utf8'))
    this.signed[kind] = last
    return last
  }

  /** Runs the invariant checker (if any) on an executed block's state; throws instead of committing. */
  private checkInvariants(height: number, ex: ExecutedBlock): void {
    if (this.checker === undefined) return
    const violations = this.checker(ex.overlay, height)
    if (violations.length > 0) throw invariantError(`block ${height}`, violations)
  }

  private async commit(
    block: Block,
    hash: Uint8Array,
    bytes: Uint8Array,
    ex: ExecutedBlock,
    started: number,
    superNodes: Uint8Array[],
  ): Promise<CommittedBlock> {
    const h = block.header
    const txs = ex.included.map(({ tx }) => ({ hash: tx.hash, hashHex: tx.hashHex, signer: tx.signer }))
    const changes = ex.overlay.changes()
    const previous: StateChanges = new Map()
    for (const k of changes.keys()) previous.set(k, this.state.get(k) ?? null)
    await this.db.commitBlock({
      height: h.height,
      hash,
      slot: h.slot,
      timeMs: h.timeMs,
      stateRoot: h.stateRoot,
      blockBytes: bytes,
      txHashes: txs.map((t) => t.hash),
      results: ex.encodedResults,
      blockEvents: { events: ex.blockEvents, beforeTransactions: ex.blockEventsBefore },
      changes,
      previous,
    })
    this.state.apply(changes, ex.tree)
    const parentSlot = this.headRecord.slot
    if (this.headRecord.height === 0 || this.rules.roundOf(h.slot) > this.rules.roundOf(parentSlot))
      this.headRoundSeed = h.previousHash
    this.headRecord = { height: h.height, hash, stateRoot: h.stateRoot, slot: h.slot, timeMs: h.timeMs }
    this.headVoters = superNodes
    return {
      block,
      hash,
      bytes,
      txs,
      results: ex.results,
      blockEvents: ex.blockEvents,
      blockEventsBefore: ex.blockEventsBefore,
      changes,
      applyMs: performance.now() - started,
      superNodes,
    }
  }

  /** A committed block by height (its hash computed when first read), or undefined. */
  async getBlock(height: number): Promise<ReceivedBlock | undefined> {
    const bytes = await this.db.getBlockBytes(height)
    return bytes === undefined ? undefined : decodeReceivedBlock(bytes)
  }

  /** A committed block by hash, or undefined. */
  async getBlockByHash(hash: Uint8Array): Promise<ReceivedBlock | undefined> {
    const height = await this.db.getHeightByHash(hash)
    return height === undefined ? undefined : this.getBlock(height)
  }
}
