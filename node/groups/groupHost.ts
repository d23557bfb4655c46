import type { CommittedBlock } from '../../chain/blockchain.js'
import type { ChainEvent } from '../../chain/codec/block.js'
import { protoType } from '../../chain/codec/index.js'
import { ChainError } from '../../chain/errors.js'
import { hex } from '../../chain/hex.js'
import type { Logger } from '../../chain/logger.js'
import type { KeySpace } from '../../chain/store/keySpace.js'
import type { StateReader } from '../../chain/store/types.js'
import { signTx } from '../../chain/tx/signTx.js'
import {
  decodeGroupBlock,
  encodeGroupHeader,
  type GroupBlock,
} from '../../modules/messaging/groupchain/block.js'
import {
  type GroupCheckpoint,
  signCheckpoint,
  verifyCheckpointSignature,
} from '../../modules/messaging/groupchain/checkpoint.js'
import { GroupErrorCode } from '../../modules/messaging/groupchain/errors.js'
import { auditPath } from '../../modules/messaging/groupchain/merkle.js'
import { type InclusionProof, proofToJson } from '../../modules/messaging/groupchain/proof.js'
import { adminStore, groupState } from '../../modules/messaging/groupchain/state.js'
import { theirsWins } from '../../modules/messaging/groupchain/turns.js'
import { decodeGroupTx } from '../../modules/messaging/groupchain/tx.js'
import { messagingMethod } from '../../modules/messaging/method.js'
import { DEFAULT_CHECKPOINT_INTERVAL } from '../../modules/messaging/params.js'
import type { GroupRecord } from '../../modules/messaging/stores/index.js'
import type { GatherNode } from '../gatherNode.js'
import {
  GroupBlockError,
  GroupChain,
  type GroupChainOptions,
  type MainFacts,
  messageView,
} from './groupChain.js'
import { GroupStore } from './groupStore.js'
import { type GroupKeyAdmin, GroupKeyService } from './keyService.js'
import { FinalState, GroupMainView, holdsGate } from './mainView.js'
import type {
  GroupAccountView,
  GroupHeadView,
  GroupKeysView,
  GroupMembersView,
  GroupMessageView,
  GroupService,
} from './types.js'
import { type CheckpointVote, decodeGroupGossip, encodeGroupGossip, MAX_PENDING_OFFER_TXS } from './wire.js'

/** What the host needs of the p2p network: a topic per group, a request for blocks, a peer's score. */
export interface GroupNetwork {
  join(
    groupId: number,
    validate: (bytes: Uint8Array, from: string) => Promise<'accept' | 'reject' | 'ignore'>,
    handle: (bytes: Uint8Array, from: string) => void,
  ): void
  leave(groupId: number): void
  publish(groupId: number, bytes: Uint8Array): Promise<number>
  request(peerId: string, groupId: number, from: number, count: number): Promise<Uint8Array[]>
  report(peerId: string, reason: string): void
}

/** The account that pays for anchoring (`gather start --anchor-key NAME`). */
export interface AnchorSigner {
  address: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** Options of the group host. */
export interface GroupHostOptions {
  /** group ids to host besides the produced ones; `'all'` hosts every group (a relay or explorer) */
  follow: number[] | 'all'
  /** accounts whose groups (owned) this node hosts */
  serve: string[]
  anchorSigner?: AnchorSigner
  /** an admin's account key: this node keeps the keys of the private groups it administers (`--group-admin-key`) */
  keyAdmin?: GroupKeyAdmin
  chain?: Partial<GroupChainOptions>
  /** how long producer i waits (× i) before submitting a checkpoint another has not (default 3 s) */
  anchorStaggerMs?: number
}

const hexOrNull = (b: Uint8Array | undefined): string | null => (b === undefined ? null : hex(b))

const ANCHOR_TYPE = protoType('gather.messaging.v1.MsgAnchorCheckpoint')

/** Events after which the set of groups this node hosts may change (a new group, new producers or owner). */
const RECORD_EVENTS_THAT_MOVE_HOSTING = new Set([
  'messaging.group_created',
  'messaging.group_updated',
  'messaging.group_unfrozen',
])
const SYNC_BATCH = 64
/** bytes of transactions in one offer of pending ones: below the p2p layer's 256 KiB group-message limit */
const OFFER_MAX_BYTES = 192 * 1024
/** error codes of a gossiped transaction that make its sender a misbehaving peer */
const REJECTED_TX_CODES: ReadonlySet<string> = new Set([
  GroupErrorCode.MALFORMED,
  GroupErrorCode.BAD_SIGNATURE,
  GroupErrorCode.TX_TOO_LARGE,
  GroupErrorCode.POST_TOO_LARGE,
])

interface Hosted {
  chain: GroupChain
  view: GroupMainView
  store: GroupStore
  listeners: Set<(m: GroupMessageView) => void>
  /** checkpoint votes by height, then by block hash hex, then by producer */
  votes: Map<number, Map<string, Map<string, CheckpointVote>>>
  syncing: Promise<void> | undefined
  /** announcements still to make until a peer answers (a node that starts asks who is ahead) */
  announceLeft: number
  lastAnnounce: number
  /** blocks that name a main height this node has not finalised yet, retried as finality moves */
  future: { bytes: Uint8Array; from: string }[]
}

/** A block hook's event that a holder crossed a group's holding gate (joined or left). */
function isCrossing(e: ChainEvent): boolean {
  return e.type === 'messaging.holder_joined' || e.type === 'messaging.holder_left'
}

/**
 * The group chains of this node (docs/adr/008-group-chains.md): it hosts the groups its node key
 * produces, the groups of accounts it serves and those it follows; per group a {@link GroupChain},
 * a gossip topic, sync from peers, and the producers' checkpoint signatures, anchored on the main
 * chain by `--anchor-key`. It implements {@link GroupService} for the RPC.
 */
export class GroupHost implements GroupService {
  private readonly groups = new Map<number, Hosted>()
  private readonly finalState: FinalState
  private readonly keyService: GroupKeyService | undefined
  /** the main chain's final height whose events were read */
  private seenFinal = 0
  /** whether the group registry was read once (later only events say what changed) */
  private registryRead = false
  private queue: Promise<unknown> = Promise.resolve()
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private readonly onFinal = () => this.enqueue(() => this.refresh())
  /**
   * per committed main block above the final one: the groups its transactions changed, and its
   * block hooks' holder-gate crossings (so a final block seen here is not read back)
   */
  private readonly committed = new Map<
    number,
    { groups: Set<number>; hosting: boolean; crossings: ChainEvent[] }
  >()
  /** a reverted block's entry goes: a height left without one is read in full when final */
  private readonly onRevert = (r: { height: number }) => {
    this.committed.delete(r.height)
  }
  private readonly onBlock = (c: CommittedBlock) => {
    const groups = new Set<number>()
    let hosting = false
    for (const r of c.results) {
      for (const e of r.events) {
        if (!e.type.startsWith('messaging.')) continue
        const id = e.attributes.find((a) => a.key === 'group_id')?.value
        if (id === undefined) continue
        groups.add(Number(id))
        hosting ||= RECORD_EVENTS_THAT_MOVE_HOSTING.has(e.type)
      }
    }
    const crossings = c.blockEvents.filter(isCrossing)
    // a block replacing a reverted one at the same height replaces its entry
    this.committed.set(c.block.header.height, { groups, hosting, crossings })
  }

  constructor(
    private readonly node: GatherNode,
    private readonly opts: GroupHostOptions,
    private readonly space: KeySpace,
    private readonly log: Logger,
    private readonly net?: GroupNetwork,
  ) {
    this.finalState = new FinalState(node.chain)
    this.keyService =
      opts.keyAdmin === undefined ? undefined : new GroupKeyService(opts.keyAdmin, node.chain.chainId, log)
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch((e: Error) => this.log.error({ err: e.message }, 'group host refresh failed'))
    return run
  }

  /** Opens the hosted groups and follows the main chain's finality. */
  async start(): Promise<void> {
    this.seenFinal = this.node.chain.finalBlock.height
    this.node.on('block', this.onBlock)
    this.node.on('revert', this.onRevert)
    await this.enqueue(() => this.refresh())
    this.node.on('final', this.onFinal)
    // a quiet group costs nothing; announcements go out only while a node catches up (or, alone,
    // until it has a group peer: one publish to nobody every 2 s)
    this.timer = setInterval(() => this.announceTick(), 2_000)
    this.timer.unref?.()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.node.off('final', this.onFinal)
    this.node.off('block', this.onBlock)
    this.node.off('revert', this.onRevert)
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.queue
    for (const [id, g] of this.groups) {
      this.net?.leave(id)
      await g.chain.close()
    }
  }

  private get nodeKeyHex(): string | undefined {
    const k = this.node.nodeKey
    return k === undefined ? undefined : hex(k.publicKey)
  }

  /** The group ids this node should host at the head state. */
  private wanted(): number[] {
    const state = this.node.chain.state
    const me = this.nodeKeyHex
    const out = new Set<number>()
    if (this.opts.follow !== 'all') for (const id of this.opts.follow) out.add(id)
    const all = this.opts.follow === 'all'
    for (const key of state.keys('messaging/group/')) {
      const id = Number(key.slice('messaging/group/'.length))
      const g = messagingMethod.getGroup(state, id)
      if (g === undefined) continue
      if (all || (me !== undefined && g.producers.includes(me)) || this.opts.serve.includes(g.owner))
        out.add(id)
    }
    return [...out].sort((a, b) => a - b)
  }

  /**
   * Reads the newly final main blocks (holder-gate crossings, group records), opens groups this
   * node now hosts, and wakes the chains (removals to make, blocks that waited for finality).
   */
  private async refresh(): Promise<void> {
    if (this.stopped) return
    const final = this.node.chain.finalBlock.height
    // Group records change only with a messaging event naming the group (created, updated,
    // unfrozen, anchored, frozen): only those are read again, so a quiet group costs nothing here.
    // A height whose committed block this host did not see is read in full.
    let all = !this.registryRead
    let registry = all
    const touched = new Set<number>()
    for (let h = this.seenFinal + 1; h <= final; h++) {
      const seen = this.committed.get(h)
      if (seen === undefined) all = registry = true
      else {
        for (const id of seen.groups) touched.add(id)
        registry ||= seen.hosting
      }
      const crossings =
        seen?.crossings ?? ((await this.node.chain.db.getBlockEvents(h))?.events ?? []).filter(isCrossing)
      for (const e of crossings) {
        const attr = Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))
        const g = this.groups.get(Number(attr.group_id))
        g?.view.observeCrossing(h, String(attr.address), e.type === 'messaging.holder_joined')
      }
    }
    for (const h of this.committed.keys()) if (h <= final) this.committed.delete(h)
    this.seenFinal = Math.max(this.seenFinal, final)
    if (registry) {
      for (const id of this.wanted()) if (!this.groups.has(id)) await this.host(id)
      this.registryRead = true
    }
    const { height, state } = await this.finalState.reader()
    for (const [id, g] of this.groups) {
      if (all || touched.has(id)) g.view.observeRecord(height, messagingMethod.getGroup(state, id))
      else g.view.advance(height)
      g.chain.schedule()
    }
    for (const g of this.groups.values()) {
      const waiting = g.future.splice(0)
      for (const f of waiting) await this.receiveBlock(g, f.bytes, f.from)
    }
  }

  private async host(id: number): Promise<void> {
    const store = new GroupStore(this.space, id)
    const view = new GroupMainView(id)
    const { height, state } = await this.finalState.reader()
    view.observeRecord(height, messagingMethod.getGroup(state, id))
    const main: MainFacts = {
      view,
      current: async () => this.finalState.reader(),
      holds: (s: StateReader, record: GroupRecord, address: string) => holdsGate(s, record, address),
    }
    const listeners = new Set<(m: GroupMessageView) => void>()
    const hosted: Partial<Hosted> = {}
    const chain = await GroupChain.open(
      id,
      {
        chainId: this.node.chain.chainId,
        store,
        main,
        ...(this.node.nodeKey === undefined ? {} : { nodeKey: this.node.nodeKey }),
        now: () => Date.now(),
        log: this.log,
        publishBlock: (bytes) => {
          void this.publish(id, encodeGroupGossip({ kind: 'block', block: bytes }))
        },
        onCommit: (block, hash, messages) => this.afterCommit(hosted as Hosted, block, hash, messages),
      },
      this.opts.chain,
    )
    Object.assign(hosted, {
      chain,
      view,
      store,
      listeners,
      votes: new Map(),
      syncing: undefined,
      announceLeft: 5,
      lastAnnounce: 0,
      future: [],
    } satisfies Hosted)
    this.groups.set(id, hosted as Hosted)
    this.net?.join(
      id,
      (bytes, from) => this.validateGossip(hosted as Hosted, bytes, from),
      () => {},
    )
    this.log.info(
      { group: id, height: chain.height, producing: chain.producing() },
      chain.producing() ? 'group chain hosted: this node produces it' : 'group chain hosted',
    )
    void this.announce(hosted as Hosted)
  }

  /** Publishes on a group's topic; resolves with how many peers it went to (0 when it could not be sent). */
  private publish(groupId: number, bytes: Uint8Array): Promise<number> {
    if (this.net === undefined) return Promise.resolve(0)
    return this.net.publish(groupId, bytes).catch((e: Error) => {
      this.log.debug({ group: groupId, err: e.message }, 'group gossip not sent')
      return 0
    })
  }

  // ---------------------------------------------------------------- gossip

  /** Validates (and for accepted messages, applies) one message of a group topic before it is relayed. */
  private async validateGossip(
    g: Hosted,
    bytes: Uint8Array,
    from: string,
  ): Promise<'accept' | 'reject' | 'ignore'> {
    let msg: ReturnType<typeof decodeGroupGossip>
    try {
      msg = decodeGroupGossip(bytes)
    } catch {
      return 'reject'
    }
    switch (msg.kind) {
      case 'tx': {
        const r = await this.admitGossiped(g, msg.tx, from)
        return r === 'admitted' ? 'accept' : r === 'rejected' ? 'reject' : 'ignore'
      }
      case 'pendingTxs': {
        // relayed on when it brought this node something new; its sender is scored down for a
        // transaction that no honest node admitted
        let admitted = false
        for (const tx of msg.txs) {
          const r = await this.admitGossiped(g, tx, from)
          if (r === 'rejected') return 'reject'
          if (r === 'admitted') admitted = true
        }
        return admitted ? 'accept' : 'ignore'
      }
      case 'block':
        return this.receiveBlock(g, msg.block, from)
      case 'checkpointVote':
        return this.receiveVote(g, msg.vote)
      case 'head':
        this.receiveHead(g, msg.height, msg.hash, from)
        return 'ignore'
    }
  }

  /** Admits one gossiped transaction: `rejected` when no honest node would have sent it. */
  private async admitGossiped(
    g: Hosted,
    bytes: Uint8Array,
    from: string,
  ): Promise<'admitted' | 'rejected' | 'skipped'> {
    try {
      await g.chain.admit(bytes)
      return 'admitted'
    } catch (e) {
      const code = e instanceof ChainError ? e.code : ''
      if (REJECTED_TX_CODES.has(code)) return 'rejected'
      if (code !== GroupErrorCode.ALREADY_KNOWN)
        this.log.debug(
          { group: g.chain.groupId, peer: from, code, err: (e as Error).message },
          'gossiped group transaction not admitted',
        )
      return 'skipped'
    }
  }

  private async receiveBlock(
    g: Hosted,
    bytes: Uint8Array,
    from: string,
  ): Promise<'accept' | 'reject' | 'ignore'> {
    try {
      await g.chain.importBlock(bytes)
      return 'accept'
    } catch (e) {
      if (!(e instanceof GroupBlockError)) {
        this.log.warn({ group: g.chain.groupId, err: (e as Error).message }, 'group block not imported')
        return 'ignore'
      }
      if (e.code === 'GROUP_BLOCK_GAP' || e.code === 'GROUP_BLOCK_FORK') {
        const height = Number(e.data?.height ?? 0)
        this.startSync(g, from, height)
        return 'ignore'
      }
      if (e.verdict === 'ignore' && /main height/.test(e.message)) {
        if (g.future.length < 64) g.future.push({ bytes, from })
        return 'ignore'
      }
      if (e.verdict === 'reject')
        this.log.warn(
          { group: g.chain.groupId, code: e.code, peer: from, err: e.message },
          'invalid group block refused',
        )
      return e.verdict
    }
  }

  private receiveVote(g: Hosted, vote: CheckpointVote): 'accept' | 'reject' | 'ignore' {
    const record = g.view.latest
    if (record === undefined || !record.producers.includes(vote.producer)) return 'reject'
    const cp: GroupCheckpoint = {
      groupId: g.chain.groupId,
      height: vote.height,
      blockHash: vote.blockHash,
      stateRoot: vote.stateRoot,
      accumulatorRoot: vote.accumulatorRoot,
    }
    if (
      !verifyCheckpointSignature(this.node.chain.chainId, cp, {
        producer: vote.producer,
        signature: vote.signature,
      })
    )
      return 'reject'
    this.addVote(g, vote)
    return 'accept'
  }

  private addVote(g: Hosted, vote: CheckpointVote): void {
    const byHash = g.votes.get(vote.height) ?? new Map<string, Map<string, CheckpointVote>>()
    g.votes.set(vote.height, byHash)
    const key = hex(vote.blockHash)
    const byProducer = byHash.get(key) ?? new Map<string, CheckpointVote>()
    byHash.set(key, byProducer)
    byProducer.set(vote.producer, vote)
    this.considerAnchor(g, vote.height, key)
    // keep the votes of recent checkpoints only
    for (const h of g.votes.keys()) if (h < vote.height - 10 * this.intervalOf(g)) g.votes.delete(h)
  }

  private intervalOf(g: Hosted): number {
    return g.view.latest?.policy.checkpointInterval || DEFAULT_CHECKPOINT_INTERVAL
  }

  private receiveHead(g: Hosted, height: number, hash: Uint8Array, from: string): void {
    const ours = g.chain.height
    if (
      height > ours ||
      (height === ours && height > 0 && !Buffer.from(hash).equals(Buffer.from(g.chain.hash)))
    ) {
      this.startSync(g, from, height)
    } else if (height < ours && Date.now() - g.lastAnnounce > 1_000) {
      // a peer behind (just started): tell it where we are
      void this.announce(g)
    }
    if (height >= ours) g.announceLeft = 0
  }

  /**
   * Publishes our head of the group; resolves with how many peers it was sent to. The time in it makes each announcement a message of its own: gossipsub
   * drops a publish whose bytes it has seen in the last minutes, so a node's repeats of one head
   * would otherwise never leave it.
   */
  private announce(g: Hosted): Promise<number> {
    g.lastAnnounce = Date.now()
    const bytes = encodeGroupGossip({
      kind: 'head',
      height: g.chain.height,
      hash: g.chain.hash,
      announcedAtMs: g.lastAnnounce,
    })
    return this.publish(g.chain.groupId, bytes)
  }

  /**
   * A node that starts asks who is ahead: an announcement counts against the ones left only once
   * it reached a peer (a restarted node can be without group peers for a while).
   */
  private announceTick(): void {
    for (const g of this.groups.values()) {
      this.offerStale(g)
      if (g.announceLeft <= 0) continue
      void this.announce(g).then((reached) => {
        if (reached > 0 && g.announceLeft > 0) g.announceLeft--
      })
    }
  }

  /**
   * Offers again the pending transactions that no block took in time: two turns and a block time
   * after they were last offered (a quiet or healthy group sends nothing). This is how a
   * transaction reaches a producer that was down when it was gossiped, or that lost its pool to a
   * crash: otherwise only the nodes that hold it would know it, and it would stay pending.
   */
  private offerStale(g: Hosted): void {
    if (this.stopped || g.chain.pending === 0) return
    const { turnTimeoutMs, blockTimeMs } = g.chain.opts
    const txs = g.chain
      .takeStale(2 * turnTimeoutMs + blockTimeMs, MAX_PENDING_OFFER_TXS, OFFER_MAX_BYTES)
      .map((t) => t.bytes)
    if (txs.length === 0) return
    const bytes = encodeGroupGossip({ kind: 'pendingTxs', txs, offeredAtMs: Date.now() })
    void this.publish(g.chain.groupId, bytes).then((peers) =>
      this.log.debug(
        { group: g.chain.groupId, txs: txs.length, peers },
        'pending group transactions offered again',
      ),
    )
  }

  // ---------------------------------------------------------------- sync

  private startSync(g: Hosted, peer: string, theirHeight: number): void {
    if (g.syncing !== undefined || this.net === undefined || this.stopped) return
    g.syncing = this.sync(g, peer, theirHeight)
      .catch((e: Error) =>
        this.log.warn({ group: g.chain.groupId, peer, err: e.message }, 'group sync stopped'),
      )
      .finally(() => {
        g.syncing = undefined
      })
  }

  /**
   * Catches up with a peer: finds where its chain parts from ours (never below the last anchored
   * checkpoint), takes its branch if it wins the fork choice, and imports its blocks in order;
   * this node produces nothing of the group meanwhile (`GroupChain.whileSyncing`).
   */
  private sync(g: Hosted, peer: string, theirHeight: number): Promise<void> {
    return g.chain.whileSyncing(() => this.syncNow(g, peer, theirHeight))
  }

  private async syncNow(g: Hosted, peer: string, theirHeight: number): Promise<void> {
    const net = this.net!
    const id = g.chain.groupId
    const anchored = Number(g.view.latest?.lastCheckpointHeight ?? 0)
    // the fork point: the first height whose block differs (or our head + 1)
    let fork = g.chain.height + 1
    let probe = Math.min(g.chain.height, theirHeight)
    while (probe > anchored) {
      const from = Math.max(anchored + 1, probe - SYNC_BATCH + 1)
      const theirs = await net.request(peer, id, from, probe - from + 1)
      let diverged = false
      for (let i = theirs.length - 1; i >= 0; i--) {
        const d = decodeGroupBlock(theirs[i]!)
        const h = d.block.header.height
        if (h > g.chain.height) continue
        if (Buffer.from(g.chain.blockHash(h)).equals(Buffer.from(d.hash))) {
          probe = anchored // found the common block
          break
        }
        fork = h
        diverged = true
      }
      if (!diverged || theirs.length === 0) break
      probe = from - 1
    }
    if (fork <= g.chain.height) {
      const ours = await g.store.headerBlock(fork)
      const [first] = await net.request(peer, id, fork, 1)
      if (ours === undefined || first === undefined) return
      const theirsFork = decodeGroupBlock(first)
      g.chain.checkHeader(theirsFork)
      const win = theirsWins(
        { headHeight: g.chain.height, fork: { round: ours.header.round, hash: g.chain.blockHash(fork) } },
        { headHeight: theirHeight, fork: { round: theirsFork.block.header.round, hash: theirsFork.hash } },
      )
      if (!win) {
        void this.announce(g)
        return
      }
      this.log.warn(
        { group: id, fork, ours: g.chain.height, theirs: theirHeight, peer },
        "group chain switches to a peer's branch",
      )
      await g.chain.revertTo(fork - 1)
    }
    while (g.chain.height < theirHeight && !this.stopped) {
      const from = g.chain.height + 1
      const blocks = await net.request(peer, id, from, Math.min(SYNC_BATCH, theirHeight - from + 1))
      if (blocks.length === 0) break
      for (const b of blocks) {
        try {
          await g.chain.importBlock(b)
        } catch (e) {
          if (e instanceof GroupBlockError && e.verdict === 'reject')
            net.report(peer, `invalid group block in sync: ${e.code}`)
          throw e
        }
      }
    }
    g.announceLeft = 0
  }

  /** Serves `from .. from+count-1` of a hosted group to a peer. */
  async blocksByRange(groupId: number, from: number, count: number): Promise<Uint8Array[]> {
    const g = this.groups.get(groupId)
    if (g === undefined) return []
    return g.store.blocksBytes(from, Math.min(count, g.chain.height - from + 1))
  }

  // ---------------------------------------------------------------- commit, checkpoints

  private afterCommit(g: Hosted, block: GroupBlock, hash: Uint8Array, messages: GroupMessageView[]): void {
    for (const m of messages) for (const l of g.listeners) l(m)
    if (!this.stopped) this.keyService?.afterCommit(g.chain, g.view.latest, (tx) => this.submit(tx))
    const h = block.header.height
    const key = this.node.nodeKey
    if (key === undefined || !g.chain.producing() || h % this.intervalOf(g) !== 0) return
    const cp: GroupCheckpoint = {
      groupId: g.chain.groupId,
      height: h,
      blockHash: hash,
      stateRoot: block.header.stateRoot,
      accumulatorRoot: block.header.accumulatorRoot,
    }
    const sig = signCheckpoint(this.node.chain.chainId, cp, key)
    const vote: CheckpointVote = { ...cp, producer: sig.producer, signature: sig.signature }
    this.addVote(g, vote)
    void this.publish(g.chain.groupId, encodeGroupGossip({ kind: 'checkpointVote', vote }))
  }

  /**
   * With the threshold of producers' signatures for a checkpoint, submits it — the producer of
   * that block first, the others after a stagger if it has not landed. A checkpoint that
   * conflicts with the one anchored at its height is submitted as evidence (the group freezes).
   */
  private considerAnchor(g: Hosted, height: number, hashHex: string): void {
    const signer = this.opts.anchorSigner
    const record = g.view.latest
    const me = this.nodeKeyHex
    if (signer === undefined || record === undefined || me === undefined || !record.producers.includes(me))
      return
    const votes = [...(g.votes.get(height)?.get(hashHex)?.values() ?? [])]
    const threshold = record.threshold || Math.floor(record.producers.length / 2) + 1
    if (votes.length < threshold) return
    const state = this.node.chain.state
    const anchored = messagingMethod.getCheckpoint(state, g.chain.groupId, height)
    const conflicting = anchored !== undefined && hex(anchored.blockHash) !== hashHex
    if (anchored !== undefined && !conflicting) return
    if (anchored === undefined && Number(record.lastCheckpointHeight) >= height) return
    const order = record.producers.indexOf(me)
    const stagger = (this.opts.anchorStaggerMs ?? 3_000) * order
    const submit = (): void => {
      const now = messagingMethod.getCheckpoint(this.node.chain.state, g.chain.groupId, height)
      if (now !== undefined && hex(now.blockHash) === hashHex) return
      this.submitAnchor(g, votes, signer, conflicting)
    }
    if (stagger === 0 || conflicting) submit()
    else setTimeout(submit, stagger).unref?.()
  }

  private submitAnchor(g: Hosted, votes: CheckpointVote[], signer: AnchorSigner, conflicting: boolean): void {
    const v = votes[0]!
    try {
      const value = ANCHOR_TYPE.encode(
        ANCHOR_TYPE.fromObject({
          submitter: signer.address,
          groupId: g.chain.groupId,
          height: v.height,
          blockHash: v.blockHash,
          stateRoot: v.stateRoot,
          accumulatorRoot: v.accumulatorRoot,
          signatures: votes.map((x) => ({ producer: x.producer, signature: x.signature })),
        }),
      ).finish()
      const acc = this.node.nextAccount(signer.address)
      if (acc === undefined) throw new Error(`anchor key ${signer.address} has no account: fund it`)
      const raw = signTx(
        {
          messages: [{ typeUrl: '/gather.messaging.v1.MsgAnchorCheckpoint', value }],
          chainId: this.node.chain.chainId,
          accountNumber: acc.accountNumber,
          sequence: acc.sequence,
          fee: BigInt(this.node.query.token.getMinFee({}).minFee),
        },
        signer.privateKey,
        signer.publicKey,
      )
      this.node.submitTx(raw)
      const line = conflicting
        ? 'conflicting group checkpoint submitted as evidence'
        : 'group checkpoint submitted'
      ;(conflicting ? this.log.warn : this.log.info).call(
        this.log,
        { group: g.chain.groupId, height: v.height, signers: votes.length },
        line,
      )
    } catch (e) {
      this.log.warn(
        { group: g.chain.groupId, height: v.height, err: (e as Error).message },
        'group checkpoint not submitted',
      )
    }
  }

  // ---------------------------------------------------------------- GroupService

  private hostedOrThrow(groupId: number): Hosted {
    const g = this.groups.get(groupId)
    if (g !== undefined) return g
    if (messagingMethod.getGroup(this.node.chain.state, groupId) === undefined)
      throw new ChainError(GroupErrorCode.UNKNOWN_GROUP, `no group ${groupId}`)
    throw new ChainError(
      GroupErrorCode.NOT_HOSTED,
      `this node does not host group ${groupId}: ask a node that produces or follows it (gather start --follow-group ${groupId})`,
    )
  }

  async submit(bytes: Uint8Array): Promise<{ id: string }> {
    let groupId: number
    try {
      groupId = decodeGroupTx(bytes).body.groupId
    } catch (e) {
      if (e instanceof ChainError) throw e
      throw new ChainError(GroupErrorCode.MALFORMED, (e as Error).message)
    }
    const g = this.hostedOrThrow(groupId)
    if (g.view.latest?.frozen === true)
      throw new ChainError(
        GroupErrorCode.FROZEN,
        'the group is frozen: it accepts nothing until its owner rotates its producers',
      )
    const tx = await g.chain.admit(bytes)
    void this.publish(groupId, encodeGroupGossip({ kind: 'tx', tx: bytes }))
    return { id: tx.id }
  }

  async messages(
    groupId: number,
    opts: { before?: number; beforeIndex?: number; limit: number },
  ): Promise<GroupMessageView[]> {
    const g = this.hostedOrThrow(groupId)
    const out: GroupMessageView[] = []
    for await (const { id, height, index } of g.store.postsBefore(
      opts.before ?? g.chain.height + 1,
      opts.limit,
      opts.before === undefined ? undefined : opts.beforeIndex,
    )) {
      const r = await g.store.message(id)
      if (r === undefined) continue
      const slot = r.deleted || r.pruned ? undefined : await g.store.tx(height, index)
      let content: Uint8Array | undefined
      if (slot instanceof Uint8Array) {
        const a = decodeGroupTx(slot).body.action
        if (a.kind === 'post') content = a.content
      }
      out.push(messageView(id, r, content))
    }
    return out
  }

  members(groupId: number, opts: { offset: number; limit: number }): GroupMembersView {
    const g = this.hostedOrThrow(groupId)
    const owner = g.view.latest?.owner ?? ''
    const state = g.chain.view
    const all = groupState.members(state)
    const admins = [owner, ...groupState.admins(state).filter((a) => a !== owner)]
    const list = [{ address: owner, joinedAt: 0 }, ...all.filter((m) => m.address !== owner)]
    return {
      groupId,
      owner,
      total: list.length,
      admins,
      members: list.slice(opts.offset, opts.offset + opts.limit).map((m) => {
        const muted = groupState.mutedUntil(state, m.address)
        return {
          address: m.address,
          joinedAt: m.joinedAt,
          admin: m.address === owner || adminStore.has(state, m.address),
          ...(muted > Date.now() ? { mutedUntil: muted } : {}),
          publicKey: hexOrNull(groupState.publicKey(state, m.address)),
        }
      }),
    }
  }

  account(groupId: number, address: string): GroupAccountView {
    const g = this.hostedOrThrow(groupId)
    const owner = g.view.latest?.owner ?? ''
    const state = g.chain.view
    const muted = groupState.mutedUntil(state, address)
    const all = groupState.muteAllUntil(state)
    const ban = groupState.ban(state, address)
    const now = Date.now()
    return {
      groupId,
      address,
      member: g.chain.isMember(address),
      admin: address === owner || adminStore.has(state, address),
      owner: address === owner,
      mutedUntil: muted > now ? muted : null,
      muteAllUntil: all > now ? all : null,
      banned: ban === undefined ? null : { by: ban.by, atMs: Number(ban.atMs) },
      nextNonce: g.chain.nextNonce(address),
    }
  }

  head(groupId: number): GroupHeadView {
    const g = this.hostedOrThrow(groupId)
    const h = g.chain.header
    return {
      groupId,
      height: g.chain.height,
      hash: hex(g.chain.hash),
      timeMs: h?.timeMs ?? 0,
      producer: h === undefined ? '' : hex(h.producer),
      round: h?.round ?? 0,
      mainHeight: h?.mainHeight ?? 0,
      stateRoot: hex(g.chain.stateRoot),
      accumulatorRoot: hex(g.chain.accumulatorRoot),
      members: groupState.memberCount(g.chain.view) + 1,
      producing: g.chain.producing(),
      lastCheckpointHeight: Number(
        messagingMethod.getGroup(this.node.chain.state, groupId)?.lastCheckpointHeight ?? 0,
      ),
      pending: g.chain.pending,
      epoch: groupState.epoch(g.chain.view),
    }
  }

  keys(groupId: number, address: string): GroupKeysView {
    const g = this.hostedOrThrow(groupId)
    const state = g.chain.view
    return {
      groupId,
      address,
      epoch: groupState.epoch(state),
      keys: groupState.wrappedKeysOf(state, address).map(({ epoch, key }) => ({
        epoch,
        ephemeralKey: hex(key.ephemeralKey),
        nonce: Buffer.from(key.nonce).toString('base64'),
        ciphertext: Buffer.from(key.ciphertext).toString('base64'),
      })),
    }
  }

  async messageProof(groupId: number, messageId: string): Promise<unknown> {
    const g = this.hostedOrThrow(groupId)
    const r = await g.store.message(messageId)
    if (r === undefined)
      throw new ChainError(GroupErrorCode.UNKNOWN_MESSAGE, `no message ${messageId} in group ${groupId}`)
    const state = this.node.chain.state
    const record = messagingMethod.getGroup(state, groupId)
    const last = Number(record?.lastCheckpointHeight ?? 0)
    if (last < r.height)
      throw new ChainError(
        GroupErrorCode.NOT_ANCHORED_YET,
        `message is in group block ${r.height}; the last anchored checkpoint is at ${last}: wait for the next checkpoint`,
        { height: r.height, lastCheckpointHeight: last },
      )
    // the lowest anchored checkpoint at or above the message's block
    let cpHeight = last
    const interval = this.intervalOf(g)
    for (let c = Math.ceil(r.height / interval) * interval; c <= last; c += interval) {
      if (messagingMethod.getCheckpoint(state, groupId, c) !== undefined) {
        cpHeight = c
        break
      }
    }
    const block = await g.store.headerBlock(r.height)
    const leaves = await g.store.leafHashes(r.height)
    const slot = await g.store.tx(r.height, r.index)
    if (block === undefined || slot === undefined)
      throw new ChainError(GroupErrorCode.UNKNOWN_MESSAGE, 'message block is not stored')
    const proof: InclusionProof = {
      groupId,
      checkpointHeight: cpHeight,
      message: slot instanceof Uint8Array ? slot : new Uint8Array(0),
      blockHeader: encodeGroupHeader(block.header),
      txIndex: r.index,
      txPath: auditPath(leaves, r.index),
    }
    if (!(slot instanceof Uint8Array)) proof.leafHash = slot.leafHash
    if (r.height < cpHeight) {
      proof.accumulator = g.chain.accumulator.prove(r.height - 1, cpHeight - 1)
      proof.checkpointHeader = (await g.store.headerBlock(cpHeight))!.headerBytes
    }
    return proofToJson(proof)
  }

  hosted(): number[] {
    return [...this.groups.keys()].sort((a, b) => a - b)
  }

  subscribe(groupId: number, listener: (m: GroupMessageView) => void): () => void {
    const g = this.hostedOrThrow(groupId)
    g.listeners.add(listener)
    return () => g.listeners.delete(listener)
  }
}
