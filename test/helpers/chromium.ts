import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { WebSocket } from 'ws'
import { stopChild } from './cli.js'

/**
 * Headless Chromium (Debian's `chromium`, which .ci/run installs) driven over the DevTools
 * protocol with a small client on `ws`: no browser download, and with every background service
 * off, so the browser only talks to the pages it is sent to.
 */

/** The chromium binary, or undefined when none is installed. */
export function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return (
        execFileSync('sh', ['-c', `command -v ${name}`])
          .toString()
          .trim() || undefined
      )
    } catch {
      // not this one
    }
  }
  return undefined
}

/** What the page reported: console errors, uncaught exceptions, failed loads. */
export interface PageProblem {
  kind: string
  text: string
}

/** One page of a headless browser, over CDP. */
export interface BrowserPage {
  /** console.error calls, uncaught exceptions and error log entries (failed requests) so far */
  problems: PageProblem[]
  navigate(url: string): Promise<void>
  /** evaluates a JavaScript expression in the page and returns its value */
  evaluate<T>(expression: string): Promise<T>
  /** a PNG of the viewport */
  screenshot(): Promise<Buffer>
  close(): Promise<void>
}

/** Starts headless Chromium with a fresh profile in `profileDir` and opens a CDP session to its page. */
export async function openBrowserPage(binary: string, profileDir: string): Promise<BrowserPage> {
  const child: ChildProcess = spawn(
    binary,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--remote-debugging-port=0',
      '--remote-debugging-address=127.0.0.1',
      `--user-data-dir=${profileDir}`,
      '--window-size=1280,1500',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--disable-default-apps',
      '--disable-domain-reliability',
      '--disable-client-side-phishing-detection',
      '--metrics-recording-only',
      '--safebrowsing-disable-auto-update',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  const stop = (): Promise<void> => stopChild(child)
  try {
    const browserUrl = await new Promise<string>((resolve, reject) => {
      let err = ''
      const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err.slice(-2000)}`)), 30_000)
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString()
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err)
        if (m !== null) {
          clearTimeout(timer)
          resolve(m[1]!)
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`chromium exited with ${code}: ${err.slice(-2000)}`))
      })
    })
    const port = new URL(browserUrl).port
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      type: string
      webSocketDebuggerUrl: string
    }[]
    const target = targets.find((t) => t.type === 'page')
    if (target === undefined) throw new Error('chromium has no page target')
    const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    let nextId = 1
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
    const listeners = new Map<string, ((params: unknown) => void)[]>()
    const problems: PageProblem[] = []
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as {
        id?: number
        method?: string
        params?: unknown
        result?: unknown
        error?: { message: string }
      }
      if (msg.id !== undefined) {
        const p = pending.get(msg.id)
        pending.delete(msg.id)
        if (msg.error !== undefined) p?.reject(new Error(msg.error.message))
        else p?.resolve(msg.result)
        return
      }
      for (const l of listeners.get(msg.method ?? '') ?? []) l(msg.params)
    })
    const send = (method: string, params: object = {}): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        ws.send(JSON.stringify({ id, method, params }))
      })
    const on = (method: string, l: (params: unknown) => void): void => {
      listeners.set(method, [...(listeners.get(method) ?? []), l])
    }
    on('Runtime.consoleAPICalled', (p) => {
      const e = p as { type: string; args: { value?: unknown; description?: string }[] }
      if (e.type === 'error' || e.type === 'assert')
        problems.push({
          kind: `console.${e.type}`,
          text: e.args.map((a) => String(a.value ?? a.description)).join(' '),
        })
    })
    on('Runtime.exceptionThrown', (p) => {
      const e = p as { exceptionDetails: { text: string; exception?: { description?: string } } }
      problems.push({
        kind: 'exception',
        text: e.exceptionDetails.exception?.description ?? e.exceptionDetails.text,
      })
    })
    on('Log.entryAdded', (p) => {
      const e = p as { entry: { level: string; text: string; url?: string } }
      if (e.entry.level === 'error')
        problems.push({ kind: 'log', text: `${e.entry.text} ${e.entry.url ?? ''}` })
    })
    await send('Runtime.enable')
    await send('Log.enable')
    await send('Page.enable')
    return {
      problems,
      async navigate(url) {
        const loaded = new Promise<void>((resolve) => on('Page.loadEventFired', () => resolve()))
        await send('Page.navigate', { url })
        await loaded
      },
      async evaluate<T>(expression: string) {
        const r = (await send('Runtime.evaluate', { expression, returnByValue: true })) as {
          result: { value: T }
          exceptionDetails?: { text: string }
        }
        if (r.exceptionDetails !== undefined) throw new Error(`evaluate failed: ${r.exceptionDetails.text}`)
        return r.result.value
      },
      async screenshot() {
        const r = (await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as {
          data: string
        }
        return Buffer.from(r.data, 'base64')
      },
      async close() {
        ws.close()
        await stop()
      },
    }
  } catch (e) {
    await stop()
    throw e
  }
}
