/**
 * Fork choice (SPEC §4, issue 5): a node reverts blocks that are not final, atomically and with
 * their state, indexes and transactions restored, never a final one; on the network a node that
 * finds itself on a worse branch moves to the better one and then agrees with everyone.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import type { CommittedBlock } from '../chain/blockchain.js'
import { ChainErrorCode } from '../chain/errors.js'
import { transferMessage } from '../chain/tx/signTx.js'
import { signVote } from '../consensus/finality.js'
import { devnetKeys } from '../genesis/devnet.js'
import type { Genesis } from '../genesis/schema.js'
import { GatherNode } from '../node/index.js'
import { signNext, tempDir } from './helpers/devnet.js'
import { type NetNode, networkGenesis, startNetNode, stopNetNode, waitFor } from './helpers/network.js'
import { testAccount, type testNodeKey } from './helpers/staking.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
type Key = ReturnType<typeof testNodeKey>

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined)
})

/** A node without a node key of its own: it never votes, so nothing it holds becomes final by itself. */
async function openKeyless(genesis: Genesis, dataDir?: string) {
  const tmp = dataDir === undefined ? await tempDir('gather-fork-') : undefined
  const dir = dataDir ?? tmp!.dir
  const node = await GatherNode.open({ dataDir: dir, genesis, produce: false })
  cleanups.push(async () => {
    await node.stop()
    await tmp?.cleanup()
  })
  return { node, dir }
}

/** Produces the next block in `slot` (default: the next slot) as whichever super node it belongs to. */
function produceAs(node: GatherNode, keys: Key[], slot = node.chain.head.slot + 1): Promise<CommittedBlock> {
  const proposer = hex(node.chain.proposerOf(slot))
  const key = keys.find((k) => hex(k.publicKey) === proposer)
  if (key === undefined) throw new Error(`no key for the proposer of slot ${slot}`)
  return node.produceBlock(slot, { key })
}

describe('reverting blocks that are not final', () => {
  test('state, indexes and mempool come back; the node reopens on the parent; a follower switches branch; a final block is never reverted', async () => {
    const { genesis, keys } = await networkGenesis(4, 'revert', {
      blockTimeMs: 100,
      genesisTime: new Date('2026-01-01T00:00:00Z'),
    })
    const dev = await devnetKeys()
    const payer = dev.validator
    const payee = testAccount('revert-payee').address
    const { node: a, dir } = await openKeyless(genesis)
    for (let i = 0; i < 3; i++) await produceAs(a, keys)
    const at3 = { head: { ...a.chain.head }, root: hex(a.chain.state.root) }
    const payerAt3 = a.getAccount(payer.address)
    const send = (amount: bigint) => {
      const raw = signNext(a, payer, [transferMessage(payer.address, payee, amount)])
      return a.submitTx(raw).hash
    }

    // branch A: blocks 4–6 with three transfers
    const sent = [send(1_000n), send(2_000n)]
    await produceAs(a, keys)
    await produceAs(a, keys)
    sent.push(send(3_000n))
    await produceAs(a, keys)
    expect(a.chain.head.height).toBe(6)
    expect(a.getAccount(payee)?.balance.ugat).toBe('6000')
    const branchA = await Promise.all([1, 2, 3, 4, 5, 6].map(async (h) => (await a.chain.getBlock(h))!.bytes))
    const hashA4 = hex((await a.chain.getBlock(4))!.hash)
    expect(await a.chain.db.getUndo(6)).toBeDefined()

    // revert to 3: head, state, balances, block and tx indexes as they were; txs pending again
    expect(await a.revertTo(3)).toBe(3)
    expect(a.chain.head.height).toBe(3)
    expect(hex(a.chain.head.hash)).toBe(hex(at3.head.hash))
    expect(hex(a.chain.state.root)).toBe(at3.root)
    expect(a.getAccount(payer.address)).toEqual(payerAt3)
    expect(a.getAccount(payee)).toMatchObject({ exists: false, balance: { ugat: '0' } })
    for (let h = 4; h <= 6; h++) expect(await a.chain.getBlock(h)).toBeUndefined()
    expect(await a.chain.db.getUndo(4)).toBeUndefined()
    for (const h of sent) {
      expect(await a.getTx(h)).toBeUndefined()
      expect(a.mempool.has(h)).toBe(true)
    }
    expect(a.mempool.pending().map((p) => p.tx.hashHex)).toEqual(sent)

    // branch B from 3 (later slots: the double-sign guard keeps slots already signed): the
    // restored transactions are included again
    const b4 = await produceAs(a, keys, a.chain.head.slot + 10)
    expect(b4.txHashes.map((h) => hex(h).toUpperCase())).toEqual(sent)
    expect(hex(b4.hash)).not.toBe(hashA4)
    await produceAs(a, keys)
    const headB = { hash: hex(a.chain.head.hash), root: hex(a.chain.state.root) }
    expect(a.getAccount(payee)?.balance.ugat).toBe('6000')

    // reopen: the database holds branch B, with a state matching its head
    await a.stop()
    const reopened = await GatherNode.open({ dataDir: dir, genesis, produce: false })
    cleanups.push(() => reopened.stop())
    expect(reopened.chain.head.height).toBe(5)
    expect(hex(reopened.chain.head.hash)).toBe(headB.hash)
    expect(hex(reopened.chain.state.root)).toBe(headB.root)
    const branchB = await Promise.all([4, 5].map(async (h) => (await reopened.chain.getBlock(h))!.bytes))

    // a follower on branch A moves to branch B: revert to the fork, import B, same state
    const { node: f } = await openKeyless(genesis)
    for (const b of branchA) await f.importBlock(b)
    expect(f.chain.head.height).toBe(6)
    await f.revertTo(3)
    for (const b of branchB) await f.importBlock(b)
    expect(hex(f.chain.head.hash)).toBe(headB.hash)
    expect(hex(f.chain.state.root)).toBe(headB.root)

    // three of the four super nodes vote for block 5: it is final and can no longer be reverted
    for (const k of keys.slice(0, 3)) f.addVote(signVote(genesis.chainId, 5, f.chain.head.hash, k))
    await f.settled()
    expect(f.chain.finalBlock.height).toBe(5)
    expect(await f.chain.db.getUndo(5)).toBeUndefined()
    await expect(f.revertTo(4)).rejects.toMatchObject({ code: ChainErrorCode.BLOCK_FINAL })
    await expect(f.chain.revertHead()).rejects.toMatchObject({ code: ChainErrorCode.BLOCK_FINAL })
    expect(hex(f.chain.head.hash)).toBe(headB.hash)
    expect(hex(f.chain.state.root)).toBe(headB.root)
  }, 60_000)
})

const running: NetNode[] = []
afterEach(async () => {
  for (const n of running.splice(0).reverse()) await stopNetNode(n, true).catch(() => undefined)
})

describe('fork choice on the network', () => {
  test('a validator that produced alone on its own branch rejoins, reverts its blocks and follows the better chain', async () => {
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

    // node 3 leaves the network and goes on producing in its own slots, alone
    const loner = nodes[3]!
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
    alone.start()
    await waitFor('2 blocks of its own', () => alone.chain.head.height >= leftAt + 2, 60_000)
    const ownBlocks: string[] = []
    for (let h = leftAt + 1; h <= alone.chain.head.height; h++)
      ownBlocks.push(hex((await alone.chain.getBlock(h))!.hash))
    await alone.stop()
    // its own blocks never became final: one vote of four is no quorum
    expect(alone.chain.finalBlock.height).toBe(finalAtLeave.height)

    // the others went on (3 of 4: final); make sure their chain is the longer one
    const live = nodes.slice(0, 3)
    const lonerHead = alone.chain.head.height
    await waitFor(
      'the network ahead of the loner',
      () => live.every((n) => n.node.chain.head.height > lonerHead + 2),
      60_000,
    )

    // back on the network with its database: fork choice moves it to the network's branch
    const back = await startNetNode(genesis, keys[3]!, 3, {
      bootstrap,
      produce: true,
      dataDir: loner.dataDir,
    })
    running.push(back)
    await waitFor(
      'the loner on the network chain',
      async () => {
        const h = back.node.chain.head.height
        if (h <= lonerHead + 2) return false
        const theirs = await live[0]!.node.chain.getBlock(leftAt + 1)
        const ours = await back.node.chain.getBlock(leftAt + 1)
        return ours !== undefined && hex(ours.hash) === hex(theirs!.hash)
      },
      60_000,
    )
    // its own blocks are gone, the final block it had is still there, and it produces and agrees
    for (let h = leftAt + 1; h < leftAt + 1 + ownBlocks.length; h++)
      expect(hex((await back.node.chain.getBlock(h))!.hash)).not.toBe(ownBlocks[h - leftAt - 1])
    expect(hex((await back.node.chain.getBlock(finalAtLeave.height))!.hash)).toBe(hex(finalAtLeave.hash))
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
    const common = Math.min(...all.map((n) => n.node.chain.head.height))
    for (let h = 1; h <= common; h++) {
      const views = await Promise.all(all.map((n) => n.node.chain.getBlock(h)))
      const ids = new Set(views.map((v) => `${hex(v!.hash)}/${hex(v!.block.header.stateRoot)}`))
      expect({ height: h, distinct: ids.size }).toEqual({ height: h, distinct: 1 })
    }
  }, 180_000)
})
