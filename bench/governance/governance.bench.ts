/**
 * Governance benchmarks (`npm run bench -- --only governance`):
 *
 * 1. The end-of-voting block with 100 and with 100,000 votes: a state holding one voting
 *    proposal (a param change, deposits from two accounts) and that many voters, each with GAT
 *    locked and a vote recorded through `governanceMethod.recordVote` (the path MsgVote takes),
 *    built directly (not with 100,000 signed transactions) and committed with
 *    `CommittedState.fromEntries`. Timed: the block hooks of the end-of-voting block on a fresh
 *    block `StateOverlay` (`StateMachine.beforeTransactions`: every module's, governance's tally,
 *    refunds and param change included) and, separately, that plus the new state root. The ratio
 *    100,000 / 100 should be about 1: the end reads one running tally, never the votes.
 * 2. A lock change of an account with open votes on 10 proposals: `stakingMethod.applyLockChange`
 *    with governance's lock listener (what MsgLock/MsgUnlock and slashing run) against the same
 *    change without a listener, on a state with 10 voting proposals the account voted on.
 */

import { addressFromPubkey } from '../../chain/crypto/address.js'
import { type BlockInfo, type ExecContext, StateMachine } from '../../chain/stateMachine.js'
import { CommittedState } from '../../chain/store/committedState.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import { buildDevnetGenesis } from '../../genesis/devnet.js'
import { genesisTimeMs } from '../../genesis/schema.js'
import { addDeposit } from '../../modules/governance/lifecycle.js'
import { governanceMethod } from '../../modules/governance/method.js'
import type { ProposalRecord } from '../../modules/governance/stores/index.js'
import { stakingMethod } from '../../modules/staking/method.js'
import { tokenAuthenticator } from '../../modules/token/module.js'
import { chainModules, stakingTokenMethod } from '../../node/index.js'
import { governanceDeps } from '../../node/wiring.js'
import { type Stats, stats, timeRuns } from '../stats.js'

const GAT = 1_000_000n

/** Options of {@link runGovernanceBench}. */
export interface GovernanceBenchOptions {
  /** vote counts of the end-of-voting block (default [100, 100,000]) */
  voteCounts?: number[]
  /** timed runs of each measurement (default 30) */
  runs?: number
  /** open proposals the account of the lock change voted on (default 10) */
  openProposals?: number
  log?: (line: string) => void
}

/** One end-of-voting measurement. */
export interface EndOfVotingResult {
  votes: number
  /** the block hooks of the end-of-voting block (ms) */
  hooksMs: Stats
  /** the hooks plus the new state root (ms) */
  hooksAndRootMs: Stats
  /** keys the end-of-voting block writes */
  keysWritten: number
  /** seconds to build the state (not measured) */
  buildSeconds: number
}

/** Everything the governance bench measured. */
export interface GovernanceBenchResult {
  endOfVoting: EndOfVotingResult[]
  /** hooksMs median at the largest vote count / at the smallest */
  ratio: number
  lockChange: { openProposals: number; withVotesMs: Stats; withoutListenerMs: Stats; overheadMs: number }
  notes: string[]
}

const VOTING = 100
const voterAddress = (i: number): string => {
  const b = new Uint8Array(33)
  b[0] = 2
  new DataView(b.buffer).setUint32(1, i + 1)
  return addressFromPubkey(b)
}

/** The devnet genesis state plus what each measurement adds, as a committed state. */
async function baseState() {
  const { genesis, keys } = await buildDevnetGenesis({
    genesisTime: new Date('2026-01-01T00:00:00Z'),
    blockTimeMs: 2000,
    governance: { depositPeriodBlocks: 10, votingPeriodBlocks: VOTING, upgradeMarginBlocks: 10 },
  })
  const machine = new StateMachine(
    { chainId: genesis.chainId, maxTxBytes: 65_536 },
    chainModules(),
    tokenAuthenticator,
  )
  const w = new StateOverlay(CommittedState.empty())
  machine.initGenesis(w, genesisTimeMs(genesis), genesis as unknown as Record<string, unknown>)
  return {
    machine,
    w,
    keys,
    nodeId: Buffer.from(keys.nodeKey.publicKey).toString('hex'),
    chainId: genesis.chainId,
  }
}

const info = (chainId: string, height: number): BlockInfo => ({
  chainId,
  height,
  slot: height,
  timeMs: height * 2000,
  proposer: new Uint8Array(0),
})

/** Opens a voting proposal at height 1 (a param change, deposits from the faucet and the validator). */
function openProposal(ctx: ExecContext, faucet: string, validator: string, n: number): bigint {
  const id = governanceMethod.takeProposalId(ctx.state)
  const p: ProposalRecord = {
    id: id.toString(),
    proposer: faucet,
    kind: 'param-change',
    title: `bench ${n}`,
    description: '',
    changes: [{ module: 'staking', key: 'unbondingBlocks', value: String(1000 + n) }],
    upgradeHeight: '0',
    upgradeName: '',
    status: 'deposit',
    submitHeight: String(ctx.block.height),
    depositEndHeight: String(ctx.block.height + 10),
    votingStartHeight: '0',
    votingEndHeight: '0',
    totalDeposit: '0',
    finalTally: null,
    totalLocked: '0',
    outcome: '',
  }
  governanceMethod.setProposal(ctx.state, p)
  governanceMethod.queueEnd(ctx.state, ctx.block.height + 10, id)
  governanceMethod.changeOpenCount(ctx.state, 1)
  const deps = governanceDeps([])
  const after = addDeposit(ctx, deps, p, faucet, 250n * GAT)
  addDeposit(ctx, deps, after, validator, 750n * GAT)
  return id
}

function commit(w: StateOverlay): CommittedState {
  const entries: [string, Uint8Array][] = []
  for (const [k, v] of w.changes()) if (v !== null) entries.push([k, v])
  return CommittedState.fromEntries(entries)
}

/** Runs the governance benchmarks. */
export async function runGovernanceBench(opts: GovernanceBenchOptions = {}): Promise<GovernanceBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line))
  const runs = opts.runs ?? 200
  const notes: string[] = []
  const endOfVoting: EndOfVotingResult[] = []
  for (const votes of opts.voteCounts ?? [100, 100_000]) {
    const t = performance.now()
    const { machine, w, keys, nodeId, chainId } = await baseState()
    const ctx: ExecContext = { block: info(chainId, 1), state: w, emit: () => undefined }
    const id = openProposal(ctx, keys.faucet.address, keys.validator.address, votes)
    const options = ['yes', 'yes', 'yes', 'no', 'abstain'] as const
    // the validator's genesis lock votes too, so both sizes reach quorum and pass
    governanceMethod.recordVote(
      w,
      id,
      keys.validator.address,
      'yes',
      stakingMethod.getLockedBy(w, keys.validator.address),
    )
    for (let i = 0; i < votes; i++) {
      const voter = voterAddress(i)
      const amount = BigInt(1 + (i % 7)) * GAT
      // the lock as staking records it (no balance needed for the state the end reads)
      stakingMethod.changeLock(w, voter, nodeId, amount)
      governanceMethod.recordVote(w, id, voter, options[i % options.length]!, amount)
    }
    const state = commit(w)
    const buildSeconds = (performance.now() - t) / 1000
    const end = 1 + VOTING
    const hooks = () => {
      const ov = new StateOverlay(state)
      machine.beforeTransactions(info(chainId, end), ov, [])
      return ov
    }
    const check = hooks()
    const ended = governanceMethod.getProposal(check, id)!
    if (ended.status !== 'passed') throw new Error(`the bench proposal ended ${ended.status}`)
    timeRuns(100, hooks) // warm: the first size otherwise pays the JIT
    const hooksMs = stats(timeRuns(runs, hooks))
    const hooksAndRootMs = stats(timeRuns(runs, () => state.treeWith(hooks().changes()).root))
    endOfVoting.push({ votes, hooksMs, hooksAndRootMs, keysWritten: check.size, buildSeconds })
    log(
      `governance: end of voting with ${votes} votes (${ended.status}): hooks ${hooksMs.median.toFixed(3)} ms, with root ${hooksAndRootMs.median.toFixed(3)} ms, ${check.size} keys written`,
    )
  }
  const first = endOfVoting[0]!
  const last = endOfVoting[endOfVoting.length - 1]!
  const ratio = last.hooksMs.median / first.hooksMs.median

  // ---- 2. a lock change of an account with open votes on N proposals ----
  const n = opts.openProposals ?? 10
  const { w, keys, nodeId, chainId } = await baseState()
  const ctx: ExecContext = { block: info(chainId, 1), state: w, emit: () => undefined }
  const voter = voterAddress(0)
  stakingMethod.changeLock(w, voter, nodeId, 5n * GAT)
  for (let i = 0; i < n; i++) {
    const id = openProposal(ctx, keys.faucet.address, keys.validator.address, i)
    governanceMethod.recordVote(w, id, voter, 'yes', 5n * GAT)
  }
  const state = commit(w)
  const listener = { ...stakingTokenMethod, lockChanged: governanceMethod.lockChanged }
  const lockOnce = (deps: typeof listener | typeof stakingTokenMethod) => () => {
    const ov = new StateOverlay(state)
    stakingMethod.applyLockChange(ov, deps, voter, nodeId, 1n * GAT, 2)
  }
  const probe = new StateOverlay(state)
  stakingMethod.applyLockChange(probe, listener, voter, nodeId, 1n * GAT, 2)
  if (governanceMethod.getTally(probe, 1n).yes !== 6n * GAT)
    throw new Error('the lock change did not move the tally')
  timeRuns(50, lockOnce(listener))
  timeRuns(50, lockOnce(stakingTokenMethod))
  const lockRuns = Math.max(runs * 10, 300)
  const withVotesMs = stats(timeRuns(lockRuns, lockOnce(listener)))
  const withoutListenerMs = stats(timeRuns(lockRuns, lockOnce(stakingTokenMethod)))
  const overheadMs = withVotesMs.median - withoutListenerMs.median
  log(
    `governance: lock change with open votes on ${n} proposals ${withVotesMs.median.toFixed(4)} ms (without listener ${withoutListenerMs.median.toFixed(4)} ms)`,
  )
  notes.push(
    'State built directly (locks through stakingMethod.changeLock, votes through governanceMethod.recordVote, the path MsgVote takes), committed with CommittedState.fromEntries; no signatures are involved in what is timed.',
    'End of voting: StateMachine.beforeTransactions of the block at votingEndHeight on a fresh StateOverlay over the committed state: every module\'s hook (staking election memo-less, jail and unbonding queues empty) and governance ending the proposal (one tally read, two refunds, the param change). "with root" adds CommittedState.treeWith(changes).root.',
    'Voters lock 1-7 GAT each on the devnet validator node (the node cap is not applied when the state is built directly); options cycle yes, yes, yes, no, abstain and the validator (1,000 GAT) votes yes, so at both sizes the proposal reaches quorum and passes (two refunds, the param change applied).',
    "Lock change: stakingMethod.applyLockChange on a fresh overlay (reward settlement included), with governance's lock listener against the same change without one.",
  )
  return {
    endOfVoting,
    ratio,
    lockChange: { openProposals: n, withVotesMs, withoutListenerMs, overheadMs },
    notes,
  }
}

/** The results as markdown. */
export function governanceMarkdown(rep: {
  date: string
  machine: {
    cpuModel: string
    cpus: number
    memoryGiB: number
    node: string
    platform: string
    arch: string
    loadAverage: { start: number[]; end: number[] }
  }
  result: GovernanceBenchResult
}): string {
  const m = rep.machine
  const r = rep.result
  const f = (x: number, d = 3) => x.toFixed(d)
  return [
    '# Gather Chain governance benchmark',
    '',
    `## End of voting and lock changes (${rep.date})`,
    '',
    `Written by \`npm run bench -- --only governance\` (bench/governance/governance.bench.ts). Machine: ${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, Node ${m.node} on ${m.platform}/${m.arch}; load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end. Run with \`nice -n 19\`.`,
    '',
    '### The end-of-voting block',
    '',
    '| votes | block hooks ms (median / min / max) | hooks + state root ms (median / min) | keys written | state build s |',
    '| --- | --- | --- | --- | --- |',
    ...r.endOfVoting.map(
      (e) =>
        `| ${e.votes.toLocaleString('en-US')} | ${f(e.hooksMs.median)} / ${f(e.hooksMs.min)} / ${f(e.hooksMs.max)} | ${f(e.hooksAndRootMs.median)} / ${f(e.hooksAndRootMs.min)} | ${e.keysWritten} | ${f(e.buildSeconds, 1)} |`,
    ),
    '',
    `Ratio of the medians, ${r.endOfVoting[r.endOfVoting.length - 1]!.votes.toLocaleString('en-US')} votes / ${r.endOfVoting[0]!.votes.toLocaleString('en-US')} votes: **${r.ratio.toFixed(2)}**.`,
    '',
    `### A lock change of an account with open votes on ${r.lockChange.openProposals} proposals`,
    '',
    '| | ms (median / min / max) |',
    '| --- | --- |',
    `| with governance's lock listener | ${f(r.lockChange.withVotesMs.median, 4)} / ${f(r.lockChange.withVotesMs.min, 4)} / ${f(r.lockChange.withVotesMs.max, 4)} |`,
    `| the same change without a listener | ${f(r.lockChange.withoutListenerMs.median, 4)} / ${f(r.lockChange.withoutListenerMs.min, 4)} / ${f(r.lockChange.withoutListenerMs.max, 4)} |`,
    `| governance's share (median difference) | ${f(r.lockChange.overheadMs, 4)} |`,
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n')
}
