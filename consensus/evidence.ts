import {
  type Block,
  decodeBlock,
  decodeVote,
  headerHash,
  type Vote,
  voteSignBytes,
} from '../chain/codec/block.js'
import { ED25519_KEY_LENGTH, verifyEd25519 } from '../chain/crypto/ed25519.js'
import { ChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'

/**
 * Evidence of equivocation (docs/protocol/consensus.md): two signed headers for one slot, or two finality votes for
 * different blocks at one height, from one node key. Pure: bytes in, the offence out, or a
 * ChainError naming what is wrong. Nothing here reads state; whether the offender is a registered
 * node, and whether the offence was already punished, is the staking module's business.
 */

/** Why evidence is refused; one code per rule. */
export const EvidenceErrorCode = {
  /** the bytes do not decode as a signed header (a `Block`) or a `Vote` */
  MALFORMED: 'EVIDENCE_MALFORMED',
  /** a header names another chain than the one the evidence is submitted to */
  WRONG_CHAIN: 'EVIDENCE_WRONG_CHAIN',
  /** the two headers or votes are signed by different node keys */
  DIFFERENT_SIGNERS: 'EVIDENCE_DIFFERENT_SIGNERS',
  /** the two headers are for different slots */
  DIFFERENT_SLOTS: 'EVIDENCE_DIFFERENT_SLOTS',
  /** the two votes are for different heights */
  DIFFERENT_HEIGHTS: 'EVIDENCE_DIFFERENT_HEIGHTS',
  /** both halves are the same header, or votes for the same block: no conflict */
  NO_CONFLICT: 'EVIDENCE_NO_CONFLICT',
  /** a signature does not verify (for votes, also a vote signed for another chain id) */
  BAD_SIGNATURE: 'EVIDENCE_BAD_SIGNATURE',
} as const

/** A node key that signed two headers for one slot. */
export interface DoubleProposal {
  /** the proposer's node id: its ed25519 public key, 64 lower-case hex characters */
  offender: string
  slot: number
  /** the lower of the two headers' heights (they differ only when the headers sit on different forks) */
  height: number
}

/** A node key that voted for two different blocks at one height. */
export interface DoubleVote {
  offender: string
  height: number
}

function refuse(code: string, message: string, data?: Record<string, unknown>): ChainError {
  return new ChainError(code, `invalid evidence: ${message}`, data)
}

function decodeSignedHeader(bytes: Uint8Array, which: string): Block {
  let block: Block
  try {
    block = decodeBlock(bytes)
  } catch (e) {
    throw refuse(
      EvidenceErrorCode.MALFORMED,
      `${which} is not a signed header (${e instanceof Error ? e.message : String(e)})`,
    )
  }
  if (block.header.proposer.length !== ED25519_KEY_LENGTH)
    throw refuse(EvidenceErrorCode.MALFORMED, `${which} header has no 32-byte proposer key`)
  return block
}

function decodeSignedVote(bytes: Uint8Array, which: string): Vote {
  let vote: Vote
  try {
    vote = decodeVote(bytes)
  } catch (e) {
    throw refuse(
      EvidenceErrorCode.MALFORMED,
      `${which} is not a vote (${e instanceof Error ? e.message : String(e)})`,
    )
  }
  if (vote.validator.length !== ED25519_KEY_LENGTH)
    throw refuse(EvidenceErrorCode.MALFORMED, `${which} vote has no 32-byte validator key`)
  return vote
}

/**
 * Two signed headers (`encodeBlock({ header, txs: [], signature })`) for one slot by one
 * proposer, with different hashes and both signatures valid over `headerHash`, on `chainId`.
 *
 * @returns the offender, the slot and the lower height
 * @throws ChainError with an `EvidenceErrorCode` for each rule broken
 */
export function verifyDoubleProposal(
  chainId: string,
  firstBytes: Uint8Array,
  secondBytes: Uint8Array,
): DoubleProposal {
  const a = decodeSignedHeader(firstBytes, 'first')
  const b = decodeSignedHeader(secondBytes, 'second')
  for (const [which, block] of [
    ['first', a],
    ['second', b],
  ] as const) {
    if (block.header.chainId !== chainId)
      throw refuse(
        EvidenceErrorCode.WRONG_CHAIN,
        `${which} header is for chain ${JSON.stringify(block.header.chainId)}, not ${chainId}`,
      )
  }
  const offender = hex(a.header.proposer)
  if (hex(b.header.proposer) !== offender)
    throw refuse(
      EvidenceErrorCode.DIFFERENT_SIGNERS,
      `the headers have different proposers (${offender}, ${hex(b.header.proposer)})`,
    )
  if (a.header.slot !== b.header.slot)
    throw refuse(
      EvidenceErrorCode.DIFFERENT_SLOTS,
      `the headers are for different slots (${a.header.slot}, ${b.header.slot})`,
    )
  const hashA = headerHash(a.header)
  const hashB = headerHash(b.header)
  if (Buffer.from(hashA).equals(hashB))
    throw refuse(EvidenceErrorCode.NO_CONFLICT, `both halves are the same header (${hex(hashA)})`)
  for (const [which, block, hash] of [
    ['first', a, hashA],
    ['second', b, hashB],
  ] as const) {
    if (!verifyEd25519(block.header.proposer, hash, block.signature))
      throw refuse(EvidenceErrorCode.BAD_SIGNATURE, `${which} header's signature is not ${offender}'s`)
  }
  return { offender, slot: a.header.slot, height: Math.min(a.header.height, b.header.height) }
}

/**
 * Two votes (`encodeVote`) by one validator at one height for different blocks, both signed over
 * `VoteSignDoc { chainId, height, blockHash }`.
 *
 * @returns the offender and the height
 * @throws ChainError with an `EvidenceErrorCode` for each rule broken
 */
export function verifyDoubleVote(
  chainId: string,
  firstBytes: Uint8Array,
  secondBytes: Uint8Array,
): DoubleVote {
  const a = decodeSignedVote(firstBytes, 'first')
  const b = decodeSignedVote(secondBytes, 'second')
  const offender = hex(a.validator)
  if (hex(b.validator) !== offender)
    throw refuse(
      EvidenceErrorCode.DIFFERENT_SIGNERS,
      `the votes are from different validators (${offender}, ${hex(b.validator)})`,
    )
  if (a.height !== b.height)
    throw refuse(
      EvidenceErrorCode.DIFFERENT_HEIGHTS,
      `the votes are for different heights (${a.height}, ${b.height})`,
    )
  if (Buffer.from(a.blockHash).equals(b.blockHash))
    throw refuse(EvidenceErrorCode.NO_CONFLICT, `both votes are for block ${hex(a.blockHash)}`)
  for (const [which, vote] of [
    ['first', a],
    ['second', b],
  ] as const) {
    if (!verifyEd25519(vote.validator, voteSignBytes(chainId, vote.height, vote.blockHash), vote.signature))
      throw refuse(
        EvidenceErrorCode.BAD_SIGNATURE,
        `${which} vote's signature is not ${offender}'s over height ${vote.height} on chain ${chainId}`,
      )
  }
  return { offender, height: a.height }
}
