import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { type BrowserPage, findChromium, openBrowserPage } from './helpers/chromium.js'
import { type DevnetProcess, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { waitFor } from './helpers/wait.js'

// The status page at GET / in a real browser (Debian's headless chromium) against a devnet
// process: it loads, goes live over the WebSocket, follows the height, and logs no error.
// GATHER_STATUS_SCREENSHOT=docs/status-page.png writes its screenshot there (docs/ keeps one).

describe('the status page in headless Chromium', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess
  let page: BrowserPage | undefined

  beforeAll(async () => {
    tmp = await tempDir('gather-status-page-')
    devnet = await startDevnet(join(tmp.dir, 'devnet'))
  })

  afterAll(async () => {
    await page?.close()
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('serves self-contained HTML with a strict content-security policy, and only to an allowed Host', async () => {
    const r = await fetch(devnet.rpc)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toMatch(/^text\/html/)
    expect(r.headers.get('content-security-policy')).toContain("connect-src 'self'")
    const html = await r.text()
    // nothing from elsewhere: every src and href is this node's or inline data
    for (const m of html.matchAll(/(?:src|href)="([^"]*)"/g))
      expect({ ref: m[1], local: /^(\/|data:)/.test(m[1]!) }).toEqual({ ref: m[1], local: true })
    for (const asset of ['/ui/status.js', '/ui/status.css']) {
      const a = await fetch(new URL(asset, devnet.rpc))
      expect({ asset, status: a.status }).toEqual({ asset, status: 200 })
      expect(await a.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    }
    const { request } = await import('node:http')
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(devnet.rpc, { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(rebound).toBe(403)
  })

  test('loads, follows the height over the WebSocket and logs no error', async () => {
    const chromium = findChromium()
    if (chromium === undefined)
      throw new Error("no chromium: install Debian's chromium (apt-get install chromium); .ci/run does")
    page = await openBrowserPage(chromium, join(tmp.dir, 'profile'))
    await page.navigate(devnet.rpc)
    const height = () =>
      page!.evaluate<number>(`Number(document.getElementById('height').textContent.replace(/,/g, ''))`)
    await waitFor('the page to show a height', async () => (await height()) > 0, 15_000)
    const first = await height()
    await waitFor('the height on the page to advance', async () => (await height()) >= first + 3, 15_000)
    expect(await page.evaluate<string>(`document.getElementById('conn').textContent`)).toBe('live')
    await waitFor(
      'the super nodes, recent blocks and supply to render',
      async () =>
        (await page!.evaluate<number>(
          `document.querySelectorAll('#super-nodes tbody tr').length * document.querySelectorAll('#blocks tbody tr').length * document.querySelectorAll('#supply tbody tr').length`,
        )) > 0,
      15_000,
    )
    // click a block: its detail shows
    await page.evaluate(`document.querySelector('#blocks tbody tr').click()`)
    await waitFor('the block detail', async () =>
      (await page!.evaluate<string>(`document.getElementById('detail-title').textContent`)).startsWith(
        'Block ',
      ),
    )
    const shot = await page.screenshot()
    expect(shot.subarray(1, 4).toString()).toBe('PNG')
    const target = process.env.GATHER_STATUS_SCREENSHOT
    if (target !== undefined && target !== '') await writeFile(target, shot)
    expect(page.problems).toEqual([])
  }, 60_000)
})
