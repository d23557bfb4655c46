import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import WebSocket from 'ws'
import { RpcErrorCode } from '../rpc/errors.js'
import { rpcMethods } from '../rpc/methods.js'
import { type DevnetProcess, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { Rng, testSeed } from './helpers/rng.js'
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
 * Seeded fuzzing of the JSON-RPC gateway of a real `gather devnet`: malformed HTTP on raw
 * sockets, WebSocket frames and mutated JSON-RPC requests. Every complete request must get a
 * JSON-RPC answer (a result, or an error code of the allowed set: never -32603), and the node
 * must stay up, keep producing and log no error. GATHER_FUZZ_SEED=<n> replays a run.
 */

const SEED = testSeed('GATHER_FUZZ_SEED')

const HTTP_CASES = 1500
const WS_CASES = 800
const WS_BINARY_CASES = 40
const RAW_CASES = 700
const MAX_BODY = 1024 * 1024
const MAX_DEPTH = 64
const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'

/** Codes a request may get: the standard ones for malformed requests and our domain codes; never -32603. */
const ALLOWED_CODES = new Set<number>([
  RpcErrorCode.PARSE_ERROR,
  RpcErrorCode.INVALID_REQUEST,
  RpcErrorCode.METHOD_NOT_FOUND,
  RpcErrorCode.INVALID_PARAMS,
  RpcErrorCode.SERVER_ERROR,
  RpcErrorCode.NOT_FOUND,
  RpcErrorCode.TX_REJECTED,
  RpcErrorCode.TIMEOUT,
  RpcErrorCode.LIMIT_EXCEEDED,
  RpcErrorCode.WRONG_TRANSPORT,
])
const KNOWN_METHODS = new Set([...Object.keys(rpcMethods), 'chain_subscribe', 'chain_unsubscribe'])

class FuzzRng extends Rng {
  /** Printable ASCII mostly, some other BMP characters (no lone surrogates: they would not round-trip). */
  string(maxLength: number): string {
    const n = this.int(maxLength + 1)
    let s = ''
    for (let i = 0; i < n; i++) {
      const c = this.chance(0.9)
        ? 0x20 + this.int(95)
        : this.pick([0, 9, 10, 0x7f, 0xe9, 0x2028, 0x4e2d, 0xfeff])
      s += String.fromCharCode(c)
    }
    return s
  }

  /** A random JSON value, nested at most `depth` more levels. */
  value(depth = 3): unknown {
    const kind = this.int(depth > 0 ? 9 : 7)
    switch (kind) {
      case 0:
        return null
      case 1:
        return this.chance(0.5)
      case 2:
        return this.pick([0, -1, 1, 1.5, -0, 2 ** 53 + 1, 1e308, -1e-308, 4294967296, 999999])
      case 3:
        return this.int(1_000_000)
      case 4:
      case 5:
        return this.string(20)
      case 6:
        return this.pick(['', 'gat1', FAUCET, 'ab'.repeat(32), 'AAAA', '__proto__', 'constructor', '1'])
      case 7:
        return Array.from({ length: this.int(4) }, () => this.value(depth - 1))
      default: {
        const o: Record<string, unknown> = {}
        for (let i = this.int(4); i > 0; i--)
          o[this.pick(['a', 'height', 'address', 'tx', 'x', this.string(6)])] = this.value(depth - 1)
        return o
      }
    }
  }
}

/** Valid calls the mutations start from (params by name, as the methods take them). */
const BASES: { method: string; params?: unknown }[] = [
  { method: 'chain_getStatus' },
  { method: 'chain_getStatus', params: {} },
  { method: 'chain_getBlock', params: { height: 1 } },
  { method: 'chain_getBlock', params: { hash: 'ab'.repeat(32) } },
  { method: 'chain_getTx', params: { hash: '00'.repeat(32) } },
  { method: 'account_get', params: { address: FAUCET } },
  { method: 'token_getSupply' },
  { method: 'token_getEmission', params: { day: 3 } },
  { method: 'token_getRewards', params: { address: FAUCET } },
  { method: 'staking_getSuperNodes' },
  { method: 'staking_getNode', params: { nodeId: 'ab'.repeat(32) } },
  { method: 'staking_getLocks', params: { address: FAUCET } },
  { method: 'identity_resolve', params: { gid: '1' } },
  { method: 'group_get', params: { groupId: 1 } },
  { method: 'group_list', params: { limit: 5 } },
  { method: 'group_getCheckpoints', params: { groupId: 1 } },
  { method: 'group_isMember', params: { groupId: 1, address: FAUCET } },
  { method: 'group_verifyInclusion', params: { proof: { groupId: 1, checkpointHeight: 1, txPath: [] } } },
  { method: 'state_getProof', params: { key: `token/balance/${FAUCET}` } },
  { method: 'tx_broadcast', params: { tx: 'Z2FyYmFnZQ==' } },
  { method: 'tx_broadcastCommit', params: { tx: 'AAAA', timeoutMs: 200 } },
  { method: 'net_getPeers' },
  { method: 'consensus_getRound' },
  { method: 'chain_subscribe', params: { event: 'newHeads' } },
  { method: 'chain_unsubscribe', params: { subscription: '0x1' } },
]

type Call = Record<string, unknown>

const ENVELOPE_MUTATIONS: ((c: Call, r: FuzzRng) => void)[] = [
  (c, r) => {
    delete c[r.pick(['jsonrpc', 'method', 'id', 'params'])]
  },
  (c, r) => {
    c.jsonrpc = r.pick<unknown>(['1.0', 2, '2.0 ', null, '', r.value()])
  },
  (c, r) => {
    c.method = r.pick<unknown>([
      r.string(30),
      r.pick(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'rpc.discover']),
      'chain_getNothing',
      String(c.method).toUpperCase(),
      'x'.repeat(129),
      '',
      r.value(),
    ])
  },
  (c, r) => {
    c.id = r.pick<unknown>([r.value(), r.string(40), -1, 1.5, 1e300, null, {}, [1], true])
  },
  (c, r) => {
    c.params = r.pick<unknown>([r.value(), [], [FAUCET], null, 'x', 5])
  },
  (c, r) => {
    if (r.chance(0.5)) c.result = r.value()
    else c.error = { code: r.int(100), message: r.string(10) }
  },
]

const PARAMS_MUTATIONS: ((c: Call, r: FuzzRng) => void)[] = [
  (c, r) => {
    const p = c.params
    if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
      const keys = Object.keys(p)
      ;(p as Record<string, unknown>)[keys.length > 0 && r.chance(0.7) ? r.pick(keys) : r.string(8)] =
        r.value()
    } else c.params = { [r.string(8)]: r.value() }
  },
  (c, r) => {
    const p = c.params
    if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
      const keys = Object.keys(p)
      if (keys.length > 0) delete (p as Record<string, unknown>)[r.pick(keys)]
    }
  },
  (c, r) => {
    c.params = r.pick<unknown>([
      JSON.parse('{"__proto__":{"x":1}}'),
      { constructor: 1 },
      Object.values((c.params as object | undefined) ?? {}),
      { height: r.value(), hash: r.value() },
      { address: r.string(50) },
    ])
  },
]

function fuzzCall(r: FuzzRng, id: number): unknown {
  if (r.chance(0.03)) return r.pick<unknown>([null, 1, 'x', true, [], [1], {}])
  const base = r.pick(BASES)
  const call: Call = {
    jsonrpc: '2.0',
    id,
    method: base.method,
    ...(base.params === undefined ? {} : { params: structuredClone(base.params) }),
  }
  if (r.chance(0.1)) delete call.id // a notification
  // mostly the params (a valid envelope that must get -32602 or a domain error), sometimes the envelope
  if (r.chance(0.5)) r.pick(PARAMS_MUTATIONS)(call, r)
  if (r.chance(0.4)) for (let n = 1 + r.int(2); n > 0; n--) r.pick(ENVELOPE_MUTATIONS)(call, r)
  return call
}

/** A JSON-RPC body: a call or a batch, sometimes damaged as text. */
function fuzzBody(r: FuzzRng, id: number): string {
  const roll = r.next()
  let text: string
  if (roll < 0.72) text = JSON.stringify(fuzzCall(r, id))
  else if (roll < 0.95)
    text = JSON.stringify(
      Array.from({ length: 1 + r.int(r.chance(0.03) ? 120 : 10) }, (_, i) => fuzzCall(r, id * 1000 + i)),
    )
  else
    text = r.pick([
      '',
      ' ',
      '[]',
      '{}',
      '[[]]',
      'null',
      'true',
      '"x"',
      '1e999',
      '{"jsonrpc":"2.0"',
      r.string(50),
    ])
  if (r.chance(0.25)) {
    const at = r.int(text.length + 1)
    switch (r.int(7)) {
      case 0:
        text = text.slice(0, at)
        break
      case 1:
        text =
          text.slice(0, at) +
          r.pick(['{', '[', '}', ']', '"', '\\', ',', ':', '\u0000', 'x']) +
          text.slice(at)
        break
      case 2: {
        const d = MAX_DEPTH - 2 + r.int(r.chance(0.3) ? 5000 : 8)
        text = '['.repeat(d) + text + ']'.repeat(d)
        break
      }
      case 3:
        text = `\ufeff${text}`
        break
      case 4:
        text = text + text
        break
      case 5:
        text = `{"jsonrpc":"2.0","id":${id},"method":"chain_getStatus","params":{"deep":${'{"a":'.repeat(60 + r.int(20))}1${'}'.repeat(60 + r.int(20))}}}`
        break
      default:
        text = ` \n\t${text}\r\n `
    }
  }
  return text
}

/** The server's depth rule, restated: nesting of arrays and objects outside strings. */
function tooDeep(text: string): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '[' || c === '{') {
      if (++depth > MAX_DEPTH) return true
    } else if (c === ']' || c === '}') depth--
  }
  return false
}

const isId = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || v === null

/** The envelope rule (docs/rpc.md), restated. */
function validEnvelope(v: unknown): v is Call {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const c = v as Call
  return (
    c.jsonrpc === '2.0' &&
    typeof c.method === 'string' &&
    c.method.length <= 128 &&
    (!Object.hasOwn(c, 'id') || isId(c.id)) &&
    (c.params === undefined || (typeof c.params === 'object' && c.params !== null)) &&
    !Object.hasOwn(c, 'result') &&
    !Object.hasOwn(c, 'error')
  )
}

/** What a body must get. */
type Expectation =
  | { kind: 'tooLarge' }
  | { kind: 'none' }
  | { kind: 'single'; status: number; code?: number; id?: unknown }
  | { kind: 'batch'; count: number }

function expectationOf(text: string): Expectation {
  if (Buffer.byteLength(text) > MAX_BODY) return { kind: 'tooLarge' }
  if (tooDeep(text)) return { kind: 'single', status: 200, code: RpcErrorCode.INVALID_REQUEST, id: null }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return { kind: 'single', status: 200, code: RpcErrorCode.PARSE_ERROR, id: null }
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return { kind: 'single', status: 200, code: RpcErrorCode.INVALID_REQUEST, id: null }
    if (v.length > 100) return { kind: 'single', status: 413, code: RpcErrorCode.LIMIT_EXCEEDED, id: null }
    const count = v.filter((c) => !validEnvelope(c) || Object.hasOwn(c, 'id')).length
    return count === 0 ? { kind: 'none' } : { kind: 'batch', count }
  }
  if (!validEnvelope(v)) {
    const id = typeof v === 'object' && v !== null && isId((v as Call).id) ? ((v as Call).id ?? null) : null
    return { kind: 'single', status: 200, code: RpcErrorCode.INVALID_REQUEST, id }
  }
  if (!Object.hasOwn(v, 'id')) return { kind: 'none' }
  return {
    kind: 'single',
    status: 200,
    id: v.id,
    ...(KNOWN_METHODS.has(v.method as string) ? {} : { code: RpcErrorCode.METHOD_NOT_FOUND }),
  }
}

/** What is wrong with one JSON-RPC response (undefined: nothing). */
function responseProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not an object'
  const o = r as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: { code?: unknown } }
  if (o.jsonrpc !== '2.0' || !Object.hasOwn(o, 'id')) return 'no jsonrpc/id'
  if (Object.hasOwn(o, 'result') === Object.hasOwn(o, 'error')) return 'not exactly one of result/error'
  if (o.error !== undefined && !ALLOWED_CODES.has(o.error.code as number))
    return `error code ${String(o.error.code)}`
  return undefined
}

/** What is wrong with an answer (`status` undefined over WebSocket; `text` undefined: no answer). */
function answerProblem(
  e: Expectation,
  status: number | undefined,
  text: string | undefined,
): string | undefined {
  if (e.kind === 'tooLarge') {
    if (status !== 413) return `want HTTP 413, got ${status}`
    return text?.includes(`"code":${RpcErrorCode.LIMIT_EXCEEDED}`) === true
      ? undefined
      : `want -32006, got ${text}`
  }
  if (e.kind === 'none') {
    if (status !== undefined && status !== 204) return `want HTTP 204, got ${status}`
    return text === undefined || text === '' ? undefined : `want no answer, got ${text.slice(0, 200)}`
  }
  if (text === undefined || text === '') return `no answer (HTTP ${status})`
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return `answer is not JSON: ${text.slice(0, 200)}`
  }
  if (e.kind === 'batch') {
    if (status !== undefined && status !== 200) return `want HTTP 200, got ${status}`
    if (!Array.isArray(body)) return `want an array, got ${text.slice(0, 200)}`
    if (body.length !== e.count) return `want ${e.count} answers, got ${body.length}`
    for (const r of body) {
      const p = responseProblem(r)
      if (p !== undefined) return `batch element: ${p}: ${JSON.stringify(r).slice(0, 200)}`
    }
    return undefined
  }
  if (status !== undefined && status !== e.status)
    return `want HTTP ${e.status}, got ${status}: ${text.slice(0, 200)}`
  const p = responseProblem(body)
  if (p !== undefined) return `${p}: ${text.slice(0, 200)}`
  const r = body as { id: unknown; error?: { code: number } }
  if (e.code !== undefined && r.error?.code !== e.code) return `want ${e.code}, got ${text.slice(0, 200)}`
  if (Object.hasOwn(e, 'id') && r.id !== e.id)
    return `want id ${JSON.stringify(e.id)}, got ${text.slice(0, 200)}`
  return undefined
}

/** Runs `work(i)` for i in [0, n) on `width` workers. */
async function pool(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++)
    }),
  )
}

let tmp: { dir: string; cleanup: () => Promise<void> }
let devnet: DevnetProcess
/** problems of the running test (each test reports and clears its own) */
const problems: string[] = []
let failed = false
const note = (what: string): void => {
  problems.push(what)
}

/** Fails with the seed and the first problems found. */
function expectNoProblems(stage: string): void {
  const found = problems.splice(0)
  if (found.length === 0) return
  failed = true
  throw new Error(
    `${stage}: ${found.length} problems (replay with GATHER_FUZZ_SEED=${SEED}):\n${found.slice(0, 15).join('\n')}`,
  )
}

beforeAll(async () => {
  tmp = await tempDir('gather-rpc-fuzz-')
  devnet = await startDevnet(`${tmp.dir}/devnet`, 500, [
    '--rpc-rate-limit',
    '0',
    '--rpc-headers-timeout',
    '2000',
    '--rpc-request-timeout',
    '4000',
  ])
})

afterAll(async () => {
  if (failed) process.stderr.write(`rpcFuzz: GATHER_FUZZ_SEED=${SEED}\n`)
  await devnet?.stop()
  await tmp?.cleanup()
})

describe(`JSON-RPC gateway fuzzing (GATHER_FUZZ_SEED=${SEED})`, () => {
  test('mutated JSON-RPC over HTTP: every complete request is answered, never with -32603', async () => {
    const r = new FuzzRng(SEED)
    const bodies = Array.from({ length: HTTP_CASES }, (_, i) => fuzzBody(r, i))
    // a few over the body limit
    for (let i = 0; i < 3; i++)
      bodies.push(`{"jsonrpc":"2.0","id":1,"method":"x","params":{"p":"${'A'.repeat(MAX_BODY)}"}}`)
    await pool(bodies.length, 8, async (i) => {
      const text = bodies[i]!
      const e = expectationOf(text)
      let status: number
      let answer: string
      try {
        const res = await fetch(devnet.rpc, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
        })
        status = res.status
        answer = await res.text()
      } catch (err) {
        note(
          `HTTP case ${i}: request failed (${(err as Error).message}); body ${JSON.stringify(text.slice(0, 200))}`,
        )
        return
      }
      const p = answerProblem(e, status, answer)
      if (p !== undefined) note(`HTTP case ${i}: ${p}; body ${JSON.stringify(text.slice(0, 200))}`)
    })
    expectNoProblems('HTTP')
    expect(devnet.child.exitCode).toBeNull()
  })

  test('WebSocket frames: text (mutated, deep, huge, bad UTF-8) and binary; each answered or closed as documented', async () => {
    const r = new FuzzRng(SEED ^ 0x5eed)
    const wsUrl = `${devnet.rpc.replace(/^http/, 'ws')}ws`
    const connect = async (): Promise<WsPeer> => {
      const c = await openWs(wsUrl)
      if (!('peer' in c)) throw new Error(`WebSocket refused: ${c.status} ${c.body}`)
      return c.peer
    }
    type Frame = { text: string } | { binary: Buffer } | { badUtf8: Buffer } | { huge: true }
    const frames: Frame[] = Array.from({ length: WS_CASES }, (_, i) => ({ text: fuzzBody(r, i) }))
    for (let i = 0; i < WS_BINARY_CASES; i++)
      frames.splice(r.int(frames.length), 0, { binary: r.bytes(1 + r.int(64)) })
    for (let i = 0; i < 3; i++)
      frames.splice(r.int(frames.length), 0, { badUtf8: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) })
    for (let i = 0; i < 2; i++) frames.splice(r.int(frames.length), 0, { huge: true })
    const width = 4
    await Promise.all(
      Array.from({ length: width }, async (_, w) => {
        let peer = await connect()
        for (let i = w; i < frames.length; i += width) {
          const f = frames[i]!
          const where = `WS case ${i}`
          if ('huge' in f || 'badUtf8' in f) {
            if ('huge' in f) peer.ws.send('x'.repeat(MAX_BODY + 1))
            else peer.ws.send(f.badUtf8, { binary: false })
            let timer: NodeJS.Timeout | undefined
            const closed = await Promise.race([
              peer.closed,
              new Promise<undefined>((res) => {
                timer = setTimeout(() => res(undefined), 10_000)
              }),
            ])
            clearTimeout(timer)
            const want = 'huge' in f ? 1009 : 1007
            if (closed?.code !== want) note(`${where}: want close ${want}, got ${JSON.stringify(closed)}`)
            await peer.close()
            peer = await connect()
            continue
          }
          if ('binary' in f) {
            const a = await peer.ask(f.binary)
            const p = answerProblem(
              { kind: 'single', status: 200, code: RpcErrorCode.INVALID_REQUEST, id: null },
              undefined,
              a,
            )
            if (p !== undefined) note(`${where} (binary): ${p}`)
            continue
          }
          const e = expectationOf(f.text)
          if (e.kind === 'tooLarge') continue
          if (e.kind === 'none') {
            // nothing may come back: the next answer must be the sentinel's
            peer.ws.send(f.text)
            const a = await peer.ask('{"jsonrpc":"2.0","id":"sentinel","method":"chain_getStatus"}')
            if (a === undefined || !a.includes('"id":"sentinel"'))
              note(
                `${where}: a notification was answered (${a?.slice(0, 200)}); text ${JSON.stringify(f.text.slice(0, 200))}`,
              )
            continue
          }
          const a = await peer.ask(f.text)
          const p = answerProblem(e, undefined, a)
          if (p !== undefined) note(`${where}: ${p}; text ${JSON.stringify(f.text.slice(0, 200))}`)
          if (peer.ws.readyState !== WebSocket.OPEN) {
            note(`${where}: the server closed the connection`)
            peer = await connect()
          }
        }
        await peer.close()
      }),
    )
    expectNoProblems('WebSocket')
    expect(devnet.child.exitCode).toBeNull()
  })

  test('malformed HTTP on raw sockets: random bytes, broken request lines and headers, truncated bodies, resets', async () => {
    const r = new FuzzRng(SEED ^ 0xbad)
    const port = Number(new URL(devnet.rpc).port)
    const host = `Host: 127.0.0.1:${port}\r\n`
    const post = (body: string, extra = ''): string =>
      `POST / HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`
    const brokenLines = [
      'GET\r\n',
      'GET / HTTP/9.9\r\n',
      'GE T / HTTP/1.1\r\n',
      'GET  HTTP/1.1\r\n',
      'GET * HTTP/1.1\r\n',
      'GET // HTTP/1.1\r\n',
      'GET %zz HTTP/1.1\r\n',
      'GET http://[::1/ HTTP/1.1\r\n',
      'POST http://a/ HTTP/1.1\r\n',
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n`,
      'BREW / HTTP/1.1\r\n',
      '\r\n\r\nGET / HTTP/1.1\r\n',
      'GET /\u0000 HTTP/1.1\r\n',
      'GET / HTTP/1.1\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    ]
    const badHeaders = [
      'NoColon\r\n',
      'Content-Length: -1\r\n',
      'Content-Length: abc\r\n',
      'Content-Length: 5\r\nContent-Length: 6\r\n',
      'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n',
      `X-Big: ${'b'.repeat(20_000)}\r\n`,
      ' folded: header\r\n',
      'X-Nul: a\u0000b\r\n',
      'Host: a\r\nHost: b\r\n',
      `${'X-Many: 1\r\n'.repeat(3000)}`,
      'Upgrade: websocket\r\nConnection: Upgrade\r\n',
      'Expect: 100-continue\r\n',
    ]
    type RawCase = { bytes: (string | Buffer)[]; end?: boolean; resetAfterMs?: number; answer?: string }
    const cases: RawCase[] = Array.from({ length: RAW_CASES }, (_, i): RawCase => {
      switch (r.int(9)) {
        case 0:
          return { bytes: [r.bytes(1 + r.int(512))], end: true }
        case 1:
          return { bytes: [`${r.pick(brokenLines)}${host}\r\n`], end: true }
        case 2:
          return { bytes: [`POST / HTTP/1.1\r\n${host}${r.pick(badHeaders)}\r\n{}`], end: true }
        case 3: {
          // a body cut short, then half-closed, reset or left hanging (the request timeout ends it)
          const body = fuzzBody(r, i)
          const full = post(body)
          const cut = full.slice(
            0,
            Math.max(1, full.length - 1 - r.int(Math.min(full.length, body.length + 1))),
          )
          return r.chance(0.5) ? { bytes: [cut], end: true } : { bytes: [cut], resetAfterMs: r.int(30) }
        }
        case 4:
          return {
            bytes: [
              `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n${r.pick(['zz\r\n', '5\r\nab\r\n', '-1\r\n', 'ffffffffffffffffff\r\n', '3;x=y\r\nabc\r\n0\r\n\r\n'])}`,
            ],
            end: true,
          }
        case 5: {
          // the bytes of a good upgrade, then garbage frames
          return { bytes: [upgradeRequest(port), r.bytes(1 + r.int(256))], end: true }
        }
        default: {
          // a complete request: it must be answered as JSON-RPC
          const body = fuzzBody(r, i)
          return { bytes: [post(body)], end: r.chance(0.5), answer: body }
        }
      }
    })
    await pool(cases.length, 16, async (i) => {
      const c = cases[i]!
      const x = await rawExchange(port, c.bytes, {
        ...(c.end === true ? { end: true } : {}),
        ...(c.resetAfterMs === undefined ? {} : { resetAfterMs: c.resetAfterMs }),
        gapMs: 5,
        waitMs: 8000,
      })
      const res = parseRawResponse(x.response)
      const shown = JSON.stringify(
        Buffer.concat(c.bytes.map((b) => Buffer.from(b)))
          .toString('latin1')
          .slice(0, 200),
      )
      if (res?.status === 500) note(`raw case ${i}: HTTP 500 for ${shown}`)
      // a connection we half-closed must not stay open
      if (c.end === true && !x.closed)
        note(`raw case ${i}: still open ${Math.round(x.elapsedMs)} ms after we ended it: ${shown}`)
      // a complete request is answered; one we half-closed may be dropped (Node aborts it), but
      // whatever comes back must still be right
      if (c.answer !== undefined && (c.end !== true || res !== undefined)) {
        const e = expectationOf(c.answer)
        const p = answerProblem(e, res?.status, res?.body)
        if (p !== undefined) note(`raw case ${i}: ${p}; body ${JSON.stringify(c.answer.slice(0, 200))}`)
      }
    })
    expectNoProblems('raw HTTP')
    expect(devnet.child.exitCode).toBeNull()
  })

  test('after all of it the node is alive, produces blocks and has logged no error or stack', async () => {
    expect({ exitCode: devnet.child.exitCode, signal: devnet.child.signalCode }).toEqual({
      exitCode: null,
      signal: null,
    })
    await waitForNewBlock(devnet.client)
    expect(logProblems(devnet.output())).toEqual([])
  })
})
