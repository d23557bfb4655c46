/**
 * Governance on an in-process devnet node with real signatures, real blocks and a classic-level
 * database, invariants checked on every block: every lifecycle end (passed with its param change
 * applied, rejected, vetoed, no quorum, expired) with its refunds and burns; each refusal with
 * its own code and nothing written; the running tally following locks, unlocks and a slash; and
 * a follower importing the blocks to the same state root.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { encodeVote, voteSignBytes } from '../chain/codec/block.js'
import { type NodeKey, signEd25519 } from '../chain/crypto/ed25519.js'
import { hex } from '../chain/hex.js'
import {
  depositMessage,
  lockMessage,
  type ProposalFields,
  submitProposalMessage,
  voteMessage,
} from '../cli/txMessages.js'
import { GOVERNANCE_ACCOUNT } from '../modules/governance/method.js'
import type { GatherNode } from '../node/index.js'
import { openDevnetNode } from './helpers/devnet.js'
import { TxDriver } from './helpers/messaging.js'
import { Rng, testSeed } from './helpers/rng.js'
import {
  type AccountSigner,
  issueDeviceMsg,
  registerNodeMsg,
  submitEvidenceMsg,
  testAccount,
  testNodeKey,
} from './helpers/staking.js'

const GAT = 1_000_000n
const DEPOSIT_PERIOD = 4
const VOTING_PERIOD = 20
const SEED = testSeed('GATHER_GOV_SEED')

type Devnet = Awaited<ReturnType<typeof openDevnetNode>>

describe(`governance on a devnet node (GATHER_GOV_SEED=${SEED})`, () => {
  let dn: Devnet
  let node: GatherNode
  let d: TxDriver
  let alice: AccountSigner
  let bob: AccountSigner
  let carol: AccountSigner
  let dave: AccountSigner
  let validatorNode: string
  const rng = new Rng(SEED)

  const stakingParamsNow = () => node.query.staking.getParams({}) as { unbondingBlocks: number }
  const supplyBurned = () => BigInt(node.query.token.getSupply({}).burned)
  const proposal = (id: number) => node.query.governance.getProposal({ proposalId: id })!
  const lastId = () => node.query.governance.getProposals({}).proposals[0]!.id
  const propose = async (who: AccountSigner, p: ProposalFields, deposit: bigint) => {
    await d.commit(who, [submitProposalMessage(who.address, p, deposit)])
    return lastId()
  }
  /** Produces blocks until the proposal's current period has ended. */
  const untilEnded = async (id: number) => {
    for (let i = 0; i < DEPOSIT_PERIOD + VOTING_PERIOD + 2; i++) {
      const s = proposal(id).status
      if (s !== 'deposit' && s !== 'voting') return
      await d.block()
    }
    throw new Error(`proposal ${id} did not end`)
  }
  const vote = (who: AccountSigner, id: number, option: string) =>
    d.commit(who, [voteMessage(who.address, BigInt(id), option)])

  beforeAll(async () => {
    dn = await openDevnetNode({
      governance: {
        depositPeriodBlocks: DEPOSIT_PERIOD,
        votingPeriodBlocks: VOTING_PERIOD,
        upgradeMarginBlocks: 2,
      },
      staking: { unbondingBlocks: 3, maxSuperNodes: 1 },
      node: { checkInvariants: true },
    })
    node = dn.node
    d = new TxDriver(node, dn.genesis.chainId)
    ;[alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((l) =>
      testAccount(`gov-${l}-${SEED}`),
    ) as [AccountSigner, AccountSigner, AccountSigner, AccountSigner]
    await d.fund(dn.keys, [alice, bob, carol, dave], 5_000n * GAT)
    validatorNode = hex(dn.keys.nodeKey.publicKey)
    // 2,000 GAT locked in all: validator 1,000, alice 600, bob 300, carol 100
    await d.commit(alice, [lockMessage('lock', alice.address, validatorNode, 600n * GAT)])
    await d.commit(bob, [lockMessage('lock', bob.address, validatorNode, 300n * GAT)])
    await d.commit(carol, [lockMessage('lock', carol.address, validatorNode, 100n * GAT)])
  })

  afterAll(async () => {
    await dn?.close()
  })

  test('a param change gets its deposit from two accounts, is voted through, passes, and applies at the end; deposits come back', async () => {
    const aliceBefore = d.balance(alice.address)
    const bobBefore = d.balance(bob.address)
    const id = await propose(
      alice,
      {
        kind: 'param-change',
        title: 'shorter unbonding',
        changes: [{ module: 'staking', key: 'unbondingBlocks', value: '7' }],
      },
      250n * GAT,
    )
    expect(proposal(id).status).toBe('deposit')
    expect(d.balance(GOVERNANCE_ACCOUNT)).toBe(250n * GAT)
    const opened = await d.commit(bob, [depositMessage(bob.address, BigInt(id), 750n * GAT)])
    expect(opened.txs[0]!.events.some((e) => e.startsWith('governance.voting_started'))).toBe(true)
    expect(proposal(id).status).toBe('voting')
    await vote(alice, id, 'no')
    await vote(alice, id, 'yes') // changed before the end
    await vote(bob, id, 'yes')
    expect(proposal(id).tally).toEqual({ yes: (900n * GAT).toString(), no: '0', abstain: '0', veto: '0' })
    expect(node.query.governance.getVote({ proposalId: id, voter: alice.address })).toMatchObject({
      option: 'yes',
    })
    expect(node.query.governance.getVotes({ proposalId: id })?.total).toBe(2)
    expect(stakingParamsNow().unbondingBlocks).toBe(3)
    await untilEnded(id)
    const p = proposal(id)
    expect(p.status).toBe('passed')
    expect(p.tally.yes).toBe((900n * GAT).toString())
    expect(stakingParamsNow().unbondingBlocks).toBe(7)
    // refunded: only the fees (1,000 ugat a transaction) are gone
    expect(d.balance(alice.address)).toBe(aliceBefore - 3n * 1_000n)
    expect(d.balance(bob.address)).toBe(bobBefore - 2n * 1_000n)
    expect(d.balance(GOVERNANCE_ACCOUNT)).toBe(0n)
  })

  test('no quorum burns, a veto burns, a rejection refunds, an expiry burns (all counted in burned)', async () => {
    const cases = [
      { what: 'no quorum', votes: [[carol, 'yes']], status: 'rejected', burned: true },
      {
        what: 'veto',
        votes: [
          [alice, 'yes'],
          [bob, 'veto'],
          [carol, 'veto'],
        ],
        status: 'vetoed',
        burned: true,
      },
      {
        what: 'rejected',
        votes: [
          [alice, 'no'],
          [bob, 'yes'],
        ],
        status: 'rejected',
        burned: false,
      },
    ] as const
    for (const c of cases) {
      const burnedBefore = supplyBurned()
      const daveBefore = d.balance(dave.address)
      const id = await propose(dave, { kind: 'text', title: c.what }, 1_000n * GAT)
      for (const [who, option] of c.votes) await vote(who, id, option)
      await untilEnded(id)
      const p = proposal(id)
      expect({ what: c.what, status: p.status }).toEqual({ what: c.what, status: c.status })
      const fees = 1_000n
      expect({ what: c.what, burned: supplyBurned() - burnedBefore }).toEqual({
        what: c.what,
        burned: (c.burned ? 1_000n * GAT : 0n) + fees * BigInt(1 + c.votes.length),
      })
      expect({ what: c.what, dave: daveBefore - d.balance(dave.address) }).toEqual({
        what: c.what,
        dave: (c.burned ? 1_000n * GAT : 0n) + fees,
      })
    }
    const burnedBefore = supplyBurned()
    const id = await propose(dave, { kind: 'text', title: 'never funded' }, 250n * GAT)
    await untilEnded(id)
    expect(proposal(id).status).toBe('expired')
    expect(supplyBurned() - burnedBefore).toBe(250n * GAT + 1_000n)
    expect(d.balance(GOVERNANCE_ACCOUNT)).toBe(0n)
  })

  test('refusals: each with its own code, nothing written', async () => {
    const ended = 1
    const open = await propose(alice, { kind: 'text', title: 'open' }, 1_000n * GAT)
    const nobody = testAccount(`gov-nobody-${SEED}`)
    await d.fund(dn.keys, [nobody], 2_000n * GAT)
    const root = hex(node.chain.head.stateRoot)
    const pending = node.mempool.size
    const cases: {
      what: string
      signer: AccountSigner
      msg: ReturnType<typeof voteMessage>
      code: string
    }[] = [
      {
        what: 'a vote after the end',
        signer: alice,
        msg: voteMessage(alice.address, BigInt(ended), 'yes'),
        code: 'GOVERNANCE_VOTING_ENDED',
      },
      {
        what: 'a vote without locked GAT',
        signer: nobody,
        msg: voteMessage(nobody.address, BigInt(open), 'yes'),
        code: 'GOVERNANCE_NO_VOTING_POWER',
      },
      {
        what: 'a vote on an unknown proposal',
        signer: alice,
        msg: voteMessage(alice.address, 999n, 'yes'),
        code: 'GOVERNANCE_UNKNOWN_PROPOSAL',
      },
      {
        what: 'an unknown option',
        signer: alice,
        msg: voteMessage(alice.address, BigInt(open), 'maybe'),
        code: 'GOVERNANCE_UNKNOWN_OPTION',
      },
      {
        what: 'a deposit below the initial ratio',
        signer: alice,
        msg: submitProposalMessage(alice.address, { kind: 'text', title: 'cheap' }, 249n * GAT),
        code: 'GOVERNANCE_INITIAL_DEPOSIT_TOO_LOW',
      },
      {
        what: 'an invalid param value',
        signer: alice,
        msg: submitProposalMessage(
          alice.address,
          {
            kind: 'param-change',
            title: 'bad',
            changes: [{ module: 'staking', key: 'unbondingBlocks', value: '0' }],
          },
          250n * GAT,
        ),
        code: 'PARAMS_INVALID',
      },
      {
        what: 'a param of no module',
        signer: alice,
        msg: submitProposalMessage(
          alice.address,
          { kind: 'param-change', title: 'bad', changes: [{ module: 'nope', key: 'x', value: '1' }] },
          250n * GAT,
        ),
        code: 'GOVERNANCE_UNKNOWN_MODULE',
      },
      {
        what: 'an upgrade too soon',
        signer: alice,
        msg: submitProposalMessage(
          alice.address,
          { kind: 'software-upgrade', title: 'v2', upgrade: { name: 'v2', height: 3 } },
          250n * GAT,
        ),
        code: 'GOVERNANCE_UPGRADE_TOO_SOON',
      },
      {
        what: 'a title of 141 characters',
        signer: alice,
        msg: submitProposalMessage(alice.address, { kind: 'text', title: 'x'.repeat(141) }, 250n * GAT),
        code: 'GOVERNANCE_INVALID_PROPOSAL',
      },
    ]
    for (const c of cases) {
      const r = d.refusal(c.signer, [c.msg])
      expect({ what: c.what, code: r.code }).toEqual({ what: c.what, code: c.code })
    }
    const bad = d.refusal(alice, [cases[5]!.msg])
    expect(bad.message).toContain('staking.params.unbondingBlocks')
    expect(node.mempool.size).toBe(pending)
    expect(hex(node.chain.head.stateRoot)).toBe(root)
    // nothing in a block either: an empty block changes only what blocks change
    await untilEnded(open)
  })

  test("locking or unlocking after voting moves the tally both ways; a slash of the voter's node lowers its weight", async () => {
    // a second node, owned by dave, on which carol locks: evidence against it slashes her lock
    const other: NodeKey & { id: string } = testNodeKey(`gov-other-${SEED}`)
    await d.commit(dn.keys.validator, [issueDeviceMsg(dn.keys.validator.address, dave.address)])
    await d.commit(dave, [registerNodeMsg(dave.address, other.id, 'other')])
    await d.commit(dave, [lockMessage('lock', dave.address, other.id, 2n * GAT)])
    const id = await propose(alice, { kind: 'text', title: 'tally follows locks' }, 1_000n * GAT)
    await vote(alice, id, 'yes')
    await vote(carol, id, 'no')
    const tally = () => proposal(id).tally
    expect(tally().yes).toBe((600n * GAT).toString())
    // random lock and unlock amounts (seeded) move alice's yes both ways
    let aliceLocked = 600n * GAT
    for (let i = 0; i < 3; i++) {
      const up = BigInt(1 + rng.int(50)) * GAT
      await d.commit(alice, [lockMessage('lock', alice.address, other.id, up)])
      aliceLocked += up
      expect({ step: `lock ${i}`, yes: tally().yes }).toEqual({
        step: `lock ${i}`,
        yes: aliceLocked.toString(),
      })
      const down = BigInt(1 + rng.int(50)) * GAT
      await d.commit(alice, [lockMessage('unlock', alice.address, validatorNode, down)])
      aliceLocked -= down
      expect({ step: `unlock ${i}`, yes: tally().yes }).toEqual({
        step: `unlock ${i}`,
        yes: aliceLocked.toString(),
      })
    }
    // carol moves 40 GAT onto the other node, then a double vote by it is proven: 5 % burned
    await d.commit(carol, [lockMessage('unlock', carol.address, validatorNode, 40n * GAT)])
    await d.commit(carol, [lockMessage('lock', carol.address, other.id, 40n * GAT)])
    expect(tally().no).toBe((100n * GAT).toString())
    const aliceOnOther = BigInt(
      node.query.staking.getLocks({ address: alice.address }).locks.find((l) => l.nodeId === other.id)!
        .amount,
    )
    const h = node.chain.head.height
    const signed = (hash: Uint8Array) =>
      encodeVote({
        height: h,
        blockHash: hash,
        validator: other.publicKey,
        signature: signEd25519(other.privateKey, voteSignBytes(dn.genesis.chainId, h, hash)),
      })
    await d.commit(dave, [
      submitEvidenceMsg(
        dave.address,
        'double-vote',
        signed(new Uint8Array(32).fill(1)),
        signed(new Uint8Array(32).fill(2)),
      ),
    ])
    expect(tally().no).toBe((100n * GAT - (40n * GAT * 500n) / 10_000n).toString())
    expect(tally().yes).toBe((aliceLocked - (aliceOnOther * 500n) / 10_000n).toString())
    // a follower replaying every block has the same state root
    const follower = await openDevnetNode({
      governance: {
        depositPeriodBlocks: DEPOSIT_PERIOD,
        votingPeriodBlocks: VOTING_PERIOD,
        upgradeMarginBlocks: 2,
      },
      staking: { unbondingBlocks: 3, maxSuperNodes: 1 },
      node: { checkInvariants: true },
    })
    try {
      await d.replay(follower.node)
    } finally {
      await follower.close()
    }
  })
})
