/**
 * Messaging benchmarks (`npm run bench -- --only messaging`):
 *
 * 1. Inclusion proof verification per second: group chains of 1,000 and 100,000 blocks (4 posts
 *    each, built with `GroupChainBuilder`), a checkpoint at the head, 256 proofs of messages
 *    spread over the chain. Timed: the pure `verifyInclusion(proof, checkpoint)` (what a light
 *    client runs), and `proofFromJson` + `verifyInclusion` from the JSON text (what
 *    `group_verifyInclusion` does after reading the request).
 * 2. Anchoring transactions per second in block apply: `accounts` funded accounts each create a
 *    group with 3 producers (threshold 2) in unmeasured warm-up blocks; then each measured block
 *    holds one MsgAnchorCheckpoint per account (its group's next height, 2 producer signatures).
 *    A follower (verify pool as shipped) imports the blocks in order, each import timed — as the
 *    staking bench does for locks. Each transaction costs one secp256k1 verify (batched on the
 *    verify pool) and two ed25519 verifies (inline, in the command's verify).
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchAccounts } from '../../bench/chain/blockApply.bench.js'
import { measureNativeVerifyRate } from '../../bench/crypto/verify.bench.js'
import { nodeKeyFromSeed, signEd25519, verifyEd25519 } from '../../chain/crypto/ed25519.js'
import { publicKeyFromPrivateKey } from '../../chain/crypto/secp256k1.js'
import { signTx } from '../../chain/tx/signTx.js'
import { anchorCheckpointMessage, createGroupMessage } from '../../cli/txMessages.js'
import { type Genesis, parseGenesis } from '../../genesis/schema.js'
import { GroupChainBuilder } from '../../modules/messaging/groupchain/chain.js'
import { type GroupCheckpoint, signCheckpoint } from '../../modules/messaging/groupchain/checkpoint.js'
import {
  type InclusionProof,
  proofFromJson,
  proofToJson,
  verifyInclusion,
} from '../../modules/messaging/groupchain/proof.js'
import { signPost } from '../../modules/messaging/groupchain/tx.js'
import { GatherNode } from '../../node/index.js'
import { type Stats, stats } from '../stats.js'

const POSTER = (() => {
  const privateKey = new Uint8Array(32).fill(7)
  return { privateKey, publicKey: publicKeyFromPrivateKey(privateKey) }
})()

/** Options of {@link runMessagingBench}. */
export interface MessagingBenchOptions {
  /** group chain lengths for proof verification (default [1,000, 100,000]) */
  chainLengths?: number[]
  /** seconds each verification loop runs (default 2) */
  verifySeconds?: number
  /** accounts (and groups) anchoring (default 5,000) */
  accounts?: number
  /** measured blocks: size and count (default 1,000 ×4, 5,000 ×3) */
  blocks?: { txs: number; count: number }[]
  log?: (line: string) => void
}

/** Proof verification over one chain length. */
export interface ProofResult {
  blocks: number
  messages: number
  proofs: number
  /** mean JSON size of a proof, bytes */
  proofJsonBytes: number
  /** hashes a verification computes (tx path + accumulator path + 4), mean */
  hashesPerProof: number
  buildSeconds: number
  /** `verifyInclusion` per second */
  verifyPerSec: number
  /** `proofFromJson(JSON.parse(text))` + `verifyInclusion` per second */
  jsonVerifyPerSec: number
}

/** Anchoring block import throughput for one block size. */
export interface AnchorBlockResult {
  txsPerBlock: number
  blocks: number
  txPerSec: Stats
  msPerBlock: Stats
  /** the producer building the same blocks from its mempool (signatures already checked at admission) */
  producerTxPerSec: Stats
}

/** Everything the messaging bench measured. */
export interface MessagingBenchResult {
  proofs: ProofResult[]
  /** single-thread secp256k1 verifies/s, mean of the runs */
  secpVerifyPerSec: number
  /** single-thread ed25519 verifies/s */
  ed25519VerifyPerSec: number
  /** the bound for anchors if only signatures cost: 1 / (1/secp on the pool + 2/ed25519 inline) */
  signatureBoundTxPerSec: number
  verifyThreads: number
  accounts: number
  blocks: AnchorBlockResult[]
  notes: string[]
}

const CHAIN_ID = 'gather-bench-messaging-1'
const FEE = 1_000n
const ACCOUNT_UGAT = 1_000n * 1_000_000n

/** Runs `fn` round-robin over `items` for about `seconds`; returns calls per second. */
function rate<T>(items: readonly T[], seconds: number, fn: (x: T) => unknown): number {
  for (let i = 0; i < Math.min(items.length, 200); i++) fn(items[i]!) // warm-up
  let calls = 0
  const t0 = performance.now()
  const until = t0 + seconds * 1000
  while (performance.now() < until) {
    for (let i = 0; i < 64; i++) fn(items[(calls + i) % items.length]!)
    calls += 64
  }
  return (calls * 1000) / (performance.now() - t0)
}

const h = (s: string): Uint8Array => createHash('sha256').update(s).digest()

/** A group chain of `blocks` blocks, its head checkpoint and 256 proofs (the builder is dropped after). */
function proofSet(blocks: number): { cp: GroupCheckpoint; proofs: InclusionProof[]; texts: string[] } {
  const chain = new GroupChainBuilder(1)
  const producer = nodeKeyFromSeed(h('gather-bench-group-producer'))
  const content = new TextEncoder().encode(
    JSON.stringify({ type: 'Note', content: 'x'.repeat(160), attributedTo: 'gat1benchauthor' }),
  )
  for (let b = 1; b <= blocks; b++) {
    const txs = [0, 1, 2, 3].map((i) =>
      signPost('gather-test', 1, POSTER, b * 4 + i, {
        contentType: 'application/activity+json',
        content: content,
      }),
    )
    chain.append({ producer, txs, timeMs: b * 1000, stateRoot: h(`state/${b}`) })
  }
  const cp = chain.checkpoint(blocks)
  const proofs: InclusionProof[] = []
  const texts: string[] = []
  for (let i = 0; i < 256; i++) {
    const height = 1 + ((i * 7919) % blocks)
    const p = chain.prove(height, i % 4, blocks)
    proofs.push(p)
    texts.push(JSON.stringify(proofToJson(p)))
  }
  // copies, so the proofs do not keep the builder's buffers (and the whole chain) alive
  const copy = (b: Uint8Array) => Uint8Array.from(b)
  return {
    cp,
    texts,
    proofs: proofs.map((p) => ({
      ...p,
      message: copy(p.message),
      blockHeader: copy(p.blockHeader),
      txPath: p.txPath.map(copy),
      ...(p.accumulator === undefined
        ? {}
        : {
            accumulator: {
              ...p.accumulator,
              path: p.accumulator.path.map(copy),
              peaks: p.accumulator.peaks.map(copy),
            },
          }),
      ...(p.checkpointHeader === undefined ? {} : { checkpointHeader: copy(p.checkpointHeader) }),
    })),
  }
}

function proofBench(blocks: number, seconds: number): ProofResult {
  const t = performance.now()
  const { cp, proofs, texts } = proofSet(blocks)
  const buildSeconds = (performance.now() - t) / 1000
  for (const p of proofs) if (!verifyInclusion(p, cp).valid) throw new Error('a bench proof does not verify')
  // two rounds each, the better kept: the first can pay for collecting the chain just built
  const pure = () => rate(proofs, seconds, (p) => verifyInclusion(p, cp))
  const json = () => rate(texts, seconds, (s) => verifyInclusion(proofFromJson(JSON.parse(s)), cp))
  const verifyPerSec = Math.max(pure(), pure())
  const jsonVerifyPerSec = Math.max(json(), json())
  const hashes =
    proofs.reduce(
      (n, p) => n + p.txPath.length + (p.accumulator === undefined ? 0 : p.accumulator.path.length + 1) + 4,
      0,
    ) / proofs.length
  return {
    blocks,
    messages: blocks * 4,
    proofs: proofs.length,
    proofJsonBytes: texts.reduce((n, s) => n + s.length, 0) / texts.length,
    hashesPerProof: hashes,
    buildSeconds,
    verifyPerSec,
    jsonVerifyPerSec,
  }
}

function ed25519Rate(seconds: number): number {
  const keys = Array.from({ length: 64 }, (_, i) => nodeKeyFromSeed(h(`ed-bench/${i}`)))
  const msg = h('message')
  const sets = keys.map((k) => ({ pub: k.publicKey, sig: signEd25519(k.privateKey, msg) }))
  return rate(sets, seconds, (s) => verifyEd25519(s.pub, msg, s.sig))
}

/** Runs the messaging benchmarks. */
export async function runMessagingBench(opts: MessagingBenchOptions = {}): Promise<MessagingBenchResult> {
  const log = opts.log ?? ((line: string) => console.log(line))
  const seconds = opts.verifySeconds ?? 2
  const notes: string[] = []

  // ---- 1. proof verification ----
  const proofs: ProofResult[] = []
  for (const n of opts.chainLengths ?? [1_000, 100_000]) {
    const r = proofBench(n, seconds)
    proofs.push(r)
    log(
      `messaging: ${n} blocks: ${r.verifyPerSec.toFixed(0)} proofs/s verified (${r.jsonVerifyPerSec.toFixed(0)}/s from JSON), ${r.proofJsonBytes.toFixed(0)} bytes per proof (chain built in ${r.buildSeconds.toFixed(1)} s)`,
    )
  }

  // ---- 2. anchoring in block apply ----
  const secpRuns = [await measureNativeVerifyRate(2)]
  const edRate = ed25519Rate(seconds)
  const accountCount = opts.accounts ?? 5_000
  const plan = opts.blocks ?? [
    { txs: 1_000, count: 4 },
    { txs: 5_000, count: 3 },
  ]
  if (plan.some((p) => p.txs > accountCount))
    throw new Error('a block cannot hold more anchors than there are accounts')
  const dirs: string[] = []
  const nodes: GatherNode[] = []
  const open = async (genesis: Genesis, extra: { nodeKey?: ReturnType<typeof nodeKeyFromSeed> } = {}) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gather-bench-messaging-'))
    dirs.push(dataDir)
    const node = await GatherNode.open({ dataDir, genesis, produce: false, ...extra })
    nodes.push(node)
    return node
  }
  const blocks: AnchorBlockResult[] = []
  try {
    log(`messaging: deriving ${accountCount} account keys...`)
    const accounts = benchAccounts(accountCount)
    const nodeKey = nodeKeyFromSeed(h('gather-bench-messaging-node-key'))
    const genesis = parseGenesis({
      chainId: CHAIN_ID,
      genesisTime: '2026-01-01T00:00:00.000Z',
      params: {
        blockTimeMs: 100,
        maxBlockTxs: 10_000,
        maxBlockBytes: 16 * 1024 * 1024,
        maxTxBytes: 64 * 1024,
      },
      validators: [
        {
          name: 'bench-validator',
          nodeKey: Buffer.from(nodeKey.publicKey).toString('hex'),
          owner: accounts[0]!.address,
          selfLock: '1000000',
        },
      ],
      modules: {
        token: {
          params: { minFee: FEE.toString() },
          accounts: accounts.map((a) => ({ address: a.address, ugat: ACCOUNT_UGAT.toString() })),
        },
        staking: { params: { maxSuperNodes: 1, electionPeriodRounds: 1_000_000 } },
      },
    })
    const producerNode = await open(genesis, { nodeKey })
    // 30 producer keys; group i is produced by three of them
    const keys = Array.from({ length: 30 }, (_, i) => nodeKeyFromSeed(h(`gather-bench-group-producer/${i}`)))
    const trio = (i: number) => [keys[(3 * i) % 30]!, keys[(3 * i + 1) % 30]!, keys[(3 * i + 2) % 30]!]
    const accountNumbers = accounts.map((a) =>
      BigInt(producerNode.query.token.getAccount({ address: a.address }).accountNumber),
    )
    const sequences = accounts.map(() => 0n)
    const heights = accounts.map(() => 0)
    const sign = (s: number, m: ReturnType<typeof createGroupMessage>): Uint8Array => {
      const a = accounts[s]!
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
    const anchorTx = (s: number): Uint8Array => {
      heights[s] = heights[s]! + 1
      const cp: GroupCheckpoint = {
        groupId: s + 1,
        height: heights[s]!,
        blockHash: h(`block/${s}/${heights[s]}`),
        stateRoot: h(`state/${s}/${heights[s]}`),
        accumulatorRoot: h(`acc/${s}/${heights[s]}`),
      }
      const [k1, k2] = trio(s)
      return sign(
        s,
        anchorCheckpointMessage(accounts[s]!.address, cp, [
          signCheckpoint(CHAIN_ID, cp, k1!),
          signCheckpoint(CHAIN_ID, cp, k2!),
        ]),
      )
    }
    const all = Array.from({ length: accountCount }, (_, i) => i)
    const schedule: { raws: () => Uint8Array[]; size?: (typeof plan)[number] }[] = [
      // warm-up (not measured): every account creates its group (ids 1..accounts in order), then anchors once
      {
        raws: () =>
          all.map((s) =>
            sign(
              s,
              createGroupMessage(accounts[s]!.address, {
                name: `g${s}`,
                producers: trio(s).map((k) => Buffer.from(k.publicKey).toString('hex')),
              }),
            ),
          ),
      },
      { raws: () => all.map(anchorTx) },
    ]
    for (const p of plan)
      for (let b = 0; b < p.count; b++)
        schedule.push({ raws: () => all.slice(0, p.txs).map(anchorTx), size: p })
    log(`messaging: producing ${schedule.length} blocks (setup)...`)
    const built: { bytes: Uint8Array; size?: (typeof plan)[number]; produceMs: number }[] = []
    const machine = producerNode.chain.machine
    for (const b of schedule) {
      const raws = b.raws()
      await machine.preverify(
        producerNode.chain.state,
        raws.map((r) => machine.prepare(r)),
      )
      for (const raw of raws) producerNode.submitTx(raw)
      const t0 = performance.now()
      const c = await producerNode.produceBlock(producerNode.chain.head.slot + 1)
      const produceMs = performance.now() - t0
      if (c.block.txs.length !== raws.length || c.results.some((r) => r.code !== 0)) {
        const bad = c.results.find((r) => r.code !== 0)
        throw new Error(
          `producer built ${c.block.txs.length} of ${raws.length} txs (${bad?.codespace} ${bad?.log})`,
        )
      }
      built.push({ bytes: c.bytes, produceMs, ...(b.size === undefined ? {} : { size: b.size }) })
    }
    await producerNode.stop()
    const follower = await open(genesis)
    const samples = new Map<(typeof plan)[number], number[]>()
    for (const b of built) {
      const t = performance.now()
      await follower.importBlock(b.bytes)
      const ms = performance.now() - t
      if (b.size !== undefined) samples.set(b.size, [...(samples.get(b.size) ?? []), ms])
    }
    if (Buffer.compare(follower.chain.head.stateRoot, producerNode.chain.head.stateRoot) !== 0)
      throw new Error('follower state root differs from the producer')
    for (const p of plan) {
      const ms = samples.get(p) ?? []
      const produced = built.filter((b) => b.size === p).map((b) => (p.txs * 1000) / b.produceMs)
      blocks.push({
        txsPerBlock: p.txs,
        blocks: ms.length,
        txPerSec: stats(ms.map((x) => (p.txs * 1000) / x)),
        msPerBlock: stats(ms),
        producerTxPerSec: stats(produced),
      })
      const r = blocks[blocks.length - 1]!
      log(
        `messaging: anchors, ${p.txs} per block: ${r.txPerSec.median.toFixed(0)} tx/s median (${r.msPerBlock.median.toFixed(0)} ms per block)`,
      )
    }
    secpRuns.push(await measureNativeVerifyRate(2))
    const secp = secpRuns.reduce((a, b) => a + b, 0) / secpRuns.length
    const threads = Math.max(0, availableParallelism() - 1)
    notes.push(
      `Proofs: a group chain of N blocks with 4 posts each (ActivityStreams notes of about 230 bytes), a checkpoint at the head, 256 proofs of messages spread over the chain (block 1 + (i × 7919 mod N), post i mod 4). \`verifyInclusion\` recomputes the tx path, decodes and hashes both headers, and folds the MMR proof; the JSON figure adds \`JSON.parse\` and \`proofFromJson\` (base64 and hex decoding, field checks). Each is timed twice for ${seconds} s and the better run kept.`,
      `Anchors: ${accountCount} accounts, each owning one group with 3 of 30 producer keys and threshold 2; every measured block holds one MsgAnchorCheckpoint per account for its own group (the next height), with 2 producer signatures. A follower imports the blocks in order (\`GatherNode.importBlock\`: decode, proposer check, secp256k1 batch on the verify pool, execute — 2 ed25519 verifies per anchor inline —, state root, classic-level commit); two warm-up blocks (group creation, a first anchor each) are not measured. The producer column times \`produceBlock\` on the node that admitted the transactions: their secp256k1 and producer signatures were checked at admission and are found in the caches.`,
      `The signature bound is 1 / (1/(secp256k1 × (${threads} pool threads + 1)) + 2/ed25519), the rate if signature checks were the only cost; producer signatures are verified on the main thread (one way to go faster: batch them on the verify pool like transaction signatures).`,
    )
    const signatureBound = 1 / (1 / (secp * (threads + 1)) + 2 / edRate)
    return {
      proofs,
      secpVerifyPerSec: secp,
      ed25519VerifyPerSec: edRate,
      signatureBoundTxPerSec: signatureBound,
      verifyThreads: threads,
      accounts: accountCount,
      blocks,
      notes,
    }
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined)
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  }
}
