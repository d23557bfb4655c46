/** Gather p2p adapter: see README.md. Nothing in the chain imports this; the node wires it. */
export { P2pError, P2pErrorCode, type P2pErrorCodeName } from './errors.js'
export { peerIdFromSeed, peerIdOfNodeKey } from './identity.js'
export { P2P_DEFAULTS } from './options.js'
export { P2pNetwork } from './p2pNetwork.js'
export { PeerScoreBook, type PeerScoreParams, type PenaltyOutcome } from './peerScore.js'
export { RateLimiter, TokenBucket } from './rateLimiter.js'
export type {
  GossipHandler,
  GossipKind,
  GossipLabel,
  GossipValidator,
  P2pDeps,
  P2pMetrics,
  P2pOptions,
  PeerView,
  Penalties,
  RateLimit,
  Status,
  Verdict,
} from './types.js'
export { dhtProtocol, directTopic, gossipTopic, groupTopic, protocolIds } from './wire.js'
