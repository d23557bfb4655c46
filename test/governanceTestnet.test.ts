/**
 * Governance on a real 3-validator testnet (`gather testnet --init-only` with short periods, one
 * `gather start --check-invariants` process per node): the faucet proposes a staking param change
 * through node 0, each validator's owner votes with its self-lock through its own node, and every
 * node ends the vote in the same block: same hash and state root, the `governance.param_changed`
 * block event in it, and the new value in `staking_getParams` from the next block.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { submitProposalMessage, voteMessage } from '../cli/txMessages.js'
import type { GatherClient } from '../rpc/client.js'
import { commitMain, TestnetNodes } from './helpers/testnetNodes.js'
import { waitFor } from './helpers/wait.js'

const GAT = 1_000_000n
const BLOCK_MS = 300
const DEPOSIT_PERIOD = 20
// 6 s of 300 ms blocks: the proposal reaches every node, three votes commit and every node is read within it
const VOTING_PERIOD = 20
const OLD_UNBONDING = 302_400
const NEW_UNBONDING = 77

describe('governance on a 3-validator testnet', () => {
  let tn: TestnetNodes
  let clients: GatherClient[]

  beforeAll(async () => {
    tn = await TestnetNodes.create(3, {
      blockTimeMs: BLOCK_MS,
      init: [
        '--deposit-period-blocks',
        String(DEPOSIT_PERIOD),
        '--voting-period-blocks',
        String(VOTING_PERIOD),
      ],
      extra: ['--check-invariants'],
    })
    clients = tn.clients
    tn.startAll()
    await tn.untilFinal(1, 30_000)
  }, 45_000)

  afterAll(async () => {
    await tn?.close()
  })

  test('a param change voted through by the validators switches every node at the same height', async () => {
    const chainId = tn.manifest.chainId
    const owners = await Promise.all([0, 1, 2].map((i) => deriveAccountKey(TEST_MNEMONIC, i)))
    const faucet = await deriveAccountKey(TEST_MNEMONIC, tn.manifest.faucet.index)
    for (const c of clients)
      expect(await c.getGovParams()).toMatchObject({
        depositPeriodBlocks: DEPOSIT_PERIOD,
        votingPeriodBlocks: VOTING_PERIOD,
        minDeposit: (1_000n * GAT).toString(),
      })

    // the faucet (nothing locked) proposes through node 0 with the whole minDeposit: voting opens at once
    const submitted = await commitMain(clients[0]!, chainId, faucet, [
      submitProposalMessage(
        faucet.address,
        {
          kind: 'param-change',
          title: 'Shorter unbonding',
          changes: [{ module: 'staking', key: 'unbondingBlocks', value: String(NEW_UNBONDING) }],
        },
        1_000n * GAT,
      ),
    ])
    expect({ code: submitted.code, log: submitted.log }).toEqual({ code: 0, log: '' })
    const id = (await clients[0]!.getProposals()).proposals[0]!.id
    await waitFor(
      `proposal ${id} to vote on every node`,
      async () => {
        // -32001 on a node that has not imported the submission block yet
        const ps = await Promise.all(clients.map((c) => c.getProposal(id).catch(() => undefined)))
        return ps.every((p) => p?.status === 'voting')
      },
      10_000,
    )
    const end = (await clients[0]!.getProposal(id)).votingEndHeight
    expect(end).toBe(submitted.height + VOTING_PERIOD)

    // each owner votes with its 1,000 GAT self-lock through its own node: 2,000 yes, 1,000 no of 3,000
    const votes = await Promise.all(
      (['no', 'yes', 'yes'] as const).map((option, i) =>
        commitMain(clients[i]!, chainId, owners[i]!, [voteMessage(owners[i]!.address, BigInt(id), option)]),
      ),
    )
    for (const v of votes) expect({ code: v.code, log: v.log }).toEqual({ code: 0, log: '' })
    // each vote is committed on its own node; the others may still be importing that block
    const voted = Math.max(...votes.map((v) => v.height))
    await waitFor(
      `every node at height ${voted}`,
      async () => (await Promise.all(clients.map((c) => c.getStatus()))).every((s) => s.height >= voted),
      10_000,
    )
    for (const c of clients) {
      expect(await c.getProposal(id)).toMatchObject({
        status: 'voting',
        tally: { yes: (2_000n * GAT).toString(), no: (1_000n * GAT).toString() },
      })
      expect((await c.getStakingParams()).unbondingBlocks).toBe(OLD_UNBONDING)
      // read before the end of voting, so the old value above is the value before the switch
      expect((await c.getStatus()).height).toBeLessThan(end)
    }

    await tn.untilFinal(end + 1, 30_000)
    const blocks = await Promise.all(clients.map((c) => c.getBlock({ height: end })))
    expect(new Set(blocks.map((b) => b.hash)).size).toBe(1)
    expect(new Set(blocks.map((b) => b.header.stateRoot)).size).toBe(1)
    const before = await Promise.all(clients.map((c) => c.getBlock({ height: end - 1 })))
    for (const [i, b] of blocks.entries()) {
      const ev = (type: string) =>
        b.events
          .filter((e) => e.type === type)
          .map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value])))
      expect({ node: i, changed: ev('governance.param_changed') }).toEqual({
        node: i,
        changed: [
          {
            proposal_id: String(id),
            module: 'staking',
            key: 'unbondingBlocks',
            value: String(NEW_UNBONDING),
          },
        ],
      })
      expect(ev('governance.proposal_ended')).toMatchObject([{ proposal_id: String(id), status: 'passed' }])
      expect(before[i]!.events.map((e) => e.type)).not.toContain('governance.param_changed')
      expect((await clients[i]!.getProposal(id)).status).toBe('passed')
      expect((await clients[i]!.getStakingParams()).unbondingBlocks).toBe(NEW_UNBONDING)
    }
  }, 45_000)
})
