/**
 * Private groups on a 3-validator testnet of real `gather start` processes: nodes 0 and 1 produce
 * the group chains, node 2 only relays them (`--follow-group all`, no member key). Members seal
 * and open posts with the CLI and its keystore; node 0 keeps the keys of a holder-gated private
 * group with `--group-admin-key`.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { transferMessage } from '../chain/tx/signTx.js'
import type { TestnetManifest } from '../cli/commands/testnet.js'
import { createGroupMessage } from '../cli/txMessages.js'
import { keyEpochTxs } from '../modules/messaging/groupchain/keyEpochs.js'
import {
  decodeSealed,
  encodeSealed,
  SEALED_CONTENT_TYPE,
  sealPost,
} from '../modules/messaging/groupchain/sealed.js'
import { decodeGroupTx, encodeNote, signGroupTx } from '../modules/messaging/groupchain/tx.js'
import { type GatherClient, RpcClientError } from '../rpc/client.js'
import { groupKeysOf, openMessage, sealedPostTx } from '../rpc/privateGroups.js'
import { type TestWallet, testWallet } from './helpers/cli.js'
import { startPeer, type TestPeer } from './helpers/p2p.js'
import { Rng, testSeed } from './helpers/rng.js'
import { commitMain, TestnetNodes } from './helpers/testnetNodes.js'
import { waitFor } from './helpers/wait.js'

const SEED = testSeed('GATHER_PRIVATE_TESTNET_SEED')
const rng = new Rng(SEED)
const marker = (what: string): string => `${what}-${SEED.toString(16)}-${rng.bytes(12).toString('hex')}`

type Account = Awaited<ReturnType<typeof deriveAccountKey>>

/** Every file under `dir` (the node's LevelDB files, its keystore, its config). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await filesUnder(p)))
    else if (e.isFile()) out.push(p)
  }
  return out
}

/** The files under `dir` whose bytes hold `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = []
  for (const f of await filesUnder(dir)) {
    if ((await stat(f)).size === 0) continue
    if ((await readFile(f)).includes(Buffer.from(needle))) hits.push(f)
  }
  return hits
}

describe(`private groups on a 3-validator testnet (seed ${SEED}; replay with GATHER_PRIVATE_TESTNET_SEED=${SEED})`, () => {
  let tn: TestnetNodes
  let manifest: TestnetManifest
  let clients: GatherClient[]
  let chainId: string
  let wallet: TestWallet
  let listener: TestPeer | undefined
  const relayed: { bytes: Buffer; from: string }[] = []
  const acct: Record<string, Account> = {}
  let G = 0
  let PUB = 0
  const marks = { first: marker('first'), afterKick: marker('after-kick'), open: marker('public') }

  const gather = (args: string[], node = 0) => wallet.run(args, manifest.nodes[node]!.rpc)
  const ok = (args: string[], node = 0): Promise<string> => wallet.ok(args, manifest.nodes[node]!.rpc)
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p
    } catch (e) {
      if (e instanceof RpcClientError)
        return String((e.data as { code?: string } | undefined)?.code ?? e.message)
      throw e
    }
    return 'accepted'
  }
  /** Waits until every node's group head has the member with a known account key. */
  const untilKeyKnown = (groupId: number, address: string) =>
    waitFor(`${address}'s key in group ${groupId} on every node`, async () => {
      const pages = await Promise.all(clients.map((c) => c.getGroupMembers(groupId, { limit: 1000 })))
      return pages.every((p) => p.members.some((m) => m.address === address && m.publicKey !== null))
    })
  const readAs = (groupId: number, name: string, node: number) =>
    ok(['group', 'read', String(groupId), '--from', name], node)

  beforeAll(async () => {
    tn = await TestnetNodes.create(3, {
      blockTimeMs: 400,
      extra: ['--follow-group', 'all'],
      extraOf: (i) => (i === 0 ? ['--group-admin-key', 'anchor'] : []),
    })
    manifest = tn.manifest
    chainId = manifest.chainId
    clients = tn.clients
    tn.startAll()
    const keys = { faucet: manifest.faucet.index, a: 7, m: 8, n: 9, p: 12, b: 10, r: 11 }
    wallet = await testWallet(tn.tmp.dir, keys)
    for (const [name, index] of Object.entries(keys))
      acct[name] = await deriveAccountKey(TEST_MNEMONIC, index)
    acct.admin0 = await deriveAccountKey(TEST_MNEMONIC, 0) // node 0's owner: its --group-admin-key
    await tn.untilFinal(2, 120_000)
    // a listener on the group topics that knows only node 2: what node 2 relays reaches it
    const status = await clients[2]!.getStatus()
    listener = await startPeer({
      opts: { chainId, bootstrap: [manifest.nodes[2]!.p2p], dht: false },
      status: {
        chainId,
        genesisHash: status.genesisHash,
        headHeight: 0,
        headHash: '00'.repeat(32),
        finalHeight: 0,
      },
      beforeStart: (net) => {
        for (const id of [1, 2, 3, 4])
          net.joinGroupTopic(
            id,
            (bytes, from) => {
              relayed.push({ bytes: Buffer.from(bytes), from })
              return 'accept'
            },
            () => {},
          )
      },
    })
    // group 1: private (the CLI's default), owned by the faucet; group 2: public, for the control
    const producers = ['--producer', manifest.nodes[0]!.nodeId, '--producer', manifest.nodes[1]!.nodeId]
    await ok(['tx', 'create-group', 'faucet', 'secret', ...producers, '--checkpoint-interval', '3'])
    await ok(['tx', 'create-group', 'faucet', 'square', ...producers, '--public'])
    const groups = (await clients[0]!.listGroups({})).groups
    G = groups.find((g) => g.name === 'secret')!.id
    PUB = groups.find((g) => g.name === 'square')!.id
    expect((await clients[0]!.getGroup(G)).policy.private).toBe(true)
    expect((await clients[0]!.getGroup(PUB)).policy.private).toBe(false)
    await waitFor('both groups hosted on every node', async () =>
      (await Promise.all(clients.map((c) => c.listHostedGroups()))).every(
        (h) => h.includes(G) && h.includes(PUB),
      ),
    )
  }, 180_000)

  afterAll(async () => {
    await listener?.net.stop()
    await tn?.close()
  })

  test('a sealed post reaches the members on every node; node 2 relays and stores ciphertext only', async () => {
    for (const m of ['a', 'm']) await ok(['group', 'join', String(G), '--from', m])
    for (const m of ['a', 'm']) await untilKeyKnown(G, acct[m]!.address)
    // the owner's first post opens key epoch 1 for the members, then is sealed under it
    expect(await ok(['group', 'post', String(G), 'welcome', '--from', 'faucet'])).toContain(
      'sealed under key epoch 1',
    )
    await ok(['group', 'post', String(G), `the marker is ${marks.first}`, '--from', 'a'])
    for (const node of [0, 1, 2])
      await waitFor(`the post on node ${node}`, async () =>
        (await readAs(G, 'm', node)).includes(marks.first),
      )
    // the control: a public post's marker is found by the same search in node 2's files
    await ok(['group', 'join', String(PUB), '--from', 'a'])
    await ok(['group', 'post', String(PUB), `in the clear ${marks.open}`, '--from', 'a'])
    await waitFor('the public post on node 2', async () =>
      (await ok(['group', 'read', String(PUB)], 2)).includes(marks.open),
    )
    const home2 = manifest.nodes[2]!.home
    await waitFor(
      'the public marker in node 2 files',
      async () => (await filesHolding(home2, marks.open)).length > 0,
    )
    // the private marker is nowhere: files, logs, RPC answers, gossip relayed
    expect(await filesHolding(home2, marks.first)).toEqual([])
    expect(tn.output(2)).not.toContain(marks.first)
    const raw = JSON.stringify(await clients[2]!.getGroupMessages(G))
    expect(raw).not.toContain(marks.first)
    expect(raw).not.toContain(Buffer.from(marks.first).toString('base64').slice(0, 16))
    await waitFor('gossip of the group relayed by node 2', () => relayed.length > 0)
    expect(relayed.some((r) => r.bytes.includes(Buffer.from(marks.open)))).toBe(true)
    expect(relayed.filter((r) => r.bytes.includes(Buffer.from(marks.first)))).toEqual([])
  }, 120_000)

  test('after a kick the next epoch leaves the kicked member out; history follows shareHistory', async () => {
    const kick = await ok(['group', 'kick', String(G), acct.m!.address, '--from', 'faucet'])
    expect(kick).toMatch(/key epoch 2 for \d+ members/)
    await waitFor('epoch 2 on node 0', async () => (await clients[0]!.getGroupHead(G)).epoch === 2)
    await ok(['group', 'post', String(G), `said after the kick ${marks.afterKick}`, '--from', 'a'])
    await waitFor('the second post on node 2', async () =>
      (await readAs(G, 'a', 2)).includes(marks.afterKick),
    )
    const seenByM = await readAs(G, 'm', 2)
    expect(seenByM).toContain(marks.first)
    expect(seenByM).not.toContain(marks.afterKick)
    expect(seenByM).toMatch(/no key of epoch 2/)
    // M's own keys, used directly: the post after the kick does not open
    const mKeys = await groupKeysOf(clients[2]!, chainId, G, acct.m!)
    const after = (await clients[2]!.getGroupMessages(G)).messages.find((m) => m.author === acct.a!.address)!
    expect(openMessage(chainId, G, after, mKeys.keys).error).toMatch(/no key of epoch 2/)
    // shareHistory on (the default): a newcomer given the keys reads what came before
    await ok(['group', 'join', String(G), '--from', 'n'])
    await untilKeyKnown(G, acct.n!.address)
    await ok(['group', 'share', String(G), acct.n!.address, '--from', 'faucet'])
    await waitFor('n reads the history', async () => {
      const t = await readAs(G, 'n', 1)
      return t.includes(marks.first) && t.includes(marks.afterKick)
    })
    // shareHistory off: a share is refused, a newcomer gets keys only with the next epoch
    await ok([
      'group',
      'rules',
      String(G),
      '--text',
      '',
      '--retention-days',
      '0',
      '--share-history',
      'false',
      '--from',
      'faucet',
    ])
    await ok(['group', 'join', String(G), '--from', 'p'])
    await untilKeyKnown(G, acct.p!.address)
    const share = await gather(['group', 'share', String(G), acct.p!.address, '--from', 'faucet'])
    expect(share.code).toBe(1)
    expect(share.stderr).toMatch(/GROUP_HISTORY_NOT_SHARED|does not share history/)
    await ok(['group', 'rotate', String(G), '--from', 'faucet'])
    const late = marker('late')
    await ok(['group', 'post', String(G), late, '--from', 'a'])
    await waitFor('p reads the new post', async () => (await readAs(G, 'p', 0)).includes(late))
    const seenByP = await readAs(G, 'p', 0)
    expect(seenByP).not.toContain(marks.first)
    expect(seenByP).not.toContain(marks.afterKick)
  }, 120_000)

  test('tampered ciphertext, a stale epoch, a non-admin epoch, a key for a non-member: refused, nothing stored', async () => {
    const c = clients[0]!
    const head = await c.getGroupHead(G)
    const a = acct.a!
    const held = await groupKeysOf(c, chainId, G, a)
    const good = await sealedPostTx(c, chainId, G, a, { content: 'untouched' }, held)
    // a flipped ciphertext byte breaks the author's signature
    const bad = Uint8Array.from(good)
    bad[bad.length - 80]! ^= 0x01
    const nonce = (await c.getGroupMember(G, a.address)).nextNonce
    const sign = (action: Parameters<typeof signGroupTx>[1]['action'], who: Account = a, n = nonce) =>
      signGroupTx(chainId, { groupId: G, publicKey: who.publicKey, nonce: n, action }, who.privateKey)
    const stale = sign({
      kind: 'post',
      contentType: SEALED_CONTENT_TYPE,
      content: sealPost(chainId, G, a.address, 1, held.keys.get(1)!, encodeNote({ content: 'old key' })),
    })
    const nonAdmin = keyEpochTxs(chainId, G, a, nonce, head.epoch + 1, [a]).txs[0]!
    const faucetNonce = (await c.getGroupMember(G, acct.faucet!.address)).nextNonce
    const outsider = acct.r!
    const forOutsider = keyEpochTxs(chainId, G, acct.faucet!, faucetNonce, head.epoch + 1, [
      acct.faucet!,
      outsider,
    ]).txs[0]!
    const codes = [
      await refusal(c.postGroupTx(bad)),
      await refusal(c.postGroupTx(stale)),
      await refusal(c.postGroupTx(nonAdmin)),
      await refusal(c.postGroupTx(forOutsider)),
    ]
    expect(codes).toEqual([
      'GROUP_BAD_SIGNATURE',
      'GROUP_STALE_EPOCH',
      'GROUP_NOT_ADMIN',
      'GROUP_KEY_FOR_NON_MEMBER',
    ])
    const now = await c.getGroupHead(G)
    expect({ height: now.height, pending: now.pending, epoch: now.epoch }).toEqual({
      height: head.height,
      pending: 0,
      epoch: head.epoch,
    })
    // ciphertext changed by its own author (signed again) is stored, and its readers see it fail
    const tx = decodeGroupTx(good)
    const s = decodeSealed((tx.body.action as { content: Uint8Array }).content)
    const flipped = Uint8Array.from(s.ciphertext)
    flipped[0]! ^= 0x01
    const { id } = await c.postGroupTx(
      sign({
        kind: 'post',
        contentType: SEALED_CONTENT_TYPE,
        content: encodeSealed({ ...s, ciphertext: flipped }),
      }),
    )
    await waitFor('the changed post in a block', async () =>
      (await c.getGroupMessages(G)).messages.some((m) => m.id === id),
    )
    const m = (await c.getGroupMessages(G)).messages.find((x) => x.id === id)!
    expect(openMessage(chainId, G, m, (await groupKeysOf(c, chainId, G, a)).keys).error).toMatch(
      /changed or sealed elsewhere/,
    )
  }, 60_000)

  test('a sealed post proves against the anchored checkpoint, and its member opens the proven bytes', async () => {
    const c = clients[1]!
    const aKeys = (await groupKeysOf(c, chainId, G, acct.a!)).keys
    const post = (await c.getGroupMessages(G)).messages.find((m) =>
      openMessage(chainId, G, m, aKeys).note?.content.includes(marks.first),
    )!
    await waitFor(
      'a checkpoint above the post',
      async () => {
        const cps = await c.getCheckpoints(G)
        return cps.checkpoints.some((cp) => cp.height >= post.height)
      },
      60_000,
    )
    const file = join(tn.tmp.dir, 'proof.json')
    await ok(['group', 'proof', String(G), post.id, '--out', file], 1)
    const verified = await ok(['verify-inclusion', '--proof', file, '--from', 'a'], 1)
    expect(verified).toMatch(/valid\s+yes/)
    expect(verified).toMatch(/plaintext\s+.*the AEAD tag ties it to the proven bytes/)
    const proof = JSON.parse(await readFile(file, 'utf8')) as { message: string }
    const bytes = Buffer.from(proof.message, 'base64')
    bytes[bytes.length - 70]! ^= 0x01
    await writeFile(file, JSON.stringify({ ...proof, message: bytes.toString('base64') }))
    const broken = await gather(['verify-inclusion', '--proof', file, '--from', 'a'], 1)
    expect(broken.code).toBe(1)
  }, 90_000)

  test('a holder-gated private group kept by --group-admin-key: a new holder reads new posts with no admin command', async () => {
    const c = clients[0]!
    const owner = acct.admin0!
    const producers = [manifest.nodes[0]!.nodeId, manifest.nodes[1]!.nodeId]
    expect(
      await commitMain(c, chainId, owner, [
        createGroupMessage(owner.address, {
          name: 'holders',
          producers,
          policy: { minGatBalance: 5_000_000n, private: true },
        }),
      ]),
    ).toMatchObject({ code: 0 })
    const id = (await c.listGroups({})).groups.find((g) => g.name === 'holders')!.id
    await waitFor('the holders group hosted on node 0', async () => (await c.listHostedGroups()).includes(id))
    const faucet = acct.faucet!
    for (const who of [acct.b!, acct.r!])
      expect(
        await commitMain(c, chainId, faucet, [transferMessage(faucet.address, who.address, 10_000_000n)]),
      ).toMatchObject({ code: 0 })
    const final = (await c.getStatus()).height
    await tn.untilFinal(final)
    // b joins: node 0's key service opens epoch 1 for b (and the owner)
    await ok(['group', 'join', String(id), '--from', 'b'], 1)
    await waitFor('epoch 1 wrapped for b by the service', async () =>
      (await c.getGroupKeys(id, acct.b!.address)).keys.some((k) => k.epoch === 1),
    )
    // r joins; the service shares the key within one group block
    await ok(['group', 'join', String(id), '--from', 'r'], 2)
    let joinedAt = 0
    await waitFor('r a member', async () => {
      const m = (await c.getGroupMembers(id, { limit: 100 })).members.find(
        (x) => x.address === acct.r!.address,
      )
      joinedAt = m?.joinedAt ?? 0
      return joinedAt > 0
    })
    await waitFor(
      'a key for r',
      async () => (await c.getGroupKeys(id, acct.r!.address)).keys.length > 0,
      10_000,
    )
    const keyHeight = (await c.getGroupHead(id)).height
    expect(keyHeight - joinedAt).toBeLessThanOrEqual(2)
    const text = marker('gated')
    await ok(['group', 'post', String(id), text, '--from', 'b'], 1)
    await waitFor(
      'r reads the new post on node 2',
      async () => (await readAs(id, 'r', 2)).includes(text),
      10_000,
    )
    expect(tn.output(0)).toMatch(/group key service: (keys shared with newcomers|new key epoch sent)/)
  }, 120_000)
})
