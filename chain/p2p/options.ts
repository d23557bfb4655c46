import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { P2pError, P2pErrorCode } from './errors.js'
import type { GossipKind, GossipLabel, GossipMesh, P2pOptions, Penalties, RateLimit } from './types.js'

/** Defaults of {@link P2pOptions}. */
export const P2P_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  dht: true,
  targetPeers: 25,
  maxPeers: 50,
  maxMessageBytes: {
    tx: 64 * 1024,
    block: 2 * 1024 * 1024,
    // a bundle of up to 64 votes (docs/adr/020): ~150 bytes each
    vote: 16 * 1024,
    group: 256 * 1024,
  } as Record<GossipLabel, number>,
  maxBlockBytes: 2 * 1024 * 1024,
  maxBlocksPerRequest: 128,
  requestTimeoutMs: 10_000,
  serverReadTimeoutMs: 5_000,
  rateLimits: {
    status: { capacity: 10, refillPerSecond: 1 } as RateLimit,
    blocksByRange: { capacity: 1024, refillPerSecond: 256 } as RateLimit,
    groupBlocksByRange: { capacity: 1024, refillPerSecond: 256 } as RateLimit,
  },
  penalties: { invalidGossip: 22, malformedFrame: 40, rateLimited: 8, handshakeFailed: 10 } as Penalties,
  banThreshold: -100,
  banDurationMs: 10 * 60_000,
  scoreHalfLifeMs: 10 * 60_000,
  maintenanceIntervalMs: 5_000,
  // docs/adr/013: 21 validators on one machine; gossipsub's own defaults are D 6, Dlo 4, Dhi 12,
  // Dlazy 6, kad-dht's α 10, libp2p's ping 10 s
  gossipMesh: { D: 4, Dlo: 3, Dhi: 6, Dlazy: 3 } as GossipMesh,
  gossipHeartbeatMs: 1_000,
  dhtAlpha: 3,
  // docs/adr/020: nothing reads the round trips, and each ping opens a stream with a peer-store
  // write on both sides; a closed TCP connection is noticed without one
  pingIntervalMs: 300_000,
} as const

/** The gossip kinds, in topic order. */
export const KINDS: readonly GossipKind[] = ['tx', 'block', 'vote']

/** The kinds that also have a direct topic (never relayed: docs/adr/017). */
export const DIRECT_KINDS: readonly GossipKind[] = ['tx', 'vote']

/** {@link P2pOptions} with every default filled in. */
export type ResolvedOptions = Required<
  Omit<P2pOptions, 'maxMessageBytes' | 'rateLimits' | 'penalties' | 'gossipMesh'>
> & {
  maxMessageBytes: Record<GossipLabel, number>
  gossipMesh: GossipMesh
  rateLimits: { status: RateLimit; blocksByRange: RateLimit; groupBlocksByRange: RateLimit }
  penalties: Penalties
}

/** A bootstrap entry: where to dial, and whom we expect there. */
export interface BootstrapPeer {
  addr: Multiaddr
  peerId: string
}

/** Fills in the defaults and checks every option (`P2P_BAD_ARGUMENT` naming the option). */
export function resolveOptions(opts: P2pOptions): ResolvedOptions {
  const d = P2P_DEFAULTS
  if (typeof opts.chainId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(opts.chainId)) {
    throw new P2pError(
      P2pErrorCode.P2P_BAD_ARGUMENT,
      `chainId must be 1-64 of [A-Za-z0-9._-], got ${opts.chainId}`,
    )
  }
  if (!(opts.privateKey instanceof Uint8Array) || opts.privateKey.length !== 32) {
    throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, 'privateKey must be a 32-byte ed25519 seed')
  }
  const resolved: ResolvedOptions = {
    chainId: opts.chainId,
    privateKey: opts.privateKey,
    host: opts.host ?? d.host,
    port: opts.port ?? d.port,
    bootstrap: opts.bootstrap ?? [],
    dht: opts.dht ?? d.dht,
    targetPeers: opts.targetPeers ?? d.targetPeers,
    maxPeers: opts.maxPeers ?? d.maxPeers,
    maxMessageBytes: { ...d.maxMessageBytes, ...opts.maxMessageBytes },
    maxBlockBytes: opts.maxBlockBytes ?? d.maxBlockBytes,
    maxBlocksPerRequest: opts.maxBlocksPerRequest ?? d.maxBlocksPerRequest,
    requestTimeoutMs: opts.requestTimeoutMs ?? d.requestTimeoutMs,
    serverReadTimeoutMs: opts.serverReadTimeoutMs ?? d.serverReadTimeoutMs,
    rateLimits: {
      status: opts.rateLimits?.status ?? d.rateLimits.status,
      blocksByRange: opts.rateLimits?.blocksByRange ?? d.rateLimits.blocksByRange,
      groupBlocksByRange: opts.rateLimits?.groupBlocksByRange ?? d.rateLimits.groupBlocksByRange,
    },
    penalties: { ...d.penalties, ...opts.penalties },
    banThreshold: opts.banThreshold ?? d.banThreshold,
    banDurationMs: opts.banDurationMs ?? d.banDurationMs,
    scoreHalfLifeMs: opts.scoreHalfLifeMs ?? d.scoreHalfLifeMs,
    maintenanceIntervalMs: opts.maintenanceIntervalMs ?? d.maintenanceIntervalMs,
    gossipMesh: { ...d.gossipMesh, ...opts.gossipMesh },
    gossipHeartbeatMs: opts.gossipHeartbeatMs ?? d.gossipHeartbeatMs,
    dhtAlpha: opts.dhtAlpha ?? d.dhtAlpha,
    pingIntervalMs: opts.pingIntervalMs ?? d.pingIntervalMs,
  }
  const positive: [string, number][] = [
    ['port', resolved.port + 1],
    ['targetPeers', resolved.targetPeers],
    ['maxPeers', resolved.maxPeers],
    ['maxBlockBytes', resolved.maxBlockBytes],
    ['maxBlocksPerRequest', resolved.maxBlocksPerRequest],
    ['requestTimeoutMs', resolved.requestTimeoutMs],
    ['serverReadTimeoutMs', resolved.serverReadTimeoutMs],
    ['maintenanceIntervalMs', resolved.maintenanceIntervalMs],
    ['gossipHeartbeatMs', resolved.gossipHeartbeatMs],
    ['dhtAlpha', resolved.dhtAlpha],
    ['pingIntervalMs', resolved.pingIntervalMs],
    ...(['D', 'Dlo', 'Dhi', 'Dlazy'] as const).map((k): [string, number] => [
      `gossipMesh.${k}`,
      resolved.gossipMesh[k],
    ]),
    ...[...KINDS, 'group' as const].map((k): [string, number] => [
      `maxMessageBytes.${k}`,
      resolved.maxMessageBytes[k],
    ]),
  ]
  for (const [name, value] of positive) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `${name} must be a positive integer`)
    }
  }
  if (resolved.port > 65535) throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, 'port must be 0..65535')
  const m = resolved.gossipMesh
  if (!(m.Dlo <= m.D && m.D <= m.Dhi)) {
    throw new P2pError(
      P2pErrorCode.P2P_BAD_ARGUMENT,
      `gossipMesh needs Dlo <= D <= Dhi, got Dlo ${m.Dlo}, D ${m.D}, Dhi ${m.Dhi}`,
    )
  }
  return resolved
}

/** Parses a multiaddr; `P2P_BAD_ARGUMENT` when it is not one. */
export function parseMultiaddr(addr: string): Multiaddr {
  try {
    return multiaddr(addr)
  } catch (e) {
    throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `bad multiaddr ${addr}: ${(e as Error).message}`)
  }
}

/** Parses a bootstrap entry, which must name its peer (`/p2p/<peerId>`). */
export function parseBootstrap(addr: string): BootstrapPeer {
  const ma = parseMultiaddr(addr)
  const peerId = peerIdOf(ma)
  if (peerId === undefined) {
    throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `bootstrap address ${addr} must end with /p2p/<peerId>`)
  }
  return { addr: ma, peerId }
}

/** The peer id a multiaddr ends with, if any. */
export function peerIdOf(ma: Multiaddr): string | undefined {
  return ma
    .getComponents()
    .filter((c) => c.name === 'p2p')
    .at(-1)?.value
}
