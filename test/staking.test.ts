/**
 * Staking and the DPoS election on real blocks (docs/protocol/economics.md GMT, §4): an in-process devnet node that
 * does not run its slot loop; blocks are produced with explicit slots so they cross election
 * period boundaries on purpose. periodSlots = maxSuperNodes × electionPeriodRounds = 3 here, so
 * period p is slots 3p, 3p+1, 3p+2, and the proposer of a slot is set[slot % set.length].
 *
 * Every node key registered here is a key the test holds, so a block for another super node's
 * slot is built with `chain.propose(slot, thatKey, [])`: the chain never stalls, and a follower
 * imports every block, checking the schedule independently.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { type Block, encodeBlock, headerHash } from '../chain/codec/block.js'
import type { NodeKey } from '../chain/crypto/ed25519.js'
import { signEd25519 } from '../chain/crypto/ed25519.js'
import { ChainError } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import { signTx, transferMessage } from '../chain/tx/signTx.js'
import { slotTime } from '../consensus/schedule.js'
import type { DevnetKeys } from '../genesis/devnet.js'
import type { GatherNode } from '../node/index.js'
import { openDevnetNode, signNext } from './helpers/devnet.js'
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
const STAKING = { maxSuperNodes: 3, electionPeriodRounds: 1, unbondingBlocks: 5 }

interface NodeView {
  nodeId: string
  owner: string
  locked: string
  status: string
  registeredHeight: number
  superNode: boolean
}

/** A devnet node (the validator's node key) plus a follower that imports every block. */
interface Net {
  node: GatherNode
  follower: GatherNode
  keys: DevnetKeys
  chainId: string
  /** the validator's node id */
  v: string
  /** node keys the test holds, by node id */
  nodeKeys: Map<string, NodeKey>
  /** signs `msgs` with the signer's next sequence and submits them; throws the node's refusal */
  send(signer: AccountSigner, msgs: AnyMsg[], fee?: bigint): string
  /** the signed bytes `send` would submit */
  sign(signer: AccountSigner, msgs: AnyMsg[], fee?: bigint): Uint8Array
  /** the next block in `slot` (default: the next slot) by whoever is scheduled; the follower imports it */
  block(slot?: number): Promise<{ slot: number; height: number; events: string[] }>
  /** the next block in a slot of our node (the validator), with the mempool's transactions */
  ourBlock(): Promise<{ slot: number; height: number; events: string[] }>
  /** blocks until the head is at `height` */
  toHeight(height: number): Promise<void>
  /** the first slot after the head whose scheduled proposer is `nodeId` */
  nextSlotOf(nodeId: string): number
  query<T>(name: string, params?: Record<string, unknown>): T
  /** current super nodes (stored set) */
  current(): string[]
  balance(address: string): bigint
  gmt(address: string): { total: string; bound: string }
  nodeView(nodeId: string): NodeView | undefined
  close(): Promise<void>
}

async function openNet(): Promise<Net> {
  const a = await openDevnetNode({ staking: STAKING })
  const b = await openDevnetNode({ staking: STAKING })
  const node = a.node
  const v = hex(a.keys.nodeKey.publicKey)
  const nodeKeys = new Map<string, NodeKey>([[v, a.keys.nodeKey]])
  const describeBlock = (c: Awaited<ReturnType<GatherNode['produceBlock']>>) => {
    for (const r of c.results)
      if (r.code !== 0) throw new Error(`tx failed in block: ${r.codespace} ${r.log}`)
    return {
      slot: c.block.header.slot,
      height: c.block.header.height,
      events: c.blockEvents.map(
        (e) => `${e.type} ${e.attributes.map((x) => `${x.key}=${x.value}`).join(' ')}`,
      ),
    }
  }
  const net: Net = {
    node,
    follower: b.node,
    keys: a.keys,
    chainId: a.genesis.chainId,
    v,
    nodeKeys,
    sign: (signer, msgs, fee = FEE) => signNext(node, signer, msgs, fee),
    send(signer, msgs, fee = FEE) {
      return node.submitTx(net.sign(signer, msgs, fee)).hash
    },
    async block(slot) {
      const s = slot ?? node.chain.head.slot + 1
      const proposer = hex(node.chain.proposerOf(s))
      let c: Awaited<ReturnType<GatherNode['produceBlock']>>
      if (proposer === v) {
        c = await node.produceBlock(s)
      } else {
        const key = nodeKeys.get(proposer)
        if (key === undefined)
          throw new Error(`slot ${s} belongs to ${proposer}, a key the test does not hold`)
        // another super node's block: empty (it has no mempool of its own here)
        c = await node.chain.propose(s, key, [])
        node.mempool.update([])
      }
      await net.follower.importBlock(c.bytes)
      expect(hex(net.follower.chain.head.stateRoot)).toBe(hex(node.chain.head.stateRoot))
      return describeBlock(c)
    },
    async ourBlock() {
      return net.block(net.nextSlotOf(v))
    },
    async toHeight(height) {
      while (node.chain.head.height < height) await net.block()
    },
    nextSlotOf(nodeId) {
      for (let s = node.chain.head.slot + 1; s < node.chain.head.slot + 1000; s++) {
        if (hex(node.chain.proposerOf(s)) === nodeId) return s
      }
      throw new Error(`${nodeId} has no slot soon`)
    },
    query<T>(name: string, params: Record<string, unknown> = {}) {
      const q = node.query.staking as unknown as Record<string, (p: unknown) => unknown>
      return q[name]!(params) as T
    },
    current() {
      return net.query<{ current: { nodeId: string }[] }>('getSuperNodes').current.map((n) => n.nodeId)
    },
    balance: (address) => BigInt(node.query.token.getAccount({ address: address }).balance.ugat),
    gmt: (address) => {
      const acc = node.query.token.getAccount({ address: address })
      return { total: acc.balance.gmt, bound: acc.gmtBound }
    },
    nodeView: (nodeId) => net.query<NodeView | undefined>('getNode', { nodeId }),
    async close() {
      await a.close()
      await b.close()
    },
  }
  return net
}

/** Funds `accounts` from the faucet (`ugat` each) and issues each one GMT from the issuer (account 0). */
function fundAndIssue(net: Net, accounts: AccountSigner[], ugat: bigint): void {
  net.send(
    net.keys.faucet,
    accounts.map((a) => transferMessage(net.keys.faucet.address, a.address, ugat)),
  )
  net.send(
    net.keys.validator,
    accounts.map((a) => issueDeviceMsg(net.keys.validator.address, a.address, 1n)),
  )
}

/** Registers a node key the test holds. */
function holdKey(net: Net, label: string): NodeKey & { id: string } {
  const k = testNodeKey(label)
  net.nodeKeys.set(k.id, k)
  return k
}

let open: Net | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

describe('election on real blocks (maxSuperNodes 3, a period of 3 slots)', () => {
  test('caps, ties, inactive nodes, the snapshot rule, and the elected set drives production', async () => {
    const net = await openNet()
    open = net
    const [a1, a2, a3, a4] = [1, 2, 3, 4].map((i) => testAccount(`election-${i}`)) as [
      AccountSigner,
      AccountSigner,
      AccountSigner,
      AccountSigner,
    ]
    // Three keys sorted by bytes: the smallest goes to the node registered last, so the height
    // tie-break is visible; of the two registered together the middle key outranks the largest.
    const [kLow, kMid, kHigh] = ['e1', 'e2', 'e3', 'e4', 'e5']
      .map((l) => holdKey(net, l))
      .sort((x, y) => (x.id < y.id ? -1 : 1)) as [
      ReturnType<typeof holdKey>,
      ReturnType<typeof holdKey>,
      ReturnType<typeof holdKey>,
    ]
    const n3 = holdKey(net, 'e-inactive')
    expect(net.current()).toEqual([net.v])

    // slot 1: fund and issue one GMT each (issuer = account 0)
    fundAndIssue(net, [a1, a2, a3, a4], 5_000n * GAT)
    expect(await net.block(1)).toMatchObject({ slot: 1, height: 1 })
    for (const a of [a1, a2, a3, a4]) expect(net.gmt(a.address)).toEqual({ total: '1', bound: '0' })

    // slot 2: a1, a2, a3 register in one block (same registration height 2)
    net.send(a1, [registerNodeMsg(a1.address, kHigh.id, 'high')])
    net.send(a2, [registerNodeMsg(a2.address, kMid.id, 'mid')])
    net.send(a3, [registerNodeMsg(a3.address, n3.id, 'inactive')])
    await net.block(2)
    expect(net.nodeView(kHigh.id)).toMatchObject({
      owner: a1.address,
      registeredHeight: 2,
      status: 'inactive',
    })
    expect(net.gmt(a1.address)).toEqual({ total: '1', bound: '1' })

    // slot 3 opens period 1: the election over the parent state; registered nodes hold nothing yet.
    // In that block (mid-period 1): equal locks of 500 GAT on kHigh, kMid and kLow (registered
    // now, at height 3), and 0.5 GAT on n3 (below the 1 GAT minimum: inactive).
    net.send(a1, [lockMsg(a1.address, kHigh.id, 500n * GAT)])
    net.send(a2, [lockMsg(a2.address, kMid.id, 500n * GAT)])
    net.send(a3, [lockMsg(a3.address, n3.id, GAT / 2n)])
    net.send(a4, [registerNodeMsg(a4.address, kLow.id, 'low'), lockMsg(a4.address, kLow.id, 500n * GAT)])
    const b3 = await net.block(3)
    expect(b3.events).toContain(`staking.election period=1 super_nodes=${net.v}`)
    expect(net.nodeView(kLow.id)).toMatchObject({ registeredHeight: 3, locked: (500n * GAT).toString() })
    expect(net.nodeView(n3.id)).toMatchObject({ status: 'inactive', locked: (GAT / 2n).toString() })

    // Snapshot rule: the locks are in state, but period 1 keeps the set elected at its start.
    expect(net.current()).toEqual([net.v])
    for (const s of [4, 5]) expect(hex(net.node.chain.proposerOf(s))).toBe(net.v)
    // ...while the next election (over the current state) would already see them
    const preview = net.query<{ next: { nodeId: string }[] }>('getSuperNodes').next.map((n) => n.nodeId)
    expect(preview).toEqual([net.v, kMid.id, kHigh.id])
    // No election in block 4 (issuance's token.minted is the only other block event).
    expect((await net.block(4)).events.filter((e) => !e.startsWith('token.minted '))).toEqual([])
    await net.block(5)
    expect(net.current()).toEqual([net.v])

    // Slot 6 opens period 2: cap 3 of the 5 registered; ties on 500 GAT: kMid and kHigh (height 2)
    // beat kLow (height 3) although kLow has the smallest key; kMid beats kHigh on key bytes;
    // n3 (0.5 GAT) is inactive and excluded.
    const elected = [net.v, kMid.id, kHigh.id]
    expect(net.node.chain.superNodesAt(6).map(hex)).toEqual(elected)
    // one slot each in slots 6..8, in the round's shuffled order
    expect([6, 7, 8].map((s) => hex(net.node.chain.proposerOf(s))).sort()).toEqual([...elected].sort())
    // in our block (slot 6, mid-period 2) kLow gets 1 ugat more than any other 500 GAT node
    net.send(a4, [lockMsg(a4.address, kLow.id, 1n)])
    const b6 = await net.block(6)
    expect(b6.events).toContain(`staking.election period=2 super_nodes=${elected.join(',')}`)
    expect(net.current()).toEqual(elected)
    expect(net.nodeView(kMid.id)).toMatchObject({ superNode: true, status: 'active' })
    expect(net.nodeView(kLow.id)).toMatchObject({ superNode: false, status: 'active' })

    // Slot 7 is kMid's: our node may not produce it...
    await expect(net.node.produceBlock(7)).rejects.toThrow(/not the proposer of slot 7/)
    // ...and a follower refuses a block for it that our key signed, whoever it claims proposed it
    const forged = (proposer: Uint8Array, signer: NodeKey): Uint8Array => {
      const head = net.follower.chain.head
      const zero = new Uint8Array(32)
      const header = {
        chainId: net.chainId,
        height: head.height + 1,
        slot: 7,
        timeMs: slotTime(net.follower.chain.clock, 7),
        previousHash: head.hash,
        proposer,
        txRoot: zero,
        stateRoot: head.stateRoot,
        resultRoot: zero,
        lastCommit: [],
      }
      const block: Block = { header, txs: [], signature: signEd25519(signer.privateKey, headerHash(header)) }
      return encodeBlock(block)
    }
    const ours = net.keys.nodeKey
    await expect(net.follower.importBlock(forged(ours.publicKey, ours))).rejects.toThrow(
      new RegExp(`proposer ${net.v} is not scheduled for slot 7`),
    )
    await expect(net.follower.importBlock(forged(kMid.publicKey, ours))).rejects.toThrow(
      /bad proposer signature/,
    )
    expect(net.follower.chain.head.height).toBe(net.node.chain.head.height)
    // kMid's own block for slot 7 and kHigh's for slot 8 are accepted by the follower
    expect(await net.block(7)).toMatchObject({ slot: 7 })
    expect(await net.block(8)).toMatchObject({ slot: 8 })
    // The lock made in period 2 counts from period 3: kLow (500.000001 GAT) replaces kHigh.
    const next = [net.v, kLow.id, kMid.id]
    expect(net.node.chain.superNodesAt(9).map(hex)).toEqual(next)
    // our own slots still work
    const b9 = await net.block(9)
    expect(b9.events).toContain(`staking.election period=3 super_nodes=${next.join(',')}`)
    expect(net.nodeView(kHigh.id)).toMatchObject({ superNode: false, status: 'active' })
    await expect(net.node.produceBlock(10)).rejects.toThrow(/not the proposer of slot 10/)
    // a missed slot is skipped: slot 12 opens period 4 directly (10, 11 never produced)
    expect(next).toContain(hex(net.node.chain.proposerOf(12)))
    expect(await net.block(12)).toMatchObject({ slot: 12 })
    expect(net.query<{ period: number }>('getSuperNodes').period).toBe(4)
  })
})

/** What a bad staking transaction might have touched. */
function stakingObservable(net: Net, addresses: string[], nodeIds: string[]) {
  return {
    stateRoot: hex(net.node.chain.head.stateRoot),
    supply: net.node.query.token.getSupply({}),
    accounts: addresses.map((a) => net.node.query.token.getAccount({ address: a })),
    nodes: nodeIds.map((id) => net.nodeView(id) ?? null),
    locks: addresses.map((a) => net.query('getLocks', { address: a })),
    unbonding: addresses.map((a) => net.query('getUnbonding', { address: a })),
    superNodes: net.query('getSuperNodes'),
  }
}

interface BadCase {
  name: string
  code: string
  message: RegExp
  /** good traffic (given to subject and control), committed before the bad transaction */
  setup?: (net: Net) => AnyMsg[][] | undefined
  setupSigner?: (net: Net) => AccountSigner
  /** the bad transaction: signer and messages */
  bad: (net: Net) => { signer: AccountSigner; msgs: AnyMsg[] }
}

const spare = testNodeKey('spare')
const poor = testAccount('poor')

const BAD: BadCase[] = [
  {
    name: 'issue GMT from an account that is not the issuer',
    code: 'TOKEN_NOT_GMT_ISSUER',
    message: /only the GMT issuer gat1\w+ may issue GMT, not gat1\w+/,
    bad: (n) => ({
      signer: n.keys.faucet,
      msgs: [issueDeviceMsg(n.keys.faucet.address, n.keys.faucet.address, 1n)],
    }),
  },
  {
    name: 'issue GMT over the 10,000,000 cap (9,999,999 issued, 2 more)',
    code: 'TOKEN_GMT_CAP_EXCEEDED',
    message: /issuing 2 GMT would exceed the cap of 10000000 \(9999999 issued, 1 left\)/,
    // genesis minted 1 (the validator's device); 9,999,998 more leaves exactly 1
    setup: (n) => [[issueDeviceMsg(n.keys.validator.address, n.keys.faucet.address, 9_999_998n)]],
    setupSigner: (n) => n.keys.validator,
    bad: (n) => ({
      signer: n.keys.validator,
      msgs: [issueDeviceMsg(n.keys.validator.address, n.keys.faucet.address, 2n)],
    }),
  },
  {
    name: 'issue more GMT than the cap in one message',
    code: 'INVALID_AMOUNT',
    message: /amount 10000001 is above the GMT cap 10000000/,
    bad: (n) => ({
      signer: n.keys.validator,
      msgs: [issueDeviceMsg(n.keys.validator.address, n.keys.faucet.address, 10_000_001n)],
    }),
  },
  {
    name: 'register a node key that is already registered',
    code: 'STAKING_NODE_EXISTS',
    message: /node key [0-9a-f]{64} is already registered \(owner gat1\w+\); each node key registers once/,
    setup: (n) => [[issueDeviceMsg(n.keys.validator.address, n.keys.faucet.address, 1n)]],
    setupSigner: (n) => n.keys.validator,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [registerNodeMsg(n.keys.faucet.address, n.v)] }),
  },
  {
    name: 'register a node without a free GMT',
    code: 'TOKEN_NO_FREE_GMT',
    message: /holds 0 GMT, all bound to nodes; registering a node needs one free GMT/,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [registerNodeMsg(n.keys.faucet.address, spare.id)] }),
  },
  {
    name: 'register a node whose only GMT is already bound (the validator)',
    code: 'TOKEN_NO_FREE_GMT',
    message: /holds 1 GMT, all bound to nodes/,
    bad: (n) => ({ signer: n.keys.validator, msgs: [registerNodeMsg(n.keys.validator.address, spare.id)] }),
  },
  {
    name: 'register a malformed node id',
    code: 'STAKING_INVALID_NODE_ID',
    message: /node_id must be the node's ed25519 public key as 64 lower-case hex characters/,
    bad: (n) => ({
      signer: n.keys.faucet,
      msgs: [registerNodeMsg(n.keys.faucet.address, spare.id.toUpperCase())],
    }),
  },
  {
    name: 'lock over the per-node cap (room left in the message)',
    code: 'STAKING_LOCK_CAP_EXCEEDED',
    message: /has 1000 GAT locked; at most 1000 GAT \(1000000000 ugat\) more fits under its cap of 2000 GAT/,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [lockMsg(n.keys.faucet.address, n.v, 1_000n * GAT + 1n)] }),
  },
  {
    name: 'lock over the cap after an earlier lock (room is what is left)',
    code: 'STAKING_LOCK_CAP_EXCEEDED',
    message: /has 1999\.5 GAT locked; at most 0\.5 GAT \(500000 ugat\) more fits/,
    setup: (n) => [[lockMsg(n.keys.faucet.address, n.v, 999_500_000n)]],
    setupSigner: (n) => n.keys.faucet,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [lockMsg(n.keys.faucet.address, n.v, 500_001n)] }),
  },
  {
    name: 'lock more than the balance',
    code: 'TOKEN_INSUFFICIENT_BALANCE',
    message: /gat1\w+ has 9999000 ugat after fees, cannot lock 20000000 ugat/,
    setup: (n) => [[transferMessage(n.keys.faucet.address, poor.address, 10n * GAT)]],
    setupSigner: (n) => n.keys.faucet,
    bad: (n) => ({ signer: poor, msgs: [lockMsg(poor.address, n.v, 20n * GAT)] }),
  },
  {
    name: 'lock on an unknown node',
    code: 'STAKING_UNKNOWN_NODE',
    message: /no registered node [0-9a-f]{64}/,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [lockMsg(n.keys.faucet.address, spare.id, GAT)] }),
  },
  {
    name: 'unlock more than locked',
    code: 'STAKING_UNLOCK_EXCEEDS_LOCK',
    message: /has 1000000000 ugat locked on node [0-9a-f]{64}; cannot unlock 1000000001 ugat/,
    bad: (n) => ({
      signer: n.keys.validator,
      msgs: [unlockMsg(n.keys.validator.address, n.v, 1_000n * GAT + 1n)],
    }),
  },
  {
    name: 'unlock without any lock on the node',
    code: 'STAKING_UNLOCK_EXCEEDS_LOCK',
    message: /has 0 ugat locked on node [0-9a-f]{64}; cannot unlock 1 ugat/,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [unlockMsg(n.keys.faucet.address, n.v, 1n)] }),
  },
  {
    name: 'unlock from an unknown node',
    code: 'STAKING_UNKNOWN_NODE',
    message: /no registered node/,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [unlockMsg(n.keys.faucet.address, spare.id, 1n)] }),
  },
  {
    name: "transfer a node credential one does not own (moving someone's GMT)",
    code: 'STAKING_NOT_NODE_OWNER',
    message: /node [0-9a-f]{64} belongs to gat1\w+, not gat1\w+/,
    bad: (n) => ({
      signer: n.keys.faucet,
      msgs: [transferNodeMsg(n.keys.faucet.address, n.v, n.keys.faucet.address)],
    }),
  },
  {
    name: 'transfer an unknown node credential',
    code: 'STAKING_UNKNOWN_NODE',
    message: /no registered node/,
    bad: (n) => ({
      signer: n.keys.faucet,
      msgs: [transferNodeMsg(n.keys.faucet.address, spare.id, n.keys.validator.address)],
    }),
  },
  {
    name: 'transfer a node credential to its owner',
    code: 'STAKING_SAME_OWNER',
    message: /new_owner is already the owner/,
    bad: (n) => ({
      signer: n.keys.validator,
      msgs: [transferNodeMsg(n.keys.validator.address, n.v, n.keys.validator.address)],
    }),
  },
  {
    name: 'lock on behalf of another account',
    code: 'TX_WRONG_SIGNER',
    message: /message 0 must be signed by gat1\w+, but the transaction is signed by gat1\w+/,
    bad: (n) => ({ signer: n.keys.faucet, msgs: [lockMsg(n.keys.validator.address, n.v, GAT)] }),
  },
  {
    name: 'a made-up GMT transfer message',
    code: 'TX_UNKNOWN_MESSAGE',
    message:
      /unknown message type "\/gather\.token\.v1\.MsgTransferGmt"; this chain accepts .*MsgTransferNodeCredential/,
    bad: (n) => ({
      signer: n.keys.validator,
      msgs: [
        {
          typeUrl: '/gather.token.v1.MsgTransferGmt',
          // what such a message would carry: from, to, amount
          value: transferMessage(n.keys.validator.address, n.keys.faucet.address, 1n).value,
        },
      ],
    }),
  },
  {
    name: 'a valid lock followed by a bad unlock in one transaction: all or nothing',
    code: 'STAKING_UNLOCK_EXCEEDS_LOCK',
    message: /has 1000000 ugat locked on node [0-9a-f]{64}; cannot unlock 2000000 ugat/,
    bad: (n) => ({
      signer: n.keys.faucet,
      msgs: [lockMsg(n.keys.faucet.address, n.v, GAT), unlockMsg(n.keys.faucet.address, n.v, 2n * GAT)],
    }),
  },
]

describe('staking and GMT error paths: a clear error and nothing written', () => {
  let control: Net | undefined
  afterEach(async () => {
    await control?.close()
    control = undefined
  })

  test.each(BAD.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const net = await openNet()
    open = net
    control = await openNet()
    const nets = [net, control]
    const watched = [net.keys.faucet.address, net.keys.validator.address]
    const setup = c.setup?.(net)
    if (setup !== undefined) {
      for (const n of nets) {
        for (const msgs of setup) n.send(c.setupSigner!(n), msgs)
        await n.block(1)
      }
    }
    const { signer, msgs } = c.bad(net)
    const before = stakingObservable(net, watched, [net.v, spare.id])
    const mempoolBefore = net.node.mempool.size
    let thrown: unknown
    try {
      net.send(signer, msgs)
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(ChainError)
    expect({ code: (thrown as ChainError).code, message: (thrown as ChainError).message }).toEqual({
      code: c.code,
      message: expect.stringMatching(c.message),
    })
    expect(net.node.mempool.size).toBe(mempoolBefore)
    expect(stakingObservable(net, watched, [net.v, spare.id])).toEqual(before)
    // both nodes produce the next block; the refused transaction left no trace in the subject
    for (const n of nets) await n.block(n.node.chain.head.slot + 1)
    expect(stakingObservable(net, watched, [net.v, spare.id])).toEqual(
      stakingObservable(control, watched, [control.v, spare.id]),
    )
  })

  test('included in a block anyway, each failing staking message costs its fee and writes nothing else', async () => {
    const net = await openNet()
    open = net
    const f = net.keys.faucet
    const val = net.keys.validator
    const cases: { signer: AccountSigner; msgs: AnyMsg[]; code: string }[] = [
      { signer: f, msgs: [issueDeviceMsg(f.address, f.address, 1n)], code: 'TOKEN_NOT_GMT_ISSUER' },
      { signer: f, msgs: [registerNodeMsg(f.address, spare.id)], code: 'TOKEN_NO_FREE_GMT' },
      { signer: f, msgs: [lockMsg(f.address, net.v, 1_000n * GAT + 1n)], code: 'STAKING_LOCK_CAP_EXCEEDED' },
      {
        signer: val,
        msgs: [unlockMsg(val.address, net.v, 1_000n * GAT + 1n)],
        code: 'STAKING_UNLOCK_EXCEEDS_LOCK',
      },
      { signer: f, msgs: [transferNodeMsg(f.address, net.v, f.address)], code: 'STAKING_NOT_NODE_OWNER' },
      // a good lock then a bad one in one transaction: the good one is reverted too
      {
        signer: f,
        msgs: [lockMsg(f.address, net.v, GAT), lockMsg(f.address, spare.id, GAT)],
        code: 'STAKING_UNKNOWN_NODE',
      },
    ]
    const watched = [f.address, val.address]
    const before = stakingObservable(net, watched, [net.v, spare.id])
    const seq = new Map<string, bigint>()
    const prepared = cases.map((x) => {
      const acc = net.node.query.token.getAccount({ address: x.signer.address })
      const s = seq.get(x.signer.address) ?? BigInt(acc.sequence)
      seq.set(x.signer.address, s + 1n)
      const raw = signTx(
        {
          messages: x.msgs,
          chainId: net.chainId,
          accountNumber: BigInt(acc.accountNumber),
          sequence: s,
          fee: FEE,
        },
        x.signer.privateKey,
        x.signer.publicKey,
      )
      return net.node.chain.machine.prepare(raw)
    })
    const committed = await net.node.chain.propose(1, net.keys.nodeKey, prepared)
    expect(committed.results.map((r) => [r.code, r.codespace])).toEqual(cases.map((x) => [1, x.code]))
    await net.follower.importBlock(committed.bytes)
    expect(hex(net.follower.chain.head.stateRoot)).toBe(hex(committed.block.header.stateRoot))
    const after = stakingObservable(net, watched, [net.v, spare.id])
    // staking state, GMT and locks unchanged; only fees burned and sequences advanced
    expect(after.nodes).toEqual(before.nodes)
    expect(after.locks).toEqual(before.locks)
    expect(after.unbonding).toEqual(before.unbonding)
    expect(after.supply.gmt).toEqual(before.supply.gmt)
    expect(after.accounts.map((a) => a.balance.gmt)).toEqual(before.accounts.map((a) => a.balance.gmt))
    const fees = (addr: string) => BigInt(cases.filter((x) => x.signer.address === addr).length) * FEE
    for (const [i, addr] of watched.entries()) {
      expect(BigInt(after.accounts[i]!.balance.ugat)).toBe(
        BigInt(before.accounts[i]!.balance.ugat) - fees(addr),
      )
    }
    expect(after.supply.burned).toBe((BigInt(cases.length) * FEE).toString())
  })

  test('MsgTransfer moves ugat only, never GMT; the last GMT under the cap can be issued', async () => {
    const net = await openNet()
    open = net
    const val = net.keys.validator
    const f = net.keys.faucet
    net.send(val, [issueDeviceMsg(val.address, val.address, 2n)])
    await net.block(1)
    expect(net.gmt(val.address)).toEqual({ total: '3', bound: '1' })
    const vBefore = net.balance(val.address)
    const fBefore = net.balance(f.address)
    net.send(val, [transferMessage(val.address, f.address, 3n)])
    await net.block(2)
    expect(net.balance(val.address)).toBe(vBefore - 3n - FEE)
    expect(net.balance(f.address)).toBe(fBefore + 3n)
    expect(net.gmt(val.address)).toEqual({ total: '3', bound: '1' })
    expect(net.gmt(f.address)).toEqual({ total: '0', bound: '0' })
    // 1 (genesis) + 2 issued: 9,999,997 remain; issuing exactly that reaches the cap
    net.send(val, [issueDeviceMsg(val.address, f.address, 9_999_997n)])
    await net.block(3)
    expect(net.node.query.token.getSupply({}).gmt).toMatchObject({ cap: '10000000', issued: '10000000' })
    expect(() => net.send(val, [issueDeviceMsg(val.address, f.address, 1n)])).toThrow(
      expect.objectContaining({ code: 'TOKEN_GMT_CAP_EXCEEDED' }),
    )
  })
})

describe('unbonding and node credentials', () => {
  test('coins return exactly at the release height; several unlocks each on their own height', async () => {
    const net = await openNet()
    open = net
    const val = net.keys.validator
    const unbondingBlocks = STAKING.unbondingBlocks
    const balanceBefore = net.balance(val.address)
    // h1: unlock 100 GAT; h1 + 2: unlock 200 GAT and, in the same transaction, two of 50 GAT
    net.send(val, [unlockMsg(val.address, net.v, 100n * GAT)])
    const h1 = (await net.ourBlock()).height
    await net.ourBlock()
    net.send(val, [
      unlockMsg(val.address, net.v, 200n * GAT),
      unlockMsg(val.address, net.v, 50n * GAT),
      unlockMsg(val.address, net.v, 50n * GAT),
    ])
    const h2 = (await net.ourBlock()).height
    expect(h2).toBe(h1 + 2)
    const afterFees = balanceBefore - 2n * FEE
    expect(net.balance(val.address)).toBe(afterFees)
    expect(net.nodeView(net.v)!.locked).toBe((600n * GAT).toString())
    expect(net.query('getUnbonding', { address: val.address })).toEqual({
      address: val.address,
      total: (400n * GAT).toString(),
      entries: [
        { nodeId: net.v, amount: (100n * GAT).toString(), releaseHeight: h1 + unbondingBlocks },
        { nodeId: net.v, amount: (200n * GAT).toString(), releaseHeight: h2 + unbondingBlocks },
        { nodeId: net.v, amount: (50n * GAT).toString(), releaseHeight: h2 + unbondingBlocks },
        { nodeId: net.v, amount: (50n * GAT).toString(), releaseHeight: h2 + unbondingBlocks },
      ],
    })
    // one block before the release: nothing back yet
    await net.toHeight(h1 + unbondingBlocks - 1)
    expect(net.balance(val.address)).toBe(afterFees)
    const r1 = await net.block()
    expect(r1.height).toBe(h1 + unbondingBlocks)
    expect(r1.events).toContain(
      `staking.unbonded staker=${val.address} node_id=${net.v} amount=${100n * GAT}`,
    )
    expect(net.balance(val.address)).toBe(afterFees + 100n * GAT)
    await net.toHeight(h2 + unbondingBlocks - 1)
    expect(net.balance(val.address)).toBe(afterFees + 100n * GAT)
    const r2 = await net.block()
    expect(r2.events.filter((e) => e.startsWith('staking.unbonded'))).toHaveLength(3)
    expect(net.balance(val.address)).toBe(afterFees + 400n * GAT)
    expect(net.query('getUnbonding', { address: val.address })).toEqual({
      address: val.address,
      total: '0',
      entries: [],
    })
    // nothing is paid twice
    await net.block()
    expect(net.balance(val.address)).toBe(afterFees + 400n * GAT)
    expect(net.nodeView(net.v)!.locked).toBe((600n * GAT).toString())
  })

  test('a node that falls below 1 GAT is inactive at once and leaves the set at the next election', async () => {
    const net = await openNet()
    open = net
    const a1 = testAccount('inactive-1')
    const k = holdKey(net, 'inactive-node')
    fundAndIssue(net, [a1], 100n * GAT)
    await net.block(1)
    net.send(a1, [registerNodeMsg(a1.address, k.id), lockMsg(a1.address, k.id, 2n * GAT)])
    await net.block(2)
    await net.block(3) // period 1: [V, k]
    expect(net.current()).toEqual([net.v, k.id])
    // unlock 1.5 GAT in our next block (mid-period): 0.5 GAT left
    net.send(a1, [unlockMsg(a1.address, k.id, 1_500_000n)])
    const u = await net.ourBlock()
    expect(net.node.query.staking.getNode({ nodeId: k.id })).toMatchObject({
      status: 'inactive',
      locked: '500000',
      superNode: true,
    })
    // still in the set for the rest of this period, out from the next election on
    const period = Math.floor(u.slot / 3)
    const boundary = (period + 1) * 3
    expect(net.node.chain.superNodesAt(boundary).map(hex)).toEqual([net.v])
    while (net.node.chain.head.slot + 1 < boundary) await net.block()
    const b = await net.block(boundary)
    expect(b.events).toContain(`staking.election period=${period + 1} super_nodes=${net.v}`)
    expect(net.current()).toEqual([net.v])
    expect(net.nodeView(k.id)).toMatchObject({ status: 'inactive', superNode: false })
    // locking 0.5 GAT again makes it active and brings it back at the following election
    net.send(a1, [lockMsg(a1.address, k.id, GAT / 2n)])
    await net.ourBlock()
    expect(net.nodeView(k.id)).toMatchObject({ status: 'active', superNode: false })
    const next = (Math.floor(net.node.chain.head.slot / 3) + 1) * 3
    expect(net.node.chain.superNodesAt(next).map(hex)).toEqual([net.v, k.id])
  })

  test('MsgTransferNodeCredential moves the owner and its GMT and keeps every stake', async () => {
    const net = await openNet()
    open = net
    const [a1, a2, a3] = [1, 2, 3].map((i) => testAccount(`transfer-${i}`)) as [
      AccountSigner,
      AccountSigner,
      AccountSigner,
    ]
    const k = holdKey(net, 'transfer-node')
    const f = net.keys.faucet
    fundAndIssue(net, [a1, a2], 100n * GAT)
    await net.block(1)
    net.send(a1, [registerNodeMsg(a1.address, k.id, 'moving'), lockMsg(a1.address, k.id, 10n * GAT)])
    net.send(f, [lockMsg(f.address, k.id, 20n * GAT)])
    await net.block(2)
    const locksBefore = [a1, a2].map((a) => net.query('getLocks', { address: a.address }))
    const fLocks = net.query('getLocks', { address: f.address })
    const supplyBefore = net.node.query.token.getSupply({})
    expect(net.gmt(a1.address)).toEqual({ total: '1', bound: '1' })
    expect(net.gmt(a2.address)).toEqual({ total: '1', bound: '0' })

    net.send(a1, [transferNodeMsg(a1.address, k.id, a2.address)])
    // from slot 3 on, k (30 GAT) is a super node too: our block is the one that carries the transfer
    await net.ourBlock()
    expect(net.nodeView(k.id)).toMatchObject({ owner: a2.address, locked: (30n * GAT).toString() })
    expect(net.gmt(a1.address)).toEqual({ total: '0', bound: '0' })
    expect(net.gmt(a2.address)).toEqual({ total: '2', bound: '1' })
    expect([a1, a2].map((a) => net.query('getLocks', { address: a.address }))).toEqual(locksBefore)
    expect(net.query('getLocks', { address: f.address })).toEqual(fLocks)
    expect(net.node.query.token.getSupply({}).gmt).toEqual(supplyBefore.gmt)

    // the old owner keeps its stake (it can unlock it) but no longer controls the credential
    expect(() => net.send(a1, [transferNodeMsg(a1.address, k.id, a3.address)])).toThrow(
      expect.objectContaining({ code: 'STAKING_NOT_NODE_OWNER' }),
    )
    net.send(a1, [unlockMsg(a1.address, k.id, 10n * GAT)])
    // the new owner can pass it on, to an account that never existed (created with the credential)
    net.send(a2, [transferNodeMsg(a2.address, k.id, a3.address)])
    await net.ourBlock()
    expect(net.nodeView(k.id)).toMatchObject({ owner: a3.address, locked: (20n * GAT).toString() })
    expect(net.gmt(a2.address)).toEqual({ total: '1', bound: '0' })
    expect(net.gmt(a3.address)).toEqual({ total: '1', bound: '1' })
    expect(net.node.query.token.getAccount({ address: a3.address }).exists).toBe(true)
    // with its free GMT the seller can register another device
    const k2 = holdKey(net, 'second-device')
    net.send(a2, [registerNodeMsg(a2.address, k2.id)])
    await net.ourBlock()
    expect(net.gmt(a2.address)).toEqual({ total: '1', bound: '1' })
  })
})
