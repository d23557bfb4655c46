/**
 * Bad input to a running node's group chains, over RPC and over the group's gossip topic: a
 * one-validator testnet node (`gather start`, real libp2p) that produces group 1, and an attacker
 * that is a real libp2p peer on 127.0.0.1. Each input is refused with its own code, nothing is
 * stored (the group head and messages do not move), the sending peer is scored down, and the
 * node keeps serving.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { nodeKeyFromSeed, signEd25519 } from '../chain/crypto/ed25519.js'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { anchorCheckpointMessage, createGroupMessage } from '../cli/txMessages.js'
import { encodeGroupBlock, encodeGroupHeader, groupBlockHash } from '../modules/messaging/groupchain/block.js'
import { signCheckpoint } from '../modules/messaging/groupchain/checkpoint.js'
import { leafHash, rootOfLeaves } from '../modules/messaging/groupchain/merkle.js'
import {
  decodeGroupTx,
  encodeNote,
  type GroupAction,
  MAX_POST_BYTES,
  signGroupTx,
} from '../modules/messaging/groupchain/tx.js'
import { encodeGroupGossip } from '../node/groups/wire.js'
import { type GatherClient, RpcClientError } from '../rpc/client.js'
import { startPeer, type TestPeer } from './helpers/p2p.js'
import { commitMain, TestnetNodes } from './helpers/testnetNodes.js'
import { waitFor } from './helpers/wait.js'

describe('bad input to group chains on a running node', () => {
  let tn: TestnetNodes
  let client: GatherClient
  let attacker: TestPeer | undefined
  let owner: Awaited<ReturnType<typeof deriveAccountKey>>
  let alice: Awaited<ReturnType<typeof deriveAccountKey>>
  let chainId: string

  const sendMain = async (msgs: ReturnType<typeof createGroupMessage>[]) => {
    const r = await commitMain(client, chainId, owner, msgs)
    expect({ code: r.code, log: r.log }).toEqual({ code: 0, log: '' })
  }

  const groupTx = (who: typeof alice, groupId: number, nonce: number, action: GroupAction) =>
    signGroupTx(chainId, { groupId, publicKey: who.publicKey, nonce, action }, who.privateKey)
  const note = (text: string): GroupAction => ({
    kind: 'post',
    contentType: 'application/activity+json',
    content: encodeNote({ content: text }),
  })
  const refusal = async (tx: Uint8Array): Promise<{ code: number; data: string }> => {
    try {
      await client.postGroupTx(tx)
    } catch (e) {
      if (e instanceof RpcClientError)
        return { code: e.code, data: String((e.data as { code?: string })?.code) }
      throw e
    }
    throw new Error('the group transaction was admitted')
  }

  beforeAll(async () => {
    tn = await TestnetNodes.create(1, { blockTimeMs: 300, extra: ['--follow-group', 'all'] })
    tn.startAll()
    await tn.untilFinal(2)
    client = tn.clients[0]!
    chainId = tn.manifest.chainId
    owner = await deriveAccountKey(TEST_MNEMONIC, tn.manifest.faucet.index)
    alice = await deriveAccountKey(TEST_MNEMONIC, 9)
    // group 1: produced by the node; group 2: by a key nobody runs, about to be frozen
    const frozenKey = nodeKeyFromSeed(new Uint8Array(32).fill(3))
    await sendMain([
      createGroupMessage(owner.address, { name: 'open', producers: [tn.manifest.nodes[0]!.nodeId] }),
      createGroupMessage(owner.address, {
        name: 'frozen',
        producers: [Buffer.from(frozenKey.publicKey).toString('hex')],
      }),
    ])
    const cp = (n: number) => ({
      groupId: 2,
      height: 1,
      blockHash: new Uint8Array(32).fill(n),
      stateRoot: new Uint8Array(32).fill(n),
      accumulatorRoot: new Uint8Array(32).fill(n),
    })
    for (const n of [1, 2])
      await sendMain([
        anchorCheckpointMessage(owner.address, cp(n), [signCheckpoint(chainId, cp(n), frozenKey)]),
      ])
    await waitFor('group 2 frozen', async () => (await client.getGroup(2)).frozen, 20_000)
    await waitFor('both groups hosted', async () => (await client.listHostedGroups()).length === 2, 20_000)
    await client.postGroupTx(groupTx(alice, 1, 1, { kind: 'join' }))
    await client.postGroupTx(groupTx(alice, 1, 2, note('the one good post')))
    await waitFor(
      'the good post in a block',
      async () => (await client.getGroupHead(1)).pending === 0,
      20_000,
    )
  }, 150_000)

  afterAll(async () => {
    await attacker?.net.stop()
    await tn?.close()
  })

  test('over RPC: forged signature, replayed nonce and bytes, oversized post, unknown and frozen group', async () => {
    const before = await client.getGroupHead(1)
    const messages = (await client.getGroupMessages(1)).messages.length
    const forged = groupTx(alice, 1, 3, note('forged'))
    forged[forged.length - 1]! ^= 1
    const good = groupTx(alice, 1, 3, note('once'))
    await client.postGroupTx(good)
    const cases: [string, Uint8Array, string][] = [
      ['forged signature', forged, 'GROUP_BAD_SIGNATURE'],
      ['the same bytes again', good, 'GROUP_TX_ALREADY_KNOWN'],
      ['a used nonce', groupTx(alice, 1, 2, note('replay of nonce 2')), 'GROUP_BAD_NONCE'],
      [
        'an oversized post',
        groupTx(alice, 1, 4, {
          kind: 'post',
          contentType: 'text/plain',
          content: randomBytes(MAX_POST_BYTES + 1),
        }),
        'GROUP_POST_TOO_LARGE',
      ],
      ['an unknown group', groupTx(alice, 99, 1, note('nobody here')), 'GROUP_UNKNOWN'],
      ['a frozen group', groupTx(alice, 2, 1, { kind: 'join' }), 'GROUP_FROZEN'],
      ['garbage', randomBytes(200), 'GROUP_TX_MALFORMED'],
    ]
    for (const [what, tx, code] of cases)
      expect({ what, ...(await refusal(tx)) }).toEqual({ what, code: -32002, data: code })
    await waitFor(
      'the one good post in a block',
      async () => (await client.getGroupHead(1)).pending === 0,
      20_000,
    )
    const after = await client.getGroupHead(1)
    expect(after.height).toBe(before.height + 1)
    expect((await client.getGroupMessages(1)).messages.length).toBe(messages + 1)
    expect((await client.getGroupHead(2)).height).toBe(0)
  }, 60_000)

  test('on the group topic: garbage and a block from a non-producer are refused and the sender scored down', async () => {
    const status = await client.getStatus()
    attacker = await startPeer({
      opts: { chainId, bootstrap: [tn.manifest.nodes[0]!.p2p], dht: false },
      status: {
        chainId,
        genesisHash: status.genesisHash,
        headHeight: 0,
        headHash: '00'.repeat(32),
        finalHeight: 0,
      },
      beforeStart: (net) =>
        net.joinGroupTopic(
          1,
          () => 'accept',
          () => {},
        ),
    })
    const net = attacker.net
    const nodePeer = (await client.getPeers()).peerId ?? ''
    await waitFor(
      "the node in the attacker's group topic",
      () => net.groupTopicPeers(1).includes(nodePeer),
      20_000,
    )
    const scoreOf = async (): Promise<number> =>
      (await client.getPeers()).peers.find((p) => p.id === attacker!.id)?.score ?? 0
    const head = await client.getGroupHead(1)
    // garbage
    await net.publishGroup(1, randomBytes(300))
    await waitFor('the attacker scored down for garbage', async () => (await scoreOf()) < 0, 20_000)
    const afterGarbage = await scoreOf()
    // a well-formed block for the next height, signed by a key that is not the group's producer
    const stranger = nodeKeyFromSeed(new Uint8Array(32).fill(9))
    const tx = groupTx(alice, 1, 10, note('smuggled'))
    const header = {
      groupId: 1,
      height: head.height + 1,
      previousHash: Buffer.from(head.hash, 'hex'),
      producer: stranger.publicKey,
      timeMs: Date.now(),
      txRoot: rootOfLeaves([leafHash(tx)]),
      stateRoot: new Uint8Array(32),
      accumulatorRoot: Buffer.from(head.accumulatorRoot, 'hex'),
      txCount: 1,
      mainHeight: head.mainHeight,
      round: 0,
      removed: [],
    }
    const block = encodeGroupBlock({
      header,
      txs: [tx],
      signature: signEd25519(stranger.privateKey, groupBlockHash(encodeGroupHeader(header))),
    })
    await net.publishGroup(1, encodeGroupGossip({ kind: 'block', block }))
    await waitFor('the attacker scored down again', async () => (await scoreOf()) < afterGarbage, 20_000)
    // nothing stored, and the node keeps serving
    expect(await client.getGroupHead(1)).toMatchObject({ height: head.height, hash: head.hash })
    const smuggled = decodeGroupTx(tx).id
    expect((await client.getGroupMessages(1)).messages.some((m) => m.id === smuggled)).toBe(false)
    const h = (await client.getStatus()).height
    await waitFor('the chain moves on', async () => (await client.getStatus()).height > h, 20_000)
    expect(tn.output(0)).toMatch(
      /invalid group block refused.*GROUP_BLOCK_NOT_PRODUCER|GROUP_BLOCK_NOT_PRODUCER.*invalid group block refused/,
    )
  }, 60_000)
})
