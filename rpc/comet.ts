import { BaseAccount } from 'cosmjs-types/cosmos/auth/v1beta1/auth'
import { QueryAccountRequest, QueryAccountResponse } from 'cosmjs-types/cosmos/auth/v1beta1/query'
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
} from 'cosmjs-types/cosmos/bank/v1beta1/query'
import { SimulateRequest, SimulateResponse } from 'cosmjs-types/cosmos/tx/v1beta1/service'
import { Tx, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { ContinuousVestingAccount } from 'cosmjs-types/cosmos/vesting/v1beta1/vesting'
import type { Any } from 'cosmjs-types/google/protobuf/any'
import { z } from 'zod'
import type { Block, TxResult } from '../chain/codec/block.js'
import { ChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import { txHashHex } from '../chain/tx/decodeTx.js'
import type { GatherNode } from '../node/index.js'
import { METHOD_LIMITS } from './api.js'
import {
  broadcastCosmos,
  COMET_PROTOCOL,
  COMET_VERSION,
  type CosmosAccount,
  CosmosQueryError,
  cometAddress,
  cometTxResult,
  cosmosAccount,
  cosmosBalance,
  cosmosBalances,
  cosmosSpendable,
  DENOMS,
  GrpcCode,
  grpcMessage,
  simulateCosmos,
} from './cosmos.js'
import { RpcErrorCode, rpcError } from './errors.js'

// The CometBFT JSON-RPC methods that @cosmjs/stargate (through @cosmjs/tendermint-rpc's comet38
// adaptor) and Keplr call, served beside our own methods on the same listener. Each result has
// the shape the adaptor decodes: heights and counts as decimal strings where it wants strings,
// numbers where it wants numbers, hashes as upper-case hex, bytes as base64.

/** What the CometBFT methods answer from. */
export interface CometDeps {
  node: GatherNode
  /** the RPC server's own address (`tcp://127.0.0.1:26657`), for `status.node_info.other` */
  rpcAddress: () => string
}

/** A CometBFT height or page: a decimal string (what cosmjs sends) or a number. */
const cometInt = z
  .union([z.string().regex(/^\d{1,15}$/, 'must be a whole number as a decimal string'), z.number().int()])
  .transform((v) => Number(v))
  .pipe(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))

const txBase64 = z
  .string()
  .min(1, 'is required')
  .max(METHOD_LIMITS.maxTxBase64Chars, 'is larger than any transaction this node accepts')
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 TxRaw bytes')

/** The CometBFT methods' params, checked like our own methods' (a clear -32602 naming the field). */
export const cometParams = {
  status: z.object({}).strict(),
  abci_query: z
    .object({
      path: z.string().min(1).max(256),
      data: z
        .string()
        .max(2 * METHOD_LIMITS.maxTxBase64Chars)
        .regex(/^(?:[0-9a-fA-F]{2})*$/, 'must be hex bytes (an even number of 0-9a-f digits)')
        .optional(),
      height: cometInt.optional(),
      prove: z.boolean().optional(),
    })
    .strict(),
  broadcast_tx_sync: z.object({ tx: txBase64 }).strict(),
  broadcast_tx_async: z.object({ tx: txBase64 }).strict(),
  broadcast_tx_commit: z.object({ tx: txBase64 }).strict(),
  tx: z
    .object({
      hash: z
        .string()
        .max(128)
        .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, 'must be a 32-byte hash in base64 (or hex)'),
      prove: z.boolean().optional(),
    })
    .strict(),
  tx_search: z
    .object({
      query: z.string().min(1).max(512),
      prove: z.boolean().optional(),
      page: cometInt.optional(),
      per_page: cometInt.optional(),
      order_by: z.enum(['asc', 'desc', '']).optional(),
    })
    .strict(),
  block: z.object({ height: cometInt.optional() }).strict(),
} as const

/** CometBFT method names served over HTTP and WebSocket (subscribe, unsubscribe are WebSocket only). */
export type CometMethodName = keyof typeof cometParams

/** RFC 3339 time of a block, as CometBFT prints it. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString()
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

/** The ed25519 key the node signs with (an all-zero key when it has none: a follower). */
function nodePubkey(node: GatherNode): Uint8Array {
  return node.nodeKey?.publicKey ?? new Uint8Array(32)
}

/** `status`: node info, sync info, validator info. */
export function cometStatus(deps: CometDeps): unknown {
  const { node } = deps
  const s = node.getStatus()
  const head = node.chain.head
  const key = nodePubkey(node)
  const nodeView =
    s.nodeId === null
      ? undefined
      : (() => {
          try {
            return node.query.staking.getNode({ nodeId: s.nodeId })
          } catch {
            return undefined
          }
        })()
  const peers = node.getPeers()
  return {
    node_info: {
      protocol_version: COMET_PROTOCOL,
      id: cometAddress(key).toLowerCase(),
      listen_addr: peers.addresses[0] ?? 'none (no p2p listener)',
      network: s.chainId,
      version: COMET_VERSION,
      channels: '',
      moniker: nodeView?.moniker || 'gather',
      other: { tx_index: 'on', rpc_address: deps.rpcAddress() },
    },
    sync_info: {
      latest_block_hash: s.headHash.toUpperCase(),
      latest_app_hash: s.stateRoot.toUpperCase(),
      latest_block_height: String(s.height),
      latest_block_time: rfc3339(head.timeMs),
      earliest_block_hash: '',
      earliest_app_hash: '',
      earliest_block_height: s.height >= 1 ? '1' : '0',
      earliest_block_time: rfc3339(node.chain.clock.genesisTimeMs),
      catching_up: s.syncing,
    },
    validator_info: {
      address: cometAddress(key),
      pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(key) },
      voting_power: nodeView?.superNode === true ? nodeView.power : '0',
    },
  }
}

/** An account as the auth module's `Account` query packs it: a BaseAccount, or a ContinuousVestingAccount. */
export function accountAny(a: CosmosAccount): Any {
  const base = BaseAccount.fromPartial({
    address: a.address,
    accountNumber: a.accountNumber,
    sequence: a.sequence,
  })
  if (a.vesting === undefined)
    return { typeUrl: '/cosmos.auth.v1beta1.BaseAccount', value: BaseAccount.encode(base).finish() }
  const coins = (n: bigint) => (n === 0n ? [] : [{ denom: DENOMS.gat, amount: n.toString() }])
  const v = ContinuousVestingAccount.fromPartial({
    baseVestingAccount: {
      baseAccount: base,
      originalVesting: coins(a.vesting.original),
      delegatedFree: coins(a.vesting.delegatedFree),
      delegatedVesting: coins(a.vesting.delegatedVesting),
      endTime: a.vesting.endTime,
    },
    startTime: a.vesting.startTime,
  })
  return {
    typeUrl: '/cosmos.vesting.v1beta1.ContinuousVestingAccount',
    value: ContinuousVestingAccount.encode(v).finish(),
  }
}

/** The SDK code of a failed query (ErrKeyNotFound 22, ErrInvalidRequest 18, ErrUnknownRequest 6). */
function abciCodeOf(e: CosmosQueryError): number {
  return e.grpcCode === GrpcCode.NOT_FOUND ? 22 : 18
}

/** TxRaw bytes of a SimulateRequest: `tx_bytes`, or the deprecated `tx` re-encoded. */
function simulateBytes(req: SimulateRequest): Uint8Array {
  if (req.txBytes.length > 0) return req.txBytes
  if (req.tx !== undefined) {
    const t = Tx.encode(req.tx).finish()
    return TxRaw.encode(TxRaw.decode(t)).finish()
  }
  throw new CosmosQueryError(GrpcCode.INVALID_ARGUMENT, 'empty txBytes: give the transaction to simulate')
}

/** The gRPC queries `abci_query` answers, by path: request bytes in, response bytes out. */
const ABCI_QUERIES: Record<string, (node: GatherNode, data: Uint8Array) => Uint8Array> = {
  '/cosmos.auth.v1beta1.Query/Account': (node, data) => {
    const { address } = QueryAccountRequest.decode(data)
    return QueryAccountResponse.encode({ account: accountAny(cosmosAccount(node, address)) }).finish()
  },
  '/cosmos.bank.v1beta1.Query/Balance': (node, data) => {
    const r = QueryBalanceRequest.decode(data)
    return QueryBalanceResponse.encode({ balance: cosmosBalance(node, r.address, r.denom) }).finish()
  },
  '/cosmos.bank.v1beta1.Query/AllBalances': (node, data) => {
    const balances = cosmosBalances(node, QueryAllBalancesRequest.decode(data).address)
    return QueryAllBalancesResponse.encode({
      balances,
      pagination: { nextKey: new Uint8Array(), total: BigInt(balances.length) },
    }).finish()
  },
  '/cosmos.bank.v1beta1.Query/SpendableBalances': (node, data) => {
    const balances = cosmosSpendable(node, QuerySpendableBalancesRequest.decode(data).address)
    return QuerySpendableBalancesResponse.encode({
      balances,
      pagination: { nextKey: new Uint8Array(), total: BigInt(balances.length) },
    }).finish()
  },
  '/cosmos.tx.v1beta1.Service/Simulate': (node, data) => {
    const sim = simulateCosmos(node, simulateBytes(SimulateRequest.decode(data)))
    if (!sim.ok) throw new CosmosQueryError(GrpcCode.INVALID_ARGUMENT, `${sim.log} [${sim.codespace}]`)
    return SimulateResponse.encode({
      gasInfo: { gasWanted: sim.gasWanted, gasUsed: sim.gasUsed },
      result: {
        data: new Uint8Array(),
        log: sim.log,
        events: sim.events,
        msgResponses: sim.typeUrls.map((t) => ({ typeUrl: `${t}Response`, value: new Uint8Array() })),
      },
    }).finish()
  },
}

/** The query paths `abci_query` answers. */
export const ABCI_QUERY_PATHS = Object.keys(ABCI_QUERIES)

/** `abci_query`: a gRPC query over ABCI, answered at the head (no proofs). */
export function cometAbciQuery(deps: CometDeps, p: z.output<(typeof cometParams)['abci_query']>): unknown {
  const { node } = deps
  const height = node.chain.head.height
  const answer = (r: { code: number; log: string; value?: Uint8Array; codespace?: string }) => ({
    response: {
      code: r.code,
      log: r.log,
      info: '',
      index: '0',
      key: '',
      value: r.value === undefined ? '' : b64(r.value),
      proofOps: null,
      height: String(height),
      codespace: r.codespace ?? (r.code === 0 ? '' : 'sdk'),
    },
  })
  if (p.height !== undefined && p.height !== 0 && p.height !== height)
    return answer({
      code: 26,
      log: `rpc error: code = InvalidArgument desc = this node answers queries at its head only (height ${height}), not at height ${p.height}`,
    })
  const run = ABCI_QUERIES[p.path]
  if (run === undefined)
    return answer({
      code: 6,
      log: `unknown query path ${JSON.stringify(p.path.slice(0, 100))}; this node answers ${ABCI_QUERY_PATHS.join(', ')}`,
    })
  try {
    return answer({ code: 0, log: '', value: run(node, Buffer.from(p.data ?? '', 'hex')) })
  } catch (e) {
    if (e instanceof CosmosQueryError) return answer({ code: abciCodeOf(e), log: grpcMessage(e) })
    // protobuf decode errors (a truncated message, a wrong wire type)
    if (!(e instanceof ChainError) && e instanceof Error)
      return answer({
        code: 18,
        log: `rpc error: code = InvalidArgument desc = the request does not decode as ${p.path.split('/').pop()}Request: ${e.message}`,
      })
    throw e
  }
}

/** `broadcast_tx_sync` (and `_async`, the same here: admission is checked before the answer). */
export async function cometBroadcastSync(
  deps: CometDeps,
  p: { tx: string },
): Promise<{ code: number; data: string; log: string; codespace: string; hash: string }> {
  const r = await broadcastCosmos(deps.node, Buffer.from(p.tx, 'base64'))
  return { code: r.code, data: '', log: r.log, codespace: r.codespace, hash: r.hash }
}

/** `broadcast_tx_commit`: admission, then the block that includes it. */
export async function cometBroadcastCommit(deps: CometDeps, p: { tx: string }): Promise<unknown> {
  const raw = Buffer.from(p.tx, 'base64')
  const r = await broadcastCosmos(deps.node, raw)
  const checkTx = {
    code: r.code,
    data: '',
    log: r.log,
    codespace: r.codespace,
    gas_wanted: '0',
    gas_used: '0',
    events: [],
  }
  if (r.code !== 0) return { check_tx: checkTx, tx_result: undefined, hash: r.hash, height: '0' }
  try {
    const done = await deps.node.waitForTx(r.hash, METHOD_LIMITS.defaultCommitTimeoutMs)
    return {
      check_tx: checkTx,
      tx_result: cometTxResult(done.result, raw),
      hash: r.hash,
      height: String(done.height),
    }
  } catch (e) {
    if (e instanceof ChainError && e.code === 'CHAIN_TIMEOUT')
      throw rpcError(RpcErrorCode.TIMEOUT, e.message, { hash: r.hash })
    if (e instanceof ChainError) throw rpcError(RpcErrorCode.SERVER_ERROR, e.message, { code: e.code })
    throw e
  }
}

/** A committed transaction as `tx` and `tx_search` show it. */
async function cometTx(node: GatherNode, hashHex: string): Promise<unknown | undefined> {
  const t = await node.getTx(hashHex)
  if (t === undefined) return undefined
  const raw = Buffer.from(t.tx, 'base64')
  return {
    hash: t.hash,
    height: String(t.height),
    index: t.index,
    tx_result: cometTxResult(t.result, raw),
    tx: t.tx,
  }
}

/** A hash param: hex, or the base64 cosmjs sends. */
function hashHexOf(hash: string): string {
  return /^[0-9a-fA-F]{64}$/.test(hash)
    ? hash.toUpperCase()
    : Buffer.from(hash, 'base64').toString('hex').toUpperCase()
}

/** `tx`: a committed transaction by hash. */
export async function cometGetTx(deps: CometDeps, p: { hash: string }): Promise<unknown> {
  const hashHex = hashHexOf(p.hash)
  const t = await cometTx(deps.node, hashHex)
  if (t !== undefined) return t
  if (deps.node.mempool.has(hashHex))
    throw rpcError(RpcErrorCode.NOT_FOUND, `tx (${hashHex}) not found: it is pending in the mempool`)
  throw rpcError(RpcErrorCode.NOT_FOUND, `tx (${hashHex}) not found`)
}

/** One `key=value` (or `key='value'`) condition of a CometBFT query. */
export interface QueryCondition {
  key: string
  value: string
}

/**
 * Parses the subset of CometBFT's query language we answer: `=` conditions joined by `AND`
 * (`tm.event='Tx' AND tx.hash='…'`). Anything else is refused by name.
 */
export function parseCometQuery(query: string): QueryCondition[] {
  const parts = query.split(/\s+AND\s+/i)
  return parts.map((part) => {
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*=\s*(?:'([^']*)'|(\d+))\s*$/.exec(part)
    if (m === null)
      throw rpcError(
        RpcErrorCode.INVALID_PARAMS,
        `invalid params: params.query: cannot read ${JSON.stringify(part.slice(0, 100))}; this node supports key='value' (or key=number) conditions joined by AND`,
      )
    return { key: m[1]!, value: m[2] ?? m[3]! }
  })
}

/** `tx_search`: by `tx.hash='…'` or `tx.height=N` (the only keys we index). */
export async function cometTxSearch(
  deps: CometDeps,
  p: z.output<(typeof cometParams)['tx_search']>,
): Promise<unknown> {
  const conds = parseCometQuery(p.query)
  const byHash = conds.find((c) => c.key === 'tx.hash')
  const byHeight = conds.find((c) => c.key === 'tx.height')
  const other = conds.find((c) => c.key !== 'tx.hash' && c.key !== 'tx.height')
  if (other !== undefined || (byHash === undefined && byHeight === undefined))
    throw rpcError(
      RpcErrorCode.INVALID_PARAMS,
      `invalid params: params.query: this node searches transactions by tx.hash='…' or tx.height=N only${other === undefined ? '' : `, not by ${other.key.slice(0, 64)}`}`,
    )
  let found: unknown[] = []
  if (byHash !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(byHash.value))
      throw rpcError(
        RpcErrorCode.INVALID_PARAMS,
        'invalid params: params.query: tx.hash must be 64 hex digits',
      )
    const t = await cometTx(deps.node, byHash.value.toUpperCase())
    if (t !== undefined && (byHeight === undefined || (t as { height: string }).height === byHeight.value))
      found = [t]
  } else if (byHeight !== undefined) {
    const b = await deps.node.chain.getBlock(Number(byHeight.value))
    if (b !== undefined) {
      const hashes = b.block.txs.map((t) => txHashHex(t))
      found = (await Promise.all(hashes.map((h) => cometTx(deps.node, h)))).filter((t) => t !== undefined)
    }
  }
  if (p.order_by === 'desc') found.reverse()
  const perPage = Math.min(Math.max(p.per_page ?? 30, 1), 100)
  const page = Math.max(p.page ?? 1, 1)
  const txs = found.slice((page - 1) * perPage, page * perPage)
  return { txs, total_count: String(found.length) }
}

/** A block's id as CometBFT shows it: its hash, and one "part" (we have no part sets). */
function blockId(hash: Uint8Array): { hash: string; parts: { total: number; hash: string } } {
  const h = hex(hash).toUpperCase()
  return { hash: h, parts: { total: 1, hash: h } }
}

const EMPTY_BLOCK_ID = { hash: '', parts: { total: 0, hash: '' } }

/** `block`: a block (default: the head) with its header, transactions and last commit. */
export async function cometBlock(deps: CometDeps, p: { height?: number | undefined }): Promise<unknown> {
  const { node } = deps
  const headHeight = node.chain.head.height
  const height = p.height === undefined || p.height === 0 ? headHeight : p.height
  if (height > headHeight)
    throw rpcError(
      RpcErrorCode.INVALID_PARAMS,
      `invalid params: params.height: height ${height} must be less than or equal to the current blockchain height ${headHeight}`,
    )
  const b = height >= 1 ? await node.chain.getBlock(height) : undefined
  if (b === undefined) throw rpcError(RpcErrorCode.NOT_FOUND, `block at height ${height} not found`)
  return { block_id: blockId(b.hash), block: cometBlockBody(b.block, b.hash) }
}

function cometBlockBody(block: Block, _hash: Uint8Array): unknown {
  const h = block.header
  const lastId = h.height > 1 ? blockId(h.previousHash) : EMPTY_BLOCK_ID
  return {
    header: {
      version: { block: COMET_PROTOCOL.block, app: COMET_PROTOCOL.app },
      chain_id: h.chainId,
      height: String(h.height),
      time: rfc3339(h.timeMs),
      last_block_id: lastId,
      last_commit_hash: '',
      data_hash: hex(h.txRoot).toUpperCase(),
      validators_hash: '',
      next_validators_hash: '',
      consensus_hash: '',
      app_hash: hex(h.stateRoot).toUpperCase(),
      last_results_hash: hex(h.resultRoot).toUpperCase(),
      evidence_hash: '',
      proposer_address: cometAddress(h.proposer),
    },
    data: { txs: block.txs.map(b64) },
    evidence: { evidence: [] },
    last_commit: {
      height: String(Math.max(h.height - 1, 0)),
      round: 0,
      block_id: lastId,
      // BlockIDFlagCommit (2): each vote the header carries for its parent
      signatures: h.lastCommit.map((v) => ({
        block_id_flag: 2,
        validator_address: cometAddress(v.validator),
        timestamp: rfc3339(h.timeMs),
        signature: b64(v.signature),
      })),
    },
  }
}

/** The handlers of the CometBFT methods, by name. */
export const cometHandlers: {
  [K in CometMethodName]: (deps: CometDeps, params: z.output<(typeof cometParams)[K]>) => unknown
} = {
  status: (deps) => cometStatus(deps),
  abci_query: cometAbciQuery,
  broadcast_tx_sync: cometBroadcastSync,
  broadcast_tx_async: cometBroadcastSync,
  broadcast_tx_commit: cometBroadcastCommit,
  tx: cometGetTx,
  tx_search: cometTxSearch,
  block: cometBlock,
}

/** A Tx event of a `subscribe` (`tm.event='Tx'`): the notification's `result`, before matching. */
export function cometTxEvent(
  query: string,
  tx: { raw: Uint8Array; hashHex: string; height: number; index: number; result: TxResult },
): { result: unknown; events: Record<string, string[]> } {
  const txResult = cometTxResult(tx.result, tx.raw)
  const events: Record<string, string[]> = {
    'tm.event': ['Tx'],
    'tx.hash': [tx.hashHex],
    'tx.height': [String(tx.height)],
  }
  for (const e of txResult.events)
    for (const a of e.attributes) {
      const key = `${e.type}.${a.key}`
      events[key] = [...(events[key] ?? []), a.value]
    }
  return {
    events,
    result: {
      query,
      data: {
        type: 'tendermint/event/Tx',
        value: {
          TxResult: { height: String(tx.height), index: tx.index, tx: b64(tx.raw), result: txResult },
        },
      },
      events,
    },
  }
}

/** Whether an event's attribute map satisfies every condition of a subscription. */
export function matchesQuery(conds: readonly QueryCondition[], events: Record<string, string[]>): boolean {
  return conds.every((c) => events[c.key]?.includes(c.value) === true)
}

/** Checks a `subscribe` query: it must ask for `tm.event='Tx'` (the only event kind served). */
export function checkSubscribeQuery(query: string): QueryCondition[] {
  const conds = parseCometQuery(query)
  const ev = conds.filter((c) => c.key === 'tm.event')
  if (ev.length !== 1 || ev[0]!.value !== 'Tx')
    throw rpcError(
      RpcErrorCode.INVALID_PARAMS,
      `invalid params: params.query: this node's CometBFT subscriptions are tm.event='Tx' (with optional AND conditions); for heads use chain_subscribe on /ws`,
    )
  return conds
}
