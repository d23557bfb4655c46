/**
 * A real network of in-process nodes on 127.0.0.1 (docs/protocol/consensus.md, issue 5): libp2p gossip of blocks,
 * votes and transactions; the shuffled round schedule; BFT finality from gossiped votes; a node
 * that starts late catches up with blocks-by-range. Block times are short; every wait is for a
 * condition, with a generous deadline.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { hex } from '../chain/hex.js'
import { signTx, transferMessage } from '../chain/tx/signTx.js'
import { quorum } from '../consensus/finality.js'
import { devnetKeys } from '../genesis/devnet.js'
import { tempDir } from './helpers/devnet.js'
import {
  conflictingHeader,
  type NetNode,
  networkGenesis,
  startNetNode,
  stopNetNode,
} from './helpers/network.js'
import { testAccount, testNodeKey } from './helpers/staking.js'
import { waitFor } from './helpers/wait.js'

const running: NetNode[] = []
afterEach(async () => {
  for (const n of running.splice(0).reverse()) await stopNetNode(n, true).catch(() => undefined)
})

async function startAll(
  n: number,
  label: string,
  blockTimeMs: number,
  evidenceSigner?: { address: string; privateKey: Uint8Array; publicKey: Uint8Array },
) {
  const { genesis, keys } = await networkGenesis(n, label, { blockTimeMs })
  const extra = evidenceSigner === undefined ? {} : { evidenceSigner }
  const first = await startNetNode(genesis, keys[0]!, 0, { bootstrap: [], produce: true, ...extra })
  running.push(first)
  const bootstrap = first.net.p2p.multiaddrs()
  for (let i = 1; i < n; i++) {
    running.push(await startNetNode(genesis, keys[i]!, i, { bootstrap, produce: true, ...extra }))
  }
  return { genesis, keys, nodes: [...running], bootstrap }
}

/** How many different (block hash, state root) the nodes hold at height `h`. */
async function distinctAt(nodes: NetNode[], h: number): Promise<number> {
  const views = await Promise.all(nodes.map((n) => n.node.chain.getBlock(h)))
  return new Set(
    views.map((v) => (v === undefined ? 'none' : `${hex(v.hash)}/${hex(v.block.header.stateRoot)}`)),
  ).size
}

/**
 * Every node holds the same block hash and state root at every height up to the lowest head of
 * the moment, once those heights are final on every node. Above the final blocks a slot's block
 * may still be on its way to a node that built on its parent meanwhile (fork choice then moves
 * it), so the nodes may disagree there at any instant: what the protocol promises is agreement
 * on final blocks, so that is what is checked, after waiting for finality to cover the heads.
 * Returns that height.
 */
async function expectAgreement(nodes: NetNode[]): Promise<number> {
  const target = Math.min(...nodes.map((n) => n.node.chain.head.height))
  await waitFor(
    `height ${target} final on every node`,
    () => nodes.every((n) => n.node.chain.finalBlock.height >= target),
    60_000,
  )
  for (let h = 1; h <= target; h++) {
    expect({ height: h, distinct: await distinctAt(nodes, h) }).toEqual({ height: h, distinct: 1 })
  }
  return target
}

describe('a 4-validator network', () => {
  test('each produces in turn, blocks become final within 2 blocks, a transaction reaches every node, all agree', async () => {
    const { nodes, keys } = await startAll(4, 'four', 300)
    await waitFor('height 14 everywhere', () => nodes.every((n) => n.node.chain.head.height >= 14), 60_000)
    // a transaction submitted to node 3 is gossiped, included by whoever produces, applied everywhere
    const { faucet } = await devnetKeys()
    const to = testAccount('net-recipient').address
    const n3 = nodes[3]!.node
    const acc = n3.query.token.getAccount({ address: faucet.address })
    const before = BigInt(nodes[0]!.node.query.token.getAccount({ address: to }).balance.ugat)
    n3.submitTx(
      signTx(
        {
          messages: [transferMessage(faucet.address, to, 777n)],
          chainId: n3.chain.chainId,
          accountNumber: BigInt(acc.accountNumber),
          sequence: BigInt(acc.sequence),
          fee: 1_000n,
        },
        faucet.privateKey,
        faucet.publicKey,
      ),
    )
    await waitFor(
      'the transfer applied on every node',
      () =>
        nodes.every(
          (n) => BigInt(n.node.query.token.getAccount({ address: to }).balance.ugat) === before + 777n,
        ),
      30_000,
    ).catch((e: unknown) => {
      const view = nodes.map((n) => ({
        head: n.node.chain.head.height,
        final: n.node.chain.finalBlock.height,
        mempool: n.node.mempool.size,
        peers: n.net.p2p.connectedPeers().length,
        balance: n.node.query.token.getAccount({ address: to }).balance.ugat,
      }))
      throw new Error(`${(e as Error).message}: ${JSON.stringify(view)} (before ${before})`)
    })
    await waitFor('height 20 everywhere', () => nodes.every((n) => n.node.chain.head.height >= 20), 60_000)

    const common = await expectAgreement(nodes)
    // every validator produced blocks (the round order is shuffled, not fixed)
    const producers = new Map<string, number>()
    for (let h = 1; h <= common; h++) {
      const p = hex((await nodes[0]!.node.chain.getBlock(h))!.block.header.proposer)
      producers.set(p, (producers.get(p) ?? 0) + 1)
    }
    expect([...producers.keys()].sort()).toEqual(keys.map((k) => k.id).sort())
    // finality: within 2 blocks of the head, and the votes for the parent ride in each header
    for (const n of nodes) {
      expect(n.node.chain.head.height - n.node.chain.finalBlock.height).toBeLessThanOrEqual(2)
      expect(n.node.getStatus().finalHeight).toBe(n.node.chain.finalBlock.height)
    }
    const withVotes = await nodes[0]!.node.chain.getBlock(common)
    expect(withVotes!.block.header.lastCommit.length).toBeGreaterThanOrEqual(1)
    expect(quorum(4)).toBe(3)
  }, 120_000)

  test('1 of 4 stopped: production and finality go on; 2 of 4: finality stops; one back: it resumes, nothing final reverted', async () => {
    const { genesis, keys, nodes, bootstrap } = await startAll(4, 'faults', 300)
    await waitFor('height 6 everywhere', () => nodes.every((n) => n.node.chain.head.height >= 6), 60_000)

    // stop node 3 (not the bootstrap peer): 3 of 4 still reach the quorum of 3
    const stopped3 = nodes[3]!
    await stopNetNode(stopped3)
    running.splice(running.indexOf(stopped3), 1)
    const live = nodes.slice(0, 3)
    const h1 = Math.max(...live.map((n) => n.node.chain.head.height))
    await waitFor('6 more blocks', () => live.every((n) => n.node.chain.head.height >= h1 + 6), 60_000)
    for (const n of live)
      expect(n.node.chain.head.height - n.node.chain.finalBlock.height).toBeLessThanOrEqual(3)

    // stop node 2 as well: 2 of 4 produce but cannot finalise
    const stopped2 = nodes[2]!
    await stopNetNode(stopped2)
    running.splice(running.indexOf(stopped2), 1)
    const two = nodes.slice(0, 2)
    const finalAt = Math.max(...two.map((n) => n.node.chain.finalBlock.height))
    const h2 = Math.max(...two.map((n) => n.node.chain.head.height))
    await waitFor(
      '4 more blocks with 2 of 4',
      () => two.every((n) => n.node.chain.head.height >= h2 + 4),
      60_000,
    )
    // allow votes already in flight for the blocks before the stop, nothing after
    for (const n of two) expect(n.node.chain.finalBlock.height).toBeLessThanOrEqual(h2)
    const finalBefore = hex((await two[0]!.node.chain.getBlock(finalAt))!.hash)

    // node 2 comes back on its own database: it syncs, votes, and finality resumes
    const back = await startNetNode(genesis, keys[2]!, 2, {
      bootstrap,
      produce: true,
      dataDir: stopped2.dataDir,
    })
    running.push(back)
    const three = [...two, back]
    const h3 = Math.max(...three.map((n) => n.node.chain.head.height))
    await waitFor(
      'finality past the 2-of-4 stretch',
      () => three.every((n) => n.node.chain.finalBlock.height > h3),
      60_000,
    )
    expect(finalAt).toBeGreaterThan(0)
    // the block that was final before is still there, unchanged, on every node
    for (const n of three) expect(hex((await n.node.chain.getBlock(finalAt))!.hash)).toBe(finalBefore)
    await expectAgreement(three)
  }, 180_000)
})

describe('sync', () => {
  test('a node started 200 blocks late catches up with blocks-by-range, then follows gossip', async () => {
    const { genesis, nodes, bootstrap } = await startAll(2, 'sync', 150)
    await waitFor('height 200', () => nodes[0]!.node.chain.head.height >= 200, 120_000)
    const { keys } = await networkGenesis(3, 'sync', { blockTimeMs: 150 })
    // a follower (its key is not a validator's): imports only
    const late = await startNetNode(genesis, keys[2]!, 2, { bootstrap, produce: false })
    running.push(late)
    await waitFor(
      'the late node at the head',
      () => late.node.chain.head.height >= nodes[0]!.node.chain.head.height - 1,
      120_000,
    )
    const caught = late.node.chain.head.height
    // then it follows: new blocks keep arriving by gossip
    await waitFor('10 more blocks on the late node', () => late.node.chain.head.height >= caught + 10, 60_000)
    expect(late.net.syncStatus()).toMatchObject({ syncing: false })
    await expectAgreement([...nodes, late])
  }, 240_000)
})

describe('a hostile peer', () => {
  test('invalid blocks and garbage get it disconnected and banned; nothing it sends reaches state', async () => {
    const { nodes, genesis, keys } = await startAll(1, 'hostile', 300)
    const honest = nodes[0]!
    await waitFor('a few blocks', () => honest.node.chain.head.height >= 3, 30_000)
    // the rogue speaks our chain (right chain id and genesis hash) but validates nothing
    const { P2pNetwork } = await import('../chain/p2p/index.js')
    const { silentLogger } = await import('../chain/logger.js')
    const { encodeBlock, decodeBlock } = await import('../chain/codec/block.js')
    const rogueKey = testNodeKey('net-hostile-rogue')
    const rogue = new P2pNetwork(
      {
        chainId: genesis.chainId,
        privateKey: rogueKey.privateKey,
        bootstrap: honest.net.p2p.multiaddrs(),
        dht: false,
      },
      {
        logger: silentLogger(),
        getStatus: () => ({
          chainId: genesis.chainId,
          genesisHash: hex(honest.node.chain.genesisHash),
          headHeight: 0,
          headHash: hex(honest.node.chain.genesisHash),
          finalHeight: 0,
        }),
        getBlocksByRange: async () => [],
        validateTx: () => 'accept',
        validateBlock: () => 'accept',
        validateVote: () => 'accept',
      },
    )
    await rogue.start()
    try {
      await waitFor('the rogue in the block mesh', () => rogue.meshPeers('block').length > 0, 20_000)
      let sent = 0
      // forged blocks for the next height: the real next block re-signed by a key that is not scheduled
      for (let i = 0; i < 8 && !honest.net.p2p.isBanned(rogue.peerId); i++) {
        const head = await honest.node.chain.getBlock(honest.node.chain.head.height)
        const b = decodeBlock(head!.bytes)
        const forged = encodeBlock({
          ...b,
          header: {
            ...b.header,
            height: honest.node.chain.head.height + 1,
            previousHash: honest.node.chain.head.hash,
            slot: honest.node.chain.head.slot + 1_000 + i,
          },
          signature: new Uint8Array(64).fill(i + 1),
        })
        sent += await rogue.publishBlock(forged).catch(() => 0)
        await rogue.publishVote(new Uint8Array([1, 2, 3, i])).catch(() => 0)
        // pacing the forgeries (no assertion follows it): the loop ends once the rogue is banned,
        // and the ban is then waited for, bounded
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(sent).toBeGreaterThan(0)
      await waitFor('the rogue banned', () => honest.net.p2p.isBanned(rogue.peerId), 20_000)
      expect(honest.net.p2p.connectedPeers()).not.toContain(rogue.peerId)
      // no forged block was applied: every block on the honest chain was produced by its validator
      for (let h = 1; h <= honest.node.chain.head.height; h++) {
        const b = await honest.node.chain.getBlock(h)
        expect(hex(b!.block.header.proposer)).toBe(keys[0]!.id)
      }
      // and the honest node keeps producing
      const h = honest.node.chain.head.height
      await waitFor('more blocks', () => honest.node.chain.head.height >= h + 2, 20_000)
    } finally {
      await rogue.stop()
    }
  }, 90_000)
})

describe('double signing', () => {
  test('the second block of a double proposal that arrives while the first is being imported is still reported', async () => {
    const { faucet } = await devnetKeys()
    const { genesis, keys } = await networkGenesis(1, 'race', { blockTimeMs: 300 })
    // the only validator's blocks, made by a node of its own that is on no network
    const { GatherNode } = await import('../node/index.js')
    const { decodeTx } = await import('../chain/tx/decodeTx.js')
    const tmp = await tempDir('gather-net-race-')
    const producer = await GatherNode.open({ dataDir: tmp.dir, genesis, nodeKey: keys[0]!, produce: false })
    try {
      const first = await producer.produceBlock(1)
      const second = conflictingHeader(first.block, keys[0]!)
      const honest = await startNetNode(genesis, testNodeKey('net-race-follower'), 1, {
        bootstrap: [],
        produce: false,
        evidenceSigner: faucet,
      })
      running.push(honest)
      const admitted: Uint8Array[] = []
      honest.node.on('tx', (raw: Uint8Array) => admitted.push(raw))
      // both checked against the same head (height 0), as when they arrive back to back from the
      // network: the second one's import waits for the first's and then fails on its height
      const validate = (
        honest.net as unknown as {
          validateBlock(bytes: Uint8Array, from: string): Promise<string>
        }
      ).validateBlock.bind(honest.net)
      const verdicts = await Promise.all([validate(first.bytes, 'peer'), validate(second, 'peer')])
      expect(verdicts).toEqual(['accept', 'ignore'])
      expect(honest.node.chain.head.height).toBe(1)
      expect(admitted.map((raw) => decodeTx(raw, 1 << 20).messages.map((m) => m.typeUrl))).toEqual([
        ['/gather.staking.v1.MsgSubmitEvidence'],
      ])
    } finally {
      await producer.stop()
      await tmp.cleanup()
    }
  })

  test('a validator that signs two blocks for its slot is reported by the others, jailed and slashed 5 %; the chain stays final and consistent', async () => {
    const { faucet } = await devnetKeys()
    const { nodes, keys } = await startAll(4, 'double', 300, faucet)
    await waitFor('height 4 everywhere', () => nodes.every((n) => n.node.chain.head.height >= 4), 60_000)
    const cheat = nodes[3]!
    const cheatId = keys[3]!.id
    const { decodeBlock } = await import('../chain/codec/block.js')
    // the cheat's next block, then a second one for the same slot with other contents, signed too
    const h0 = cheat.node.chain.head.height
    let own: Awaited<ReturnType<typeof cheat.node.chain.getBlock>>
    await waitFor(
      'a block by the cheat',
      async () => {
        for (let h = h0; h <= cheat.node.chain.head.height; h++) {
          const b = await cheat.node.chain.getBlock(h)
          if (b !== undefined && hex(b.block.header.proposer) === cheatId) {
            own = b
            return true
          }
        }
        return false
      },
      30_000,
    )
    const second = conflictingHeader(own!.block, keys[3]!)
    expect(decodeBlock(second).header.slot).toBe(own!.block.header.slot)
    const supplyBefore = BigInt(nodes[0]!.node.query.token.getSupply({}).burned)
    await cheat.net.p2p.publishBlock(second)

    const honest = nodes.slice(0, 3)
    await waitFor(
      'the cheat jailed on every honest node',
      () =>
        honest.every((n) => {
          const v = n.node.query.staking.getNode({ nodeId: cheatId }) as { jailedUntil: number } | undefined
          return v !== undefined && v.jailedUntil > n.node.chain.head.height
        }),
      60_000,
    )
    for (const n of honest) {
      const v = n.node.query.staking.getNode({ nodeId: cheatId }) as { locked: string; status: string }
      // 5 % of its 1,000 GAT self-lock burned
      expect({ locked: v.locked, status: v.status }).toEqual({
        locked: (950n * 1_000_000n).toString(),
        status: 'jailed',
      })
      expect(BigInt(n.node.query.token.getSupply({}).burned) - supplyBefore).toBeGreaterThanOrEqual(
        50n * 1_000_000n,
      )
    }
    // the chain goes on and stays final and consistent
    const h = Math.max(...honest.map((n) => n.node.chain.finalBlock.height))
    await waitFor(
      'finality moves on',
      () => honest.every((n) => n.node.chain.finalBlock.height >= h + 3),
      60_000,
    )
    await expectAgreement(honest)
  }, 150_000)
})
