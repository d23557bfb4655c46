import { isValidAddress } from '../chain/crypto/address.js'

/** An address argument; `what` names it in the error, e.g. `<to-address>`. */
export function parseAddressArg(value: string | undefined, what = '<address>'): string {
  if (value === undefined || !isValidAddress(value))
    throw new Error(`${what} "${value ?? ''}" is not a gat address`)
  return value
}

/** A node id argument: the node's ed25519 public key as 64 hex characters (returned lower-case). */
export function parseNodeIdArg(value: string | undefined): string {
  if (value === undefined || !/^[0-9a-fA-F]{64}$/.test(value))
    throw new Error(
      `<node-id> "${value ?? ''}" must be the node's ed25519 public key as 64 hex characters (the publicKey of config/node_key.json in its home)`,
    )
  return value.toLowerCase()
}

/** A whole-number option within bounds, with a one-line error naming it. */
export function parseWhole(v: string, name: string, min: number, max: number): number {
  const n = Number(v)
  if (!/^[0-9]+$/.test(v) || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${v}"`)
  }
  return n
}

/** A libp2p peer address with its peer id: `/ip4/<addr>/tcp/<port>/p2p/<peerId>` (also ip6, dns, dns4, dns6). */
const PEER_MULTIADDR =
  /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d{1,5})\/p2p\/([1-9A-HJ-NP-Za-km-z]{20,100})$/

/**
 * `--bootstrap`: comma-separated peer multiaddrs, each `/ip4/…/tcp/…/p2p/…`.
 *
 * @throws Error naming the first entry that does not look like one
 */
export function parseBootstrap(value: string): string[] {
  const addrs = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  for (const a of addrs) {
    const m = PEER_MULTIADDR.exec(a)
    const port = Number(m?.[3])
    const ipv4Ok = m?.[1] !== 'ip4' || /^(\d{1,3})(\.\d{1,3}){3}$/.test(m[2] ?? '')
    if (m === null || !ipv4Ok || port < 1 || port > 65535)
      throw new Error(`--bootstrap entries must look like /ip4/127.0.0.1/tcp/26656/p2p/12D3Koo…, got "${a}"`)
  }
  return addrs
}

/** Parses `host:port` (IPv6 as `[::1]:26657`), with a readable error naming `option`. */
export function parseListen(value: string, option = '--rpc-listen'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value)
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (m === null || host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new Error(`${option} must be host:port (e.g. 127.0.0.1:26657), got "${value}"`)
  }
  return { host, port }
}
