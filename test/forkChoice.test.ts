/**
 * Fork choice: a node reverts blocks that are not final, atomically and with their state,
 * indexes and transactions restored, never a final one; on the network a node that finds itself
 * on a worse branch moves to the better one and then agrees with everyone.
 */
import { afterAll, afterEach, describe, expect, test } from '@jest/globals'
import type { CommittedBlock } from '../chain/blockchain.js'
import { ChainErrorCode } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import { transferMessage } from '../chain/tx/signTx.js'
import { signVote } from '../consensus/finality.js'
import { devnetKeys } from '../genesis/devnet.js'
import type { Genesis } from '../genesis/schema.js'
import { GatherNode } from '../node/index.js'
import { signNext, tempDir } from './helpers/devnet.js'
import { type NetNode, networkGenesis, startNetNode, stopNetNode } from './helpers/network.js'
import { testAccount, type testNodeKey } from './helpers/staking.js'
import { waitFor } from './helpers/wait.js'

type Key = ReturnType<typeof testNodeKey>

/** A node without a node key of its own: it never votes, so nothing it holds becomes final by itself. */
async function openKeyless(genesis: Genesis, cleanups: (() => Promise<void>)[]) {
  const tmp = await tempDir('gather-fork-')
  const node = await GatherNode.open({ dataDir: tmp.dir, genesis, produce: false })
  cleanups.push(async () => {
    await node.stop()
    await tmp.cleanup()
  })
  return { node, dir: tmp.dir }
}

/** Produces the next block in `slot` (default: the next slot) as whichever super node it belongs to. */
function produceAs(node: GatherNode, keys: Key[], slot = node.chain.head.slot + 1): Promise<CommittedBlock> {
  const proposer = hex(node.chain.proposerOf(slot))
  const key = keys.find((k) => hex(k.publicKey) === proposer)
  if (key === undefined) throw new Error(`no key for the proposer of slot ${slot}`)
  return node.produceBlock(slot, { key })
}

/** The encoded blocks `from`..`to` of a node's chain. */
function blockBytes(node: GatherNode, from: number, to: number): Promise<Uint8Array[]> {
  return Promise.all(
    Array.from({ length: to - from + 1 }, async (_, i) => (await node.chain.getBlock(from + i))!.bytes),
  )
}

describe('reverting blocks that are not final', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined)
  })

  /**
   * A keyless node of a 4-validator genesis with blocks 1–3, then branch A: blocks 4–6 carrying
   * three transfers (two in block 4, one in block 6); what block 3 looked like is kept.
   */
  async function onBranchA() {
    const { genesis, keys } = await networkGenesis(4, 'revert', {
      blockTimeMs: 100,
      genesisTime: new Date('2026-01-01T00:00:00Z'),
    })
    const payer = (await devnetKeys()).validator
    const payee = testAccount('revert-payee').address
    const { node: a, dir } = await openKeyless(genesis, cleanups)
    for (let i = 0; i < 3; i++) await produceAs(a, keys)
    const at3 = {
      hash: hex(a.chain.head.hash),
      root: hex(a.chain.state.root),
      payer: a.query.token.getAccount({ address: payer.address }),
    }
    const send = (amount: bigint): string =>
      a.submitTx(signNext(a, payer, [transferMessage(payer.address, payee, amount)])).hash
    const sent = [send(1_000n), send(2_000n)]
    await produceAs(a, keys)
    await produceAs(a, keys)
    sent.push(send(3_000n))
    await produceAs(a, keys)
    const hashA4 = hex((await a.chain.getBlock(4))!.hash)
    return { genesis, keys, a, dir, payer, payee, at3, sent, hashA4, branchA: await blockBytes(a, 1, 6) }
  }

  /**
   * {@link onBranchA} reverted to block 3, then branch B from there: blocks 4–5 in later slots
   * (the double-sign guard keeps the slots already signed).
   */
  async function onBranchB() {
    const s = await onBranchA()
    await s.a.revertTo(3)
    const b4 = await produceAs(s.a, s.keys, s.a.chain.head.slot + 10)
    await produceAs(s.a, s.keys)
    const headB = { height: 5, hash: hex(s.a.chain.head.hash), root: hex(s.a.chain.state.root) }
    return { ...s, b4, headB, branchB: await blockBytes(s.a, 4, 5) }
  }

  test('revertTo(3) brings back the head, the state root and the accounts of block 3', async () => {
    const { a, payer, payee, at3 } = await onBranchA()
    expect(a.chain.head.height).toBe(6)
    expect(a.query.token.getAccount({ address: payee })?.balance.ugat).toBe('6000')
    expect(await a.chain.db.getUndo(6)).toBeDefined()

    expect(await a.revertTo(3)).toBe(3)
    expect(a.chain.head.height).toBe(3)
    expect(hex(a.chain.head.hash)).toBe(at3.hash)
    expect(hex(a.chain.state.root)).toBe(at3.root)
    expect(a.query.token.getAccount({ address: payer.address })).toEqual(at3.payer)
    expect(a.query.token.getAccount({ address: payee })).toMatchObject({
      exists: false,
      balance: { ugat: '0' },
    })
  })

  test('the reverted blocks leave the block, undo, block-event and transaction indexes; their transactions are pending again, in order', async () => {
    const { a, sent } = await onBranchA()
    for (let h = 4; h <= 6; h++)
      expect({ h, events: (await a.chain.db.getBlockEvents(h))?.events.length }).toEqual({
        h,
        events: expect.any(Number),
      })
    await a.revertTo(3)
    for (let h = 4; h <= 6; h++) {
      expect({ h, block: await a.chain.getBlock(h) }).toEqual({ h, block: undefined })
      expect({ h, events: await a.chain.db.getBlockEvents(h) }).toEqual({ h, events: undefined })
    }
    expect(await a.chain.db.getUndo(4)).toBeUndefined()
    for (const h of sent) {
      expect({ h, tx: await a.getTx(h) }).toEqual({ h, tx: undefined })
      expect({ h, pending: a.mempool.has(h) }).toEqual({ h, pending: true })
    }
    expect(a.mempool.pending().map((p) => p.tx.hashHex)).toEqual(sent)
  })

  test('a new branch from the fork point includes the restored transactions again', async () => {
    const { a, payee, sent, hashA4, b4 } = await onBranchB()
    expect(b4.txs.map((t) => t.hashHex)).toEqual(sent)
    expect(hex(b4.hash)).not.toBe(hashA4)
    // height 4's block events are the new block's
    expect(await a.chain.db.getBlockEvents(4)).toEqual({
      events: b4.blockEvents,
      beforeTransactions: b4.blockEventsBefore,
    })
    expect(a.chain.head.height).toBe(5)
    expect(a.query.token.getAccount({ address: payee })?.balance.ugat).toBe('6000')
  })

  test('reopened after the revert, the node is on the new branch with the state of its head', async () => {
    const { genesis, a, dir, headB } = await onBranchB()
    await a.stop()
    const reopened = await GatherNode.open({ dataDir: dir, genesis, produce: false })
    cleanups.push(() => reopened.stop())
    expect(reopened.chain.head.height).toBe(headB.height)
    expect(hex(reopened.chain.head.hash)).toBe(headB.hash)
    expect(hex(reopened.chain.state.root)).toBe(headB.root)
  })

  test('a follower on the old branch reverts to the fork point and imports the new one: the same head and state', async () => {
    const { genesis, branchA, branchB, headB } = await onBranchB()
    const { node: f } = await openKeyless(genesis, cleanups)
    for (const b of branchA) await f.importBlock(b)
    expect(f.chain.head.height).toBe(6)
    expect(await f.revertTo(3)).toBe(3)
    for (const b of branchB) await f.importBlock(b)
    expect(hex(f.chain.head.hash)).toBe(headB.hash)
    expect(hex(f.chain.state.root)).toBe(headB.root)
  })

  test('a final block is never reverted: revertTo and revertHead refuse with BLOCK_FINAL and change nothing', async () => {
    const { genesis, keys, branchA, branchB, headB } = await onBranchB()
    const { node: f } = await openKeyless(genesis, cleanups)
    for (const b of [...branchA.slice(0, 3), ...branchB]) await f.importBlock(b)
    expect(hex(f.chain.head.hash)).toBe(headB.hash)
    // three of the four super nodes vote for block 5: it is final
    for (const k of keys.slice(0, 3)) f.addVote(signVote(genesis.chainId, 5, f.chain.head.hash, k))
    await f.settled()
    expect(f.chain.finalBlock.height).toBe(5)
    expect(await f.chain.db.getUndo(5)).toBeUndefined()
    await expect(f.revertTo(4)).rejects.toMatchObject({ code: ChainErrorCode.BLOCK_FINAL })
    await expect(f.chain.revertHead()).rejects.toMatchObject({ code: ChainErrorCode.BLOCK_FINAL })
    expect(hex(f.chain.head.hash)).toBe(headB.hash)
    expect(hex(f.chain.state.root)).toBe(headB.root)
  })
})

/**
 * The cases are the steps of one network's story, in order (a network of four takes seconds to
 * form, so it is formed once): each starts from what the one before left in `story` and fails at
 * once, naming it, when that is missing.
 */
describe('fork choice on the network: a validator that produced alone rejoins', () => {
  const story: {
    net?: { genesis: Genesis; keys: Key[]; live: NetNode[]; loner: NetNode; bootstrap: string[] }
    alone?: {
      leftAt: number
      finalAtLeave: { height: number; hash: Uint8Array }
      ownBlocks: string[]
      head: number
    }
    back?: NetNode
  } = {}
  const running: NetNode[] = []
  const opened: GatherNode[] = []
  afterAll(async () => {
    for (const n of opened) await n.stop().catch(() => undefined)
    for (const n of running.splice(0).reverse()) await stopNetNode(n, true).catch(() => undefined)
  })
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is missing: an earlier case of this story failed`)
    return value
  }

  test('four validators produce and finalise together', async () => {
    const { genesis, keys } = await networkGenesis(4, 'fork', { blockTimeMs: 300 })
    const first = await startNetNode(genesis, keys[0]!, 0, { bootstrap: [], produce: true })
    running.push(first)
    const bootstrap = first.net.p2p.multiaddrs()
    for (let i = 1; i < 4; i++)
      running.push(await startNetNode(genesis, keys[i]!, i, { bootstrap, produce: true }))
    const nodes = [...running]
    await waitFor(
      'height 6 and a final block everywhere',
      () => nodes.every((n) => n.node.chain.head.height >= 6 && n.node.chain.finalBlock.height >= 3),
      60_000,
    )
    story.net = { genesis, keys, live: nodes.slice(0, 3), loner: nodes[3]!, bootstrap }
  }, 90_000)

  test('cut off, one of them goes on producing alone: its blocks never become final (one vote of four)', async () => {
    const { genesis, live, loner } = need(story.net, 'the network of four')
    // node 3 leaves the network and goes on producing in its own slots, alone
    await stopNetNode(loner)
    running.splice(running.indexOf(loner), 1)
    const leftAt = loner.node.chain.head.height
    const finalAtLeave = { ...loner.node.chain.finalBlock }
    const alone = await GatherNode.open({
      dataDir: loner.dataDir,
      genesis,
      nodeKey: loner.key,
      produce: true,
    })
    opened.push(alone)
    alone.start()
    await waitFor('2 blocks of its own', () => alone.chain.head.height >= leftAt + 2, 60_000)
    const ownBlocks: string[] = []
    for (let h = leftAt + 1; h <= alone.chain.head.height; h++)
      ownBlocks.push(hex((await alone.chain.getBlock(h))!.hash))
    await alone.stop()
    expect(alone.chain.finalBlock.height).toBe(finalAtLeave.height)
    const head = alone.chain.head.height

    // the others went on (3 of 4: final); make sure their chain is the longer one
    await waitFor(
      'the network ahead of the loner',
      () => live.every((n) => n.node.chain.head.height > head + 2),
      60_000,
    )
    story.alone = { leftAt, finalAtLeave, ownBlocks, head }
  }, 90_000)

  test('back on the network with its database, it reverts its own blocks, keeps its final block and follows the better chain', async () => {
    const { genesis, keys, live, loner, bootstrap } = need(story.net, 'the network of four')
    const { leftAt, finalAtLeave, ownBlocks, head } = need(story.alone, "the loner's own branch")
    const back = await startNetNode(genesis, keys[3]!, 3, {
      bootstrap,
      produce: true,
      dataDir: loner.dataDir,
    })
    running.push(back)
    await waitFor(
      'the loner on the network chain',
      async () => {
        if (back.node.chain.head.height <= head + 2) return false
        const theirs = await live[0]!.node.chain.getBlock(leftAt + 1)
        const ours = await back.node.chain.getBlock(leftAt + 1)
        return ours !== undefined && hex(ours.hash) === hex(theirs!.hash)
      },
      60_000,
    )
    for (const [i, own] of ownBlocks.entries()) {
      const h = leftAt + 1 + i
      expect({ h, own: hex((await back.node.chain.getBlock(h))!.hash) === own }).toEqual({ h, own: false })
    }
    expect(hex((await back.node.chain.getBlock(finalAtLeave.height))!.hash)).toBe(hex(finalAtLeave.hash))
    story.back = back
  }, 90_000)

  test('it produces on the network chain again: a block of its own becomes final everywhere, and all four agree', async () => {
    const { keys, live } = need(story.net, 'the network of four')
    const back = need(story.back, 'the loner back on the network')
    const all = [...live, back]
    const rejoined = back.node.chain.head.height
    await waitFor(
      'a block of the loner on the network chain, final everywhere',
      async () => {
        const min = Math.min(...all.map((n) => n.node.chain.finalBlock.height))
        for (let h = rejoined + 1; h <= min; h++) {
          const b = await back.node.chain.getBlock(h)
          if (b !== undefined && hex(b.block.header.proposer) === hex(keys[3]!.publicKey)) return true
        }
        return false
      },
      60_000,
    )
    // every final block is the same block with the same state on all four
    const final = Math.min(...all.map((n) => n.node.chain.finalBlock.height))
    for (let h = 1; h <= final; h++) {
      const views = await Promise.all(all.map((n) => n.node.chain.getBlock(h)))
      const ids = new Set(views.map((v) => `${hex(v!.hash)}/${hex(v!.block.header.stateRoot)}`))
      expect({ height: h, final, distinct: ids.size }).toEqual({ height: h, final, distinct: 1 })
    }
    // above the final block, a slot's block may still be on its way to some: they reach one head
    await waitFor(
      'one head on all four',
      () => new Set(all.map((n) => hex(n.node.chain.head.hash))).size === 1,
    )
  }, 90_000)
})
