import type { ChainEvent, TxResult } from './codec/block.js'
import { isLowS, isWellFormedSecp256k1, verifyWellFormedSecp256k1 } from './crypto/secp256k1.js'
import type { VerifyItem, VerifyPool } from './crypto/verifyPool.js'
import { ChainError, ChainErrorCode, isChainError } from './errors.js'
import type { DeclaredEvent, EventDeclaration, EventSink } from './events.js'
import type { StateOverlay } from './store/overlay.js'
import type { StateReader, StateWriter } from './store/types.js'
import { type DecodedTx, type DecodeTxOptions, decodeTx, signBytesOf, type TxId } from './tx/decodeTx.js'

/** What every execution step knows about the block it runs in (time comes from here, never the clock). */
export interface BlockInfo {
  chainId: string
  height: number
  slot: number
  timeMs: number
  proposer: Uint8Array
}

/** Read-only context: what `verify` and endpoints get. */
export interface ReadContext {
  readonly block: BlockInfo
  readonly state: StateReader
}

/**
 * Read-write context of a block hook or a command's `execute`. Events are emitted through the
 * module's declaration (`stakingEvents.emit(ctx, 'staking.locked', {...})`, chain/events.ts);
 * those of a failed transaction's messages are discarded with its writes.
 */
export interface ExecContext extends EventSink {
  readonly block: BlockInfo
  readonly state: StateWriter
}

/** Context of one transaction. */
export interface TxContext extends ExecContext {
  readonly tx: DecodedTx
  /** Address of the transaction's single signer. */
  readonly signer: string
}

/**
 * A message handler. `verify` checks the message against state and never writes; `execute`
 * applies it (and may throw too: the transaction's writes are then reverted).
 */
export interface Command<M = unknown> {
  readonly typeUrl: string
  /** Decodes and statelessly validates the message; throws ChainError on bad input. */
  decode(value: Uint8Array): M
  /** The address that must have signed a message. */
  signer(msg: M): string
  verify(ctx: ReadContext & { readonly signer: string }, msg: M): void
  execute(ctx: TxContext, msg: M): void
}

/** Context given to a module's genesis initialisation. */
export interface GenesisContext extends EventSink {
  readonly chainId: string
  readonly genesisTimeMs: number
  readonly state: StateWriter
}

/**
 * The module contract: genesis, commands, block hooks — what runs in blocks. A module's read-only
 * queries are its `endpoint.ts` (chain/endpoint.ts), which the node serves beside it.
 */
export interface Module {
  readonly name: string
  readonly commands: readonly Command<unknown>[]
  /** `section` is the module's part of genesis (`modules.<name>`); `genesis` the whole document. */
  initGenesis?(ctx: GenesisContext, section: unknown, genesis: Readonly<Record<string, unknown>>): void
  exportGenesis?(state: StateReader): unknown
  beforeTransactions?(ctx: ExecContext): void
  afterTransactions?(ctx: ExecContext): void
  /** the module's event declaration (`defineEvents` in its `events.ts`) */
  readonly events?: EventDeclaration
}

/** An account's replay-protection counters. */
export interface AccountInfo {
  accountNumber: bigint
  sequence: bigint
}

/**
 * Accounts and fees, provided by the module that owns balances (token). The state machine
 * runs it before a transaction's messages; its writes are kept even when the messages fail.
 */
export interface TxAuthenticator {
  getAccount(state: StateReader, address: string): AccountInfo | undefined
  /** Checks the fee against the minimum and the signer's balance; throws ChainError. */
  checkFee(ctx: ReadContext, tx: DecodedTx): void
  /** Burns the fee and increments the signer's sequence. */
  chargeFee(ctx: ExecContext, tx: DecodedTx, account: AccountInfo): void
}

/** A decoded transaction with its messages resolved to commands: the stateless part, cacheable by hash. */
export interface PreparedTx {
  tx: DecodedTx
  messages: { command: Command<unknown>; msg: unknown }[]
}

/** The outcome of running one transaction in a block. */
export interface ExecutedTx {
  result: TxResult
  /** false when the messages failed (the fee was still charged) */
  ok: boolean
}

/** Options of the state machine. */
export interface StateMachineOptions {
  chainId: string
  maxTxBytes: number
}

const SIG_CACHE_LIMIT = 200_000

/** How `executeTx` (and its ante checks) run a transaction. */
export interface ExecuteOptions {
  /** a simulation: no signature check, and no fee check when it offers no fee */
  simulate?: boolean
  /** signatures (`<hashHex>:<accountNumber>`) a `SignatureCheck` is verifying: not checked here */
  deferred?: ReadonlySet<string>
}

/** A block's signatures being verified on the verify pool's workers (`StateMachine.checkSignatures`). */
export interface SignatureCheck {
  /** the signatures being verified, which execution skips */
  readonly deferred: ReadonlySet<string>
  /** sends more transactions' signatures to the workers */
  add(txs: readonly PreparedTx[]): void
  /** waits for every signature added; true when all verified (they are then cached) */
  settle(): Promise<boolean>
}

/**
 * Runs modules: genesis, per-block hooks and transactions. Pure over the state it is given:
 * no clock, no randomness, no I/O, so every node computes the same state root.
 */
export class StateMachine {
  private readonly commands = new Map<string, Command<unknown>>()
  private readonly verifiedSigs = new Map<string, true>()

  constructor(
    readonly opts: StateMachineOptions,
    readonly modules: readonly Module[],
    private readonly auth: TxAuthenticator,
    private readonly verifyPool?: VerifyPool,
  ) {
    for (const m of modules) {
      for (const c of m.commands) {
        if (this.commands.has(c.typeUrl)) throw new Error(`message ${c.typeUrl} registered twice`)
        this.commands.set(c.typeUrl, c)
      }
    }
  }

  /** An account's number and next sequence in `state` (undefined: never created). */
  account(state: StateReader, address: string): AccountInfo | undefined {
    return this.auth.getAccount(state, address)
  }

  /** Every event type the modules declare, sorted. */
  get eventTypes(): string[] {
    return this.modules.flatMap((m) => m.events?.types ?? []).sort()
  }

  /** Type URLs of every message the chain accepts. */
  get messageTypes(): string[] {
    return [...this.commands.keys()].sort()
  }

  /** Runs every module's genesis initialisation into `state`; returns the events. */
  initGenesis(
    state: StateWriter,
    genesisTimeMs: number,
    genesis: Readonly<Record<string, unknown>>,
  ): ChainEvent[] {
    const sections = (genesis.modules ?? {}) as Record<string, unknown>
    const events: ChainEvent[] = []
    const ctx: GenesisContext = {
      chainId: this.opts.chainId,
      genesisTimeMs,
      state,
      emit: (e) => events.push(e),
    }
    for (const m of this.modules) m.initGenesis?.(ctx, sections[m.name], genesis)
    return events
  }

  /**
   * Decodes a transaction and resolves its messages; stateless, throws ChainError. `id`: the
   * transaction's `txId(raw)` when the caller has it already.
   */
  prepare(raw: Uint8Array, id?: TxId, opts?: DecodeTxOptions): PreparedTx {
    const tx = decodeTx(raw, this.opts.maxTxBytes, id, opts)
    const messages = tx.messages.map((m, i) => {
      const command = this.commands.get(m.typeUrl)
      if (command === undefined) {
        throw new ChainError(
          ChainErrorCode.TX_UNKNOWN_MESSAGE,
          `message ${i}: unknown message type "${m.typeUrl}"; this chain accepts ${this.messageTypes.join(', ')}`,
        )
      }
      let msg: unknown
      try {
        msg = command.decode(m.value)
      } catch (e) {
        if (isChainError(e)) throw e
        throw new ChainError(
          ChainErrorCode.TX_MALFORMED,
          `message ${i} (${m.typeUrl}): ${(e as Error).message}`,
        )
      }
      const signer = command.signer(msg)
      if (signer !== tx.signer) {
        throw new ChainError(
          ChainErrorCode.TX_WRONG_SIGNER,
          `message ${i} must be signed by ${signer}, but the transaction is signed by ${tx.signer}`,
        )
      }
      return { command, msg }
    })
    return { tx, messages }
  }

  /**
   * The checks before a transaction may touch state (account, sequence, signature, fee);
   * throws ChainError. A block whose transaction fails these is invalid.
   */
  checkAnte(ctx: ReadContext, tx: DecodedTx, opts: ExecuteOptions = {}): AccountInfo {
    if (tx.timeoutHeight > 0n && BigInt(ctx.block.height) > tx.timeoutHeight) {
      throw new ChainError(
        ChainErrorCode.TX_TIMEOUT,
        `transaction timed out at height ${tx.timeoutHeight}; the chain is at ${ctx.block.height}`,
      )
    }
    const account = this.auth.getAccount(ctx.state, tx.signer)
    if (account === undefined) {
      throw new ChainError(
        ChainErrorCode.ACCOUNT_NOT_FOUND,
        `account ${tx.signer} does not exist yet; it must receive GAT before it can send a transaction`,
      )
    }
    if (tx.sequence !== account.sequence) {
      throw new ChainError(
        ChainErrorCode.TX_BAD_SEQUENCE,
        `account sequence mismatch for ${tx.signer}: expected ${account.sequence}, got ${tx.sequence}`,
        { expected: account.sequence.toString(), got: tx.sequence.toString() },
      )
    }
    // a simulation is unsigned, and asks what fee to pay: a zero fee is not checked
    if (opts.simulate !== true) this.verifySignature(tx, account.accountNumber, opts.deferred)
    if (opts.simulate !== true || tx.fee > 0n) this.auth.checkFee(ctx, tx)
    return account
  }

  /**
   * Verifies the signatures of many transactions at once on the verify pool (every core) and
   * remembers the valid ones, so executing them afterwards skips verification. Signers without
   * an account in `state` and invalid signatures are left for the inline check, which raises
   * the precise error. Account numbers never change, so the committed state's are the ones
   * execution will use.
   */
  async preverify(
    state: StateReader,
    txs: readonly PreparedTx[],
    opts: { minParallel?: number } = {},
  ): Promise<void> {
    if (this.verifyPool === undefined) return
    const { keys, items } = this.signatureItems(state, txs)
    if (items.length === 0) return
    // minParallel: admission's batches are small, and still shared with the workers
    this.remember(keys, await this.verifyPool.verifyBatch(items, opts))
  }

  /**
   * Starts checking the signatures of a block's transactions on the verify pool's workers, so
   * that the calling thread executes the block meanwhile (`executeTx` with the check's
   * `deferred` keys skips those signatures). The block may be committed only once `settle`
   * resolved true; false means some signature is invalid, and executing again without
   * `deferred` raises the precise error. Without worker threads the signatures are verified
   * as they are added.
   */
  checkSignatures(state: StateReader): SignatureCheck {
    const deferred = new Set<string>()
    const jobs: { keys: string[]; items: VerifyItem[]; ok: Promise<boolean[]> }[] = []
    const add = (txs: readonly PreparedTx[]): void => {
      if (this.verifyPool === undefined) return
      const { keys, items } = this.signatureItems(state, txs)
      if (items.length === 0) return
      for (const k of keys) deferred.add(k)
      const ok = this.verifyPool.verifyOnWorkers(items)
      // never an unhandled rejection: `settle` sees the failure and verifies inline
      ok.catch(() => undefined)
      jobs.push({ keys, items, ok })
    }
    const settle = async (): Promise<boolean> => {
      let valid = true
      for (const job of jobs) {
        // a worker that failed: verify its share here
        const ok = await job.ok.catch(() =>
          job.items.map((it) => verifyWellFormedSecp256k1(it.pubkey, it.message, it.signature)),
        )
        this.remember(job.keys, ok)
        if (ok.some((v) => !v)) valid = false
      }
      jobs.length = 0
      return valid
    }
    return { deferred, add, settle }
  }

  /** The signatures of `txs` not verified yet whose signer has an account in `state`, with their cache keys. */
  private signatureItems(
    state: StateReader,
    txs: readonly PreparedTx[],
  ): { keys: string[]; items: VerifyItem[] } {
    const keys: string[] = []
    const items: VerifyItem[] = []
    for (const { tx } of txs) {
      const account = this.auth.getAccount(state, tx.signer)
      if (account === undefined) continue
      const cacheKey = `${tx.hashHex}:${account.accountNumber}`
      if (this.verifiedSigs.has(cacheKey)) continue
      keys.push(cacheKey)
      items.push({
        pubkey: tx.pubkey,
        message: signBytesOf(tx, this.opts.chainId, account.accountNumber),
        signature: tx.signature,
      })
    }
    return { keys, items }
  }

  /** Caches the signatures that verified (`ok[i]` for `keys[i]`). */
  private remember(keys: readonly string[], ok: readonly boolean[]): void {
    if (this.verifiedSigs.size + keys.length > SIG_CACHE_LIMIT) this.verifiedSigs.clear()
    for (let i = 0; i < keys.length; i++) if (ok[i]) this.verifiedSigs.set(keys[i]!, true)
  }

  private verifySignature(tx: DecodedTx, accountNumber: bigint, deferred?: ReadonlySet<string>): void {
    const cacheKey = `${tx.hashHex}:${accountNumber}`
    if (this.verifiedSigs.has(cacheKey) || deferred?.has(cacheKey) === true) return
    const s = tx.signature
    // One well-formedness check (lengths, ranges, low S) before the curve: node:crypto accepts
    // both s and n - s, only the low one is canonical (no malleable twins). isLowS only says
    // which error a signature that failed it gets.
    const wellFormed = isWellFormedSecp256k1(tx.pubkey, s)
    if (!wellFormed && !isLowS(s)) {
      throw new ChainError(
        ChainErrorCode.TX_SIGNATURE_HIGH_S,
        'signature has a high S value; sign with a library that normalises to low S (all Cosmos wallets do)',
      )
    }
    if (
      !wellFormed ||
      !verifyWellFormedSecp256k1(tx.pubkey, signBytesOf(tx, this.opts.chainId, accountNumber), s)
    ) {
      throw new ChainError(
        ChainErrorCode.TX_SIGNATURE_INVALID,
        `signature verification failed for ${tx.signer}: this node expects chain id "${this.opts.chainId}" and account number ${accountNumber}; a signature over another chain id, account number or body does not verify`,
      )
    }
    if (this.verifiedSigs.size >= SIG_CACHE_LIMIT) this.verifiedSigs.clear()
    this.verifiedSigs.set(cacheKey, true)
  }

  /** Runs the `beforeTransactions` hooks of every module. */
  beforeTransactions(block: BlockInfo, state: StateWriter, events: ChainEvent[]): void {
    const ctx: ExecContext = { block, state, emit: (e) => events.push(e) }
    for (const m of this.modules) m.beforeTransactions?.(ctx)
  }

  /** Runs the `afterTransactions` hooks of every module. */
  afterTransactions(block: BlockInfo, state: StateWriter, events: ChainEvent[]): void {
    const ctx: ExecContext = { block, state, emit: (e) => events.push(e) }
    for (const m of this.modules) m.afterTransactions?.(ctx)
  }

  /**
   * Executes a transaction in `state`. Ante failures throw (the caller drops the transaction, or
   * rejects the block); message failures revert the messages' writes, keep the fee, and return
   * a failed result with the error code.
   */
  executeTx(
    block: BlockInfo,
    state: StateOverlay,
    prepared: PreparedTx,
    opts: ExecuteOptions = {},
  ): ExecutedTx {
    const { tx } = prepared
    const account = this.checkAnte({ block, state }, tx, opts)
    const events: ChainEvent[] = []
    const emit = (e: DeclaredEvent): void => {
      events.push(e)
    }
    this.auth.chargeFee({ block, state, emit }, tx, account)
    const anteEvents = events.length
    const snapshot = state.snapshot()
    const ctx: TxContext = { block, state, emit, tx, signer: tx.signer }
    try {
      for (const { command, msg } of prepared.messages) {
        command.verify(ctx, msg)
        command.execute(ctx, msg)
      }
      return { ok: true, result: { code: 0, codespace: '', log: '', events } }
    } catch (e) {
      state.restore(snapshot)
      events.length = anteEvents
      const code = isChainError(e) ? e.code : 'INTERNAL'
      const log = isChainError(e) ? e.message : `internal error: ${(e as Error).message}`
      return { ok: false, result: { code: 1, codespace: code, log, events } }
    }
  }

  /** Checks a transaction as the mempool does: ante and messages must all succeed. Writes to `state` only on success. */
  checkTx(block: BlockInfo, state: StateOverlay, prepared: PreparedTx): void {
    const snapshot = state.snapshot()
    let executed: ExecutedTx
    try {
      executed = this.executeTx(block, state, prepared)
    } catch (e) {
      state.restore(snapshot)
      throw e
    }
    if (!executed.ok) {
      state.restore(snapshot)
      throw new ChainError(executed.result.codespace, executed.result.log)
    }
  }

  /**
   * Runs a transaction prepared with `{ simulate: true }` as a block would, without its
   * signature (a simulation is unsigned) and, when it offers no fee, without the fee check;
   * every write is undone. Ante failures throw; a message failure is the failed result.
   */
  simulateTx(block: BlockInfo, state: StateOverlay, prepared: PreparedTx): ExecutedTx {
    const snapshot = state.snapshot()
    try {
      return this.executeTx(block, state, prepared, { simulate: true })
    } finally {
      state.restore(snapshot)
    }
  }
}
