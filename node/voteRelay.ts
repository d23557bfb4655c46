import type { CommittedBlock } from '../chain/blockchain.js'
import { decodeVoteBundle, encodeVoteBundle, type Vote } from '../chain/codec/block.js'
import { isChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import type { Logger } from '../chain/logger.js'
import type { Verdict } from '../chain/p2p/types.js'
import { quorum } from '../consensus/finality.js'
import type { GatherNode } from './gatherNode.js'

/**
 * Fractions of the block time (docs/adr/020). A proposer forwards the votes it gathered as soon
 * as they make the quorum; before that, what it holds once `EARLY` has passed since the first of
 * them; after that, what came in within `LATE`. A validator whose vote is in no bundle of the
 * proposer after `FALLBACK` sends it to every super node itself.
 */
const EARLY = 0.25
const LATE = 0.1
const FALLBACK = 0.4

/** Recent blocks remembered for the votes that follow them. */
const BLOCKS_KEPT = 8

/** What the relay needs of the node and its network. */
export interface VoteRelayDeps {
  node: GatherNode
  log: Logger
  /** sends a vote message to one peer's vote inbox; whether it went */
  sendTo(peerId: string, bytes: Uint8Array): Promise<boolean>
  /** sends a vote message to every super node of the head (relayed where that missed one) */
  broadcast(bytes: Uint8Array): Promise<unknown>
  /** a node key's libp2p peer id */
  peerIdOf(nodeKey: Uint8Array): string
  /** double votes the votes just added revealed: reported as evidence */
  reportConflicts(): void
}

/** What a node's relay did since it started. */
export interface VoteRelayStats {
  /** own votes sent to their block's proposer alone */
  sentToProposer: number
  /** own votes sent to every super node: no bundle brought them back in time, or no proposer to send to */
  sentToAll: number
  /** bundles forwarded as a proposer, and the votes in them */
  bundlesForwarded: number
  votesForwarded: number
}

/** A block of ours whose votes we gather and forward. */
interface Gathering {
  hash: Uint8Array
  superNodes: number
  /** counted, not forwarded yet */
  pending: Vote[]
  /** the validators whose votes we gathered (hex), ours included before finality counts it */
  voters: Set<string>
  /** a bundle has gone out (the quorum was reached, or the early timer ran out) */
  forwarded: boolean
  timer: NodeJS.Timeout | undefined
}

/**
 * How finality votes travel between validators (docs/adr/020). A validator sends its vote for a
 * block to that block's proposer alone, on the proposer's vote inbox; the proposer forwards the
 * votes it gathers to every super node in a few bundles. Each validator thus receives one or two
 * messages for a block's votes instead of one per super node, and sends one instead of twenty.
 * Every vote is checked and counted where it arrives, as a vote that came alone would be, so
 * finality and double-vote evidence do not depend on the proposer: a proposer that is gone, not
 * reachable or silent only delays the votes it should have forwarded, since each validator sends
 * its own vote to everyone itself when no bundle brought it back in time.
 */
export class VoteRelay {
  /** our chain's recent blocks: proposer, hash and number of super nodes, by height */
  private readonly blocks = new Map<number, { hash: Uint8Array; proposer: Uint8Array; superNodes: number }>()
  /** blocks we proposed, by height */
  private readonly gathering = new Map<number, Gathering>()
  /** our votes sent to their block's proposer, by height, until a bundle of its brings them back */
  private readonly awaiting = new Map<number, { vote: Vote; timer: NodeJS.Timeout }>()
  private stopped = false
  readonly stats: VoteRelayStats = { sentToProposer: 0, sentToAll: 0, bundlesForwarded: 0, votesForwarded: 0 }

  constructor(private readonly deps: VoteRelayDeps) {}

  /** A block committed on our chain (before our vote for it). */
  onBlock(c: CommittedBlock): void {
    const height = c.block.header.height
    this.blocks.set(height, {
      hash: c.hash,
      proposer: c.block.header.proposer,
      superNodes: c.superNodes.length,
    })
    const old = height - BLOCKS_KEPT
    for (const h of this.blocks.keys()) if (h <= old) this.blocks.delete(h)
    for (const [h, g] of this.gathering)
      if (h <= old) {
        clearTimeout(g.timer)
        this.gathering.delete(h)
      }
    for (const [h, a] of this.awaiting)
      if (h <= old) {
        clearTimeout(a.timer)
        this.awaiting.delete(h)
      }
  }

  /** A vote this node signed: to the block's proposer, or to everyone when that cannot be. */
  ownVote(vote: Vote): void {
    if (this.stopped) return
    const block = this.blocks.get(vote.height)
    const own = this.deps.node.nodeKey?.publicKey
    if (block === undefined || !same(block.hash, vote.blockHash) || own === undefined) {
      this.stats.sentToAll++
      this.broadcast([vote])
      return
    }
    if (same(block.proposer, own)) {
      this.gather(vote)
      return
    }
    const fallbackMs = FALLBACK * this.deps.node.chain.clock.blockTimeMs
    const timer = setTimeout(() => this.fallBack(vote), fallbackMs)
    clearTimeout(this.awaiting.get(vote.height)?.timer)
    this.awaiting.set(vote.height, { vote, timer })
    this.deps
      .sendTo(this.deps.peerIdOf(block.proposer), encodeVoteBundle([vote]))
      .catch((e: unknown) => {
        this.deps.log.debug(
          { height: vote.height, err: (e as Error).message },
          'vote not sent to its proposer',
        )
        return false
      })
      .then((sent) => {
        if (sent) this.stats.sentToProposer++
        else this.fallBack(vote)
      })
  }

  /**
   * Votes on a vote topic (one validator's, or a proposer's bundle): each checked and counted.
   * `reject` when one is invalid; `accept` when one was new or all were known (a relayed copy
   * travels on to whom the direct one missed); else `ignore`.
   */
  fromTopic(bytes: Uint8Array): Verdict {
    return this.take(bytes).verdict
  }

  /** Votes sent to us on our inbox, as the proposer of their block: counted, then forwarded. */
  fromInbox(bytes: Uint8Array): Verdict {
    const { verdict, counted } = this.take(bytes)
    for (const v of counted) this.gather(v)
    return verdict
  }

  /** Stops the timers; nothing is sent after this. */
  stop(): void {
    this.stopped = true
    for (const g of this.gathering.values()) clearTimeout(g.timer)
    for (const a of this.awaiting.values()) clearTimeout(a.timer)
    this.gathering.clear()
    this.awaiting.clear()
  }

  private take(bytes: Uint8Array): { verdict: Verdict; counted: Vote[] } {
    let votes: Vote[]
    try {
      votes = decodeVoteBundle(bytes)
    } catch {
      return { verdict: 'reject', counted: [] }
    }
    const { node } = this.deps
    const counted: Vote[] = []
    let known = 0
    try {
      for (const v of votes) {
        this.broughtBack(v)
        if (node.votes.has(v)) known++
        else if (node.addVote(v) === 'accept') counted.push(v)
      }
    } catch (e) {
      return { verdict: isChainError(e) ? 'reject' : 'ignore', counted }
    } finally {
      this.deps.reportConflicts()
    }
    return { verdict: counted.length + known > 0 ? 'accept' : 'ignore', counted }
  }

  /** Our own vote came back in a bundle: the proposer forwarded it. */
  private broughtBack(v: Vote): void {
    const a = this.awaiting.get(v.height)
    if (a === undefined || !same(a.vote.validator, v.validator) || !same(a.vote.signature, v.signature))
      return
    clearTimeout(a.timer)
    this.awaiting.delete(v.height)
  }

  /** No bundle brought our vote back in time (or it could not be sent): to every super node. */
  private fallBack(vote: Vote): void {
    const a = this.awaiting.get(vote.height)
    if (a === undefined || a.vote !== vote || this.stopped) return
    clearTimeout(a.timer)
    this.awaiting.delete(vote.height)
    this.stats.sentToAll++
    this.broadcast([vote])
  }

  /** A counted vote for a block: forwarded if the block is ours. */
  private gather(vote: Vote): void {
    let g = this.gathering.get(vote.height)
    if (g === undefined || !same(g.hash, vote.blockHash)) {
      const block = this.blocks.get(vote.height)
      const own = this.deps.node.nodeKey?.publicKey
      if (block === undefined || own === undefined || !same(block.hash, vote.blockHash)) return
      if (!same(block.proposer, own)) return
      clearTimeout(g?.timer)
      g = {
        hash: block.hash,
        superNodes: block.superNodes,
        pending: [],
        voters: new Set(),
        forwarded: false,
        timer: undefined,
      }
      this.gathering.set(vote.height, g)
    }
    g.pending.push(vote)
    g.voters.add(hex(vote.validator))
    // the votes counted for the block, and ours, which reaches us before finality counts it
    let counted = g.voters.size
    for (const v of this.deps.node.votes.votesFor(vote.height, g.hash))
      if (!g.voters.has(hex(v.validator))) counted++
    if ((!g.forwarded && counted >= quorum(g.superNodes)) || counted >= g.superNodes) {
      this.forward(g)
      return
    }
    if (g.timer === undefined) {
      const wait = (g.forwarded ? LATE : EARLY) * this.deps.node.chain.clock.blockTimeMs
      const gathering = g
      g.timer = setTimeout(() => this.forward(gathering), wait)
    }
  }

  private forward(g: Gathering): void {
    clearTimeout(g.timer)
    g.timer = undefined
    if (g.pending.length === 0 || this.stopped) return
    g.forwarded = true
    this.stats.bundlesForwarded++
    this.stats.votesForwarded += g.pending.length
    this.broadcast(g.pending.splice(0))
  }

  private broadcast(votes: Vote[]): void {
    if (this.stopped) return
    this.deps
      .broadcast(encodeVoteBundle(votes))
      .catch((e: unknown) => this.deps.log.debug({ err: (e as Error).message }, 'votes not sent'))
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}
