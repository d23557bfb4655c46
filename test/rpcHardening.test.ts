import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { RpcErrorCode } from '../rpc/errors.js'
import { type DevnetProcess, freePort, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { post, type RpcReply } from './helpers/rpcNode.js'
import { waitFor } from './helpers/wait.js'
import {
  logProblems,
  openWs,
  parseRawResponse,
  rawExchange,
  upgradeRequest,
  type WsPeer,
  waitForNewBlock,
} from './helpers/wire.js'

/**
 * The JSON-RPC gateway against bad clients, on real `gather devnet` processes: requests that used
 * to kill the node, malformed envelopes, WebSocket admission and idle timeouts, HTTP timeouts,
 * metric labels, the rate-limit and proxy flags, and the CLI's message for a wrong address.
 */

const IDLE_MS = 1500
const HEADERS_MS = 1500
const REQUEST_MS = 3000
const APP_ORIGIN = 'https://app.example.org'
const PROXY_HOST = 'rpc.example.org'

let tmp: { dir: string; cleanup: () => Promise<void> }
/** rate limit off, short timeouts, an allowed origin and host */
let main: DevnetProcess
/** 5 calls/s per client, clients by socket address */
let limited: DevnetProcess
/** 5 calls/s per client, clients by X-Forwarded-For */
let proxied: DevnetProcess

const portOf = (d: DevnetProcess): number => Number(new URL(d.rpc).port)
const wsUrlOf = (d: DevnetProcess, path = '/ws'): string => `ws://127.0.0.1:${portOf(d)}${path}`

/** The node is alive, still produces blocks, and has logged no error and no stack. */
async function expectServing(d: DevnetProcess): Promise<void> {
  expect({ exitCode: d.child.exitCode, signal: d.child.signalCode }).toEqual({ exitCode: null, signal: null })
  await waitForNewBlock(d.client)
  expect(logProblems(d.output())).toEqual([])
}

function deep(n: number, leaf = '1'): string {
  return `${'['.repeat(n)}${leaf}${']'.repeat(n)}`
}

/** The inputs that got HTTP 500 / -32603 (and an error stack) or no WebSocket answer. */
const malformed: { name: string; body: string; id: unknown; batch?: boolean }[] = [
  { name: 'a body of null', body: 'null', id: null },
  { name: 'a batch of [null]', body: '[null]', id: null, batch: true },
  { name: 'method an object', body: '{"jsonrpc":"2.0","id":1,"method":{"toString":"x"}}', id: 1 },
  { name: 'method a 100k-deep array', body: `{"jsonrpc":"2.0","id":1,"method":${deep(100_000)}}`, id: null },
  {
    name: 'id nested 100k deep',
    body: `{"jsonrpc":"2.0","id":${deep(100_000)},"method":"chain_getStatus"}`,
    id: null,
  },
]

beforeAll(async () => {
  tmp = await tempDir('gather-rpc-hardening-')
  ;[main, limited, proxied] = await Promise.all([
    startDevnet(`${tmp.dir}/main`, 500, [
      '--rpc-rate-limit',
      '0',
      '--rpc-ws-idle-timeout',
      String(IDLE_MS),
      '--rpc-headers-timeout',
      String(HEADERS_MS),
      '--rpc-request-timeout',
      String(REQUEST_MS),
      '--cors-origin',
      APP_ORIGIN,
      '--rpc-allowed-host',
      PROXY_HOST,
    ]),
    startDevnet(`${tmp.dir}/limited`, 500, ['--rpc-rate-limit', '5']),
    startDevnet(`${tmp.dir}/proxied`, 500, ['--rpc-rate-limit', '5', '--trust-proxy']),
  ])
})

afterAll(async () => {
  await Promise.all([main?.stop(), limited?.stop(), proxied?.stop()])
  await tmp?.cleanup()
})

describe('requests that used to kill the node', () => {
  test('regression: `curl --path-as-is -H "Connection: Upgrade" -H "Upgrade: websocket" http://…//` gets HTTP 400 (was an uncaught TypeError: Invalid URL)', async () => {
    const port = portOf(main)
    const r = await rawExchange(
      port,
      `GET // HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    )
    const res = parseRawResponse(r.response)
    expect(res?.statusLine).toBe('HTTP/1.1 400 Bad Request')
    expect(res?.body).toContain('the WebSocket is GET /ws')
    expect(r.closed).toBe(true)
    await expectServing(main)
  })

  test('regression: an upgrade of /x followed by a TCP reset (was an unhandled ECONNRESET on socket.end)', async () => {
    const port = portOf(main)
    // the exact bytes of the report, twenty times: the reset races the refusal
    const runs = await Promise.all(
      Array.from({ length: 20 }, () =>
        rawExchange(port, 'GET /x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', {
          resetAfterMs: 100,
        }),
      ),
    )
    for (const [i, r] of runs.entries()) {
      expect({ run: i, closed: r.closed }).toEqual({ run: i, closed: true })
      const res = parseRawResponse(r.response)
      if (res !== undefined) expect({ run: i, status: res.status }).toEqual({ run: i, status: 404 })
    }
    await expectServing(main)
  })

  test('regression: an upgrade past the per-client WebSocket cap followed by a TCP reset', async () => {
    const open = await openPeers(10)
    try {
      const runs = await Promise.all(
        Array.from({ length: 10 }, () =>
          rawExchange(portOf(main), upgradeRequest(portOf(main)), { resetAfterMs: 100 }),
        ),
      )
      for (const [i, r] of runs.entries()) {
        expect({ run: i, closed: r.closed }).toEqual({ run: i, closed: true })
        const res = parseRawResponse(r.response)
        if (res !== undefined) expect({ run: i, status: res.status }).toEqual({ run: i, status: 429 })
      }
    } finally {
      await Promise.all(open.map((p) => p.close()))
    }
    await expectServing(main)
  })
})

describe('malformed requests get -32600, over HTTP and over WebSocket', () => {
  for (const m of malformed) {
    test(`${m.name}: -32600 (HTTP 200, and a WebSocket answer)`, async () => {
      const r = await post(main.rpc, m.body)
      expect(r.status).toBe(200)
      const reply = (m.batch === true ? (r.json as RpcReply[])[0] : r.json) as RpcReply
      if (m.batch === true) expect(r.json).toHaveLength(1)
      expect(reply).toMatchObject({ jsonrpc: '2.0', id: m.id, error: { code: RpcErrorCode.INVALID_REQUEST } })
      expect(reply.error?.message).toMatch(/^Invalid Request: /)

      const [peer] = await openPeers(1)
      const ws = { peer: peer! }
      try {
        const text = await ws.peer.ask(m.body)
        expect(text).toBeDefined()
        const parsed = JSON.parse(text!) as RpcReply | RpcReply[]
        const wsReply = Array.isArray(parsed) ? parsed[0] : parsed
        expect(wsReply).toMatchObject({ id: m.id, error: { code: RpcErrorCode.INVALID_REQUEST } })
        // the connection still serves
        const ok = JSON.parse(
          (await ws.peer.ask('{"jsonrpc":"2.0","id":9,"method":"chain_getStatus"}')) ?? 'null',
        ) as RpcReply
        expect(ok.result).toMatchObject({ chainId: 'gather-devnet-1' })
      } finally {
        await ws.peer.close()
      }
      await expectServing(main)
    })
  }

  test('GET //: HTTP 400 with -32600; a WebSocket upgrade of // gets HTTP 400', async () => {
    const port = portOf(main)
    const r = await rawExchange(
      port,
      `GET // HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    )
    const res = parseRawResponse(r.response)
    expect(res?.status).toBe(400)
    expect(JSON.parse(res!.body)).toMatchObject({ id: null, error: { code: RpcErrorCode.INVALID_REQUEST } })
    const ws = await openWs(wsUrlOf(main, '//'))
    expect(ws).toMatchObject({ status: 400, body: expect.stringContaining('GET /ws') })
    await expectServing(main)
  })

  test('a batch answers each bad element with its own -32600, in place', async () => {
    const r = await post(
      main.rpc,
      '[null,{"jsonrpc":"2.0","id":2,"method":"chain_getStatus"},{"jsonrpc":"2.0","id":3,"method":{}},{"jsonrpc":"2.0","id":4,"method":"chain_getStatus","params":null},{"jsonrpc":"2.0","id":[5],"method":"x"},7]',
    )
    expect(r.status).toBe(200)
    const replies = r.json as RpcReply[]
    expect(replies.map((x) => [x.id, x.error?.code ?? 'result'])).toEqual([
      [null, RpcErrorCode.INVALID_REQUEST],
      [2, 'result'],
      [3, RpcErrorCode.INVALID_REQUEST],
      [4, RpcErrorCode.INVALID_REQUEST],
      [null, RpcErrorCode.INVALID_REQUEST],
      [null, RpcErrorCode.INVALID_REQUEST],
    ])
    await expectServing(main)
  })

  test('method names of Object.prototype are unknown methods, counted as method="unknown"', async () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']
    const unknownBefore = await unknownRejected()
    for (const name of names) {
      const r = await post(main.rpc, { jsonrpc: '2.0', id: 1, method: name, params: {} })
      expect({ name, code: (r.json as RpcReply).error?.code }).toEqual({
        name,
        code: RpcErrorCode.METHOD_NOT_FOUND,
      })
    }
    const text = await (await fetch(new URL('/metrics', main.rpc))).text()
    for (const name of names) expect(text).not.toContain(`method="${name}"`)
    expect(await unknownRejected()).toBeGreaterThanOrEqual(unknownBefore + names.length)
    await expectServing(main)
  })
})

/**
 * Opens `n` WebSockets to the main devnet; a 429 (the server has not yet seen the close of an
 * earlier test's connections) is retried for up to 3 s.
 */
async function openPeers(n: number, options: Parameters<typeof openWs>[1] = {}): Promise<WsPeer[]> {
  const peers: WsPeer[] = []
  const until = Date.now() + 3000
  while (peers.length < n) {
    const r = await openWs(wsUrlOf(main), options)
    if ('peer' in r) peers.push(r.peer)
    else if (r.status !== 429 || Date.now() > until) {
      await Promise.all(peers.map((p) => p.close()))
      throw new Error(`connection ${peers.length} refused: ${r.status} ${r.body}`)
    } else await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return peers
}

async function unknownRejected(): Promise<number> {
  const text = await (await fetch(new URL('/metrics', main.rpc))).text()
  const m = /^gather_rpc_requests_total\{method="unknown",outcome="rejected"\} (\d+)$/m.exec(text)
  return Number(m?.[1] ?? 0)
}

describe('WebSocket admission', () => {
  test('one client holds at most 10 connections; closing one frees a slot', async () => {
    const open = await openPeers(10)
    try {
      const refused = await openWs(wsUrlOf(main))
      expect(refused).toMatchObject({
        status: 429,
        body: expect.stringContaining('from this client (limit 10)'),
      })
      await open.pop()!.close()
      // the slot is freed when the server sees the close: poll for it
      let again: Awaited<ReturnType<typeof openWs>> | undefined
      for (let i = 0; i < 100 && !(again !== undefined && 'peer' in again); i++) {
        again = await openWs(wsUrlOf(main))
        if (!('peer' in again)) await new Promise((r) => setTimeout(r, 20))
      }
      expect(again !== undefined && 'peer' in again).toBe(true)
      if (again !== undefined && 'peer' in again) open.push(again.peer)
    } finally {
      await Promise.all(open.map((p) => p.close()))
    }
    await expectServing(main)
  })

  test(`idle timeout: a client that answers no ping is closed after ~${IDLE_MS} ms; pongs or messages keep one open`, async () => {
    const [silentPeer] = await openPeers(1, { autoPong: false })
    const opened = performance.now()
    const [pongingPeer] = await openPeers(1)
    const [talkingPeer] = await openPeers(1, { autoPong: false })
    const silent = { peer: silentPeer! }
    const ponging = { peer: pongingPeer! }
    const talking = { peer: talkingPeer! }
    const talker = setInterval(
      () => talking.peer.ws.send('{"jsonrpc":"2.0","id":1,"method":"chain_getStatus"}'),
      IDLE_MS / 4,
    )
    try {
      const closed = await silent.peer.closed
      const after = performance.now() - opened
      expect(closed.code).toBe(1001)
      expect(closed.reason).toContain(`idle for ${IDLE_MS} ms`)
      expect(after).toBeGreaterThanOrEqual(IDLE_MS - 100)
      expect(after).toBeLessThan(IDLE_MS + 2000)
      // the server pings every IDLE_MS / 2: after four pings (two idle periods) both others are open
      await waitFor('four pings', () => ponging.peer.pings >= 4, 4 * IDLE_MS)
      expect(ponging.peer.ws.readyState).toBe(ponging.peer.ws.OPEN)
      expect(talking.peer.ws.readyState).toBe(talking.peer.ws.OPEN)
      expect(performance.now() - opened).toBeGreaterThan(2 * IDLE_MS)
    } finally {
      clearInterval(talker)
      await Promise.all([silent.peer.close(), ponging.peer.close(), talking.peer.close()])
    }
    await expectServing(main)
  })

  test('Origin and Host: foreign ones are refused with 403 and a reason; loopback and configured ones are accepted', async () => {
    const port = portOf(main)
    const refusals: [Record<string, string>, string][] = [
      [{ Origin: 'https://evil.example' }, 'Origin "https://evil.example" is not allowed'],
      [{ Origin: 'null' }, 'Origin "null" is not allowed'],
      [{ Origin: 'https://app.example.org.evil.example' }, 'is not allowed'],
      [{ Origin: 'http://localhost.evil.example:3000' }, 'is not allowed'],
      [{ Origin: 'file://' }, 'is not allowed'],
      [{ Host: `evil.example:${port}` }, 'Host "evil.example:' + port + '" is not allowed'],
      [{ Host: 'localhost.evil.example' }, 'is not allowed'],
      [{ Host: 'rpc.example.org.evil.example' }, 'is not allowed'],
    ]
    for (const [headers, reason] of refusals) {
      const r = await rawExchange(port, upgradeRequest(port, '/ws', headers))
      const res = parseRawResponse(r.response)
      expect({ headers, statusLine: res?.statusLine }).toEqual({
        headers,
        statusLine: 'HTTP/1.1 403 Forbidden',
      })
      expect(res?.body).toContain(reason)
      expect({ headers, closed: r.closed }).toEqual({ headers, closed: true })
    }
    const accepted: { origin?: string; host?: string }[] = [
      {},
      { origin: 'http://localhost:3000' },
      { origin: 'http://127.0.0.1:8080' },
      { origin: 'https://[::1]:5173' },
      { origin: APP_ORIGIN },
      { host: `localhost:${port}` },
      { host: PROXY_HOST },
      { host: `[::1]:${port}` },
      { host: '10.1.2.3' },
    ]
    for (const a of accepted) {
      const r = await openWs(wsUrlOf(main), {
        ...(a.origin === undefined ? {} : { origin: a.origin }),
        ...(a.host === undefined ? {} : { headers: { host: a.host } }),
      })
      if (!('peer' in r)) throw new Error(`${JSON.stringify(a)} refused: ${r.status} ${r.body}`)
      const reply = JSON.parse(
        (await r.peer.ask('{"jsonrpc":"2.0","id":1,"method":"chain_getStatus"}')) ?? 'null',
      )
      expect({ a, ok: (reply as RpcReply).result !== undefined }).toEqual({ a, ok: true })
      await r.peer.close()
    }
    await expectServing(main)
  })
})

describe('HTTP timeouts', () => {
  test(`headers that trickle in are cut near ${HEADERS_MS} ms with HTTP 408`, async () => {
    const port = portOf(main)
    const pieces = ['GET / HTTP/1.1\r\n', `Host: 127.0.0.1:${port}\r\n`, ...Array(40).fill('X-Slow: 1\r\n')]
    const r = await rawExchange(port, pieces, { gapMs: 200, waitMs: 15_000 })
    expect(r.closed).toBe(true)
    expect(parseRawResponse(r.response)?.statusLine).toBe('HTTP/1.1 408 Request Timeout')
    // Node checks the timeouts once a second (the margin is for a busy machine)
    expect(r.elapsedMs).toBeGreaterThanOrEqual(HEADERS_MS - 50)
    expect(r.elapsedMs).toBeLessThan(HEADERS_MS + 2000)
    await expectServing(main)
  })

  test(`a body that trickles in is cut near ${REQUEST_MS} ms with HTTP 408; the aborted upload logs no error`, async () => {
    const port = portOf(main)
    const head = `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`
    const r = await rawExchange(port, [head, ...Array(60).fill(' ')], { gapMs: 100, waitMs: 15_000 })
    expect(r.closed).toBe(true)
    expect(parseRawResponse(r.response)?.statusLine).toBe('HTTP/1.1 408 Request Timeout')
    expect(r.elapsedMs).toBeGreaterThanOrEqual(REQUEST_MS - 50)
    expect(r.elapsedMs).toBeLessThan(REQUEST_MS + 2000)
    // an upload the client abandons
    const cut = await rawExchange(port, [head, '{"jsonrpc":'], { gapMs: 50, resetAfterMs: 50 })
    expect(cut.closed).toBe(true)
    await expectServing(main)
  })
})

describe('--rpc-rate-limit and --trust-proxy', () => {
  const status = { jsonrpc: '2.0', id: 1, method: 'chain_getStatus' }

  /**
   * Calls until the bucket of `headers`' client is empty (a 429 comes back). Returns how many
   * tokens that bucket can have regained since (5 a second, plus the fraction left at the 429):
   * calls made after it may be served by those, however slow the machine, and no more.
   */
  async function exhaust(d: DevnetProcess, headers: Record<string, string>): Promise<() => number> {
    for (let i = 0; i < 100; i++) {
      const sent = performance.now()
      if ((await post(d.rpc, status, headers)).status === 429)
        return () => 1 + Math.floor(((performance.now() - sent) / 1000) * 5)
    }
    throw new Error('never rate limited')
  }

  /** How many of 10 concurrent calls with `headers` are served: a bucket of their own serves all 10 (its burst). */
  async function served(d: DevnetProcess, headers: Record<string, string>): Promise<number> {
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(d.rpc, status, headers)))
    return replies.filter((r) => r.status === 200).length
  }

  test('--rpc-rate-limit 0 turns the limit off', async () => {
    // far beyond the default burst of 400 within a second
    for (let round = 0; round < 6; round++) {
      const replies = await Promise.all(Array.from({ length: 100 }, () => post(main.rpc, status)))
      expect({ round, refused: replies.filter((r) => r.status !== 200).length }).toEqual({
        round,
        refused: 0,
      })
    }
    await expectServing(main)
  })

  test('--rpc-rate-limit 5: 5 calls/s per client in bursts of 10, then HTTP 429 + -32005', async () => {
    const started = performance.now()
    const replies = await Promise.all(Array.from({ length: 30 }, () => post(limited.rpc, status)))
    // the burst, and what came back while the 30 were answered (measured, not assumed)
    const atMost = 10 + Math.floor(((performance.now() - started) / 1000) * 5)
    const served = replies.filter((r) => r.status === 200).length
    const refused = replies.filter((r) => r.status === 429)
    expect(served).toBeGreaterThanOrEqual(1)
    expect({ served, atMost, within: served <= atMost }).toEqual({ served, atMost, within: true })
    expect(refused.length).toBe(30 - served)
    expect((refused[0]!.json as RpcReply).error).toMatchObject({
      code: RpcErrorCode.RATE_LIMITED,
      message: expect.stringContaining('5 calls/s per client (bursts of 10)'),
    })
    await expectServing(limited)
  })

  // A shared bucket serves only what it regained since it was emptied, a bucket of its own all 10:
  // the bound is measured, not assumed ("the next calls are refused" failed whenever a token came
  // back first, one every 200 ms). Only a stall of about 2 s would make the bound too wide to
  // tell the two apart; it never fails a correct node.
  test('X-Forwarded-For is ignored without --trust-proxy: another header value shares the bucket', async () => {
    const regained = await exhaust(limited, { 'x-forwarded-for': '203.0.113.1' })
    const others = await served(limited, { 'x-forwarded-for': '203.0.113.2' })
    const bound = regained()
    expect({ others, withinRegained: others <= bound, bound }).toEqual({
      others,
      withinRegained: true,
      bound,
    })
    await expectServing(limited)
  })

  test('with --trust-proxy the first X-Forwarded-For entry is the client', async () => {
    const regained = await exhaust(proxied, { 'x-forwarded-for': '203.0.113.1, 10.0.0.1' })
    const same = await served(proxied, { 'x-forwarded-for': '203.0.113.1' })
    const bound = regained()
    expect({ same, withinRegained: same <= bound, bound }).toEqual({ same, withinRegained: true, bound })
    const others = await Promise.all(
      Array.from({ length: 3 }, () =>
        post(proxied.rpc, status, { 'x-forwarded-for': '203.0.113.2, 10.0.0.1' }),
      ),
    )
    expect(others.map((r) => r.status)).toEqual([200, 200, 200])
    await expectServing(proxied)
  })
})

describe('the CLI against a wrong address', () => {
  let other: Server

  beforeAll(async () => {
    // a proxy's error page, and a server that answers JSON that is not JSON-RPC
    other = createServer((req, res) => {
      if (req.url === '/html') {
        res.writeHead(502, { 'content-type': 'text/html' })
        res.end(
          '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
        )
      } else {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"hello":"world"}')
      }
    })
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()))
  })

  afterAll(async () => {
    await new Promise<void>((r) => other.close(() => r()))
  })

  test('a wrong path, an HTML error page, a non-JSON-RPC body, nobody listening: one clear line, exit 1', async () => {
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
    const nobody = `http://127.0.0.1:${await freePort()}/`
    const cases: [string, string][] = [
      [`${main.rpc}ws`, `error: HTTP 404 from ${main.rpc}ws: no such path /ws; JSON-RPC is POST /\n`],
      [`${otherUrl}/html`, `error: HTTP 502 from ${otherUrl}/html: 502 Bad Gateway\n`],
      [`${otherUrl}/`, `error: HTTP 200 from ${otherUrl}/: not a JSON-RPC response ({"hello":"world"})\n`],
      [
        nobody,
        `error: cannot reach the node at ${nobody} (ECONNREFUSED): is it running? (--rpc to use another address)\n`,
      ],
    ]
    const runs = await Promise.all(cases.map(([rpc]) => runCli(['query', 'status', '--rpc', rpc])))
    for (const [i, [rpc, message]] of cases.entries()) {
      const r = runs[i]!
      expect({ rpc, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        rpc,
        code: 1,
        stderr: message,
        stdout: '',
      })
    }
    await expectServing(main)
  })

  test('bad gateway flags are refused in one line before anything starts', async () => {
    const home = `${tmp.dir}/never`
    const cases: [string[], string][] = [
      [['--cors-origin', 'https://app.example.org/path'], '--cors-origin must be an origin like'],
      [
        ['--rpc-allowed-host', 'rpc.example.org:443'],
        '--rpc-allowed-host must be a host name without a port',
      ],
      [['--rpc-rate-limit', '1.5'], '--rpc-rate-limit'],
      [['--rpc-headers-timeout', '5000', '--rpc-request-timeout', '1000'], 'must not be longer than'],
    ]
    const runs = await Promise.all(
      cases.map(([args]) => runCli(['devnet', '--home', home, '--rpc-listen', '127.0.0.1:0', ...args])),
    )
    for (const [i, [args, message]] of cases.entries()) {
      const r = runs[i]!
      expect({ args, code: r.code }).toEqual({ args, code: 1 })
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/)
      expect(r.stderr).toContain(message)
    }
  })
})
