/**
 * The chain's invariants (chain/invariants.ts, composed in node/wiring.ts `chainInvariants`) on
 * real blocks: they hold after every block of a seeded random run of transfers, burns, GMT
 * issuance, node registration, node transfers, locks, unlocks, unbonding releases, reward claims
 * and day boundaries (a 7-block day: rewards distributed, super-node rewards unlocking on day 4); a tampered state is reported
 * with the numbers; and a node running with `checkInvariants` refuses to commit a block that
 * breaks them, then halts.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { isChainError } from '../chain/errors.js'
import { findViolations } from '../chain/invariants.js'
import type { Module } from '../chain/stateMachine.js'
import { StateOverlay } from '../chain/store/overlay.js'
import { transferMessage } from '../chain/tx/signTx.js'
import { burnMessage, claimRewardsMessage } from '../cli/txMessages.js'
import { lockStore, nodeStore, totalLockedStore } from '../modules/staking/stores/index.js'
import { tokenMethod } from '../modules/token/method.js'
import { balanceStore, gmtStore, mintedStore } from '../modules/token/stores/index.js'
import { chainInvariants, GatherNode } from '../node/index.js'
import { openDevnetNode, signNext, tempDir } from './helpers/devnet.js'
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
/** One super node (the validator, with the most locked), an election every slot, quick unlocks. */
const STAKING = { maxSuperNodes: 1, electionPeriodRounds: 1, unbondingBlocks: 3 }

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function rng(seed: number): {
  int(max: number): number
  big(max: bigint): bigint
  pick<T>(xs: readonly T[]): T
} {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number): number => Math.floor(next() * max)
  return {
    int,
    // uniform enough for test amounts: 1..max
    big: (max: bigint) => (max <= 0n ? 0n : 1n + (BigInt(int(1_000_000)) * max) / 1_000_000n),
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!,
  }
}

function signFor(node: GatherNode, chainId: string, signer: AccountSigner, msgs: AnyMsg[]): Uint8Array {
  expect(chainId).toBe(node.chain.chainId)
  return signNext(node, signer, msgs, FEE)
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('invariants on a randomised run', () => {
  test.each([
    { seed: 7, blocks: 80 },
    { seed: 2026, blocks: 80 },
  ])(
    'hold after every block (seed $seed, $blocks blocks), on the producer and a checking follower',
    async ({ seed, blocks }) => {
      const day = { blocksPerDay: 7, superNodeRewardLockDays: 4 }
      const net = await openDevnetNode({ staking: STAKING, ...day, node: { checkInvariants: true } })
      cleanups.push(net.close)
      const follower = await openDevnetNode({ staking: STAKING, ...day, node: { checkInvariants: true } })
      cleanups.push(follower.close)
      const { node, keys } = net
      const chainId = net.genesis.chainId
      const r = rng(seed)
      const actors = [1, 2, 3, 4, 5, 6].map((i) => testAccount(`invariants-${seed}-${i}`))
      const outsider = testAccount(`invariants-${seed}-outsider`).address
      const nodes: { id: string; owner: string }[] = []
      const counts: Record<string, number> = {}
      const count = (k: string): void => {
        counts[k] = (counts[k] ?? 0) + 1
      }
      const send = (kind: string, signer: AccountSigner, msgs: AnyMsg[]): void => {
        try {
          node.submitTx(signFor(node, chainId, signer, msgs))
          count(kind)
        } catch (e) {
          if (!isChainError(e)) throw e
          count(`${kind} refused`)
        }
      }
      const balance = (a: string): bigint => BigInt(node.query.token.getAccount({ address: a }).balance.ugat)

      const check = async (): Promise<void> => {
        const c = await node.produceBlock(node.chain.head.slot + 1)
        const height = c.block.header.height
        for (const e of c.blockEvents) {
          if (e.type === 'staking.unbonded') count('released')
          if (e.type === 'token.rewards_distributed') count('day end')
        }
        for (const r of c.results)
          if (r.code === 0 && r.events.some((e) => e.type === 'token.rewards_claimed')) count('claimed')
        await follower.node.importBlock(c.bytes)
        const state = node.chain.state
        // assertion messages carry the height: the first failing block is the one to replay
        expect({ height, violations: findViolations(state, chainInvariants(), height) }).toEqual({
          height,
          violations: [],
        })
        const s = node.query.token.getSupply({})
        const balances = balanceStore.entries(state).reduce((sum, [, v]) => sum + v, 0n)
        const locked = nodeStore.entries(state).reduce((sum, [, n]) => sum + BigInt(n.locked), 0n)
        expect({ height, staked: s.staked, circulating: s.circulating, total: s.total }).toEqual({
          height,
          staked: locked.toString(),
          // circulating is what balances hold: the conservation invariant in other words
          circulating: balances.toString(),
          total: (BigInt(s.genesis) + BigInt(s.minted) - BigInt(s.burned)).toString(),
        })
        expect({ height, root: follower.node.chain.head.stateRoot }).toEqual({
          height,
          root: node.chain.head.stateRoot,
        })
      }

      // block 1: fund the actors and give each one GMT
      send(
        'fund',
        keys.faucet,
        actors.map((a) => transferMessage(keys.faucet.address, a.address, 100n * GAT)),
      )
      send(
        'issue',
        keys.validator,
        actors.map((a) => issueDeviceMsg(keys.validator.address, a.address, 1n)),
      )
      await check()

      for (let b = 0; b < blocks - 1; b++) {
        const txs = r.int(5)
        for (let t = 0; t < txs; t++) {
          const a = r.pick(actors)
          const kind = r.pick([
            'transfer',
            'transfer',
            'burn',
            'issue',
            'register',
            'lock',
            'lock',
            'unlock',
            'claim',
            'transfer-node',
          ])
          const bal = balance(a.address)
          switch (kind) {
            case 'transfer': {
              const to = r.int(4) === 0 ? outsider : r.pick(actors).address
              send(kind, a, [transferMessage(a.address, to, r.big(bal / 3n))])
              break
            }
            case 'burn': {
              // one burn in three asks for more than the balance: refused, nothing written
              const amount = r.int(3) === 0 ? bal + 1n : r.big(bal / 10n)
              send(kind, a, [burnMessage(a.address, amount)])
              break
            }
            case 'issue':
              send(kind, keys.validator, [
                issueDeviceMsg(keys.validator.address, a.address, BigInt(1 + r.int(2))),
              ])
              break
            case 'register': {
              const k = testNodeKey(`invariants-${seed}-${nodes.length}-${b}-${t}`)
              const gmt = node.query.token.getAccount({ address: a.address })
              if (BigInt(gmt.balance.gmt) > BigInt(gmt.gmtBound)) {
                send(kind, a, [registerNodeMsg(a.address, k.id, `n${nodes.length}`)])
                nodes.push({ id: k.id, owner: a.address })
              }
              break
            }
            case 'lock': {
              const n = nodes.length === 0 ? undefined : r.pick(nodes)
              const amount = r.big(10n * GAT)
              // keep every node far below the validator's 1,000 GAT, so it stays the one producer
              const onNode = BigInt(node.query.staking.getNode({ nodeId: n?.id ?? '' })?.locked ?? '0')
              if (n !== undefined && onNode + amount < 500n * GAT)
                send(kind, a, [lockMsg(a.address, n.id, amount)])
              break
            }
            case 'claim':
              // refused at admission while nothing is claimable (nothing written)
              send(kind, a, [claimRewardsMessage(a.address)])
              break
            case 'transfer-node': {
              const mine = nodes.filter((n) => n.owner === a.address)
              if (mine.length > 0) {
                const n = r.pick(mine)
                const to = r.pick(actors).address
                if (to !== a.address) {
                  send(kind, a, [transferNodeMsg(a.address, n.id, to)])
                  n.owner = to
                }
              }
              break
            }
            case 'unlock': {
              const locks = node.query.staking.getLocks({ address: a.address }).locks
              if (locks.length > 0) {
                const l = r.pick(locks)
                send(kind, a, [unlockMsg(a.address, l.nodeId, r.big(BigInt(l.amount)))])
              }
              break
            }
          }
        }
        await check()
      }

      expect(node.chain.head.height).toBe(blocks)
      // the run exercised every kind of change, including refused burns and unbonding releases
      for (const k of [
        'transfer',
        'burn',
        'burn refused',
        'issue',
        'register',
        'transfer-node',
        'lock',
        'unlock',
        'released',
        'claim',
        'claim refused',
        'claimed',
        'day end',
      ])
        expect({ kind: k, seen: (counts[k] ?? 0) > 0 }).toEqual({ kind: k, seen: true })
      const s = node.query.token.getSupply({})
      expect(BigInt(s.unbonding)).toBeGreaterThanOrEqual(0n)
      expect(BigInt(s.burned)).toBeGreaterThan(0n)
    },
  )
})

describe('a broken state is reported with the numbers', () => {
  test('balances, staking totals, GMT and the mint cap, each written straight into an overlay', async () => {
    const net = await openDevnetNode({ staking: STAKING })
    cleanups.push(net.close)
    const { node, keys } = net
    // one unlock pending, so every term of the supply is non-trivial
    const nodeId = Buffer.from(keys.nodeKey.publicKey).toString('hex')
    node.submitTx(
      signFor(node, net.genesis.chainId, keys.validator, [
        unlockMsg(keys.validator.address, nodeId, 3n * GAT),
      ]),
    )
    await node.produceBlock(1)
    const state = new StateOverlay(node.chain.state)
    expect(findViolations(state, chainInvariants())).toEqual([])

    const s = node.query.token.getSupply({})
    const [genesis, minted, burned, staked, unbonding, pool] = [
      s.genesis,
      s.minted,
      s.burned,
      s.staked,
      s.unbonding,
      s.rewardPool,
    ].map(BigInt) as [bigint, bigint, bigint, bigint, bigint, bigint]
    expect(unbonding).toBe(3n * GAT)
    const total = genesis + minted - burned
    const balances = total - staked - unbonding - pool
    // the right-hand side of the supply identity, and the held terms after `balances`
    const supply = (m = minted): string =>
      `genesis ${genesis} + minted ${m} − burned ${burned} = ${genesis + m - burned} ugat`
    const held = (st = staked): string =>
      `+ staked ${st} + unbonding ${unbonding} + reward pool ${pool} + outstanding rewards 0 + unclaimed rewards 0 + locked super-node rewards 0`
    const faucet = keys.faucet.address
    const cases: { what: string; tamper: () => void; expected: string[] }[] = [
      {
        what: '5 ugat appear in a balance',
        tamper: () => balanceStore.set(state, faucet, tokenMethod.getBalance(state, faucet) + 5n),
        expected: [
          `token.supply: balances ${balances + 5n} ${held()} = ${total + 5n} ugat, but ${supply()} (off by +5 ugat)`,
        ],
      },
      {
        what: 'the locked total drifts from the nodes and locks',
        tamper: () => totalLockedStore.set(state, staked - 1n),
        expected: [
          `token.supply: balances ${balances} ${held(staked - 1n)} = ${total - 1n} ugat, but ${supply()} (off by -1 ugat)`,
          `token.rewards: stakers stream shares ${staked} = ${staked} ugat, but ugat locked on nodes ${staked - 1n} = ${staked - 1n} ugat (off by +1 ugat)`,
          `staking.locked: totalLocked ${staked - 1n} = ${staked - 1n} ugat, but sum of node locked ${staked} = ${staked} ugat (off by -1 ugat)`,
          `staking.locked: totalLocked ${staked - 1n} = ${staked - 1n} ugat, but sum of lock entries ${staked} = ${staked} ugat (off by -1 ugat)`,
        ],
      },
      {
        what: "a lock entry without its node's total",
        tamper: () => lockStore.set(state, `${faucet}/${nodeId}`, 2n),
        expected: [
          `staking.locked: totalLocked ${staked} = ${staked} ugat, but sum of lock entries ${staked + 2n} = ${staked + 2n} ugat (off by -2 ugat)`,
          `staking.locked: node ${nodeId} records ${staked} ugat locked but its lock entries sum to ${staked + 2n} ugat`,
          `staking.locked: lock ${faucet}/${nodeId} of 2 ugat is indexed as absent under lockByNode/${nodeId}/${faucet}`,
          `staking.locked: ${faucet} has 2 ugat in locks but no lockedBy total`,
        ],
      },
      {
        what: 'more GMT bound than held',
        tamper: () => gmtStore.set(state, faucet, { total: '1', bound: '2' }),
        expected: [
          'token.gmt: issued 1 = 1 GMT, but sum of GMT held 2 = 2 GMT (off by -1 GMT)',
          'token.gmt: GMT bound 3 = 3 GMT, but registered nodes 1 = 1 GMT (off by +2 GMT)',
          `token.gmt: ${faucet} has 2 GMT bound but holds only 1`,
        ],
      },
      {
        what: 'minted past the cap',
        tamper: () => mintedStore.set(state, 90_000_000n * GAT + 1n),
        expected: [
          `token.supply: balances ${balances} ${held()} = ${total} ugat, but ${supply(90_000_000n * GAT + 1n)} (off by -${90_000_000n * GAT + 1n - minted} ugat)`,
          'token.minted: minted 90000000000001 ugat exceeds the issuance cap of 90000000000000 ugat by 1 ugat',
        ],
      },
    ]
    for (const c of cases) {
      const snap = state.snapshot()
      c.tamper()
      expect({ what: c.what, violations: findViolations(state, chainInvariants()) }).toEqual({
        what: c.what,
        violations: c.expected,
      })
      state.restore(snap)
      expect({ what: `${c.what} (restored)`, violations: findViolations(state, chainInvariants()) }).toEqual({
        what: `${c.what} (restored)`,
        violations: [],
      })
    }
  })
})

/** A test-only module with a bug: at `height` it credits 7 ugat that nobody minted. */
function moneyPrinter(height: number, to: string): Module {
  return {
    name: 'moneyPrinter',
    commands: [],
    afterTransactions(ctx) {
      if (ctx.block.height === height) tokenMethod.credit(ctx.state, to, 7n)
    },
  }
}

describe('a node with checkInvariants refuses to commit a block that breaks them', () => {
  test('propose: nothing is written, the error names the numbers, the node logs and halts', async () => {
    const tmp = await tempDir('gather-invariants-')
    cleanups.push(tmp.cleanup)
    const lines: string[] = []
    const { pino } = await import('pino')
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) })
    const dataDir = `${tmp.dir}/data`
    const to = testAccount('printed').address
    const net = await openDevnetNode({
      dataDir,
      node: { checkInvariants: true, extraModules: [moneyPrinter(3, to)], logger },
    })
    cleanups.push(net.close)
    const { node, keys } = net
    let halted: unknown
    node.on('halt', (e: unknown) => {
      halted = e
    })
    await node.produceBlock(1)
    await node.produceBlock(2)
    const root = Buffer.from(node.chain.head.stateRoot).toString('hex')
    node.submitTx(
      signFor(node, net.genesis.chainId, keys.faucet, [transferMessage(keys.faucet.address, to, GAT)]),
    )

    const err = await node.produceBlock(3).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ code: 'INVARIANT_BROKEN' })
    expect((err as Error).message).toMatch(
      /^block 3 breaks 1 invariant: token\.supply: balances \d+ \+ staked \d+ \+ unbonding 0 \+ reward pool \d+ \+ outstanding rewards 0 \+ unclaimed rewards 0 \+ locked super-node rewards 0 = \d+ ugat, but genesis \d+ \+ minted \d+ − burned 1000 = \d+ ugat \(off by \+7 ugat\)$/,
    )
    // nothing written: same head, same state, the transaction still waits in the mempool
    expect(node.chain.head.height).toBe(2)
    expect(Buffer.from(node.chain.head.stateRoot).toString('hex')).toBe(root)
    expect(node.query.token.getAccount({ address: to }).exists).toBe(false)
    expect(node.mempool.size).toBe(1)
    // halted: a clear log line, an event, and every later block refused
    expect(halted).toBe(err)
    expect(node.haltedBy).toBe(err)
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; violations?: string[]; height?: number })
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(/^invariants broken: the block was not committed and the node halts/),
        height: 2,
        violations: [expect.stringMatching(/off by \+7 ugat/)],
      }),
    )
    await expect(node.produceBlock(4)).rejects.toMatchObject({
      code: 'NODE_HALTED',
      message: expect.stringMatching(/^the node halted at height 2: block 3 breaks 1 invariant/),
    })
    await net.close()

    // the database holds block 2 as head; without the bug the chain goes on from there
    const reopened = await GatherNode.open({
      dataDir,
      genesis: net.genesis,
      nodeKey: keys.nodeKey,
      produce: false,
      checkInvariants: true,
    })
    cleanups.push(() => reopened.stop())
    expect(reopened.chain.head.height).toBe(2)
    expect(Buffer.from(reopened.chain.head.stateRoot).toString('hex')).toBe(root)
    await reopened.produceBlock(3)
    expect(findViolations(reopened.chain.state, chainInvariants())).toEqual([])
  })

  test('import: a follower that checks refuses the block a non-checking producer committed', async () => {
    const to = testAccount('printed').address
    const producer = await openDevnetNode({ node: { extraModules: [moneyPrinter(2, to)] } })
    cleanups.push(producer.close)
    const follower = await openDevnetNode({
      node: { checkInvariants: true, extraModules: [moneyPrinter(2, to)] },
    })
    cleanups.push(follower.close)
    const b1 = await producer.node.produceBlock(1)
    // without the check the broken block commits, and the invariants tell what went wrong
    const b2 = await producer.node.produceBlock(2)
    expect(producer.node.query.token.getAccount({ address: to }).balance.ugat).toBe('7')
    expect(findViolations(producer.node.chain.state, chainInvariants())).toEqual([
      expect.stringMatching(/^token\.supply: .* \(off by \+7 ugat\)$/),
    ])
    await follower.node.importBlock(b1.bytes)
    await expect(follower.node.importBlock(b2.bytes)).rejects.toMatchObject({
      code: 'INVARIANT_BROKEN',
      message: expect.stringMatching(/^block 2 breaks 1 invariant: token\.supply: .*off by \+7 ugat/),
    })
    expect(follower.node.chain.head.height).toBe(1)
    await expect(follower.node.importBlock(b2.bytes)).rejects.toMatchObject({ code: 'NODE_HALTED' })
  })
})
