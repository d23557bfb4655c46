import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { encodeBlock, encodeVote, type Header, headerHash, voteSignBytes } from '../chain/codec/block.js'
import { type NodeKey, nodeKeyFromSeed, signEd25519 } from '../chain/crypto/ed25519.js'
import { ChainError } from '../chain/errors.js'
import { EvidenceErrorCode, verifyDoubleProposal, verifyDoubleVote } from './evidence.js'

const CHAIN = 'gather-test-1'
const key = (label: string): NodeKey =>
  nodeKeyFromSeed(new Uint8Array(createHash('sha256').update(`evidence-unit:${label}`).digest()))
const EVIL = key('evil')
const OTHER = key('other')
const EVIL_ID = Buffer.from(EVIL.publicKey).toString('hex')
const bytes32 = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)

function header(over: Partial<Header> = {}, signer: NodeKey = EVIL): Header {
  return {
    chainId: CHAIN,
    height: 7,
    slot: 12,
    timeMs: 1_767_225_601_200,
    previousHash: bytes32(1),
    proposer: signer.publicKey,
    txRoot: bytes32(2),
    stateRoot: bytes32(3),
    lastCommit: [],
    resultRoot: bytes32(4),
    ...over,
  }
}

/** A signed header as evidence carries it; `signWith` may differ from the named proposer. */
function signed(h: Header, signWith: NodeKey = EVIL): Uint8Array {
  return encodeBlock({ header: h, txs: [], signature: signEd25519(signWith.privateKey, headerHash(h)) })
}

function vote(
  o: { height?: number; blockHash?: Uint8Array; chainId?: string } = {},
  signer: NodeKey = EVIL,
  signWith: NodeKey = signer,
): Uint8Array {
  const height = o.height ?? 7
  const blockHash = o.blockHash ?? bytes32(9)
  return encodeVote({
    height,
    blockHash,
    validator: signer.publicKey,
    signature: signEd25519(signWith.privateKey, voteSignBytes(o.chainId ?? CHAIN, height, blockHash)),
  })
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ChainError)
    expect((e as ChainError).message).toMatch(/^invalid evidence: /)
    return (e as ChainError).code
  }
  throw new Error('expected a refusal')
}

describe('verifyDoubleProposal', () => {
  test('two signed headers for one slot with different contents: the proposer, the slot and the lower height', () => {
    const first = signed(header())
    const second = signed(header({ stateRoot: bytes32(5) }))
    expect(verifyDoubleProposal(CHAIN, first, second)).toEqual({ offender: EVIL_ID, slot: 12, height: 7 })
    expect(verifyDoubleProposal(CHAIN, second, first)).toEqual({ offender: EVIL_ID, slot: 12, height: 7 })
    // two forks: the same slot at different heights is still one slot signed twice
    const onFork = signed(header({ height: 5, previousHash: bytes32(8) }))
    expect(verifyDoubleProposal(CHAIN, first, onFork)).toEqual({ offender: EVIL_ID, slot: 12, height: 5 })
  })

  const good = signed(header())
  const CASES: { name: string; first: Uint8Array; second: Uint8Array; code: string }[] = [
    { name: 'empty bytes', first: new Uint8Array(0), second: good, code: EvidenceErrorCode.MALFORMED },
    {
      name: 'garbage bytes',
      first: good,
      second: Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
      code: EvidenceErrorCode.MALFORMED,
    },
    {
      name: 'a header without a proposer key',
      first: good,
      second: signed(header({ proposer: new Uint8Array(0) })),
      code: EvidenceErrorCode.MALFORMED,
    },
    {
      name: 'the first header is for another chain',
      first: signed(header({ chainId: 'other-chain' })),
      second: signed(header({ chainId: 'other-chain', stateRoot: bytes32(5) })),
      code: EvidenceErrorCode.WRONG_CHAIN,
    },
    {
      name: 'the second header is for another chain',
      first: good,
      second: signed(header({ chainId: 'other-chain' })),
      code: EvidenceErrorCode.WRONG_CHAIN,
    },
    {
      name: 'different proposers',
      first: good,
      second: signed(header({ stateRoot: bytes32(5) }, OTHER), OTHER),
      code: EvidenceErrorCode.DIFFERENT_SIGNERS,
    },
    {
      name: 'different slots',
      first: good,
      second: signed(header({ slot: 13, timeMs: 1_767_225_601_300 })),
      code: EvidenceErrorCode.DIFFERENT_SLOTS,
    },
    {
      name: 'the same header twice',
      first: good,
      second: signed(header()),
      code: EvidenceErrorCode.NO_CONFLICT,
    },
    {
      name: 'the same header with another (valid-looking) signature bytes',
      first: good,
      second: encodeBlock({ header: header(), txs: [], signature: new Uint8Array(64) }),
      code: EvidenceErrorCode.NO_CONFLICT,
    },
    {
      name: 'the second header signed by another key than its proposer',
      first: good,
      second: signed(header({ stateRoot: bytes32(5) }), OTHER),
      code: EvidenceErrorCode.BAD_SIGNATURE,
    },
    {
      name: 'the first header with a zero signature',
      first: encodeBlock({
        header: header({ stateRoot: bytes32(5) }),
        txs: [],
        signature: new Uint8Array(64),
      }),
      second: good,
      code: EvidenceErrorCode.BAD_SIGNATURE,
    },
    {
      name: 'a truncated signature',
      first: good,
      second: encodeBlock({
        header: header({ stateRoot: bytes32(5) }),
        txs: [],
        signature: signEd25519(EVIL.privateKey, headerHash(header({ stateRoot: bytes32(5) }))).subarray(
          0,
          63,
        ),
      }),
      code: EvidenceErrorCode.BAD_SIGNATURE,
    },
  ]
  test.each(CASES)('refused: $name', ({ first, second, code }) => {
    expect(codeOf(() => verifyDoubleProposal(CHAIN, first, second))).toBe(code)
  })
})

describe('verifyDoubleVote', () => {
  test('two signed votes at one height for different blocks: the validator and the height', () => {
    const first = vote()
    const second = vote({ blockHash: bytes32(10) })
    expect(verifyDoubleVote(CHAIN, first, second)).toEqual({ offender: EVIL_ID, height: 7 })
    expect(verifyDoubleVote(CHAIN, second, first)).toEqual({ offender: EVIL_ID, height: 7 })
  })

  const good = vote()
  const CASES: { name: string; first: Uint8Array; second: Uint8Array; code: string }[] = [
    {
      name: 'garbage bytes',
      first: Uint8Array.from([0x0a, 0xff]),
      second: good,
      code: EvidenceErrorCode.MALFORMED,
    },
    { name: 'an empty vote', first: good, second: new Uint8Array(0), code: EvidenceErrorCode.MALFORMED },
    {
      name: 'different validators',
      first: good,
      second: vote({ blockHash: bytes32(10) }, OTHER),
      code: EvidenceErrorCode.DIFFERENT_SIGNERS,
    },
    {
      name: 'different heights',
      first: good,
      second: vote({ height: 8, blockHash: bytes32(10) }),
      code: EvidenceErrorCode.DIFFERENT_HEIGHTS,
    },
    { name: 'the same block twice', first: good, second: vote(), code: EvidenceErrorCode.NO_CONFLICT },
    {
      name: 'the second vote signed by another key',
      first: good,
      second: vote({ blockHash: bytes32(10) }, EVIL, OTHER),
      code: EvidenceErrorCode.BAD_SIGNATURE,
    },
    {
      name: 'both votes signed for another chain id',
      first: vote({ chainId: 'other-chain' }),
      second: vote({ chainId: 'other-chain', blockHash: bytes32(10) }),
      code: EvidenceErrorCode.BAD_SIGNATURE,
    },
  ]
  test.each(CASES)('refused: $name', ({ first, second, code }) => {
    expect(codeOf(() => verifyDoubleVote(CHAIN, first, second))).toBe(code)
  })
})
