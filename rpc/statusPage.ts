import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The status page the node serves at GET /: one HTML file, its script and its style, read once
// at start from rpc/statusPage/ (copied beside the compiled code by scripts/copyAssets.js).
// Self-contained: no CDN, no external fetch; it talks only to the node that served it.

const dir = join(dirname(fileURLToPath(import.meta.url)), 'statusPage')

function asset(file: string, contentType: string): { body: Buffer; contentType: string } {
  return { body: readFileSync(join(dir, file)), contentType }
}

/** The page's files by request path (`/index.html` is what `GET /` serves). */
export const STATUS_PAGE_ASSETS: ReadonlyMap<string, { body: Buffer; contentType: string }> = new Map([
  ['/index.html', asset('index.html', 'text/html; charset=utf-8')],
  ['/ui/status.js', asset('status.js', 'text/javascript; charset=utf-8')],
  ['/ui/status.css', asset('status.css', 'text/css; charset=utf-8')],
])
