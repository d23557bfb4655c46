/**
 * Rewards cost (issue 7): the end-of-day distribution and a claim must cost the same with 1,000
 * and 1,000,000 stakers (reward-per-share streams; docs/protocol/economics.md).
 *
 * For each size, a chain whose genesis holds that many stakers, each with 0.1 GAT locked on one
 * of 100 device nodes (written at genesis by a bench-only module that runs the same token and
 * staking methods as MsgLock, so the reward records are the real ones), then:
 * 1. module level, on an overlay over the committed state (restored after each run):
 *    `rewardsMethod.distributeDay` and `rewardsMethod.claim` of a random staker, in µs;
 * 2. block level, through `GatherNode.produceBlock` (execute, state root, atomic commit) with
 *    10-block days: ordinary empty blocks vs day-end blocks, and blocks with one transfer vs
 *    blocks with one MsgClaimRewards, in ms.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toBech32 } from '@cosmjs/encoding'
import { nodeKeyFromSeed } from '../../chain/crypto/ed25519.js'
import type { ExecContext, Module } from '../../chain/stateMachine.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { claimRewardsMessage } from '../../cli/txMessages.js'
import { parseGenesis } from '../../genesis/schema.js'
import { stakingMethod } from '../../modules/staking/method.js'
import { nodeStore } from '../../modules/staking/stores/index.js'
import { tokenMethod } from '../../modules/token/method.js'
import { rewardsMethod } from '../../modules/token/rewards.js'
import { genesisSupplyStore } from '../../modules/token/stores/index.js'
import { GatherNode, stakingTokenMethod } from '../../node/index.js'
import { type BenchAccount, benchAccounts } from '../chain/blockApply.bench.js'
import { type Stats, stats, timeRuns } from '../stats.js'

const GAT = 1_000_000n
const STAKE = GAT / 10n
const NODES = 100
const SIGNERS = 40
const BLOCKS_PER_DAY = 10
const DAYS = 5

/** One size's figures. */
export interface RewardsSizeResult {
  stakers: number
  stateKeys: number
  genesisSeconds: number
  /** module level, µs */
  distributeUs: Stats
  claimUs: Stats
  /** block level (produceBlock: execute, state root, commit), ms */
  ordinaryBlockMs: Stats
  dayEndBlockMs: Stats
  transferBlockMs: Stats
  claimBlockMs: Stats
}

export interface RewardsBenchResult {
  sizes: RewardsSizeResult[]
  notes: string[]
}

const nodeIdOf = (i: number): string =>
  createHash('sha256').update(`gather-bench-rewards-node/${i}`).digest('hex')

/** A synthetic staker address (no key: it only holds a lock and a reward record). */
function stakerAddress(i: number): string {
  return toBech32('gat', createHash('sha256').update(`gather-bench-staker/${i}`).digest().subarray(0, 20))
}

/**
 * Bench-only genesis step: 100 device nodes owned by the first signer and `stakers` stakers with
 * 0.1 GAT locked each (the signers first, so they can claim), through the same methods as
 * MsgRegisterNode and MsgLock; the coins are counted in the genesis supply so the state balances.
 */
function fillModule(stakers: number, signers: BenchAccount[]): Module {
  return {
    name: 'benchfill',
    commands: [],
    initGenesis(ctx) {
      const state = ctx.state
      const owner = signers[0]!.address
      for (let n = 0; n < NODES; n++) {
        tokenMethod.mintGmt(state, owner, 1n)
        tokenMethod.bindGmt(state, owner)
        nodeStore.set(state, nodeIdOf(n), {
          nodeId: nodeIdOf(n),
          owner,
          moniker: '',
          registeredHeight: '0',
          locked: '0',
          jailedUntil: '0',
        })
      }
      for (let i = 0; i < stakers; i++) {
        const address = i < signers.length ? signers[i]!.address : stakerAddress(i)
        tokenMethod.credit(state, address, STAKE)
        stakingTokenMethod.debitForLock(state, 0, address, STAKE)
        stakingMethod.applyLockChange(state, stakingTokenMethod, address, nodeIdOf(i % NODES), STAKE, 0)
      }
      genesisSupplyStore.set(state, (genesisSupplyStore.get(state) ?? 0n) + BigInt(stakers) * STAKE)
    },
  }
}

async function runSize(stakers: number, log: (line: string) => void): Promise<RewardsSizeResult> {
  const signers = benchAccounts(SIGNERS)
  const nodeKey = nodeKeyFromSeed(createHash('sha256').update('gather-bench-rewards-validator').digest())
  const genesis = parseGenesis({
    chainId: 'gather-bench-rewards-1',
    genesisTime: '2026-01-01T00:00:00.000Z',
    params: { blockTimeMs: 100, maxBlockTxs: 10_000, maxBlockBytes: 8 * 1024 * 1024, maxTxBytes: 64 * 1024 },
    validators: [
      {
        name: 'bench-validator',
        nodeKey: Buffer.from(nodeKey.publicKey).toString('hex'),
        owner: signers[0]!.address,
      },
    ],
    modules: {
      token: {
        params: { minFee: '1000', blocksPerDay: BLOCKS_PER_DAY },
        accounts: signers.map((s) => ({ address: s.address, ugat: (100n * GAT).toString() })),
      },
      // one super node for the whole run: no election mid-day
      staking: { params: { maxSuperNodes: 1, electionPeriodRounds: 1_000_000 } },
    },
  })
  const dataDir = await mkdtemp(join(tmpdir(), 'gather-bench-rewards-'))
  const started = performance.now()
  const node = await GatherNode.open({
    dataDir,
    genesis,
    nodeKey,
    produce: false,
    extraModules: [fillModule(stakers, signers)],
  })
  const genesisSeconds = (performance.now() - started) / 1000
  try {
    const state = node.chain.state
    const stateKeys = state.size
    log(`rewards: ${stakers} stakers, ${stateKeys} state keys, genesis in ${genesisSeconds.toFixed(1)} s`)

    const ordinary: number[] = []
    const dayEnd: number[] = []
    const transfer: number[] = []
    const claim: number[] = []
    const seq = new Map<string, bigint>()
    const sign = (s: BenchAccount, msg: ReturnType<typeof claimRewardsMessage>): Uint8Array => {
      const a = node.query.token.getAccount({ address: s.address })
      const sequence = seq.get(s.address) ?? BigInt(a.sequence)
      seq.set(s.address, sequence + 1n)
      return signTx(
        {
          messages: [msg],
          chainId: genesis.chainId,
          accountNumber: BigInt(a.accountNumber),
          sequence,
          fee: 1_000n,
        },
        s.privateKey,
        s.publicKey,
      )
    }
    let next = 1
    for (let day = 0; day < DAYS; day++) {
      for (let b = 1; b <= BLOCKS_PER_DAY; b++) {
        const height = node.chain.head.height + 1
        const last = height % BLOCKS_PER_DAY === 0
        // after day 0 every signer has rewards: alternate a claim block and a transfer block
        let kind: 'ordinary' | 'claim' | 'transfer' = 'ordinary'
        if (day > 0 && !last && b <= 8) {
          const s = signers[next++ % SIGNERS]!
          if (b % 2 === 0) {
            kind = 'claim'
            node.submitTx(sign(s, claimRewardsMessage(s.address)))
          } else {
            kind = 'transfer'
            node.submitTx(sign(s, transferMessage(s.address, signers[0]!.address, 1n)))
          }
        }
        const t = performance.now()
        const c = await node.produceBlock(node.chain.head.slot + 1)
        const ms = performance.now() - t
        if (c.results.some((r) => r.code !== 0))
          throw new Error(`a bench transaction failed: ${c.results[0]!.log}`)
        if (last) dayEnd.push(ms)
        else if (kind === 'claim') claim.push(ms)
        else if (kind === 'transfer') transfer.push(ms)
        else if (height > 1) ordinary.push(ms)
      }
    }

    // module level, on an overlay over the committed state (restored after each run)
    const info = { ...node.chain.headInfo(), height: node.chain.head.height + BLOCKS_PER_DAY }
    const overlay = new StateOverlay(node.chain.state)
    const ctx: ExecContext = { block: info, state: overlay, emit: () => undefined }
    const producers = [
      { nodeId: Buffer.from(nodeKey.publicKey).toString('hex'), owner: signers[0]!.address, blocks: 10n },
    ]
    const distribute = timeRuns(2_000, () => {
      const snap = overlay.snapshot()
      rewardsMethod.distributeDay(ctx, producers)
      overlay.restore(snap)
    })
    // a claim by a staker picked at random among all of them (synthetic stakers included)
    let i = 0
    const picks = Array.from({ length: 2_000 }, (_, k) => (k * 7_919 + 13) % stakers)
    const claimRuns = timeRuns(picks.length, () => {
      const k = picks[i++]!
      const address = k < SIGNERS ? signers[k]!.address : stakerAddress(k)
      const snap = overlay.snapshot()
      rewardsMethod.claim(ctx, address)
      overlay.restore(snap)
    })
    const r: RewardsSizeResult = {
      stakers,
      stateKeys,
      genesisSeconds,
      distributeUs: stats(distribute.map((ms) => ms * 1000)),
      claimUs: stats(claimRuns.map((ms) => ms * 1000)),
      ordinaryBlockMs: stats(ordinary),
      dayEndBlockMs: stats(dayEnd),
      transferBlockMs: stats(transfer),
      claimBlockMs: stats(claim),
    }
    log(
      `rewards: ${stakers} stakers: distributeDay ${r.distributeUs.median.toFixed(1)} µs, claim ${r.claimUs.median.toFixed(1)} µs; blocks: ordinary ${r.ordinaryBlockMs.median.toFixed(2)} ms, day end ${r.dayEndBlockMs.median.toFixed(2)} ms, 1 transfer ${r.transferBlockMs.median.toFixed(2)} ms, 1 claim ${r.claimBlockMs.median.toFixed(2)} ms`,
    )
    return r
  } finally {
    await node.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** Runs the rewards bench for each number of stakers (default 1,000 and 1,000,000). */
export async function runRewardsBench(
  opts: { sizes?: number[]; log?: (line: string) => void } = {},
): Promise<RewardsBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line))
  const sizes: RewardsSizeResult[] = []
  for (const n of opts.sizes ?? [1_000, 1_000_000]) sizes.push(await runSize(n, log))
  return {
    sizes,
    notes: [
      `Stakers hold 0.1 GAT locked each on one of ${NODES} device nodes; ${SIGNERS} of them have keys and send the claim and transfer transactions. Days are ${BLOCKS_PER_DAY} blocks; ${DAYS} days per size.`,
      'Module level: distributeDay and claim (which settles first) on an overlay over the committed state, restored after each run (2,000 runs each); a claim picks stakers spread over the whole set.',
      'Block level: GatherNode.produceBlock (execute, state root, atomic classic-level commit). Ordinary blocks are empty; day-end blocks are empty too and run the distribution; transfer and claim blocks hold one transaction (one secp256k1 verification each).',
    ],
  }
}
