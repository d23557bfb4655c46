/**
 * Staking benchmarks (`npm run bench -- --only staking`):
 *
 * 1. Election cost over 10,000 and 100,000 registered nodes:
 *    - the pure `electSuperNodes` over an array of candidates (the O(n log k) top-k);
 *    - `stakingMethod.elect` over a real state holding that many node records (built directly with
 *      `CommittedState.fromEntries`, not with 100,000 transactions): key scan, protobuf decode of
 *      every record, then the top-k. Measured on the committed state (what the schedule asks at a
 *      period boundary) and through a block `StateOverlay` (what `beforeTransactions` runs).
 * 2. Lock/unlock transactions per second in block apply: a producer builds blocks of signed
 *    MsgLock/MsgUnlock transactions from 10,000 funded accounts on 101 registered nodes; a fresh
 *    follower (verify pool as shipped) imports them, each import timed — as
 *    bench/chain/blockApply.bench.ts does for transfers, with its `benchAccounts` keys.
 *
 * The limit quoted next to the figures is the single-thread native secp256k1 verification rate
 * (`measureNativeVerifyRate`) measured in the same run, before and after the block imports.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchAccounts } from '../../bench/chain/blockApply.bench.js'
import { measureNativeVerifyRate } from '../../bench/crypto/verify.bench.js'
import { protoType, typeUrlOf } from '../../chain/codec/index.js'
import { nodeKeyFromSeed } from '../../chain/crypto/ed25519.js'
import { CommittedState } from '../../chain/store/committedState.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import { signTx } from '../../chain/tx/signTx.js'
import { type ElectionCandidate, electSuperNodes } from '../../consensus/election.js'
import { type Genesis, parseGenesis } from '../../genesis/schema.js'
import { stakingMethod } from '../../modules/staking/method.js'
import { stakingParams } from '../../modules/staking/params.js'
import { nodeStore, paramsStore } from '../../modules/staking/stores/index.js'
import { GatherNode } from '../../node/index.js'
import { type Stats, stats, timeRuns } from '../stats.js'

/** Options of {@link runStakingBench}. */
export interface StakingBenchOptions {
  /** registered-node counts for the election (default [10,000, 100,000]) */
  electionSizes?: number[]
  /** funded accounts sending lock/unlock transactions (default 10,000) */
  accounts?: number
  /** measured blocks: size, count and the share of unlocks (default 1,000 ×4 and 5,000 ×3 at 50 %, 5,000 ×2 at 100 %) */
  blocks?: { txs: number; count: number; unlockShare: number }[]
  /** seconds of each `measureNativeVerifyRate` run (default 3) */
  verifySeconds?: number
  log?: (line: string) => void
}

/** One election measurement. */
export interface ElectionResult {
  nodes: number
  /** `electSuperNodes` over a candidate array (ms per election) */
  pureMs: Stats
  /** `stakingMethod.elect` over the committed state (ms) */
  stateMs: Stats
  /** `stakingMethod.elect` through a block StateOverlay (ms) */
  overlayMs: Stats
  /** seconds to build the state (not measured) */
  buildSeconds: number
  /** signature verifications the median state election costs at the limit */
  stateMsInVerifies: number
}

/** Lock/unlock block import throughput for one block size and mix. */
export interface LockBlockResult {
  txsPerBlock: number
  unlockShare: number
  blocks: number
  txPerSec: Stats
  msPerBlock: Stats
  /** txPerSec.median / verify limit */
  ratioMedian: number
  ratioMin: number
}

/** Everything the staking bench measured. */
export interface StakingBenchResult {
  /** mean of the verify runs (single thread, verifies/s) */
  verifyPerSec: number
  verifyRuns: number[]
  verifyThreads: number
  elections: ElectionResult[]
  accounts: number
  registeredNodes: number
  blocks: LockBlockResult[]
  notes: string[]
}

const CHAIN_ID = 'gather-bench-staking-1'
const FEE = 1_000n
const ACCOUNT_UGAT = 10_000n * 1_000_000n
const EXTRA_NODES = 100
const MsgLock = protoType('gather.staking.v1.MsgLock')
const MsgUnlock = protoType('gather.staking.v1.MsgUnlock')

/** Deterministic 32-bit PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const nodeIdOf = (i: number): string => createHash('sha256').update(`gather-bench-node/${i}`).digest('hex')

/** `n` random candidates: stakes 0-2,000 GAT (some below the minimum), heights 0-99,999, 1 % jailed. */
function randomCandidates(n: number, seed: number): ElectionCandidate[] {
  const rnd = prng(seed)
  return Array.from({ length: n }, (_, i) => ({
    nodeId: nodeIdOf(i),
    stake: BigInt(Math.floor(rnd() * 2_000_000_000)),
    registeredHeight: Math.floor(rnd() * 100_000),
    jailed: rnd() < 0.01,
  }))
}

/** A committed state holding the staking params and one node record per candidate. */
function stateOf(cands: ElectionCandidate[]): CommittedState {
  const w = new StateOverlay(CommittedState.empty())
  paramsStore.set(w, stakingParams.toJson(stakingParams.defaults()))
  for (const c of cands) {
    nodeStore.set(w, c.nodeId, {
      nodeId: c.nodeId,
      owner: 'gat1benchowner',
      moniker: '',
      registeredHeight: c.registeredHeight.toString(),
      locked: c.stake.toString(),
      jailedUntil: c.jailed ? '1000000000' : '0',
    })
  }
  const entries: [string, Uint8Array][] = []
  for (const [k, v] of w.changes()) if (v !== null) entries.push([k, v])
  return CommittedState.fromEntries(entries)
}

/** The lock-bench genesis: funded accounts; the bench validator (1,000 GAT) and 100 device nodes (1 GAT each). */
function lockGenesis(accounts: ReturnType<typeof benchAccounts>, validatorKey: Uint8Array): Genesis {
  return parseGenesis({
    chainId: CHAIN_ID,
    genesisTime: '2026-01-01T00:00:00.000Z',
    params: { blockTimeMs: 100, maxBlockTxs: 10_000, maxBlockBytes: 8 * 1024 * 1024, maxTxBytes: 64 * 1024 },
    validators: [
      {
        name: 'bench-validator',
        nodeKey: Buffer.from(validatorKey).toString('hex'),
        owner: accounts[0]!.address,
        selfLock: (1_000n * 1_000_000n).toString(),
      },
      ...Array.from({ length: EXTRA_NODES }, (_, i) => ({
        name: `bench-device-${i}`,
        nodeKey: nodeIdOf(i),
        owner: accounts[1 + i]!.address,
        selfLock: '1000000',
      })),
    ],
    modules: {
      token: {
        params: { minFee: FEE.toString() },
        accounts: accounts.map((a) => ({ address: a.address, ugat: ACCOUNT_UGAT.toString() })),
      },
      // one producer (the bench validator, ranked first), and no election during the run
      staking: { params: { maxSuperNodes: 1, electionPeriodRounds: 1_000_000 } },
    },
  })
}

/** Runs the staking benchmarks. */
export async function runStakingBench(opts: StakingBenchOptions = {}): Promise<StakingBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line))
  const verifySeconds = opts.verifySeconds ?? 3
  const notes: string[] = []
  const verifyRuns: number[] = []
  verifyRuns.push(await measureNativeVerifyRate(verifySeconds))
  log(`staking: verify limit ${verifyRuns[0]!.toFixed(0)} verifies/s (single thread)`)

  // ---- 1. elections ----
  const elections: ElectionResult[] = []
  for (const n of opts.electionSizes ?? [10_000, 100_000]) {
    const cands = randomCandidates(n, n)
    const opt = { maxSuperNodes: 21, minStake: 1_000_000n }
    const runs = n >= 100_000 ? 7 : 15
    timeRuns(3, () => electSuperNodes(cands, opt))
    const pure = timeRuns(runs, () => electSuperNodes(cands, opt))
    const t = performance.now()
    const state = stateOf(cands)
    const buildSeconds = (performance.now() - t) / 1000
    const expected = electSuperNodes(cands, opt).map((c) => c.nodeId)
    const got = stakingMethod.elect(state, 1)
    if (got.join() !== expected.join()) throw new Error('stakingMethod.elect disagrees with electSuperNodes')
    const stateRuns = timeRuns(runs, () => stakingMethod.elect(state, 1))
    const overlayRuns = timeRuns(runs, () => stakingMethod.elect(new StateOverlay(state), 1))
    const r: ElectionResult = {
      nodes: n,
      pureMs: stats(pure),
      stateMs: stats(stateRuns),
      overlayMs: stats(overlayRuns),
      buildSeconds,
      stateMsInVerifies: 0,
    }
    elections.push(r)
    log(
      `staking: election over ${n} nodes: pure ${r.pureMs.median.toFixed(2)} ms, state ${r.stateMs.median.toFixed(1)} ms, overlay ${r.overlayMs.median.toFixed(1)} ms (state built in ${buildSeconds.toFixed(1)} s)`,
    )
  }

  // ---- 2. lock/unlock block apply ----
  const accountCount = opts.accounts ?? 10_000
  const plan = opts.blocks ?? [
    { txs: 1_000, count: 4, unlockShare: 0.5 },
    { txs: 5_000, count: 3, unlockShare: 0.5 },
    { txs: 5_000, count: 2, unlockShare: 1 },
  ]
  const dirs: string[] = []
  const nodes: GatherNode[] = []
  const open = async (genesis: Genesis, extra: { nodeKey?: ReturnType<typeof nodeKeyFromSeed> } = {}) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gather-bench-staking-'))
    dirs.push(dataDir)
    const node = await GatherNode.open({ dataDir, genesis, produce: false, ...extra })
    nodes.push(node)
    return node
  }
  const blocks: LockBlockResult[] = []
  try {
    log(`staking: deriving ${accountCount} account keys...`)
    const accounts = benchAccounts(accountCount)
    const nodeKey = nodeKeyFromSeed(createHash('sha256').update('gather-bench-node-key').digest())
    const genesis = lockGenesis(accounts, nodeKey.publicKey)
    const producer = await open(genesis, { nodeKey })
    const nodeIds = [
      Buffer.from(nodeKey.publicKey).toString('hex'),
      ...Array.from({ length: EXTRA_NODES }, (_, i) => nodeIdOf(i)),
    ]
    const accountNumbers = accounts.map((a) =>
      BigInt(producer.query.token.getAccount({ address: a.address }).accountNumber),
    )
    const sequences = accounts.map(() => 0n)
    // what each account has locked, per node (tracked so every unlock is valid)
    const locks = accounts.map(() => new Map<number, bigint>())
    const rand = prng(0x5741)
    const pick = (n: number) => Math.floor(rand() * n)
    const msg = (type: typeof MsgLock, staker: string, node: number, amount: bigint) => ({
      typeUrl: typeUrlOf(type),
      value: type
        .encode(type.fromObject({ staker, nodeId: nodeIds[node]!, amount: amount.toString() }))
        .finish(),
    })
    const tx = (s: number, unlock: boolean): Uint8Array => {
      const a = accounts[s]!
      const mine = locks[s]!
      let m: ReturnType<typeof msg>
      if (unlock) {
        const [node, held] = [...mine.entries()].find(([, v]) => v > 0n)!
        const amount = 1n + BigInt(pick(Number(held < 1_000n ? held : 1_000n)))
        mine.set(node, held - amount)
        m = msg(MsgUnlock, a.address, node, amount)
      } else {
        const node = pick(nodeIds.length)
        const amount = BigInt(1_000 + pick(10_000))
        mine.set(node, (mine.get(node) ?? 0n) + amount)
        m = msg(MsgLock, a.address, node, amount)
      }
      const raw = signTx(
        {
          messages: [m],
          chainId: CHAIN_ID,
          accountNumber: accountNumbers[s]!,
          sequence: sequences[s]!,
          fee: FEE,
        },
        a.privateKey,
        a.publicKey,
      )
      sequences[s] = sequences[s]! + 1n
      return raw
    }
    const canUnlock = (s: number) => [...locks[s]!.values()].some((v) => v > 0n)
    // Warm-up (not measured): two blocks in which every account locks, so every key is known to
    // every verifying thread and every account has something to unlock.
    const all = Array.from({ length: accountCount }, (_, i) => i)
    const schedule: { txs: { s: number; unlock: boolean }[]; size?: (typeof plan)[number] }[] = [
      { txs: all.map((s) => ({ s, unlock: false })) },
      { txs: [...all].reverse().map((s) => ({ s, unlock: false })) },
    ]
    for (const p of plan) {
      for (let b = 0; b < p.count; b++) {
        const txs: { s: number; unlock: boolean }[] = []
        const used = new Set<number>()
        while (txs.length < p.txs) {
          const s = pick(accountCount)
          if (used.has(s)) continue // one tx per account per block keeps unlock amounts simple
          used.add(s)
          txs.push({ s, unlock: rand() < p.unlockShare })
        }
        schedule.push({ txs, size: p })
      }
    }
    log(`staking: signing ${schedule.reduce((n, b) => n + b.txs.length, 0)} lock/unlock txs (setup)...`)
    const built: { bytes: Uint8Array; txs: number; size?: (typeof plan)[number] }[] = []
    const machine = producer.chain.machine
    for (const b of schedule) {
      const raws = b.txs.map(({ s, unlock }) => tx(s, unlock && canUnlock(s)))
      await machine.preverify(
        producer.chain.state,
        raws.map((r) => machine.prepare(r)),
      )
      for (const raw of raws) producer.submitTx(raw)
      const c = await producer.produceBlock(producer.chain.head.slot + 1)
      if (c.block.txs.length !== raws.length || c.results.some((r) => r.code !== 0)) {
        const bad = c.results.find((r) => r.code !== 0)
        throw new Error(
          `producer built ${c.block.txs.length} of ${raws.length} txs (${bad?.codespace} ${bad?.log})`,
        )
      }
      built.push({ bytes: c.bytes, txs: raws.length, ...(b.size === undefined ? {} : { size: b.size }) })
    }
    await producer.stop()

    const follower = await open(genesis)
    const samples = new Map<(typeof plan)[number], number[]>()
    for (const b of built) {
      const t = performance.now()
      await follower.importBlock(b.bytes)
      const ms = performance.now() - t
      if (b.size !== undefined) samples.set(b.size, [...(samples.get(b.size) ?? []), ms])
    }
    if (Buffer.compare(follower.chain.head.stateRoot, producer.chain.head.stateRoot) !== 0)
      throw new Error('follower state root differs from the producer')
    verifyRuns.push(await measureNativeVerifyRate(verifySeconds))
    const limit = verifyRuns.reduce((a, b) => a + b, 0) / verifyRuns.length
    for (const p of plan) {
      const ms = samples.get(p) ?? []
      const tps = stats(ms.map((x) => (p.txs * 1000) / x))
      blocks.push({
        txsPerBlock: p.txs,
        unlockShare: p.unlockShare,
        blocks: ms.length,
        txPerSec: tps,
        msPerBlock: stats(ms),
        ratioMedian: tps.median / limit,
        ratioMin: tps.min / limit,
      })
    }
    for (const e of elections) e.stateMsInVerifies = (e.stateMs.median * limit) / 1000
    notes.push(
      `Lock/unlock blocks: ${accountCount} accounts (benchAccounts keys), ${nodeIds.length} registered nodes (the bench validator and ${EXTRA_NODES} genesis device nodes; maxSuperNodes 1 and a period of 1,000,000 rounds so one producer makes every block and no election runs during the imports). Each account sends at most one transaction per block; an unlock takes back part of an earlier lock.`,
      'A follower with the verify pool as shipped imports the blocks in order (`GatherNode.importBlock`: decode, proposer check, signature verify, execute, state root, classic-level commit); two unmeasured warm-up blocks lock from every account first.',
      'Elections: random stakes of 0-2,000 GAT (a few below the 1 GAT minimum), random registration heights, 1 % jailed; maxSuperNodes 21. `stakingMethod.elect` reads every node record (key scan, sort, protobuf decode) before the top-k; the overlay figure is what `beforeTransactions` pays at a period boundary, and the schedule pays the committed-state figure once per period (memoised).',
    )
    return {
      verifyPerSec: limit,
      verifyRuns,
      verifyThreads: Math.max(0, availableParallelism() - 1),
      elections,
      accounts: accountCount,
      registeredNodes: nodeIds.length,
      blocks,
      notes,
    }
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined)
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  }
}
