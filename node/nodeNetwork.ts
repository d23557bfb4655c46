import type { CommittedBlock } from '../chain/blockchain.js'
import {
  type Block,
  decodeReceivedBlock,
  encodeBlock,
  encodeVote,
  type ReceivedBlock,
  type Vote,
} from '../chain/codec/block.js'
import { protoType } from '../chain/codec/index.js'
import { verifyEd25519 } from '../chain/crypto/ed25519.js'
import { ChainErrorCode, isChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import type { Logger } from '../chain/logger.js'
import { P2pNetwork, peerIdOfNodeKey } from '../chain/p2p/index.js'
import type { P2pMetrics, P2pOptions, Status, Verdict } from '../chain/p2p/types.js'
import { signTx } from '../chain/tx/signTx.js'
import { quorum } from '../consensus/finality.js'
import { forkChoice } from '../consensus/forkChoice.js'
import type { GatherNode } from './gatherNode.js'
import { VoteRelay, type VoteRelayStats } from './voteRelay.js'

/** Options of a node's network: where it listens and whom it dials first. */
export interface NodeNetworkOptions {
  /** 32-byte ed25519 seed of the libp2p identity (the node key's seed) */
  privateKey: Uint8Array
  host?: string
  port?: number
  /** multiaddrs ending in `/p2p/<peer id>` */
  bootstrap?: readonly string[]
  /** blocks asked per blocks-by-range request while syncing (default 64) */
  syncBatch?: number
  /** turn the DHT off (tests with fixed peers) */
  dht?: boolean
  /**
   * The account that signs and pays for evidence this node sees (two blocks for one slot or two
   * votes at one height by one node key): it submits MsgSubmitEvidence on its own. Without one,
   * the node only logs what it saw.
   */
  evidenceSigner?: { address: string; privateKey: Uint8Array; publicKey: Uint8Array }
  /** gossipsub mesh and heartbeat, kad-dht concurrency, ping interval (defaults: chain/p2p, docs/adr/013) */
  tuning?: P2pTuning
}

/** The network parameters an operator may set (`gather start --p2p-mesh …`); the rest are fixed. */
export type P2pTuning = Pick<P2pOptions, 'gossipMesh' | 'gossipHeartbeatMs' | 'dhtAlpha' | 'pingIntervalMs'>

/** Largest message on a group topic: a group block of 1 MiB of transactions and its envelope. */
export const GROUP_GOSSIP_MAX_BYTES = 1024 * 1024 + 64 * 1024

/** Where sync stands (`chain_getStatus`). */
export interface SyncStatus {
  syncing: boolean
  /** the highest head a peer reported */
  targetHeight: number
  peers: number
  /** why a validator does not produce now (null: it may) */
  productionHold: string | null
}

/** Transaction errors that say the sender sent something broken (not just stale or unlucky). */
const BROKEN_TX = new Set<string>([
  ChainErrorCode.TX_MALFORMED,
  ChainErrorCode.TX_TOO_LARGE,
  ChainErrorCode.TX_UNKNOWN_MESSAGE,
  ChainErrorCode.TX_WRONG_SIGNER,
  ChainErrorCode.TX_SIGNATURE_INVALID,
  ChainErrorCode.TX_SIGNATURE_HIGH_S,
])

/**
 * Puts a GatherNode on the network (chain/p2p): gossips the transactions it admits, the blocks
 * it produces and the votes it signs; validates what arrives with the same checks as the mempool
 * and block import (a gossiped block is imported by its validation: accepted blocks are relayed,
 * invalid ones penalise the sender); and syncs with blocks-by-range from the peer with the
 * highest head whenever it falls behind, checking every block and its finality votes. While it
 * syncs, the node does not produce.
 */
export class NodeNetwork {
  readonly p2p: P2pNetwork
  private readonly peerHeads = new Map<string, number>()
  private syncing = false
  /** false until a first peer status (when there are bootstrap peers): no producing blind */
  private ready: boolean
  private syncRun: Promise<void> | undefined
  private stopped = false
  private readonly listeners: { event: string; fn: (...args: never[]) => void }[] = []
  /** the bytes of gossiped transactions, so that admitting one does not publish it again */
  private readonly gossiped = new WeakSet<Uint8Array>()
  /** the head's super nodes but us, as libp2p peer ids, for the head `head` */
  private superNodePeers: { head: Uint8Array; peers: string[] } | undefined
  /** node keys (hex) → libp2p peer ids */
  private readonly peerIds = new Map<string, string>()
  /** peers found on another branch, skipped by sync until the time given (ms) */
  private readonly otherBranch = new Map<string, number>()
  /** offences already reported (offender/kind/at) */
  private readonly reported = new Set<string>()
  /** the group chains' blocks served to peers (node/groups) */
  private groupBlocks: ((groupId: number, from: number, count: number) => Promise<Uint8Array[]>) | undefined
  /** how votes travel: to the block's proposer, which forwards them in bundles (docs/adr/020) */
  private readonly votes: VoteRelay

  constructor(
    private readonly opts: NodeNetworkOptions,
    private readonly deps: { node: GatherNode; log: Logger; metrics?: P2pMetrics },
  ) {
    const { node } = deps
    this.ready = (opts.bootstrap ?? []).length === 0
    this.p2p = new P2pNetwork(
      {
        chainId: node.chain.chainId,
        privateKey: opts.privateKey,
        ...(opts.host === undefined ? {} : { host: opts.host }),
        ...(opts.port === undefined ? {} : { port: opts.port }),
        bootstrap: opts.bootstrap ?? [],
        ...(opts.dht === undefined ? {} : { dht: opts.dht }),
        maxMessageBytes: { group: GROUP_GOSSIP_MAX_BYTES },
        ...opts.tuning,
      },
      {
        logger: deps.log,
        ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
        getStatus: () => this.status(),
        getBlocksByRange: (from, count) => this.blocksByRange(from, count),
        validateTx: (bytes) => this.validateTx(bytes),
        validateBlock: (bytes, from) => this.validateBlock(bytes, from),
        validateVote: (bytes) => this.votes.fromTopic(bytes),
        validateVoteInbox: (bytes) => this.votes.fromInbox(bytes),
        onPeerStatus: (peer, status) => this.onPeerStatus(peer, status),
        getGroupBlocks: (groupId, from, count) => this.groupBlocks?.(groupId, from, count) ?? [],
      },
    )
    this.votes = new VoteRelay({
      node,
      log: deps.log,
      sendTo: (peer, bytes) => this.p2p.publishVoteTo(peer, bytes),
      broadcast: (bytes) => this.p2p.publishVoteDirect(bytes, this.headSuperNodePeers()),
      peerIdOf: (key) => this.peerIdOf(key),
      reportConflicts: () => this.reportVoteConflicts(),
    })
  }

  /** Serves the hosted group chains' blocks to peers (group-blocks-by-range). */
  serveGroupBlocks(source: (groupId: number, from: number, count: number) => Promise<Uint8Array[]>): void {
    this.groupBlocks = source
  }

  /** Starts libp2p, publishes what the node makes, and gates production on being in sync. */
  async start(): Promise<void> {
    const { node } = this.deps
    await this.p2p.start()
    const key = node.nodeKey
    this.on('block', (c: CommittedBlock) => {
      this.votes.onBlock(c)
      if (key !== undefined && Buffer.compare(c.block.header.proposer, key.publicKey) === 0)
        this.publish('block', c.bytes)
    })
    this.on('vote', (v: Vote) => this.votes.ownVote(v))
    this.on('tx', (raw: Uint8Array) => {
      if (!this.gossiped.has(raw)) this.publishDirect('tx', raw)
    })
    // With peers to find, produce only once we know their heads and our blocks reach them (a
    // gossipsub mesh forms on a ~1 s heartbeat): a block made blind would fork the chain.
    node.setProductionGate(() => this.productionHold() === undefined)
    node.attachNetwork({
      sync: () => this.syncStatus(),
      peerId: () => this.p2p.peerId,
      addresses: () => this.p2p.multiaddrs(),
      peers: () => this.p2p.peers(),
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.votes.stop()
    for (const l of this.listeners.splice(0))
      this.deps.node.off(l.event, l.fn as (...args: unknown[]) => void)
    this.deps.node.setProductionGate(undefined)
    this.deps.node.attachNetwork(undefined)
    await this.syncRun?.catch(() => undefined)
    await this.p2p.stop()
  }

  /**
   * Why a validator holds production back, or undefined when it may produce: with peers to find,
   * only once it knows their heads and its blocks reach them (a peer subscribed to the block
   * topic), not while syncing, and before the first block only once connected to enough
   * super nodes for a finality quorum (a first block made while the others still start forks).
   */
  productionHold(): string | undefined {
    const { node } = this.deps
    if ((this.opts.bootstrap ?? []).length === 0) return undefined
    if (!this.ready) return 'waiting for a peer status'
    if (this.syncing) return 'syncing'
    // gossipsub floods our own blocks to every subscribed peer, mesh or not
    if (this.p2p.subscribers('block').length === 0) return 'no peer subscribed to blocks yet'
    if (node.chain.head.height > 0) return undefined
    const need = quorum(node.chain.superNodesAt(node.chain.head.slot + 1).length) - 1
    const have = this.p2p.connectedPeers().length
    return have >= need ? undefined : `first block: connected to ${have} peers, waiting for ${need}`
  }

  /** What the vote relay did since start (docs/adr/020). */
  voteStats(): Readonly<VoteRelayStats> {
    return this.votes.stats
  }

  /** Sync state for `chain_getStatus`. */
  syncStatus(): SyncStatus {
    const target = Math.max(this.deps.node.chain.head.height, ...this.peerHeads.values())
    return {
      syncing: this.syncing,
      targetHeight: target,
      peers: this.p2p.connectedPeers().length,
      productionHold: this.productionHold() ?? null,
    }
  }

  private on(event: string, fn: (...args: never[]) => void): void {
    this.deps.node.on(event, fn as (...args: unknown[]) => void)
    this.listeners.push({ event, fn })
  }

  private publish(kind: 'block', bytes: Uint8Array): void {
    this.p2p
      .publishBlock(bytes)
      .catch((e: unknown) => this.deps.log.debug({ kind, err: (e as Error).message }, 'gossip not sent'))
  }

  /**
   * A transaction this node admitted (RPC, tools) goes to every peer on the direct topic, which
   * nobody relays, when that reaches every super node of the head; otherwise it is relayed as
   * well (docs/adr/017). Relays made ~5 copies of each message per node on a 21-validator mesh,
   * each decrypted, decoded and hashed; each super node needs one. Votes: `VoteRelay`.
   */
  private publishDirect(kind: 'tx', bytes: Uint8Array): void {
    this.p2p
      .publishTxDirect(bytes, this.headSuperNodePeers())
      .catch((e: unknown) => this.deps.log.debug({ kind, err: (e as Error).message }, 'gossip not sent'))
  }

  /** The super nodes of the head but us, as peer ids (worked out once per head). */
  private headSuperNodePeers(): string[] {
    const chain = this.deps.node.chain
    const cached = this.superNodePeers
    if (cached !== undefined && Buffer.compare(cached.head, chain.head.hash) === 0) return cached.peers
    const own = this.deps.node.nodeKey?.publicKey
    const peers = chain.headSuperNodes
      .filter((k) => own === undefined || Buffer.compare(k, own) !== 0)
      .map((k) => this.peerIdOf(k))
    this.superNodePeers = { head: chain.head.hash, peers }
    return peers
  }

  /** A node key's libp2p peer id (the network key is the node key), cached. */
  private peerIdOf(nodeKey: Uint8Array): string {
    const key = hex(nodeKey)
    let id = this.peerIds.get(key)
    if (id === undefined) {
      id = peerIdOfNodeKey(nodeKey)
      if (this.peerIds.size >= 1024) this.peerIds.clear()
      this.peerIds.set(key, id)
    }
    return id
  }

  private status(): Status {
    const chain = this.deps.node.chain
    return {
      chainId: chain.chainId,
      genesisHash: hex(chain.genesisHash),
      headHeight: chain.head.height,
      headHash: hex(chain.head.hash),
      finalHeight: chain.finalBlock.height,
    }
  }

  private async blocksByRange(from: number, count: number): Promise<Uint8Array[]> {
    const chain = this.deps.node.chain
    const out: Uint8Array[] = []
    for (let h = Math.max(1, from); h < from + count && h <= chain.head.height; h++) {
      const b = await chain.getBlock(h)
      if (b === undefined) break
      out.push(b.bytes)
    }
    return out
  }

  private async validateTx(bytes: Uint8Array): Promise<Verdict> {
    // batched admission on the verify pool (docs/adr/014); what it admits from gossip is not
    // published again by the 'tx' listener: gossipsub relays it
    this.gossiped.add(bytes)
    try {
      await this.deps.node.submitTxQueued(bytes)
      return 'accept'
    } catch (e) {
      if (isChainError(e) && BROKEN_TX.has(e.code)) return 'reject'
      // pending here already (it came on the direct topic too, docs/adr/017): relay this copy,
      // which its publisher sent because the direct one missed someone (gossipsub still sends
      // each message id at most once per peer)
      if (isChainError(e) && e.code === ChainErrorCode.TX_ALREADY_KNOWN) return 'accept'
      return 'ignore'
    }
  }

  private async validateBlock(bytes: Uint8Array, from: string): Promise<Verdict> {
    const { node } = this.deps
    // the only decode of a gossiped block: the node imports this one, with these bytes
    let received: ReceivedBlock
    try {
      received = decodeReceivedBlock(bytes)
    } catch {
      return 'reject'
    }
    if (received.block.header.chainId !== node.chain.chainId) return 'reject'
    const { height, previousHash } = received.block.header
    const head = node.chain.head
    if (height <= head.height) {
      await this.checkDoubleProposal(received)
      return 'ignore'
    }
    if (height > head.height + 1 || Buffer.compare(previousHash, head.hash) !== 0) {
      // we are behind (or on another branch): catch up from whoever sent it
      this.peerHeads.set(from, Math.max(this.peerHeads.get(from) ?? 0, height))
      this.scheduleSync()
      return 'ignore'
    }
    try {
      await node.importBlock(received)
      return 'accept'
    } catch (e) {
      if (isChainError(e) && e.code === ChainErrorCode.BLOCK_INVALID) {
        // A block for the head we just moved past is no offence; a broken one is. It may be the
        // second block of a double proposal that came while the first was being imported (both
        // were checked against the same head): compare it with the block now at its height.
        if (node.chain.head.height >= height) {
          await this.checkDoubleProposal(received)
          return 'ignore'
        }
        this.deps.log.warn({ from, height, err: e.message }, 'invalid block from the network')
        return 'reject'
      }
      return 'ignore'
    }
  }

  /** Double votes the votes just counted revealed, as evidence. */
  private reportVoteConflicts(): void {
    for (const c of this.deps.node.votes.takeConflicts()) {
      this.reportEvidence(
        'double-vote',
        hex(c.first.validator),
        c.first.height,
        encodeVote(c.first),
        encodeVote(c.second),
      )
    }
  }

  /** A block for a height we have: the same proposer and slot with another hash is a double proposal. */
  private async checkDoubleProposal(theirs: ReceivedBlock): Promise<void> {
    const ours = await this.deps.node.chain.getBlock(theirs.block.header.height)
    if (ours === undefined) return
    const a = ours.block.header
    const b = theirs.block.header
    if (a.slot !== b.slot || Buffer.compare(a.proposer, b.proposer) !== 0) return
    if (Buffer.compare(theirs.hash, ours.hash) === 0) return
    if (!verifyEd25519(b.proposer, theirs.hash, theirs.block.signature)) return
    const signed = (blk: Block): Uint8Array =>
      encodeBlock({ header: blk.header, txs: [], signature: blk.signature })
    this.reportEvidence('double-proposal', hex(b.proposer), b.slot, signed(ours.block), signed(theirs.block))
  }

  /** Submits MsgSubmitEvidence (once per offence) with the evidence signer, or logs it without one. */
  private reportEvidence(
    kind: 'double-proposal' | 'double-vote',
    offender: string,
    at: number,
    first: Uint8Array,
    second: Uint8Array,
  ): void {
    const id = `${offender}/${kind}/${at}`
    if (this.reported.has(id)) return
    this.reported.add(id)
    const { node, log } = this.deps
    const signer = this.opts.evidenceSigner
    log.warn({ kind, offender, at }, 'double signing seen')
    if (signer === undefined) return
    try {
      const type = protoType('gather.staking.v1.MsgSubmitEvidence')
      const value = type.encode(type.fromObject({ submitter: signer.address, kind, first, second })).finish()
      const acc = node.nextAccount(signer.address)
      if (acc === undefined) throw new Error(`evidence signer ${signer.address} has no account`)
      const raw = signTx(
        {
          messages: [{ typeUrl: '/gather.staking.v1.MsgSubmitEvidence', value }],
          chainId: node.chain.chainId,
          accountNumber: acc.accountNumber,
          sequence: acc.sequence,
          fee: BigInt(node.query.token.getMinFee({}).minFee),
        },
        signer.privateKey,
        signer.publicKey,
      )
      node.submitTx(raw)
      log.warn({ kind, offender, at }, 'evidence submitted')
    } catch (e) {
      log.warn({ kind, offender, err: (e as Error).message }, 'evidence not submitted')
    }
  }

  private onPeerStatus(peer: string, status: Status): void {
    this.peerHeads.set(peer, status.headHeight)
    if (status.headHeight > this.deps.node.chain.head.height) this.scheduleSync()
    this.ready = true
  }

  private scheduleSync(): void {
    if (this.syncRun !== undefined || this.stopped) return
    this.syncRun = this.sync()
      .catch((e: unknown) => this.deps.log.warn({ err: (e as Error).message }, 'sync stopped'))
      .finally(() => {
        this.syncRun = undefined
        this.syncing = false
      })
  }

  /**
   * Catches up with blocks-by-range, from the peers with the highest heads first. A peer whose
   * blocks do not build on our head is on another branch: fork choice decides (switchBranch).
   */
  private async sync(): Promise<void> {
    const { node, log } = this.deps
    const batch = this.opts.syncBatch ?? 64
    const failed = new Set<string>()
    for (;;) {
      if (this.stopped) return
      const head = node.chain.head.height
      const candidates = [...this.peerHeads.entries()]
        .filter(
          ([p, h]) =>
            h > head &&
            !failed.has(p) &&
            (this.otherBranch.get(p) ?? 0) < Date.now() &&
            this.p2p.connectedPeers().includes(p),
        )
        .sort((a, b) => b[1] - a[1])
      const best = candidates[0]
      if (best === undefined) return
      const [peer, target] = best
      if (!this.syncing) log.info({ from: head, target, peer }, 'syncing')
      this.syncing = true
      let blocks: ReceivedBlock[]
      try {
        blocks = await this.fetchBlocks(peer, head + 1, Math.min(batch, target - head))
      } catch (e) {
        log.debug({ peer, err: (e as Error).message }, 'blocks-by-range failed')
        failed.add(peer)
        continue
      }
      if (blocks.length === 0) {
        failed.add(peer)
        continue
      }
      const first = blocks[0]!.block.header
      if (first.height === head + 1 && !this.linksToOurs(first.previousHash, head)) {
        if (node.chain.head.height !== head) continue // gossip moved our head meanwhile: look again
        if (!(await this.switchBranch(peer))) {
          failed.add(peer)
          this.otherBranch.set(peer, Date.now() + 10_000)
        }
        continue
      }
      for (const b of blocks) {
        const h = b.block.header
        if (node.chain.head.height >= h.height) continue
        if (!this.linksToOurs(h.previousHash, h.height - 1)) break // our head moved
        if (!(await this.importFrom(peer, b))) {
          failed.add(peer)
          break
        }
      }
      const now = node.chain.head.height
      if (now >= target) {
        // refresh the peer's head: it kept producing while we caught up
        try {
          const s = await this.p2p.requestStatus(peer)
          this.peerHeads.set(peer, s.headHeight)
        } catch {
          this.peerHeads.set(peer, now)
        }
      }
      if (now % 100 < batch) log.info({ height: now, target }, 'sync progress')
    }
  }

  /** Whether `previousHash` is the hash of our block at `height` (our head when it is the head's). */
  private linksToOurs(previousHash: Uint8Array, height: number): boolean {
    const head = this.deps.node.chain.head
    return height === head.height && Buffer.compare(previousHash, head.hash) === 0
  }

  /**
   * Blocks-by-range, decoded (the only decode of a synced block: the node imports these, with
   * their bytes); a block that does not decode penalises the peer and throws.
   */
  private async fetchBlocks(peer: string, from: number, count: number): Promise<ReceivedBlock[]> {
    const raw = await this.p2p.requestBlocks(peer, from, count)
    const out: ReceivedBlock[] = []
    for (const bytes of raw) {
      try {
        out.push(decodeReceivedBlock(bytes))
      } catch {
        this.p2p.reportPeer(peer, 50, 'undecodable block in sync')
        throw new Error('undecodable block')
      }
      if (out.at(-1)!.block.header.height !== from + out.length - 1) {
        this.p2p.reportPeer(peer, 50, 'blocks-by-range answered out of order')
        throw new Error('blocks out of order')
      }
    }
    return out
  }

  /** Imports one synced block; an invalid one penalises the peer. Returns whether it was imported. */
  private async importFrom(peer: string, b: ReceivedBlock): Promise<boolean> {
    try {
      await this.deps.node.importBlock(b)
      return true
    } catch (e) {
      if (isChainError(e) && e.code === ChainErrorCode.BLOCK_INVALID) {
        this.p2p.reportPeer(peer, 50, `invalid block in sync: ${e.message}`)
        return false
      }
      throw e
    }
  }

  /**
   * Fork choice with a peer whose chain parts from ours: finds the last block both chains share
   * (walking back no further than our final block), asks `forkChoice` (consensus/forkChoice.ts)
   * and applies its decision: stay; refuse loudly a branch that conflicts with our final block;
   * or switch: our blocks above the fork are reverted, then the peer's are imported. Returns
   * whether this node moved to the peer's branch.
   */
  private async switchBranch(peer: string): Promise<boolean> {
    const { node, log } = this.deps
    const chain = node.chain
    const batch = this.opts.syncBatch ?? 64
    let status: Status
    try {
      status = await this.p2p.requestStatus(peer)
    } catch {
      return false
    }
    this.peerHeads.set(peer, status.headHeight)
    const final = chain.finalBlock.height
    // Walk back from our head a window at a time until one of the peer's blocks builds on ours.
    let theirs: ReceivedBlock[] = []
    let fork: number | undefined
    for (let top = chain.head.height; fork === undefined; ) {
      const from = Math.max(final + 1, top - batch + 1)
      let window: ReceivedBlock[]
      try {
        window = await this.fetchBlocks(peer, from, top + 1 - from + 1)
      } catch {
        return false
      }
      if (window.length === 0) return false // the peer no longer has these blocks: nothing to compare
      const last = window.at(-1)!.block.header.height
      theirs = [...window, ...theirs.filter((b) => b.block.header.height > last)]
      for (let k = window.length - 1; k >= 0 && fork === undefined; k--) {
        const h = window[k]!.block.header
        const ours = h.height === 1 ? chain.genesisHash : (await chain.getBlock(h.height - 1))?.hash
        if (ours !== undefined && Buffer.compare(ours, h.previousHash) === 0) {
          fork = h.height - 1
          theirs = theirs.slice(k)
        }
      }
      if (from <= final + 1) break // down to our final block: nothing older may be reverted
      top = from - 1
    }
    const ourHead = chain.head.height
    const choice = forkChoice(
      { finalHeight: final, finalHash: chain.finalBlock.hash, headHeight: ourHead },
      { forkHeight: fork, finalHeight: status.finalHeight, headHeight: status.headHeight },
    )
    if (choice.decision === 'refuse') {
      log.error(
        { peer, final, finalHash: hex(chain.finalBlock.hash), reason: choice.reason },
        "the peer's chain conflicts with our final block; refusing it (a final block is never reverted)",
      )
      this.p2p.reportPeer(peer, 20, 'chain conflicts with our final block')
      return false
    }
    if (choice.decision === 'stay') {
      log.debug(
        { peer, fork, ourHead, theirHead: status.headHeight, reason: choice.reason },
        'peer on another branch, not a better one',
      )
      return false
    }
    // Before reverting anything, the peer's blocks must be signed by super nodes we know.
    const voters = new Set([...chain.headSuperNodes, ...chain.superNodesAt(chain.head.slot + 1)].map(hex))
    for (const b of theirs) {
      const h = b.block.header
      // a proposer we do not know may be one elected since (not an offence): just do not move
      if (!voters.has(hex(h.proposer))) return false
      // the hash is kept: importing the block after the revert does not compute it again
      if (!verifyEd25519(h.proposer, b.hash, b.block.signature)) {
        this.p2p.reportPeer(peer, 50, `branch block ${h.height} has a bad proposer signature`)
        return false
      }
    }
    log.warn(
      {
        peer,
        fork: choice.revertTo,
        ourHead,
        theirHead: status.headHeight,
        theirFinal: status.finalHeight,
        reason: choice.reason,
      },
      'switching to a better branch (fork choice)',
    )
    try {
      await node.revertTo(choice.revertTo)
    } catch (e) {
      log.error({ err: (e as Error).message }, 'cannot revert to the fork point')
      return false
    }
    for (const b of theirs) if (!(await this.importFrom(peer, b))) break
    return true
  }
}
