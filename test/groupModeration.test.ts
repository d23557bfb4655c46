/**
 * Group chains on real group blocks (node/groups): an in-process devnet node (real classic-level
 * database, real secp256k1 group transactions, real ed25519 group blocks) hosts a group it
 * produces; the test makes the main-chain blocks. Posting, moderation, the cap, the holder gate,
 * tombstones, automatic anchoring and a proof that verifies against the anchored checkpoint.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { ChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import { silentLogger } from '../chain/logger.js'
import { transferMessage } from '../chain/tx/signTx.js'
import { anchorCheckpointMessage, createGroupMessage } from '../cli/txMessages.js'
import { decodeAnchoredCheckpoint, signCheckpoint } from '../modules/messaging/groupchain/checkpoint.js'
import { proofFromJson, verifyInclusion } from '../modules/messaging/groupchain/proof.js'
import { encodeNote, type GroupAction, signGroupTx } from '../modules/messaging/groupchain/tx.js'
import { checkpointKey } from '../modules/messaging/method.js'
import { GroupHost } from '../node/groups/groupHost.js'
import { openDevnetNode } from './helpers/devnet.js'
import { TxDriver } from './helpers/messaging.js'
import { type AccountSigner, testAccount } from './helpers/staking.js'
import { waitFor } from './helpers/wait.js'

const GAT = 1_000_000n

type Devnet = Awaited<ReturnType<typeof openDevnetNode>>
let open: { dn: Devnet; host: GroupHost } | undefined
afterEach(async () => {
  await open?.host.stop()
  await open?.dn.close()
  open = undefined
})

const owner = testAccount('group-owner')
const alice = testAccount('group-alice')
const bob = testAccount('group-bob')
const carol = testAccount('group-carol')
const anchor = testAccount('group-anchor')

async function setup(
  policy: { maxMembers?: number; minGatBalance?: bigint; checkpointInterval?: number } = {},
) {
  const dn = await openDevnetNode()
  const d = new TxDriver(dn.node, dn.genesis.chainId)
  await d.fund(dn.keys, [owner, alice, bob, carol, anchor], 1_000n * GAT)
  await d.commit(owner, [
    createGroupMessage(owner.address, {
      name: 'moderated',
      producers: [hex(dn.keys.nodeKey.publicKey)],
      policy: { checkpointInterval: 2, ...policy },
    }),
  ])
  // one more block: the group is final
  await d.block()
  const host = new GroupHost(
    dn.node,
    { follow: [], serve: [], anchorSigner: anchor, chain: { blockTimeMs: 50 } },
    dn.node.chain.db.groupSpace(),
    silentLogger(),
  )
  await host.start()
  open = { dn, host }
  expect(host.hosted()).toEqual([1])
  return { dn, d, host, chainId: dn.genesis.chainId }
}

function txOf(chainId: string, who: AccountSigner, nonce: number, action: GroupAction): Uint8Array {
  return signGroupTx(chainId, { groupId: 1, publicKey: who.publicKey, nonce, action }, who.privateKey)
}

/** Signs with the next nonce the node reports and submits; resolves to the message id. */
async function send(
  host: GroupHost,
  chainId: string,
  who: AccountSigner,
  action: GroupAction,
): Promise<string> {
  const nonce = host.account(1, who.address).nextNonce
  return (await host.submit(txOf(chainId, who, nonce, action))).id
}

async function refusal(host: GroupHost, chainId: string, who: AccountSigner, action: GroupAction) {
  try {
    await send(host, chainId, who, action)
  } catch (e) {
    if (e instanceof ChainError) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error(`${action.kind} by ${who.address} was admitted`)
}

const note = (text: string): GroupAction => ({
  kind: 'post',
  contentType: 'application/activity+json',
  content: encodeNote({ content: text }),
})

/** Waits until the group has no pending transactions (they are in a block). */
async function settled(host: GroupHost): Promise<void> {
  await waitFor('the group block', () => host.head(1).pending === 0, 10_000)
}

describe('group chain on real group blocks', () => {
  test('members post; mutes, mute-all, kick, ban and admin rights hold; each refusal says why', async () => {
    const { host, chainId } = await setup()
    expect(await refusal(host, chainId, alice, note('before joining'))).toMatchObject({
      code: 'GROUP_NOT_MEMBER',
    })
    await send(host, chainId, alice, { kind: 'join' })
    await send(host, chainId, bob, { kind: 'join' })
    const first = await send(host, chainId, alice, note('hello group'))
    await settled(host)
    const head = host.head(1)
    expect(head.height).toBeGreaterThanOrEqual(1)
    expect(head.producing).toBe(true)
    const read = await host.messages(1, { limit: 10 })
    expect(
      read.map((m) => [m.id, m.author, JSON.parse(Buffer.from(m.content!, 'base64').toString()).content]),
    ).toEqual([[first, alice.address, 'hello group']])

    // a non-admin's admin action
    expect(await refusal(host, chainId, bob, { kind: 'kick', member: alice.address })).toMatchObject({
      code: 'GROUP_NOT_ADMIN',
    })
    // mute alice for a moment: refused with the time, then accepted once it passed
    const until = Date.now() + 1_500
    await send(host, chainId, owner, { kind: 'mute', member: alice.address, untilMs: until })
    await settled(host)
    const muted = await refusal(host, chainId, alice, note('while muted'))
    expect(muted.code).toBe('GROUP_MUTED')
    expect(muted.message).toBe(`muted until ${new Date(until).toISOString().replace('.000Z', 'Z')}`)
    await waitFor('the mute to end', () => Date.now() > until, 5_000)
    await send(host, chainId, alice, note('after the mute'))

    // mute-all: only admins post
    await send(host, chainId, owner, { kind: 'muteAll', untilMs: Date.now() + 60_000 })
    await settled(host)
    expect((await refusal(host, chainId, bob, note('muted all'))).code).toBe('GROUP_MUTED_ALL')
    await send(host, chainId, owner, note('the owner still posts'))
    await send(host, chainId, owner, { kind: 'muteAll', untilMs: 0 })
    await settled(host)
    await send(host, chainId, bob, note('mute-all lifted'))

    // kick: may rejoin; ban: may not, until unbanned
    await send(host, chainId, owner, { kind: 'kick', member: bob.address })
    await settled(host)
    expect((await refusal(host, chainId, bob, note('kicked'))).code).toBe('GROUP_NOT_MEMBER')
    await send(host, chainId, bob, { kind: 'join' })
    await send(host, chainId, owner, { kind: 'ban', member: bob.address })
    await settled(host)
    const banned = await refusal(host, chainId, bob, { kind: 'join' })
    expect(banned).toEqual({ code: 'GROUP_BANNED', message: `banned by ${owner.address}` })
    await send(host, chainId, owner, { kind: 'unban', member: bob.address })
    await settled(host)
    await send(host, chainId, bob, { kind: 'join' })
    await settled(host)

    // admins: the owner names them; an admin mutes, a non-owner cannot set admins
    expect((await refusal(host, chainId, alice, { kind: 'setAdmins', admins: [alice.address] })).code).toBe(
      'GROUP_NOT_OWNER',
    )
    await send(host, chainId, owner, { kind: 'setAdmins', admins: [alice.address] })
    await settled(host)
    await send(host, chainId, alice, { kind: 'mute', member: bob.address, untilMs: Date.now() + 60_000 })
    expect((await refusal(host, chainId, alice, { kind: 'kick', member: owner.address })).code).toBe(
      'GROUP_TARGET_IS_ADMIN',
    )
    await settled(host)
    expect(host.members(1, { offset: 0, limit: 10 })).toMatchObject({
      owner: owner.address,
      total: 3,
      admins: [owner.address, alice.address],
    })
    // every block is signed by this node's key, and the group state is the same after a restart
    const before = host.head(1)
    await host.stop()
    const again = new GroupHost(
      open!.dn.node,
      { follow: [], serve: [] },
      open!.dn.node.chain.db.groupSpace(),
      silentLogger(),
    )
    await again.start()
    open!.host = again
    expect(again.head(1)).toMatchObject({
      height: before.height,
      hash: before.hash,
      stateRoot: before.stateRoot,
    })
  }, 60_000)

  test('the cap holds: a join beyond maxMembers is refused with the group size', async () => {
    const { host, chainId } = await setup({ maxMembers: 3 })
    await send(host, chainId, alice, { kind: 'join' })
    await send(host, chainId, bob, { kind: 'join' })
    expect(await refusal(host, chainId, carol, { kind: 'join' })).toEqual({
      code: 'GROUP_FULL',
      message: 'the group is full (3 members)',
    })
    await send(host, chainId, bob, { kind: 'leave' })
    await send(host, chainId, carol, { kind: 'join' })
    await settled(host)
    expect(host.members(1, { offset: 0, limit: 10 }).total).toBe(3)
  }, 30_000)

  test('holder gate: a member whose GAT falls below it is removed in the next group block; one who rises joins', async () => {
    const { d, host, chainId } = await setup({ minGatBalance: 500n * GAT })
    await send(host, chainId, alice, { kind: 'join' })
    await settled(host)
    expect(host.account(1, alice.address).member).toBe(true)
    // alice sends most of her GAT to carol: below the gate on the main chain, then final
    await d.commit(alice, [transferMessage(alice.address, carol.address, 700n * GAT)])
    await d.block()
    await waitFor('alice removed by the holder gate', () => !host.account(1, alice.address).member, 10_000)
    expect((await refusal(host, chainId, alice, { kind: 'join' })).code).toBe('GROUP_BELOW_GATE')
    // carol now holds 1,700 GAT: she joins
    await send(host, chainId, carol, { kind: 'join' })
    await settled(host)
    expect(host.account(1, carol.address).member).toBe(true)
  }, 30_000)

  test('checkpoints anchor themselves; a post and a deleted post prove against the anchored checkpoint', async () => {
    const { dn, d, host, chainId } = await setup()
    await send(host, chainId, alice, { kind: 'join' })
    const kept = await send(host, chainId, alice, note('kept'))
    await settled(host)
    const gone = await send(host, chainId, alice, note('to be deleted'))
    await settled(host)
    await send(host, chainId, owner, { kind: 'delete', messageId: gone })
    await send(host, chainId, alice, note('after'))
    await settled(host)
    const messages = await host.messages(1, { limit: 10 })
    expect(messages.find((m) => m.id === gone)).toMatchObject({
      deleted: true,
      content: null,
      deletedBy: owner.address,
    })
    // the checkpoint submission is in the mempool: a main block anchors it
    await waitFor('the checkpoint transaction', () => dn.node.mempool.size > 0, 10_000)
    await d.block()
    const group = dn.node.query.messaging.getGroup({ groupId: 1 })
    expect(group?.lastCheckpointHeight).toBeGreaterThanOrEqual(2)
    for (const id of [kept, gone]) {
      const json = await host.messageProof(1, id)
      const proof = proofFromJson(json)
      const cpKey = checkpointKey(1, proof.checkpointHeight)
      const stored = dn.node.chain.state.get(cpKey)!
      const cp = decodeAnchoredCheckpoint(stored)
      expect(verifyInclusion(proof, cp)).toMatchObject({ valid: true })
      // one changed byte fails
      const bad = proofFromJson(json)
      if (bad.message.length > 0) bad.message[bad.message.length - 1]! ^= 1
      else bad.leafHash![0]! ^= 1
      expect(verifyInclusion(bad, cp)).toMatchObject({ valid: false, code: 'PROOF_TX_ROOT_MISMATCH' })
    }
  }, 30_000)

  test("a producer that sees a conflicting checkpoint submits it: the group freezes without anyone's hand", async () => {
    const { dn, d, host, chainId } = await setup()
    // someone holding the producer key anchors a checkpoint for height 2 that is not the chain's
    const fake = {
      groupId: 1,
      height: 2,
      blockHash: new Uint8Array(32).fill(0xee),
      stateRoot: new Uint8Array(32).fill(0xee),
      accumulatorRoot: new Uint8Array(32).fill(0xee),
    }
    await d.commit(owner, [
      anchorCheckpointMessage(owner.address, fake, [signCheckpoint(chainId, fake, dn.keys.nodeKey)]),
    ])
    await d.block()
    // the node's own chain reaches height 2: its checkpoint conflicts with the anchored one
    await send(host, chainId, alice, { kind: 'join' })
    await settled(host)
    await send(host, chainId, alice, note('second block'))
    await settled(host)
    expect(host.head(1).height).toBe(2)
    await waitFor('the evidence in the mempool', () => dn.node.mempool.size > 0, 10_000)
    await d.block()
    await d.block()
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })).toMatchObject({ frozen: true })
    await waitFor(
      'the host to see the freeze',
      async () => {
        try {
          await send(host, chainId, alice, note('after the freeze'))
          return false
        } catch (e) {
          return e instanceof ChainError && e.code === 'GROUP_FROZEN'
        }
      },
      10_000,
    )
  }, 30_000)
})
