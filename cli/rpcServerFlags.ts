// The JSON-RPC gateway's flags, apart from cli/options.ts: their defaults come from rpc/server,
// which only the commands that run a node (devnet, start) load (docs/adr/018).
import { type Command, Option } from 'commander'
import { hostOfHeader, normalizeOrigin } from '../rpc/access.js'
import { rateLimitOf } from '../rpc/rateLimit.js'
import { defaultRpcOptions, type RpcServerOptions } from '../rpc/server.js'
import { parseWhole } from './args.js'

/** The JSON-RPC gateway flags of `gather devnet` and `gather start`, as commander parses them. */
export interface RpcServerFlags {
  rpcRateLimit: string
  trustProxy?: boolean
  corsOrigin?: string[]
  rpcAllowedHost?: string[]
  rpcWsIdleTimeout?: string
  rpcHeadersTimeout?: string
  rpcRequestTimeout?: string
}

/**
 * Adds the JSON-RPC gateway's flags: `--rpc-rate-limit`, `--trust-proxy`, `--cors-origin`,
 * `--rpc-allowed-host`, and the timeouts (not in --help: tests and unusual deployments).
 */
export function rpcServerOptions(cmd: Command): Command {
  return cmd
    .option(
      '--rpc-rate-limit <n>',
      'JSON-RPC calls per second per client, in bursts of up to twice that; 0 turns the limit off',
      String(defaultRpcOptions().rateLimit.perSecond),
    )
    .option(
      '--trust-proxy',
      'behind a reverse proxy that sets X-Forwarded-For: count each client by its first entry (rate limit, WebSocket caps) instead of by the proxy address',
    )
    .option(
      '--cors-origin <origin...>',
      'web page origins (https://app.example.org) that may open WebSockets besides pages on this machine, and the only origins HTTP answers (JSON-RPC, CometBFT, Cosmos REST) carry CORS headers for; repeatable; * for any; none by default',
    )
    .option(
      '--rpc-allowed-host <host...>',
      "Host names WebSocket upgrades may carry besides IP addresses and localhost (a reverse proxy's public name); repeatable; * for any",
    )
    .addOption(
      new Option(
        '--rpc-ws-idle-timeout <ms>',
        'close WebSockets silent for this long (default 60000)',
      ).hideHelp(),
    )
    .addOption(
      new Option(
        '--rpc-headers-timeout <ms>',
        'HTTP headers must arrive within this (default 10000)',
      ).hideHelp(),
    )
    .addOption(
      new Option(
        '--rpc-request-timeout <ms>',
        'a whole HTTP request must arrive within this (default 60000)',
      ).hideHelp(),
    )
}

/** The RpcServer options the gateway flags ask for, each checked with a one-line error naming its flag. */
export function parseRpcServerFlags(o: RpcServerFlags): Partial<RpcServerOptions> {
  const defaults = defaultRpcOptions()
  const origins = (o.corsOrigin ?? []).map((v) => {
    const origin = normalizeOrigin(v)
    if (origin === undefined)
      throw new Error(
        `--cors-origin must be an origin like https://app.example.org (scheme, host, optional port, no path) or *, got "${v}"`,
      )
    return origin
  })
  const hosts = (o.rpcAllowedHost ?? []).map((v) => {
    if (v !== '*' && hostOfHeader(v) !== v.toLowerCase())
      throw new Error(
        `--rpc-allowed-host must be a host name without a port (rpc.example.org) or *, got "${v}"`,
      )
    return v.toLowerCase()
  })
  const ms = (v: string | undefined, flag: string, fallback: number, max: number): number =>
    v === undefined ? fallback : parseWhole(v, `${flag} (milliseconds)`, 100, max)
  const requestTimeoutMs = ms(
    o.rpcRequestTimeout,
    '--rpc-request-timeout',
    defaults.requestTimeoutMs,
    3_600_000,
  )
  const headersTimeoutMs = ms(
    o.rpcHeadersTimeout,
    '--rpc-headers-timeout',
    Math.min(defaults.headersTimeoutMs, requestTimeoutMs),
    600_000,
  )
  if (headersTimeoutMs > requestTimeoutMs)
    throw new Error('--rpc-headers-timeout must not be longer than --rpc-request-timeout')
  return {
    rateLimit: rateLimitOf(
      parseWhole(o.rpcRateLimit, '--rpc-rate-limit (calls/s; 0: no limit)', 0, 1_000_000),
    ),
    trustProxy: o.trustProxy === true,
    allowedOrigins: origins,
    allowedHosts: hosts,
    wsIdleTimeoutMs: ms(o.rpcWsIdleTimeout, '--rpc-ws-idle-timeout', defaults.wsIdleTimeoutMs, 86_400_000),
    headersTimeoutMs,
    requestTimeoutMs,
  }
}
