import { createHash } from 'node:crypto'
import { TxMsgData } from 'cosmjs-types/cosmos/base/abci/v1beta1/abci'
import type { Coin } from 'cosmjs-types/cosmos/base/v1beta1/coin'
import type { ChainEvent, TxResult } from '../chain/codec/block.js'
import { isValidAddress } from '../chain/crypto/address.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { decodeTx } from '../chain/tx/decodeTx.js'
import { TokenErrorCode } from '../modules/token/errors.js'
import type { GatherNode } from '../node/index.js'
import { KEPLR_SIMULATED_GAS } from './keplr.js'

// What the Cosmos tooling reads, built from the node's own reads: accounts and balances in the
// bank/auth shapes, transaction results as CometBFT reports them, simulation and broadcast
// outcomes. The CometBFT JSON-RPC methods (rpc/comet.ts) and the REST routes (rpc/cosmosRest.ts)
// both answer from here, so the two cannot disagree. docs/adr/012-cosmos-compatibility.md says
// why each choice was made.

/** The CometBFT version `status` reports: cosmjs picks its 0.38 ("comet38") adaptor by it. */
export const COMET_VERSION = '0.38.17'
/** Block and p2p protocol versions of CometBFT 0.38, as `status` reports them. */
export const COMET_PROTOCOL = { p2p: '8', block: '11', app: '0' }
/**
 * Gas is not metered here (the fee is a flat minimum per transaction), so a simulation answers
 * this flat figure; the suggested gas prices (`gather chain-info --keplr`) are the minimum fee
 * divided by it, so an "auto" fee pays at least the minimum.
 */
export const SIMULATED_GAS = BigInt(KEPLR_SIMULATED_GAS)
/** The denoms a balance can be in: GAT's base unit and the device token. */
export const DENOMS = { gat: 'ugat', gmt: 'gmt' } as const

/** A Cosmos SDK-style error: a gRPC status code (NotFound 5, InvalidArgument 3) and a message. */
export class CosmosQueryError extends Error {
  constructor(
    /** gRPC status code */
    readonly grpcCode: number,
    message: string,
  ) {
    super(message)
  }
}

/** gRPC status codes the queries use. */
export const GrpcCode = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, INTERNAL: 13 } as const
const GRPC_NAMES: Record<number, string> = { 3: 'InvalidArgument', 5: 'NotFound', 13: 'Internal' }

/** The text the SDK gives a failed query, which cosmjs matches (`rpc error: code = NotFound`). */
export function grpcMessage(e: CosmosQueryError): string {
  return `rpc error: code = ${GRPC_NAMES[e.grpcCode] ?? 'Unknown'} desc = ${e.message}`
}

/** Throws InvalidArgument unless `address` is a gat bech32 account address. */
export function checkCosmosAddress(address: string): string {
  if (!isValidAddress(address))
    throw new CosmosQueryError(
      GrpcCode.INVALID_ARGUMENT,
      `invalid address ${JSON.stringify(address.slice(0, 100))}: must be a gat1… bech32 account address`,
    )
  return address
}

/** An account as the auth module's `Account` query shows it. */
export interface CosmosAccount {
  address: string
  accountNumber: bigint
  /** the next sequence to sign with: committed plus the account's pending transactions */
  sequence: bigint
  /** a genesis vesting account: ugat and its schedule as unix seconds (estimated from heights) */
  vesting?: {
    original: bigint
    delegatedFree: bigint
    delegatedVesting: bigint
    startTime: bigint
    endTime: bigint
  }
}

/** Unix seconds of the block at `height`, were no slot missed (vesting runs on heights). */
function heightSeconds(node: GatherNode, height: number): bigint {
  const { genesisTimeMs, blockTimeMs } = node.chain.clock
  return BigInt(Math.floor((genesisTimeMs + height * blockTimeMs) / 1000))
}

/** The account at `address`, or NotFound with the SDK's wording. */
export function cosmosAccount(node: GatherNode, address: string): CosmosAccount {
  checkCosmosAddress(address)
  const a = node.query.token.getAccount({ address })
  if (!a.exists) throw new CosmosQueryError(GrpcCode.NOT_FOUND, `account ${address} not found: key not found`)
  const next = node.nextAccount(address)
  const out: CosmosAccount = {
    address,
    accountNumber: BigInt(a.accountNumber),
    sequence: next?.sequence ?? BigInt(a.sequence),
  }
  if (a.vesting !== undefined) {
    out.vesting = {
      original: BigInt(a.vesting.original),
      delegatedFree: BigInt(a.vesting.delegatedFree),
      delegatedVesting: BigInt(a.vesting.delegatedVesting),
      startTime: heightSeconds(node, a.vesting.startHeight),
      endTime: heightSeconds(node, a.vesting.endHeight),
    }
  }
  return out
}

/** Every non-zero balance of an address (bank's AllBalances): ugat, then gmt. */
export function cosmosBalances(node: GatherNode, address: string): Coin[] {
  checkCosmosAddress(address)
  const a = node.query.token.getAccount({ address })
  const coins: Coin[] = []
  if (a.balance.ugat !== '0') coins.push({ denom: DENOMS.gat, amount: a.balance.ugat })
  if (a.balance.gmt !== '0') coins.push({ denom: DENOMS.gmt, amount: a.balance.gmt })
  return coins
}

/** What an address can spend now: ugat less what still vests, and GMT not bound to nodes. */
export function cosmosSpendable(node: GatherNode, address: string): Coin[] {
  checkCosmosAddress(address)
  const a = node.query.token.getAccount({ address })
  const coins: Coin[] = []
  if (a.spendable !== '0') coins.push({ denom: DENOMS.gat, amount: a.spendable })
  const freeGmt = BigInt(a.balance.gmt) - BigInt(a.gmtBound)
  if (freeGmt > 0n) coins.push({ denom: DENOMS.gmt, amount: freeGmt.toString() })
  return coins
}

/** One balance (bank's Balance query): zero for a denom the address does not hold. */
export function cosmosBalance(node: GatherNode, address: string, denom: string): Coin {
  if (denom === '' || denom.length > 128)
    throw new CosmosQueryError(GrpcCode.INVALID_ARGUMENT, 'invalid denom: give ugat (or gmt)')
  const held = cosmosBalances(node, address).find((c) => c.denom === denom)
  return { denom, amount: held?.amount ?? '0' }
}

/** A CometBFT event: string attributes, each marked indexed. */
export interface CometEvent {
  type: string
  attributes: { key: string; value: string; index: boolean }[]
}

function cometEvent(e: ChainEvent): CometEvent {
  return {
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })),
  }
}

/** What the Cosmos views read of raw transaction bytes, or undefined when they do not decode. */
function txSummary(
  raw: Uint8Array,
): { typeUrls: string[]; gasLimit: bigint; signer: string; sequence: bigint } | undefined {
  try {
    const tx = decodeTx(raw, Number.MAX_SAFE_INTEGER, undefined, { simulate: true })
    return {
      typeUrls: tx.messages.map((m) => m.typeUrl),
      gasLimit: tx.gasLimit,
      signer: tx.signer,
      sequence: tx.sequence,
    }
  } catch {
    return undefined
  }
}

/** The module a message belongs to, as the SDK's `message.module` attribute names it. */
function moduleOfTypeUrl(typeUrl: string): string {
  const m = /^\/(?:cosmos|gather)\.([a-z]+)\./.exec(typeUrl)
  return m?.[1] ?? 'unknown'
}

/**
 * A transaction's result as CometBFT's `ExecTxResult` (what `tx`, `tx_search`, the Tx events
 * and `broadcast_tx_commit` show): our events, plus the SDK's `tx` (acc_seq, fee) and
 * `message` (action, sender, module) events that explorers and cosmjs's searches look for, and
 * `data` as the SDK's `TxMsgData` with one empty response per message.
 */
export function cometTxResult(
  result: TxResult,
  raw: Uint8Array,
): {
  code: number
  data: string
  log: string
  info: string
  gas_wanted: string
  gas_used: string
  events: CometEvent[]
  codespace: string
} {
  const summary = txSummary(raw)
  const typeUrls = summary?.typeUrls ?? []
  const extra: ChainEvent[] = []
  const signer = summary?.signer
  if (summary !== undefined)
    extra.push({
      type: 'tx',
      attributes: [{ key: 'acc_seq', value: `${summary.signer}/${summary.sequence}` }],
    })
  if (signer !== undefined)
    for (const t of typeUrls)
      extra.push({
        type: 'message',
        attributes: [
          { key: 'action', value: t },
          { key: 'sender', value: signer },
          { key: 'module', value: moduleOfTypeUrl(t) },
        ],
      })
  const data =
    result.code === 0
      ? Buffer.from(
          TxMsgData.encode({
            data: [],
            msgResponses: typeUrls.map((t) => ({ typeUrl: `${t}Response`, value: new Uint8Array() })),
          }).finish(),
        ).toString('base64')
      : ''
  return {
    code: result.code,
    data,
    log: result.log,
    info: '',
    gas_wanted: (summary?.gasLimit ?? 0n).toString(),
    gas_used: '0',
    events: [...extra, ...result.events].map(cometEvent),
    codespace: result.codespace,
  }
}

/**
 * The Cosmos SDK's code for a refused transaction (sdkerrors: 32 sequence mismatch, 13 fee too
 * low, 5 insufficient funds, 4 unauthorized, 2 does not decode…), which wallets match on; 1
 * for the rest. Our own error code goes in `codespace`.
 */
export function sdkCodeOf(code: string): number {
  switch (code) {
    case ChainErrorCode.TX_BAD_SEQUENCE:
      return 32
    case TokenErrorCode.FEE_TOO_LOW:
      return 13
    case TokenErrorCode.INSUFFICIENT_BALANCE:
    case TokenErrorCode.INSUFFICIENT_FEE_BALANCE:
      return 5
    case ChainErrorCode.TX_SIGNATURE_INVALID:
    case ChainErrorCode.TX_SIGNATURE_HIGH_S:
    case ChainErrorCode.TX_WRONG_SIGNER:
      return 4
    case ChainErrorCode.TX_MALFORMED:
      return 2
    case ChainErrorCode.TX_TOO_LARGE:
      return 21
    case ChainErrorCode.TX_ALREADY_KNOWN:
      return 19
    case ChainErrorCode.ACCOUNT_NOT_FOUND:
      return 9
    case ChainErrorCode.TX_UNKNOWN_MESSAGE:
      return 6
    case ChainErrorCode.MEMPOOL_FULL:
    case ChainErrorCode.TX_ADMISSION_BUSY:
      return 20
    case ChainErrorCode.TX_TIMEOUT:
      return 30
    default:
      return 1
  }
}

/** The outcome of submitting a transaction: its hash, and the refusal when it was refused. */
export interface BroadcastOutcome {
  hash: string
  /** 0 when admitted */
  code: number
  codespace: string
  log: string
}

/**
 * Submits TxRaw bytes as our JSON-RPC does (admission, then the journal's fsync), and turns a
 * refusal into a CheckTx-style result instead of an error: that is how CometBFT answers and
 * what cosmjs reads. A journal failure is the node's fault and is thrown.
 */
export async function broadcastCosmos(node: GatherNode, raw: Uint8Array): Promise<BroadcastOutcome> {
  const hash = createHash('sha256').update(raw).digest('hex').toUpperCase()
  try {
    await node.submitTxDurable(raw)
    return { hash, code: 0, codespace: '', log: '' }
  } catch (e) {
    if (e instanceof ChainError && e.code !== ChainErrorCode.TX_JOURNAL_FAILED)
      return { hash, code: sdkCodeOf(e.code), codespace: e.code, log: e.message }
    throw e
  }
}

/** A simulation's answer (cosmos.tx.v1beta1.Service/Simulate), or the reason it failed. */
export type SimulationOutcome =
  | { ok: true; gasUsed: bigint; gasWanted: bigint; log: string; events: CometEvent[]; typeUrls: string[] }
  | { ok: false; code: number; codespace: string; log: string }

/** Runs unsigned transaction bytes after the pending ones, writing nothing. */
export function simulateCosmos(node: GatherNode, raw: Uint8Array): SimulationOutcome {
  try {
    const executed = node.mempool.simulate(raw)
    if (!executed.ok)
      return {
        ok: false,
        code: sdkCodeOf(executed.result.codespace),
        codespace: executed.result.codespace,
        log: executed.result.log,
      }
    const summary = txSummary(raw)
    return {
      ok: true,
      gasUsed: SIMULATED_GAS,
      gasWanted: summary?.gasLimit ?? 0n,
      log: '',
      events: executed.result.events.map(cometEvent),
      typeUrls: summary?.typeUrls ?? [],
    }
  } catch (e) {
    if (e instanceof ChainError)
      return { ok: false, code: sdkCodeOf(e.code), codespace: e.code, log: e.message }
    throw e
  }
}

/** A CometBFT-style address of an ed25519 key: the first 20 bytes of its sha256, upper-case hex. */
export function cometAddress(pubkey: Uint8Array): string {
  return createHash('sha256').update(pubkey).digest().subarray(0, 20).toString('hex').toUpperCase()
}
