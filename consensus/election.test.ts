import { describe, expect, test } from '@jest/globals'
import { compareCandidates, type ElectionCandidate, electSuperNodes } from './election.js'

const GAT = 1_000_000n
const MIN = GAT

/** A 64-hex node id whose bytes sort by `n` (the first bytes carry n, big-endian). */
const id = (n: number): string => n.toString(16).padStart(8, '0') + 'ab'.repeat(28)

const c = (n: number, stake: bigint, registeredHeight = 0, jailed = false): ElectionCandidate => ({
  nodeId: id(n),
  stake,
  registeredHeight,
  jailed,
})

const elect = (cands: ElectionCandidate[], maxSuperNodes: number): string[] =>
  electSuperNodes(cands, { maxSuperNodes, minStake: MIN }).map((x) => x.nodeId)

interface Case {
  name: string
  k: number
  candidates: ElectionCandidate[]
  /** expected winners in rank order, by the `n` of `id(n)` */
  want: number[]
}

const CASES: Case[] = [
  { name: 'no candidates: nobody', k: 3, candidates: [], want: [] },
  {
    name: 'cap: only the k with the most stake, in rank order',
    k: 3,
    candidates: [c(1, 5n * GAT), c(2, 9n * GAT), c(3, 1n * GAT), c(4, 7n * GAT), c(5, 8n * GAT)],
    want: [2, 5, 4],
  },
  {
    name: 'fewer active candidates than k: all of them, ranked',
    k: 21,
    candidates: [c(1, 2n * GAT), c(2, 3n * GAT), c(3, GAT)],
    want: [2, 1, 3],
  },
  {
    name: 'k = 1 picks the single best',
    k: 1,
    candidates: [c(1, 2n * GAT), c(2, 3n * GAT), c(3, 3n * GAT, 5)],
    want: [2],
  },
  {
    name: 'k = 0 elects nobody',
    k: 0,
    candidates: [c(1, 2n * GAT)],
    want: [],
  },
  {
    name: 'tie on stake: earlier registration height wins',
    k: 2,
    candidates: [c(1, 5n * GAT, 30), c(2, 5n * GAT, 10), c(3, 5n * GAT, 20)],
    want: [2, 3],
  },
  {
    name: 'tie on stake and height: smaller node key bytes win',
    k: 2,
    candidates: [c(9, 5n * GAT, 7), c(3, 5n * GAT, 7), c(5, 5n * GAT, 7)],
    want: [3, 5],
  },
  {
    name: 'stake beats registration height and key bytes',
    k: 2,
    candidates: [c(1, 5n * GAT, 0), c(9, 5n * GAT + 1n, 99), c(2, 5n * GAT, 0)],
    want: [9, 1],
  },
  {
    name: 'inactive: below the minimum (1 GAT) is never elected, exactly the minimum is',
    k: 5,
    candidates: [c(1, MIN - 1n), c(2, MIN), c(3, 0n), c(4, 3n * GAT)],
    want: [4, 2],
  },
  {
    name: 'jailed nodes are excluded however much they hold',
    k: 2,
    candidates: [c(1, 2_000n * GAT, 0, true), c(2, 3n * GAT), c(3, 2n * GAT), c(4, 1n * GAT)],
    want: [2, 3],
  },
  {
    name: 'only jailed and inactive: nobody',
    k: 3,
    candidates: [c(1, 9n * GAT, 0, true), c(2, MIN - 1n)],
    want: [],
  },
  {
    name: 'an excluded node frees its seat for the next in rank',
    k: 3,
    candidates: [c(1, 9n * GAT, 0, true), c(2, 8n * GAT), c(3, MIN - 1n), c(4, 7n * GAT), c(5, 6n * GAT)],
    want: [2, 4, 5],
  },
  {
    name: 'input order does not matter (ascending input)',
    k: 3,
    candidates: [c(1, 1n * GAT), c(2, 2n * GAT), c(3, 3n * GAT), c(4, 4n * GAT), c(5, 5n * GAT)],
    want: [5, 4, 3],
  },
]

describe('electSuperNodes (table)', () => {
  test.each(CASES)('$name', ({ k, candidates, want }) => {
    expect(elect(candidates, k)).toEqual(want.map(id))
    // the same result whatever order the candidates come in
    expect(elect([...candidates].reverse(), k)).toEqual(want.map(id))
  })

  test('the result is in rank order and carries the candidates unchanged', () => {
    const cands = [c(1, 3n * GAT, 4), c(2, 3n * GAT, 2), c(3, 4n * GAT, 9)]
    const out = electSuperNodes(cands, { maxSuperNodes: 3, minStake: MIN })
    expect(out).toEqual([cands[2], cands[1], cands[0]])
    for (let i = 1; i < out.length; i++) expect(compareCandidates(out[i - 1]!, out[i]!)).toBeLessThan(0)
  })

  test('node key bytes order: hex string order equals byte order', () => {
    const a = c(0, GAT)
    const b = { ...c(0, GAT), nodeId: `00${'ff'.repeat(31)}` }
    const d = { ...c(0, GAT), nodeId: `01${'00'.repeat(31)}` }
    expect(compareCandidates(b, d)).toBeLessThan(0)
    expect(Buffer.compare(Buffer.from(b.nodeId, 'hex'), Buffer.from(d.nodeId, 'hex'))).toBeLessThan(0)
    expect(compareCandidates(a, a)).toBe(0)
  })
})

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

describe('electSuperNodes equals a full sort (random inputs)', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])(
    '1,000 candidates, seed %i: top-k of the bounded buffer = filter + full sort',
    (seed) => {
      const rnd = prng(seed)
      const hex = (): string =>
        Array.from({ length: 32 }, () =>
          Math.floor(rnd() * 256)
            .toString(16)
            .padStart(2, '0'),
        ).join('')
      const cands: ElectionCandidate[] = Array.from({ length: 1_000 }, () => ({
        nodeId: hex(),
        // few distinct stakes and heights, so ties on both are frequent; some below the minimum
        stake: BigInt(Math.floor(rnd() * 12)) * (GAT / 2n),
        registeredHeight: Math.floor(rnd() * 5),
        jailed: rnd() < 0.1,
      }))
      const sorted = cands.filter((x) => !x.jailed && x.stake >= MIN).sort(compareCandidates)
      for (const k of [1, 3, 21, 100, 1_000]) {
        expect(electSuperNodes(cands, { maxSuperNodes: k, minStake: MIN })).toEqual(sorted.slice(0, k))
      }
    },
  )
})
