import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import {
  hashInternal,
  hashLeaf,
  proofFromJson,
  proofToJson,
  type SmtProof,
  type SmtUpdate,
  SparseMerkleTree,
  verifyProof,
  ZERO_HASH,
} from './smt.js'

type LeafIn = { path: Uint8Array; valueHash: Uint8Array }

function sha(s: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(s).digest())
}

function hex(u: Uint8Array | undefined): string | undefined {
  return u === undefined ? undefined : Buffer.from(u).toString('hex')
}

const pathOf = (i: number): Uint8Array => sha(`path ${i}`)
const valueHashOf = (i: number, version = 0): Uint8Array => sha(`value ${i} v${version}`)
const leavesOf = (n: number, version = 0): LeafIn[] =>
  Array.from({ length: n }, (_, i) => ({ path: pathOf(i), valueHash: valueHashOf(i, version) }))

/** A path with the given leading bits and zeros after, for hand-built shapes. */
function pathFromBits(bits: string, fill = 0): Uint8Array {
  const out = new Uint8Array(32).fill(fill)
  for (let i = 0; i < bits.length; i++) {
    const byte = i >>> 3
    const mask = 0x80 >>> (i & 7)
    out[byte] = bits[i] === '1' ? out[byte]! | mask : out[byte]! & ~mask
  }
  return out
}

function bit(path: Uint8Array, depth: number): number {
  return (path[depth >>> 3]! >>> (7 - (depth & 7))) & 1
}

/** Reference root straight from the definition, sharing no code with the tree. */
function naiveRoot(leaves: LeafIn[], depth = 0): string | undefined {
  return hex(naiveRootBytes(leaves, depth))
}
function naiveRootBytes(leaves: LeafIn[], depth: number): Uint8Array {
  if (leaves.length === 0) return ZERO_HASH
  const only = leaves[0]
  if (leaves.length === 1 && only !== undefined) return hashLeaf(only.path, only.valueHash)
  const left = leaves.filter((l) => bit(l.path, depth) === 0)
  const right = leaves.filter((l) => bit(l.path, depth) === 1)
  return hashInternal(naiveRootBytes(left, depth + 1), naiveRootBytes(right, depth + 1))
}

/** Deterministic integer PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice()
  const next = rng(seed)
  for (let i = out.length - 1; i > 0; i--) {
    const j = next() % (i + 1)
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const inserts = (leaves: LeafIn[]): SmtUpdate[] =>
  leaves.map((l) => ({ path: l.path, valueHash: l.valueHash }))
const deletes = (leaves: LeafIn[]): SmtUpdate[] => leaves.map((l) => ({ path: l.path, valueHash: null }))

function expectOk(check: ReturnType<typeof verifyProof>, context: string): void {
  expect({ context, check }).toEqual({ context, check: { ok: true } })
}

describe('hashing', () => {
  test('ZERO_HASH is 32 zero bytes', () => {
    expect(hex(ZERO_HASH)).toBe('00'.repeat(32))
  })

  test('hashLeaf is sha256(0x00 || path || valueHash)', () => {
    const path = pathOf(1)
    const value = valueHashOf(1)
    const expected = createHash('sha256')
      .update(Buffer.from([0]))
      .update(path)
      .update(value)
      .digest('hex')
    expect(hex(hashLeaf(path, value))).toBe(expected)
  })

  test('hashInternal is sha256(0x01 || left || right)', () => {
    const a = sha('a')
    const b = sha('b')
    const expected = createHash('sha256')
      .update(Buffer.from([1]))
      .update(a)
      .update(b)
      .digest('hex')
    expect(hex(hashInternal(a, b))).toBe(expected)
    expect(hex(hashInternal(b, a))).not.toBe(expected)
  })

  test('hash helpers reject wrong lengths', () => {
    expect(() => hashLeaf(new Uint8Array(31), ZERO_HASH)).toThrow(/path must be a 32-byte/)
    expect(() => hashInternal(ZERO_HASH, new Uint8Array(33))).toThrow(/right must be a 32-byte/)
  })
})

describe('tree shape and root', () => {
  test('empty tree', () => {
    const t = SparseMerkleTree.empty()
    expect(hex(t.root)).toBe(hex(ZERO_HASH))
    expect(t.size).toBe(0)
    expect(t.get(pathOf(0))).toBeUndefined()
    expect(hex(SparseMerkleTree.fromLeaves([]).root)).toBe(hex(ZERO_HASH))
  })

  test('single leaf root is its leaf hash', () => {
    const t = SparseMerkleTree.empty().update([{ path: pathOf(0), valueHash: valueHashOf(0) }])
    expect(hex(t.root)).toBe(hex(hashLeaf(pathOf(0), valueHashOf(0))))
    expect(t.size).toBe(1)
    expect(t.prove(pathOf(0)).siblings).toHaveLength(0)
  })

  test('leaves split at bit 0 hang directly under the root', () => {
    const a = { path: pathFromBits('0', 0xff), valueHash: valueHashOf(1) }
    const b = { path: pathFromBits('1', 0x00), valueHash: valueHashOf(2) }
    const t = SparseMerkleTree.fromLeaves([b, a])
    expect(hex(t.root)).toBe(hex(hashInternal(hashLeaf(a.path, a.valueHash), hashLeaf(b.path, b.valueHash))))
  })

  test('leaves sharing a 3-bit prefix sit at depth 4 under empty siblings', () => {
    const a = { path: pathFromBits('1010'), valueHash: valueHashOf(1) }
    const b = { path: pathFromBits('1011'), valueHash: valueHashOf(2) }
    const pair = hashInternal(hashLeaf(a.path, a.valueHash), hashLeaf(b.path, b.valueHash))
    // Bits 1, 0, 1 choose right, left, right on the way down; the other side is empty each time.
    const expected = hashInternal(ZERO_HASH, hashInternal(hashInternal(ZERO_HASH, pair), ZERO_HASH))
    const t = SparseMerkleTree.empty().update(inserts([a, b]))
    expect(hex(t.root)).toBe(hex(expected))
    expect(t.prove(a.path).siblings).toHaveLength(4)
  })

  test.each([0, 1, 2, 3, 17, 100, 2000])('fromLeaves of %i leaves matches the reference root', (n) => {
    const leaves = leavesOf(n)
    const t = SparseMerkleTree.fromLeaves(shuffled(leaves, n + 1))
    expect(t.size).toBe(n)
    expect(hex(t.root)).toBe(naiveRoot(leaves))
  })

  test.each([
    { n: 3, batch: 1 },
    { n: 100, batch: 1 },
    { n: 100, batch: 7 },
    { n: 2000, batch: 64 },
    { n: 2000, batch: 555 },
    { n: 2000, batch: 2000 },
  ])('inserting $n leaves in shuffled batches of $batch equals fromLeaves', ({ n, batch }) => {
    const leaves = leavesOf(n)
    const expected = hex(SparseMerkleTree.fromLeaves(leaves).root)
    for (const seed of [1, 2, 3]) {
      let t = SparseMerkleTree.empty()
      for (const part of chunks(shuffled(leaves, seed), batch)) t = t.update(inserts(part))
      expect({ seed, root: hex(t.root), size: t.size }).toEqual({ seed, root: expected, size: n })
    }
  })

  // The sort and split use a 32-bit integer prefix in the upper levels and the path below it, so
  // clusters that share long prefixes exercise the hand-over, including paths that differ in bit 255.
  test.each([
    { name: 'a 40-bit prefix', prefixBytes: 5, count: 60 },
    { name: 'a 31-byte prefix', prefixBytes: 31, count: 40 },
    { name: 'a 4-byte prefix', prefixBytes: 4, count: 100 },
  ])('clusters sharing $name build, update and prove correctly', ({ prefixBytes, count }) => {
    const cluster = Array.from({ length: count }, (_, i) => {
      const path = pathOf(10_000 + i)
      path.fill(0xa5, 0, prefixBytes)
      return { path, valueHash: valueHashOf(i) }
    })
    const lastBitPair = [0xfe, 0xff].map((last, i) => {
      const path = new Uint8Array(32).fill(0x3c)
      path[31] = last
      return { path, valueHash: valueHashOf(900 + i) }
    })
    const leaves = [...leavesOf(50), ...cluster, ...lastBitPair]
    const unique = new Map(leaves.map((l) => [hex(l.path), l]))
    const all = [...unique.values()]
    const bulk = SparseMerkleTree.fromLeaves(shuffled(all, 5))
    expect(hex(bulk.root)).toBe(naiveRoot(all))
    let incremental = SparseMerkleTree.empty()
    for (const part of chunks(shuffled(all, 6), 9)) incremental = incremental.update(inserts(part))
    expect(hex(incremental.root)).toBe(naiveRoot(all))
    expect(bulk.prove(lastBitPair[0]!.path).siblings).toHaveLength(256)
    for (const [i, l] of all.entries()) {
      expectOk(verifyProof(bulk.root, l.path, l.valueHash, bulk.prove(l.path)), `leaf ${i}`)
    }
    const trimmed = bulk.update(deletes(cluster.slice(1)))
    expect(hex(trimmed.root)).toBe(naiveRoot([...leavesOf(50), cluster[0]!, ...lastBitPair]))
  })

  test('repeated paths: last one wins in fromLeaves and in a batch', () => {
    const leaves = leavesOf(50)
    const overrides = leavesOf(50, 1).filter((_, i) => i % 3 === 0)
    const final = leaves.map((l, i) => (i % 3 === 0 ? { path: l.path, valueHash: valueHashOf(i, 1) } : l))
    // Enough copies of one path to exceed the insertion-sort cut-off inside the radix sort.
    const many = Array.from({ length: 40 }, (_, k) => ({
      path: pathOf(7),
      valueHash: valueHashOf(7, k + 10),
    }))
    const withMany = [...final.filter((_, i) => i !== 7), { path: pathOf(7), valueHash: valueHashOf(7, 49) }]
    expect(hex(SparseMerkleTree.fromLeaves([...leaves, ...overrides]).root)).toBe(naiveRoot(final))
    expect(hex(SparseMerkleTree.fromLeaves([...final, ...many]).root)).toBe(naiveRoot(withMany))
    const viaBatch = SparseMerkleTree.empty().update(inserts([...leaves, ...overrides]))
    expect(hex(viaBatch.root)).toBe(naiveRoot(final))
    expect(viaBatch.size).toBe(50)
    const insertThenDelete = SparseMerkleTree.empty().update([
      ...inserts(leaves),
      ...deletes(leaves.slice(0, 10)),
    ])
    expect(hex(insertThenDelete.root)).toBe(naiveRoot(leaves.slice(10)))
    const deleteThenInsert = SparseMerkleTree.empty().update([
      ...deletes(leaves.slice(0, 10)),
      ...inserts(leaves),
    ])
    expect(hex(deleteThenInsert.root)).toBe(naiveRoot(leaves))
  })

  test('an empty batch returns an equal tree', () => {
    const t = SparseMerkleTree.fromLeaves(leavesOf(10))
    const u = t.update([])
    expect(hex(u.root)).toBe(hex(t.root))
    expect(u.size).toBe(10)
  })
})

describe('updates and deletes', () => {
  test.each([1, 2, 3, 100, 2000])('deleting what was added restores the %i-leaf root exactly', (n) => {
    const base = SparseMerkleTree.fromLeaves(leavesOf(n))
    const extra = Array.from({ length: 37 }, (_, i) => ({
      path: pathOf(100_000 + i),
      valueHash: valueHashOf(i),
    }))
    const grown = base.update(inserts(extra))
    expect(grown.size).toBe(n + extra.length)
    const shrunk = grown.update(deletes(shuffled(extra, n)))
    expect(hex(shrunk.root)).toBe(hex(base.root))
    expect(shrunk.size).toBe(n)
    // One at a time exercises the collapse after every single delete.
    let t = grown
    for (const [i, leaf] of extra.entries()) {
      t = t.update(deletes([leaf]))
      expect({ i, root: hex(t.root) }).toEqual({
        i,
        root: naiveRoot([...leavesOf(n), ...extra.slice(i + 1)]),
      })
    }
  })

  test('deleting down to one leaf collapses to that leaf', () => {
    const a = { path: pathFromBits('0000000000001'), valueHash: valueHashOf(1) }
    const b = { path: pathFromBits('0000000000000'), valueHash: valueHashOf(2) }
    const c = { path: pathFromBits('1'), valueHash: valueHashOf(3) }
    const t = SparseMerkleTree.fromLeaves([a, b, c])
    expect(t.prove(a.path).siblings).toHaveLength(13)
    const twoLeft = t.update(deletes([b]))
    expect(hex(twoLeft.root)).toBe(
      hex(hashInternal(hashLeaf(a.path, a.valueHash), hashLeaf(c.path, c.valueHash))),
    )
    expect(twoLeft.prove(a.path).siblings).toHaveLength(1)
    const oneLeft = twoLeft.update(deletes([c]))
    expect(hex(oneLeft.root)).toBe(hex(hashLeaf(a.path, a.valueHash)))
    expect(oneLeft.prove(a.path).siblings).toHaveLength(0)
    const none = oneLeft.update(deletes([a]))
    expect(hex(none.root)).toBe(hex(ZERO_HASH))
    expect(none.size).toBe(0)
  })

  test('deleting an absent path and rewriting a value with itself change nothing', () => {
    const leaves = leavesOf(100)
    const t = SparseMerkleTree.fromLeaves(leaves)
    const u = t.update([
      ...deletes([{ path: pathOf(5000), valueHash: ZERO_HASH }]),
      ...inserts(leaves.slice(0, 20)),
    ])
    expect(hex(u.root)).toBe(hex(t.root))
    expect(u.size).toBe(100)
    expect(hex(SparseMerkleTree.empty().update(deletes(leaves)).root)).toBe(hex(ZERO_HASH))
  })

  test('a mixed batch of inserts, changes and deletes matches a rebuild', () => {
    const n = 2000
    const leaves = leavesOf(n)
    const t = SparseMerkleTree.fromLeaves(leaves)
    const next = rng(99)
    const expected = new Map(leaves.map((l) => [hex(l.path), l]))
    const batch: SmtUpdate[] = []
    for (let k = 0; k < 1500; k++) {
      const i = next() % (n + 500)
      const r = next() % 3
      const path = pathOf(i)
      const valueHash = r === 0 ? null : valueHashOf(i, k + 1)
      batch.push({ path, valueHash })
      if (valueHash === null) expected.delete(hex(path))
      else expected.set(hex(path), { path, valueHash })
    }
    const u = t.update(batch)
    const want = [...expected.values()]
    expect(u.size).toBe(want.length)
    expect(hex(u.root)).toBe(naiveRoot(want))
    expect(hex(u.root)).toBe(hex(SparseMerkleTree.fromLeaves(want).root))
    for (const [i, l] of want.entries())
      expect({ i, v: hex(u.get(l.path)) }).toEqual({ i, v: hex(l.valueHash) })
  })

  test('update leaves the old tree untouched', () => {
    const leaves = leavesOf(200)
    const old = SparseMerkleTree.fromLeaves(leaves)
    const oldRoot = hex(old.root)
    const oldProof = old.prove(pathOf(3))
    const next = old.update([
      ...deletes(leaves.slice(0, 50)),
      ...inserts(leavesOf(300, 1).slice(100)),
      { path: pathOf(150), valueHash: valueHashOf(150, 9) },
    ])
    expect(next).not.toBe(old)
    expect(hex(next.root)).not.toBe(oldRoot)
    expect(hex(old.root)).toBe(oldRoot)
    expect(old.size).toBe(200)
    expect(hex(old.get(pathOf(3)))).toBe(hex(valueHashOf(3)))
    expect(hex(old.get(pathOf(150)))).toBe(hex(valueHashOf(150)))
    expect(old.get(pathOf(250))).toBeUndefined()
    expectOk(verifyProof(old.root, pathOf(3), valueHashOf(3), old.prove(pathOf(3))), 'old tree proof')
    expectOk(verifyProof(old.root, pathOf(3), valueHashOf(3), oldProof), 'proof taken before the update')
    expect(hex(next.get(pathOf(150)))).toBe(hex(valueHashOf(150, 9)))
    expect(next.get(pathOf(3))).toBeUndefined()
  })

  test('Buffer views from a reused pool are copied, not aliased', () => {
    // Buffer#slice does not copy, so this guards against keeping views into a caller's pool.
    const pool = Buffer.alloc(64 * 3)
    const leaves = [0, 1, 2].map((i) => {
      pool.set(pathOf(i), 64 * i)
      pool.set(valueHashOf(i), 64 * i + 32)
      return { path: pool.subarray(64 * i, 64 * i + 32), valueHash: pool.subarray(64 * i + 32, 64 * i + 64) }
    })
    const t = SparseMerkleTree.fromLeaves(leaves)
    const u = SparseMerkleTree.empty().update(inserts(leaves))
    const expected = naiveRoot(leavesOf(3))
    pool.fill(0x77)
    expect(hex(t.root)).toBe(expected)
    expect(hex(u.root)).toBe(expected)
    expect(hex(t.get(pathOf(2)))).toBe(hex(valueHashOf(2)))
  })

  test('the tree keeps its own copies of inputs and outputs', () => {
    const path = pathOf(1)
    const value = valueHashOf(1)
    const t = SparseMerkleTree.empty().update([{ path, valueHash: value }])
    const root = hex(t.root)
    path.fill(0)
    value.fill(0)
    t.get(pathOf(1))?.fill(0)
    t.root.fill(1)
    t.prove(pathOf(1)).leaf?.valueHash.fill(0)
    expect(hex(t.root)).toBe(root)
    expect(hex(t.get(pathOf(1)))).toBe(hex(valueHashOf(1)))
  })

  test.each([
    {
      name: 'short update path',
      run: () => SparseMerkleTree.empty().update([{ path: new Uint8Array(31), valueHash: ZERO_HASH }]),
    },
    {
      name: 'long update value',
      run: () => SparseMerkleTree.empty().update([{ path: ZERO_HASH, valueHash: new Uint8Array(33) }]),
    },
    {
      name: 'leaf path not bytes',
      run: () => SparseMerkleTree.fromLeaves([{ path: 'x' as unknown as Uint8Array, valueHash: ZERO_HASH }]),
    },
    { name: 'get with short path', run: () => SparseMerkleTree.empty().get(new Uint8Array(1)) },
    { name: 'prove with short path', run: () => SparseMerkleTree.empty().prove(new Uint8Array(1)) },
  ])('rejects $name', ({ run }) => {
    expect(run).toThrow(/must be a 32-byte Uint8Array/)
  })
})

describe('proofs', () => {
  test.each([0, 1, 2, 3, 100, 2000])('inclusion and absence proofs verify in a %i-leaf tree', (n) => {
    const leaves = leavesOf(n)
    const t = SparseMerkleTree.fromLeaves(leaves)
    const root = t.root
    for (const [i, l] of leaves.entries()) {
      const proof = t.prove(l.path)
      expect({ i, leaf: hex(proof.leaf?.path) }).toEqual({ i, leaf: hex(l.path) })
      expectOk(verifyProof(root, l.path, l.valueHash, proof), `inclusion of leaf ${i}`)
    }
    const ends = { empty: 0, otherLeaf: 0 }
    for (let i = 0; i < 300; i++) {
      const path = pathOf(1_000_000 + i)
      const proof = t.prove(path)
      if (proof.leaf === undefined) ends.empty++
      else ends.otherLeaf++
      expectOk(verifyProof(root, path, null, proof), `absence of key ${i}`)
      expect({ i, ok: verifyProof(root, path, valueHashOf(0), proof).ok }).toEqual({ i, ok: false })
    }
    if (n === 0) expect(ends).toEqual({ empty: 300, otherLeaf: 0 })
    if (n === 1) expect(ends).toEqual({ empty: 0, otherLeaf: 300 })
    if (n >= 100) expect(ends.empty > 0 && ends.otherLeaf > 0).toBe(true)
  })

  test('absence proofs of both kinds in a hand-built tree', () => {
    const a = { path: pathFromBits('000'), valueHash: valueHashOf(1) }
    const b = { path: pathFromBits('001'), valueHash: valueHashOf(2) }
    const c = { path: pathFromBits('1'), valueHash: valueHashOf(3) }
    const t = SparseMerkleTree.fromLeaves([a, b, c])
    const emptyEnd = t.prove(pathFromBits('01'))
    expect(emptyEnd.leaf).toBeUndefined()
    expect(emptyEnd.siblings).toHaveLength(2)
    expectOk(verifyProof(t.root, pathFromBits('01'), null, emptyEnd), 'empty end')
    const otherLeaf = t.prove(pathFromBits('11'))
    expect(hex(otherLeaf.leaf?.path)).toBe(hex(c.path))
    expectOk(verifyProof(t.root, pathFromBits('11'), null, otherLeaf), 'other-leaf end')
  })

  describe('rejections', () => {
    const leaves = leavesOf(100)
    const t = SparseMerkleTree.fromLeaves(leaves)
    const root = t.root
    const present = leaves[42]!
    const inclusion = t.prove(present.path)
    // Find absent keys that end on an empty subtree and on another leaf.
    const absentKeys = Array.from({ length: 200 }, (_, i) => pathOf(500_000 + i))
    const emptyEndKey = absentKeys.find((p) => t.prove(p).leaf === undefined)!
    const leafEndKey = absentKeys.find((p) => t.prove(p).leaf !== undefined)!
    const emptyEnd = t.prove(emptyEndKey)
    const leafEnd = t.prove(leafEndKey)

    const flip = (u: Uint8Array, bitIndex: number): Uint8Array => {
      const out = u.slice()
      out[bitIndex >>> 3]! ^= 0x80 >>> (bitIndex & 7)
      return out
    }
    const withSiblings = (p: SmtProof, siblings: Uint8Array[]): SmtProof => ({ ...p, siblings })
    // A leaf outside the query's subtree: same first bit flipped, so it cannot share the prefix.
    const strangerLeaf = { path: flip(leafEndKey, 0), valueHash: valueHashOf(1) }

    const cases: {
      name: string
      root: Uint8Array
      path: Uint8Array
      value: Uint8Array | null
      proof: SmtProof
      reason: RegExp
    }[] = [
      {
        name: 'wrong value',
        root,
        path: present.path,
        value: valueHashOf(42, 1),
        proof: inclusion,
        reason: /different value/,
      },
      {
        name: 'tampered sibling',
        root,
        path: present.path,
        value: present.valueHash,
        proof: withSiblings(
          inclusion,
          inclusion.siblings.map((s, i) => (i === 2 ? flip(s, 100) : s)),
        ),
        reason: /does not hash to the root/,
      },
      {
        name: 'tampered leaf value in proof',
        root,
        path: present.path,
        value: valueHashOf(42, 1),
        proof: { ...inclusion, leaf: { path: present.path, valueHash: valueHashOf(42, 1) } },
        reason: /does not hash to the root/,
      },
      {
        name: 'flipped path bit (inclusion)',
        root,
        path: flip(present.path, 3),
        value: present.valueHash,
        proof: inclusion,
        reason: /different path/,
      },
      {
        name: 'flipped path bit (absence, empty end)',
        root,
        path: flip(emptyEndKey, 0),
        value: null,
        proof: emptyEnd,
        reason: /does not hash to the root/,
      },
      {
        name: 'truncated siblings',
        root,
        path: present.path,
        value: present.valueHash,
        proof: withSiblings(inclusion, inclusion.siblings.slice(0, -1)),
        reason: /does not hash to the root/,
      },
      {
        name: 'extended siblings',
        root,
        path: present.path,
        value: present.valueHash,
        proof: withSiblings(inclusion, [...inclusion.siblings, ZERO_HASH]),
        reason: /does not hash to the root/,
      },
      {
        name: 'truncated absence siblings',
        root,
        path: emptyEndKey,
        value: null,
        proof: withSiblings(emptyEnd, emptyEnd.siblings.slice(0, -1)),
        reason: /does not hash to the root/,
      },
      {
        name: 'more than 256 siblings',
        root,
        path: present.path,
        value: present.valueHash,
        proof: withSiblings(
          inclusion,
          Array.from({ length: 257 }, () => ZERO_HASH),
        ),
        reason: /257 siblings/,
      },
      {
        name: 'wrong root',
        root: flip(root, 7),
        path: present.path,
        value: present.valueHash,
        proof: inclusion,
        reason: /root/,
      },
      {
        name: 'inclusion proof whose leaf has another path',
        root,
        path: leafEndKey,
        value: leafEnd.leaf!.valueHash,
        proof: leafEnd,
        reason: /different path/,
      },
      {
        name: 'inclusion claimed from an empty end',
        root,
        path: emptyEndKey,
        value: valueHashOf(1),
        proof: emptyEnd,
        reason: /absent/,
      },
      {
        name: 'absence proof of a present key',
        root,
        path: present.path,
        value: null,
        proof: inclusion,
        reason: /key present/,
      },
      {
        name: 'absence proof with a leaf off the prefix',
        root,
        path: leafEndKey,
        value: null,
        proof: { ...leafEnd, leaf: strangerLeaf },
        reason: /prefix/,
      },
      {
        name: 'short sibling',
        root,
        path: present.path,
        value: present.valueHash,
        proof: withSiblings(inclusion, [new Uint8Array(31), ...inclusion.siblings.slice(1)]),
        reason: /Sibling 0 is not 32 bytes/,
      },
      {
        name: 'short root',
        root: root.slice(1),
        path: present.path,
        value: present.valueHash,
        proof: inclusion,
        reason: /root/,
      },
      {
        name: 'long path',
        root,
        path: new Uint8Array(33),
        value: present.valueHash,
        proof: inclusion,
        reason: /path/,
      },
      {
        name: 'short value',
        root,
        path: present.path,
        value: new Uint8Array(5),
        proof: inclusion,
        reason: /value/,
      },
      {
        name: 'short leaf path',
        root,
        path: present.path,
        value: present.valueHash,
        proof: { ...inclusion, leaf: { path: present.path.slice(1), valueHash: present.valueHash } },
        reason: /leaf/,
      },
      {
        name: 'missing sibling list',
        root,
        path: present.path,
        value: present.valueHash,
        proof: {} as SmtProof,
        reason: /sibling/,
      },
    ]

    test('the untampered proofs verify', () => {
      expectOk(verifyProof(root, present.path, present.valueHash, inclusion), 'inclusion')
      expectOk(verifyProof(root, emptyEndKey, null, emptyEnd), 'absence, empty end')
      expectOk(verifyProof(root, leafEndKey, null, leafEnd), 'absence, other leaf')
    })

    test.each(cases)('rejects $name', ({ root: r, path, value, proof, reason }) => {
      const check = verifyProof(r, path, value, proof)
      expect(check.ok).toBe(false)
      if (!check.ok) expect(check.reason).toMatch(reason)
    })
  })
})

describe('proof JSON', () => {
  const leaves = leavesOf(100)
  const t = SparseMerkleTree.fromLeaves(leaves)
  const absent = Array.from({ length: 50 }, (_, i) => pathOf(700_000 + i))
  const samples: { name: string; path: Uint8Array; value: Uint8Array | null }[] = [
    { name: 'inclusion', path: leaves[5]!.path, value: leaves[5]!.valueHash },
    { name: 'absence, empty end', path: absent.find((p) => t.prove(p).leaf === undefined)!, value: null },
    { name: 'absence, other leaf', path: absent.find((p) => t.prove(p).leaf !== undefined)!, value: null },
  ]

  test.each(samples)('round-trips $name through JSON text', ({ path, value }) => {
    const proof = t.prove(path)
    const json = proofToJson(proof)
    expect(json.siblings.every((s) => /^[0-9a-f]{64}$/.test(s))).toBe(true)
    const back = proofFromJson(JSON.parse(JSON.stringify(json)))
    expect(back.siblings.map(hex)).toEqual(proof.siblings.map(hex))
    expect(hex(back.leaf?.path)).toBe(hex(proof.leaf?.path))
    expect(hex(back.leaf?.valueHash)).toBe(hex(proof.leaf?.valueHash))
    expect(proofToJson(back)).toEqual(json)
    expectOk(verifyProof(t.root, path, value, back), 'after round-trip')
  })

  test('accepts upper-case hex and a null leaf', () => {
    const proof = proofFromJson({ siblings: ['AB'.repeat(32)], leaf: null })
    expect(hex(proof.siblings[0])).toBe('ab'.repeat(32))
    expect(proof.leaf).toBeUndefined()
  })

  const h = '00'.repeat(32)
  test.each([
    { name: 'a string', input: 'proof', message: /must be a JSON object/ },
    { name: 'null', input: null, message: /must be a JSON object/ },
    { name: 'an array', input: [h], message: /must be a JSON object/ },
    { name: 'no siblings', input: {}, message: /siblings must be an array/ },
    { name: 'siblings not an array', input: { siblings: h }, message: /siblings must be an array/ },
    { name: 'a short sibling', input: { siblings: [h, 'ab'] }, message: /siblings\[1\] must be 64 hex/ },
    {
      name: 'a non-hex sibling',
      input: { siblings: ['zz'.repeat(32)] },
      message: /siblings\[0\] must be 64 hex/,
    },
    {
      name: 'a 0x-prefixed sibling',
      input: { siblings: ['0x' + '00'.repeat(31)] },
      message: /siblings\[0\]/,
    },
    { name: 'a numeric sibling', input: { siblings: [7] }, message: /siblings\[0\]/ },
    {
      name: '257 siblings',
      input: { siblings: Array.from({ length: 257 }, () => h) },
      message: /more than 256/,
    },
    { name: 'a non-object leaf', input: { siblings: [], leaf: 'x' }, message: /leaf must be an object/ },
    {
      name: 'a leaf without path',
      input: { siblings: [], leaf: { valueHash: h } },
      message: /leaf\.path must be 64 hex/,
    },
    {
      name: 'a short leaf value',
      input: { siblings: [], leaf: { path: h, valueHash: '00' } },
      message: /leaf\.valueHash/,
    },
  ])('rejects $name', ({ input, message }) => {
    expect(() => proofFromJson(input)).toThrow(message)
  })
})
