import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from 'libp2p'
import type { Logger } from '../logger.js'
import type { ResolvedOptions } from './options.js'
import type { P2pDeps } from './types.js'

/** The libp2p services we start (the others are not reached by name). */
export interface Services extends Record<string, unknown> {
  pubsub: GossipSub
}

/**
 * What the parts of a P2pNetwork (gossip, request/response, peers) share: the options, the
 * node's callbacks, the logger, the libp2p node once started, and the background work that
 * `stop` waits for.
 */
export interface P2pRuntime {
  readonly opts: ResolvedOptions
  readonly deps: P2pDeps
  readonly log: Logger
  /** the libp2p node; throws `P2P_NOT_STARTED` before start and after stop */
  node(): Libp2p<Services>
  /** the libp2p node while running; throws `P2P_NOT_STARTED` also while stopping */
  runningNode(): Libp2p<Services>
  /** the libp2p node if started (undefined before start and after stop) */
  startedNode(): Libp2p<Services> | undefined
  /** whether the network runs (started and not stopping) */
  isRunning(): boolean
  /** keeps a background task, which `stop` waits for */
  track(p: Promise<unknown>): void
}
