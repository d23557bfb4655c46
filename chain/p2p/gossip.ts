import { createHash } from 'node:crypto'
import { type GossipSub, type GossipsubMessage, gossipsub, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { P2pError, P2pErrorCode } from './errors.js'
import { KINDS } from './options.js'
import type { PeerManager } from './peers.js'
import type { P2pRuntime } from './runtime.js'
import type { GossipKind, GossipValidator, Verdict } from './types.js'
import { gossipTopic } from './wire.js'

/** Loopback addresses, exempt from gossipsub's same-IP penalty. */
const LOOPBACK = ['127.0.0.1', '::1']

/** The parts of gossipsub's class we use beyond its exported interface. */
interface GossipSubMesh {
  getMeshPeers(topic: string): string[]
}

/**
 * The gossip of a P2pNetwork: one gossipsub topic per kind (transactions, blocks, votes), each
 * message size-checked and validated by the node before it is relayed; an invalid one
 * penalises the peer that sent it.
 */
export class Gossip {
  /** the topic names of this chain */
  readonly topics: Readonly<Record<GossipKind, string>>

  constructor(
    private readonly rt: P2pRuntime,
    private readonly peers: PeerManager,
  ) {
    const chainId = rt.opts.chainId
    this.topics = {
      tx: gossipTopic(chainId, 'tx'),
      block: gossipTopic(chainId, 'block'),
      vote: gossipTopic(chainId, 'vote'),
    }
  }

  /** The gossipsub service for libp2p. */
  service(): ReturnType<typeof gossipsub> {
    return gossipsub({
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
      maxInboundDataLength: 2 * Math.max(...Object.values(this.rt.opts.maxMessageBytes)) + 64 * 1024,
    })
  }

  /** Validates every topic's messages with the node's validators and delivers them to its handlers. */
  attach(pubsub: GossipSub): void {
    for (const kind of KINDS) {
      pubsub.topicValidators.set(this.topics[kind], (peer, msg) => this.validateGossip(kind, peer, msg.data))
    }
    pubsub.addEventListener('gossipsub:message', (evt) => this.deliverGossip(evt.detail))
  }

  /** Subscribes to every topic (once libp2p runs). */
  subscribe(pubsub: GossipSub): void {
    for (const kind of KINDS) pubsub.subscribe(this.topics[kind])
  }

  /** Publishes a message of `kind`; returns how many peers it was sent to. */
  async publish(kind: GossipKind, bytes: Uint8Array): Promise<number> {
    const node = this.rt.runningNode()
    const limit = this.rt.opts.maxMessageBytes[kind]
    if (bytes.length === 0 || bytes.length > limit) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `${kind} message of ${bytes.length} bytes is outside 1..${limit} bytes`,
      )
    }
    const result = await node.services.pubsub.publish(this.topics[kind], bytes)
    this.rt.deps.metrics?.gossipOut?.(kind)
    return result.recipients.length
  }

  /** Peers in our gossipsub mesh for a kind (a message we publish reaches at least these). */
  meshPeers(kind: GossipKind): string[] {
    const pubsub = this.rt.node().services.pubsub as unknown as Partial<GossipSubMesh>
    return typeof pubsub.getMeshPeers === 'function' ? pubsub.getMeshPeers(this.topics[kind]) : []
  }

  /** Peers known to subscribe to a kind's topic. */
  subscribers(kind: GossipKind): string[] {
    return this.rt
      .node()
      .services.pubsub.getSubscribers(this.topics[kind])
      .map((p) => p.toString())
  }

  private async validateGossip(
    kind: GossipKind,
    peer: PeerId,
    data: Uint8Array,
  ): Promise<TopicValidatorResult> {
    const from = peer.toString()
    let verdict: Verdict
    if (this.peers.isBanned(from)) {
      verdict = 'ignore'
    } else if (data.length === 0 || data.length > this.rt.opts.maxMessageBytes[kind]) {
      verdict = 'reject'
    } else {
      verdict = await this.runValidator(this.validatorOf(kind), kind, data, from)
    }
    this.rt.deps.metrics?.gossipIn?.(kind, verdict)
    if (verdict === 'reject') {
      // not inside gossipsub's handler: a ban closes the connection this message came on
      queueMicrotask(() =>
        this.peers.reportPeer(from, this.rt.opts.penalties.invalidGossip, `invalid ${kind} gossip`),
      )
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
      this.rt.log.error(
        { kind, verdict },
        'gossip validator returned an unknown verdict; ignoring the message',
      )
    } catch (e) {
      this.rt.log.error({ kind, err: (e as Error).message }, 'gossip validator threw; ignoring the message')
    }
    return 'ignore'
  }

  private validatorOf(kind: GossipKind): GossipValidator {
    const { deps } = this.rt
    if (kind === 'tx') return deps.validateTx
    if (kind === 'block') return deps.validateBlock
    return deps.validateVote
  }

  private deliverGossip(detail: GossipsubMessage): void {
    const { deps, log } = this.rt
    const kind = KINDS.find((k) => this.topics[k] === detail.msg.topic)
    if (kind === undefined) return
    const handler = kind === 'tx' ? deps.onTx : kind === 'block' ? deps.onBlock : deps.onVote
    if (handler === undefined) return
    const from = detail.propagationSource.toString()
    try {
      const done = handler(detail.msg.data, from)
      if (done instanceof Promise) {
        this.rt.track(done.catch((e: Error) => log.error({ kind, err: e.message }, 'gossip handler failed')))
      }
    } catch (e) {
      log.error({ kind, err: (e as Error).message }, 'gossip handler failed')
    }
  }
}

function msgId(topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topic).update(data).digest()
}
