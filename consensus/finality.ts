import { type Vote, voteSignBytes } from '../chain/codec/block.js'
import { signEd25519, verifyEd25519 } from '../chain/crypto/ed25519.js'
import { ChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'

/**
 * BFT finality (docs/protocol/consensus.md): each super node signs a vote for each block it accepts; a block with
 * votes from at least ⌊2n/3⌋ + 1 of the n super nodes that scheduled it is final, and so is every
 * block before it. Votes travel by gossip and in the next block's `lastCommit`.
 */

/** Error codes of vote checks. */
export const VoteErrorCode = {
  INVALID: 'VOTE_INVALID',
  NOT_SUPER_NODE: 'VOTE_NOT_SUPER_NODE',
  BAD_SIGNATURE: 'VOTE_BAD_SIGNATURE',
  DUPLICATE: 'VOTE_DUPLICATE',
} as const

/** Votes needed to finalise a block scheduled by `n` super nodes: ⌊2n/3⌋ + 1. */
export function quorum(n: number): number {
  return Math.floor((2 * n) / 3) + 1
}

/** Signs a vote for `blockHash` at `height` with a node key. */
export function signVote(
  chainId: string,
  height: number,
  blockHash: Uint8Array,
  key: { privateKey: Uint8Array; publicKey: Uint8Array },
): Vote {
  return {
    height,
    blockHash: Uint8Array.from(blockHash),
    validator: Uint8Array.from(key.publicKey),
    signature: signEd25519(key.privateKey, voteSignBytes(chainId, height, blockHash)),
  }
}

/**
 * Checks one vote: well formed, from one of `superNodes` (the set that scheduled the block),
 * signed over (chain id, height, block hash). Throws a ChainError naming what is wrong.
 */
export function verifyVote(chainId: string, vote: Vote, superNodes: readonly Uint8Array[]): void {
  if (vote.blockHash.length !== 32)
    throw new ChainError(VoteErrorCode.INVALID, 'vote block hash must be 32 bytes')
  if (vote.validator.length !== 32)
    throw new ChainError(VoteErrorCode.INVALID, 'vote validator must be 32 bytes')
  if (vote.signature.length !== 64)
    throw new ChainError(VoteErrorCode.INVALID, 'vote signature must be 64 bytes')
  if (!superNodes.some((k) => Buffer.compare(k, vote.validator) === 0)) {
    throw new ChainError(
      VoteErrorCode.NOT_SUPER_NODE,
      `vote by ${hex(vote.validator)}, not a super node of block ${vote.height}`,
    )
  }
  if (!isVoteSignatureValid(chainId, vote)) {
    throw new ChainError(VoteErrorCode.BAD_SIGNATURE, `bad vote signature by ${hex(vote.validator)}`)
  }
}

/** Signatures already verified (their inputs as one key), oldest first; bounded. */
const verifiedVotes = new Set<string>()
/** 64 blocks of 21 super nodes, twice over: a vote is re-checked when its block's header carries it. */
const VERIFIED_VOTES_MAX = 4096

/**
 * Whether a vote's ed25519 signature is valid, remembering the valid ones: the same vote is
 * checked when it arrives by gossip, again when the next header carries it (`lastCommit`, on
 * the proposer and on every importer), and each check cost a curve operation (docs/adr/013).
 * The key holds every input of the check, so the answer is the one the curve would give.
 */
function isVoteSignatureValid(chainId: string, vote: Vote): boolean {
  const key = `${chainId}/${vote.height}/${Buffer.from(vote.blockHash).toString('base64')}/${Buffer.from(vote.validator).toString('base64')}/${Buffer.from(vote.signature).toString('base64')}`
  if (verifiedVotes.has(key)) return true
  if (!verifyEd25519(vote.validator, voteSignBytes(chainId, vote.height, vote.blockHash), vote.signature))
    return false
  verifiedVotes.add(key)
  if (verifiedVotes.size > VERIFIED_VOTES_MAX) {
    const oldest = verifiedVotes.values().next().value
    if (oldest !== undefined) verifiedVotes.delete(oldest)
  }
  return true
}

/**
 * Checks a header's `lastCommit`: votes for exactly the parent (`height`, `hash`), each from a
 * distinct super node of the parent's set, each signed. Any number up to the set's size is
 * allowed (the proposer includes the votes it has).
 */
export function verifyLastCommit(
  chainId: string,
  votes: readonly Vote[],
  parent: { height: number; hash: Uint8Array; superNodes: readonly Uint8Array[] },
): void {
  if (votes.length > parent.superNodes.length) {
    throw new ChainError(
      VoteErrorCode.INVALID,
      `${votes.length} votes in lastCommit, more than the ${parent.superNodes.length} super nodes`,
    )
  }
  const seen = new Set<string>()
  for (const v of votes) {
    if (v.height !== parent.height || Buffer.compare(v.blockHash, parent.hash) !== 0) {
      throw new ChainError(
        VoteErrorCode.INVALID,
        `lastCommit holds a vote for block ${v.height} ${hex(v.blockHash)}, not the parent`,
      )
    }
    const id = hex(v.validator)
    if (seen.has(id)) throw new ChainError(VoteErrorCode.DUPLICATE, `two votes by ${id} in lastCommit`)
    seen.add(id)
    verifyVote(chainId, v, parent.superNodes)
  }
}

/**
 * Votes seen for recent blocks, by height and block hash; one vote per validator per height
 * (a second one for another block is kept apart as evidence material).
 */
export class VotePool {
  private readonly byHeight = new Map<number, Map<string, Map<string, Vote>>>()
  private readonly conflicts: { first: Vote; second: Vote }[] = []

  /** Adds a checked vote; false when it was already known. */
  add(vote: Vote): boolean {
    let hashes = this.byHeight.get(vote.height)
    if (hashes === undefined) {
      hashes = new Map()
      this.byHeight.set(vote.height, hashes)
    }
    const voter = hex(vote.validator)
    for (const [h, votes] of hashes) {
      const prior = votes.get(voter)
      if (prior === undefined) continue
      if (h === hex(vote.blockHash)) return false
      this.conflicts.push({ first: prior, second: vote })
      return false
    }
    const key = hex(vote.blockHash)
    let votes = hashes.get(key)
    if (votes === undefined) {
      votes = new Map()
      hashes.set(key, votes)
    }
    votes.set(voter, vote)
    return true
  }

  /**
   * Whether this very vote (validator, height, block and signature) is already known: a copy
   * of a vote counted before (docs/adr/017: relayed, since its signer's direct copy missed someone).
   */
  has(vote: Vote): boolean {
    const prior = this.byHeight.get(vote.height)?.get(hex(vote.blockHash))?.get(hex(vote.validator))
    return prior !== undefined && Buffer.compare(prior.signature, vote.signature) === 0
  }

  /** The votes for a block. */
  votesFor(height: number, blockHash: Uint8Array): Vote[] {
    return [...(this.byHeight.get(height)?.get(hex(blockHash))?.values() ?? [])]
  }

  /** Double votes seen since the last call (a validator voting for two blocks at one height). */
  takeConflicts(): { first: Vote; second: Vote }[] {
    return this.conflicts.splice(0)
  }

  /** Forgets heights below `height`. */
  prune(height: number): void {
    for (const h of this.byHeight.keys()) if (h < height) this.byHeight.delete(h)
  }
}
