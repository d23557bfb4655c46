import { randomBytes } from 'node:crypto'
import b from 'benny'
import { type SmtUpdate, SparseMerkleTree, verifyProof } from '../../chain/store/smt.js'

const BATCH = 5_000
const SMALL_TREE = 20_000
const LARGE_TREE = 1_000_000

/** n random 32-byte values as views into one buffer, so setup stays cheap at a million leaves. */
function randomHashes(n: number): Uint8Array[] {
  const pool = randomBytes(32 * n)
  return Array.from({ length: n }, (_, i) => pool.subarray(32 * i, 32 * i + 32))
}

/** A block-like batch: half rewrite existing leaves, half insert new paths. */
function blockBatch(existing: Uint8Array[]): SmtUpdate[] {
  const values = randomHashes(BATCH)
  const fresh = randomHashes(BATCH / 2)
  return values.map((valueHash, i) => ({
    path: i % 2 === 0 ? existing[(i >> 1) % existing.length]! : fresh[i >> 1]!,
    valueHash,
  }))
}

/** A tree of n random leaves, streamed so the bench holds no million-entry input array. */
function treeOf(n: number): { tree: SparseMerkleTree; paths: Uint8Array[]; buildMs: number } {
  // A sample of existing paths, so batches and proofs can hit present leaves.
  const sampleEvery = Math.max(1, Math.floor(n / 20_000))
  const paths: Uint8Array[] = []
  function* leaves(): Generator<{ path: Uint8Array; valueHash: Uint8Array }> {
    const chunk = 4096
    for (let i = 0; i < n; i += chunk) {
      // The tree copies what it keeps, so one pool can be refilled per chunk.
      const pool = randomBytes(64 * chunk)
      for (let k = 0; k < chunk && i + k < n; k++) {
        const path = pool.subarray(64 * k, 64 * k + 32)
        if ((i + k) % sampleEvery === 0) paths.push(path)
        yield { path, valueHash: pool.subarray(64 * k + 32, 64 * k + 64) }
      }
    }
  }
  const start = performance.now()
  const tree = SparseMerkleTree.fromLeaves(leaves())
  return { tree, paths, buildMs: performance.now() - start }
}

/** Benchmarks the state-root tree: block-sized batch updates and proof round trips. Saves bench/results/smt.json. */
export async function runSmtBench(): Promise<void> {
  const small = treeOf(SMALL_TREE)
  const large = treeOf(LARGE_TREE)
  // A one-off multi-second build does not suit benny's sampling, so it is timed once and reported.
  console.log(`fromLeaves(${LARGE_TREE.toLocaleString('en')}): ${Math.round(large.buildMs)} ms`)
  const smallBatch = blockBatch(small.paths)
  const largeBatch = blockBatch(large.paths)
  const largeRoot = large.tree.root
  // Alternate present and absent keys so both proof kinds are measured.
  const absent = randomHashes(large.paths.length)
  const queries = large.paths.flatMap((path, i) => [
    { path, valueHash: large.tree.get(path) ?? null },
    { path: absent[i]!, valueHash: null },
  ])
  let next = 0

  await b.suite(
    'smt',
    b.configure({ cases: { minTime: 0.25, maxTime: 3 } }),
    b.add(`update ${BATCH} in ${SMALL_TREE} leaves`, () => {
      small.tree.update(smallBatch)
    }),
    b.add(`update ${BATCH} in ${LARGE_TREE} leaves`, () => {
      large.tree.update(largeBatch)
    }),
    b.add(`prove + verify in ${LARGE_TREE} leaves`, () => {
      const { path, valueHash } = queries[next++ % queries.length]!
      if (!verifyProof(largeRoot, path, valueHash, large.tree.prove(path)).ok) throw new Error('proof failed')
    }),
    b.cycle(),
    b.complete(),
    b.save({ file: 'smt', folder: 'bench/results', format: 'json' }),
  )
}
