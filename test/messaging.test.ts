/**
 * Groups, GIDs and checkpoint anchoring on real blocks (docs/protocol/groups.md): an in-process devnet node
 * (real classic-level database in a temp folder, real secp256k1 transactions, real ed25519
 * producer signatures); the group chain is built with the library in
 * modules/messaging/groupchain, as the group-chain runtime will.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { publicKeyFromPrivateKey } from '../chain/crypto/secp256k1.js'
import { statePath, stateValueHash } from '../chain/store/committedState.js'
import { proofFromJson as smtProofFromJson, verifyProof } from '../chain/store/smt.js'
import { transferMessage } from '../chain/tx/signTx.js'
import {
  anchorCheckpointMessage,
  createGroupMessage,
  encodeAnyMessage,
  registerGidMessage,
  transferGidMessage,
  updateGroupMessage,
} from '../cli/txMessages.js'
import { GroupChainBuilder } from '../modules/messaging/groupchain/chain.js'
import {
  decodeAnchoredCheckpoint,
  type GroupCheckpoint,
  signCheckpoint,
} from '../modules/messaging/groupchain/checkpoint.js'
import { proofFromJson, proofToJson, verifyInclusion } from '../modules/messaging/groupchain/proof.js'
import { signPost } from '../modules/messaging/groupchain/tx.js'
import { GatherClient, RpcClientError } from '../rpc/client.js'
import { openDevnetNode } from './helpers/devnet.js'
import { TxDriver } from './helpers/messaging.js'
import { startRpcNode } from './helpers/rpcNode.js'
import { type AccountSigner, testAccount, testNodeKey } from './helpers/staking.js'

const POSTER = (() => {
  const privateKey = new Uint8Array(32).fill(7)
  return { privateKey, publicKey: publicKeyFromPrivateKey(privateKey) }
})()

const GAT = 1_000_000n
const FEE = 1_000n
const GROUP_FEE = 10n * GAT
const GID_FEE = GAT

type Devnet = Awaited<ReturnType<typeof openDevnetNode>>
let open: Devnet | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

/** A second devnet node (same genesis) imports every block `d` produced and reaches the same state root. */
async function replayOnFollower(d: TxDriver): Promise<void> {
  const f = await openDevnetNode({ node: { checkInvariants: true } })
  try {
    await d.replay(f.node)
  } finally {
    await f.close()
  }
}

async function setup(accounts: AccountSigner[] = []) {
  const dn = await openDevnetNode({ node: { checkInvariants: true } })
  open = dn
  const d = new TxDriver(dn.node, dn.genesis.chainId)
  if (accounts.length > 0) await d.fund(dn.keys, accounts, 1_000n * GAT)
  return { dn, d }
}

const producers = ['p1', 'p2', 'p3'].map((l) => testNodeKey(`messaging-${l}`))
const [p1, p2, p3] = producers as [
  ReturnType<typeof testNodeKey>,
  ReturnType<typeof testNodeKey>,
  ReturnType<typeof testNodeKey>,
]

/** A group chain of `blocks` blocks, each with a few posts, produced by p1. */
function groupChain(groupId: number, blocks: number, salt = ''): GroupChainBuilder {
  const chain = new GroupChainBuilder(groupId)
  for (let b = 1; b <= blocks; b++) {
    const txs = Array.from({ length: 2 + (b % 3) }, (_, i) =>
      signPost('gather-test', 1, POSTER, b * 10 + i, {
        contentType: 'application/activity+json',
        content: new TextEncoder().encode(JSON.stringify({ type: 'Note', content: `${salt}post ${b}.${i}` })),
      }),
    )
    chain.append({ producer: p1, txs, timeMs: 1_700_000_000_000 + b * 1000 })
  }
  return chain
}

const sigs = (chainId: string, cp: GroupCheckpoint, keys: typeof producers) =>
  keys.map((k) => signCheckpoint(chainId, cp, k))

describe('GID identity', () => {
  test('next free and chosen numbers, one per address, transfer, resolve; the fee is burned', async () => {
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((l) => testAccount(`gid-${l}`)) as [
      AccountSigner,
      AccountSigner,
      AccountSigner,
    ]
    const { dn, d } = await setup([alice, bob, carol])
    const burnedBefore = BigInt(dn.node.query.token.getSupply({}).burned)
    const aliceBefore = d.balance(alice.address)

    // alice takes 2 by choice, bob asks for the next free (1), carol asks next (3: 2 is taken)
    const b1 = await d.commit(alice, [registerGidMessage(alice.address, 2n)])
    expect(b1.txs[0]!.events).toContain(`identity.gid_registered gid=2 owner=${alice.address} fee=${GID_FEE}`)
    await d.commit(bob, [registerGidMessage(bob.address, 0n)])
    await d.commit(carol, [registerGidMessage(carol.address, 0n)])
    expect(dn.node.query.identity.resolve({ gid: 1n })?.address).toBe(bob.address)
    expect(dn.node.query.identity.resolve({ address: carol.address })?.gid).toBe('3')
    expect(dn.node.query.identity.resolve({ gid: 99n })).toBeUndefined()

    // the fee is burned: the supply's burned grows by 3 registrations and 3 tx fees
    expect(BigInt(dn.node.query.token.getSupply({}).burned) - burnedBefore).toBe(3n * (GID_FEE + FEE))
    expect(aliceBefore - d.balance(alice.address)).toBe(GID_FEE + FEE)

    // refusals, nothing written
    expect(d.refusal(alice, [registerGidMessage(alice.address, 7n)]).code).toBe('IDENTITY_ADDRESS_HAS_GID')
    const dave = testAccount('gid-dave')
    await d.fund(dn.keys, [dave], 2n * GAT)
    const taken = d.refusal(dave, [registerGidMessage(dave.address, 2n)])
    expect(taken).toMatchObject({ code: 'IDENTITY_GID_TAKEN' })
    expect(taken.message).toMatch(/next free GID is 4/)
    expect(d.refusal(bob, [transferGidMessage(bob.address, 2n, dave.address)]).code).toBe(
      'IDENTITY_NOT_GID_OWNER',
    )
    expect(d.refusal(bob, [transferGidMessage(bob.address, 1n, carol.address)]).code).toBe(
      'IDENTITY_ADDRESS_HAS_GID',
    )
    expect(d.refusal(bob, [transferGidMessage(bob.address, 0n, dave.address)]).code).toBe(
      'IDENTITY_INVALID_GID',
    )
    const eve = testAccount('gid-eve')
    await d.fund(dn.keys, [eve], GID_FEE)
    // eve holds exactly the GID fee, but the transaction fee comes first
    expect(d.refusal(eve, [registerGidMessage(eve.address, 0n)]).code).toBe('TOKEN_INSUFFICIENT_BALANCE')

    // transfer: bob's GID 1 goes to dave; bob may register again and gets the next free (4)
    const t = await d.commit(bob, [transferGidMessage(bob.address, 1n, dave.address)])
    expect(t.txs[0]!.events).toContain(
      `identity.gid_transferred gid=1 from=${bob.address} to=${dave.address}`,
    )
    expect(dn.node.query.identity.resolve({ gid: 1n })).toMatchObject({ gid: '1', address: dave.address })
    expect(dn.node.query.identity.resolve({ address: bob.address })).toBeUndefined()
    await d.commit(bob, [registerGidMessage(bob.address, 0n)])
    expect(dn.node.query.identity.resolve({ address: bob.address })?.gid).toBe('4')
    // the largest uint64 is a valid choice
    await d.fund(dn.keys, [eve], 2n * GAT)
    await d.commit(eve, [registerGidMessage(eve.address, (1n << 64n) - 1n)])
    expect(dn.node.query.identity.resolve({ address: eve.address })?.gid).toBe('18446744073709551615')
    expect(dn.node.query.identity.resolve({ gid: 5n })).toBeUndefined()
  }, 60_000)
})

describe('groups', () => {
  test('creation burns its fee; maxMembers above 10,000 and bad thresholds are refused; only managers update; parents manage children', async () => {
    const [alice, bob] = ['alice', 'bob'].map((l) => testAccount(`group-${l}`)) as [
      AccountSigner,
      AccountSigner,
    ]
    const { dn, d } = await setup([alice, bob])
    const burnedBefore = BigInt(dn.node.query.token.getSupply({}).burned)
    const ids = producers.map((p) => p.id)

    const created = await d.commit(alice, [
      createGroupMessage(alice.address, { name: 'gardeners', producers: ids, policy: { maxMembers: 500 } }),
    ])
    expect(created.txs[0]!.events).toContain(
      `messaging.group_created group_id=1 owner=${alice.address} name=gardeners parent_group=0 fee=${GROUP_FEE}`,
    )
    expect(created.txs[0]!.events).toContain(
      `token.burn address=${alice.address} amount=${GROUP_FEE} reason=group_creation`,
    )
    expect(BigInt(dn.node.query.token.getSupply({}).burned) - burnedBefore).toBe(GROUP_FEE + FEE)
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })).toMatchObject({
      id: 1,
      owner: alice.address,
      name: 'gardeners',
      producers: ids,
      threshold: 2, // the default: a majority of 3
      policy: {
        maxMembers: 500,
        minGatBalance: '0',
        holderGated: false,
        parentGroup: 0,
        membersMayBefriend: false,
      },
      frozen: false,
      lastCheckpointHeight: 0,
      lastCheckpoint: null,
    })

    // maxMembers: 10,000 is the limit (0 means it); 10,001 is refused before anything is written
    const before = dn.node.chain.state.size
    const over = d.refusal(alice, [
      createGroupMessage(alice.address, { name: 'big', policy: { maxMembers: 10_001 } }),
    ])
    expect(over.code).toBe('MESSAGING_MAX_MEMBERS_EXCEEDED')
    expect(over.message).toMatch(/10001 is above the limit of 10000/)
    expect(dn.node.mempool.size).toBe(0)
    expect(dn.node.chain.state.size).toBe(before)
    await d.commit(alice, [
      createGroupMessage(alice.address, { name: 'max', policy: { maxMembers: 10_000 } }),
      createGroupMessage(alice.address, { name: 'default' }),
    ])
    expect(dn.node.query.messaging.getGroup({ groupId: 2 })?.policy.maxMembers).toBe(10_000)
    expect(dn.node.query.messaging.getGroup({ groupId: 3 })).toMatchObject({
      policy: { maxMembers: 10_000 },
      producers: [],
      ownerProduces: true,
      threshold: 1,
    })

    // thresholds must be more than half of the producers, and at most all of them
    for (const threshold of [1, 4]) {
      const r = d.refusal(alice, [
        createGroupMessage(alice.address, { name: 'x', producers: ids, threshold }),
      ])
      expect({ threshold, code: r.code }).toEqual({ threshold, code: 'MESSAGING_INVALID_THRESHOLD' })
    }
    expect(
      d.refusal(alice, [createGroupMessage(alice.address, { name: 'x', producers: [ids[0]!, ids[0]!] })])
        .code,
    ).toBe('MESSAGING_INVALID_PRODUCERS')
    expect(d.refusal(alice, [createGroupMessage(alice.address, { name: '' })]).code).toBe(
      'MESSAGING_INVALID_NAME',
    )

    // only the owner updates; a stranger cannot, nor attach a child to someone else's group
    expect(d.refusal(bob, [updateGroupMessage(bob.address, 1, { name: 'mine' })]).code).toBe(
      'MESSAGING_NOT_GROUP_MANAGER',
    )
    expect(
      d.refusal(bob, [createGroupMessage(bob.address, { name: 'squatter', policy: { parentGroup: 1 } })])
        .code,
    ).toBe('MESSAGING_NOT_GROUP_MANAGER')
    expect(
      d.refusal(bob, [createGroupMessage(bob.address, { name: 'orphan', policy: { parentGroup: 99 } })]).code,
    ).toBe('MESSAGING_UNKNOWN_PARENT')
    expect(d.refusal(bob, [updateGroupMessage(bob.address, 42, { name: 'x' })]).code).toBe(
      'MESSAGING_UNKNOWN_GROUP',
    )

    // groups of groups: alice creates a child of 1 and hands it to bob; both manage it now
    await d.commit(alice, [createGroupMessage(alice.address, { name: 'seeds', policy: { parentGroup: 1 } })])
    await d.commit(alice, [updateGroupMessage(alice.address, 4, { newOwner: bob.address })])
    expect(dn.node.query.messaging.getGroup({ groupId: 4 })).toMatchObject({
      owner: bob.address,
      policy: { parentGroup: 1 },
    })
    await d.commit(bob, [updateGroupMessage(bob.address, 4, { name: 'seed swap' })])
    const byParent = await d.commit(alice, [
      updateGroupMessage(alice.address, 4, { policy: { parentGroup: 1, maxMembers: 50 } }),
    ])
    expect(byParent.txs[0]!.events).toContain(
      `messaging.group_updated group_id=4 by=${alice.address} owner=${bob.address} producers= threshold=1`,
    )
    expect(dn.node.query.messaging.getGroup({ groupId: 4 })).toMatchObject({
      name: 'seed swap',
      policy: { maxMembers: 50 },
    })
    expect(d.refusal(bob, [updateGroupMessage(bob.address, 1, { name: 'up' })]).code).toBe(
      'MESSAGING_NOT_GROUP_MANAGER',
    )
    // a group cannot move under its own child
    expect(
      d.refusal(alice, [updateGroupMessage(alice.address, 1, { policy: { parentGroup: 4 } })]).code,
    ).toBe('MESSAGING_PARENT_CYCLE')
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })?.children).toBe(1)
    // privacy is chosen at creation: an update that would flip it is refused
    expect(
      d.refusal(alice, [updateGroupMessage(alice.address, 1, { policy: { parentGroup: 0, private: true } })])
        .code,
    ).toBe('MESSAGING_PRIVACY_FIXED')
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })?.policy.private).toBe(false)

    // lists: by owner, by parent, paged
    expect(dn.node.query.messaging.listGroups({ owner: alice.address }).groups.map((g) => g.id)).toEqual([
      1, 2, 3,
    ])
    expect(dn.node.query.messaging.listGroups({ owner: bob.address }).groups.map((g) => g.id)).toEqual([4])
    expect(dn.node.query.messaging.listGroups({ parent: 1 })).toMatchObject({
      parent: 1,
      total: 1,
      groups: [{ id: 4, name: 'seed swap' }],
    })
    expect(dn.node.query.messaging.listGroups({ offset: 1, limit: 2 })).toMatchObject({
      total: 4,
      offset: 1,
      limit: 2,
    })
    expect(dn.node.query.messaging.listGroups({ offset: 1, limit: 2 }).groups.map((g) => g.id)).toEqual([
      2, 3,
    ])
  }, 60_000)

  test('holder gate: membership from main-chain balances and an event when an account crosses minGatBalance either way', async () => {
    const [alice, zed] = ['alice', 'zed'].map((l) => testAccount(`gate-${l}`)) as [
      AccountSigner,
      AccountSigner,
    ]
    const { dn, d } = await setup([alice])
    await d.commit(alice, [
      createGroupMessage(alice.address, { name: 'holders', policy: { minGatBalance: 100n * GAT } }),
    ])
    await d.commit(alice, [
      createGroupMessage(alice.address, { name: 'whales', policy: { minGatBalance: 500n * GAT } }),
    ])
    expect(dn.node.query.messaging.isMember({ groupId: 1, address: alice.address })).toMatchObject({
      holderGated: true,
      member: true,
    })
    expect(dn.node.query.messaging.isMember({ groupId: 1, address: zed.address })).toMatchObject({
      holderGated: true,
      member: false,
      balance: '0',
      minGatBalance: (100n * GAT).toString(),
    })

    // zed receives 150 GAT: joins "holders", not "whales"
    const joined = await d.commit(dn.keys.faucet, [
      transferMessage(dn.keys.faucet.address, zed.address, 150n * GAT),
    ])
    expect(joined.events).toContain(
      `messaging.holder_joined group_id=1 address=${zed.address} balance=${150n * GAT} min_gat_balance=${100n * GAT}`,
    )
    expect(joined.events.filter((e) => e.includes('group_id=2'))).toEqual([])
    expect(dn.node.query.messaging.isMember({ groupId: 1, address: zed.address })?.member).toBe(true)

    // zed sends 60 GAT away (and pays the fee): below 100 GAT, it leaves; alice crosses nothing
    const left = await d.commit(zed, [transferMessage(zed.address, alice.address, 60n * GAT)])
    expect(left.events).toContain(
      `messaging.holder_left group_id=1 address=${zed.address} balance=${90n * GAT - FEE} min_gat_balance=${100n * GAT}`,
    )
    expect(left.events.filter((e) => e.includes(alice.address))).toEqual([])
    expect(dn.node.query.messaging.isMember({ groupId: 1, address: zed.address })?.member).toBe(false)
    // exactly at a threshold is in: one transfer lands zed on 500 GAT and crosses both gates at once
    const both = await d.commit(dn.keys.faucet, [
      transferMessage(dn.keys.faucet.address, zed.address, 410n * GAT + FEE),
    ])
    expect(both.events.filter((e) => e.includes(zed.address))).toEqual([
      `messaging.holder_joined group_id=1 address=${zed.address} balance=${500n * GAT} min_gat_balance=${100n * GAT}`,
      `messaging.holder_joined group_id=2 address=${zed.address} balance=${500n * GAT} min_gat_balance=${500n * GAT}`,
    ])
    expect(dn.node.query.messaging.isMember({ groupId: 2, address: zed.address })?.member).toBe(true)
    // the owner lifts the gate of "whales": no more events for it
    await d.commit(alice, [updateGroupMessage(alice.address, 2, { policy: { minGatBalance: 0n } })])
    const after = await d.commit(zed, [transferMessage(zed.address, alice.address, GAT)])
    expect(after.events.filter((e) => e.includes(zed.address))).toEqual([])
    expect(dn.node.query.messaging.isMember({ groupId: 2, address: zed.address })).toMatchObject({
      holderGated: false,
      member: null,
    })
    // a group that is not holder-gated decides membership on its group chain
    await d.commit(alice, [createGroupMessage(alice.address, { name: 'open' })])
    expect(dn.node.query.messaging.isMember({ groupId: 3, address: zed.address })).toMatchObject({
      holderGated: false,
      member: null,
    })
    expect(dn.node.query.messaging.isMember({ groupId: 9, address: zed.address })).toBeUndefined()
    await replayOnFollower(d)
  }, 60_000)
})

const flip = (b: Uint8Array, at = 0): Uint8Array => {
  const c = Uint8Array.from(b)
  c[at] = c[at]! ^ 1
  return c
}
const flipB64 = (s: string, at = 0): string =>
  Buffer.from(flip(Buffer.from(s, 'base64'), at)).toString('base64')
const flipHex = (s: string): string => Buffer.from(flip(Buffer.from(s, 'hex'))).toString('hex')

describe('checkpoint anchoring and inclusion proofs', () => {
  test('a group chain anchored twice by real transactions; an early message proves through group_verifyInclusion and a standalone verifier; one altered byte fails with a reason', async () => {
    const rn = await startRpcNode()
    try {
      const [alice, bob] = ['alice', 'bob'].map((l) => testAccount(`anchor-${l}`)) as [
        AccountSigner,
        AccountSigner,
      ]
      const d = new TxDriver(rn.node, rn.genesis.chainId)
      const client = new GatherClient(rn.url)
      await d.fund(rn.keys, [alice, bob], 1_000n * GAT)
      await d.commit(alice, [
        createGroupMessage(alice.address, { name: 'town hall', producers: producers.map((p) => p.id) }),
      ])

      // the group chain: 8 blocks of posts, built with the library as a producer would
      const chain = groupChain(1, 8)
      const cp4 = chain.checkpoint(4)
      const cp8 = chain.checkpoint(8)
      const a4 = await d.commit(alice, [
        anchorCheckpointMessage(alice.address, cp4, sigs(d.chainId, cp4, [p1, p2])),
      ])
      expect(a4.txs[0]!.events).toContain(
        `messaging.checkpoint_anchored group_id=1 height=4 block_hash=${Buffer.from(cp4.blockHash).toString('hex')} signers=${p1.id},${p2.id}`,
      )
      // anyone may submit: bob carries p2's and p3's signatures
      await d.commit(bob, [anchorCheckpointMessage(bob.address, cp8, sigs(d.chainId, cp8, [p2, p3]))])

      const listed = await client.getCheckpoints(1)
      expect(listed).toMatchObject({ groupId: 1, total: 2 })
      expect(listed.checkpoints.map((c) => [c.height, c.signers, c.submitter])).toEqual([
        [8, [p2.id, p3.id], bob.address],
        [4, [p1.id, p2.id], alice.address],
      ])
      expect(
        (await client.getCheckpoints(1, { offset: 1, limit: 1 })).checkpoints.map((c) => c.height),
      ).toEqual([4])
      expect(await client.getGroup(1)).toMatchObject({
        lastCheckpointHeight: 8,
        checkpointCount: 2,
        lastCheckpoint: { height: 8 },
      })

      // a message in block 2, proven up to the checkpoint at 8 (and at 4)
      const proofJson = JSON.parse(JSON.stringify(proofToJson(chain.prove(2, 1, 8))))
      const viaRpc = await client.verifyInclusion(proofJson)
      expect(viaRpc).toMatchObject({ valid: true, groupId: 1, height: 2, txIndex: 1, checkpointHeight: 8 })
      expect((await client.verifyInclusion(proofToJson(chain.prove(2, 1, 4)))).valid).toBe(true)
      expect((await client.verifyInclusion(proofToJson(chain.prove(8, 0, 8)))).valid).toBe(true)

      // standalone: fetch the checkpoint's state value with a proof against the head's state root,
      // check it, and verify the message with that checkpoint alone (no trust in the node's verdict)
      const key = listed.checkpoints[0]!.key
      const sp = await client.getProof(key)
      const value = Buffer.from(sp.value!, 'base64')
      expect(
        verifyProof(
          Buffer.from(sp.stateRoot, 'hex'),
          statePath(key),
          stateValueHash(value),
          smtProofFromJson(sp.proof),
        ),
      ).toEqual({ ok: true })
      const anchored = decodeAnchoredCheckpoint(value)
      expect(verifyInclusion(proofFromJson(proofJson), anchored)).toMatchObject({ valid: true, height: 2 })

      // one altered byte: message, tx path, accumulator path, header, checkpoint → invalid, with the reason
      const bad = async (p: unknown) => {
        const r = await client.verifyInclusion(p)
        if (r.valid) throw new Error('an altered proof verified')
        return r
      }
      const m = await bad({ ...proofJson, message: flipB64(proofJson.message, 3) })
      expect(m).toMatchObject({ valid: false, code: 'PROOF_TX_ROOT_MISMATCH' })
      expect(m.reason).toMatch(/the message is not transaction 1 of block 2/)
      expect(
        await bad({ ...proofJson, txPath: [flipHex(proofJson.txPath[0]), ...proofJson.txPath.slice(1)] }),
      ).toMatchObject({
        code: 'PROOF_TX_ROOT_MISMATCH',
      })
      const acc = proofJson.accumulator
      const accBad = await bad({
        ...proofJson,
        accumulator: { ...acc, path: [flipHex(acc.path[0]), ...acc.path.slice(1)] },
      })
      expect(accBad).toMatchObject({ code: 'PROOF_ACCUMULATOR_MISMATCH' })
      expect(accBad.reason).toMatch(/the checkpoint's accumulator root is/)
      expect(
        (await bad({ ...proofJson, checkpointHeader: flipB64(proofJson.checkpointHeader, 50) })).code,
      ).toMatch(/PROOF_(BLOCK_HASH_MISMATCH|MALFORMED)/)
      expect(await bad({ ...proofJson, checkpointHeight: 6 })).toMatchObject({ code: 'PROOF_NO_CHECKPOINT' })
      const checkpointBad = [
        verifyInclusion(proofFromJson(proofJson), {
          ...anchored,
          accumulatorRoot: flip(anchored.accumulatorRoot),
        }),
        verifyInclusion(proofFromJson(proofJson), { ...anchored, blockHash: flip(anchored.blockHash) }),
        verifyInclusion(proofFromJson(proofJson), { ...anchored, stateRoot: flip(anchored.stateRoot, 31) }),
      ]
      expect(checkpointBad.map((r) => (r.valid ? 'VALID' : r.code))).toEqual([
        'PROOF_CHECKPOINT_MISMATCH',
        'PROOF_BLOCK_HASH_MISMATCH',
        'PROOF_CHECKPOINT_MISMATCH',
      ])
      for (const r of checkpointBad) expect(r.valid ? '' : r.reason).not.toBe('')

      // malformed proofs are invalid params, not verdicts
      for (const p of [
        { ...proofJson, txPath: ['zz'] },
        { ...proofJson, extra: 1 },
        { ...proofJson, groupId: 0 },
      ]) {
        const err = await client.verifyInclusion(p).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(RpcClientError)
        expect((err as RpcClientError).code).toBe(-32602)
      }
      await expect(client.getGroup(99)).rejects.toMatchObject({ code: -32001 })
      await expect(client.isGroupMember(99, alice.address)).rejects.toMatchObject({ code: -32001 })
      await expect(client.getCheckpoints(99)).rejects.toMatchObject({ code: -32001 })
      // identity_resolve and group_list params: one of gid/address, one of owner/parent, limit ≤ 100
      await d.commit(alice, [registerGidMessage(alice.address, 0n)])
      expect(await client.resolveIdentity({ gid: '1' })).toMatchObject({ gid: '1', address: alice.address })
      expect(await client.call('identity_resolve', { gid: 1 })).toMatchObject({ address: alice.address })
      for (const [method, params] of [
        ['identity_resolve', { gid: '1', address: alice.address }],
        ['identity_resolve', {}],
        ['identity_resolve', { gid: '01' }],
        ['identity_resolve', { gid: -1 }],
        ['group_list', { owner: alice.address, parent: 1 }],
        ['group_list', { limit: 101 }],
        ['group_getCheckpoints', { groupId: 1, offset: -1 }],
        ['group_get', { groupId: '1' }],
        ['group_isMember', { groupId: 1, address: 'gat1nope' }],
      ] as const) {
        const err = await client.call(method, params).catch((e: unknown) => e)
        expect({ method, params, code: (err as RpcClientError).code }).toEqual({
          method,
          params,
          code: -32602,
        })
      }
      await expect(client.resolveIdentity({ address: bob.address })).rejects.toMatchObject({ code: -32001 })
    } finally {
      await rn.close()
    }
  }, 60_000)

  test('below threshold, non-producers, bad or duplicate signatures, non-increasing heights and frozen groups are refused; conflicting checkpoints freeze the group until the owner rotates producers', async () => {
    const [alice, bob] = ['alice', 'bob'].map((l) => testAccount(`freeze-${l}`)) as [
      AccountSigner,
      AccountSigner,
    ]
    const { dn, d } = await setup([alice, bob])
    const p4 = testNodeKey('messaging-p4')
    const outsider = testNodeKey('messaging-outsider')
    await d.commit(alice, [
      createGroupMessage(alice.address, {
        name: 'council',
        producers: producers.map((p) => p.id),
        threshold: 2,
      }),
    ])
    const chain = groupChain(1, 6)
    const cp = (h: number) => chain.checkpoint(h)
    const anchor = (c: GroupCheckpoint, keys: typeof producers, by = bob) =>
      anchorCheckpointMessage(by.address, c, sigs(d.chainId, c, keys))
    await d.commit(bob, [anchor(cp(3), [p1, p2])])

    const refused = (msg: ReturnType<typeof anchor>) => d.refusal(bob, [msg])
    expect(refused(anchor(cp(5), [p1]))).toMatchObject({ code: 'MESSAGING_BELOW_THRESHOLD' })
    expect(refused(anchor(cp(5), [p1])).message).toMatch(
      /1 producer signature\(s\); group 1 needs 2 of its 3 producers/,
    )
    expect(refused(anchor(cp(5), [p1, outsider]))).toMatchObject({ code: 'MESSAGING_NOT_PRODUCER' })
    // p2's signature over another checkpoint, and over this one for another chain id
    const wrongBody = { ...signCheckpoint(d.chainId, cp(4), p2) }
    expect(
      refused(anchorCheckpointMessage(bob.address, cp(5), [signCheckpoint(d.chainId, cp(5), p1), wrongBody])),
    ).toMatchObject({ code: 'MESSAGING_BAD_CHECKPOINT_SIGNATURE' })
    expect(
      refused(
        anchorCheckpointMessage(bob.address, cp(5), [
          signCheckpoint(d.chainId, cp(5), p1),
          signCheckpoint('another-chain', cp(5), p2),
        ]),
      ),
    ).toMatchObject({ code: 'MESSAGING_BAD_CHECKPOINT_SIGNATURE' })
    const s1 = signCheckpoint(d.chainId, cp(5), p1)
    expect(refused(anchorCheckpointMessage(bob.address, cp(5), [s1, s1]))).toMatchObject({
      code: 'MESSAGING_DUPLICATE_SIGNER',
    })
    expect(refused(anchor(cp(2), [p1, p2]))).toMatchObject({ code: 'MESSAGING_HEIGHT_NOT_INCREASING' })
    expect(refused(anchor(cp(3), [p2, p3]))).toMatchObject({ code: 'MESSAGING_CHECKPOINT_EXISTS' })
    expect(refused(anchor({ ...cp(5), groupId: 9 }, [p1, p2]))).toMatchObject({
      code: 'MESSAGING_UNKNOWN_GROUP',
    })
    expect(
      refused(anchorCheckpointMessage(bob.address, { ...cp(5), blockHash: new Uint8Array(31) }, [s1])),
    ).toMatchObject({ code: 'MESSAGING_INVALID_CHECKPOINT' })
    expect(dn.node.mempool.size).toBe(0)
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })).toMatchObject({
      lastCheckpointHeight: 3,
      checkpointCount: 1,
      frozen: false,
    })

    // a fork of the group chain: another block 3, signed by p2 and p3; p2 signed both
    const fork = groupChain(1, 6, 'fork ')
    const conflict = await d.commit(bob, [anchor(fork.checkpoint(3), [p2, p3])])
    expect(conflict.txs[0]!.events).toContain(
      `messaging.group_frozen group_id=1 height=3 culprits=${p2.id} submitter=${bob.address}`,
    )
    const frozen = dn.node.query.messaging.getGroup({ groupId: 1 })!
    expect(frozen).toMatchObject({ frozen: true, lastCheckpointHeight: 3, checkpointCount: 1 })
    expect(frozen.evidence).toHaveLength(1)
    expect(frozen.evidence[0]).toMatchObject({ height: 3, culprits: [p2.id], resolved: false })
    expect(frozen.evidence[0]!.conflicting.blockHash).toBe(
      Buffer.from(fork.checkpoint(3).blockHash).toString('hex'),
    )
    // the anchored checkpoint stays the first one
    expect(dn.node.query.messaging.getCheckpoints({ groupId: 1, ...{} })?.checkpoints[0]?.blockHash).toBe(
      Buffer.from(cp(3).blockHash).toString('hex'),
    )

    // frozen: nothing anchors, however well signed
    expect(refused(anchor(cp(5), [p1, p3]))).toMatchObject({ code: 'MESSAGING_GROUP_FROZEN' })
    // the owner must rotate p2 out; keeping it is refused, a rename leaves the group frozen
    expect(
      d.refusal(alice, [updateGroupMessage(alice.address, 1, { producers: [p1.id, p2.id, p4.id] })]),
    ).toMatchObject({ code: 'MESSAGING_CULPRIT_RETAINED' })
    expect(
      d.refusal(bob, [updateGroupMessage(bob.address, 1, { producers: [p1.id, p3.id, p4.id] })]),
    ).toMatchObject({
      code: 'MESSAGING_NOT_GROUP_MANAGER',
    })
    await d.commit(alice, [updateGroupMessage(alice.address, 1, { name: 'council (frozen)' })])
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })?.frozen).toBe(true)
    const rotated = await d.commit(alice, [
      updateGroupMessage(alice.address, 1, { producers: [p1.id, p3.id, p4.id] }),
    ])
    expect(rotated.txs[0]!.events).toContain(
      `messaging.group_unfrozen group_id=1 producers=${p1.id},${p3.id},${p4.id}`,
    )
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })).toMatchObject({
      frozen: false,
      threshold: 2,
      evidence: [{ resolved: true }],
    })

    // anchoring resumes with the new producers; p2 no longer counts
    expect(refused(anchor(cp(5), [p1, p2]))).toMatchObject({ code: 'MESSAGING_NOT_PRODUCER' })
    await d.commit(bob, [anchor(cp(5), [p1, p4])])
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })).toMatchObject({
      lastCheckpointHeight: 5,
      checkpointCount: 2,
    })
    // another node importing these blocks checks every signature and reaches the same state
    await replayOnFollower(d)
  }, 60_000)

  test('a group without producers is produced by its owner: its own transaction anchors, and it can be frozen and rotated too', async () => {
    const [alice, bob] = ['alice', 'bob'].map((l) => testAccount(`owner-${l}`)) as [
      AccountSigner,
      AccountSigner,
    ]
    const { dn, d } = await setup([alice, bob])
    await d.commit(alice, [createGroupMessage(alice.address, { name: 'diary' })])
    const chain = groupChain(1, 3)
    await d.commit(alice, [anchorCheckpointMessage(alice.address, chain.checkpoint(2), [])])
    expect(dn.node.query.messaging.getCheckpoints({ groupId: 1, ...{} })?.checkpoints[0]).toMatchObject({
      height: 2,
      signers: ['owner'],
    })
    expect(d.refusal(bob, [anchorCheckpointMessage(bob.address, chain.checkpoint(3), [])]).code).toBe(
      'MESSAGING_NOT_PRODUCER',
    )
    expect(
      d.refusal(alice, [
        anchorCheckpointMessage(
          alice.address,
          chain.checkpoint(3),
          sigs(d.chainId, chain.checkpoint(3), [p1]),
        ),
      ]).code,
    ).toBe('MESSAGING_NOT_PRODUCER')
    // the owner contradicts itself: frozen, and it must hand production to producers
    const fork = groupChain(1, 3, 'fork ')
    await d.commit(alice, [anchorCheckpointMessage(alice.address, fork.checkpoint(2), [])])
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })).toMatchObject({
      frozen: true,
      evidence: [{ culprits: ['owner'] }],
    })
    expect(d.refusal(alice, [updateGroupMessage(alice.address, 1, { ownerProduces: true })]).code).toBe(
      'MESSAGING_CULPRIT_RETAINED',
    )
    await d.commit(alice, [updateGroupMessage(alice.address, 1, { producers: [p1.id] })])
    expect(dn.node.query.messaging.getGroup({ groupId: 1 })).toMatchObject({
      frozen: false,
      producers: [p1.id],
      threshold: 1,
    })
    await d.commit(bob, [
      anchorCheckpointMessage(bob.address, chain.checkpoint(3), sigs(d.chainId, chain.checkpoint(3), [p1])),
    ])
  }, 60_000)
})

describe('bad input', () => {
  test('malformed bytes, wrong types, overflow and oversized lists get their own code and write nothing', async () => {
    const [alice, bob] = ['alice', 'bob'].map((l) => testAccount(`bad-${l}`)) as [
      AccountSigner,
      AccountSigner,
    ]
    const { dn, d } = await setup([alice, bob])
    await d.commit(alice, [createGroupMessage(alice.address, { name: 'ok', producers: [p1.id] })])
    const raw = (typeName: string, value: Uint8Array) => ({ typeUrl: `/${typeName}`, value })
    const cp = groupChain(1, 1).checkpoint(1)
    const many = (n: number) => Array.from({ length: n }, (_, i) => testNodeKey(`bad-${i}`).id)
    const cases: [string, ReturnType<typeof raw>, string, RegExp?][] = [
      [
        'garbage anchor bytes',
        raw('gather.messaging.v1.MsgAnchorCheckpoint', Uint8Array.from([0xff, 0xff, 0xff, 0x0f])),
        'TX_MALFORMED',
      ],
      [
        'garbage gid bytes',
        raw('gather.identity.v1.MsgRegisterGid', Uint8Array.from([0x0a, 0x80])),
        'TX_MALFORMED',
      ],
      [
        'negative min_gat_balance',
        encodeAnyMessage('gather.messaging.v1.MsgCreateGroup', {
          owner: alice.address,
          name: 'x',
          policy: { minGatBalance: '-5' },
        }),
        'INVALID_AMOUNT',
      ],
      [
        'min_gat_balance in exponent form',
        encodeAnyMessage('gather.messaging.v1.MsgCreateGroup', {
          owner: alice.address,
          name: 'x',
          policy: { minGatBalance: '1e9' },
        }),
        'INVALID_AMOUNT',
      ],
      [
        'max_members 2^32-1',
        encodeAnyMessage('gather.messaging.v1.MsgCreateGroup', {
          owner: alice.address,
          name: 'x',
          policy: { maxMembers: 4294967295 },
        }),
        'MESSAGING_MAX_MEMBERS_EXCEEDED',
      ],
      [
        'name of 65 characters',
        createGroupMessage(alice.address, { name: 'n'.repeat(65) }),
        'MESSAGING_INVALID_NAME',
      ],
      ['name with a newline', createGroupMessage(alice.address, { name: 'a\nb' }), 'MESSAGING_INVALID_NAME'],
      [
        '101 producers',
        createGroupMessage(alice.address, { name: 'x', producers: many(101) }),
        'MESSAGING_TOO_MANY_PRODUCERS',
      ],
      [
        '22 producers (maxProducers 21)',
        createGroupMessage(alice.address, { name: 'x', producers: many(22) }),
        'MESSAGING_TOO_MANY_PRODUCERS',
      ],
      [
        'upper-case producer',
        createGroupMessage(alice.address, { name: 'x', producers: [p1.id.toUpperCase()] }),
        'MESSAGING_INVALID_PRODUCERS',
      ],
      [
        'parent id above 2^53',
        createGroupMessage(alice.address, { name: 'x', policy: { parentGroup: 2 ** 60 } }),
        'MESSAGING_INVALID_GROUP',
      ],
      [
        'group id above 2^53',
        anchorCheckpointMessage(alice.address, { ...cp, groupId: 2 ** 60 }, []),
        'MESSAGING_INVALID_GROUP',
      ],
      [
        'height 0',
        anchorCheckpointMessage(alice.address, { ...cp, height: 0 }, []),
        'MESSAGING_INVALID_CHECKPOINT',
      ],
      [
        '63-byte signature',
        anchorCheckpointMessage(alice.address, cp, [{ producer: p1.id, signature: new Uint8Array(63) }]),
        'MESSAGING_INVALID_CHECKPOINT',
      ],
      [
        '101 signatures',
        anchorCheckpointMessage(
          alice.address,
          cp,
          many(101).map((producer) => ({ producer, signature: new Uint8Array(64) })),
        ),
        'MESSAGING_INVALID_CHECKPOINT',
      ],
      ['a bad owner address', registerGidMessage('gat1notanaddress', 0n), 'INVALID_ADDRESS'],
      ['someone else as owner', createGroupMessage(bob.address, { name: 'x' }), 'TX_WRONG_SIGNER'],
      ['gid 0 in a transfer', transferGidMessage(alice.address, 0n, bob.address), 'IDENTITY_INVALID_GID'],
      ['update of group 0', updateGroupMessage(alice.address, 0, { name: 'x' }), 'MESSAGING_INVALID_GROUP'],
      [
        'owner_produces with producers',
        updateGroupMessage(alice.address, 1, { producers: [p1.id], ownerProduces: true }),
        'MESSAGING_INVALID_PRODUCERS',
      ],
    ]
    for (const [what, msg, code] of cases) {
      const r = d.refusal(alice, [msg])
      expect({ what, code: r.code }).toEqual({ what, code })
      expect(r.message.length).toBeGreaterThan(10)
    }
    expect(dn.node.mempool.size).toBe(0)
    await d.block()
    // nothing of it reached the chain
    expect(dn.node.query.messaging.listGroups({}).total).toBe(1)
    expect(dn.node.query.identity.resolve({ address: alice.address })).toBeUndefined()
  }, 60_000)
})
