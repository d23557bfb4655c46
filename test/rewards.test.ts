/**
 * Rewards on real blocks (docs/protocol/economics.md, issue 7): at the end of each day the reward pool is split
 * 30/65/5 — active nodes' owners, stakers by GAT locked, the day's producers by blocks (locked
 * until the lock day) — and paid lazily through reward-per-share streams: settled when a lock
 * or a node's owner changes, claimed with MsgClaimRewards. Every block is checked against the
 * invariants (the node runs with checkInvariants) and a follower replays the same state roots.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { transferMessage } from '../chain/tx/signTx.js'
import { claimRewardsMessage } from '../cli/txMessages.js'
import type { DevnetKeys } from '../genesis/devnet.js'
import { dailyEmission } from '../modules/token/logic/emission.js'
import type { GatherNode } from '../node/index.js'
import type { RewardsResult } from '../rpc/client.js'
import { openDevnetNode, signNext } from './helpers/devnet.js'
import { refusalOf } from './helpers/mainnet.js'
import {
  type AccountSigner,
  type AnyMsg,
  issueDeviceMsg,
  lockMsg,
  registerNodeMsg,
  testAccount,
  testNodeKey,
  transferNodeMsg,
  unlockMsg,
} from './helpers/staking.js'

const GAT = 1_000_000n
const FEE = 1_000n
const BLOCKS_PER_DAY = 10
/** Super-node rewards of days 0 and 1 are locked until day 2. */
const LOCK_DAYS = 2
/** One super node: the validator (the largest lock, registered first), so it produces every block. */
const STAKING = { maxSuperNodes: 1, electionPeriodRounds: 1, unbondingBlocks: 3 }

type Rewards = RewardsResult

interface Net {
  node: GatherNode
  keys: DevnetKeys
  send(signer: AccountSigner, msgs: AnyMsg[]): void
  /** produces the next block (the follower imports it); returns its events by type */
  block(): Promise<{ height: number; events: { type: string; attributes: Record<string, string> }[] }>
  toHeight(height: number): Promise<void>
  rewards(address: string): Rewards
  balance(address: string): bigint
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function openNet(): Promise<Net> {
  const opts = {
    staking: STAKING,
    blocksPerDay: BLOCKS_PER_DAY,
    superNodeRewardLockDays: LOCK_DAYS,
    node: { checkInvariants: true },
  }
  const net = await openDevnetNode(opts)
  cleanups.push(net.close)
  const follower = await openDevnetNode(opts)
  cleanups.push(follower.close)
  const { node } = net
  const _chainId = net.genesis.chainId
  const api: Net = {
    node,
    keys: net.keys,
    send(signer, msgs) {
      node.submitTx(signNext(node, signer, msgs, FEE))
    },
    async block() {
      const c = await node.produceBlock(node.chain.head.slot + 1)
      await follower.node.importBlock(c.bytes)
      expect(Buffer.from(follower.node.chain.head.stateRoot)).toEqual(Buffer.from(node.chain.head.stateRoot))
      for (const r of c.results) expect({ log: r.log, code: r.code }).toEqual({ log: '', code: 0 })
      const events = [...c.blockEvents, ...c.results.flatMap((r) => r.events)].map((e) => ({
        type: e.type,
        attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
      }))
      return { height: c.block.header.height, events }
    },
    async toHeight(height) {
      while (node.chain.head.height < height) await api.block()
    },
    rewards: (address) => node.query.token.getRewards({ address: address }),
    balance: (address) => BigInt(node.query.token.getAccount({ address: address }).balance.ugat),
  }
  return api
}

/** The stake pending and node pending of an account, as bigints. */
const pending = (r: Rewards): { stake: bigint; nodes: bigint } => ({
  stake: BigInt(r.stakePending),
  nodes: BigInt(r.nodePending),
})

describe('the daily 30/65/5 split on real blocks', () => {
  test('day 0: stakers by GAT locked, node owners per active node, the producer by blocks (locked); claims pay exactly that', async () => {
    const net = await openNet()
    const { keys } = net
    const v = keys.validator.address // owns the validator node, 1,000 GAT locked on it
    const alice = testAccount('rewards-alice') // owns node A
    const bob = testAccount('rewards-bob') // only stakes
    const nodeA = testNodeKey('rewards-node-a')
    net.send(keys.faucet, [
      transferMessage(keys.faucet.address, alice.address, 10n * GAT),
      transferMessage(keys.faucet.address, bob.address, 2_000n * GAT),
    ])
    net.send(keys.validator, [issueDeviceMsg(v, alice.address)])
    await net.block()
    net.send(alice, [registerNodeMsg(alice.address, nodeA.id)])
    await net.block()
    // Bob locks 1,000 GAT on node A in block 3: node A becomes active (one share of the 30 %)
    net.send(bob, [lockMsg(bob.address, nodeA.id, 1_000n * GAT)])
    await net.block()
    expect(net.rewards(bob.address)).toMatchObject({ lockedStake: (1_000n * GAT).toString(), claimable: '0' })
    expect(net.rewards(alice.address)).toMatchObject({ activeNodes: '1', claimable: '0' })

    // the day ends at block 10: 20,000 GAT, the whole of day 0's issuance, is split
    await net.toHeight(BLOCKS_PER_DAY - 1)
    const end = await net.block()
    const dist = end.events.find((e) => e.type === 'token.rewards_distributed')!
    expect(dist.attributes).toEqual({
      day: '0',
      issued: dailyEmission(0).toString(),
      nodes: (6_000n * GAT).toString(),
      active_nodes: '2',
      stakers: (13_000n * GAT).toString(),
      locked_ugat: (2_000n * GAT).toString(),
      super_nodes: (1_000n * GAT).toString(),
      pool_left: '0',
    })
    expect(end.events.find((e) => e.type === 'token.super_node_reward')!.attributes).toMatchObject({
      owner: v,
      blocks: String(BLOCKS_PER_DAY),
      amount: (1_000n * GAT).toString(),
      locked: 'true',
    })
    // 13,000 GAT over 2,000 GAT locked: 6.5 GAT per GAT; 6,000 GAT over 2 active nodes
    expect(pending(net.rewards(v))).toEqual({ stake: 6_500n * GAT, nodes: 3_000n * GAT })
    expect(pending(net.rewards(bob.address))).toEqual({ stake: 6_500n * GAT, nodes: 0n })
    expect(pending(net.rewards(alice.address))).toEqual({ stake: 0n, nodes: 3_000n * GAT })
    expect(net.rewards(v)).toMatchObject({
      claimable: (9_500n * GAT).toString(),
      superNodeLocked: (1_000n * GAT).toString(),
      superNodeUnlockDay: LOCK_DAYS,
    })
    const supply = net.node.query.token.getSupply({})
    expect(supply.rewardPool).toBe('0')
    expect(supply.rewardsOutstanding).toBe((19_000n * GAT).toString())
    expect(supply.rewardsUnclaimed).toBe((1_000n * GAT).toString())
    expect(supply.superNodeRewardsLocked).toBe((1_000n * GAT).toString())

    // Bob claims: exactly 6,500 GAT (less the fee) reach his balance
    const before = net.balance(bob.address)
    net.send(bob, [claimRewardsMessage(bob.address)])
    const claimed = await net.block()
    expect(claimed.events.find((e) => e.type === 'token.rewards_claimed')!.attributes).toEqual({
      address: bob.address,
      amount: (6_500n * GAT).toString(),
    })
    expect(net.balance(bob.address)).toBe(before + 6_500n * GAT - FEE)
    expect(net.rewards(bob.address).claimable).toBe('0')
    // a second claim with nothing to claim is refused at admission, naming why
    expect(refusalOf(() => net.send(bob, [claimRewardsMessage(bob.address)]))).toMatchObject({
      code: 'TOKEN_NOTHING_TO_CLAIM',
    })
    // the validator's super-node reward is locked until day 2: a claim pays the rest only
    const vBefore = net.balance(v)
    net.send(keys.validator, [claimRewardsMessage(v)])
    await net.block()
    expect(net.balance(v)).toBe(vBefore + 9_500n * GAT - FEE)
    expect(net.rewards(v)).toMatchObject({ claimable: '0', superNodeLocked: (1_000n * GAT).toString() })
    const refusal = refusalOf(() => net.send(keys.validator, [claimRewardsMessage(v)]))
    expect(refusal.message).toMatch(
      /has no rewards to claim; 1000000000 ugat of super-node rewards are locked until day 2/,
    )
  })

  test('a lock change settles first; a node transfer moves its share; locked super-node rewards open on the lock day', async () => {
    const net = await openNet()
    const { keys } = net
    const v = keys.validator.address
    const alice = testAccount('rewards-2-alice')
    const carol = testAccount('rewards-2-carol')
    const nodeA = testNodeKey('rewards-2-node-a')
    net.send(keys.faucet, [transferMessage(keys.faucet.address, alice.address, 600n * GAT)])
    net.send(keys.validator, [issueDeviceMsg(v, alice.address)])
    await net.block()
    net.send(alice, [registerNodeMsg(alice.address, nodeA.id)])
    await net.block()
    net.send(alice, [lockMsg(alice.address, nodeA.id, 500n * GAT)])
    await net.toHeight(BLOCKS_PER_DAY) // day 0 ends: 1,500 GAT locked, 2 active nodes
    const day0 = {
      v: pending(net.rewards(v)),
      alice: pending(net.rewards(alice.address)),
    }
    // 13,000 GAT over 1,500 GAT: the validator's 1,000 GAT earn 8,666.666666 GAT, Alice's 500 4,333.333333
    expect(day0.v).toEqual({ stake: 8_666_666_666n, nodes: 3_000n * GAT })
    expect(day0.alice).toEqual({ stake: 4_333_333_333n, nodes: 3_000n * GAT })

    // day 1, block 11: the validator unlocks 500 GAT. Its earnings so far are settled (unclaimed)
    // at the old stake, and from now on it earns on 500 GAT.
    net.send(keys.validator, [unlockMsg(v, Buffer.from(keys.nodeKey.publicKey).toString('hex'), 500n * GAT)])
    await net.block()
    expect(net.rewards(v)).toMatchObject({
      stakePending: '0',
      nodePending: '0',
      unclaimed: (day0.v.stake + day0.v.nodes).toString(),
      lockedStake: (500n * GAT).toString(),
    })
    // block 12: Alice gives node A to Carol; Alice's node earnings so far stay hers (settled)
    net.send(alice, [transferNodeMsg(alice.address, nodeA.id, carol.address)])
    await net.block()
    expect(net.rewards(alice.address)).toMatchObject({
      activeNodes: '0',
      nodePending: '0',
      unclaimed: (day0.alice.stake + day0.alice.nodes).toString(),
    })
    expect(net.rewards(carol.address)).toMatchObject({ activeNodes: '1', claimable: '0' })

    await net.toHeight(2 * BLOCKS_PER_DAY) // day 1 ends: 1,000 GAT locked (500 + 500), 2 active nodes
    // stake: 13 GAT per GAT (500 GAT → 6,500 GAT each); nodes: 3,000 GAT to the validator and to Carol.
    // (Alice's day-0 stake rewards were settled with her node's at the transfer.)
    expect(pending(net.rewards(v))).toEqual({ stake: 6_500n * GAT, nodes: 3_000n * GAT })
    expect(pending(net.rewards(alice.address))).toEqual({ stake: 6_500n * GAT, nodes: 0n })
    expect(pending(net.rewards(carol.address))).toEqual({ stake: 0n, nodes: 3_000n * GAT })
    // rounding: 1/3 ugat of day 0 stayed in Alice's and the validator's fractions, none was lost
    // (the node checks the exact identity after every block); the stream totals add up to the ugat:
    const supply = net.node.query.token.getSupply({})
    const unclaimedSum = BigInt(supply.rewardsUnclaimed)
    expect(unclaimedSum).toBe(
      day0.v.stake + day0.v.nodes + day0.alice.stake + day0.alice.nodes + 2_000n * GAT, // + 2 days of the producer's 5 %
    )

    // day 2 (the lock day): the validator's locked 2,000 GAT of super-node rewards are claimable
    const r = net.rewards(v)
    expect(r.superNodeLocked).toBe((2_000n * GAT).toString())
    expect(BigInt(r.claimable)).toBe(BigInt(r.unclaimed) + 6_500n * GAT + 3_000n * GAT + 2_000n * GAT)
    const before = net.balance(v)
    net.send(keys.validator, [claimRewardsMessage(v)])
    await net.block()
    expect(net.balance(v)).toBe(before + BigInt(r.claimable) - FEE)
    expect(net.rewards(v)).toMatchObject({ claimable: '0', superNodeLocked: '0', unclaimed: '0' })
    // from day 2 on, the producer's 5 % is paid unlocked
    await net.toHeight(3 * BLOCKS_PER_DAY)
    expect(net.rewards(v)).toMatchObject({ superNodeLocked: '0', unclaimed: (1_000n * GAT).toString() })
  })

  test('with nobody locked the 30 % and 65 % wait in the pool and are handed out, all of them, at the first day with stakers', async () => {
    const net = await openNet()
    const { keys } = net
    const v = keys.validator.address
    const nodeId = Buffer.from(keys.nodeKey.publicKey).toString('hex')
    // the validator unlocks everything: no stake, no active node (it still produces: the set stays)
    net.send(keys.validator, [unlockMsg(v, nodeId, 1_000n * GAT)])
    await net.toHeight(BLOCKS_PER_DAY)
    expect(net.node.query.token.getSupply({})).toMatchObject({
      staked: '0',
      rewardPool: (19_000n * GAT).toString(),
      rewardsOutstanding: '0',
      superNodeRewardsLocked: (1_000n * GAT).toString(),
    })
    await net.toHeight(2 * BLOCKS_PER_DAY)
    expect(net.node.query.token.getSupply({}).rewardPool).toBe((38_000n * GAT).toString())
    // block 21: the unbonded coins are back; the validator locks 100 GAT again
    net.send(keys.validator, [lockMsg(v, nodeId, 100n * GAT)])
    await net.toHeight(3 * BLOCKS_PER_DAY)
    // day 2 ends: each stream gets its three days' parts (3 × 6,000 and 3 × 13,000 GAT), the
    // super nodes only day 2's 1,000 GAT (paid unlocked: day 2 is the lock day)
    const r = net.rewards(v)
    expect(pending(r)).toEqual({ stake: 39_000n * GAT, nodes: 18_000n * GAT })
    expect(net.node.query.token.getSupply({})).toMatchObject({
      rewardPool: '0',
      superNodeRewardsLocked: (2_000n * GAT).toString(),
      rewardsUnclaimed: (3_000n * GAT).toString(),
    })
  })
})
