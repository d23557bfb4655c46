import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  createJSONRPCErrorResponse,
  type JSONRPCID,
  type JSONRPCResponse,
  JSONRPCServer,
  type JSONRPCServerMiddleware,
} from 'json-rpc-2.0'
import { type WebSocket, WebSocketServer } from 'ws'
import { z } from 'zod'
import type { CommittedBlock } from '../chain/blockchain.js'
import type { ChainEvent } from '../chain/codec/block.js'
import { blockEventViews } from '../chain/codec/blockView.js'
import { isValidAddress } from '../chain/crypto/address.js'
import { hex } from '../chain/hex.js'
import type { Logger } from '../chain/logger.js'
import type { RpcMetrics } from '../chain/metrics.js'
import { groupIdSchema } from '../chain/schemas.js'
import type { GroupService } from '../node/groups/types.js'
import type { GatherNode } from '../node/index.js'
import { clientAddress, isAllowedHost, isAllowedOrigin, isCorsOrigin, requestPath } from './access.js'
import { BadClientLog } from './badClientLog.js'
import {
  type CometDeps,
  type CometMethodName,
  checkSubscribeQuery,
  cometHandlers,
  cometParams,
  cometTxEvent,
  matchesQuery,
  type QueryCondition,
} from './comet.js'
import { handleCosmosRest, isCosmosRestPath } from './cosmosRest.js'
import { checkEnvelope, jsonDepthExceeds, MAX_JSON_DEPTH } from './envelope.js'
import { RpcErrorCode, rpcError, toRpcError } from './errors.js'
import { groupsOf, type RpcMethod, rpcMethods } from './methods.js'
import { RateLimiter, type RateLimitOptions } from './rateLimit.js'
import { STATUS_PAGE_ASSETS } from './statusPage.js'

/** Limits and address of the gateway. */
export interface RpcServerOptions {
  host: string
  port: number
  /** largest request body (HTTP) or message (WebSocket), bytes */
  maxBodyBytes: number
  /** most calls in one batch */
  maxBatch: number
  /** calls per client (`perSecond` 0: no limit) */
  rateLimit: RateLimitOptions
  /** open WebSockets, all clients together */
  maxWsConnections: number
  /** open WebSockets of one client (its rate-limit key) */
  maxWsConnectionsPerClient: number
  /** a WebSocket that sends nothing (no message, no pong) for this long is closed; pings go every half of it */
  wsIdleTimeoutMs: number
  /** an HTTP request's headers must arrive within this (else HTTP 408 and the connection is closed) */
  headersTimeoutMs: number
  /** the whole HTTP request, headers and body, must arrive within this */
  requestTimeoutMs: number
  maxSubscriptionsPerConnection: number
  /**
   * /health reports stale when the head is older than this (or ten block times); the other
   * thresholds (finality lag, missed slots) are the node's (`NodeOptions.health`)
   */
  maxHeadAgeMs: number
  /**
   * Take the client from the first `X-Forwarded-For` entry instead of the peer address: only
   * behind a reverse proxy that sets that header (a client could otherwise pick its own bucket).
   */
  trustProxy: boolean
  /**
   * page origins allowed to open WebSockets besides pages on loopback and the node's own status
   * page, and the only origins HTTP answers carry CORS headers for (`https://app.example.org`;
   * `*`: any; none by default)
   */
  allowedOrigins: string[]
  /** `Host` names allowed on WebSocket upgrades besides IP literals, localhost and `host` (`*`: any) */
  allowedHosts: string[]
  /** The rate-limit key of a request or WebSocket connection; overrides `trustProxy` (tests). */
  clientKey?: (req: IncomingMessage) => string
}

/**
 * Defaults: loopback only, 1 MiB bodies, batches of 100, 200 calls/s per client with bursts of
 * 400, 100 WebSockets (10 per client) closed after 60 s of silence, headers within 10 s and the
 * whole request within 60 s, WebSockets only from loopback pages.
 */
export function defaultRpcOptions(): RpcServerOptions {
  return {
    host: '127.0.0.1',
    port: 26657,
    maxBodyBytes: 1024 * 1024,
    maxBatch: 100,
    rateLimit: { perSecond: 200, burst: 400 },
    maxWsConnections: 100,
    maxWsConnectionsPerClient: 10,
    wsIdleTimeoutMs: 60_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 60_000,
    maxSubscriptionsPerConnection: 16,
    maxHeadAgeMs: 60_000,
    trustProxy: false,
    allowedOrigins: [],
    allowedHosts: [],
  }
}

/** CometBFT's subscription methods (WebSocket only, on /websocket or /ws). */
const COMET_WS_METHODS = ['subscribe', 'unsubscribe', 'unsubscribe_all'] as const

/** Methods that exist: metric labels come only from here, so callers cannot create label values. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  ...Object.keys(rpcMethods),
  'chain_subscribe',
  'chain_unsubscribe',
  ...Object.keys(cometParams),
  ...COMET_WS_METHODS,
])

/** The WebSocket paths: ours, and CometBFT's (what cosmjs and Keplr open). */
const WS_PATHS: ReadonlySet<string> = new Set(['/ws', '/websocket'])

/** Bytes queued to a WebSocket client that does not read before it is dropped. */
const MAX_WS_BUFFERED_BYTES = 16 * 1024 * 1024

/** How often Node's HTTP server checks the header and request timeouts (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1000
/**
 * Bytes of a refused upload (413) read and dropped so that its client reads the answer: a server
 * that closes while the client still sends makes the client fail with EPIPE or ECONNRESET instead
 * of seeing the 413 (a lingering close, as nginx does). Past this the connection is closed.
 */
const DISCARD_REFUSED_UPLOAD_BYTES = 8 * 1024 * 1024

/**
 * Answers a refused WebSocket upgrade with a status line and a reason, then closes the socket
 * once the answer is flushed (or after 5 s, for a peer that does not read).
 */
function refuseUpgrade(
  socket: Duplex,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const body = `${reason}\n`
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  socket.once('finish', () => socket.destroy())
  setTimeout(() => socket.destroy(), 5000).unref()
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  )
}

/** A header value for a log line or a refusal: bounded, printable. */
function shown(v: string | undefined): string {
  return v === undefined ? '(none)' : JSON.stringify(v.slice(0, 100))
}

/** Subscription kinds of `chain_subscribe`. */
export const SUBSCRIPTION_EVENTS = ['newHeads', 'finalHeads', 'txs', 'events', 'groupMessages'] as const

interface Subscription {
  id: string
  /** `cometTx`: a CometBFT `subscribe` to `tm.event='Tx'` */
  event: (typeof SUBSCRIPTION_EVENTS)[number] | 'cometTx'
  /** `cometTx`: the query as given (the subscription's key) and its conditions */
  query?: string
  conditions?: QueryCondition[]
  /** `cometTx`: the id of the subscribe request, which CometBFT's events carry */
  requestId?: JSONRPCID
  address?: string
  /** `events`: only this event type */
  type?: string
  /** `events`: only the events of this module */
  module?: string
  /** `groupMessages`: the group */
  groupId?: number
  /** `groupMessages`: ends the group runtime's subscription (on chain_unsubscribe or close) */
  stop?: () => void
}

/** One event of a committed block, as the `events` subscription sends it. */
interface EventNotice extends ChainEvent {
  /** emitted by the block hooks before or after the transactions, or by a transaction */
  phase: 'beforeTransactions' | 'tx' | 'afterTransactions'
  /** the transaction that emitted it (phase `tx`): its hash and index in the block */
  tx?: { hash: string; index: number }
}

/** Every event of a committed block in the order it was emitted: block hooks before, transactions, block hooks after. */
function eventNotices(c: CommittedBlock): EventNotice[] {
  const block = blockEventViews({ events: c.blockEvents, beforeTransactions: c.blockEventsBefore })
  const fromTxs = c.results.flatMap((r, index) => {
    const tx = { hash: c.txs[index]!.hashHex, index }
    return r.events.map((e): EventNotice => ({ type: e.type, attributes: e.attributes, phase: 'tx', tx }))
  })
  return [
    ...block.filter((e) => e.phase === 'beforeTransactions'),
    ...fromTxs,
    ...block.filter((e) => e.phase === 'afterTransactions'),
  ]
}

interface ClientContext {
  /** rate-limit key (the remote address unless `clientKey` says otherwise) */
  ip: string
  /** the id of the request being served (CometBFT's subscribe answers events with it) */
  requestId?: JSONRPCID
  ws?: WebSocket
  subscriptions?: Map<string, Subscription>
}

const subscribeParams = z
  .object({
    event: z.enum(SUBSCRIPTION_EVENTS),
    address: z.string().max(128).optional(),
    type: z.string().max(128).optional(),
    module: z.string().max(64).optional(),
    groupId: groupIdSchema.optional(),
  })
  .strict()
const unsubscribeParams = z.object({ subscription: z.string().max(64) }).strict()
const cometQueryParams = z.object({ query: z.string().min(1).max(512) }).strict()

function describeIssues(e: z.ZodError): string {
  return e.issues
    .map((i) => `${i.path.length === 0 ? 'params' : `params.${i.path.join('.')}`}: ${i.message}`)
    .join('; ')
}

/** Validates by-name params against a schema, or throws -32602 with every problem named. */
function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  if (Array.isArray(params)) {
    throw rpcError(RpcErrorCode.INVALID_PARAMS, 'params must be an object of named parameters, not an array')
  }
  const r = schema.safeParse(params ?? {})
  if (!r.success) throw rpcError(RpcErrorCode.INVALID_PARAMS, `invalid params: ${describeIssues(r.error)}`)
  return r.data
}

/** A block header as `newHeads` and `finalHeads` notifications show it. */
function headView(c: Pick<CommittedBlock, 'block' | 'hash'>): Record<string, unknown> {
  const h = c.block.header
  return {
    height: h.height,
    hash: hex(c.hash),
    slot: h.slot,
    time: new Date(h.timeMs).toISOString(),
    proposer: hex(h.proposer),
    stateRoot: hex(h.stateRoot),
    txs: c.block.txs.length,
  }
}

/**
 * The JSON-RPC 2.0 gateway: HTTP POST (with batches) on `/`, subscriptions on `/ws`,
 * Prometheus text on `GET /metrics`, readiness on `GET /health`. Framing, batches and the
 * standard errors come from json-rpc-2.0 and ws; this class adds the envelope and depth checks,
 * params schemas, limits, timeouts, rate limiting, WebSocket admission and subscriptions. No
 * request or client behaviour can throw out of it: every socket and stream has its error
 * handled, and a bad client costs one (throttled) warn line. It never writes state except by
 * submitting transactions.
 */
export class RpcServer {
  private readonly http: Server
  private readonly wss: WebSocketServer
  /**
   * json-rpc-2.0 would console.warn every error a handler throws, expected ones (bad params,
   * refused transactions) included; internal errors are logged by mapErrorToJSONRPCErrorResponse.
   */
  private readonly rpc = new JSONRPCServer<ClientContext>({ errorListener: () => undefined })
  private readonly limiter: RateLimiter
  private readonly badClient: BadClientLog
  private readonly sockets = new Set<WebSocket>()
  /** subscriptions of each open WebSocket */
  private readonly clients = new WeakMap<WebSocket, Map<string, Subscription>>()
  /** WebSockets admitted (handshaking or open), in all and per client key */
  private wsAdmitted = 0
  private readonly wsPerClient = new Map<string, number>()
  private nextSubscription = 1
  private readonly onBlock: (c: CommittedBlock) => void
  private readonly onFinal: (f: { height: number; hash: Uint8Array }) => void
  /** what the CometBFT methods and REST routes answer from */
  private readonly comet: CometDeps
  /** the bound address, once listening (`tcp://127.0.0.1:26657`) */
  private boundAddress = ''

  constructor(
    private readonly opts: RpcServerOptions,
    private readonly deps: { node: GatherNode; groups?: GroupService; metrics?: RpcMetrics; log: Logger },
  ) {
    this.limiter = new RateLimiter(opts.rateLimit)
    this.badClient = new BadClientLog(deps.log)
    for (const [name, m] of Object.entries(rpcMethods) as [string, RpcMethod][]) {
      this.rpc.addMethod(name, (params) => m.handler(deps, parseParams(m.params, params)))
    }
    this.rpc.addMethod('chain_subscribe', (params, client) => this.subscribe(client, params))
    this.rpc.addMethod('chain_unsubscribe', (params, client) => this.unsubscribe(client, params))
    this.comet = { node: deps.node, rpcAddress: () => this.boundAddress }
    for (const name of Object.keys(cometParams) as CometMethodName[]) {
      const handler = cometHandlers[name] as (d: CometDeps, p: unknown) => unknown
      this.rpc.addMethod(name, (params) => handler(this.comet, parseParams(cometParams[name], params)))
    }
    this.rpc.addMethod('subscribe', (params, client) => this.cometSubscribe(client, params))
    this.rpc.addMethod('unsubscribe', (params, client) => this.cometUnsubscribe(client, params))
    this.rpc.addMethod('unsubscribe_all', (params, client) => this.cometUnsubscribeAll(client, params))
    // CometBFT answers a subscription's events with the subscribe request's id
    this.rpc.applyMiddleware(this.measure(), (next, request, client) =>
      next(request, { ...client, requestId: request.id ?? null }),
    )
    const known = [...KNOWN_METHODS].sort().join(', ')
    this.rpc.handleMethodNotFound = (request) =>
      Promise.resolve(
        request.id === undefined
          ? null
          : createJSONRPCErrorResponse(
              request.id,
              RpcErrorCode.METHOD_NOT_FOUND,
              `Method not found: "${String(request.method).slice(0, 64)}"; methods: ${known}`,
            ),
      )
    this.rpc.mapErrorToJSONRPCErrorResponse = (id, error) => {
      const e = toRpcError(error)
      if (e.code === RpcErrorCode.INTERNAL_ERROR) this.deps.log.error({ err: error }, 'rpc handler failed')
      return createJSONRPCErrorResponse(id, e.code, e.message, e.data)
    }
    this.http = createServer(
      {
        headersTimeout: opts.headersTimeoutMs,
        requestTimeout: opts.requestTimeoutMs,
        // Node checks both timeouts on this interval; its default (30 s) let a slow client keep
        // a connection up to 30 s past them
        connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, opts.headersTimeoutMs),
      },
      (req, res) => this.onRequest(req, res),
    )
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(err, socket),
    )
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: opts.maxBodyBytes })
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    )
    this.onBlock = (c) => this.publish(c)
    deps.node.on('block', this.onBlock)
    this.onFinal = (f) => {
      void this.publishFinal(f.height)
    }
    deps.node.on('final', this.onFinal)
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  listen(): Promise<{ host: string; port: number; url: string }> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject)
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off('error', reject)
        // after listening, a server error (EMFILE on accept…) is logged, not thrown at the process
        this.http.on('error', (err) => this.deps.log.warn({ err: err.message }, 'rpc server error'))
        const a = this.http.address() as AddressInfo
        const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
        this.boundAddress = `tcp://${host}:${a.port}`
        resolve({ host: a.address, port: a.port, url: `http://${host}:${a.port}/` })
      })
    })
  }

  /** Stops accepting, closes WebSockets and waits for the HTTP server to close. */
  async close(): Promise<void> {
    this.deps.node.off('block', this.onBlock)
    this.deps.node.off('final', this.onFinal)
    for (const ws of this.sockets) ws.terminate()
    this.wss.close()
    this.http.closeAllConnections()
    await new Promise<void>((resolve) => this.http.close(() => resolve()))
  }

  private measure(): JSONRPCServerMiddleware<ClientContext> {
    return async (next, request, client) => {
      const started = performance.now()
      const known = KNOWN_METHODS.has(request.method)
      const record = (code: number | undefined): void => {
        const outcome = code === undefined ? 'ok' : code <= -32600 && code >= -32700 ? 'rejected' : 'error'
        this.deps.metrics?.onRpc(
          known ? request.method : 'unknown',
          outcome,
          (performance.now() - started) / 1000,
        )
      }
      // Handlers report errors by throwing; json-rpc-2.0 turns the rejection into the error
      // response after the middleware, so thrown errors are classified here, then rethrown.
      let response: JSONRPCResponse | null
      try {
        response = await next(request, client)
      } catch (e) {
        record(toRpcError(e).code)
        throw e
      }
      record(response?.error?.code)
      return response
    }
  }

  private sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    res.end(text)
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // a client that resets mid-request: readBody reports it; these only keep it off the process
    req.on('error', () => undefined)
    res.on('error', (err) => this.deps.log.debug({ err: err.message }, 'rpc response not delivered'))
    this.handleHttp(req, res).catch((err: unknown) => {
      this.deps.log.error({ err }, 'rpc request failed')
      if (!res.headersSent)
        this.sendJson(
          res,
          500,
          createJSONRPCErrorResponse(null, RpcErrorCode.INTERNAL_ERROR, 'internal error'),
        )
    })
  }

  /**
   * Malformed HTTP (llhttp refused it), a header or request timeout, or a reset before a request
   * was read. As Node's own handler: answer when no response is under way, then close.
   */
  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    socket.on('error', () => undefined)
    const client = (socket as { remoteAddress?: string }).remoteAddress ?? 'unknown'
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || !socket.writable) {
      this.deps.log.debug({ client, code: err.code }, 'rpc client went away')
      socket.destroy()
      return
    }
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    const status = timeout ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    const reason = timeout
      ? `the request did not arrive in time (headers within ${this.opts.headersTimeoutMs} ms, the whole request within ${this.opts.requestTimeoutMs} ms)`
      : status === 431
        ? 'request headers too large'
        : `malformed HTTP request (${err.code ?? 'unknown'})`
    this.badClient.warn(
      { client, code: err.code, status },
      timeout ? 'rpc request timed out' : 'bad HTTP request',
    )
    // a response whose headers are out already would be corrupted by another status line
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage
    if (inFlight?.headersSent !== true) {
      const body = JSON.stringify(createJSONRPCErrorResponse(null, RpcErrorCode.INVALID_REQUEST, reason))
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
    }
    socket.destroy()
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = requestPath(req.url)
    if (path === undefined) {
      this.badClient.warn(
        { client: this.clientKeyOf(req), target: shown(req.url) },
        'bad HTTP request target',
      )
      return this.sendJson(
        res,
        400,
        createJSONRPCErrorResponse(
          null,
          RpcErrorCode.INVALID_REQUEST,
          `invalid request target ${shown(req.url)}: JSON-RPC is POST /`,
        ),
      )
    }
    // CORS: off unless the page's origin was given with --cors-origin
    const origin = req.headers.origin
    const cors = origin !== undefined && isCorsOrigin(origin, this.opts.allowedOrigins)
    if (cors) {
      res.setHeader('access-control-allow-origin', this.opts.allowedOrigins.includes('*') ? '*' : origin)
      res.setHeader('vary', 'Origin')
    }
    if (req.method === 'OPTIONS') {
      if (!cors)
        return this.sendJson(res, 403, {
          error: `cross-origin requests from ${shown(origin)} are not allowed: start the node with --cors-origin <origin>`,
        })
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      })
      res.end()
      return
    }
    if (req.method === 'GET' && path === '/metrics') {
      if (this.deps.metrics === undefined) return this.sendJson(res, 404, { error: 'metrics are disabled' })
      const m = await this.deps.metrics.render()
      res.writeHead(200, { 'content-type': m.contentType })
      res.end(m.body)
      return
    }
    if (req.method === 'GET' && path === '/health') return this.health(res)
    if (req.method === 'GET' && (path === '/' || STATUS_PAGE_ASSETS.has(path)))
      return this.statusPage(req, res, path)
    if (req.method === 'GET' && path === '/status') {
      // CometBFT's URI form of `status`, answered as JSON-RPC with id -1 as CometBFT does
      const reply = await this.handleText('{"jsonrpc":"2.0","id":-1,"method":"status"}', {
        ip: this.clientKeyOf(req),
      })
      return this.sendJson(res, reply.status, reply.body, reply.headers)
    }
    if (isCosmosRestPath(path)) return this.rest(req, res, path)
    if (path !== '/')
      return this.sendJson(res, 404, {
        error: `no such path ${path.slice(0, 200)}; JSON-RPC is POST /`,
      })
    if (req.method !== 'POST') {
      return this.sendJson(
        res,
        405,
        createJSONRPCErrorResponse(
          null,
          RpcErrorCode.INVALID_REQUEST,
          'JSON-RPC requests must be HTTP POST (the status page is GET /)',
        ),
        { allow: 'GET, POST' },
      )
    }
    const body = await this.readBody(req, res)
    if (body === undefined) return
    const reply = await this.handleText(body, { ip: this.clientKeyOf(req) })
    if (reply.body === null) {
      res.writeHead(204)
      res.end()
      return
    }
    this.sendJson(res, reply.status, reply.body, reply.headers)
  }

  /**
   * The status page and its script and style. Only under a Host a DNS-rebinding page cannot
   * choose (the WebSocket's rule): the page talks to this node, so it is only served as this
   * node. Its content-security policy lets it reach nothing but its own origin.
   */
  private statusPage(req: IncomingMessage, res: ServerResponse, path: string): void {
    if (!isAllowedHost(req.headers.host, { boundHost: this.opts.host, allowed: this.opts.allowedHosts })) {
      this.sendJson(res, 403, {
        error: `Host ${shown(req.headers.host)} is not allowed: use an IP address or localhost, or start the node with --rpc-allowed-host`,
      })
      return
    }
    const waitMs = this.limiter.take(this.clientKeyOf(req))
    if (waitMs > 0) {
      const r = this.rateLimited(waitMs)
      this.sendJson(res, r.status, r.body, r.headers)
      return
    }
    const asset = STATUS_PAGE_ASSETS.get(path === '/' ? '/index.html' : path)!
    res.writeHead(200, {
      'content-type': asset.contentType,
      'content-length': asset.body.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    })
    res.end(asset.body)
  }

  /** A Cosmos REST route: one rate-limit token, the body limit, and the route's JSON answer. */
  private async rest(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const started = performance.now()
    const waitMs = this.limiter.take(this.clientKeyOf(req))
    if (waitMs > 0) {
      const r = this.rateLimited(waitMs)
      return this.sendJson(res, r.status, r.body, r.headers)
    }
    const answer = await handleCosmosRest(this.comet, req.method ?? 'GET', path, () =>
      this.readBody(req, res),
    )
    if (answer === undefined) return // the body was refused (413) or the upload aborted
    const outcome = answer.status < 400 ? 'ok' : answer.status < 500 ? 'rejected' : 'error'
    this.deps.metrics?.onRpc('cosmos_rest', outcome, (performance.now() - started) / 1000)
    this.sendJson(res, answer.status, answer.body)
  }

  /**
   * Reads a body up to the limit; on overflow answers 413 itself and returns undefined. An
   * upload the client aborts (or the request timeout cuts) also gives undefined.
   */
  private readBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const limit = this.opts.maxBodyBytes
    const tooLarge = (): void => {
      this.sendJson(
        res,
        413,
        createJSONRPCErrorResponse(
          null,
          RpcErrorCode.LIMIT_EXCEEDED,
          `request body exceeds the limit of ${limit} bytes`,
        ),
      )
      this.discardUpload(req)
    }
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > limit) {
      tooLarge()
      return Promise.resolve(undefined)
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = []
      let size = 0
      let done = false
      const abort = (why: string): void => {
        if (done) return
        done = true
        this.deps.log.debug({ client: this.clientKeyOf(req), received: size, why }, 'rpc upload aborted')
        resolve(undefined)
      }
      req.on('data', (c: Buffer) => {
        if (done) return
        size += c.length
        if (size > limit) {
          done = true
          tooLarge()
          resolve(undefined)
          return
        }
        chunks.push(c)
      })
      req.on('end', () => {
        if (done) return
        done = true
        resolve(Buffer.concat(chunks).toString('utf8'))
      })
      req.on('error', (err) => abort(err.message))
      req.on('close', () => abort('connection closed'))
    })
  }

  /**
   * Reads and drops the rest of a refused upload, then the connection serves its next request; an
   * upload that goes on past {@link DISCARD_REFUSED_UPLOAD_BYTES} has its connection closed.
   */
  private discardUpload(req: IncomingMessage): void {
    let discarded = 0
    req.on('data', (c: Buffer) => {
      discarded += c.length
      if (discarded > DISCARD_REFUSED_UPLOAD_BYTES) req.socket.destroy()
    })
    req.resume()
  }

  /**
   * Parses, limits and dispatches one HTTP body or WebSocket message. Returns the response body
   * (null when every call was a notification) and the HTTP status to use. The text is checked
   * for depth before JSON.parse, and each call's envelope before json-rpc-2.0 sees it, so that
   * no input reaches recursive code (zod, JSON.stringify of an id) with a deep structure.
   */
  private async handleText(
    text: string,
    client: ClientContext,
  ): Promise<{
    status: number
    body: JSONRPCResponse | JSONRPCResponse[] | null
    headers?: Record<string, string>
  }> {
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      this.deps.metrics?.onRpc('unknown', 'rejected', 0)
      return {
        status: 200,
        body: createJSONRPCErrorResponse(
          null,
          RpcErrorCode.INVALID_REQUEST,
          `Invalid Request: arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels`,
        ),
      }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      this.deps.metrics?.onRpc('unknown', 'rejected', 0)
      return {
        status: 200,
        body: createJSONRPCErrorResponse(
          null,
          RpcErrorCode.PARSE_ERROR,
          `Parse error: ${(e as Error).message}`,
        ),
      }
    }
    const calls = Array.isArray(parsed) ? parsed.length : 1
    if (Array.isArray(parsed) && parsed.length === 0) {
      this.deps.metrics?.onRpc('unknown', 'rejected', 0)
      return {
        status: 200,
        body: createJSONRPCErrorResponse(null, RpcErrorCode.INVALID_REQUEST, 'Invalid Request: empty batch'),
      }
    }
    if (calls > this.opts.maxBatch) {
      this.deps.metrics?.onRpc('batch', 'rejected', 0)
      return {
        status: 413,
        body: createJSONRPCErrorResponse(
          null,
          RpcErrorCode.LIMIT_EXCEEDED,
          `batch of ${calls} requests exceeds the limit of ${this.opts.maxBatch}; split it`,
        ),
      }
    }
    const waitMs = this.limiter.take(client.ip, calls)
    if (waitMs > 0) return this.rateLimited(waitMs)
    if (!Array.isArray(parsed)) return { status: 200, body: await this.dispatch(parsed, client) }
    // each call of a batch is answered in place, a malformed one with its own -32600
    const responses = await Promise.all(parsed.map((call) => this.dispatch(call, client)))
    const answered = responses.filter((r): r is JSONRPCResponse => r !== null)
    return { status: 200, body: answered.length === 0 ? null : answered }
  }

  private rateLimited(waitMs: number): {
    status: number
    body: JSONRPCResponse
    headers: Record<string, string>
  } {
    this.deps.metrics?.onRpc('rate_limit', 'rejected', 0)
    return {
      status: 429,
      body: createJSONRPCErrorResponse(
        null,
        RpcErrorCode.RATE_LIMITED,
        `rate limit exceeded: ${this.opts.rateLimit.perSecond} calls/s per client (bursts of ${this.opts.rateLimit.burst}); retry in ${waitMs} ms`,
        { retryAfterMs: waitMs },
      ),
      headers: { 'retry-after': String(Math.ceil(waitMs / 1000)) },
    }
  }

  /** One call: -32600 for a bad envelope, else json-rpc-2.0 (null for a notification). */
  private dispatch(call: unknown, client: ClientContext): Promise<JSONRPCResponse | null> {
    const checked = checkEnvelope(call)
    if (!checked.ok) {
      this.deps.metrics?.onRpc('unknown', 'rejected', 0)
      return Promise.resolve(checked.response)
    }
    return Promise.resolve(this.rpc.receive(checked.request, client))
  }

  private clientKeyOf(req: IncomingMessage): string {
    return this.opts.clientKey?.(req) ?? clientAddress(req, this.opts.trustProxy)
  }

  /** 200 when the node's health check passes, else 503; the body is the check with its reasons. */
  private health(res: ServerResponse): void {
    const h = this.deps.node.getHealth({ maxHeadAgeMs: this.opts.maxHeadAgeMs })
    this.sendJson(res, h.status === 'ok' ? 200 : 503, { ...h, database: 'open' })
  }

  /**
   * Admits a WebSocket upgrade on `/ws`, or refuses it with a status line and a reason. The
   * socket has an error handler before anything is written, so a client that resets cannot
   * raise an unhandled 'error'.
   */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => {
      this.deps.log.debug({ err: err.message }, 'websocket upgrade socket error')
      socket.destroy()
    })
    const client = this.clientKeyOf(req)
    const refusal = this.upgradeRefusal(req, client)
    if (refusal !== undefined) {
      this.badClient.warn(
        { client, status: refusal.status, reason: refusal.reason },
        'websocket upgrade refused',
      )
      refuseUpgrade(socket, refusal.status, refusal.reason, refusal.headers)
      return
    }
    // counted from now until the socket closes, whether the handshake succeeds or not
    this.wsAdmitted++
    this.wsPerClient.set(client, (this.wsPerClient.get(client) ?? 0) + 1)
    socket.once('close', () => {
      this.wsAdmitted--
      const n = (this.wsPerClient.get(client) ?? 1) - 1
      if (n <= 0) this.wsPerClient.delete(client)
      else this.wsPerClient.set(client, n)
    })
    this.wss.handleUpgrade(req, socket, head, (ws) => this.handleWs(ws, client))
  }

  /**
   * Why an upgrade is refused, if it is: the path, the Host (DNS rebinding) and Origin
   * (cross-site pages) checks, the global and per-client connection caps, and last one
   * rate-limit token.
   */
  private upgradeRefusal(
    req: IncomingMessage,
    client: string,
  ): { status: number; reason: string; headers?: Record<string, string> } | undefined {
    const path = requestPath(req.url)
    if (path === undefined)
      return { status: 400, reason: `invalid request target ${shown(req.url)}; the WebSocket is GET /ws` }
    if (!WS_PATHS.has(path))
      return {
        status: 404,
        reason: `no such path ${path.slice(0, 200)}; the WebSocket is GET /ws (CometBFT clients: /websocket)`,
      }
    if (!isAllowedHost(req.headers.host, { boundHost: this.opts.host, allowed: this.opts.allowedHosts }))
      return {
        status: 403,
        reason: `Host ${shown(req.headers.host)} is not allowed: use an IP address or localhost, or start the node with --rpc-allowed-host`,
      }
    if (!isAllowedOrigin(req.headers.origin, this.opts.allowedOrigins, req.headers.host))
      return {
        status: 403,
        reason: `Origin ${shown(req.headers.origin)} is not allowed: only pages on this machine, or origins given with --cors-origin`,
      }
    if (this.wsAdmitted >= this.opts.maxWsConnections)
      return { status: 503, reason: `too many WebSocket connections (limit ${this.opts.maxWsConnections})` }
    if ((this.wsPerClient.get(client) ?? 0) >= this.opts.maxWsConnectionsPerClient)
      return {
        status: 429,
        reason: `too many WebSocket connections from this client (limit ${this.opts.maxWsConnectionsPerClient})`,
      }
    const waitMs = this.limiter.take(client)
    if (waitMs > 0)
      return {
        status: 429,
        reason: `rate limit exceeded; retry in ${waitMs} ms`,
        headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
      }
    return undefined
  }

  private handleWs(ws: WebSocket, key: string): void {
    const client: ClientContext = { ip: key, ws, subscriptions: new Map() }
    this.sockets.add(ws)
    this.clients.set(ws, client.subscriptions!)
    // any frame from the client (a message, a pong to our ping, its own ping) keeps it open
    const idleMs = this.opts.wsIdleTimeoutMs
    const idle = setTimeout(() => {
      this.deps.log.debug({ client: key, idleMs }, 'websocket idle: closing')
      ws.close(1001, `idle for ${idleMs} ms`)
      setTimeout(() => ws.terminate(), 1000).unref()
    }, idleMs)
    const pinger = setInterval(
      () => {
        if (ws.readyState === ws.OPEN) ws.ping()
      },
      Math.max(50, Math.floor(idleMs / 2)),
    )
    const alive = (): void => {
      idle.refresh()
    }
    ws.on('pong', alive)
    ws.on('ping', alive)
    ws.on('close', () => {
      this.sockets.delete(ws)
      clearTimeout(idle)
      clearInterval(pinger)
      for (const s of client.subscriptions!.values()) s.stop?.()
      client.subscriptions!.clear()
    })
    // ws closes the connection itself (1002 bad frame, 1007 bad UTF-8, 1009 too large)
    ws.on('error', (err) =>
      this.badClient.warn({ client: key, err: err.message }, 'websocket protocol error'),
    )
    ws.on('message', (data, isBinary) => {
      alive()
      if (isBinary) {
        this.sendWs(
          ws,
          createJSONRPCErrorResponse(
            null,
            RpcErrorCode.INVALID_REQUEST,
            'Invalid Request: send JSON text frames',
          ),
        )
        return
      }
      this.handleText(data.toString(), client)
        .then((r) => {
          if (r.body !== null) this.sendWs(ws, r.body)
        })
        .catch((err: unknown) => {
          this.deps.log.error({ err }, 'websocket message failed')
          this.sendWs(ws, createJSONRPCErrorResponse(null, RpcErrorCode.INTERNAL_ERROR, 'internal error'))
        })
    })
  }

  /** Answers on a WebSocket; a client that sends requests but does not read is dropped like a slow subscriber. */
  private sendWs(ws: WebSocket, body: unknown): void {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
      ws.terminate()
      return
    }
    ws.send(JSON.stringify(body))
  }

  private subscribe(client: ClientContext, params: unknown): string {
    if (client.ws === undefined || client.subscriptions === undefined) {
      throw rpcError(
        RpcErrorCode.WRONG_TRANSPORT,
        'subscriptions need a WebSocket: connect to ws://<host>:<port>/ws',
      )
    }
    const p = parseParams(subscribeParams, params)
    if (p.address !== undefined && !isValidAddress(p.address)) {
      throw rpcError(
        RpcErrorCode.INVALID_PARAMS,
        'invalid params: params.address: must be a gat bech32 address',
      )
    }
    this.checkEventFilter(p)
    this.checkGroupFilter(p)
    // before the limit: a node without group chains says so whatever the connection holds
    const groups = p.event === 'groupMessages' ? groupsOf(this.deps) : undefined
    if (client.subscriptions.size >= this.opts.maxSubscriptionsPerConnection) {
      throw rpcError(
        RpcErrorCode.LIMIT_EXCEEDED,
        `this connection already has ${client.subscriptions.size} subscriptions (limit ${this.opts.maxSubscriptionsPerConnection})`,
      )
    }
    const id = `0x${(this.nextSubscription++).toString(16)}`
    const ws = client.ws
    const stop =
      groups === undefined || p.groupId === undefined
        ? undefined
        : groups.subscribe(p.groupId, (m) => this.notify(ws, id, m))
    client.subscriptions.set(id, {
      id,
      event: p.event,
      ...(p.address === undefined ? {} : { address: p.address }),
      ...(p.type === undefined ? {} : { type: p.type }),
      ...(p.module === undefined ? {} : { module: p.module }),
      ...(p.groupId === undefined ? {} : { groupId: p.groupId }),
      ...(stop === undefined ? {} : { stop }),
    })
    return id
  }

  /** `groupId` is what a `groupMessages` subscription follows, and it takes no other filter. */
  private checkGroupFilter(p: z.infer<typeof subscribeParams>): void {
    const refuse = (reason: string): never => {
      throw rpcError(RpcErrorCode.INVALID_PARAMS, `invalid params: ${reason}`)
    }
    if (p.event !== 'groupMessages') {
      if (p.groupId !== undefined) refuse('params.groupId is for the groupMessages subscription only')
      return
    }
    if (p.groupId === undefined) refuse('params.groupId: the groupMessages subscription needs a group id')
    if (p.address !== undefined || p.type !== undefined || p.module !== undefined)
      refuse('the groupMessages subscription takes params.groupId only')
  }

  /**
   * The `events` filter: a type or a module, not both, and one the chain declares (a misspelt
   * filter is refused rather than silently matching nothing); neither for the other kinds.
   */
  private checkEventFilter(p: z.infer<typeof subscribeParams>): void {
    const refuse = (reason: string): never => {
      throw rpcError(RpcErrorCode.INVALID_PARAMS, `invalid params: ${reason}`)
    }
    if (p.event === 'groupMessages') return
    if (p.event !== 'events') {
      if (p.type !== undefined || p.module !== undefined)
        refuse('params.type and params.module filter the events subscription only')
      return
    }
    if (p.address !== undefined) refuse('params.address filters the txs subscription only')
    if (p.type !== undefined && p.module !== undefined) refuse('give params.type or params.module, not both')
    const types = this.deps.node.chain.machine.eventTypes
    const moduleOf = (t: string): string => t.split('.')[0]!
    const modules = [...new Set(types.map(moduleOf))]
    if (p.type !== undefined && !types.includes(p.type)) {
      const m = moduleOf(p.type)
      const known = modules.includes(m)
        ? `${m} emits ${types.filter((t) => moduleOf(t) === m).join(', ')}`
        : `modules with events: ${modules.join(', ')}`
      refuse(`params.type: unknown event type "${p.type}"; ${known}`)
    }
    if (p.module !== undefined && !modules.includes(p.module))
      refuse(
        `params.module: no module "${p.module}" emits events; modules with events: ${modules.join(', ')}`,
      )
  }

  private unsubscribe(client: ClientContext, params: unknown): boolean {
    if (client.subscriptions === undefined) {
      throw rpcError(
        RpcErrorCode.WRONG_TRANSPORT,
        'subscriptions need a WebSocket: connect to ws://<host>:<port>/ws',
      )
    }
    const id = parseParams(unsubscribeParams, params).subscription
    client.subscriptions.get(id)?.stop?.()
    return client.subscriptions.delete(id)
  }

  /**
   * CometBFT's `subscribe`: `tm.event='Tx'` and optional `key='value'` conditions; events come
   * with the subscribe request's id and the query. A query already subscribed is refused, as
   * CometBFT does.
   */
  private cometSubscribe(client: ClientContext, params: unknown): Record<string, never> {
    const subs = this.cometSubscriptions(client)
    const { query } = parseParams(cometQueryParams, params)
    const conditions = checkSubscribeQuery(query)
    if ([...subs.values()].some((s) => s.event === 'cometTx' && s.query === query))
      throw rpcError(RpcErrorCode.INVALID_PARAMS, 'invalid params: already subscribed to this query')
    if (subs.size >= this.opts.maxSubscriptionsPerConnection)
      throw rpcError(
        RpcErrorCode.LIMIT_EXCEEDED,
        `this connection already has ${subs.size} subscriptions (limit ${this.opts.maxSubscriptionsPerConnection})`,
      )
    const id = `0x${(this.nextSubscription++).toString(16)}`
    subs.set(id, { id, event: 'cometTx', query, conditions, requestId: client.requestId ?? null })
    return {}
  }

  /** CometBFT's `unsubscribe` of one query. */
  private cometUnsubscribe(client: ClientContext, params: unknown): Record<string, never> {
    const subs = this.cometSubscriptions(client)
    const { query } = parseParams(cometQueryParams, params)
    const found = [...subs.values()].find((s) => s.event === 'cometTx' && s.query === query)
    if (found === undefined) throw rpcError(RpcErrorCode.NOT_FOUND, 'subscription not found')
    subs.delete(found.id)
    return {}
  }

  /** CometBFT's `unsubscribe_all`: every CometBFT subscription of the connection. */
  private cometUnsubscribeAll(client: ClientContext, params: unknown): Record<string, never> {
    const subs = this.cometSubscriptions(client)
    parseParams(z.object({}).strict(), params)
    for (const [id, s] of subs) if (s.event === 'cometTx') subs.delete(id)
    return {}
  }

  private cometSubscriptions(client: ClientContext): Map<string, Subscription> {
    if (client.ws === undefined || client.subscriptions === undefined)
      throw rpcError(
        RpcErrorCode.WRONG_TRANSPORT,
        'subscriptions need a WebSocket: connect to ws://<host>:<port>/websocket',
      )
    return client.subscriptions
  }

  /** `finalHeads`: the block that just became final (a 2n/3+1 vote quorum), once per move. */
  private async publishFinal(height: number): Promise<void> {
    if (this.sockets.size === 0) return
    const b = await this.deps.node.chain.getBlock(height).catch(() => undefined)
    if (b === undefined) return
    const head = headView(b)
    for (const ws of this.sockets) {
      const subs = this.clients.get(ws)
      if (subs === undefined) continue
      for (const s of subs.values()) if (s.event === 'finalHeads') this.notify(ws, s.id, head)
    }
  }

  private publish(c: CommittedBlock): void {
    if (this.sockets.size === 0) return
    const head = headView(c)
    let notices: EventNotice[] | undefined
    for (const ws of this.sockets) {
      const subs = this.clients.get(ws)
      if (subs === undefined) continue
      for (const s of subs.values()) {
        if (s.event === 'newHeads') this.notify(ws, s.id, head)
        else if (s.event === 'finalHeads' || s.event === 'groupMessages') continue
        else if (s.event === 'cometTx') this.publishCometTxs(ws, s, c)
        else if (s.event === 'events') {
          notices ??= eventNotices(c)
          const events = notices.filter((e) =>
            s.type !== undefined
              ? e.type === s.type
              : s.module === undefined || e.type.startsWith(`${s.module}.`),
          )
          // a block with nothing this subscription wants sends nothing
          if (events.length > 0)
            this.notify(ws, s.id, { height: c.block.header.height, hash: hex(c.hash), events })
        } else {
          // signer and hash as the block's admission knew them (CommittedBlock.txs)
          c.results.forEach((r, i) => {
            const tx = c.txs[i]!
            const involved =
              s.address === undefined ||
              tx.signer === s.address ||
              r.events.some((e) => e.attributes.some((a) => a.value === s.address))
            if (!involved) return
            this.notify(ws, s.id, {
              hash: tx.hashHex,
              height: c.block.header.height,
              index: i,
              code: r.code,
              codespace: r.codespace,
              log: r.log,
              events: r.events,
            })
          })
        }
      }
    }
  }

  /** A block's transactions to a CometBFT Tx subscription: those its conditions match. */
  private publishCometTxs(ws: WebSocket, s: Subscription, c: CommittedBlock): void {
    c.results.forEach((result, index) => {
      const tx = c.txs[index]!
      const ev = cometTxEvent(s.query!, {
        raw: c.block.txs[index]!,
        hashHex: tx.hashHex,
        height: c.block.header.height,
        index,
        result,
      })
      if (matchesQuery(s.conditions!, ev.events))
        this.sendWs(ws, { jsonrpc: '2.0', id: s.requestId, result: ev.result })
    })
  }

  private notify(ws: WebSocket, subscription: string, result: unknown): void {
    if (ws.readyState !== ws.OPEN) return
    // A client that stops reading is dropped instead of buffering without bound.
    if (ws.bufferedAmount > MAX_WS_BUFFERED_BYTES) {
      ws.terminate()
      return
    }
    ws.send(
      JSON.stringify({ jsonrpc: '2.0', method: 'chain_subscription', params: { subscription, result } }),
    )
  }
}
