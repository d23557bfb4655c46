import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createJSONRPCErrorResponse,
  type JSONRPCRequest,
  type JSONRPCResponse,
  JSONRPCServer,
  type JSONRPCServerMiddleware,
} from 'json-rpc-2.0'
import { type WebSocket, WebSocketServer } from 'ws'
import { z } from 'zod'
import type { CommittedBlock } from '../chain/blockchain.js'
import { isValidAddress } from '../chain/crypto/address.js'
import type { Logger } from '../chain/logger.js'
import type { RpcMetrics } from '../chain/metrics.js'
import type { GatherNode } from '../chain/node.js'
import { decodeTx } from '../chain/tx/decodeTx.js'
import { RpcErrorCode, rpcError, toRpcError } from './errors.js'
import { type RpcMethod, rpcMethods } from './methods.js'
import { RateLimiter, type RateLimitOptions } from './rateLimit.js'

/** Limits and address of the gateway. */
export interface RpcServerOptions {
  host: string
  port: number
  /** largest request body (HTTP) or message (WebSocket), bytes */
  maxBodyBytes: number
  /** most calls in one batch */
  maxBatch: number
  rateLimit: RateLimitOptions
  maxWsConnections: number
  maxSubscriptionsPerConnection: number
  /**
   * /health reports stale when the head is older than this (or ten block times); the other
   * thresholds (finality lag, missed slots) are the node's (`NodeOptions.health`)
   */
  maxHeadAgeMs: number
  /**
   * The rate-limit key of a request or WebSocket connection. Default: the remote address. Behind
   * a trusted reverse proxy, derive it from the proxy's header instead (never trust such a header
   * from the open internet: a client could pick its own bucket).
   */
  clientKey?: (req: IncomingMessage) => string
}

/** Defaults: loopback only, 1 MiB bodies, batches of 100, 200 calls/s per client with bursts of 400. */
export function defaultRpcOptions(): RpcServerOptions {
  return {
    host: '127.0.0.1',
    port: 26657,
    maxBodyBytes: 1024 * 1024,
    maxBatch: 100,
    rateLimit: { perSecond: 200, burst: 400 },
    maxWsConnections: 100,
    maxSubscriptionsPerConnection: 16,
    maxHeadAgeMs: 60_000,
  }
}

/** Subscription kinds of `chain_subscribe`. */
export const SUBSCRIPTION_EVENTS = ['newHeads', 'finalHeads', 'txs'] as const

interface Subscription {
  id: string
  event: (typeof SUBSCRIPTION_EVENTS)[number]
  address?: string
}

interface ClientContext {
  /** rate-limit key (the remote address unless `clientKey` says otherwise) */
  ip: string
  ws?: WebSocket
  subscriptions?: Map<string, Subscription>
}

const subscribeParams = z
  .object({
    event: z.enum(SUBSCRIPTION_EVENTS),
    address: z.string().max(128).optional(),
  })
  .strict()
const unsubscribeParams = z.object({ subscription: z.string().max(64) }).strict()

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

function headView(c: CommittedBlock): Record<string, unknown> {
  const h = c.block.header
  return {
    height: h.height,
    hash: Buffer.from(c.hash).toString('hex'),
    slot: h.slot,
    time: new Date(h.timeMs).toISOString(),
    proposer: Buffer.from(h.proposer).toString('hex'),
    stateRoot: Buffer.from(h.stateRoot).toString('hex'),
    txs: c.block.txs.length,
  }
}

/**
 * The JSON-RPC 2.0 gateway: HTTP POST (with batches) on `/`, subscriptions on `/ws`,
 * Prometheus text on `GET /metrics`, readiness on `GET /health`. Framing, batches and the
 * standard errors come from json-rpc-2.0 and ws; this class adds params schemas, limits, rate
 * limiting and subscriptions. It never writes state except by submitting transactions.
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
  private readonly sockets = new Set<WebSocket>()
  /** subscriptions of each open WebSocket */
  private readonly clients = new WeakMap<WebSocket, Map<string, Subscription>>()
  private nextSubscription = 1
  private readonly onBlock: (c: CommittedBlock) => void
  private readonly onFinal: (f: { height: number; hash: Uint8Array }) => void

  constructor(
    private readonly opts: RpcServerOptions,
    private readonly deps: { node: GatherNode; metrics?: RpcMetrics; log: Logger },
  ) {
    this.limiter = new RateLimiter(opts.rateLimit)
    for (const [name, m] of Object.entries(rpcMethods) as [string, RpcMethod][]) {
      this.rpc.addMethod(name, (params) => m.handler(deps.node, parseParams(m.params, params)))
    }
    this.rpc.addMethod('chain_subscribe', (params, client) => this.subscribe(client, params))
    this.rpc.addMethod('chain_unsubscribe', (params, client) => this.unsubscribe(client, params))
    this.rpc.applyMiddleware(this.measure())
    const known = [...Object.keys(rpcMethods), 'chain_subscribe', 'chain_unsubscribe'].sort().join(', ')
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
    this.http = createServer((req, res) => {
      this.handleHttp(req, res).catch((err: unknown) => {
        deps.log.error({ err }, 'rpc request failed')
        if (!res.headersSent)
          this.sendJson(
            res,
            500,
            createJSONRPCErrorResponse(null, RpcErrorCode.INTERNAL_ERROR, 'internal error'),
          )
      })
    })
    this.http.headersTimeout = 10_000
    this.http.requestTimeout = 60_000
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxBodyBytes })
    this.http.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname
      if (path !== '/ws') {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
        return
      }
      if (this.sockets.size >= opts.maxWsConnections) {
        socket.end(
          `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\ntoo many WebSocket connections (limit ${opts.maxWsConnections})`,
        )
        return
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.handleWs(ws, req))
    })
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
        const a = this.http.address() as AddressInfo
        const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
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
      const known =
        request.method in rpcMethods ||
        request.method === 'chain_subscribe' ||
        request.method === 'chain_unsubscribe'
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

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method === 'GET' && path === '/metrics') {
      if (this.deps.metrics === undefined) return this.sendJson(res, 404, { error: 'metrics are disabled' })
      const m = await this.deps.metrics.render()
      res.writeHead(200, { 'content-type': m.contentType })
      res.end(m.body)
      return
    }
    if (req.method === 'GET' && path === '/health') return this.health(res)
    if (path !== '/') return this.sendJson(res, 404, { error: `no such path ${path}; JSON-RPC is POST /` })
    if (req.method !== 'POST') {
      return this.sendJson(
        res,
        405,
        createJSONRPCErrorResponse(null, RpcErrorCode.INVALID_REQUEST, 'JSON-RPC requests must be HTTP POST'),
        { allow: 'POST' },
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

  /** Reads a body up to the limit; on overflow answers 413 itself and returns undefined. */
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
        { connection: 'close' },
      )
    }
    const declared = Number(req.headers['content-length'] ?? '0')
    if (declared > limit) {
      tooLarge()
      req.resume()
      return Promise.resolve(undefined)
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      let done = false
      req.on('data', (c: Buffer) => {
        if (done) return
        size += c.length
        if (size > limit) {
          done = true
          tooLarge()
          req.resume()
          resolve(undefined)
          return
        }
        chunks.push(c)
      })
      req.on('end', () => {
        if (!done) resolve(Buffer.concat(chunks).toString('utf8'))
      })
      req.on('error', reject)
    })
  }

  /**
   * Parses, limits and dispatches one HTTP body or WebSocket message. Returns the response body
   * (null when every call was a notification) and the HTTP status to use.
   */
  private async handleText(
    text: string,
    client: ClientContext,
  ): Promise<{
    status: number
    body: JSONRPCResponse | JSONRPCResponse[] | null
    headers?: Record<string, string>
  }> {
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
    if (waitMs > 0) {
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
    const body = await this.rpc.receive(parsed as JSONRPCRequest | JSONRPCRequest[], client)
    const empty = body === null || (Array.isArray(body) && body.length === 0)
    return { status: 200, body: empty ? null : body }
  }

  private clientKeyOf(req: IncomingMessage): string {
    return this.opts.clientKey?.(req) ?? req.socket.remoteAddress ?? 'unknown'
  }

  /** 200 when the node's health check passes, else 503; the body is the check with its reasons. */
  private health(res: ServerResponse): void {
    const h = this.deps.node.getHealth({ maxHeadAgeMs: this.opts.maxHeadAgeMs })
    this.sendJson(res, h.status === 'ok' ? 200 : 503, { ...h, database: 'open' })
  }

  private handleWs(ws: WebSocket, req: IncomingMessage): void {
    const client: ClientContext = { ip: this.clientKeyOf(req), ws, subscriptions: new Map() }
    this.sockets.add(ws)
    this.clients.set(ws, client.subscriptions!)
    ws.on('close', () => this.sockets.delete(ws))
    ws.on('error', () => ws.terminate())
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(
          JSON.stringify(
            createJSONRPCErrorResponse(null, RpcErrorCode.INVALID_REQUEST, 'send JSON text frames'),
          ),
        )
        return
      }
      this.handleText(data.toString(), client)
        .then((r) => {
          if (r.body !== null && ws.readyState === ws.OPEN) ws.send(JSON.stringify(r.body))
        })
        .catch((err: unknown) => this.deps.log.error({ err }, 'websocket message failed'))
    })
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
    if (client.subscriptions.size >= this.opts.maxSubscriptionsPerConnection) {
      throw rpcError(
        RpcErrorCode.LIMIT_EXCEEDED,
        `this connection already has ${client.subscriptions.size} subscriptions (limit ${this.opts.maxSubscriptionsPerConnection})`,
      )
    }
    const id = `0x${(this.nextSubscription++).toString(16)}`
    client.subscriptions.set(id, {
      id,
      event: p.event,
      ...(p.address === undefined ? {} : { address: p.address }),
    })
    return id
  }

  private unsubscribe(client: ClientContext, params: unknown): boolean {
    if (client.subscriptions === undefined) {
      throw rpcError(
        RpcErrorCode.WRONG_TRANSPORT,
        'subscriptions need a WebSocket: connect to ws://<host>:<port>/ws',
      )
    }
    return client.subscriptions.delete(parseParams(unsubscribeParams, params).subscription)
  }

  /** `finalHeads`: the block that just became final (a 2n/3+1 vote quorum), once per move. */
  private async publishFinal(height: number): Promise<void> {
    if (this.sockets.size === 0) return
    const b = await this.deps.node.chain.getBlock(height).catch(() => undefined)
    if (b === undefined) return
    const h = b.block.header
    const head = {
      height: h.height,
      hash: Buffer.from(b.hash).toString('hex'),
      slot: h.slot,
      time: new Date(h.timeMs).toISOString(),
      proposer: Buffer.from(h.proposer).toString('hex'),
      stateRoot: Buffer.from(h.stateRoot).toString('hex'),
      txs: b.block.txs.length,
    }
    for (const ws of this.sockets) {
      const subs = this.clients.get(ws)
      if (subs === undefined) continue
      for (const s of subs.values()) if (s.event === 'finalHeads') this.notify(ws, s.id, head)
    }
  }

  private publish(c: CommittedBlock): void {
    if (this.sockets.size === 0) return
    const head = headView(c)
    let signers: string[] | undefined
    const txSigners = (): string[] => {
      signers ??= c.block.txs.map((raw) => {
        try {
          return decodeTx(raw, Number.MAX_SAFE_INTEGER).signer
        } catch {
          return ''
        }
      })
      return signers
    }
    for (const ws of this.sockets) {
      const subs = this.clients.get(ws)
      if (subs === undefined) continue
      for (const s of subs.values()) {
        if (s.event === 'newHeads') this.notify(ws, s.id, head)
        else if (s.event === 'finalHeads') continue
        else {
          const all = txSigners()
          c.results.forEach((r, i) => {
            const involved =
              s.address === undefined ||
              all[i] === s.address ||
              r.events.some((e) => e.attributes.some((a) => a.value === s.address))
            if (!involved) return
            this.notify(ws, s.id, {
              hash: Buffer.from(c.txHashes[i]!).toString('hex').toUpperCase(),
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

  private notify(ws: WebSocket, subscription: string, result: unknown): void {
    if (ws.readyState !== ws.OPEN) return
    // A client that stops reading is dropped instead of buffering without bound.
    if (ws.bufferedAmount > 16 * 1024 * 1024) {
      ws.terminate()
      return
    }
    ws.send(
      JSON.stringify({ jsonrpc: '2.0', method: 'chain_subscription', params: { subscription, result } }),
    )
  }
}
