import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import type { TestnetManifest } from '../cli/commands/testnet.js'
import { decodeGroupHeader } from '../modules/messaging/groupchain/block.js'
import { encodeNote, signGroupTx } from '../modules/messaging/groupchain/tx.js'
import type { GatherClient } from '../rpc/client.js'
import { type TestWallet, testWallet } from './helpers/cli.js'
import { Rng, testSeed } from './helpers/rng.js'
import { TestnetNodes } from './helpers/testnetNodes.js'
import { waitFor } from './helpers/wait.js'

const SEED = testSeed('GATHER_GROUP_TESTNET_SEED')

describe('group chains on a 3-validator testnet', () => {
  let tn: TestnetNodes
  let manifest: TestnetManifest
  let clients: GatherClient[]
  let wallet: TestWallet
  let member: Awaited<ReturnType<typeof deriveAccountKey>>
  let chainId: string
  const startNode = (i: number): void => tn.start(i)
  const stopNode = (i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => tn.stop(i, signal)

  const gather = (args: string[], node = 0) => wallet.run(args, manifest.nodes[node]!.rpc)
  const ok = (args: string[], node = 0): Promise<string> => wallet.ok(args, manifest.nodes[node]!.rpc)

  /** Posts a note through node 0's RPC (signed here, as an app would); resolves to its id. */
  const post = async (text: string): Promise<string> => {
    const nonce = (await clients[0]!.getGroupMember(1, member.address)).nextNonce
    const tx = signGroupTx(
      chainId,
      {
        groupId: 1,
        publicKey: member.publicKey,
        nonce,
        action: {
          kind: 'post',
          contentType: 'application/activity+json',
          content: encodeNote({ content: text }),
        },
      },
      member.privateKey,
    )
    return (await clients[0]!.postGroupTx(tx)).id
  }

  const heads = () => Promise.all(clients.map((c) => c.getGroupHead(1)))
  /** Each node's group head (height, hash prefix, pending), for a failure's message. */
  const headsSeen = async (): Promise<string> =>
    (
      await Promise.all(
        clients.map((c, i) =>
          c.getGroupHead(1).then(
            (h) => `node ${i} ${h.height} ${h.hash.slice(0, 8)} pending ${h.pending}`,
            (e: Error) => `node ${i} ${e.message}`,
          ),
        ),
      )
    ).join(', ')

  /** A wait whose timeout also names every node's group head. */
  const withHeads = (wait: Promise<void>): Promise<void> =>
    wait.catch(async (e: Error) => {
      throw new Error(`${e.message}; heads: ${await headsSeen()}`)
    })

  beforeAll(async () => {
    tn = await TestnetNodes.create(3, { blockTimeMs: 400, extra: ['--follow-group', 'all'] })
    manifest = tn.manifest
    chainId = manifest.chainId
    clients = tn.clients
    tn.startAll()
    // a wallet with the faucet (the group's owner) and a member key
    wallet = await testWallet(tn.tmp.dir, {
      faucet: manifest.faucet.index,
      member: 7,
    })
    member = await deriveAccountKey(TEST_MNEMONIC, 7)
    await tn.untilFinal(2)
  }, 150_000)

  afterAll(async () => {
    await tn?.close()
  })

  test('a member posts through node 0; every node shows it from a producer-signed block; it is anchored and proven', async () => {
    const [, n1, n2] = manifest.nodes
    await ok([
      'tx',
      'create-group',
      'faucet',
      'testnet room',
      '--producer',
      n1!.nodeId,
      '--producer',
      n2!.nodeId,
      '--checkpoint-interval',
      '3',
      // public: this test signs plain Notes (private groups have test/privateGroupTestnet.test.ts)
      '--public',
    ])
    await waitFor(
      'every node to host group 1',
      async () => (await Promise.all(clients.map((c) => c.listHostedGroups()))).every((g) => g.includes(1)),
      30_000,
    )
    await ok(['group', 'join', '1', '--from', 'member'])
    const out = await ok(['group', 'post', '1', 'hello from node 0', '--from', 'member', '--json'])
    const { id } = JSON.parse(out) as { id: string }
    // from the moment node 0 accepted it: how long until each node's group store shows it
    const posted = Date.now()
    const seenAt = await Promise.all(
      clients.map(async (c, i) => {
        await waitFor(
          `node ${i} to show the post`,
          async () => (await c.getGroupMessages(1, { limit: 5 })).messages.some((m) => m.id === id),
          20_000,
        )
        return Date.now() - posted
      }),
    )
    for (const [i] of manifest.nodes.entries())
      expect(await ok(['group', 'read', '1'], i)).toMatch(/member|gat1[0-9a-z]+: hello from node 0/)
    process.stdout.write(`post in the group store of nodes 0, 1, 2 after ${seenAt.join(', ')} ms\n`)
    // the block holding it is signed by one of the producers
    const [msg] = (await clients[2]!.getGroupMessages(1, { limit: 1 })).messages
    expect(msg).toMatchObject({ author: member.address, deleted: false })
    // more posts until the checkpoint interval passes; nobody anchors by hand
    for (let k = 0; k < 4; k++) {
      await post(`filler ${k}`)
      await waitFor(
        'the post in a block',
        async () => (await clients[0]!.getGroupHead(1)).pending === 0,
        20_000,
      )
    }
    await waitFor(
      'a checkpoint on the main chain',
      async () => (await clients[0]!.getCheckpoints(1)).checkpoints.length > 0,
      30_000,
    )
    const checkpoints = await ok(['query', 'checkpoints', '1'])
    expect(checkpoints).toMatch(/^3\s+[0-9a-f]{64}\s+2\s+\d+/m)
    // proof → verify-inclusion against a final main-chain block; one changed byte fails
    const proofFile = join(tn.tmp.dir, 'proof.json')
    await ok(['group', 'proof', '1', msg!.id, '--out', proofFile])
    const proof = JSON.parse(await readFile(proofFile, 'utf8')) as { blockHeader: string; message: string }
    const header = decodeGroupHeader(Buffer.from(proof.blockHeader, 'base64'))
    expect([n1!.nodeId, n2!.nodeId]).toContain(Buffer.from(header.producer).toString('hex'))
    expect(await ok(['verify-inclusion', '--proof', proofFile, '--json'], 2)).toMatch(/"valid": true/)
    const bytes = Buffer.from(proof.message, 'base64')
    bytes[bytes.length - 1]! ^= 1
    await writeFile(proofFile, JSON.stringify({ ...proof, message: bytes.toString('base64') }))
    const bad = await gather(['verify-inclusion', '--proof', proofFile, '--json'], 1)
    expect(bad.stdout).toMatch(/"code": "PROOF_TX_ROOT_MISMATCH"/)
  }, 180_000)

  test('one producer stopped: posts still go through; restarted, it syncs and both producers hold one head', async () => {
    await stopNode(1)
    const during: string[] = []
    for (let k = 0; k < 3; k++) {
      during.push(await post(`while node 1 is down ${k}`))
      await waitFor(
        'the post in a block on node 2',
        async () => (await clients[2]!.getGroupHead(1)).pending === 0,
        30_000,
      )
    }
    // node 0 (which only follows the group) has them from node 2's blocks
    await waitFor(
      'node 0 to show the posts made while node 1 was down',
      async () => {
        const read0 = (await clients[0]!.getGroupMessages(1, { limit: 10 })).messages.map((m) => m.id)
        return during.every((id) => read0.includes(id))
      },
      20_000,
    )
    startNode(1)
    await waitFor(
      'node 1 to catch up with node 2',
      async () => {
        try {
          const [, h1, h2] = await heads()
          return h1!.hash === h2!.hash && h1!.height >= 1
        } catch {
          return false
        }
      },
      60_000,
    )
    const [h0, h1, h2] = await heads()
    expect(h1).toMatchObject({ height: h2!.height, hash: h2!.hash, stateRoot: h2!.stateRoot })
    expect(h0).toMatchObject({ hash: h2!.hash })
  }, 150_000)

  test('posts that only a follower holds, gossiped while both producers were down, reach a block when they are back', async () => {
    await Promise.all([stopNode(1), stopNode(2)])
    // node 0 admits them into its pool; its gossip reaches no producer
    const held = [await post('held by node 0 alone 1'), await post('held by node 0 alone 2')]
    expect((await clients[0]!.getGroupHead(1)).pending).toBe(2)
    startNode(1)
    startNode(2)
    // node 0 offers them again once they have waited two turns and a block time
    await withHeads(
      waitFor(
        'the held posts in a block on every node',
        async () => {
          try {
            const lists = await Promise.all(clients.map((c) => c.getGroupMessages(1, { limit: 10 })))
            return lists.every((l) => held.every((id) => l.messages.some((m) => m.id === id)))
          } catch {
            return false
          }
        },
        60_000,
      ),
    )
    expect((await clients[0]!.getGroupHead(1)).pending).toBe(0)
  }, 150_000)

  test(`kill -9 of a producer while it produces, many times: its group store equals its peers' (seed ${SEED})`, async () => {
    const rng = new Rng(SEED)
    let sending = true
    let sent = 0
    const load = (async () => {
      while (sending) {
        try {
          await post(`load ${sent}`)
          sent++
        } catch {
          // node 0 busy or the author's nonce raced: the next round signs again
        }
        await withHeads(
          waitFor(
            'node 0 to drain its pool',
            async () => (await clients[0]!.getGroupHead(1)).pending < 5,
            30_000,
          ),
        )
      }
    })()
    for (let k = 0; k < 5; k++) {
      const victim = 1 + rng.int(2)
      const before = (await clients[victim]!.getGroupHead(1)).height
      // kill right after it stored one of its blocks (seeded 0-400 ms later)
      await waitFor(
        'a new group block',
        async () => (await clients[victim]!.getGroupHead(1)).height > before,
        30_000,
      ).catch(async (e: Error) => {
        throw new Error(`${e.message} on node ${victim} (kill ${k + 1}); heads: ${await headsSeen()}`)
      })
      await new Promise<void>((r) => setTimeout(r, rng.int(400)))
      await stopNode(victim, 'SIGKILL')
      startNode(victim)
      await waitFor(
        `node ${victim} back after kill ${k + 1}`,
        async () => {
          try {
            await clients[victim]!.getGroupHead(1)
            return true
          } catch {
            return false
          }
        },
        60_000,
      )
    }
    sending = false
    await load
    expect(sent).toBeGreaterThan(0)
    await waitFor(
      'all three nodes to hold one group head',
      async () => {
        try {
          const hs = await heads()
          return hs.every((h) => h.hash === hs[0]!.hash && h.pending === 0)
        } catch {
          return false
        }
      },
      90_000,
    )
    const hs = await heads()
    for (const h of hs) expect(h).toMatchObject({ height: hs[0]!.height, stateRoot: hs[0]!.stateRoot })
    // the stores hold the same messages
    const lists = await Promise.all(clients.map((c) => c.getGroupMessages(1, { limit: 200 })))
    const ids = lists.map((l) => l.messages.map((m) => m.id).join(','))
    expect(new Set(ids).size).toBe(1)
  }, 300_000)
})
