import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

/** `new URL`, without the throw (URL.parse needs Node 22). */
function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s)
  } catch {
    return undefined
  }
}

/**
 * The path of a request target, or undefined when the target is not one we can route. Origin
 * form (`/ws?x=1`) is read as it is, without a URL parser; absolute form (`http://h/ws`, which
 * HTTP/1.1 servers must accept) through one that cannot throw. A target starting with `//` is
 * refused: URL parsers read it as an authority (`//host/path`), not a path.
 */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return undefined
  if (target.startsWith('/')) {
    if (target.startsWith('//')) return undefined
    const end = target.search(/[?#]/)
    return end === -1 ? target : target.slice(0, end)
  }
  if (!/^https?:\/\//i.test(target)) return undefined
  return parseUrl(target)?.pathname
}

/** Whether a host name or IP literal (no port, IPv6 without brackets) is the local machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  return h.startsWith('::ffff:127.') && isIP(h.slice(7)) === 4
}

/** The host name of a `Host` header (`name:port`, `[v6]:port`), lower-case, without the port. */
export function hostOfHeader(header: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(header.trim())
  const host = (m?.[1] ?? m?.[2])?.toLowerCase().replace(/\.$/, '')
  return host === '' ? undefined : host
}

/**
 * The `Host` check of WebSocket upgrades, against DNS rebinding: a page of another site whose
 * name is made to resolve to 127.0.0.1 sends its own name as Host. Allowed: IP literals (a
 * rebinding page cannot choose one), `localhost`, the name the server is bound to, and the
 * configured names (`*` allows any).
 */
export function isAllowedHost(
  header: string | undefined,
  o: { boundHost: string; allowed: string[] },
): boolean {
  if (o.allowed.includes('*')) return true
  if (header === undefined) return false
  const host = hostOfHeader(header)
  if (host === undefined) return false
  if (isIP(host) !== 0 || isLoopbackHost(host) || host === o.boundHost.toLowerCase()) return true
  return o.allowed.some((a) => a.toLowerCase() === host)
}

/**
 * The `Origin` check of WebSocket upgrades, against cross-site WebSocket hijacking: browsers send
 * the page's origin, other clients usually none. Allowed: no Origin, a page on the local machine
 * (`http(s)://localhost|127.x|[::1]`, any port), a page of the node itself (its origin is the
 * `Host` of the upgrade), and the configured origins (`*` allows any).
 */
export function isAllowedOrigin(header: string | undefined, allowed: string[], hostHeader?: string): boolean {
  if (header === undefined) return true
  if (allowed.includes('*')) return true
  const url = parseUrl(header)
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  if (isLoopbackHost(host)) return true
  // the node's own status page: same origin as the Host the upgrade came to (which has passed
  // the Host check, so a rebinding name cannot be it)
  if (hostHeader !== undefined && url.host.toLowerCase() === hostHeader.trim().toLowerCase()) return true
  return allowed.includes(url.origin)
}

/**
 * Whether an HTTP answer carries CORS headers for a page of `header`'s origin: only origins
 * given with `--cors-origin` (or `*`); none by default, pages on loopback included.
 */
export function isCorsOrigin(header: string, allowed: string[]): boolean {
  if (allowed.includes('*')) return true
  const url = parseUrl(header)
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false
  return allowed.includes(url.origin)
}

/**
 * An origin option value (`https://app.example.org`, `http://localhost:3000`, or `*`) in the
 * form browsers send; undefined when it is not an origin (a path, another scheme).
 */
export function normalizeOrigin(value: string): string | undefined {
  if (value === '*') return value
  const url = parseUrl(value)
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined
  if (value.replace(/\/$/, '').toLowerCase() !== url.origin.toLowerCase()) return undefined
  return url.origin
}

/**
 * The client a request counts against (rate limit, WebSocket connections per client): the first
 * `X-Forwarded-For` entry when the server sits behind a proxy it trusts, else the peer address.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for']
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim()
    if (first !== undefined && first !== '') return first.slice(0, 100)
  }
  return req.socket.remoteAddress ?? 'unknown'
}
