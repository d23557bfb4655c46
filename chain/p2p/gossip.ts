import { createHash } from 'node:crypto'
import { type GossipSub, type GossipsubMessage, gossipsub, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { P2pError, P2pErrorCode } from './errors.js'
import { DIRECT_KINDS, KINDS } from './options.js'
import type { PeerManager } from './peers.js'
import type { P2pRuntime } from './runtime.js'
import type { GossipHandler, GossipKind, GossipLabel, GossipValidator, Verdict } from './types.js'
import { directTopic, gossipTopic, groupTopic, isGroupId, isVoteInboxTopic, voteInboxTopic } from './wire.js'

/** Loopback addresses, exempt from gossipsub's same-IP penalty. */
const LOOPBACK = ['127.0.0.1', '::1']

/** The parts of gossipsub's class we use beyond its exported interface. */
interface GossipSubMesh {
  getMeshPeers(topic: string): string[]
}

/**
 * Private members of @libp2p/gossipsub 17.1's class that group topics rely on (checked when the
 * service is created, so that another version fails at start rather than misbehaving):
 * - `allowedTopics`: the Set gossipsub consults for every received subscription and message. It
 *   copies the option at construction, so the Set we passed is not the one it reads: group
 *   topics are added to and removed from this copy as groups are joined and left.
 * - `sendSubscriptions`: tells one peer that we subscribe (see `onSubscriptionChange`).
 * - `handleReceivedSubscription`: what gossipsub runs for a peer's unsubscribe; used on leave to
 *   forget who was in the topic, with its per-peer topic budget refunded.
 * - `emitGossip`: the heartbeat's IHAVE round, given the peers to gossip to per topic; the direct
 *   topics are taken out of it (see `service`).
 */
interface GossipSubInternals {
  allowedTopics: Set<string>
  sendSubscriptions(toPeer: string, topics: string[], subscribe: boolean): void
  handleReceivedSubscription(from: PeerId, topic: string, subscribe: boolean): boolean
  emitGossip(peersToGossipByTopic: Map<string, Set<string>>): void
  sendIDontWants(msgId: Uint8Array, topic: string, source: string): void
}

/**
 * gossipsub's topic allow-list, with every peer's vote inbox admitted (docs/adr/020): inbox
 * topics are named by peer ids, which no list made in advance holds. gossipsub only asks `has`;
 * its per-peer topic budget still bounds what a peer may subscribe to.
 */
class TopicAllowList extends Set<string> {
  constructor(
    private readonly chainId: string,
    topics: Iterable<string>,
  ) {
    super(topics)
  }

  override has(topic: string): boolean {
    return super.has(topic) || isVoteInboxTopic(this.chainId, topic)
  }
}

/** One group topic we joined. */
interface GroupTopic {
  groupId: number
  topic: string
  validator: GossipValidator
  handler: GossipHandler
}

/**
 * The gossip of a P2pNetwork: one gossipsub topic per kind (transactions, blocks, votes), plus
 * one per group chain joined; each message size-checked and validated by the node before it is
 * relayed; an invalid one penalises the peer that sent it.
 */
export class Gossip {
  /** the topic names of this chain */
  readonly topics: Readonly<Record<GossipKind, string>>
  /** the direct topics (docs/adr/017): what arrives there is validated and used, never relayed */
  readonly directTopics: Readonly<Partial<Record<GossipKind, string>>>
  /** the groups joined, by group id and by topic (kept across stop and start) */
  private readonly groups = new Map<number, GroupTopic>()
  private readonly groupsByTopic = new Map<string, GroupTopic>()
  /** per joined group topic, the peers we told that we subscribe (see `onSubscriptionChange`) */
  private readonly announced = new Map<string, Set<string>>()
  /** the running gossipsub, between `subscribe` and `detach` */
  private pubsub: GossipSub | undefined

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
    this.directTopics = Object.fromEntries(DIRECT_KINDS.map((k) => [k, directTopic(chainId, k)]))
  }

  /** The gossipsub service for libp2p. */
  service(): ReturnType<typeof gossipsub> {
    const { D, Dlo, Dhi, Dlazy } = this.rt.opts.gossipMesh
    const create = gossipsub({
      // docs/adr/013: a node receives a message about once per mesh peer; gossipsub's default
      // mesh (6, up to 12 peers) gave each of 21 validators ~10 copies of every vote and block
      D,
      Dlo,
      Dhi,
      Dlazy,
      // outbound mesh peers kept (an eclipse defence) and best-scored peers kept on a prune:
      // gossipsub requires Dout < Dlo and Dout <= D/2, Dscore <= D
      Dout: Math.max(0, Math.min(2, Dlo - 1, Math.floor(D / 2))),
      Dscore: Math.min(4, D),
      heartbeatInterval: this.rt.opts.gossipHeartbeatMs,
      // docs/adr/021: a message id goes into IHAVEs at the one heartbeat after it arrived, not at
      // three (gossipsub's default): with a block every second heartbeat there was always one to
      // announce, and IHAVEs became the largest share of an idle validator's sends. IWANTs are
      // still answered from the whole cache (mcacheLength, 5 heartbeats).
      mcacheGossip: 1,
      // mesh tags would be written to the peer store on every graft and prune; nothing reads them
      // (the connection manager's limit is above the peers a validator keeps)
      tagMeshPeers: false,
      globalSignaturePolicy: 'StrictNoSign',
      msgIdFn: (msg) => msgId(msg.topic, msg.data),
      allowedTopics: [...KINDS.map((k) => this.topics[k]), ...DIRECT_KINDS.map((k) => this.direct(k))],
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
    const direct = new Set(DIRECT_KINDS.map((k) => this.direct(k)))
    const chainId = this.rt.opts.chainId
    // a direct topic's messages are kept by whoever receives them, and an inbox's go to its one
    // subscriber: nobody forwards either, so neither needs IHAVE or IDONTWANT
    const neverForwarded = (topic: string): boolean => direct.has(topic) || isVoteInboxTopic(chainId, topic)
    return (components) => {
      const pubsub = create(components)
      const internals = internalsOf(pubsub)
      internals.allowedTopics = new TopicAllowList(chainId, internals.allowedTopics)
      // docs/adr/017: a direct message went to every subscriber when it was published, and a
      // publish that missed a super node is relayed on the kind's own topic, which keeps its
      // gossip. IHAVEs about direct messages (each node's own vote to 4 peers in each of 3
      // heartbeats) were a third of an idle validator's sends, and asked for nothing.
      const emit = internals.emitGossip.bind(pubsub)
      internals.emitGossip = (peersToGossipByTopic) => {
        for (const topic of peersToGossipByTopic.keys())
          if (neverForwarded(topic)) peersToGossipByTopic.delete(topic)
        emit(peersToGossipByTopic)
      }
      // gossipsub 1.2 tells its mesh peers IDONTWANT for every message of 512 bytes or more it
      // receives, so that they do not forward it a copy. A direct message is kept, never
      // forwarded, and an inbox has no mesh: on those topics the IDONTWANTs (each vote bundle
      // to 4 peers) were more than half of an idle validator's sends (docs/adr/021).
      const sendIDontWants = internals.sendIDontWants.bind(pubsub)
      internals.sendIDontWants = (msgId, topic, source) => {
        if (!neverForwarded(topic)) sendIDontWants(msgId, topic, source)
      }
      return pubsub
    }
  }

  /** Validates every topic's messages with the node's validators and delivers them to its handlers. */
  attach(pubsub: GossipSub): void {
    for (const kind of KINDS) {
      const validate = this.validatorOf(kind)
      pubsub.topicValidators.set(this.topics[kind], (peer, msg) =>
        this.validateGossip(kind, validate, { kind }, peer, msg.data),
      )
    }
    for (const kind of DIRECT_KINDS) {
      const validate = this.validatorOf(kind)
      pubsub.topicValidators.set(this.direct(kind), (peer, msg) =>
        this.validateGossip(kind, validate, { kind, direct: true }, peer, msg.data, false),
      )
    }
    pubsub.addEventListener('gossipsub:message', (evt) => this.deliverGossip(evt.detail))
    pubsub.addEventListener('subscription-change', (evt) =>
      this.onSubscriptionChange(pubsub, evt.detail.peerId, evt.detail.subscriptions),
    )
  }

  /** Subscribes to every topic, the groups joined before start included (once libp2p runs). */
  subscribe(pubsub: GossipSub): void {
    this.pubsub = pubsub
    for (const kind of KINDS) pubsub.subscribe(this.topics[kind])
    for (const kind of DIRECT_KINDS) pubsub.subscribe(this.direct(kind))
    const validateInbox = this.rt.deps.validateVoteInbox
    if (validateInbox !== undefined) {
      const inbox = voteInboxTopic(this.rt.opts.chainId, this.rt.node().peerId.toString())
      pubsub.topicValidators.set(inbox, (peer, msg) =>
        this.validateGossip('vote', validateInbox, { kind: 'vote', inbox: true }, peer, msg.data, false),
      )
      pubsub.subscribe(inbox)
    }
    for (const group of this.groups.values()) this.enterGroup(pubsub, group)
  }

  /** Forgets the stopped gossipsub (the groups joined stay, for the next start). */
  detach(): void {
    this.pubsub = undefined
    this.announced.clear()
  }

  /** libp2p `peer:disconnect`: on reconnecting, the peer and we exchange our subscriptions anew. */
  onDisconnect(peerId: string): void {
    for (const peers of this.announced.values()) peers.delete(peerId)
  }

  /**
   * Joins group `groupId`'s topic: its messages are size-checked (`maxMessageBytes.group`), then
   * validated by `validator` before they are relayed, and the accepted ones given to `handler`.
   * Before start, the topic is subscribed when the network starts. Throws `P2P_BAD_ARGUMENT` if
   * the group is already joined.
   */
  joinGroup(groupId: number, validator: GossipValidator, handler: GossipHandler): void {
    checkGroupId(groupId)
    if (typeof validator !== 'function' || typeof handler !== 'function') {
      throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, 'a group topic needs a validator and a handler')
    }
    if (this.groups.has(groupId)) {
      throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `group ${groupId} topic is already joined`)
    }
    const group: GroupTopic = {
      groupId,
      topic: groupTopic(this.rt.opts.chainId, groupId),
      validator,
      handler,
    }
    this.groups.set(groupId, group)
    this.groupsByTopic.set(group.topic, group)
    if (this.pubsub !== undefined && this.rt.isRunning()) this.enterGroup(this.pubsub, group)
  }

  /** Leaves group `groupId`'s topic and drops its validator; `P2P_BAD_ARGUMENT` if not joined. */
  leaveGroup(groupId: number): void {
    const group = this.requireGroup(groupId)
    this.groups.delete(groupId)
    this.groupsByTopic.delete(group.topic)
    if (this.pubsub !== undefined && this.rt.isRunning()) this.exitGroup(this.pubsub, group)
  }

  /** Publishes a message on a joined group's topic; returns how many peers it was sent to. */
  async publishGroup(groupId: number, bytes: Uint8Array): Promise<number> {
    const node = this.rt.runningNode()
    const group = this.requireGroup(groupId)
    const limit = this.rt.opts.maxMessageBytes.group
    if (bytes.length === 0 || bytes.length > limit) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `group ${groupId} message of ${bytes.length} bytes is outside 1..${limit} bytes`,
      )
    }
    const result = await node.services.pubsub.publish(group.topic, bytes)
    this.rt.deps.metrics?.gossipOut?.('group')
    return result.recipients.length
  }

  /** Peers known to subscribe to a group's topic (only tracked while we are in the group). */
  groupSubscribers(groupId: number): string[] {
    checkGroupId(groupId)
    return this.rt
      .node()
      .services.pubsub.getSubscribers(groupTopic(this.rt.opts.chainId, groupId))
      .map((p) => p.toString())
  }

  /** Peers in our gossipsub mesh for a group's topic. */
  groupMeshPeers(groupId: number): string[] {
    checkGroupId(groupId)
    return this.meshPeersOf(groupTopic(this.rt.opts.chainId, groupId))
  }

  /** Publishes a message of `kind`; returns how many peers it was sent to. */
  async publish(kind: GossipKind, bytes: Uint8Array): Promise<number> {
    const node = this.rt.runningNode()
    this.checkSize(kind, bytes)
    const result = await node.services.pubsub.publish(this.topics[kind], bytes)
    this.rt.deps.metrics?.gossipOut?.(kind)
    return result.recipients.length
  }

  /**
   * Publishes a message of `kind` on its direct topic, which its receivers use but never relay
   * (docs/adr/017), when that reached every peer of `mustReach`; otherwise publishes it on the
   * kind's own topic as well, relayed as usual. Only the publisher knows whom gossipsub really sent
   * a message to (it skips peers below its publish threshold and peers whose subscription it has
   * not heard yet): it checks the recipients, never guesses them. Returns whether the direct copy
   * was enough and how many peers the message was sent to.
   */
  async publishDirect(
    kind: GossipKind,
    bytes: Uint8Array,
    mustReach: Iterable<string>,
  ): Promise<{ direct: boolean; recipients: number }> {
    const topic = this.directTopics[kind]
    if (topic === undefined) throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `${kind} has no direct topic`)
    const node = this.rt.runningNode()
    this.checkSize(kind, bytes)
    const sent = await node.services.pubsub.publish(topic, bytes)
    const got = new Set(sent.recipients.map(String))
    const direct = [...mustReach].every((peer) => got.has(peer))
    if (!direct) {
      const relayed = await node.services.pubsub.publish(this.topics[kind], bytes)
      for (const p of relayed.recipients) got.add(p.toString())
    }
    this.rt.deps.metrics?.gossipOut?.(kind)
    return { direct, recipients: got.size }
  }

  /**
   * Publishes a vote message on `peer`'s vote inbox, where only that peer subscribes and nobody
   * relays (docs/adr/020). Returns whether gossipsub sent it to `peer` (false when `peer` is not
   * connected, not subscribed to its inbox yet, or below the publish threshold).
   */
  async publishVoteTo(peer: string, bytes: Uint8Array): Promise<boolean> {
    const node = this.rt.runningNode()
    this.checkSize('vote', bytes)
    const sent = await node.services.pubsub.publish(voteInboxTopic(this.rt.opts.chainId, peer), bytes)
    this.rt.deps.metrics?.gossipOut?.('vote')
    return sent.recipients.some((p) => p.toString() === peer)
  }

  /** Whether `peer` is known to subscribe to its vote inbox (a vote sent there would reach it). */
  hasVoteInbox(peer: string): boolean {
    const topic = voteInboxTopic(this.rt.opts.chainId, peer)
    return this.rt
      .node()
      .services.pubsub.getSubscribers(topic)
      .some((p) => p.toString() === peer)
  }

  private direct(kind: GossipKind): string {
    return this.directTopics[kind] as string
  }

  private checkSize(kind: GossipKind, bytes: Uint8Array): void {
    const limit = this.rt.opts.maxMessageBytes[kind]
    if (bytes.length === 0 || bytes.length > limit) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `${kind} message of ${bytes.length} bytes is outside 1..${limit} bytes`,
      )
    }
  }

  /** Peers in our gossipsub mesh for a kind (a message we publish reaches at least these). */
  meshPeers(kind: GossipKind): string[] {
    return this.meshPeersOf(this.topics[kind])
  }

  /** Peers known to subscribe to a kind's topic (`direct`: its direct topic). */
  subscribers(kind: GossipKind, direct = false): string[] {
    const topic = direct ? this.directTopics[kind] : this.topics[kind]
    if (topic === undefined) return []
    return this.rt
      .node()
      .services.pubsub.getSubscribers(topic)
      .map((p) => p.toString())
  }

  /**
   * The size check, then the node's validator: `label` picks the size limit, the metric and the
   * penalty reason; `context` is what a log line names (the kind, or the group). `relay` false (a
   * direct topic): an accepted message is kept (delivered, not relayed).
   */
  private async validateGossip(
    label: GossipLabel,
    validate: GossipValidator,
    context: Record<string, unknown>,
    peer: PeerId,
    data: Uint8Array,
    relay = true,
  ): Promise<TopicValidatorResult> {
    const from = peer.toString()
    let verdict: Verdict
    if (this.peers.isBanned(from)) {
      verdict = 'ignore'
    } else if (data.length === 0 || data.length > this.rt.opts.maxMessageBytes[label]) {
      verdict = 'reject'
    } else {
      verdict = await this.runValidator(validate, context, data, from)
      if (!relay && verdict === 'accept') verdict = 'keep'
    }
    this.rt.deps.metrics?.gossipIn?.(label, verdict)
    if (verdict === 'keep') {
      // delivered here, since gossipsub delivers only what it relays
      const handler = this.handlerOf(label, context)
      if (handler !== undefined) this.runHandler(handler, context, data, from)
      return TopicValidatorResult.Ignore
    }
    if (verdict === 'reject') {
      // not inside gossipsub's handler: a ban closes the connection this message came on
      queueMicrotask(() =>
        this.peers.reportPeer(from, this.rt.opts.penalties.invalidGossip, `invalid ${label} gossip`),
      )
      return TopicValidatorResult.Reject
    }
    return verdict === 'accept' ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
  }

  private async runValidator(
    validate: GossipValidator,
    context: Record<string, unknown>,
    data: Uint8Array,
    from: string,
  ): Promise<Verdict> {
    try {
      const verdict = await validate(data, from)
      if (verdict === 'accept' || verdict === 'keep' || verdict === 'reject' || verdict === 'ignore')
        return verdict
      this.rt.log.error(
        { ...context, verdict },
        'gossip validator returned an unknown verdict; ignoring the message',
      )
    } catch (e) {
      this.rt.log.error(
        { ...context, err: (e as Error).message },
        'gossip validator threw; ignoring the message',
      )
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
    const { deps } = this.rt
    const topic = detail.msg.topic
    const kind = KINDS.find((k) => this.topics[k] === topic)
    let handler: GossipHandler | undefined
    let context: Record<string, unknown>
    if (kind !== undefined) {
      handler = kind === 'tx' ? deps.onTx : kind === 'block' ? deps.onBlock : deps.onVote
      context = { kind }
    } else {
      const group = this.groupsByTopic.get(topic)
      if (group === undefined) return
      handler = group.handler
      context = { kind: 'group', groupId: group.groupId }
    }
    if (handler === undefined) return
    this.runHandler(handler, context, detail.msg.data, detail.propagationSource.toString())
  }

  /** The handler of a label's messages (a group's from the validation context). */
  private handlerOf(label: GossipLabel, context: Record<string, unknown>): GossipHandler | undefined {
    const { deps } = this.rt
    if (label === 'tx') return deps.onTx
    if (label === 'block') return deps.onBlock
    if (label === 'vote') return deps.onVote
    const groupId = context.groupId
    return typeof groupId === 'number' ? this.groups.get(groupId)?.handler : undefined
  }

  private runHandler(
    handler: GossipHandler,
    context: Record<string, unknown>,
    data: Uint8Array,
    from: string,
  ): void {
    const { log } = this.rt
    try {
      const done = handler(data, from)
      if (done instanceof Promise) {
        this.rt.track(
          done.catch((e: Error) => log.error({ ...context, err: e.message }, 'gossip handler failed')),
        )
      }
    } catch (e) {
      log.error({ ...context, err: (e as Error).message }, 'gossip handler failed')
    }
  }

  /** Admits a group's topic (messages and subscriptions), validates it and subscribes. */
  private enterGroup(pubsub: GossipSub, group: GroupTopic): void {
    internalsOf(pubsub).allowedTopics.add(group.topic)
    pubsub.topicValidators.set(group.topic, (peer, msg) =>
      this.validateGossip(
        'group',
        group.validator,
        { kind: 'group', groupId: group.groupId },
        peer,
        msg.data,
      ),
    )
    this.announced.set(group.topic, new Set())
    pubsub.subscribe(group.topic)
  }

  /**
   * Unsubscribes from a group's topic, drops its validator, forgets who was in it and stops
   * admitting it: from now on its messages and subscriptions are dropped undecoded, as those of
   * any topic we are not in. (Peers' unsubscribes are dropped too, so what gossipsub knew of the
   * topic would go stale: it is forgotten now, and learnt again on a new join.)
   */
  private exitGroup(pubsub: GossipSub, group: GroupTopic): void {
    const internals = internalsOf(pubsub)
    pubsub.unsubscribe(group.topic)
    pubsub.topicValidators.delete(group.topic)
    for (const peer of pubsub.getSubscribers(group.topic)) {
      internals.handleReceivedSubscription(peer, group.topic, false)
    }
    internals.allowedTopics.delete(group.topic)
    this.announced.delete(group.topic)
  }

  /**
   * gossipsub learns a peer's subscriptions when the peer sends them: all of them when a
   * connection opens, then each change. A subscription to a topic we do not admit is dropped,
   * so a group joined while connected does not know which connected peers were already in it,
   * and they would never tell again. Hence: when a peer subscribes to a group topic we are in,
   * we tell it once that we are in it too (once per peer, topic and connection, so that two
   * peers do not answer each other forever). A peer that was in the group before us learns it
   * this way when our subscription reaches it, and we when its answer reaches us.
   */
  private onSubscriptionChange(
    pubsub: GossipSub,
    peerId: PeerId,
    subscriptions: { topic: string; subscribe: boolean }[],
  ): void {
    const peer = peerId.toString()
    const answer: string[] = []
    for (const { topic, subscribe } of subscriptions) {
      const told = this.announced.get(topic)
      if (told === undefined) continue
      if (!subscribe) {
        told.delete(peer)
      } else if (!told.has(peer)) {
        told.add(peer)
        answer.push(topic)
      }
    }
    if (answer.length > 0) internalsOf(pubsub).sendSubscriptions(peer, answer, true)
  }

  private requireGroup(groupId: number): GroupTopic {
    checkGroupId(groupId)
    const group = this.groups.get(groupId)
    if (group === undefined) {
      throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `group ${groupId} topic is not joined`)
    }
    return group
  }

  private meshPeersOf(topic: string): string[] {
    const pubsub = this.rt.node().services.pubsub as unknown as Partial<GossipSubMesh>
    return typeof pubsub.getMeshPeers === 'function' ? pubsub.getMeshPeers(topic) : []
  }
}

function checkGroupId(groupId: number): void {
  if (!isGroupId(groupId)) {
    throw new P2pError(
      P2pErrorCode.P2P_BAD_ARGUMENT,
      `group id must be an integer in 0..2^53-1, got ${groupId}`,
    )
  }
}

/** gossipsub's private members group topics need; throws if this gossipsub lacks them. */
function internalsOf(pubsub: GossipSub): GossipSubInternals {
  const internals = pubsub as unknown as Partial<GossipSubInternals>
  if (
    !(internals.allowedTopics instanceof Set) ||
    typeof internals.sendSubscriptions !== 'function' ||
    typeof internals.handleReceivedSubscription !== 'function' ||
    typeof internals.emitGossip !== 'function' ||
    typeof internals.sendIDontWants !== 'function'
  ) {
    throw new P2pError(
      P2pErrorCode.P2P_NOT_STARTED,
      'this @libp2p/gossipsub lacks allowedTopics, sendSubscriptions, handleReceivedSubscription, emitGossip or sendIDontWants (group topics and direct topics need 17.1)',
    )
  }
  return internals as GossipSubInternals
}

function msgId(topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topic).update(data).digest()
}
