/**
 * the worked example of docs/protocol/economics.md, on real blocks with a 40-block day: 10,000 active nodes, 20,000 GAT
 * locked in total, 20,000 GAT issued that day →
 * - 0.6 GAT per node from the 30 % (6,000 GAT over 10,000 active nodes),
 * - 0.65 GAT per locked GAT from the 65 % (13,000 GAT over 20,000 GAT),
 * - 1,000 GAT to the super nodes in proportion to the blocks each produced, locked.
 *
 * Genesis registers 10,000 nodes, each with its owner's 1 GAT locked (10,000 GAT); two stakers lock
 * the other 10,000 GAT on 20 of the 21 elected super nodes in the first block. The 21st super node
 * is offline: its slots are missed, so the other 20 produce the day's 40 blocks, 2 each, and get
 * 50 GAT each; it gets nothing. The node checks every invariant before each commit.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { addressFromPubkey } from '../chain/crypto/address.js'
import { type NodeKey, nodeKeyFromSeed } from '../chain/crypto/ed25519.js'
import { hex } from '../chain/hex.js'
import { signTx } from '../chain/tx/signTx.js'
import { claimRewardsMessage } from '../cli/txMessages.js'
import { buildDevnetGenesis } from '../genesis/devnet.js'
import { parseGenesis } from '../genesis/schema.js'
import { rewardsMethod } from '../modules/token/rewards.js'
import { GatherNode } from '../node/index.js'
import { tempDir } from './helpers/devnet.js'
import { type AccountSigner, type AnyMsg, lockMsg, testAccount } from './helpers/staking.js'

const GAT = 1_000_000n
const NODES = 10_000
const BLOCKS_PER_DAY = 40
const SUPER_NODES = 21

const seed = (label: string): Uint8Array => new Uint8Array(createHash('sha256').update(label).digest())

let node: GatherNode
let cleanup: () => Promise<void>
let owners: string[]
let superNodes: { key: NodeKey; id: string; owner: string }[]
let stakers: AccountSigner[]
let dayEnd: { type: string; attributes: Record<string, string> }[]
let produced: Map<string, number>

function sign(signer: AccountSigner, msgs: AnyMsg[]): Uint8Array {
  const acc = node.query.token.getAccount({ address: signer.address })
  return signTx(
    {
      messages: msgs,
      chainId: node.chain.chainId,
      accountNumber: BigInt(acc.accountNumber),
      sequence: BigInt(acc.sequence),
      fee: 1_000n,
    },
    signer.privateKey,
    signer.publicKey,
  )
}

beforeAll(async () => {
  const base = (await buildDevnetGenesis({ genesisTime: new Date('2026-01-01T00:00:00Z'), blockTimeMs: 100 }))
    .genesis
  const keys = Array.from({ length: NODES }, (_, i) => nodeKeyFromSeed(seed(`worked-example-node-${i}`)))
  owners = keys.map((_, i) => addressFromPubkey(Uint8Array.from([2, ...seed(`worked-example-owner-${i}`)])))
  stakers = [testAccount('worked-example-staker-1'), testAccount('worked-example-staker-2')]
  const genesis = parseGenesis({
    ...base,
    validators: keys.map((k, i) => ({
      name: `node-${i}`,
      nodeKey: hex(k.publicKey),
      owner: owners[i]!,
      selfLock: GAT.toString(),
    })),
    modules: {
      ...base.modules,
      token: {
        ...base.modules.token,
        params: { ...base.modules.token.params, blocksPerDay: BLOCKS_PER_DAY },
        accounts: [
          ...owners.map((address) => ({ address, ugat: GAT.toString() })),
          ...stakers.map((s) => ({ address: s.address, ugat: (5_001n * GAT).toString() })),
        ],
      },
      staking: { params: { maxSuperNodes: SUPER_NODES, electionPeriodRounds: 1, unbondingBlocks: 100 } },
    },
  })
  const tmp = await tempDir()
  node = await GatherNode.open({ dataDir: tmp.dir, genesis, produce: false, checkInvariants: true })
  cleanup = async () => {
    await node.stop()
    await tmp.cleanup()
  }
  // all nodes tie at 1 GAT and registration height 0: the 21 smallest keys are elected, in order
  const byId = new Map(
    keys.map((k, i) => [hex(k.publicKey), { key: k, id: hex(k.publicKey), owner: owners[i]! }]),
  )
  superNodes = node.query.staking.getSuperNodes({}).current.map((n) => byId.get(n.nodeId)!)
  expect(superNodes.map((s) => s.id)).toEqual([...byId.keys()].sort().slice(0, SUPER_NODES))

  // the two stakers lock 250 GAT on each of the first 20 super nodes: 2 × 5,000 GAT
  const producing = superNodes.slice(0, SUPER_NODES - 1)
  for (const s of stakers)
    node.submitTx(
      sign(
        s,
        producing.map((p) => lockMsg(s.address, p.id, 250n * GAT)),
      ),
    )

  // rounds 1 and 2 (slots 21..62): every super node has two slots; the offline one's are missed
  const offline = superNodes[SUPER_NODES - 1]!
  produced = new Map()
  for (let slot = SUPER_NODES; slot < 3 * SUPER_NODES; slot++) {
    const proposer = hex(node.chain.proposerOf(slot))
    if (proposer === offline.id) continue
    const key = superNodes.find((s) => s.id === proposer)!.key
    const c = await node.produceBlock(slot, { key })
    produced.set(proposer, (produced.get(proposer) ?? 0) + 1)
    if (c.block.header.height === 1) expect(c.results.map((r) => r.code)).toEqual([0, 0])
    if (c.block.header.height === BLOCKS_PER_DAY) {
      dayEnd = c.blockEvents.map((e) => ({
        type: e.type,
        attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
      }))
    }
  }
}, 120_000)

afterAll(async () => {
  await cleanup?.()
})

describe('the worked example of docs/protocol/economics.md on real blocks', () => {
  test('the day is 40 blocks, 2 by each of 20 super nodes; the offline one missed its 2 slots', () => {
    expect(node.chain.head.height).toBe(BLOCKS_PER_DAY)
    expect([...produced.values()]).toEqual(Array(SUPER_NODES - 1).fill(2))
    expect(produced.has(superNodes[SUPER_NODES - 1]!.id)).toBe(false)
  })

  test('20,000 GAT issued: 6,000 over 10,000 active nodes, 13,000 over 20,000 GAT locked, 1,000 to the producers', () => {
    expect(dayEnd.find((e) => e.type === 'token.rewards_distributed')!.attributes).toEqual({
      day: '0',
      issued: (20_000n * GAT).toString(),
      nodes: (6_000n * GAT).toString(),
      active_nodes: String(NODES),
      stakers: (13_000n * GAT).toString(),
      locked_ugat: (20_000n * GAT).toString(),
      super_nodes: (1_000n * GAT).toString(),
      pool_left: '0',
    })
  })

  test('each of the 10,000 node owners earned 0.6 GAT from its node and 0.65 GAT from its 1 GAT locked', () => {
    const seen = new Map<string, number>()
    for (const owner of owners) {
      const r = rewardsMethod.rewardsOf(node.chain.state, owner, node.chain.head.height)
      const key = `${r.nodePending}/${r.stakePending}`
      seen.set(key, (seen.get(key) ?? 0) + 1)
    }
    expect(Object.fromEntries(seen)).toEqual({ [`${600_000n}/${650_000n}`]: NODES })
  })

  test('each staker earned 0.65 GAT per GAT locked: 3,250 GAT for 5,000 GAT, and claims exactly that', async () => {
    for (const s of stakers) {
      expect(node.query.token.getRewards({ address: s.address })).toMatchObject({
        stakePending: (3_250n * GAT).toString(),
        lockedStake: (5_000n * GAT).toString(),
        claimable: (3_250n * GAT).toString(),
      })
    }
    const s = stakers[0]!
    const before = BigInt(node.query.token.getAccount({ address: s.address }).balance.ugat)
    node.submitTx(sign(s, [claimRewardsMessage(s.address)]))
    const next = node.chain.head.slot + 1
    const proposer = hex(node.chain.proposerOf(next))
    const key = superNodes.find((n) => n.id === proposer)!.key
    await node.produceBlock(next, { key })
    expect(BigInt(node.query.token.getAccount({ address: s.address }).balance.ugat)).toBe(
      before + 3_250n * GAT - 1_000n,
    )
  })

  test('the 1,000 GAT went by blocks produced: 50 GAT to each producing super node, locked; none to the offline one', () => {
    const rewards = dayEnd.filter((e) => e.type === 'token.super_node_reward').map((e) => e.attributes)
    expect(rewards).toHaveLength(SUPER_NODES - 1)
    for (const r of rewards)
      expect(r).toMatchObject({ blocks: '2', amount: (50n * GAT).toString(), locked: 'true' })
    for (const s of superNodes.slice(0, SUPER_NODES - 1))
      expect(node.query.token.getRewards({ address: s.owner })).toMatchObject({
        superNodeLocked: (50n * GAT).toString(),
        superNodeUnlockDay: 730,
      })
    expect(node.query.token.getRewards({ address: superNodes[SUPER_NODES - 1]!.owner }).superNodeLocked).toBe(
      '0',
    )
    expect(node.query.token.getSupply({}).superNodeRewardsLocked).toBe((1_000n * GAT).toString())
  })
})
