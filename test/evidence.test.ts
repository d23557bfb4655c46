/**
 * Evidence on real blocks (docs/protocol/consensus.md, issue 5 item 4): a registered node key that signs two headers
 * for one slot, or two votes for different blocks at one height, is reported with
 * MsgSubmitEvidence by any account; the node is jailed for `jailBlocks`, loses its blocks of the
 * reward day, and `slashFractionBps` (5 %) of every lock on it is burned. Every block is checked
 * against the invariants (stream shares = active nodes, supply with the burn, the lock index) and
 * replayed by a follower to the same state root.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import {
  type Block,
  type ChainEvent,
  encodeBlock,
  encodeVote,
  headerHash,
  voteSignBytes,
} from '../chain/codec/block.js'
import { type NodeKey, signEd25519 } from '../chain/crypto/ed25519.js'
import { transferMessage } from '../chain/tx/signTx.js'
import { EvidenceErrorCode } from '../consensus/evidence.js'
import type { DevnetKeys } from '../genesis/devnet.js'
import { dayBlocksStore } from '../modules/staking/stores/index.js'
import type { GatherNode } from '../node/index.js'
import { openDevnetNode, signNext } from './helpers/devnet.js'
import { openMainnetStyle, refusalOf } from './helpers/mainnet.js'
import { conflictingHeader } from './helpers/network.js'
import {
  type AccountSigner,
  type AnyMsg,
  issueDeviceMsg,
  lockMsg,
  registerNodeMsg,
  submitEvidenceMsg,
  testAccount,
  testNodeKey,
  unlockMsg,
} from './helpers/staking.js'

const GAT = 1_000_000n
const FEE = 1_000n
const BLOCKS_PER_DAY = 10
const JAIL_BLOCKS = 12
const MAX_AGE = 15
/** Two super nodes, a new election every round of 2 slots. */
const STAKING = {
  maxSuperNodes: 2,
  electionPeriodRounds: 1,
  unbondingBlocks: 3,
  jailBlocks: JAIL_BLOCKS,
  evidenceMaxAgeBlocks: MAX_AGE,
}
/** Bob's lock does not divide evenly: 5 % of it is rounded down. */
const BOB_LOCK = 400n * GAT + 1n
const FAUCET_LOCK = 601n * GAT

interface Events {
  type: string
  attributes: Record<string, string>
}

/** Chain events with their attributes as a record. */
const eventsOf = (events: ChainEvent[]): Events[] =>
  events.map((e) => ({
    type: e.type,
    attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
  }))

interface Net {
  node: GatherNode
  keys: DevnetKeys
  chainId: string
  nodeA: NodeKey & { id: string }
  alice: AccountSigner
  bob: AccountSigner
  carol: AccountSigner
  sign(signer: AccountSigner, msgs: AnyMsg[]): Uint8Array
  send(signer: AccountSigner, msgs: AnyMsg[]): void
  /** produces the block of the next slot that has a known proposer; the follower imports it */
  block(): Promise<{ height: number; slot: number; proposer: string; block: Block; events: Events[] }>
  toHeight(height: number): Promise<Events[]>
  burned(): bigint
  lock(staker: string): bigint
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** A devnet with node A (owned by Alice) carrying Bob's and the faucet's locks, both nodes super nodes. */
async function openNet(): Promise<Net> {
  const opts = { staking: STAKING, blocksPerDay: BLOCKS_PER_DAY, node: { checkInvariants: true } }
  const net = await openDevnetNode(opts)
  cleanups.push(net.close)
  const follower = await openDevnetNode(opts)
  cleanups.push(follower.close)
  const { node, keys } = net
  const chainId = net.genesis.chainId
  const nodeA = testNodeKey('evidence-node-a')
  const producers = new Map<string, NodeKey>([
    [hex(keys.nodeKey.publicKey), keys.nodeKey],
    [nodeA.id, nodeA],
  ])
  const api: Net = {
    node,
    keys,
    chainId,
    nodeA,
    alice: testAccount('evidence-alice'),
    bob: testAccount('evidence-bob'),
    carol: testAccount('evidence-carol'),
    sign: (signer, msgs) => signNext(node, signer, msgs, FEE),
    send(signer, msgs) {
      node.submitTx(api.sign(signer, msgs))
    },
    async block() {
      let slot = node.chain.head.slot + 1
      while (!producers.has(hex(node.chain.proposerOf(slot)))) slot++
      const proposer = hex(node.chain.proposerOf(slot))
      const c = await node.produceBlock(slot, { key: producers.get(proposer)! })
      await follower.node.importBlock(c.bytes)
      expect(hex(follower.node.chain.head.stateRoot)).toBe(hex(node.chain.head.stateRoot))
      for (const r of c.results) expect({ log: r.log, code: r.code }).toEqual({ log: '', code: 0 })
      const events = eventsOf([...c.blockEvents, ...c.results.flatMap((r) => r.events)])
      return { height: c.block.header.height, slot, proposer, block: c.block, events }
    },
    async toHeight(height) {
      const events: Events[] = []
      while (node.chain.head.height < height) events.push(...(await api.block()).events)
      return events
    },
    burned: () => BigInt(node.query.token.getSupply({}).burned),
    lock: (staker) => {
      const l = (
        node.query.staking.getLocks({ address: staker }) as { locks: { nodeId: string; amount: string }[] }
      ).locks
      return BigInt(l.find((x) => x.nodeId === nodeA.id)?.amount ?? '0')
    },
  }
  const { faucet, validator } = keys
  api.send(faucet, [
    transferMessage(faucet.address, api.alice.address, 10n * GAT),
    transferMessage(faucet.address, api.bob.address, 1_000n * GAT),
    transferMessage(faucet.address, api.carol.address, 10n * GAT),
  ])
  api.send(validator, [issueDeviceMsg(validator.address, api.alice.address)])
  await api.block()
  api.send(api.alice, [registerNodeMsg(api.alice.address, nodeA.id, 'node-a')])
  await api.block()
  api.send(api.bob, [lockMsg(api.bob.address, nodeA.id, BOB_LOCK)])
  api.send(faucet, [lockMsg(faucet.address, nodeA.id, FAUCET_LOCK)])
  await api.block()
  return api
}

/** A header as evidence carries it: the header and its signature, without transactions. */
const signedHeader = (block: Block): Uint8Array =>
  encodeBlock({ header: block.header, txs: [], signature: block.signature })

function signedVote(chainId: string, key: NodeKey, height: number, blockHash: Uint8Array): Uint8Array {
  return encodeVote({
    height,
    blockHash,
    validator: key.publicKey,
    signature: signEd25519(key.privateKey, voteSignBytes(chainId, height, blockHash)),
  })
}

const attrsOf = (events: Events[], type: string): Record<string, string>[] =>
  events.filter((e) => e.type === type).map((e) => e.attributes)

describe('evidence on real blocks', () => {
  test('a double proposal: node A is jailed, 5 % of each lock on it burned, its day forfeited; after the jail it is active and elected again', async () => {
    const net = await openNet()
    const { node, nodeA, alice, bob, carol, keys } = net
    const v = hex(keys.nodeKey.publicKey)

    // node A is elected at the next period boundary and produces a real block of day 0
    let produced: Awaited<ReturnType<Net['block']>> | undefined
    while (produced === undefined) {
      const b = await net.block()
      if (b.proposer === nodeA.id) produced = b
    }
    expect(node.query.staking.getSuperNodes({}).current.map((n) => n.nodeId)).toEqual([nodeA.id, v]) // A has 1 ugat more locked
    expect(dayBlocksStore.get(node.chain.state, nodeA.id)).toBe(1n)
    expect(node.query.token.getRewards({ address: alice.address })).toMatchObject({ activeNodes: '1' })
    expect(node.query.token.getRewards({ address: bob.address })).toMatchObject({
      lockedStake: BOB_LOCK.toString(),
    })
    const stakedBefore = BigInt(node.query.token.getSupply({}).staked)
    const burnedBefore = net.burned()

    // the same slot signed twice with A's key; Carol, who only holds a few GAT, reports it
    const first = signedHeader(produced.block)
    const second = conflictingHeader(produced.block, nodeA)
    net.send(carol, [submitEvidenceMsg(carol.address, 'double-proposal', first, second)])
    const included = await net.block()
    const h = included.height
    const bobCut = (BOB_LOCK * 500n) / 10_000n // 20,000,000.05 ugat → 20,000,000
    const faucetCut = (FAUCET_LOCK * 5n) / 100n // 30.05 GAT exactly
    expect(bobCut).toBe(20n * GAT)
    expect(attrsOf(included.events, 'staking.jailed')).toEqual([
      { node_id: nodeA.id, owner: alice.address, until: String(h + JAIL_BLOCKS) },
    ])
    expect(attrsOf(included.events, 'staking.slashed')).toEqual(
      [
        { node_id: nodeA.id, staker: bob.address, amount: bobCut.toString() },
        { node_id: nodeA.id, staker: keys.faucet.address, amount: faucetCut.toString() },
      ].sort((x, y) => (x.staker < y.staker ? -1 : 1)),
    )
    expect(attrsOf(included.events, 'staking.evidence')).toEqual([
      {
        submitter: carol.address,
        kind: 'double-proposal',
        node_id: nodeA.id,
        height: String(produced.height),
        slot: String(produced.slot),
        jailed_until: String(h + JAIL_BLOCKS),
        burned: (bobCut + faucetCut).toString(),
      },
    ])
    expect(node.query.staking.getNode({ nodeId: nodeA.id })).toMatchObject({
      status: 'jailed',
      jailedUntil: h + JAIL_BLOCKS,
      locked: (BOB_LOCK + FAUCET_LOCK - bobCut - faucetCut).toString(),
    })
    expect(net.lock(bob.address)).toBe(BOB_LOCK - bobCut)
    expect(net.lock(keys.faucet.address)).toBe(FAUCET_LOCK - faucetCut)
    // exactly the slash (and Carol's fee) burned; the stake shrank by the slash
    expect(net.burned() - burnedBefore).toBe(bobCut + faucetCut + FEE)
    expect(BigInt(node.query.token.getSupply({}).staked)).toBe(stakedBefore - bobCut - faucetCut)
    // the stakers' shares of the 65 % follow their locks; Alice's node no longer counts as active
    expect(node.query.token.getRewards({ address: bob.address })).toMatchObject({
      lockedStake: (BOB_LOCK - bobCut).toString(),
    })
    expect(node.query.token.getRewards({ address: alice.address })).toMatchObject({ activeNodes: '0' })
    // its blocks of the day are forgotten
    expect(dayBlocksStore.get(node.chain.state, nodeA.id)).toBeUndefined()

    // the same offence again, either way round, is refused at admission and changes nothing
    const root = hex(node.chain.head.stateRoot)
    for (const [a, b] of [
      [first, second],
      [second, first],
    ] as const) {
      const e = refusalOf(() =>
        net.send(carol, [submitEvidenceMsg(carol.address, 'double-proposal', a!, b!)]),
      )
      expect(e.code).toBe('STAKING_EVIDENCE_DUPLICATE')
    }
    expect(node.mempool.size).toBe(0)
    expect(hex(node.chain.head.stateRoot)).toBe(root)

    // jailed: out of the next election; its blocks, if any, earn nothing; at the day's end it gets no super-node reward
    const toDayEnd = await net.toHeight(BLOCKS_PER_DAY)
    expect(node.query.staking.getSuperNodes({}).current.map((n) => n.nodeId)).toEqual([v])
    const superRewards = attrsOf(toDayEnd, 'token.super_node_reward')
    expect(superRewards.map((r) => r.node_id)).toEqual([v])
    expect(attrsOf(toDayEnd, 'token.rewards_distributed')[0]).toMatchObject({ active_nodes: '1' })

    // the jail ends at its height: A is active again (one share of the 30 % for Alice) and is elected
    const beforeEnd = await net.toHeight(h + JAIL_BLOCKS - 1)
    expect(attrsOf(beforeEnd, 'staking.unjailed')).toEqual([])
    expect(node.query.staking.getNode({ nodeId: nodeA.id })).toMatchObject({ status: 'jailed' })
    const end = await net.block()
    expect(end.height).toBe(h + JAIL_BLOCKS)
    expect(attrsOf(end.events, 'staking.unjailed')).toEqual([{ node_id: nodeA.id, status: 'active' }])
    expect(node.query.staking.getNode({ nodeId: nodeA.id })).toMatchObject({ status: 'active' })
    expect(node.query.token.getRewards({ address: alice.address })).toMatchObject({ activeNodes: '1' })
    let again = false
    for (let i = 0; i < 6 && !again; i++) again = (await net.block()).proposer === nodeA.id
    expect(again).toBe(true)
    expect(node.query.staking.getSuperNodes({}).current.map((n) => n.nodeId)).toContain(nodeA.id)
  })

  test('a double vote: jailed and slashed the same way; once per height; a second offence while jailed extends the jail', async () => {
    const net = await openNet()
    const { node, nodeA, alice, bob, carol, chainId } = net
    const head = node.chain.head
    const real = signedVote(chainId, nodeA, head.height, head.hash)
    const fork = signedVote(chainId, nodeA, head.height, new Uint8Array(32).fill(3))
    const burnedBefore = net.burned()
    net.send(carol, [submitEvidenceMsg(carol.address, 'double-vote', real, fork)])
    const included = await net.block()
    const bobCut = (BOB_LOCK * 500n) / 10_000n
    const faucetCut = (FAUCET_LOCK * 500n) / 10_000n
    expect(attrsOf(included.events, 'staking.evidence')).toEqual([
      {
        submitter: carol.address,
        kind: 'double-vote',
        node_id: nodeA.id,
        height: String(head.height),
        jailed_until: String(included.height + JAIL_BLOCKS),
        burned: (bobCut + faucetCut).toString(),
      },
    ])
    expect(node.query.staking.getNode({ nodeId: nodeA.id })).toMatchObject({
      status: 'jailed',
      jailedUntil: included.height + JAIL_BLOCKS,
    })
    expect(net.burned() - burnedBefore).toBe(bobCut + faucetCut + FEE)
    expect(net.lock(bob.address)).toBe(BOB_LOCK - bobCut)
    expect(node.query.token.getRewards({ address: alice.address })).toMatchObject({ activeNodes: '0' })
    // another pair of votes at the same height is the same offence
    const third = signedVote(chainId, nodeA, head.height, new Uint8Array(32).fill(4))
    expect(
      refusalOf(() => net.send(carol, [submitEvidenceMsg(carol.address, 'double-vote', real, third)])).code,
    ).toBe('STAKING_EVIDENCE_DUPLICATE')
    // a locked jailed node takes no new locks
    expect(refusalOf(() => net.send(bob, [lockMsg(bob.address, nodeA.id, GAT)])).code).toBe(
      'STAKING_NODE_JAILED',
    )

    // a second offence while jailed (another height): slashed again, the jail runs from the new one
    const firstEnd = included.height + JAIL_BLOCKS
    await net.block()
    const h2 = node.chain.head.height
    net.send(carol, [
      submitEvidenceMsg(
        carol.address,
        'double-vote',
        signedVote(chainId, nodeA, h2, node.chain.head.hash),
        signedVote(chainId, nodeA, h2, new Uint8Array(32).fill(5)),
      ),
    ])
    const again = await net.block()
    const secondEnd = again.height + JAIL_BLOCKS
    const bobCut2 = ((BOB_LOCK - bobCut) * 500n) / 10_000n
    expect(attrsOf(again.events, 'staking.jailed')).toEqual([
      { node_id: nodeA.id, owner: alice.address, until: String(secondEnd) },
    ])
    expect(net.lock(bob.address)).toBe(BOB_LOCK - bobCut - bobCut2)
    expect(node.query.token.getRewards({ address: alice.address })).toMatchObject({ activeNodes: '0' })
    // the first jail's end passes without freeing it; the second's does
    const toFirstEnd = await net.toHeight(firstEnd)
    expect(attrsOf(toFirstEnd, 'staking.unjailed')).toEqual([])
    expect(node.query.staking.getNode({ nodeId: nodeA.id })).toMatchObject({
      status: 'jailed',
      jailedUntil: secondEnd,
    })
    const toSecondEnd = await net.toHeight(secondEnd)
    expect(attrsOf(toSecondEnd, 'staking.unjailed')).toEqual([{ node_id: nodeA.id, status: 'active' }])
    expect(node.query.token.getRewards({ address: alice.address })).toMatchObject({ activeNodes: '1' })
  })

  test('invalid evidence is refused at admission with its code and nothing is written', async () => {
    const net = await openNet()
    const { node, nodeA, carol, chainId, keys } = net
    let b = await net.block()
    while (b.proposer === nodeA.id) b = await net.block() // a header of the validator's
    const mallory = testNodeKey('evidence-unregistered')
    const zero = new Uint8Array(32)
    const one = new Uint8Array(32).fill(1)
    const h = node.chain.head.height
    const vote = (key: NodeKey, height: number, hash: Uint8Array, chain = chainId) =>
      signedVote(chain, key, height, hash)
    const forgedHeader = (() => {
      const header = { ...b.block.header, proposer: nodeA.publicKey, stateRoot: one }
      return encodeBlock({ header, txs: [], signature: signEd25519(nodeA.privateKey, headerHash(header)) })
    })()
    const ownHeader = signedHeader(b.block) // signed by whoever produced it (not node A)
    const otherChain = (key: NodeKey) => {
      const header = { ...b.block.header, chainId: 'other-chain-1', proposer: key.publicKey }
      return encodeBlock({ header, txs: [], signature: signEd25519(key.privateKey, headerHash(header)) })
    }
    const cases: { what: string; kind: string; first: Uint8Array; second: Uint8Array; code: string }[] = [
      {
        what: 'an unknown kind',
        kind: 'triple-vote',
        first: zero,
        second: one,
        code: 'STAKING_EVIDENCE_UNKNOWN_KIND',
      },
      {
        what: 'garbage bytes',
        kind: 'double-proposal',
        first: Uint8Array.from([0xff, 0xff, 0xff]),
        second: ownHeader,
        code: EvidenceErrorCode.MALFORMED,
      },
      {
        what: 'headers of another chain',
        kind: 'double-proposal',
        first: otherChain(nodeA),
        second: forgedHeader,
        code: EvidenceErrorCode.WRONG_CHAIN,
      },
      {
        what: 'headers by different proposers',
        kind: 'double-proposal',
        first: ownHeader,
        second: forgedHeader,
        code: EvidenceErrorCode.DIFFERENT_SIGNERS,
      },
      {
        what: 'the same header twice',
        kind: 'double-proposal',
        first: ownHeader,
        second: signedHeader(b.block),
        code: EvidenceErrorCode.NO_CONFLICT,
      },
      {
        what: 'a header whose signature is not its proposer’s',
        kind: 'double-proposal',
        first: ownHeader,
        second: encodeBlock({
          header: { ...b.block.header, stateRoot: one },
          txs: [],
          signature: signEd25519(nodeA.privateKey, headerHash({ ...b.block.header, stateRoot: one })),
        }),
        code: EvidenceErrorCode.BAD_SIGNATURE,
      },
      {
        what: 'votes by different validators',
        kind: 'double-vote',
        first: vote(nodeA, h, zero),
        second: vote(keys.nodeKey, h, one),
        code: EvidenceErrorCode.DIFFERENT_SIGNERS,
      },
      {
        what: 'votes at different heights',
        kind: 'double-vote',
        first: vote(nodeA, h, zero),
        second: vote(nodeA, h - 1, one),
        code: EvidenceErrorCode.DIFFERENT_HEIGHTS,
      },
      {
        what: 'two votes for the same block',
        kind: 'double-vote',
        first: vote(nodeA, h, one),
        second: vote(nodeA, h, one),
        code: EvidenceErrorCode.NO_CONFLICT,
      },
      {
        what: 'votes signed for another chain',
        kind: 'double-vote',
        first: vote(nodeA, h, zero, 'other-chain-1'),
        second: vote(nodeA, h, one, 'other-chain-1'),
        code: EvidenceErrorCode.BAD_SIGNATURE,
      },
      {
        what: 'a key that is not a registered node',
        kind: 'double-vote',
        first: vote(mallory, h, zero),
        second: vote(mallory, h, one),
        code: 'STAKING_UNKNOWN_NODE',
      },
    ]
    const root = hex(node.chain.head.stateRoot)
    const carolBefore = node.query.token.getAccount({ address: carol.address })
    for (const c of cases) {
      const e = refusalOf(() =>
        net.send(carol, [submitEvidenceMsg(carol.address, c.kind, c.first, c.second)]),
      )
      expect({ what: c.what, code: e.code }).toEqual({ what: c.what, code: c.code })
    }
    expect(node.mempool.size).toBe(0)
    expect(node.query.token.getAccount({ address: carol.address })).toEqual(carolBefore)
    expect(node.query.staking.getNode({ nodeId: nodeA.id })).toMatchObject({
      status: 'active',
      jailedUntil: 0,
    })

    expect(hex(node.chain.head.stateRoot)).toBe(root)

    // the window: evidence of height 1 is refused once it is more than MAX_AGE blocks old...
    const old = [vote(nodeA, 1, zero), vote(nodeA, 1, one)] as const
    const atTwo = [vote(nodeA, 2, zero), vote(nodeA, 2, one)] as const
    await net.toHeight(MAX_AGE + 1) // the next block is MAX_AGE + 2
    const tooOld = refusalOf(() => net.send(carol, [submitEvidenceMsg(carol.address, 'double-vote', ...old)]))
    expect(tooOld.code).toBe('STAKING_EVIDENCE_TOO_OLD')
    expect(tooOld.message).toBe(
      `evidence of height 1 is ${MAX_AGE + 1} blocks old; evidence older than ${MAX_AGE} blocks is refused`,
    )
    expect(node.mempool.size).toBe(0)
    // ...while evidence exactly MAX_AGE blocks old is still taken
    net.send(carol, [submitEvidenceMsg(carol.address, 'double-vote', ...atTwo)])
    const included = await net.block()
    expect(included.height).toBe(MAX_AGE + 2)
    expect(attrsOf(included.events, 'staking.evidence')[0]).toMatchObject({ node_id: nodeA.id, height: '2' })
  })
})

describe('slashing a vesting account’s lock', () => {
  test('the burned vesting coins stay counted as locked ones: the balance never has to cover more, and spendable does not grow', async () => {
    const { node, genesis, holders, nodeKey, nodeId, send, block } = await openMainnetStyle(
      'evidence-vesting',
      FEE,
      cleanups,
    )
    // technology: nothing vests before its cliff at day 4 (block 20); operations vests from day 0
    const { technology, operations } = holders
    const account = (a: AccountSigner) =>
      node.query.token.getAccount({ address: a.address }) as unknown as {
        spendable: string
        vesting: { delegatedVesting: string; delegatedFree: string }
      }

    // technology gets 1 GAT of free coins for fees and locks 1,000 GAT of its unvested allocation
    send(operations, [transferMessage(operations.address, technology.address, GAT)])
    await block()
    send(technology, [lockMsg(technology.address, nodeId, 1_000n * GAT)])
    await block()
    expect(account(technology).vesting).toMatchObject({
      delegatedVesting: (1_000n * GAT).toString(),
      delegatedFree: '0',
    })
    const spendable = BigInt(account(technology).spendable)
    expect(spendable).toBe(GAT - FEE)

    // the validator votes twice at height 2; operations reports it
    const burnedBefore = BigInt(node.query.token.getSupply({}).burned)
    const hash = node.chain.head.hash
    send(operations, [
      submitEvidenceMsg(
        operations.address,
        'double-vote',
        signedVote(genesis.chainId, nodeKey, 2, hash),
        signedVote(genesis.chainId, nodeKey, 2, new Uint8Array(32).fill(9)),
      ),
    ])
    // the node checks token.vesting (balance ≥ locked part) before committing
    const events = eventsOf((await block()).flatMap((r) => r.events))
    expect(attrsOf(events, 'staking.slashed').map((x) => [x.staker, x.amount])).toEqual(
      [
        [technology.address, (50n * GAT).toString()],
        [operations.address, (50n * GAT).toString()],
      ].sort(),
    )
    expect(BigInt(node.query.token.getSupply({}).burned) - burnedBefore).toBe(100n * GAT + FEE)
    // the slash took no free coins (there were none in the stake); the 50 burned vesting coins stay counted
    expect(account(technology).vesting).toMatchObject({
      delegatedVesting: (1_000n * GAT).toString(),
      delegatedFree: '0',
    })
    expect(BigInt(account(technology).spendable)).toBe(spendable)

    // the 950 GAT left come back as vesting coins, locked again; spendable is only what was free
    send(technology, [unlockMsg(technology.address, nodeId, 950n * GAT)])
    for (let i = 0; i < 4; i++) await block()
    expect(account(technology).vesting).toMatchObject({
      delegatedVesting: (50n * GAT).toString(),
      delegatedFree: '0',
    })
    expect(BigInt(account(technology).spendable)).toBe(spendable - FEE)
  })
})
