import type { Logger } from '../logger.js'

/**
 * What a gossip validator decides: deliver and relay (`accept`); deliver without relaying
 * (`keep`: the message already reached everyone who needs it from us); drop and penalise the
 * sender (`reject`); or drop quietly (`ignore`).
 */
export type Verdict = 'accept' | 'keep' | 'reject' | 'ignore'

/** The three gossip kinds; each has its own topic per chain id. */
export type GossipKind = 'tx' | 'block' | 'vote'

/**
 * A gossip metric label and size-limit key: the three kinds, and `group` for every group topic
 * (one label for them all, so that metrics stay few whatever the number of groups).
 */
export type GossipLabel = GossipKind | 'group'

/**
 * A gossip validator: runs before a message is delivered or relayed. `fromPeer` is the peer that
 * sent it to us (the propagation source), as a string peer id. It must not throw; if it does the
 * message is ignored. It should be fast: gossipsub waits for it before relaying.
 */
export type GossipValidator = (bytes: Uint8Array, fromPeer: string) => Verdict | Promise<Verdict>

/** Called with each accepted gossip message (never with our own publications). */
export type GossipHandler = (bytes: Uint8Array, fromPeer: string) => void | Promise<void>

/** A node's view of its chain, exchanged on connect and served by the `status` protocol. */
export interface Status {
  chainId: string
  /** hex, lower case, of the genesis block hash */
  genesisHash: string
  headHeight: number
  /** hex of the head block hash */
  headHash: string
  finalHeight: number
}

/** Token-bucket parameters: `capacity` tokens, refilled at `refillPerSecond`. */
export interface RateLimit {
  capacity: number
  refillPerSecond: number
}

/** How much a peer's score drops for each kind of misbehaviour (positive numbers). */
export interface Penalties {
  /** a gossip message rejected by a validator (or larger than its topic's limit) */
  invalidGossip: number
  /** a request or response that breaks the framing or does not decode */
  malformedFrame: number
  /** a request refused by the rate limiter */
  rateLimited: number
  /** a status handshake that timed out (other failures only disconnect) */
  handshakeFailed: number
}

/** Options of {@link P2pNetwork}; everything but `chainId` and `privateKey` has a default. */
export interface P2pOptions {
  /** the chain id; it names the gossip topics, the DHT protocol and is checked in status */
  chainId: string
  /** 32-byte ed25519 seed: the libp2p identity, stable across restarts */
  privateKey: Uint8Array
  /** listen host, default `127.0.0.1` */
  host?: string
  /** listen TCP port, default 0 (any free port) */
  port?: number
  /** multiaddrs with `/p2p/<peerId>` to dial at start and re-dial while disconnected */
  bootstrap?: readonly string[]
  /** run kad-dht (server mode) and dial the peers it finds; default true */
  dht?: boolean
  /** the number of connections below which discovery dials more peers, default 25 */
  targetPeers?: number
  /** the connection limit, default 50 */
  maxPeers?: number
  /**
   * max gossip message bytes per kind; default tx 64 KiB, block 2 MiB, vote 16 KiB, and group
   * 256 KiB (every group topic)
   */
  maxMessageBytes?: Partial<Record<GossipLabel, number>>
  /** max block bytes in a blocks-by-range or group-blocks response, default 2 MiB */
  maxBlockBytes?: number
  /** max blocks per blocks-by-range or group-blocks request, default 128 */
  maxBlocksPerRequest?: number
  /** client deadline for a whole request (dial, send, every response chunk), default 10 s */
  requestTimeoutMs?: number
  /** server deadline to receive a request frame after the stream opens, default 5 s */
  serverReadTimeoutMs?: number
  /**
   * per-peer token buckets, one per protocol; status costs 1, blocks-by-range and group-blocks
   * cost their `count` (at least 1)
   */
  rateLimits?: { status?: RateLimit; blocksByRange?: RateLimit; groupBlocksByRange?: RateLimit }
  /** penalties subtracted from the score; see the README */
  penalties?: Partial<Penalties>
  /** score at or below which a peer is disconnected and banned, default -100 */
  banThreshold?: number
  /** how long a ban lasts, default 10 min */
  banDurationMs?: number
  /** scores decay towards 0 with this half-life, default 10 min */
  scoreHalfLifeMs?: number
  /** how often bootstrap re-dials, discovery and housekeeping run, default 5 s */
  maintenanceIntervalMs?: number
  /**
   * gossipsub's mesh: `D` peers per topic (default 4), grafted up when below `Dlo` (3), pruned
   * down when above `Dhi` (6); `Dlazy` (3) non-mesh peers, or a quarter of them if more, get IHAVE
   * gossip about the last heartbeat's messages each heartbeat. Each
   * message reaches a node about once per mesh peer, so these bound the duplicates it receives.
   */
  gossipMesh?: Partial<GossipMesh>
  /** gossipsub's heartbeat (mesh upkeep, IHAVE gossip), default 1 s */
  gossipHeartbeatMs?: number
  /** kad-dht's query concurrency (α: peers asked in parallel), default 3 */
  dhtAlpha?: number
  /** libp2p pings each connection this often (round trips only; a late ping drops nothing), default 60 s */
  pingIntervalMs?: number
}

/** gossipsub's mesh degree parameters (`Dlo ≤ D ≤ Dhi`, `0 < Dlazy`). */
export interface GossipMesh {
  D: number
  Dlo: number
  Dhi: number
  Dlazy: number
}

/**
 * A structural metrics hook (the node passes an adapter over `chain/metrics.ts`). Labels are
 * short: the gossip kind (`tx`, `block`, `vote`, `group` for all group topics) and protocol names
 * (`status`, `blocks_by_range`, `group_blocks_by_range`).
 */
export interface P2pMetrics {
  /** a gossip message received from the network, with the validator's verdict */
  gossipIn?(kind: GossipLabel, verdict: Verdict): void
  /** a gossip message we published */
  gossipOut?(kind: GossipLabel): void
  /** the number of connected peers, after every change */
  peers?(count: number): void
  /** a request served (`inbound`) or made (`outbound`) and how it ended (`ok` or an error code) */
  reqResp?(protocol: string, direction: 'inbound' | 'outbound', outcome: string): void
  /** a penalty applied to a peer */
  peerPenalty?(reason: string): void
  /** a peer banned */
  peerBanned?(reason: string): void
}

/** Callbacks through which the node plugs its chain into the network. */
export interface P2pDeps {
  logger: Logger
  metrics?: P2pMetrics
  /** our current status (served to peers and sent with our own status requests) */
  getStatus(): Status | Promise<Status>
  /** blocks `from .. from+count-1` that we have, encoded, in height order (may return fewer) */
  getBlocksByRange(from: number, count: number): Uint8Array[] | Promise<Uint8Array[]>
  /**
   * blocks `from .. from+count-1` of group chain `groupId` (heights from 1) that we have, encoded,
   * in height order (may return fewer; none for a group we do not hold). Absent: the node serves
   * no group blocks, and group-blocks requests are answered with a server error.
   */
  getGroupBlocks?(groupId: number, from: number, count: number): Uint8Array[] | Promise<Uint8Array[]>
  validateTx: GossipValidator
  validateBlock: GossipValidator
  validateVote: GossipValidator
  /**
   * Votes sent to this node alone, on its vote inbox (`/gather/<chainId>/vote/to/<peerId>/2`,
   * docs/adr/020): kept, never relayed. Absent: the node has no inbox (it does not subscribe).
   */
  validateVoteInbox?: GossipValidator
  onTx?: GossipHandler
  onBlock?: GossipHandler
  onVote?: GossipHandler
  /** a connected peer's status after a successful handshake (sync uses it to pick peers) */
  onPeerStatus?(peerId: string, status: Status): void
  /** a peer connected (`true`) or disconnected (`false`) */
  onPeerConnection?(peerId: string, connected: boolean): void
}

/** One peer as {@link P2pNetwork.peers} reports it. */
export interface PeerView {
  id: string
  /** remote multiaddr of the first open connection, if connected */
  address?: string
  /** whether we dialled it (`outbound`) or it dialled us (`inbound`) */
  direction?: 'inbound' | 'outbound'
  connected: boolean
  score: number
  banned: boolean
  /** milliseconds since the epoch when the ban ends */
  bannedUntil?: number
  /** its last status from the handshake */
  status?: Status
}
