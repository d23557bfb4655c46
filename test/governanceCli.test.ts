/**
 * Governance through the `gather` CLI against a real `gather devnet` process with short periods:
 * a param change deposited by two accounts, voted through and applied at the end of voting (the
 * staking params show it from the next block); CLI refusals; then software upgrades: a plan
 * cancelled by a later proposal stops nobody, a pending plan shows in `query status`, and the
 * node stops before its height with the message and exit status 3, data intact. Reopened with a
 * build that registers the handler (a test registration), the handler runs once at that height
 * and the chain goes on.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { hex } from '../chain/hex.js'
import { homePaths, readGenesis, readNodeKey } from '../cli/home.js'
import { type ProposalFields, submitProposalMessage, voteMessage } from '../cli/txMessages.js'
import { GatherNode } from '../node/index.js'
import type { ProposalResult } from '../rpc/client.js'
import { type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { commitMain } from './helpers/testnetNodes.js'
import { waitFor } from './helpers/wait.js'

const GAT = 1_000_000n

const BLOCK_MS = 150
const DEPOSIT_PERIOD = 60
// 9 s of 150 ms blocks: the deposit and the vote are two CLI processes within it
const VOTING_PERIOD = 60
const MARGIN = 5

describe('governance from the CLI against a `gather devnet` process', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let keysHome: string
  let passFile: string
  let home: string

  const cli = (args: string[]) =>
    runCli([
      ...args,
      ...(args[0] === 'keys' ? [] : ['--rpc', devnet!.rpc]),
      ...(args[0] === 'tx' || args[0] === 'keys' ? ['--home', keysHome, '--passphrase-file', passFile] : []),
    ])
  const ok = async <T>(args: string[]): Promise<T> => {
    const r = await cli([...args, '--json'])
    if (r.code !== 0) throw new Error(`gather ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  const fails = async (args: string[]): Promise<string> => {
    const r = await cli(args)
    expect({ args, code: r.code }).toEqual({ args, code: 1 })
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/)
    return r.stderr
  }
  const proposal = (id: number) => ok<ProposalResult>(['query', 'proposal', String(id)])
  const untilStatus = (id: number, statuses: string[]) =>
    waitFor(
      `proposal ${id} to be ${statuses.join(' or ')}`,
      async () => statuses.includes((await devnet!.client.getProposal(id)).status),
      60_000,
    )
  const lastId = async () => (await devnet!.client.getProposals()).proposals[0]!.id

  beforeAll(async () => {
    tmp = await tempDir('gather-gov-cli-')
    keysHome = join(tmp.dir, 'client')
    passFile = join(tmp.dir, 'pass.txt')
    home = join(tmp.dir, 'devnet')
    await writeFile(passFile, 'correct horse battery staple\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'mnemonic.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    devnet = await startDevnet(home, BLOCK_MS, [
      '--deposit-period-blocks',
      String(DEPOSIT_PERIOD),
      '--voting-period-blocks',
      String(VOTING_PERIOD),
      '--upgrade-margin-blocks',
      String(MARGIN),
      '--check-invariants',
    ])
    for (const [name, index] of [
      ['validator', '0'],
      ['faucet', '1'],
    ] as const)
      await ok(['keys', 'import', name, '--mnemonic-file', join(tmp.dir, 'mnemonic.txt'), '--index', index])
  }, 60_000)

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('a param change: deposits from two accounts, voted through, applied at the end of voting', async () => {
    const params = await ok<{ votingPeriodBlocks: number; minDeposit: string }>(['query', 'gov-params'])
    expect(params).toMatchObject({ votingPeriodBlocks: VOTING_PERIOD, minDeposit: '1000000000' })
    await fails([
      'tx',
      'propose',
      'param-change',
      'faucet',
      '--title',
      'bad',
      '--change',
      'staking.unbondingBlocks=0',
    ])
    const submitted = await ok<{ code: number }>([
      'tx',
      'propose',
      'param-change',
      'faucet',
      '--title',
      'Shorter unbonding',
      '--change',
      'staking.unbondingBlocks=77',
      '--deposit',
      '250gat',
    ])
    expect(submitted.code).toBe(0)
    const id = await lastId()
    expect((await proposal(id)).status).toBe('deposit')
    await ok(['tx', 'deposit', 'validator', String(id), '750gat'])
    await ok(['tx', 'vote', 'validator', String(id), 'yes'])
    // read over RPC, in milliseconds: each CLI call is a process start, which on a busy machine can
    // take longer than the rest of the voting period
    const [live, during] = await Promise.all([
      devnet!.client.getProposal(id),
      devnet!.client.getStakingParams(),
    ])
    expect(live).toMatchObject({ status: 'voting', tally: { yes: '1000000000', no: '0' } })
    expect(live.blocksLeft).toBeGreaterThan(0)
    expect(during.unbondingBlocks).toBe(302_400)
    await untilStatus(id, ['passed', 'rejected', 'vetoed'])
    const ended = await proposal(id)
    expect(ended.status).toBe('passed')
    expect((await ok<{ unbondingBlocks: number }>(['query', 'staking-params'])).unbondingBlocks).toBe(77)
    // applied by the end-of-voting block itself: its block events say so
    const block = await devnet!.client.getBlock({ height: ended.votingEndHeight })
    expect(block.events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'governance.proposal_ended',
        'governance.deposits_refunded',
        'governance.param_changed',
      ]),
    )
    const late = await fails(['tx', 'vote', 'validator', String(id), 'no'])
    expect(late).toContain('GOVERNANCE_VOTING_ENDED')
    await fails(['tx', 'vote', 'validator', String(id), 'maybe'])
    expect(
      (await ok<{ proposals: unknown[] }>(['query', 'proposals', '--status', 'passed'])).proposals,
    ).toHaveLength(1)
  }, 60_000)

  test('a cancelled plan stops nobody; a pending one stops the node before its height, data intact; a build with its handler runs it once and goes on', async () => {
    const height = async () => (await devnet!.client.getStatus()).height
    // v1's height lies past the end of the cancelling proposal, submitted two CLI calls later
    const h1 = (await height()) + VOTING_PERIOD + MARGIN + 15
    // over RPC (the CLI's propose and vote are shown above): each is one block
    const [validator, faucet] = await Promise.all([
      deriveAccountKey(TEST_MNEMONIC, 0),
      deriveAccountKey(TEST_MNEMONIC, 1),
    ])
    const chainId = (await devnet!.client.getStatus()).chainId
    const propose = async (p: ProposalFields) => {
      const sent = await commitMain(devnet!.client, chainId, faucet, [
        submitProposalMessage(faucet.address, p, 1_000n * GAT),
      ])
      expect({ log: sent.log, code: sent.code }).toEqual({ log: '', code: 0 })
      const id = await lastId()
      const voted = await commitMain(devnet!.client, chainId, validator, [
        voteMessage(validator.address, BigInt(id), 'yes'),
      ])
      expect(voted.code).toBe(0)
      return id
    }
    const v1 = await propose({ kind: 'software-upgrade', title: 'v1', upgrade: { name: 'v1', height: h1 } })
    const cancel = await propose({ kind: 'cancel-upgrade', title: 'not v1', upgrade: { name: 'v1' } })
    // v2's height leaves ~30 blocks (4.5 s) after its end of voting for the checks below, which
    // must run before the node stops at h2: a CLI process can take seconds to start on a busy machine
    const h2 = Math.max(h1 + 5, (await height()) + VOTING_PERIOD + MARGIN + 30)
    const v2 = await propose({ kind: 'software-upgrade', title: 'v2', upgrade: { name: 'v2', height: h2 } })
    await untilStatus(v2, ['passed', 'rejected', 'vetoed'])
    const status = await ok<{ pendingUpgrade: unknown }>(['query', 'status'])
    expect(status.pendingUpgrade).toEqual({ name: 'v2', height: h2, proposalId: v2 })
    expect((await devnet!.client.getProposal(v1)).status).toBe('passed')
    expect((await devnet!.client.getProposal(cancel)).status).toBe('passed')
    // the cancelled v1 height passes; at v2's height the node stops by itself
    const child = devnet!.child
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode)
      else child.once('exit', (c) => resolve(c))
    })
    expect(code).toBe(3)
    expect(devnet!.output()).toContain(`upgrade v2 is required at height ${h2}: run a release that knows it`)

    // the data is intact at h2 - 1; a build that knows v2 runs its handler once at h2
    const paths = homePaths(home)
    const genesis = await readGenesis(paths)
    const nodeKey = await readNodeKey(paths)
    let runs = 0
    const withHandler = await GatherNode.open({
      dataDir: paths.data,
      genesis,
      nodeKey,
      produce: false,
      checkInvariants: true,
      upgradeHandlers: [{ name: 'v2', migrate: () => void runs++ }],
    })
    try {
      expect(withHandler.chain.head.height).toBe(h2 - 1)
      expect(withHandler.haltedBy).toBeUndefined()
      const at = await withHandler.produceBlock()
      expect(at.block.header.height).toBe(h2)
      expect(at.blockEvents.map((e) => e.type)).toContain('governance.upgrade_applied')
      await withHandler.produceBlock()
      expect(runs).toBe(1)
      expect(withHandler.getStatus().pendingUpgrade).toBeNull()
    } finally {
      await withHandler.stop()
    }
    // the plan is done: a build without the handler goes on from here too
    const without = await GatherNode.open({ dataDir: paths.data, genesis, nodeKey, produce: false })
    try {
      expect(without.haltedBy).toBeUndefined()
      const next = await without.produceBlock()
      expect(next.block.header.height).toBe(h2 + 2)
      expect(hex(next.block.header.previousHash)).not.toBe('')
    } finally {
      await without.stop()
    }
  }, 90_000)
})
