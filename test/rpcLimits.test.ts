import type { IncomingMessage } from 'node:http'
import { describe, expect, test } from '@jest/globals'
import WebSocket from 'ws'
import { RpcErrorCode } from '../rpc/errors.js'
import { transferTx } from './helpers/devnet.js'
import { call, post, type RpcNode, type RpcReply, startRpcNode } from './helpers/rpcNode.js'
import { waitFor } from './helpers/wait.js'

/** A signed faucet -> validator transfer at the faucet's current sequence. */
function faucetTransfer(n: RpcNode, amount = 1_000n, sequenceOffset = 0n): string {
  const acc = n.node.query.token.getAccount({ address: n.keys.faucet.address })
  const raw = transferTx(n.keys.faucet, n.keys.validator.address, amount, {
    chainId: n.genesis.chainId,
    accountNumber: BigInt(acc.accountNumber),
    sequence: BigInt(acc.sequence) + sequenceOffset,
  })
  return Buffer.from(raw).toString('base64')
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/** Sends one request over a WebSocket and resolves with the response of the same id. */
function wsCall(ws: WebSocket, id: number, method: string, params: unknown): Promise<RpcReply> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const m = JSON.parse(data.toString()) as RpcReply
      if (m.id === id) {
        ws.off('message', onMessage)
        resolve(m)
      }
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
  })
}

async function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return
  await new Promise<void>((resolve) => {
    ws.once('close', () => resolve())
    ws.close()
  })
}

describe('JSON-RPC: malformed requests get the standard errors', () => {
  test('parse error, invalid request, unknown method, invalid params, wrong HTTP method or path', async () => {
    const n = await startRpcNode()
    try {
      // -32700: not JSON
      const parse = await post(n.url, '{"jsonrpc":"2.0","id":1,"method":')
      expect(parse.status).toBe(200)
      expect((parse.json as RpcReply).error?.code).toBe(RpcErrorCode.PARSE_ERROR)
      expect((parse.json as RpcReply).id).toBeNull()

      // -32600: JSON but not a JSON-RPC 2.0 request
      for (const bad of [{ foo: 1 }, { jsonrpc: '1.0', id: 7, method: 'chain_getStatus' }, '42', '"x"']) {
        const r = await post(n.url, bad)
        expect((r.json as RpcReply).error?.code).toBe(RpcErrorCode.INVALID_REQUEST)
      }
      const empty = await post(n.url, [])
      expect((empty.json as RpcReply).error).toMatchObject({
        code: RpcErrorCode.INVALID_REQUEST,
        message: expect.stringContaining('empty batch'),
      })

      // -32601: the message names the method (and lists the real ones)
      const unknown = await call(n.url, 'chain_getNothing', {})
      expect(unknown.reply.id).toBe(1)
      expect(unknown.reply.error?.code).toBe(RpcErrorCode.METHOD_NOT_FOUND)
      expect(unknown.reply.error?.message).toContain('chain_getNothing')
      expect(unknown.reply.error?.message).toContain('chain_getStatus')

      // -32602: every message names the field at fault
      const invalid: [string, unknown, string][] = [
        ['chain_getBlock', { height: '1' }, 'params.height'],
        ['chain_getBlock', { height: -3 }, 'params.height'],
        ['chain_getStatus', { verbose: true }, 'verbose'],
        ['account_get', { addr: 'gat1xyz' }, 'addr'],
        ['account_get', { address: 'gat1notanaddress' }, 'params.address'],
        ['account_get', { address: 12 }, 'params.address'],
        ['account_get', {}, 'params.address'],
        ['chain_getTx', { hash: 'zz'.repeat(32) }, 'params.hash'],
        ['chain_getTx', { hash: 'abc' }, 'params.hash'],
        ['tx_broadcast', { tx: 'not base64!' }, 'params.tx'],
        ['tx_broadcastCommit', { tx: 'AAAA', timeoutMs: 'soon' }, 'params.timeoutMs'],
        ['state_getProof', { key: '' }, 'params.key'],
      ]
      for (const [method, params, field] of invalid) {
        const r = await call(n.url, method, params)
        expect({ method, params, error: r.reply.error?.code }).toEqual({
          method,
          params,
          error: RpcErrorCode.INVALID_PARAMS,
        })
        expect(r.reply.error?.message).toContain(field)
      }
      const positional = await call(n.url, 'account_get', [n.keys.faucet.address])
      expect(positional.reply.error?.code).toBe(RpcErrorCode.INVALID_PARAMS)
      expect(positional.reply.error?.message).toContain('named parameters')

      // HTTP level: GET / is the status page, another method on / -> 405 with Allow, an unknown path -> 404
      const page = await fetch(n.url)
      expect(page.status).toBe(200)
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
      const put = await fetch(n.url, { method: 'PUT', body: '{}' })
      expect(put.status).toBe(405)
      expect(put.headers.get('allow')).toBe('GET, POST')
      expect(((await put.json()) as RpcReply).error?.code).toBe(RpcErrorCode.INVALID_REQUEST)
      const nowhere = await fetch(new URL('/nowhere', n.url), { method: 'POST', body: '{}' })
      expect(nowhere.status).toBe(404)
      expect(await nowhere.text()).toContain('/nowhere')

      // a notification (no id) gets no body at all
      const note = await post(n.url, { jsonrpc: '2.0', method: 'chain_getStatus', params: {} })
      expect(note.status).toBe(204)
      expect(note.text).toBe('')
      const notes = await post(n.url, [
        { jsonrpc: '2.0', method: 'chain_getStatus' },
        { jsonrpc: '2.0', method: 'token_getSupply' },
      ])
      expect(notes.status).toBe(204)

      // a batch mixing good and bad calls answers each in place
      const mixed = await post(n.url, [
        { jsonrpc: '2.0', id: 'a', method: 'chain_getStatus' },
        { jsonrpc: '2.0', id: 'b', method: 'nope' },
        { jsonrpc: '2.0', id: 'c', method: 'account_get', params: { address: n.keys.faucet.address } },
      ])
      const byId = new Map((mixed.json as RpcReply[]).map((r) => [r.id, r]))
      expect(byId.get('a')?.result).toMatchObject({ chainId: n.genesis.chainId, height: 0 })
      expect(byId.get('b')?.error?.code).toBe(RpcErrorCode.METHOD_NOT_FOUND)
      expect(byId.get('c')?.result).toMatchObject({ address: n.keys.faucet.address, sequence: '0' })

      // and the node still answers
      const status = await call(n.url, 'chain_getStatus', {})
      expect(status.reply.result).toMatchObject({ chainId: n.genesis.chainId })
    } finally {
      await n.close()
    }
  })
})

describe('JSON-RPC: domain errors', () => {
  test('bad tx -> -32002 with data.code; not found -> -32001; broadcastCommit success and timeout', async () => {
    const n = await startRpcNode()
    try {
      const malformed = await call(n.url, 'tx_broadcast', { tx: Buffer.from('garbage').toString('base64') })
      expect(malformed.reply.error).toMatchObject({
        code: RpcErrorCode.TX_REJECTED,
        data: { code: 'TX_MALFORMED' },
      })
      expect(malformed.reply.error?.message).toMatch(/malformed/i)
      const replay = await call(n.url, 'tx_broadcast', { tx: faucetTransfer(n, 1n, 5n) })
      expect(replay.reply.error).toMatchObject({ code: RpcErrorCode.TX_REJECTED })
      expect(typeof (replay.reply.error!.data as { code?: unknown }).code).toBe('string')
      expect(n.node.mempool.size).toBe(0)

      const noBlock = await call(n.url, 'chain_getBlock', { height: 999 })
      expect(noBlock.reply.error).toMatchObject({ code: RpcErrorCode.NOT_FOUND })
      expect(noBlock.reply.error?.message).toContain('999')
      const noBlockHash = await call(n.url, 'chain_getBlock', { hash: 'ab'.repeat(32) })
      expect(noBlockHash.reply.error?.code).toBe(RpcErrorCode.NOT_FOUND)
      const noTx = await call(n.url, 'chain_getTx', { hash: 'cd'.repeat(32) })
      expect(noTx.reply.error?.code).toBe(RpcErrorCode.NOT_FOUND)
      expect(noTx.reply.error?.message).toContain('cd'.repeat(32))

      // tx_broadcastCommit answers once a block includes the transaction
      const commit = call(n.url, 'tx_broadcastCommit', { tx: faucetTransfer(n, 2_000n), timeoutMs: 10_000 })
      await waitFor('the transaction in the mempool', () => n.node.mempool.size === 1, 10_000)
      const block = await n.node.produceBlock()
      const committed = (await commit).reply
      expect(committed.error).toBeUndefined()
      expect(committed.result).toMatchObject({ height: block.block.header.height, index: 0, code: 0 })
      const hash = (committed.result as { hash: string }).hash
      const found = await call(n.url, 'chain_getTx', { hash })
      expect(found.reply.result).toMatchObject({ hash, height: 1, code: 0 })

      // ... and gives up with -32003 (and the hash) when no block comes
      const slow = await call(n.url, 'tx_broadcastCommit', { tx: faucetTransfer(n, 3_000n), timeoutMs: 300 })
      expect(slow.reply.error?.code).toBe(RpcErrorCode.TIMEOUT)
      expect((slow.reply.error!.data as { hash?: string }).hash).toMatch(/^[0-9A-Fa-f]{64}$/)
      // the transaction stays admitted: a later block includes it
      expect(n.node.mempool.size).toBe(1)
      const pending = await call(n.url, 'chain_getTx', {
        hash: (slow.reply.error!.data as { hash: string }).hash,
      })
      expect(pending.reply.error).toMatchObject({ code: RpcErrorCode.NOT_FOUND, data: { pending: true } })
    } finally {
      await n.close()
    }
  })
})

describe('JSON-RPC: size and count limits', () => {
  test('a body over maxBodyBytes -> HTTP 413 + -32006, and the server keeps serving', async () => {
    const n = await startRpcNode({ rpc: { maxBodyBytes: 1024 } })
    try {
      const big = { jsonrpc: '2.0', id: 1, method: 'tx_broadcast', params: { tx: 'A'.repeat(4096) } }
      const r = await post(n.url, big)
      expect(r.status).toBe(413)
      expect((r.json as RpcReply).error).toMatchObject({
        code: RpcErrorCode.LIMIT_EXCEEDED,
        message: expect.stringContaining('1024 bytes'),
      })
      expect(n.node.mempool.size).toBe(0)
      // chunked (no content-length): the limit is enforced while reading
      const chunked = await fetch(n.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode(' '.repeat(512)))
            c.close()
          },
        }),
        duplex: 'half',
      } as RequestInit)
      expect(chunked.status).toBe(413)
      const ok = await call(n.url, 'chain_getStatus', {})
      expect(ok.reply.result).toMatchObject({ chainId: n.genesis.chainId })
    } finally {
      await n.close()
    }
  })

  test('a client still sending a body far over the limit reads the 413 (the server drains before it closes)', async () => {
    const n = await startRpcNode({ rpc: { maxBodyBytes: 1024 } })
    try {
      // 2 MiB in 64 KiB chunks, each a timer tick after the last: the 413 is answered while the
      // client still sends. A server that closed once it had answered made fetch fail (EPIPE).
      const paced = (declare: boolean) =>
        fetch(n.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(declare ? { 'content-length': String(32 * 65_536) } : {}),
          },
          body: (() => {
            let sent = 0
            return new ReadableStream<Uint8Array>({
              async pull(c) {
                await new Promise((r) => setTimeout(r, 1))
                c.enqueue(new Uint8Array(65_536).fill(32))
                if (++sent === 32) c.close()
              },
            })
          })(),
          duplex: 'half',
        } as RequestInit).then(
          async (r) => `${r.status} ${((await r.json()) as RpcReply).error?.code}`,
          (e: Error) => `${e.message}: ${(e.cause as Error | undefined)?.message}`,
        )
      const statuses = await Promise.all([paced(true), paced(false), paced(true), paced(false)])
      expect(statuses).toEqual(Array(4).fill(`413 ${RpcErrorCode.LIMIT_EXCEEDED}`))
      // an upload past what the server drains has its connection closed; the server keeps serving
      const endless = await fetch(n.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          pull(c) {
            c.enqueue(new Uint8Array(1 << 20).fill(32))
          },
        }),
        duplex: 'half',
      } as RequestInit).then(
        (r) => r.status,
        (e: Error) => (e.cause as Error | undefined)?.message ?? e.message,
      )
      expect(String(endless)).toMatch(/^413$|EPIPE|ECONNRESET|other side closed|socket/)
      const ok = await call(n.url, 'chain_getStatus', {})
      expect(ok.reply.result).toMatchObject({ chainId: n.genesis.chainId })
      expect(n.node.mempool.size).toBe(0)
    } finally {
      await n.close()
    }
  })

  test('a batch of 10,000 -> -32006 naming the limit, and none of it is executed', async () => {
    // a body limit large enough that the batch limit is what refuses it
    const n = await startRpcNode({ rpc: { maxBodyBytes: 16 * 1024 * 1024 } })
    try {
      const tx = faucetTransfer(n)
      const batch = Array.from({ length: 10_000 }, (_, i) => ({
        jsonrpc: '2.0',
        id: i,
        method: 'tx_broadcast',
        params: { tx },
      }))
      const r = await post(n.url, batch)
      expect(r.status).toBe(413)
      const err = (r.json as RpcReply).error
      expect(err?.code).toBe(RpcErrorCode.LIMIT_EXCEEDED)
      expect(err?.message).toContain('10000')
      expect(err?.message).toContain('limit of 100')
      expect(n.node.mempool.size).toBe(0)
      // exactly the limit is fine
      const atLimit = await post(
        n.url,
        Array.from({ length: 100 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'chain_getStatus' })),
      )
      expect(atLimit.status).toBe(200)
      expect(atLimit.json as RpcReply[]).toHaveLength(100)
    } finally {
      await n.close()
    }
  })

  test('WebSocket connection cap, subscription cap per connection, subscriptions need /ws', async () => {
    const n = await startRpcNode({ rpc: { maxWsConnections: 2, maxSubscriptionsPerConnection: 2 } })
    const open: WebSocket[] = []
    try {
      const overHttp = await call(n.url, 'chain_subscribe', { event: 'newHeads' })
      expect(overHttp.reply.error?.code).toBe(RpcErrorCode.WRONG_TRANSPORT)
      expect(overHttp.reply.error?.message).toContain('/ws')
      const unsubHttp = await call(n.url, 'chain_unsubscribe', { subscription: '0x1' })
      expect(unsubHttp.reply.error?.code).toBe(RpcErrorCode.WRONG_TRANSPORT)

      open.push(await openWs(n.wsUrl), await openWs(n.wsUrl))
      const refused = await openWs(n.wsUrl).then(
        (ws) => {
          open.push(ws)
          return 'opened'
        },
        (e: Error) => e.message,
      )
      expect(refused).toContain('503')

      const ws = open[0]!
      expect((await wsCall(ws, 1, 'chain_subscribe', { event: 'newHeads' })).result).toMatch(/^0x/)
      expect((await wsCall(ws, 2, 'chain_subscribe', { event: 'finalHeads' })).result).toMatch(/^0x/)
      const third = await wsCall(ws, 3, 'chain_subscribe', { event: 'txs' })
      expect(third.error?.code).toBe(RpcErrorCode.LIMIT_EXCEEDED)
      expect(third.error?.message).toContain('limit 2')
      const badEvent = await wsCall(ws, 4, 'chain_subscribe', { event: 'everything' })
      expect(badEvent.error?.code).toBe(RpcErrorCode.INVALID_PARAMS)
      expect(badEvent.error?.message).toContain('params.event')
      // plain calls work over the socket too
      expect((await wsCall(ws, 5, 'chain_getStatus', {})).result).toMatchObject({ height: 0 })

      // closing a connection frees a slot, once the server has seen the close: nothing tells a
      // client when, so the opening is polled (bounded)
      await closeWs(open.pop()!)
      let again: WebSocket | undefined
      for (let i = 0; i < 50 && again === undefined; i++) {
        again = await openWs(n.wsUrl).catch(() => undefined)
        if (again === undefined) await new Promise((r) => setTimeout(r, 20))
      }
      expect(again).toBeDefined()
      open.push(again!)
    } finally {
      for (const ws of open) ws.terminate()
      await n.close()
    }
  })
})

describe('JSON-RPC: rate limit', () => {
  test('a flood beyond the limit -> HTTP 429 + -32005 with a retry hint; another client and the node carry on', async () => {
    // Every test client is 127.0.0.1, so the test keys clients by a header, through the
    // server's clientKey option (the way a deployment behind a trusted proxy would).
    const clientKey = (req: IncomingMessage): string =>
      String(req.headers['x-test-client'] ?? req.socket.remoteAddress)
    const n = await startRpcNode({
      produce: true,
      blockTimeMs: 200,
      rpc: { rateLimit: { perSecond: 1, burst: 10 }, clientKey },
    })
    try {
      const heightBefore = n.node.chain.head.height
      const flooder = { 'x-test-client': 'flooder' }
      const other = { 'x-test-client': 'other' }
      const flood = await Promise.all(
        Array.from({ length: 40 }, () => call(n.url, 'chain_getStatus', {}, flooder)),
      )
      const served = flood.filter((r) => r.status === 200)
      const limited = flood.filter((r) => r.status === 429)
      expect(served.length).toBeGreaterThanOrEqual(10)
      expect(served.length).toBeLessThanOrEqual(20)
      expect(limited.length).toBeGreaterThan(0)
      for (const r of limited) {
        expect(r.reply.error?.code).toBe(RpcErrorCode.RATE_LIMITED)
        expect(r.reply.error?.message).toMatch(/retry in \d+ ms/)
        expect((r.reply.error!.data as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0)
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      }
      // a batch costs one token per call (5 tokens: 5 s of refill at 1/s)
      const batch = Array.from({ length: 5 }, (_, i) => ({
        jsonrpc: '2.0',
        id: i,
        method: 'chain_getStatus',
      }))
      expect((await post(n.url, batch, flooder)).status).toBe(429)

      // the other client keeps getting correct answers while the flooder is limited
      for (let i = 0; i < 5; i++) {
        const r = await call(n.url, 'account_get', { address: n.keys.faucet.address }, other)
        expect(r.status).toBe(200)
        expect(r.reply.result).toMatchObject({ address: n.keys.faucet.address })
        expect((await post(n.url, batch, flooder)).status).toBe(429)
      }

      // the node keeps producing, and the flooder is served again after the hint
      await waitFor('three more blocks', () => n.node.chain.head.height >= heightBefore + 3, 10_000)
      const wait = (limited[limited.length - 1]!.reply.error!.data as { retryAfterMs: number }).retryAfterMs
      // the hint itself is under test (served again once it has passed): the limiter refills
      // with time, so waiting it out is the one sleep here, with no event to wait for instead
      await new Promise((r) => setTimeout(r, Math.max(wait, 250)))
      const after = await call(n.url, 'chain_getStatus', {}, flooder)
      expect(after.status).toBe(200)
      expect((after.reply.result as { height: number }).height).toBeGreaterThan(heightBefore)

      // rejected calls are counted
      const text = (await n.metrics.render()).body
      expect(text).toMatch(/gather_rpc_requests_total\{method="rate_limit",outcome="rejected"\} [1-9]/)
    } finally {
      await n.close()
    }
  })
})
