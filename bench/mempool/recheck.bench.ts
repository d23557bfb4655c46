/**
 * The mempool's recheck after a block: full (every pending transaction re-executed) against
 * partial (only what the accounts the block touched reach, docs/adr/014-admission-pipeline.md),
 * on the same block, in the same run.
 *
 * `node dist/bench/mempool/recheck.bench.js [pending] [blockTxs]` (default 8,000 and 1,000):
 * 10,000 funded accounts (the block-apply bench's genesis, at its supply cap); two mempools over one node take the same
 * `pending` transfers (accounts 0 … pending-1, each to a random account); the node's own
 * mempool gets `blockTxs` transfers from other accounts (to random accounts, so some pay
 * pending senders) and produces a block; then each mempool's `update` is timed. Both must end
 * with the same transactions.
 */
import { createHash } from 'node:crypto'
import { loadavg } from 'node:os'
import { nodeKeyFromSeed } from '../../chain/crypto/ed25519.js'
import { Mempool } from '../../chain/mempool/mempool.js'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { tokenRecheckScope } from '../../modules/token/recheckScope.js'
import { benchAccounts, benchGenesis } from '../chain/blockApply.bench.js'
import { openBenchNode } from '../rpc/rpc.bench.js'

/** What one run measured. */
export interface RecheckBenchResult {
  pending: number
  blockTxs: number
  fullMs: number
  partialMs: number
  /** transactions the partial recheck re-executed / kept without re-executing */
  rechecked: number
  kept: number
  loadAverage: number[]
}

/** Runs the comparison; see the file comment. */
export async function runRecheckBench(pending = 8_000, blockTxs = 1_000): Promise<RecheckBenchResult> {
  const accounts = benchAccounts(Math.max(10_000, pending + blockTxs))
  const nodeKey = nodeKeyFromSeed(createHash('sha256').update('gather-bench-node-key').digest())
  const genesis = benchGenesis(accounts, nodeKey.publicKey)
  let seed = 4242
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  const transfer = (i: number): Uint8Array =>
    signTx(
      {
        messages: [transferMessage(accounts[i]!.address, accounts[rand(accounts.length)]!.address, 1_000n)],
        chainId: genesis.chainId,
        accountNumber: BigInt(i),
        sequence: 0n,
        fee: 1_000n,
      },
      accounts[i]!.privateKey,
      accounts[i]!.publicKey,
    )
  const pendingTxs = Array.from({ length: pending }, (_, i) => transfer(i))
  const blockTxsRaw = Array.from({ length: blockTxs }, (_, i) => transfer(pending + i))
  const { node, close } = await openBenchNode({ genesis, nodeKey }, { journal: false })
  try {
    const pool = (withScope: boolean): Mempool =>
      new Mempool(
        { maxTxs: pending + 1, maxBytes: 1 << 30, ttlBlocks: 300 },
        {
          machine: node.chain.machine,
          chain: { state: node.chain.state, nextBlockInfo: () => node.nextBlockInfo() },
          ...(withScope ? { recheckScope: tokenRecheckScope } : {}),
        },
      )
    const full = pool(false)
    const partial = pool(true)
    for (const raw of pendingTxs) {
      full.add(raw)
      partial.add(raw)
    }
    for (const raw of blockTxsRaw) node.submitTx(raw)
    const block = await node.produceBlock()
    if (block.txs.length !== blockTxs)
      throw new Error(`block has ${block.txs.length} of ${blockTxs} transactions`)
    const included = block.txs.map((t) => t.hashHex)
    let t = performance.now()
    full.update(included)
    const fullMs = performance.now() - t
    t = performance.now()
    partial.update(included, block.changes.keys())
    const partialMs = performance.now() - t
    const a = full.pending().map((p) => p.tx.hashHex)
    const b = partial.pending().map((p) => p.tx.hashHex)
    if (a.length !== b.length || a.some((h, i) => h !== b[i]))
      throw new Error('the partial recheck left other transactions than the full one')
    return {
      pending,
      blockTxs,
      fullMs,
      partialMs,
      rechecked: partial.recheckStats.partialRechecked,
      kept: partial.recheckStats.partialKept,
      loadAverage: loadavg(),
    }
  } finally {
    await close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runRecheckBench(Number(process.argv[2] ?? 8_000), Number(process.argv[3] ?? 1_000))
  console.log(
    `${r.pending} pending, a block of ${r.blockTxs} transfers: full recheck ${r.fullMs.toFixed(1)} ms, partial ${r.partialMs.toFixed(1)} ms (${r.rechecked} re-executed, ${r.kept} kept); load average ${r.loadAverage.map((x) => x.toFixed(2)).join(' ')}`,
  )
}
