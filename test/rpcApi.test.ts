/**
 * The JSON-RPC API as declared in rpc/api.ts is what the node answers: every method, called over
 * HTTP against a devnet node with state in every module (a transfer, an unlock, a GID, a group
 * with an anchored checkpoint), returns a result that its declared schema parses strictly (no
 * missing, extra or mistyped field). The TypeScript client's types are those schemas', so this
 * is what keeps server and client from drifting.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { publicKeyFromPrivateKey } from '../chain/crypto/secp256k1.js'
import { hex } from '../chain/hex.js'
import { transferMessage } from '../chain/tx/signTx.js'
import {
  anchorCheckpointMessage,
  createGroupMessage,
  lockMessage,
  registerGidMessage,
  submitProposalMessage,
  voteMessage,
} from '../cli/txMessages.js'
import { GroupChainBuilder } from '../modules/messaging/groupchain/chain.js'
import { signCheckpoint } from '../modules/messaging/groupchain/checkpoint.js'
import { proofToJson } from '../modules/messaging/groupchain/proof.js'
import { signPost } from '../modules/messaging/groupchain/tx.js'
import { type RpcMethodName, rpcApi } from '../rpc/api.js'
import { GatherClient } from '../rpc/client.js'
import { signNext } from './helpers/devnet.js'
import { TxDriver } from './helpers/messaging.js'
import { type RpcNode, startRpcNode } from './helpers/rpcNode.js'
import { type AccountSigner, testAccount, testNodeKey } from './helpers/staking.js'
import { waitFor } from './helpers/wait.js'

const POSTER = (() => {
  const privateKey = new Uint8Array(32).fill(7)
  return { privateKey, publicKey: publicKeyFromPrivateKey(privateKey) }
})()

const GAT = 1_000_000n

describe('every JSON-RPC method answers what rpc/api.ts declares', () => {
  let rn: RpcNode
  let client: GatherClient
  let alice: AccountSigner
  let txHash: string
  let proof: unknown
  const producer = testNodeKey('rpc-api-producer')
  const nodeId = () => hex(rn.keys.nodeKey.publicKey)

  beforeAll(async () => {
    rn = await startRpcNode()
    client = new GatherClient(rn.url)
    alice = testAccount('rpc-api-alice')
    const d = new TxDriver(rn.node, rn.genesis.chainId)
    await d.fund(rn.keys, [alice], 1_000n * GAT)
    await d.commit(alice, [registerGidMessage(alice.address, 0n)])
    await d.commit(rn.keys.validator, [lockMessage('unlock', rn.keys.validator.address, nodeId(), GAT)])
    // a proposal with the whole minimum deposit votes at once; the validator votes on it
    const v = rn.keys.validator.address
    await d.commit(rn.keys.validator, [
      submitProposalMessage(v, { kind: 'text', title: 'api' }, 1_000n * GAT),
    ])
    await d.commit(rn.keys.validator, [voteMessage(v, 1n, 'yes')])
    await d.commit(alice, [createGroupMessage(alice.address, { name: 'api', producers: [producer.id] })])
    const chain = new GroupChainBuilder(1)
    for (let b = 1; b <= 2; b++) {
      const post = signPost('gather-test', 1, POSTER, b, {
        contentType: 'application/activity+json',
        content: new TextEncoder().encode(JSON.stringify({ type: 'Note', content: `post ${b}` })),
      })
      chain.append({ producer, txs: [post], timeMs: 1_700_000_000_000 + b * 1000 })
    }
    const cp = chain.checkpoint(2)
    await d.commit(alice, [
      anchorCheckpointMessage(alice.address, cp, [signCheckpoint(d.chainId, cp, producer)]),
    ])
    proof = JSON.parse(JSON.stringify(proofToJson(chain.prove(1, 0, 2))))
    txHash = rn.node.submitTx(
      signNext(rn.node, alice, [transferMessage(alice.address, rn.keys.faucet.address, 5n)]),
    ).hash
    await d.block()
  })

  afterAll(async () => {
    await rn?.close()
  })

  const transfer = (ugat: bigint) => ({
    tx: Buffer.from(
      signNext(rn.node, alice, [transferMessage(alice.address, rn.keys.faucet.address, ugat)]),
    ).toString('base64'),
  })

  /**
   * The methods of the group-chain runtime, which this node does not run yet: each answers
   * GROUP_NOT_HOSTED (their results are checked where a runtime is wired).
   */
  const groupRuntimeCalls = {
    group_post: () => ({ tx: Buffer.from('not checked before the runtime').toString('base64') }),
    group_getMessages: () => ({ groupId: 1 }),
    group_getMembers: () => ({ groupId: 1 }),
    group_getMember: () => ({ groupId: 1, address: alice.address }),
    group_getHead: () => ({ groupId: 1 }),
    group_getKeys: () => ({ groupId: 1, address: alice.address }),
    group_getMessageProof: () => ({ groupId: 1, messageId: '00'.repeat(32) }),
    group_listHosted: () => ({}),
  } satisfies { [M in RpcMethodName]?: () => Record<string, unknown> }

  /** Params that find something for each method, made when called; the test fails if a method is missing here. */
  const calls = (): {
    [M in Exclude<RpcMethodName, keyof typeof groupRuntimeCalls>]: () => Record<string, unknown>
  } => ({
    chain_getStatus: () => ({}),
    net_getPeers: () => ({}),
    consensus_getRound: () => ({}),
    chain_getBlock: () => ({ height: 2 }),
    chain_getTx: () => ({ hash: txHash }),
    tx_broadcast: () => transfer(1n),
    tx_broadcastCommit: () => ({ ...transfer(2n), timeoutMs: 10_000 }),
    account_get: () => ({ address: alice.address }),
    token_getSupply: () => ({}),
    token_getEmission: () => ({ day: 3 }),
    token_getRewards: () => ({ address: rn.keys.validator.address }),
    token_getMinFee: () => ({}),
    staking_getSuperNodes: () => ({}),
    staking_getNode: () => ({ nodeId: nodeId() }),
    staking_getLocks: () => ({ address: rn.keys.validator.address }),
    staking_getUnbonding: () => ({ address: rn.keys.validator.address }),
    staking_getParams: () => ({}),
    gov_getProposals: () => ({ status: 'voting' }),
    gov_getProposal: () => ({ proposalId: 1 }),
    gov_getVotes: () => ({ proposalId: 1 }),
    gov_getVote: () => ({ proposalId: 1, voter: rn.keys.validator.address }),
    gov_getParams: () => ({}),
    identity_resolve: () => ({ address: alice.address }),
    identity_getInfo: () => ({}),
    group_get: () => ({ groupId: 1 }),
    group_list: () => ({ owner: alice.address }),
    group_getCheckpoints: () => ({ groupId: 1 }),
    group_isMember: () => ({ groupId: 1, address: alice.address }),
    group_verifyInclusion: () => ({ proof }),
    group_getParams: () => ({}),
    state_getProof: () => ({ key: 'token/balance/' }),
  })

  test('each answer parses strictly with its declared result schema', async () => {
    const all = calls()
    expect([...Object.keys(all), ...Object.keys(groupRuntimeCalls)].sort()).toEqual(
      Object.keys(rpcApi).sort(),
    )
    for (const [name, params] of Object.entries(all) as [RpcMethodName, () => Record<string, unknown>][]) {
      const pending = rn.node.mempool.size
      const call = client.call(name, params())
      // tx_broadcastCommit answers once a block holds the transaction: make that block
      if (name === 'tx_broadcastCommit') {
        await waitFor('the transaction in the mempool', () => rn.node.mempool.size > pending)
        await rn.node.produceBlock()
      }
      const answer = await call.catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`)
      })
      const parsed = rpcApi[name].result.safeParse(answer)
      expect({ method: name, issues: parsed.success ? [] : parsed.error.issues }).toEqual({
        method: name,
        issues: [],
      })
    }
  })

  test('without a group runtime, each group-chain method answers GROUP_NOT_HOSTED', async () => {
    for (const [name, params] of Object.entries(groupRuntimeCalls)) {
      const answer = await client.call(name, params()).then(
        () => 'answered',
        (e: { code?: number; data?: unknown; message?: string }) => e,
      )
      expect({ method: name, answer }).toMatchObject({
        method: name,
        answer: {
          code: -32000,
          data: { code: 'GROUP_NOT_HOSTED' },
          message: 'this node runs no group chains',
        },
      })
    }
  })

  test('a lookup that finds nothing is -32001 with what was missing, from the declaration', async () => {
    const missing = testAccount('rpc-api-nobody').address
    await expect(client.call('identity_resolve', { address: missing })).rejects.toMatchObject({
      code: -32001,
      message: `a GID of ${missing} not found`,
    })
    await expect(client.call('group_get', { groupId: 99 })).rejects.toMatchObject({
      code: -32001,
      message: 'group 99 not found',
    })
    await expect(client.call('staking_getNode', { nodeId: '00'.repeat(32) })).rejects.toMatchObject({
      code: -32001,
      message: `node ${'00'.repeat(32)} not found`,
    })
  })

  test('params are parsed by the module query declaration (a GID as a string or a number)', async () => {
    const byString = await client.resolveIdentity({ gid: '1' })
    const byNumber = await client.call('identity_resolve', { gid: 1 })
    expect(byString).toEqual(byNumber)
    expect(byString.address).toBe(alice.address)
    await expect(client.call('identity_resolve', { gid: '1', address: alice.address })).rejects.toMatchObject(
      {
        code: -32602,
        message: 'invalid params: params: give gid or address (one of them)',
      },
    )
  })
})
