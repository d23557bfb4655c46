/**
 * The vote relay (docs/adr/020) on real nodes and real signed votes: a proposer forwards the
 * votes sent to it as soon as they make the quorum, then what comes late; a validator whose vote
 * no bundle brings back sends it to every super node itself. The network is the relay's two
 * send functions, recorded; the multi-node tests (test/network, test/voteRelayNetwork) run it on
 * libp2p.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import type { CommittedBlock } from '../chain/blockchain.js'
import { decodeVoteBundle, encodeVoteBundle, type Vote } from '../chain/codec/block.js'
import { silentLogger } from '../chain/logger.js'
import { peerIdOfNodeKey } from '../chain/p2p/identity.js'
import { signVote } from '../consensus/finality.js'
import { networkGenesis } from '../test/helpers/network.js'
import type { testNodeKey } from '../test/helpers/staking.js'
import { waitFor } from '../test/helpers/wait.js'
import { GatherNode } from './gatherNode.js'
import { VoteRelay } from './voteRelay.js'

const BLOCK_MS = 400

interface Sent {
  at: number
  votes: Vote[]
}

/** A relay on `node` whose sends are recorded; `reach` says whether a send to one peer gets there. */
function relayOn(node: GatherNode, reach: () => boolean) {
  const toAll: Sent[] = []
  const toPeer: (Sent & { peer: string })[] = []
  const relay = new VoteRelay({
    node,
    log: silentLogger(),
    sendTo: async (peer, bytes) => {
      toPeer.push({ at: performance.now(), peer, votes: decodeVoteBundle(bytes) })
      return reach()
    },
    broadcast: async (bytes) => {
      toAll.push({ at: performance.now(), votes: decodeVoteBundle(bytes) })
    },
    peerIdOf: (key) => peerIdOfNodeKey(key),
    reportConflicts: () => undefined,
  })
  return { relay, toAll, toPeer }
}

const who = (votes: Vote[]): string[] => votes.map((v) => Buffer.from(v.validator).toString('hex'))

let dir: string
let keys: ReturnType<typeof testNodeKey>[]
let chainId: string
/** node 0 produces alone (its slots; the others' are missed); node 1 only follows the test */
let proposer: GatherNode
let voter: GatherNode
let atProposer: ReturnType<typeof relayOn>
/** node 0's blocks, as committed, and its own votes for them */
const ownBlocks: CommittedBlock[] = []
/** what runs when node 0 has voted for its own block (the test feeds the other votes there) */
let onOwnVote: ((c: CommittedBlock) => void) | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gather-vote-relay-'))
  const g = await networkGenesis(4, 'relay', { blockTimeMs: BLOCK_MS })
  keys = g.keys
  chainId = g.genesis.chainId
  proposer = await GatherNode.open({
    dataDir: join(dir, 'p'),
    genesis: g.genesis,
    nodeKey: keys[0]!,
    produce: true,
  })
  voter = await GatherNode.open({
    dataDir: join(dir, 'v'),
    genesis: g.genesis,
    nodeKey: keys[1]!,
    produce: false,
  })
  atProposer = relayOn(proposer, () => true)
  proposer.on('block', (c: CommittedBlock) => {
    atProposer.relay.onBlock(c)
    if (Buffer.compare(c.block.header.proposer, keys[0]!.publicKey) === 0) ownBlocks.push(c)
  })
  proposer.on('vote', (v: Vote) => {
    atProposer.relay.ownVote(v)
    const c = ownBlocks.find((b) => b.block.header.height === v.height)
    if (c !== undefined) onOwnVote?.(c)
  })
  proposer.start()
})

afterAll(async () => {
  atProposer?.relay.stop()
  await proposer?.stop()
  await voter?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Node i's vote for `c`, as one bundle. */
const voteOf = (i: number, c: CommittedBlock): Vote =>
  signVote(chainId, c.block.header.height, c.hash, keys[i]!)

/** The next block node 0 proposes, with `feed` run right after node 0 has voted for it. */
function nextOwnBlock(feed: (c: CommittedBlock) => void): Promise<CommittedBlock> {
  return new Promise((resolve) => {
    onOwnVote = (c) => {
      onOwnVote = undefined
      feed(c)
      resolve(c)
    }
  })
}

describe('a proposer', () => {
  test('forwards its own vote and the two sent to it in one bundle the moment they make the quorum of 3 in 4, then the fourth at once', async () => {
    const results: string[] = []
    let bundlesAtQuorum = -1
    const c = await nextOwnBlock((block) => {
      results.push(atProposer.relay.fromInbox(encodeVoteBundle([voteOf(1, block)])))
      const before = atProposer.toAll.length
      results.push(atProposer.relay.fromInbox(encodeVoteBundle([voteOf(2, block)])))
      // forwarded synchronously, inside the call that made the quorum
      bundlesAtQuorum = atProposer.toAll.length - before
      results.push(atProposer.relay.fromInbox(encodeVoteBundle([voteOf(3, block)])))
    })
    expect(results).toEqual(['accept', 'accept', 'accept'])
    expect(bundlesAtQuorum).toBe(1)
    const mine = atProposer.toAll.filter((s) => s.votes[0]!.height === c.block.header.height)
    expect(mine.map((s) => who(s.votes))).toEqual([[keys[0]!.id, keys[1]!.id, keys[2]!.id], [keys[3]!.id]])
    await waitFor('the block final', () => proposer.chain.finalBlock.height >= c.block.header.height)
  })

  test('before the quorum it forwards what it holds after a quarter of the block time; after, what comes late within a tenth', async () => {
    let fedAt = 0
    const c = await nextOwnBlock((block) => {
      fedAt = performance.now()
      expect(atProposer.relay.fromInbox(encodeVoteBundle([voteOf(1, block)]))).toBe('accept')
    })
    const height = c.block.header.height
    const forThis = () => atProposer.toAll.filter((s) => s.votes[0]!.height === height)
    await waitFor('the early bundle', () => forThis().length === 1)
    expect(who(forThis()[0]!.votes)).toEqual([keys[0]!.id, keys[1]!.id])
    expect(forThis()[0]!.at - fedAt).toBeGreaterThanOrEqual(0.25 * BLOCK_MS - 2)
    // the quorum is reached now, but a bundle went out already: the late rule
    const lateAt = performance.now()
    expect(atProposer.relay.fromInbox(encodeVoteBundle([voteOf(2, c)]))).toBe('accept')
    expect(forThis()).toHaveLength(1)
    await waitFor('the late bundle', () => forThis().length === 2)
    expect(who(forThis()[1]!.votes)).toEqual([keys[2]!.id])
    expect(forThis()[1]!.at - lateAt).toBeGreaterThanOrEqual(0.1 * BLOCK_MS - 2)
  })

  test('a forged, a repeated or a malformed vote is not forwarded: reject, ignore-or-accept, reject', async () => {
    const results: string[] = []
    const c = await nextOwnBlock((block) => {
      const forged = voteOf(1, block)
      forged.signature = Uint8Array.from(forged.signature)
      forged.signature[0]! ^= 1
      results.push(atProposer.relay.fromInbox(encodeVoteBundle([forged])))
      results.push(atProposer.relay.fromInbox(Uint8Array.from([0x0a, 0x03, 0x08, 0x01])))
      results.push(atProposer.relay.fromInbox(encodeVoteBundle([voteOf(2, block)])))
      // the same vote again: known, so a relayed copy would travel on, but nothing new to forward
      results.push(atProposer.relay.fromInbox(encodeVoteBundle([voteOf(2, block)])))
    })
    expect(results).toEqual(['reject', 'reject', 'accept', 'accept'])
    const height = c.block.header.height
    await waitFor(
      'the early bundle',
      () => atProposer.toAll.filter((s) => s.votes[0]!.height === height).length === 1,
    )
    const sent = atProposer.toAll.filter((s) => s.votes[0]!.height === height)
    expect(who(sent[0]!.votes)).toEqual([keys[0]!.id, keys[2]!.id])
    expect(
      proposer.votes
        .votesFor(height, c.hash)
        .map((v) => Buffer.from(v.validator).toString('hex'))
        .sort(),
    ).toEqual([keys[0]!.id, keys[2]!.id].sort())
  })
})

describe('a validator', () => {
  test('sends its vote to the proposer alone; with no bundle back it sends it to everyone after 40 % of the block time', async () => {
    const v = relayOn(voter, () => true)
    try {
      const c = ownBlocks.at(-1)!
      v.relay.onBlock(c)
      const vote = voteOf(1, c)
      const sentAt = performance.now()
      v.relay.ownVote(vote)
      await waitFor('the send to the proposer', () => v.toPeer.length === 1)
      expect(v.toPeer[0]!.peer).toBe(peerIdOfNodeKey(keys[0]!.publicKey))
      expect(who(v.toPeer[0]!.votes)).toEqual([keys[1]!.id])
      expect(v.toAll).toHaveLength(0)
      await waitFor('the fallback', () => v.toAll.length === 1)
      expect(v.toAll[0]!.at - sentAt).toBeGreaterThanOrEqual(0.4 * BLOCK_MS - 2)
      expect(who(v.toAll[0]!.votes)).toEqual([keys[1]!.id])
      expect(v.relay.stats).toMatchObject({ sentToProposer: 1, sentToAll: 1 })
    } finally {
      v.relay.stop()
    }
  })

  test('a bundle that brings its vote back cancels the fallback; a proposer it cannot reach gets none: everyone at once', async () => {
    let reach = true
    const v = relayOn(voter, () => reach)
    try {
      const [older, newer] = ownBlocks.slice(-2) as [CommittedBlock, CommittedBlock]
      v.relay.onBlock(older)
      v.relay.onBlock(newer)
      const back = voteOf(1, older)
      v.relay.ownVote(back)
      await waitFor('the send to the proposer', () => v.toPeer.length === 1)
      // the proposer's bundle, with our vote in it
      v.relay.fromTopic(encodeVoteBundle([voteOf(0, older), back]))
      // a later vote with the same fallback time: when its fallback has run, the first one's would have
      const later = voteOf(1, newer)
      v.relay.ownVote(later)
      await waitFor('the later fallback', () => v.toAll.length >= 1)
      expect(v.toAll.map((s) => s.votes[0]!.height)).toEqual([newer.block.header.height])

      reach = false
      const before = v.toAll.length
      v.relay.ownVote(voteOf(1, older))
      await waitFor('the send to everyone', () => v.toAll.length === before + 1)
      expect(v.relay.stats.sentToProposer).toBe(2)
    } finally {
      v.relay.stop()
    }
  })
})
