import type { Connection, PeerId, PeerInfo } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { P2pError, P2pErrorCode, type P2pErrorCodeName } from './errors.js'
import { type BootstrapPeer, parseMultiaddr, peerIdOf } from './options.js'
import type { PeerScoreBook } from './peerScore.js'
import type { P2pRuntime } from './runtime.js'
import type { PeerView, Status } from './types.js'

/** The longest wait between two discovery rounds. */
const MAX_DISCOVERY_BACKOFF_MS = 300_000
/**
 * Between rounds once settled (every bootstrap peer connected, two rounds without anyone new):
 * the same lookup as kad-dht's own self-query, which runs every 5 minutes anyway. A peer that
 * leaves starts the rounds again (docs/adr/020).
 */
const SETTLED_DISCOVERY_BACKOFF_MS = 30 * 60_000

/**
 * The peers of a P2pNetwork: scores and bans, the status each connected peer last reported, the
 * status handshake on every new connection, and finding peers (bootstrap redials, DHT
 * discovery with backoff) on the maintenance tick.
 */
export class PeerManager {
  private readonly peerStatus = new Map<string, Status>()
  private readonly dialing = new Set<string>()
  private readonly handshakes = new Map<string, Promise<Status>>()
  private discovering = false
  /** when the next DHT discovery round may run (ms), and the wait after a round that found nobody */
  private nextDiscovery = 0
  private discoveryBackoffMs = 0
  /** discovery rounds in a row after which we were connected to nobody new */
  private fruitlessRounds = 0

  /** the bootstrap peers' ids */
  private readonly bootstrapIds: ReadonlySet<string>

  /** `requestStatus` is the status exchange the handshake runs (request/response). */
  constructor(
    private readonly rt: P2pRuntime,
    private readonly scores: PeerScoreBook,
    private readonly bootstrap: readonly BootstrapPeer[],
    private readonly requestStatus: (peerId: string) => Promise<Status>,
  ) {
    this.bootstrapIds = new Set(bootstrap.map((b) => b.peerId))
  }

  /** Our libp2p peer id. */
  private get ownId(): string {
    return this.rt.node().peerId.toString()
  }

  /**
   * Lowers a peer's score by `penalty` (a positive number) for `reason`; at the ban threshold the
   * peer is disconnected and banned for the ban duration.
   */
  reportPeer(peerId: string, penalty: number, reason: string): void {
    if (!Number.isFinite(penalty) || penalty < 0) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `penalty must be a non-negative number, got ${penalty}`,
      )
    }
    const { score, banned } = this.scores.penalise(peerId, penalty)
    this.rt.deps.metrics?.peerPenalty?.(reason)
    this.rt.log.debug({ peer: peerId, penalty, score, reason }, 'peer penalised')
    if (banned) this.onBanned(peerId, reason)
  }

  /** Bans a peer now (default: the configured ban duration) and disconnects it. */
  banPeer(peerId: string, reason: string, durationMs = this.rt.opts.banDurationMs): void {
    const already = this.scores.isBanned(peerId)
    this.scores.ban(peerId, durationMs)
    if (already) {
      if (this.rt.startedNode() !== undefined) this.rt.track(this.disconnect(peerId).catch(() => undefined))
      return
    }
    this.onBanned(peerId, reason)
  }

  /** Whether a peer is banned now. */
  isBanned(peerId: string): boolean {
    return this.scores.isBanned(peerId)
  }

  /** A peer's current score (0 when never penalised). */
  peerScore(peerId: string): number {
    return this.scores.score(peerId)
  }

  /** Connected peers, plus disconnected ones that still have a score or a ban. */
  peers(): PeerView[] {
    const node = this.rt.node()
    const byPeer = new Map<string, Connection>()
    for (const conn of node.getConnections()) {
      const id = conn.remotePeer.toString()
      if (!byPeer.has(id)) byPeer.set(id, conn)
    }
    const ids = new Set([...byPeer.keys(), ...this.scores.knownPeers()])
    const views: PeerView[] = []
    for (const id of ids) {
      const conn = byPeer.get(id)
      const bannedUntil = this.scores.bannedUntil(id)
      const status = this.peerStatus.get(id)
      views.push({
        id,
        connected: conn !== undefined,
        score: this.scores.score(id),
        banned: bannedUntil !== undefined,
        ...(conn !== undefined ? { address: conn.remoteAddr.toString(), direction: conn.direction } : {}),
        ...(bannedUntil !== undefined ? { bannedUntil } : {}),
        ...(status !== undefined ? { status } : {}),
      })
    }
    return views
  }

  /** Ids of the connected peers. */
  connectedPeers(): string[] {
    return [...connectedIds(this.rt.node())]
  }

  /**
   * Dials a multiaddr (with `/p2p/<peerId>`) and exchanges status; resolves with the peer id once
   * the peer is connected and of our chain. Fails with the reason otherwise (a peer that banned us
   * accepts the TCP connection and then drops it: that fails here too).
   */
  async connect(addr: string): Promise<string> {
    const node = this.rt.runningNode()
    const ma = parseMultiaddr(addr)
    const id = peerIdOf(ma)
    if (id !== undefined && this.scores.isBanned(id)) {
      throw new P2pError(P2pErrorCode.P2P_PEER_BANNED, `peer ${id} is banned`)
    }
    let peerId: string
    try {
      const conn = await node.dial(ma, { signal: AbortSignal.timeout(this.rt.opts.requestTimeoutMs) })
      peerId = conn.remotePeer.toString()
    } catch (e) {
      throw new P2pError(P2pErrorCode.P2P_STREAM_FAILED, `dial ${addr} failed: ${(e as Error).message}`)
    }
    try {
      await this.handshake(peerId)
    } catch (e) {
      const code = e instanceof P2pError ? e.code : P2pErrorCode.P2P_STREAM_FAILED
      throw new P2pError(
        code as P2pErrorCodeName,
        `connected to ${addr} but the status exchange failed: ${(e as Error).message}`,
      )
    }
    return peerId
  }

  /** Closes every connection to a peer (it may reconnect; use {@link banPeer} to keep it out). */
  async disconnect(peerId: string): Promise<void> {
    const node = this.rt.node()
    const conns = node.getConnections().filter((c) => c.remotePeer.toString() === peerId)
    const first = conns[0]
    if (first !== undefined) await node.hangUp(first.remotePeer)
  }

  /** Keeps the status a peer of our chain reported, and tells the node. */
  recordStatus(peerId: string, status: Status): void {
    this.peerStatus.set(peerId, status)
    try {
      this.rt.deps.onPeerStatus?.(peerId, status)
    } catch (e) {
      this.rt.log.error({ err: (e as Error).message }, 'onPeerStatus failed')
    }
  }

  /** libp2p `peer:connect`: a banned peer is dropped, any other gets the status handshake. */
  onConnect(peer: PeerId): void {
    const id = peer.toString()
    this.rt.deps.metrics?.peers?.(this.connectedCount())
    this.rt.deps.onPeerConnection?.(id, true)
    if (this.scores.isBanned(id)) {
      this.rt.track(this.disconnect(id).catch(() => undefined))
      return
    }
    void this.handshake(id).catch(() => undefined)
  }

  /** libp2p `peer:disconnect`. */
  onDisconnect(peer: PeerId): void {
    const id = peer.toString()
    this.peerStatus.delete(id)
    // a peer went: look for others at the next maintenance tick, but keep the backoff (a peer
    // that comes and goes must not turn discovery back into a round every few seconds). A
    // bootstrap peer is redialled by the maintenance tick anyway: no lookup for it.
    if (!this.bootstrapIds.has(id)) this.nextDiscovery = 0
    this.rt.deps.metrics?.peers?.(this.connectedCount())
    this.rt.deps.onPeerConnection?.(id, false)
  }

  /** libp2p `peer:discovery` (DHT): dialled while we have fewer than the target. */
  onDiscovery(info: PeerInfo): void {
    if (!this.rt.isRunning() || !this.rt.opts.dht) return
    const node = this.rt.node()
    if (connectedIds(node).size >= this.rt.opts.targetPeers) return
    this.maybeDial(info.id.toString(), () => node.dial(info.id))
  }

  /**
   * Status exchange on every new connection (one at a time per peer): a peer of another chain is
   * banned, one that fails the exchange is penalised and dropped.
   */
  private handshake(peerId: string): Promise<Status> {
    let running = this.handshakes.get(peerId)
    if (running === undefined) {
      running = this.runHandshake(peerId).finally(() => this.handshakes.delete(peerId))
      this.handshakes.set(peerId, running)
      this.rt.track(running.catch(() => undefined))
    }
    return running
  }

  private async runHandshake(peerId: string): Promise<Status> {
    try {
      return await this.requestStatus(peerId)
    } catch (e) {
      const code = (e as P2pError).code
      const expected: string[] = [
        P2pErrorCode.P2P_WRONG_CHAIN,
        P2pErrorCode.P2P_PEER_BANNED,
        P2pErrorCode.P2P_NOT_CONNECTED,
        P2pErrorCode.P2P_NOT_STARTED,
      ]
      if (this.rt.isRunning() && !expected.includes(code)) {
        this.rt.log.debug(
          { peer: peerId, err: (e as Error).message },
          'status handshake failed; disconnecting',
        )
        // a mute peer is penalised; one that closed the stream on us (it may have banned us) is
        // only dropped, so that we do not ban it back while it keeps us out
        if (code === P2pErrorCode.P2P_TIMEOUT) {
          this.reportPeer(peerId, this.rt.opts.penalties.handshakeFailed, 'status handshake timed out')
        }
        await this.disconnect(peerId).catch(() => undefined)
      }
      throw e
    }
  }

  private onBanned(peerId: string, reason: string): void {
    this.rt.deps.metrics?.peerBanned?.(reason)
    this.rt.log.warn({ peer: peerId, reason, until: this.scores.bannedUntil(peerId) }, 'peer banned')
    this.peerStatus.delete(peerId)
    if (this.rt.startedNode() !== undefined) this.rt.track(this.disconnect(peerId).catch(() => undefined))
  }

  /** The maintenance tick: forget old scores, redial bootstrap peers, discover more when short. */
  maintain(): void {
    this.scores.prune()
    const node = this.rt.node()
    const connected = connectedIds(node)
    for (const b of this.bootstrap) {
      if (b.peerId === this.ownId || connected.has(b.peerId)) continue
      this.maybeDial(b.peerId, () =>
        node.dial(b.addr, { signal: AbortSignal.timeout(this.rt.opts.requestTimeoutMs) }),
      )
    }
    if (
      this.rt.opts.dht &&
      connected.size > 0 &&
      connected.size < this.rt.opts.targetPeers &&
      Date.now() >= this.nextDiscovery
    )
      this.rt.track(this.discover())
  }

  /**
   * Looks up the peers closest to our own id in the DHT and dials those we are not connected to.
   * A round that connects nobody new doubles the wait before the next (up to 5 minutes, 30 once
   * settled): a small network where everyone knows everyone stops asking, instead of querying
   * every few seconds.
   * "New" is a peer we connected to, not one the DHT named: a peer it keeps naming that we cannot
   * reach (stopped, banned us, full) would otherwise keep the rounds at their shortest.
   */
  private async discover(): Promise<void> {
    if (this.discovering) return
    this.discovering = true
    const node = this.rt.node()
    const before = connectedIds(node)
    let found = false
    const dials: Promise<unknown>[] = []
    try {
      const signal = AbortSignal.timeout(this.rt.opts.requestTimeoutMs)
      for await (const info of node.peerRouting.getClosestPeers(node.peerId.toMultihash().bytes, {
        signal,
      })) {
        if (!this.rt.isRunning()) break
        if (connectedIds(node).size >= this.rt.opts.targetPeers) break
        const dial = this.maybeDial(info.id.toString(), () =>
          node.dial(info.multiaddrs.length > 0 ? info.multiaddrs : info.id, {
            signal: AbortSignal.timeout(this.rt.opts.requestTimeoutMs),
          }),
        )
        if (dial !== undefined) dials.push(dial)
      }
      await Promise.allSettled(dials)
      // a bootstrap peer back after a disconnect is the maintenance tick's redial, not discovery
      found = [...connectedIds(node)].some((p) => !before.has(p) && !this.bootstrapIds.has(p))
    } catch (e) {
      this.rt.log.debug({ err: (e as Error).message }, 'dht discovery round failed')
    } finally {
      this.discovering = false
      const base = this.rt.opts.maintenanceIntervalMs
      this.fruitlessRounds = found ? 0 : this.fruitlessRounds + 1
      // connected to every bootstrap peer and twice nobody new: we know the network as far as the
      // DHT does; a node that joins later finds us with its own lookups and dials us
      const settled = this.fruitlessRounds >= 2 && this.hasEveryBootstrapPeer()
      this.discoveryBackoffMs = found
        ? 0
        : settled
          ? SETTLED_DISCOVERY_BACKOFF_MS
          : Math.min(MAX_DISCOVERY_BACKOFF_MS, Math.max(base, this.discoveryBackoffMs * 2))
      this.nextDiscovery = Date.now() + this.discoveryBackoffMs
    }
  }

  private connectedCount(): number {
    const node = this.rt.startedNode()
    return node === undefined ? 0 : connectedIds(node).size
  }

  /** Whether we are connected to every bootstrap peer (but ourselves). */
  private hasEveryBootstrapPeer(): boolean {
    const connected = connectedIds(this.rt.node())
    return this.bootstrap.every((b) => b.peerId === this.ownId || connected.has(b.peerId))
  }

  /** Dials a peer unless we are connected, dialling it already, or full; the dial, when one started. */
  private maybeDial(peerId: string, dial: () => Promise<unknown>): Promise<unknown> | undefined {
    const node = this.rt.startedNode()
    if (!this.rt.isRunning() || node === undefined) return undefined
    if (peerId === this.ownId || this.dialing.has(peerId) || this.scores.isBanned(peerId)) return undefined
    if (node.getConnections().some((c) => c.remotePeer.toString() === peerId)) return undefined
    if (connectedIds(node).size >= this.rt.opts.maxPeers) return undefined
    this.dialing.add(peerId)
    const running = dial()
      .catch((e: Error) => this.rt.log.debug({ peer: peerId, err: e.message }, 'dial failed'))
      .finally(() => this.dialing.delete(peerId))
    this.rt.track(running)
    return running
  }
}

/**
 * The ids of the peers with an open connection. libp2p's `getPeers()` goes through a PeerSet,
 * which turns every id into a string and back into a PeerId (a base58 decode and encode per peer);
 * a connection's `remotePeer` keeps its string.
 */
function connectedIds(node: Libp2p): Set<string> {
  const ids = new Set<string>()
  for (const conn of node.getConnections()) ids.add(conn.remotePeer.toString())
  return ids
}
