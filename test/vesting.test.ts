/**
 * Vesting accounts on the mainnet-style genesis (docs/protocol/economics.md, issue 7): the 10,000,000 GAT allocation
 * in four vesting accounts; unvested coins cannot be transferred, burned or spent on fees, but can
 * be locked on nodes; coins coming back from unbonding are locked again while they still vest; the
 * cliff and the linear release follow the schedule. The node checks every invariant (including
 * "every vesting account's balance covers its locked part") before each commit.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { transferMessage } from '../chain/tx/signTx.js'
import { burnMessage } from '../cli/txMessages.js'
import { buildMainnetGenesis, MAINNET_ALLOCATIONS } from '../genesis/mainnet.js'
import { MAINNET_STYLE_BLOCKS_PER_DAY, openMainnetStyle } from './helpers/mainnet.js'
import { lockMsg, testAccount, unlockMsg } from './helpers/staking.js'

const GAT = 1_000_000n
const FEE = 1_000n
const _BLOCKS_PER_DAY = MAINNET_STYLE_BLOCKS_PER_DAY

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the mainnet-style genesis', () => {
  test('holds exactly the 10,000,000 GAT allocation as four vesting accounts, and nothing else', async () => {
    const { genesis, node, holders } = await openMainnetStyle('vesting', FEE, cleanups)
    expect(genesis.chainId).toBe('gather-1')
    const accounts = genesis.modules.token.accounts
    expect(accounts.map((a) => [a.ugat, a.vesting])).toEqual([
      [(5_000_000n * GAT).toString(), { startDay: 0, cliffDays: 4, durationDays: 8 }],
      [(2_000_000n * GAT).toString(), { startDay: 0, cliffDays: 0, durationDays: 10 }],
      [(2_000_000n * GAT).toString(), { startDay: 0, cliffDays: 365, durationDays: 1_095 }],
      [(1_000_000n * GAT).toString(), { startDay: 0, cliffDays: 0, durationDays: 1_460 }],
    ])
    expect(Object.values(MAINNET_ALLOCATIONS).reduce((s, a) => s + a.ugat, 0n)).toBe(10_000_000n * GAT)
    const s = node.query.token.getSupply({})
    expect(s).toMatchObject({
      genesis: (10_000_000n * GAT).toString(),
      staked: (1_000n * GAT).toString(),
      vestingUnvested: (10_000_000n * GAT).toString(),
      // the staked 1,000 GAT came out of operations' vesting coins: staked, not in a balance
      vestingLocked: (9_999_000n * GAT).toString(),
      circulating: '0',
    })
    expect(node.query.token.getAccount({ address: holders.operations.address }).vesting).toMatchObject({
      original: (2_000_000n * GAT).toString(),
      delegatedVesting: (1_000n * GAT).toString(),
      delegatedFree: '0',
      startHeight: 0,
      cliffHeight: 0,
      endHeight: 50,
    })
  })

  test('a validator owner that holds no allocation is refused', async () => {
    expect(() =>
      buildMainnetGenesis({
        genesisTime: new Date(),
        allocations: {
          technology: testAccount('a').address,
          operations: testAccount('b').address,
          investment: testAccount('c').address,
          communityGrowth: testAccount('d').address,
        },
        validators: [{ name: 'x', nodeKey: 'ab'.repeat(32), owner: testAccount('e').address }],
        gmtIssuer: testAccount('b').address,
      }),
    ).toThrow(/validators\[0\]\.owner: must hold an allocation/)
  })
})

describe('vesting on real blocks', () => {
  test('unvested coins cannot be sent, burned or pay fees; they can be locked, and come back locked', async () => {
    const net = await openMainnetStyle('vesting', FEE, cleanups)
    const { holders, node } = net
    const tech = holders.technology
    const ops = holders.operations
    // before the cliff technology cannot even pay a fee
    const noFee = net.refusal(tech, [transferMessage(tech.address, ops.address, 1n)])
    expect(noFee.code).toBe('TOKEN_INSUFFICIENT_FEE_BALANCE')
    expect(noFee.message).toMatch(/can spend 0 ugat \(5000000000000 ugat of its 5000000000000 still vest\)/)

    // operations vests linearly from day 0: 2,000,000 GAT / 50 blocks = 40,000 GAT a block
    expect(net.spendable(ops)).toBe(0n)
    await net.block()
    expect(net.spendable(ops)).toBe(40_000n * GAT)
    net.send(ops, [transferMessage(ops.address, tech.address, 10n * GAT)])
    await net.block()
    expect(net.spendable(tech)).toBe(10n * GAT)

    // technology has 5,000,010 GAT but only the 10 GAT it was sent are spendable (the message
    // is checked after the fee is taken: 9.999 GAT left)
    const send = net.refusal(tech, [transferMessage(tech.address, ops.address, 11n * GAT)])
    expect(send.code).toBe('TOKEN_VESTING_LOCKED')
    expect(send.message).toMatch(
      /has 5000009999000 ugat but 5000000000000 ugat of it still vest \(fully vested at height 40\); at most 9999000 ugat can be spent, cannot send 11000000 ugat/,
    )
    expect(net.refusal(tech, [burnMessage(tech.address, 100n * GAT)]).code).toBe('TOKEN_VESTING_LOCKED')
    // nothing was written by the refusals
    expect(node.query.token.getAccount({ address: tech.address }).sequence).toBe('0')

    // locking vesting coins is allowed: 900 GAT on the genesis node (cap 2,000 GAT)
    net.send(tech, [lockMsg(tech.address, net.nodeId, 900n * GAT)])
    await net.block()
    expect(node.query.token.getAccount({ address: tech.address }).vesting).toMatchObject({
      delegatedVesting: (900n * GAT).toString(),
      delegatedFree: '0',
      lockedInBalance: (4_999_100n * GAT).toString(),
    })
    expect(net.spendable(tech)).toBe(10n * GAT - FEE)
    // ... and unlocking them: after unbonding they are back, locked again (spendable unchanged)
    net.send(tech, [unlockMsg(tech.address, net.nodeId, 900n * GAT)])
    await net.block()
    const unlockedAt = node.chain.head.height
    await net.toHeight(unlockedAt + 3)
    expect(node.query.staking.getUnbonding({ address: tech.address }).entries).toHaveLength(0)
    expect(node.query.token.getAccount({ address: tech.address }).vesting).toMatchObject({
      delegatedVesting: '0',
      delegatedFree: '0',
    })
    expect(net.spendable(tech)).toBe(10n * GAT - 2n * FEE)
    const again = net.refusal(tech, [transferMessage(tech.address, ops.address, 11n * GAT)])
    expect(again.code).toBe('TOKEN_VESTING_LOCKED')
  })

  test('the cliff releases what accrued since the start at once, then the release is linear to the end', async () => {
    const net = await openMainnetStyle('vesting', FEE, cleanups)
    const { holders, node } = net
    const tech = holders.technology
    await net.toHeight(19)
    expect(net.spendable(tech)).toBe(0n)
    const operations = 2_000_000n * GAT - (2_000_000n * GAT * 19n) / 50n // linear over 50 blocks
    const community = 1_000_000n * GAT - (1_000_000n * GAT * 19n) / 7_300n // linear over 1,460 days
    // technology and investment are before their cliffs
    expect(BigInt(node.query.token.getSupply({}).vestingUnvested)).toBe(
      5_000_000n * GAT + operations + 2_000_000n * GAT + community,
    )
    await net.block() // block 20: the cliff (day 4 of 8): half of 5,000,000 GAT
    expect(net.spendable(tech)).toBe(2_500_000n * GAT)
    await net.block()
    expect(net.spendable(tech)).toBe((5_000_000n * GAT * 21n) / 40n)
    await net.toHeight(40)
    expect(net.spendable(tech)).toBe(5_000_000n * GAT)
    expect(node.query.token.getAccount({ address: tech.address }).vesting).toMatchObject({
      unvested: '0',
      lockedInBalance: '0',
    })
    // fully vested: technology can send everything but the fee
    net.send(tech, [transferMessage(tech.address, holders.investment.address, 5_000_000n * GAT - FEE)])
    await net.block()
    expect(node.query.token.getAccount({ address: tech.address }).balance.ugat).toBe('0')
  })
})
