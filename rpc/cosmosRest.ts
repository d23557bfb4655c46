import { z } from 'zod'
import { METHOD_LIMITS } from './api.js'
import { accountAny, type CometDeps, cometStatus } from './comet.js'
import {
  broadcastCosmos,
  CosmosQueryError,
  cometTxResult,
  cosmosAccount,
  cosmosBalances,
  cosmosSpendable,
  GrpcCode,
  grpcMessage,
  simulateCosmos,
} from './cosmos.js'
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './envelope.js'

// The Cosmos SDK REST (gRPC-gateway) routes Keplr reads, in the SDK's JSON: snake_case fields,
// 64-bit numbers as decimal strings, an Any as `{ "@type": …, …fields }`, errors as
// `{ code, message, details }` with the gRPC status code. Only what a wallet needs to show an
// account and send from it; everything else is 404 with the list of routes.

/** A REST answer: HTTP status and JSON body. */
export interface RestAnswer {
  status: number
  body: unknown
}

/** The routes, as `gather` documents them (docs/rpc.md). */
export const REST_ROUTES = [
  'GET /cosmos/base/tendermint/v1beta1/node_info',
  'GET /cosmos/auth/v1beta1/accounts/{address}',
  'GET /cosmos/bank/v1beta1/balances/{address}',
  'GET /cosmos/bank/v1beta1/spendable_balances/{address}',
  'GET /cosmos/tx/v1beta1/txs/{hash}',
  'POST /cosmos/tx/v1beta1/txs',
  'POST /cosmos/tx/v1beta1/simulate',
] as const

/** Whether a path is one of ours to answer (everything under /cosmos/). */
export function isCosmosRestPath(path: string): boolean {
  return path.startsWith('/cosmos/')
}

function fail(status: number, grpcCode: number, message: string): RestAnswer {
  return { status, body: { code: grpcCode, message, details: [] } }
}

function fromQueryError(e: CosmosQueryError): RestAnswer {
  const status = e.grpcCode === GrpcCode.NOT_FOUND ? 404 : 400
  return fail(status, e.grpcCode, grpcMessage(e))
}

const base64Tx = z
  .string({ error: 'tx_bytes must be a base64 string' })
  .min(1, 'tx_bytes is required')
  .max(METHOD_LIMITS.maxTxBase64Chars, 'tx_bytes is larger than any transaction this node accepts')
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'tx_bytes must be base64 TxRaw bytes')

const broadcastBody = z
  .object({
    tx_bytes: base64Tx,
    mode: z
      .enum(['BROADCAST_MODE_SYNC', 'BROADCAST_MODE_ASYNC', 'BROADCAST_MODE_BLOCK'], {
        error: 'mode must be BROADCAST_MODE_SYNC or BROADCAST_MODE_ASYNC',
      })
      .optional(),
  })
  .strict()

const simulateBody = z.object({ tx_bytes: base64Tx, tx: z.unknown().optional() }).strict()

/** Parses a JSON body against a schema, or answers 400 InvalidArgument naming what is wrong. */
function parseBody<S extends z.ZodType>(schema: S, text: string): z.output<S> | RestAnswer {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH))
    return fail(400, GrpcCode.INVALID_ARGUMENT, `body nests deeper than ${MAX_JSON_DEPTH} levels`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return fail(400, GrpcCode.INVALID_ARGUMENT, `body is not JSON: ${(e as Error).message}`)
  }
  const r = schema.safeParse(value)
  if (!r.success)
    return fail(
      400,
      GrpcCode.INVALID_ARGUMENT,
      `invalid body: ${r.error.issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`)).join('; ')}`,
    )
  return r.data
}

const isAnswer = (v: unknown): v is RestAnswer =>
  typeof v === 'object' && v !== null && 'status' in v && 'body' in v && Object.keys(v).length === 2

/** The SDK JSON of a coin list. */
function coinsJson(coins: { denom: string; amount: string }[]) {
  return coins.map((c) => ({ denom: c.denom, amount: c.amount }))
}

/** An account as the SDK's REST shows it (`@type` and snake_case fields). */
function accountJson(deps: CometDeps, address: string): unknown {
  const a = cosmosAccount(deps.node, address)
  const any = accountAny(a)
  const base = {
    address: a.address,
    pub_key: null,
    account_number: a.accountNumber.toString(),
    sequence: a.sequence.toString(),
  }
  if (a.vesting === undefined) return { '@type': any.typeUrl, ...base }
  const coins = (n: bigint) => (n === 0n ? [] : [{ denom: 'ugat', amount: n.toString() }])
  return {
    '@type': any.typeUrl,
    base_vesting_account: {
      base_account: base,
      original_vesting: coins(a.vesting.original),
      delegated_free: coins(a.vesting.delegatedFree),
      delegated_vesting: coins(a.vesting.delegatedVesting),
      end_time: a.vesting.endTime.toString(),
    },
    start_time: a.vesting.startTime.toString(),
  }
}

/** An SDK `TxResponse` (what `POST /cosmos/tx/v1beta1/txs` and the tx lookup answer). */
function txResponse(fields: {
  txhash: string
  height?: number
  code?: number
  codespace?: string
  raw_log?: string
  data?: string
  gas_wanted?: string
  gas_used?: string
  events?: unknown[]
  timestamp?: string
}) {
  return {
    height: String(fields.height ?? 0),
    txhash: fields.txhash,
    codespace: fields.codespace ?? '',
    code: fields.code ?? 0,
    data: fields.data ?? '',
    raw_log: fields.raw_log ?? '',
    logs: [],
    info: '',
    gas_wanted: fields.gas_wanted ?? '0',
    gas_used: fields.gas_used ?? '0',
    tx: null,
    timestamp: fields.timestamp ?? '',
    events: fields.events ?? [],
  }
}

/** The address segment of `/…/{address}`, or undefined when the path has more segments. */
function tail(path: string, prefix: string): string | undefined {
  if (!path.startsWith(prefix)) return undefined
  const rest = path.slice(prefix.length)
  if (rest === '' || rest.includes('/')) return undefined
  try {
    return decodeURIComponent(rest)
  } catch {
    return rest
  }
}

/**
 * Answers one REST request. `body` is the request body for POST (already read within the
 * server's body limit). Never throws for bad input: every refusal is a 4xx answer.
 */
export async function handleCosmosRest(
  deps: CometDeps,
  method: string,
  path: string,
  body: () => Promise<string | undefined>,
): Promise<RestAnswer | undefined> {
  const { node } = deps
  const routes = `routes: ${REST_ROUTES.join(', ')}`
  try {
    if (path === '/cosmos/tx/v1beta1/txs' || path === '/cosmos/tx/v1beta1/simulate') {
      if (method !== 'POST') return fail(405, 12, `${path} takes POST with a JSON body`)
      const text = await body()
      if (text === undefined) return undefined // answered (413) or aborted by the server
      if (path === '/cosmos/tx/v1beta1/simulate') {
        const p = parseBody(simulateBody, text)
        if (isAnswer(p)) return p
        const sim = simulateCosmos(node, Buffer.from(p.tx_bytes, 'base64'))
        if (!sim.ok) return fail(400, GrpcCode.INVALID_ARGUMENT, `${sim.log} [${sim.codespace}]`)
        return {
          status: 200,
          body: {
            gas_info: { gas_wanted: sim.gasWanted.toString(), gas_used: sim.gasUsed.toString() },
            result: {
              data: '',
              log: sim.log,
              events: sim.events,
              msg_responses: sim.typeUrls.map((t) => ({ '@type': `${t}Response` })),
            },
          },
        }
      }
      const p = parseBody(broadcastBody, text)
      if (isAnswer(p)) return p
      if (p.mode === 'BROADCAST_MODE_BLOCK')
        return fail(
          400,
          GrpcCode.INVALID_ARGUMENT,
          'BROADCAST_MODE_BLOCK is not supported (the Cosmos SDK removed it): use BROADCAST_MODE_SYNC and look the transaction up',
        )
      const r = await broadcastCosmos(node, Buffer.from(p.tx_bytes, 'base64'))
      return {
        status: 200,
        body: {
          tx_response: txResponse({ txhash: r.hash, code: r.code, codespace: r.codespace, raw_log: r.log }),
        },
      }
    }
    if (method !== 'GET') return fail(405, 12, `${path} takes GET`)
    if (path === '/cosmos/base/tendermint/v1beta1/node_info') {
      const info = (cometStatus(deps) as { node_info: Record<string, unknown> }).node_info
      return {
        status: 200,
        body: {
          default_node_info: {
            protocol_version: info.protocol_version,
            default_node_id: info.id,
            listen_addr: info.listen_addr,
            network: info.network,
            version: info.version,
            channels: info.channels,
            moniker: info.moniker,
            other: info.other,
          },
          application_version: {
            name: 'gather',
            app_name: 'gather',
            version: '0.1.0',
            git_commit: '',
            build_tags: '',
            go_version: '',
            build_deps: [],
            cosmos_sdk_version: '',
          },
        },
      }
    }
    const account = tail(path, '/cosmos/auth/v1beta1/accounts/')
    if (account !== undefined) return { status: 200, body: { account: accountJson(deps, account) } }
    const balances = tail(path, '/cosmos/bank/v1beta1/balances/')
    if (balances !== undefined) {
      const coins = coinsJson(cosmosBalances(node, balances))
      return {
        status: 200,
        body: { balances: coins, pagination: { next_key: null, total: String(coins.length) } },
      }
    }
    const spendable = tail(path, '/cosmos/bank/v1beta1/spendable_balances/')
    if (spendable !== undefined) {
      const coins = coinsJson(cosmosSpendable(node, spendable))
      return {
        status: 200,
        body: { balances: coins, pagination: { next_key: null, total: String(coins.length) } },
      }
    }
    const txHash = tail(path, '/cosmos/tx/v1beta1/txs/')
    if (txHash !== undefined) {
      if (!/^[0-9a-fA-F]{64}$/.test(txHash))
        return fail(400, GrpcCode.INVALID_ARGUMENT, 'a transaction hash is 64 hex digits')
      const t = await node.getTx(txHash)
      if (t === undefined)
        return fail(
          404,
          GrpcCode.NOT_FOUND,
          `rpc error: code = NotFound desc = tx not found: ${txHash.toUpperCase()}`,
        )
      const r = cometTxResult(t.result, Buffer.from(t.tx, 'base64'))
      const block = await node.chain.getBlock(t.height)
      return {
        status: 200,
        body: {
          tx: null,
          tx_response: txResponse({
            txhash: t.hash,
            height: t.height,
            code: r.code,
            codespace: r.codespace,
            raw_log: r.log,
            data: r.data,
            gas_wanted: r.gas_wanted,
            gas_used: r.gas_used,
            events: r.events,
            timestamp: block === undefined ? '' : new Date(block.block.header.timeMs).toISOString(),
          }),
        },
      }
    }
    return fail(404, GrpcCode.NOT_FOUND, `no such route ${method} ${path.slice(0, 200)}; ${routes}`)
  } catch (e) {
    if (e instanceof CosmosQueryError) return fromQueryError(e)
    throw e
  }
}
