import { connect } from 'node:net'
import WebSocket from 'ws'

/** What a raw TCP exchange with a server gave. */
export interface RawExchange {
  /** every byte the server sent */
  response: Buffer
  /** the server closed (or reset) the connection before we gave up waiting */
  closed: boolean
  /** from connecting to the close, or to giving up */
  elapsedMs: number
}

/**
 * Writes `data` on a fresh TCP connection (in pieces: each after `gapMs`), then half-closes
 * (`end`), resets (`resetAfterMs` after the last write) or just waits; resolves when the server
 * closes the connection or after `waitMs`, whichever is first. Socket errors (a reset by the
 * server) count as a close.
 */
export function rawExchange(
  port: number,
  data: string | Buffer | (string | Buffer)[],
  o: { end?: boolean; resetAfterMs?: number; waitMs?: number; gapMs?: number } = {},
): Promise<RawExchange> {
  const pieces = Array.isArray(data) ? data : [data]
  return new Promise((resolve) => {
    const started = performance.now()
    const chunks: Buffer[] = []
    const timers: NodeJS.Timeout[] = []
    let settled = false
    const finish = (closed: boolean): void => {
      if (settled) return
      settled = true
      for (const t of timers) clearTimeout(t)
      if (!closed) s.destroy()
      resolve({ response: Buffer.concat(chunks), closed, elapsedMs: performance.now() - started })
    }
    const s = connect(port, '127.0.0.1', () => {
      pieces.forEach((p, i) => {
        timers.push(
          setTimeout(
            () => {
              if (s.destroyed) return
              s.write(p)
              if (i < pieces.length - 1) return
              if (o.end === true) s.end()
              if (o.resetAfterMs !== undefined)
                timers.push(setTimeout(() => s.destroyed || s.resetAndDestroy(), o.resetAfterMs))
            },
            i * (o.gapMs ?? 0),
          ),
        )
      })
    })
    s.on('data', (c: Buffer) => chunks.push(c))
    s.on('error', () => undefined)
    s.on('close', () => finish(true))
    timers.push(setTimeout(() => finish(false), o.waitMs ?? 5000))
  })
}

/** An HTTP/1.1 response read from raw bytes (the first one, when several are pipelined). */
export interface RawResponse {
  status: number
  statusLine: string
  headers: Record<string, string>
  body: string
}

/** Parses the first HTTP response in `bytes`; undefined when there is none (or it is cut short). */
export function parseRawResponse(bytes: Buffer): RawResponse | undefined {
  const text = bytes.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  if (m === null) return undefined
  const headers: Record<string, string> = {}
  for (const l of lines) {
    const i = l.indexOf(':')
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
  }
  let body = bytes.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'))
  const length = headers['content-length']
  if (length !== undefined) {
    if (body.length < Number(length)) return undefined
    body = body.subarray(0, Number(length))
  } else if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = []
    let at = 0
    for (;;) {
      const eol = body.indexOf('\r\n', at)
      if (eol === -1) return undefined
      const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16)
      if (!Number.isFinite(size)) return undefined
      if (size === 0) break
      parts.push(body.subarray(eol + 2, eol + 2 + size))
      at = eol + 2 + size + 2
    }
    body = Buffer.concat(parts)
  }
  return { status: Number(m[1]), statusLine, headers, body: body.toString('utf8') }
}

/** The request bytes of a WebSocket upgrade of `path`, with extra (or replaced) headers. */
export function upgradeRequest(
  port: number,
  path = '/ws',
  headers: Record<string, string | undefined> = {},
): string {
  const all: Record<string, string | undefined> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  }
  const lines = Object.entries(all)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}: ${v}\r\n`)
  return `GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`
}

/** A WebSocket whose incoming frames are queued, read one at a time with `next()`. */
export class WsPeer {
  private readonly queue: { data: string; binary: boolean }[] = []
  private readonly waiters: ((m: { data: string; binary: boolean } | undefined) => void)[] = []
  /** resolves with the close code and reason */
  readonly closed: Promise<{ code: number; reason: string }>
  /** pings received from the server */
  pings = 0

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, binary) => {
      const m = { data: data.toString(), binary }
      // subscription notifications are not answers to anything we sent
      if (!binary && m.data.startsWith('{"jsonrpc":"2.0","method":"chain_subscription"')) return
      const w = this.waiters.shift()
      if (w === undefined) this.queue.push(m)
      else w(m)
    })
    ws.on('ping', () => {
      this.pings++
    })
    ws.on('error', () => undefined)
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        for (const w of this.waiters.splice(0)) w(undefined)
        resolve({ code, reason: reason.toString() })
      }),
    )
  }

  /** The next frame's text, or undefined when the socket closes (or `timeoutMs` passes) first. */
  next(timeoutMs = 10_000): Promise<string | undefined> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued.data)
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      const waiter = (m: { data: string } | undefined): void => {
        clearTimeout(timer)
        resolve(m?.data)
      }
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter)
        if (i !== -1) this.waiters.splice(i, 1)
        resolve(undefined)
      }, timeoutMs)
      this.waiters.push(waiter)
    })
  }

  /** Sends a frame and returns the next one. */
  async ask(data: string | Buffer, timeoutMs = 10_000): Promise<string | undefined> {
    this.ws.send(data)
    return this.next(timeoutMs)
  }

  /** Closes (or terminates after 1 s) and waits for the close. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    this.ws.close()
    const t = setTimeout(() => this.ws.terminate(), 1000)
    await this.closed
    clearTimeout(t)
  }
}

/** Opens a WebSocket: the peer, or the HTTP status and body of a refused upgrade. */
export function openWs(
  url: string,
  options: WebSocket.ClientOptions = {},
): Promise<{ peer: WsPeer } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options)
    ws.once('open', () => resolve({ peer: new WsPeer(ws) }))
    ws.once('unexpected-response', (req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        body += c
      })
      res.on('error', () => undefined)
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body })
        req.destroy()
      })
    })
    ws.once('error', reject)
  })
}

/**
 * Lines of a node's output that should never be there after bad requests: error or fatal log
 * lines, logged stacks, uncaught exceptions.
 */
export function logProblems(output: string): string[] {
  return output.split('\n').filter((line) => {
    if (line.startsWith('{')) {
      try {
        const entry = JSON.parse(line) as { level?: number; err?: { stack?: unknown }; stack?: unknown }
        return (entry.level ?? 0) >= 50 || entry.err?.stack !== undefined || entry.stack !== undefined
      } catch {
        return true
      }
    }
    return /^\s+at |Error:|Uncaught|Unhandled/.test(line)
  })
}

/**
 * Polls `chain_getStatus` until the head passes the height it first reports (errors, such as a
 * rate-limit refusal, are retried); rejects when no new block comes within `timeoutMs`.
 */
export async function waitForNewBlock(
  client: { getStatus: () => Promise<{ height: number }> },
  timeoutMs = 15_000,
): Promise<number> {
  const until = Date.now() + timeoutMs
  let first: number | undefined
  let last = ''
  while (Date.now() < until) {
    try {
      const h = (await client.getStatus()).height
      if (first === undefined) first = h
      else if (h > first) return h
    } catch (e) {
      last = (e as Error).message
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(
    `no new block within ${timeoutMs} ms (first height ${first}; last error: ${last || 'none'})`,
  )
}
