import '../polyfills.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { PeerId } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { Logger } from '../logger.js'
import { P2pError, P2pErrorCode } from './errors.js'
import { Gossip } from './gossip.js'
import { parseBootstrap, peerIdOf, type ResolvedOptions, resolveOptions } from './options.js'
import { PeerScoreBook } from './peerScore.js'
import { PeerManager } from './peers.js'
import { RateLimiter } from './rateLimiter.js'
import { ReqResp } from './reqResp.js'
import type { P2pRuntime, Services } from './runtime.js'
import type {
  GossipHandler,
  GossipKind,
  GossipValidator,
  P2pDeps,
  P2pOptions,
  PeerView,
  Status,
} from './types.js'
import { dhtProtocol } from './wire.js'
import { installYamuxWindowUpdates } from './yamuxWindow.js'

/**
 * The Gather p2p network: libp2p (TCP, noise, yamux, identify, ping, kad-dht), gossipsub topics for
 * transactions, blocks and votes, and one per group chain joined, with validation before relay
 * (`gossip.ts`), `status`, `blocks-by-range` and `group-blocks` request/response protocols with
 * per-peer rate limits (`reqResp.ts`), and peer scoring with bans, handshakes and discovery
 * (`peers.ts`). This class starts and stops libp2p and is the one surface of the three.
 *
 * An adapter: it knows nothing of blocks or state; the node passes callbacks in `deps`.
 */
export class P2pNetwork {
  private readonly opts: ResolvedOptions
  private readonly log: Logger
  private readonly rt: P2pRuntime
  private readonly peerManager: PeerManager
  private readonly reqResp: ReqResp
  private readonly gossip: Gossip
  private readonly background = new Set<Promise<unknown>>()
  private node: Libp2p<Services> | undefined
  private timer: NodeJS.Timeout | undefined
  private running = false

  constructor(opts: P2pOptions, deps: P2pDeps) {
    this.opts = resolveOptions(opts)
    this.log = deps.logger.child({ module: 'p2p' })
    this.rt = {
      opts: this.opts,
      deps,
      log: this.log,
      node: () => this.requireNode(),
      runningNode: () => this.requireRunning(),
      startedNode: () => this.node,
      isRunning: () => this.running,
      track: (p) => this.track(p),
    }
    const scores = new PeerScoreBook({
      banThreshold: this.opts.banThreshold,
      banDurationMs: this.opts.banDurationMs,
      halfLifeMs: this.opts.scoreHalfLifeMs,
    })
    const limiters = {
      status: new RateLimiter(this.opts.rateLimits.status),
      blocksByRange: new RateLimiter(this.opts.rateLimits.blocksByRange),
      groupBlocksByRange: new RateLimiter(this.opts.rateLimits.groupBlocksByRange),
    }
    const bootstrap = this.opts.bootstrap.map(parseBootstrap)
    this.peerManager = new PeerManager(this.rt, scores, bootstrap, (peer) => this.reqResp.requestStatus(peer))
    this.reqResp = new ReqResp(this.rt, this.peerManager, limiters)
    this.gossip = new Gossip(this.rt, this.peerManager)
  }

  /** Starts libp2p, subscribes to the topics, dials the bootstrap peers (in the background). */
  async start(): Promise<void> {
    if (this.node !== undefined) throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, 'network already started')
    const privateKey = await generateKeyPairFromSeed('Ed25519', this.opts.privateKey)
    const isBanned = (peer: PeerId): boolean => this.peerManager.isBanned(peer.toString())
    const services: Record<string, unknown> = {
      identify: identify(),
      ping: ping(),
      pubsub: this.gossip.service(),
    }
    if (this.opts.dht) {
      services.dht = kadDHT({
        protocol: dhtProtocol(this.opts.chainId),
        clientMode: false,
        peerInfoMapper: passthroughMapper,
        // kad-dht asks 10 peers at once by default: in a network of a few dozen nodes a lookup
        // then queries nearly everyone, and each answer costs both sides peer-store work
        alpha: this.opts.dhtAlpha,
        querySelfInterval: DHT_REFRESH_MS,
      })
    }
    installYamuxWindowUpdates()
    const node = (await createLibp2p({
      privateKey,
      start: false,
      addresses: { listen: [`/ip4/${this.opts.host}/tcp/${this.opts.port}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      // window updates at half a window, as the Go and Rust yamux send them (docs/adr/019)
      streamMuxers: [yamux()],
      connectionManager: { maxConnections: this.opts.maxPeers },
      // libp2p pings every connection and by default aborts one whose ping is late: on a busy
      // machine that drops healthy peers, and every redial costs a noise handshake. Peers that
      // really went away close their TCP connection; ping only measures round trips.
      connectionMonitor: { pingInterval: this.opts.pingIntervalMs, abortConnectionOnPingFailure: false },
      connectionGater: {
        denyDialPeer: isBanned,
        denyInboundEncryptedConnection: isBanned,
        denyOutboundEncryptedConnection: isBanned,
        denyInboundUpgradedConnection: isBanned,
        denyOutboundUpgradedConnection: isBanned,
        denyDialMultiaddr: (ma) => {
          const id = peerIdOf(ma)
          return id !== undefined && this.peerManager.isBanned(id)
        },
      },
      services: services as never,
    })) as Libp2p<Services>
    if (this.opts.dht) setTableRefresh((node.services as { dht?: unknown }).dht, DHT_REFRESH_MS)
    this.node = node
    const pubsub = node.services.pubsub
    this.gossip.attach(pubsub)
    node.addEventListener('peer:connect', (evt) => this.peerManager.onConnect(evt.detail))
    node.addEventListener('peer:disconnect', (evt) => {
      this.peerManager.onDisconnect(evt.detail)
      this.gossip.onDisconnect(evt.detail.toString())
    })
    node.addEventListener('peer:discovery', (evt) => this.peerManager.onDiscovery(evt.detail))
    await this.reqResp.handle(node)
    try {
      await node.start()
    } catch (e) {
      this.node = undefined
      await Promise.resolve(node.stop()).catch(() => undefined)
      throw new P2pError(
        P2pErrorCode.P2P_NOT_STARTED,
        `could not start p2p on ${this.opts.host}:${this.opts.port}: ${(e as Error).message}`,
      )
    }
    this.gossip.subscribe(pubsub)
    this.running = true
    this.timer = setInterval(() => this.maintain(), this.opts.maintenanceIntervalMs)
    this.timer.unref()
    this.maintain()
    this.log.info({ peerId: this.peerId, addrs: this.multiaddrs() }, 'p2p started')
  }

  /** Stops libp2p and every timer; safe to call twice or before start. */
  async stop(): Promise<void> {
    const node = this.node
    if (node === undefined) return
    this.running = false
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await node.stop()
    await Promise.allSettled([...this.background])
    this.gossip.detach()
    this.node = undefined
    this.log.info('p2p stopped')
  }

  /** Our libp2p peer id (derived from the private key, so stable across restarts). */
  get peerId(): string {
    return this.requireNode().peerId.toString()
  }

  /** The addresses we listen on, each ending with `/p2p/<peerId>` (usable as bootstrap entries). */
  multiaddrs(): string[] {
    return this.requireNode()
      .getMultiaddrs()
      .map((ma) => ma.toString())
  }

  /** Publishes a transaction; returns how many peers it was sent to. */
  publishTx(bytes: Uint8Array): Promise<number> {
    return this.gossip.publish('tx', bytes)
  }

  /**
   * Publishes a transaction on the direct topic (used by its receivers, never relayed) when that
   * reaches every peer of `mustReach`, else on the transaction topic as well (relayed):
   * docs/adr/017. Returns whether the direct copy was enough and how many peers it was sent to.
   */
  publishTxDirect(
    bytes: Uint8Array,
    mustReach: Iterable<string>,
  ): Promise<{ direct: boolean; recipients: number }> {
    return this.gossip.publishDirect('tx', bytes, mustReach)
  }

  /** Publishes a block; returns how many peers it was sent to. */
  publishBlock(bytes: Uint8Array): Promise<number> {
    return this.gossip.publish('block', bytes)
  }

  /** Publishes a vote; returns how many peers it was sent to. */
  publishVote(bytes: Uint8Array): Promise<number> {
    return this.gossip.publish('vote', bytes)
  }

  /** As `publishTxDirect`, for a vote. */
  publishVoteDirect(
    bytes: Uint8Array,
    mustReach: Iterable<string>,
  ): Promise<{ direct: boolean; recipients: number }> {
    return this.gossip.publishDirect('vote', bytes, mustReach)
  }

  /**
   * Sends a vote message to one peer, on its vote inbox (docs/adr/020); nobody relays it.
   * Returns whether gossipsub sent it to that peer.
   */
  publishVoteTo(peerId: string, bytes: Uint8Array): Promise<boolean> {
    return this.gossip.publishVoteTo(peerId, bytes)
  }

  /** Whether a peer is known to subscribe to its vote inbox. */
  hasVoteInbox(peerId: string): boolean {
    return this.gossip.hasVoteInbox(peerId)
  }

  /** Peers in our gossipsub mesh for a kind (a message we publish reaches at least these). */
  meshPeers(kind: GossipKind): string[] {
    return this.gossip.meshPeers(kind)
  }

  /** Peers known to subscribe to a kind's topic (`direct`: its direct topic, docs/adr/017). */
  subscribers(kind: GossipKind, direct = false): string[] {
    return this.gossip.subscribers(kind, direct)
  }

  /**
   * Joins group chain `groupId`'s gossip topic, `/gather/<chainId>/group/<groupId>/1`: each
   * message is size-checked (`maxMessageBytes.group`) and validated by `validator` before it is
   * delivered or relayed, exactly as the fixed kinds are ('reject' penalises the peer that sent
   * it), and the accepted ones go to `handler`. May be called before start (the topic is
   * subscribed when the network starts; joined groups stay joined across stop and start) or
   * after. Throws `P2P_BAD_ARGUMENT` if the group is already joined.
   */
  joinGroupTopic(groupId: number, validator: GossipValidator, handler: GossipHandler): void {
    this.gossip.joinGroup(groupId, validator, handler)
  }

  /**
   * Leaves a group's topic: unsubscribes and drops its validator; its messages are dropped from
   * then on. Throws `P2P_BAD_ARGUMENT` if the group is not joined.
   */
  leaveGroupTopic(groupId: number): void {
    this.gossip.leaveGroup(groupId)
  }

  /**
   * Publishes a message on a joined group's topic; returns how many peers it was sent to. Refuses
   * (`P2P_BAD_ARGUMENT`) a group not joined and an empty or oversized message.
   */
  publishGroup(groupId: number, bytes: Uint8Array): Promise<number> {
    return this.gossip.publishGroup(groupId, bytes)
  }

  /** Peers known to subscribe to a group's topic (known only while we are in the group). */
  groupTopicPeers(groupId: number): string[] {
    return this.gossip.groupSubscribers(groupId)
  }

  /** Peers in our gossipsub mesh for a group's topic (a message we publish reaches at least these). */
  groupMeshPeers(groupId: number): string[] {
    return this.gossip.groupMeshPeers(groupId)
  }

  /**
   * Asks a connected peer for its status (sending ours). A peer of another chain is banned and
   * disconnected, and the call fails with `P2P_WRONG_CHAIN`.
   */
  requestStatus(peerId: string): Promise<Status> {
    return this.reqResp.requestStatus(peerId)
  }

  /**
   * Asks a connected peer for blocks `from .. from+count-1` (`1 ≤ count ≤ maxBlocksPerRequest`).
   * Returns the encoded blocks it sent (possibly fewer than asked, never more); the caller checks
   * them and calls {@link reportPeer} for invalid ones.
   */
  requestBlocks(peerId: string, from: number, count: number): Promise<Uint8Array[]> {
    return this.reqResp.requestBlocks(peerId, from, count)
  }

  /**
   * Asks a connected peer for blocks `from .. from+count-1` of group chain `groupId` (`from ≥ 1`,
   * `1 ≤ count ≤ maxBlocksPerRequest`). Returns the encoded group blocks it sent, in height order
   * (possibly fewer than asked, never more); the caller checks them and calls {@link reportPeer}
   * for invalid ones. A peer that serves no group blocks answers `P2P_SERVER_ERROR`.
   */
  requestGroupBlocks(peerId: string, groupId: number, from: number, count: number): Promise<Uint8Array[]> {
    return this.reqResp.requestGroupBlocks(peerId, groupId, from, count)
  }

  /**
   * Lowers a peer's score by `penalty` (a positive number) for `reason`; at the ban threshold the
   * peer is disconnected and banned for the ban duration.
   */
  reportPeer(peerId: string, penalty: number, reason: string): void {
    this.peerManager.reportPeer(peerId, penalty, reason)
  }

  /** Bans a peer now (default: the configured ban duration) and disconnects it. */
  banPeer(peerId: string, reason: string, durationMs = this.opts.banDurationMs): void {
    this.peerManager.banPeer(peerId, reason, durationMs)
  }

  /** Whether a peer is banned now. */
  isBanned(peerId: string): boolean {
    return this.peerManager.isBanned(peerId)
  }

  /** A peer's current score (0 when never penalised). */
  peerScore(peerId: string): number {
    return this.peerManager.peerScore(peerId)
  }

  /** Connected peers, plus disconnected ones that still have a score or a ban. */
  peers(): PeerView[] {
    return this.peerManager.peers()
  }

  /** Ids of the connected peers. */
  connectedPeers(): string[] {
    return this.peerManager.connectedPeers()
  }

  /**
   * Dials a multiaddr (with `/p2p/<peerId>`) and exchanges status; resolves with the peer id once
   * the peer is connected and of our chain. Fails with the reason otherwise (a peer that banned us
   * accepts the TCP connection and then drops it: that fails here too).
   */
  connect(addr: string): Promise<string> {
    return this.peerManager.connect(addr)
  }

  /** Closes every connection to a peer (it may reconnect; use {@link banPeer} to keep it out). */
  disconnect(peerId: string): Promise<void> {
    return this.peerManager.disconnect(peerId)
  }

  /**
   * The underlying libp2p node: an escape hatch for diagnostics and tests, not for protocols
   * (everything the chain needs is a method here).
   */
  get libp2p(): Libp2p {
    return this.requireNode()
  }

  /** The maintenance tick: rate-limit buckets and scores pruned, peers redialled or discovered. */
  private maintain(): void {
    if (!this.running) return
    this.reqResp.prune()
    this.peerManager.maintain()
  }

  private track(p: Promise<unknown>): void {
    this.background.add(p)
    void p.finally(() => this.background.delete(p))
  }

  private requireNode(): Libp2p<Services> {
    if (this.node === undefined)
      throw new P2pError(P2pErrorCode.P2P_NOT_STARTED, 'p2p network is not started')
    return this.node
  }

  private requireRunning(): Libp2p<Services> {
    const node = this.requireNode()
    if (!this.running) throw new P2pError(P2pErrorCode.P2P_NOT_STARTED, 'p2p network is stopping')
    return node
  }
}

/**
 * How often kad-dht repeats its self-query and its routing-table refresh (its default is 5
 * minutes each; both also run once at start). Each is a set of lookups that, in a network of a
 * few dozen nodes, asks nearly every peer, with peer-store work on both sides: the burst every 5
 * minutes that a profile of an idle validator showed (docs/adr/020, docs/adr/021). Our own
 * discovery round (`PeerManager`) still looks for peers at start and again when one leaves.
 */
export const DHT_REFRESH_MS = 30 * 60_000

/**
 * Sets kad-dht's routing-table refresh interval, which kad-dht 16 takes from no option (it is
 * read when the refresh is rescheduled, after the one forced at start). Throws when the
 * installed kad-dht does not have it where expected, so that another version fails at start
 * instead of silently refreshing every 5 minutes.
 */
function setTableRefresh(dht: unknown, ms: number): void {
  const refresh = (dht as { routingTableRefresh?: { refreshInterval?: unknown } } | undefined)
    ?.routingTableRefresh
  if (refresh === undefined || typeof refresh.refreshInterval !== 'number') {
    throw new P2pError(
      P2pErrorCode.P2P_NOT_STARTED,
      'this @libp2p/kad-dht has no routingTableRefresh.refreshInterval (the refresh interval needs 16.x)',
    )
  }
  refresh.refreshInterval = ms
}
