import type { Blockchain, CommittedBlock, ProposerKey } from '../chain/blockchain.js'
import type { Vote } from '../chain/codec/block.js'
import type { Logger } from '../chain/logger.js'
import { quorum, signVote, VotePool, verifyVote } from '../consensus/finality.js'

/** Recent blocks kept for checking votes that arrive after them. */
const VOTE_WINDOW = 64

/** What the finality bookkeeping is given by the node. */
export interface FinalityDeps {
  chain: Blockchain
  /** this node's key: it votes for the blocks whose super nodes include it */
  nodeKey: ProposerKey | undefined
  log: Logger
  /** a vote this node signed (the node emits `vote`) */
  onOwnVote(vote: Vote): void
  /** the final block moved (the node emits `final`) */
  onFinal(final: { height: number; hash: Uint8Array }): void
}

/**
 * The node's finality bookkeeping: the voters of recent blocks, the votes seen for them (and
 * those that arrive before their block), this node's own votes (never twice for a height, even
 * across restarts), and the final block, moved when a block's votes reach the quorum of its
 * super nodes.
 */
export class NodeFinality {
  /** finality votes seen for recent blocks */
  readonly votes = new VotePool()
  /** recent blocks on our chain: hash and voters, for checking votes */
  private readonly recent = new Map<number, { hash: Uint8Array; superNodes: Uint8Array[] }>()
  /** votes for blocks we do not have yet (they may arrive before the block), by height */
  private readonly early = new Map<number, Vote[]>()
  private finalising: Promise<unknown> = Promise.resolve()
  /**
   * This node's vote for the head, while it is being signed (the double-sign guard's write comes
   * first). A proposal waits for it, so the votes a block carries never depend on timing.
   */
  private ownVote: Promise<unknown> = Promise.resolve()

  constructor(private readonly deps: FinalityDeps) {}

  /**
   * After a commit: remember the block's voters; count the votes its header carries for the
   * parent and any that arrived early; vote for it if we are one of its super nodes.
   */
  afterBlock(c: CommittedBlock): void {
    const { chain, nodeKey: key } = this.deps
    const h = c.block.header
    this.recent.set(h.height, { hash: c.hash, superNodes: c.superNodes })
    this.recent.delete(h.height - VOTE_WINDOW)
    this.votes.prune(h.height - VOTE_WINDOW)
    for (const v of h.lastCommit) this.countVote(v)
    // votes seen for this block while we held another one at its height (before a branch switch)
    const pooled = this.votes.votesFor(h.height, c.hash)
    if (pooled.length > 0) this.checkQuorum(pooled[0]!)
    const early = this.early.get(h.height) ?? []
    this.early.delete(h.height)
    for (const v of early) this.addVote(v)
    for (const height of this.early.keys()) if (height < h.height) this.early.delete(height)
    if (key === undefined || !c.superNodes.some((k) => Buffer.compare(k, key.publicKey) === 0)) return
    this.finalising = this.finalising
      .then(async () => {
        await chain.guardSign('vote', h.height)
        const vote = signVote(chain.chainId, h.height, c.hash, key)
        this.deps.onOwnVote(vote)
        this.countVote(vote)
      })
      .catch((e: unknown) =>
        this.deps.log.warn({ height: h.height, err: (e as Error).message }, 'not voting'),
      )
    this.ownVote = this.finalising
  }

  /** A block reverted by fork choice: its votes are no longer checked against it. */
  forget(height: number): void {
    this.recent.delete(height)
  }

  /** Resolves once this node's vote for the head is signed (a proposal carries it). */
  ownVoteSigned(): Promise<unknown> {
    return this.ownVote
  }

  /** The votes for the head a proposal carries as its `lastCommit`. */
  votesForHead(): Vote[] {
    const head = this.deps.chain.head
    return head.height === 0 ? [] : this.votes.votesFor(head.height, head.hash)
  }

  /**
   * A vote from the network: checked against the voters of the block at its height (kept for
   * the last 64 blocks; votes up to 2 blocks ahead wait for their block). Returns `accept`,
   * `ignore` (unknown block, too old, already counted) or throws a ChainError when it is invalid.
   */
  addVote(vote: Vote): 'accept' | 'ignore' {
    const { chain } = this.deps
    const head = chain.head.height
    if (vote.height > head) {
      if (vote.height > head + 2) return 'ignore'
      const list = this.early.get(vote.height) ?? []
      if (list.length < 4 * 21) list.push(vote)
      this.early.set(vote.height, list)
      return 'ignore'
    }
    const block = this.recent.get(vote.height)
    if (block === undefined) return 'ignore'
    verifyVote(chain.chainId, vote, block.superNodes)
    if (Buffer.compare(vote.blockHash, block.hash) !== 0) {
      // a valid vote for a block we do not have: keep it (a conflicting one is evidence), do not count it
      this.votes.add(vote)
      return 'ignore'
    }
    return this.countVote(vote) ? 'accept' : 'ignore'
  }

  /** Adds a checked vote; finalises its block when the quorum is reached. */
  private countVote(vote: Vote): boolean {
    if (!this.votes.add(vote)) return false
    this.checkQuorum(vote)
    return true
  }

  /** Finalises the block `vote` is for when its votes reach the quorum of its super nodes. */
  private checkQuorum(vote: Vote): void {
    const { chain } = this.deps
    const block = this.recent.get(vote.height)
    if (block === undefined || Buffer.compare(block.hash, vote.blockHash) !== 0) return
    if (this.votes.votesFor(vote.height, vote.blockHash).length < quorum(block.superNodes.length)) return
    if (vote.height <= chain.finalBlock.height) return
    this.finalising = this.finalising
      .then(async () => {
        if (await chain.markFinal(vote.height, vote.blockHash)) {
          this.deps.onFinal({ height: vote.height, hash: vote.blockHash })
        }
      })
      .catch((e: unknown) => this.deps.log.error({ err: (e as Error).message }, 'finality'))
  }

  /** Resolves when pending finality work (votes being signed, final blocks being written) is done. */
  async settled(): Promise<void> {
    // work queued while waiting (a vote finalising its block) is waited for too
    for (let p = this.finalising; ; p = this.finalising) {
      await p
      if (p === this.finalising) return
    }
  }

  /** Resolves when the finality work queued so far is done (on stop), whatever its outcome. */
  drained(): Promise<unknown> {
    return this.finalising.catch(() => undefined)
  }
}
