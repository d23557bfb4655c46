import '../polyfills.js'
import { createHash } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { type GossipSub, type GossipsubMessage, gossipsub, TopicValidatorResult } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Connection, PeerId, PeerInfo, Stream } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { Logger } from '../logger.js'
import { P2pError, P2pErrorCode, type P2pErrorCodeName } from './errors.js'
import { PeerScoreBook } from './peerScore.js'
import { RateLimiter } from './rateLimiter.js'
import type {
  GossipKind,
  GossipValidator,
  P2pDeps,
  P2pOptions,
  PeerView,
  Penalties,
  RateLimit,
  Status,
  Verdict,
} from './types.js'
import {
  decodeBlocksByRange,
  decodeResponseChunk,
  decodeStatus,
  dhtProtocol,
  encodeBlocksByRange,
  encodeErrorChunk,
  encodeFrame,
  encodeResponseChunk,
  encodeStatus,
  errorCodeOfResponse,
  FrameDecoder,
  gossipTopic,
  protocolIds,
  ResponseCode,
  type ResponseCodeValue,
  sameChain,
} from './wire.js'

/** Defaults of {@link P2pOptions}. */
export const P2P_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  dht: true,
  targetPeers: 25,
  maxPeers: 50,
  maxMessageBytes: { tx: 64 * 1024, block: 2 * 1024 * 1024, vote: 4 * 1024 } as Record<GossipKind, number>,
  maxBlockBytes: 2 * 1024 * 1024,
  maxBlocksPerRequest: 128,
  requestTimeoutMs: 10_000,
  serverReadTimeoutMs: 5_000,
  rateLimits: {
    status: { capacity: 10, refillPerSecond: 1 } as RateLimit,
    blocksByRange: { capacity: 1024, refillPerSecond: 256 } as RateLimit,
  },
  penalties: { invalidGossip: 22, malformedFrame: 40, rateLimited: 8, handshakeFailed: 10 } as Penalties,
  banThreshold: -100,
  banDurationMs: 10 * 60_000,
  scoreHalfLifeMs: 10 * 60_000,
  maintenanceIntervalMs: 5_000,
} as const

const KINDS: readonly GossipKind[] = ['tx', 'block', 'vote']
/** Loopback addresses, exempt from gossipsub's same-IP penalty. */
const LOOPBACK = ['127.0.0.1', '::1']
/** Largest request frame: a status (≤ 1 KiB of JSON) or a 12-byte range. */
const MAX_REQUEST_BYTES = 1024

interface Services extends Record<string, unknown> {
  pubsub: GossipSub
}

/** The parts of gossipsub's class we use beyond its exported interface. */
interface GossipSubMesh {
  getMeshPeers(topic: string): string[]
}

interface BootstrapPeer {
  addr: Multiaddr
  peerId: string
}

type ResolvedOptions = Required<Omit<P2pOptions, 'maxMessageBytes' | 'rateLimits' | 'penalties'>> & {
  maxMessageBytes: Record<GossipKind, number>
  rateLimits: { status: RateLimit; blocksByRange: RateLimit }
  penalties: Penalties
}

/**
 * The Gather p2p network: libp2p (TCP, noise, yamux, identify, ping, kad-dht), gossipsub topics for
 * transactions, blocks and votes with validation before relay, `status` and `blocks-by-range`
 * request/response protocols with per-peer rate limits, and peer scoring with bans.
 *
 * An adapter: it knows nothing of blocks or state; the node passes callbacks in `deps`.
 */
export class P2pNetwork {
  private readonly opts: ResolvedOptions
  private readonly deps: P2pDeps
  private readonly log: Logger
  private readonly topics: Record<GossipKind, string>
  private readonly protocols: { status: string; blocksByRange: string }
  private readonly scores: PeerScoreBook
  private readonly statusLimiter: RateLimiter
  private readonly rangeLimiter: RateLimiter
  private readonly bootstrap: BootstrapPeer[]
  private readonly peerStatus = new Map<string, Status>()
  private readonly dialing = new Set<string>()
  private readonly handshakes = new Map<string, Promise<Status>>()
  private readonly background = new Set<Promise<unknown>>()
  private node: Libp2p<Services> | undefined
  private timer: NodeJS.Timeout | undefined
  private running = false
  private discovering = false
  /** when the next DHT discovery round may run (ms), and the wait after a round that found nobody */
  private nextDiscovery = 0
  private discoveryBackoffMs = 0

  constructor(opts: P2pOptions, deps: P2pDeps) {
    this.opts = resolveOptions(opts)
    this.deps = deps
    this.log = deps.logger.child({ module: 'p2p' })
    const chainId = this.opts.chainId
    this.topics = {
      tx: gossipTopic(chainId, 'tx'),
      block: gossipTopic(chainId, 'block'),
      vote: gossipTopic(chainId, 'vote'),
    }
    this.protocols = protocolIds(chainId)
    this.scores = new PeerScoreBook({
      banThreshold: this.opts.banThreshold,
      banDurationMs: this.opts.banDurationMs,
      halfLifeMs: this.opts.scoreHalfLifeMs,
    })
    this.statusLimiter = new RateLimiter(this.opts.rateLimits.status)
    this.rangeLimiter = new RateLimiter(this.opts.rateLimits.blocksByRange)
    this.bootstrap = this.opts.bootstrap.map(parseBootstrap)
  }

  /** Starts libp2p, subscribes to the topics, dials the bootstrap peers (in the background). */
  async start(): Promise<void> {
    if (this.node !== undefined) throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, 'network already started')
    const privateKey = await generateKeyPairFromSeed('Ed25519', this.opts.privateKey)
    const isBanned = (peer: PeerId): boolean => this.scores.isBanned(peer.toString())
    const services: Record<string, unknown> = {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (msg) => msgId(msg.topic, msg.data),
        allowedTopics: KINDS.map((k) => this.topics[k]),
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        // gossipsub scores down peers sharing an IP beyond 10 (a sybil defence): a local testnet
        // has every peer on loopback, and at 11+ of them each would be graylisted and its
        // messages dropped. Loopback peers are our own machine's, never a remote sybil.
        scoreParams: { IPColocationFactorWhitelist: new Set(LOOPBACK) },
        // a frame can batch several messages; anything larger is dropped before decoding
        maxInboundDataLength: 2 * Math.max(...Object.values(this.opts.maxMessageBytes)) + 64 * 1024,
      }),
    }
    if (this.opts.dht) {
      services.dht = kadDHT({
        protocol: dhtProtocol(this.opts.chainId),
        clientMode: false,
        peerInfoMapper: passthroughMapper,
      })
    }
    const node = (await createLibp2p({
      privateKey,
      start: false,
      addresses: { listen: [`/ip4/${this.opts.host}/tcp/${this.opts.port}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionManager: { maxConnections: this.opts.maxPeers },
      // libp2p pings every connection and by default aborts one whose ping is late: on a busy
      // machine that drops healthy peers, and every redial costs a noise handshake. Peers that
      // really went away close their TCP connection; ping only measures round trips.
      connectionMonitor: { pingInterval: 30_000, abortConnectionOnPingFailure: false },
      connectionGater: {
        denyDialPeer: isBanned,
        denyInboundEncryptedConnection: isBanned,
        denyOutboundEncryptedConnection: isBanned,
        denyInboundUpgradedConnection: isBanned,
        denyOutboundUpgradedConnection: isBanned,
        denyDialMultiaddr: (ma) => {
          const id = peerIdOf(ma)
          return id !== undefined && this.scores.isBanned(id)
        },
      },
      services: services as never,
    })) as Libp2p<Services>
    this.node = node
    const pubsub = node.services.pubsub
    for (const kind of KINDS) {
      pubsub.topicValidators.set(this.topics[kind], (peer, msg) => this.validateGossip(kind, peer, msg.data))
    }
    pubsub.addEventListener('gossipsub:message', (evt) => this.deliverGossip(evt.detail))
    node.addEventListener('peer:connect', (evt) => this.onConnect(evt.detail))
    node.addEventListener('peer:disconnect', (evt) => this.onDisconnect(evt.detail))
    node.addEventListener('peer:discovery', (evt) => this.onDiscovery(evt.detail))
    await node.handle(this.protocols.status, (stream, conn) => this.track(this.serveStatus(stream, conn)), {
      maxInboundStreams: 4,
    })
    await node.handle(
      this.protocols.blocksByRange,
      (stream, conn) => this.track(this.serveBlocksByRange(stream, conn)),
      { maxInboundStreams: 8 },
    )
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
    for (const kind of KINDS) pubsub.subscribe(this.topics[kind])
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

  /** The gossip topic names of this chain. */
  get topicNames(): Readonly<Record<GossipKind, string>> {
    return this.topics
  }

  /** Publishes a transaction; returns how many peers it was sent to. */
  publishTx(bytes: Uint8Array): Promise<number> {
    return this.publish('tx', bytes)
  }

  /** Publishes a block; returns how many peers it was sent to. */
  publishBlock(bytes: Uint8Array): Promise<number> {
    return this.publish('block', bytes)
  }

  /** Publishes a vote; returns how many peers it was sent to. */
  publishVote(bytes: Uint8Array): Promise<number> {
    return this.publish('vote', bytes)
  }

  /** Peers in our gossipsub mesh for a kind (a message we publish reaches at least these). */
  meshPeers(kind: GossipKind): string[] {
    const pubsub = this.requireNode().services.pubsub as unknown as Partial<GossipSubMesh>
    return typeof pubsub.getMeshPeers === 'function' ? pubsub.getMeshPeers(this.topics[kind]) : []
  }

  /** Peers known to subscribe to a kind's topic. */
  subscribers(kind: GossipKind): string[] {
    return this.requireNode()
      .services.pubsub.getSubscribers(this.topics[kind])
      .map((p) => p.toString())
  }

  /**
   * Asks a connected peer for its status (sending ours). A peer of another chain is banned and
   * disconnected, and the call fails with `P2P_WRONG_CHAIN`.
   */
  async requestStatus(peerId: string): Promise<Status> {
    const ours = await this.deps.getStatus()
    let chunks: Uint8Array[]
    try {
      chunks = await this.request(peerId, 'status', encodeStatus(ours), 1, MAX_REQUEST_BYTES)
    } catch (e) {
      // the peer found our chain different: it is not one of ours either
      if (e instanceof P2pError && e.code === P2pErrorCode.P2P_WRONG_CHAIN) {
        this.banPeer(peerId, `wrong chain: ${e.message}`)
      }
      throw e
    }
    const [body, ...rest] = chunks
    if (body === undefined || rest.length > 0) {
      throw this.badResponse(peerId, 'status', 'expected exactly one status chunk')
    }
    let theirs: Status
    try {
      theirs = decodeStatus(body)
    } catch (e) {
      throw this.badResponse(peerId, 'status', (e as Error).message)
    }
    const same = sameChain(ours, theirs)
    if (!same.ok) {
      this.banPeer(peerId, `wrong chain: ${same.reason}`)
      throw new P2pError(P2pErrorCode.P2P_WRONG_CHAIN, `peer ${peerId} is on another chain: ${same.reason}`)
    }
    this.recordStatus(peerId, theirs)
    return theirs
  }

  /**
   * Asks a connected peer for blocks `from .. from+count-1` (`1 ≤ count ≤ maxBlocksPerRequest`).
   * Returns the encoded blocks it sent (possibly fewer than asked, never more); the caller checks
   * them and calls {@link reportPeer} for invalid ones.
   */
  async requestBlocks(peerId: string, from: number, count: number): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(from) || from < 0) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `from height must be a non-negative integer, got ${from}`,
      )
    }
    const max = this.opts.maxBlocksPerRequest
    if (!Number.isSafeInteger(count) || count < 1 || count > max) {
      throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `count must be an integer in 1..${max}, got ${count}`)
    }
    return this.request(
      peerId,
      'blocksByRange',
      encodeBlocksByRange(from, count),
      count,
      this.opts.maxBlockBytes,
    )
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
    this.deps.metrics?.peerPenalty?.(reason)
    this.log.debug({ peer: peerId, penalty, score, reason }, 'peer penalised')
    if (banned) this.onBanned(peerId, reason)
  }

  /** Bans a peer now (default: the configured ban duration) and disconnects it. */
  banPeer(peerId: string, reason: string, durationMs = this.opts.banDurationMs): void {
    const already = this.scores.isBanned(peerId)
    this.scores.ban(peerId, durationMs)
    if (already) {
      if (this.node !== undefined) this.track(this.disconnect(peerId).catch(() => undefined))
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
    const node = this.requireNode()
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
    return this.requireNode()
      .getPeers()
      .map((p) => p.toString())
  }

  /**
   * Dials a multiaddr (with `/p2p/<peerId>`) and exchanges status; resolves with the peer id once
   * the peer is connected and of our chain. Fails with the reason otherwise (a peer that banned us
   * accepts the TCP connection and then drops it: that fails here too).
   */
  async connect(addr: string): Promise<string> {
    const node = this.requireRunning()
    const ma = parseMultiaddr(addr)
    const id = peerIdOf(ma)
    if (id !== undefined && this.scores.isBanned(id)) {
      throw new P2pError(P2pErrorCode.P2P_PEER_BANNED, `peer ${id} is banned`)
    }
    let peerId: string
    try {
      const conn = await node.dial(ma, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs) })
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
    const node = this.requireNode()
    const conns = node.getConnections().filter((c) => c.remotePeer.toString() === peerId)
    const first = conns[0]
    if (first !== undefined) await node.hangUp(first.remotePeer)
  }

  /**
   * The underlying libp2p node: an escape hatch for diagnostics and tests, not for protocols
   * (everything the chain needs is a method here).
   */
  get libp2p(): Libp2p {
    return this.requireNode()
  }

  // -- gossip ---------------------------------------------------------------------------------

  private async publish(kind: GossipKind, bytes: Uint8Array): Promise<number> {
    const node = this.requireRunning()
    const limit = this.opts.maxMessageBytes[kind]
    if (bytes.length === 0 || bytes.length > limit) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `${kind} message of ${bytes.length} bytes is outside 1..${limit} bytes`,
      )
    }
    const result = await node.services.pubsub.publish(this.topics[kind], bytes)
    this.deps.metrics?.gossipOut?.(kind)
    return result.recipients.length
  }

  private async validateGossip(
    kind: GossipKind,
    peer: PeerId,
    data: Uint8Array,
  ): Promise<TopicValidatorResult> {
    const from = peer.toString()
    let verdict: Verdict
    if (this.scores.isBanned(from)) {
      verdict = 'ignore'
    } else if (data.length === 0 || data.length > this.opts.maxMessageBytes[kind]) {
      verdict = 'reject'
    } else {
      verdict = await this.runValidator(this.validatorOf(kind), kind, data, from)
    }
    this.deps.metrics?.gossipIn?.(kind, verdict)
    if (verdict === 'reject') {
      // not inside gossipsub's handler: a ban closes the connection this message came on
      queueMicrotask(() => this.reportPeer(from, this.opts.penalties.invalidGossip, `invalid ${kind} gossip`))
      return TopicValidatorResult.Reject
    }
    return verdict === 'accept' ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
  }

  private async runValidator(
    validate: GossipValidator,
    kind: GossipKind,
    data: Uint8Array,
    from: string,
  ): Promise<Verdict> {
    try {
      const verdict = await validate(data, from)
      if (verdict === 'accept' || verdict === 'reject' || verdict === 'ignore') return verdict
      this.log.error({ kind, verdict }, 'gossip validator returned an unknown verdict; ignoring the message')
    } catch (e) {
      this.log.error({ kind, err: (e as Error).message }, 'gossip validator threw; ignoring the message')
    }
    return 'ignore'
  }

  private validatorOf(kind: GossipKind): GossipValidator {
    if (kind === 'tx') return this.deps.validateTx
    if (kind === 'block') return this.deps.validateBlock
    return this.deps.validateVote
  }

  private deliverGossip(detail: GossipsubMessage): void {
    const kind = KINDS.find((k) => this.topics[k] === detail.msg.topic)
    if (kind === undefined) return
    const handler = kind === 'tx' ? this.deps.onTx : kind === 'block' ? this.deps.onBlock : this.deps.onVote
    if (handler === undefined) return
    const from = detail.propagationSource.toString()
    try {
      const done = handler(detail.msg.data, from)
      if (done instanceof Promise) {
        this.track(
          done.catch((e: Error) => this.log.error({ kind, err: e.message }, 'gossip handler failed')),
        )
      }
    } catch (e) {
      this.log.error({ kind, err: (e as Error).message }, 'gossip handler failed')
    }
  }

  // -- request / response: client -------------------------------------------------------------

  private async request(
    peerId: string,
    protocol: 'status' | 'blocksByRange',
    payload: Uint8Array,
    maxChunks: number,
    maxChunkBytes: number,
  ): Promise<Uint8Array[]> {
    const node = this.requireRunning()
    if (this.scores.isBanned(peerId))
      throw new P2pError(P2pErrorCode.P2P_PEER_BANNED, `peer ${peerId} is banned`)
    const conn = node.getConnections().find((c) => c.remotePeer.toString() === peerId)
    if (conn === undefined)
      throw new P2pError(P2pErrorCode.P2P_NOT_CONNECTED, `peer ${peerId} is not connected`)
    const name = protocolLabel(protocol)
    const timeoutMs = this.opts.requestTimeoutMs
    const signal = AbortSignal.timeout(timeoutMs)
    let stream: Stream | undefined
    try {
      stream = await node.dialProtocol(conn.remotePeer, this.protocols[protocol], { signal })
      const opened = stream
      signal.addEventListener('abort', () => opened.abort(new Error('request timed out')), { once: true })
      // start reading before sending: a fast answer then finds our listener already there
      const reading = readResponse(stream, peerId, name, maxChunks, maxChunkBytes)
      const sending = writeAll(stream, encodeFrame(payload), signal).then(() => opened.close({ signal }))
      const [chunks] = await Promise.all([reading, sending])
      this.deps.metrics?.reqResp?.(name, 'outbound', 'ok')
      return chunks
    } catch (e) {
      stream?.abort(e as Error)
      const err = this.clientError(e, peerId, name, signal.aborted, timeoutMs)
      this.deps.metrics?.reqResp?.(name, 'outbound', err.code)
      if (err.code === P2pErrorCode.P2P_BAD_RESPONSE) {
        this.reportPeer(peerId, this.opts.penalties.malformedFrame, `bad ${name} response`)
      }
      throw err
    }
  }

  private clientError(
    e: unknown,
    peerId: string,
    name: string,
    timedOut: boolean,
    timeoutMs: number,
  ): P2pError {
    if (timedOut) {
      return new P2pError(
        P2pErrorCode.P2P_TIMEOUT,
        `${name} request to ${peerId} timed out after ${timeoutMs} ms`,
      )
    }
    if (e instanceof P2pError) {
      if (e.code === P2pErrorCode.P2P_BAD_RESPONSE) {
        return new P2pError(e.code, `bad ${name} response from ${peerId}: ${e.message}`, { peer: peerId })
      }
      return e
    }
    return new P2pError(
      P2pErrorCode.P2P_STREAM_FAILED,
      `${name} request to ${peerId} failed: ${(e as Error).message}`,
    )
  }

  private badResponse(peerId: string, name: string, why: string): P2pError {
    this.reportPeer(peerId, this.opts.penalties.malformedFrame, `bad ${name} response`)
    return new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, `bad ${name} response from ${peerId}: ${why}`, {
      peer: peerId,
    })
  }

  // -- request / response: server -------------------------------------------------------------

  private async serveStatus(stream: Stream, conn: Connection): Promise<void> {
    const peerId = conn.remotePeer.toString()
    const request = await this.readRequest(stream, peerId, 'status')
    if (request === undefined) return
    let theirs: Status
    try {
      theirs = decodeStatus(request)
    } catch (e) {
      return this.refuseMalformed(stream, peerId, 'status', (e as Error).message)
    }
    if (!this.statusLimiter.allow(peerId)) return this.refuseRateLimited(stream, peerId, 'status')
    let ours: Status
    try {
      ours = await this.deps.getStatus()
    } catch (e) {
      return this.refuse(stream, peerId, 'status', ResponseCode.SERVER_ERROR, (e as Error).message)
    }
    const same = sameChain(ours, theirs)
    if (!same.ok) {
      await this.refuse(stream, peerId, 'status', ResponseCode.WRONG_CHAIN, same.reason)
      this.banPeer(peerId, `wrong chain: ${same.reason}`)
      return
    }
    this.recordStatus(peerId, theirs)
    await this.respond(stream, peerId, 'status', [encodeStatus(ours)])
  }

  private async serveBlocksByRange(stream: Stream, conn: Connection): Promise<void> {
    const peerId = conn.remotePeer.toString()
    const name = 'blocks_by_range'
    const request = await this.readRequest(stream, peerId, name)
    if (request === undefined) return
    let range: { from: number; count: number }
    try {
      range = decodeBlocksByRange(request, this.opts.maxBlocksPerRequest)
    } catch (e) {
      return this.refuseMalformed(stream, peerId, name, (e as Error).message)
    }
    if (!this.rangeLimiter.allow(peerId, range.count)) return this.refuseRateLimited(stream, peerId, name)
    let blocks: Uint8Array[]
    try {
      blocks = await this.deps.getBlocksByRange(range.from, range.count)
    } catch (e) {
      this.log.error({ err: (e as Error).message, ...range }, 'getBlocksByRange failed')
      return this.refuse(stream, peerId, name, ResponseCode.SERVER_ERROR, 'could not read blocks')
    }
    const limit = this.opts.maxBlockBytes
    const served = blocks.slice(0, range.count)
    if (served.some((b) => b.length > limit)) {
      this.log.error({ ...range, limit }, 'a block is larger than maxBlockBytes; not serving the range')
      return this.refuse(
        stream,
        peerId,
        name,
        ResponseCode.SERVER_ERROR,
        'block larger than the response limit',
      )
    }
    await this.respond(stream, peerId, name, served)
  }

  /** Reads the single request frame; on any fault answers, penalises and returns undefined. */
  private async readRequest(stream: Stream, peerId: string, name: string): Promise<Uint8Array | undefined> {
    if (this.scores.isBanned(peerId)) {
      stream.abort(new Error('banned'))
      return undefined
    }
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      stream.abort(new Error(`no request within ${this.opts.serverReadTimeoutMs} ms`))
    }, this.opts.serverReadTimeoutMs)
    const decoder = new FrameDecoder(MAX_REQUEST_BYTES)
    try {
      for await (const data of stream) {
        const [frame, ...extra] = decoder.push(data.subarray())
        if (frame === undefined) continue
        if (extra.length > 0) {
          await this.refuseMalformed(stream, peerId, name, 'more than one request frame')
          return undefined
        }
        return frame
      }
      if (timedOut || stream.status !== 'open') {
        this.deps.metrics?.reqResp?.(name, 'inbound', timedOut ? 'timeout' : 'stream_failed')
        return undefined
      }
      await this.refuseMalformed(
        stream,
        peerId,
        name,
        decoder.isEmpty ? 'stream closed before a request' : 'stream ended inside a frame',
      )
    } catch (e) {
      if (e instanceof P2pError) {
        await this.refuseMalformed(stream, peerId, name, e.message)
      } else {
        // a mute or vanished client: not worth a penalty (the stream slot limit bounds it)
        this.deps.metrics?.reqResp?.(name, 'inbound', timedOut ? 'timeout' : 'stream_failed')
        stream.abort(e as Error)
      }
    } finally {
      clearTimeout(timer)
    }
    return undefined
  }

  private async refuseMalformed(stream: Stream, peerId: string, name: string, why: string): Promise<void> {
    await this.refuse(stream, peerId, name, ResponseCode.INVALID_REQUEST, why)
    this.reportPeer(peerId, this.opts.penalties.malformedFrame, `malformed ${name} request`)
  }

  private async refuseRateLimited(stream: Stream, peerId: string, name: string): Promise<void> {
    await this.refuse(stream, peerId, name, ResponseCode.RATE_LIMITED, 'rate limit exceeded, retry later')
    this.reportPeer(peerId, this.opts.penalties.rateLimited, `${name} rate limit`)
  }

  private async refuse(
    stream: Stream,
    peerId: string,
    name: string,
    code: ResponseCodeValue,
    why: string,
  ): Promise<void> {
    this.log.debug({ peer: peerId, protocol: name, code, why }, 'request refused')
    this.deps.metrics?.reqResp?.(name, 'inbound', errorCodeOfResponse(code))
    await this.sendChunks(stream, [encodeFrame(encodeErrorChunk(code, why))])
  }

  private async respond(stream: Stream, peerId: string, name: string, bodies: Uint8Array[]): Promise<void> {
    const ok = await this.sendChunks(
      stream,
      bodies.map((b) => encodeFrame(encodeResponseChunk(ResponseCode.OK, b))),
    )
    this.deps.metrics?.reqResp?.(name, 'inbound', ok ? 'ok' : 'stream_failed')
    if (!ok) this.log.debug({ peer: peerId, protocol: name }, 'could not send the response')
  }

  /** Writes frames and closes our end; false if the stream failed (the peer left, a timeout). */
  private async sendChunks(stream: Stream, frames: Uint8Array[]): Promise<boolean> {
    const signal = AbortSignal.timeout(this.opts.requestTimeoutMs)
    try {
      for (const frame of frames) await writeAll(stream, frame, signal)
      await stream.close({ signal })
      return true
    } catch (e) {
      stream.abort(e as Error)
      return false
    }
  }

  // -- peers ----------------------------------------------------------------------------------

  private onConnect(peer: PeerId): void {
    const id = peer.toString()
    this.deps.metrics?.peers?.(this.node?.getPeers().length ?? 0)
    this.deps.onPeerConnection?.(id, true)
    if (this.scores.isBanned(id)) {
      this.track(this.disconnect(id).catch(() => undefined))
      return
    }
    void this.handshake(id).catch(() => undefined)
  }

  private onDisconnect(peer: PeerId): void {
    const id = peer.toString()
    this.peerStatus.delete(id)
    // a peer went: look for others again at the next maintenance tick
    this.nextDiscovery = 0
    this.discoveryBackoffMs = 0
    this.deps.metrics?.peers?.(this.node?.getPeers().length ?? 0)
    this.deps.onPeerConnection?.(id, false)
  }

  private onDiscovery(info: PeerInfo): void {
    if (!this.running || !this.opts.dht) return
    const node = this.requireNode()
    if (node.getPeers().length >= this.opts.targetPeers) return
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
      this.track(running.catch(() => undefined))
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
      if (this.running && !expected.includes(code)) {
        this.log.debug({ peer: peerId, err: (e as Error).message }, 'status handshake failed; disconnecting')
        // a mute peer is penalised; one that closed the stream on us (it may have banned us) is
        // only dropped, so that we do not ban it back while it keeps us out
        if (code === P2pErrorCode.P2P_TIMEOUT) {
          this.reportPeer(peerId, this.opts.penalties.handshakeFailed, 'status handshake timed out')
        }
        await this.disconnect(peerId).catch(() => undefined)
      }
      throw e
    }
  }

  private recordStatus(peerId: string, status: Status): void {
    this.peerStatus.set(peerId, status)
    try {
      this.deps.onPeerStatus?.(peerId, status)
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'onPeerStatus failed')
    }
  }

  private onBanned(peerId: string, reason: string): void {
    this.deps.metrics?.peerBanned?.(reason)
    this.log.warn({ peer: peerId, reason, until: this.scores.bannedUntil(peerId) }, 'peer banned')
    this.peerStatus.delete(peerId)
    if (this.node !== undefined) this.track(this.disconnect(peerId).catch(() => undefined))
  }

  private maintain(): void {
    if (!this.running) return
    this.statusLimiter.prune()
    this.rangeLimiter.prune()
    this.scores.prune()
    const node = this.requireNode()
    const connected = new Set(node.getPeers().map((p) => p.toString()))
    for (const b of this.bootstrap) {
      if (b.peerId === this.peerId || connected.has(b.peerId)) continue
      this.maybeDial(b.peerId, () =>
        node.dial(b.addr, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs) }),
      )
    }
    if (
      this.opts.dht &&
      connected.size > 0 &&
      connected.size < this.opts.targetPeers &&
      Date.now() >= this.nextDiscovery
    )
      this.track(this.discover())
  }

  /**
   * Looks up the peers closest to our own id in the DHT and dials those we are not connected to.
   * A round that finds nobody new doubles the wait before the next (up to 5 minutes): a small
   * network where everyone knows everyone stops asking, instead of querying every few seconds.
   */
  private async discover(): Promise<void> {
    if (this.discovering) return
    this.discovering = true
    const node = this.requireNode()
    const before = new Set(node.getPeers().map((p) => p.toString()))
    let found = false
    try {
      const signal = AbortSignal.timeout(this.opts.requestTimeoutMs)
      for await (const info of node.peerRouting.getClosestPeers(node.peerId.toMultihash().bytes, {
        signal,
      })) {
        if (!this.running) break
        if (node.getPeers().length >= this.opts.targetPeers) break
        if (!before.has(info.id.toString()) && info.id.toString() !== this.peerId) found = true
        this.maybeDial(info.id.toString(), () =>
          node.dial(info.multiaddrs.length > 0 ? info.multiaddrs : info.id),
        )
      }
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'dht discovery round failed')
    } finally {
      this.discovering = false
      const base = this.opts.maintenanceIntervalMs
      this.discoveryBackoffMs = found ? 0 : Math.min(300_000, Math.max(base, this.discoveryBackoffMs * 2))
      this.nextDiscovery = Date.now() + this.discoveryBackoffMs
    }
  }

  private maybeDial(peerId: string, dial: () => Promise<unknown>): void {
    const node = this.node
    if (!this.running || node === undefined) return
    if (peerId === this.peerId || this.dialing.has(peerId) || this.scores.isBanned(peerId)) return
    if (node.getConnections().some((c) => c.remotePeer.toString() === peerId)) return
    if (node.getPeers().length >= this.opts.maxPeers) return
    this.dialing.add(peerId)
    this.track(
      dial()
        .catch((e: Error) => this.log.debug({ peer: peerId, err: e.message }, 'dial failed'))
        .finally(() => this.dialing.delete(peerId)),
    )
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

function resolveOptions(opts: P2pOptions): ResolvedOptions {
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
    },
    penalties: { ...d.penalties, ...opts.penalties },
    banThreshold: opts.banThreshold ?? d.banThreshold,
    banDurationMs: opts.banDurationMs ?? d.banDurationMs,
    scoreHalfLifeMs: opts.scoreHalfLifeMs ?? d.scoreHalfLifeMs,
    maintenanceIntervalMs: opts.maintenanceIntervalMs ?? d.maintenanceIntervalMs,
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
    ...KINDS.map((k): [string, number] => [`maxMessageBytes.${k}`, resolved.maxMessageBytes[k]]),
  ]
  for (const [name, value] of positive) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `${name} must be a positive integer`)
    }
  }
  if (resolved.port > 65535) throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, 'port must be 0..65535')
  return resolved
}

function parseMultiaddr(addr: string): Multiaddr {
  try {
    return multiaddr(addr)
  } catch (e) {
    throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `bad multiaddr ${addr}: ${(e as Error).message}`)
  }
}

function parseBootstrap(addr: string): BootstrapPeer {
  const ma = parseMultiaddr(addr)
  const peerId = peerIdOf(ma)
  if (peerId === undefined) {
    throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `bootstrap address ${addr} must end with /p2p/<peerId>`)
  }
  return { addr: ma, peerId }
}

function peerIdOf(ma: Multiaddr): string | undefined {
  return ma
    .getComponents()
    .filter((c) => c.name === 'p2p')
    .at(-1)?.value
}

function protocolLabel(protocol: 'status' | 'blocksByRange'): string {
  return protocol === 'status' ? 'status' : 'blocks_by_range'
}

function msgId(topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topic).update(data).digest()
}

async function writeAll(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal })
}

/** Reads response chunks until the peer closes its end; throws on an error chunk or a bad frame. */
async function readResponse(
  stream: Stream,
  peerId: string,
  name: string,
  maxChunks: number,
  maxChunkBytes: number,
): Promise<Uint8Array[]> {
  const decoder = new FrameDecoder(maxChunkBytes + 1)
  const chunks: Uint8Array[] = []
  for await (const data of stream) {
    for (const frame of decoder.push(data.subarray())) {
      const { code, body } = decodeResponseChunk(frame)
      if (code !== ResponseCode.OK) {
        const message = new TextDecoder().decode(body)
        throw new P2pError(errorCodeOfResponse(code), `peer ${peerId} refused ${name}: ${message}`, {
          peer: peerId,
        })
      }
      chunks.push(body)
      if (chunks.length > maxChunks) {
        throw new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, `more than ${maxChunks} response chunks`)
      }
    }
  }
  decoder.end()
  return chunks
}
