import { hash } from 'node:crypto'
import { leafHash, nodeHash } from './merkle.js'

/**
 * A Merkle Mountain Range over group block hashes: the accumulator a group block commits to
 * (over all earlier blocks) and a checkpoint anchors. Appending is O(log n); a leaf's proof is
 * the path inside its peak plus the other peaks, O(log n) hashes.
 *
 * Hashing: leaf = H(0x00‖blockHash), node = H(0x01‖left‖right) (as the tx tree), and the root
 * binds the leaf count and every peak, left to right: root = H(0x02‖u64be(n)‖peak₁‖…‖peakₖ).
 * Binding n means a proof cannot move a leaf to another position or a shorter range.
 */

/** Sizes of the perfect subtrees (peaks) of an MMR of `n` leaves, largest (leftmost) first. */
export function peakSizes(n: number): number[] {
  const sizes: number[] = []
  let rest = n
  for (let bit = 52; bit >= 0; bit--) {
    const s = 2 ** bit
    if (rest >= s) {
      sizes.push(s)
      rest -= s
    }
  }
  return sizes
}

/** H(0x02‖u64be(n)‖peaks…). */
export function bagPeaks(n: number, peaks: readonly Uint8Array[]): Uint8Array {
  const b = Buffer.allocUnsafe(9 + 32 * peaks.length)
  b[0] = 2
  b.writeBigUInt64BE(BigInt(n), 1)
  peaks.forEach((p, i) => {
    b.set(p, 9 + 32 * i)
  })
  return hash('sha256', b, 'buffer')
}

/** The root of an empty accumulator (what block 1 commits to). */
export const EMPTY_MMR_ROOT = bagPeaks(0, [])

/** An MMR proof: leaf `leafIndex` (0-based) of an MMR of `size` leaves. */
export interface MmrProof {
  leafIndex: number
  size: number
  /** siblings inside the leaf's peak, bottom-up */
  path: Uint8Array[]
  /** the other peaks, left to right (the leaf's own peak is left out) */
  peaks: Uint8Array[]
}

/** The root a proof of `leaf` (a block hash) implies, or undefined when its shape is wrong for its size. */
export function mmrRootFromProof(leaf: Uint8Array, proof: MmrProof): Uint8Array | undefined {
  const { leafIndex, size } = proof
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= size)
    return undefined
  const sizes = peakSizes(size)
  if (proof.peaks.length !== sizes.length - 1) return undefined
  let start = 0
  let which = 0
  while (leafIndex >= start + sizes[which]!) {
    start += sizes[which]!
    which++
  }
  const peakSize = sizes[which]!
  if (proof.path.length !== Math.log2(peakSize)) return undefined
  let r = leafHash(leaf)
  let pos = leafIndex - start
  for (const sibling of proof.path) {
    r = pos % 2 === 0 ? nodeHash(r, sibling) : nodeHash(sibling, r)
    pos = Math.floor(pos / 2)
  }
  const peaks = [...proof.peaks.slice(0, which), r, ...proof.peaks.slice(which)]
  return bagPeaks(size, peaks)
}

/** An append-only MMR that keeps every leaf, so it can prove any of them (the group-chain side). */
export class MerkleMountainRange {
  private readonly leaves: Uint8Array[] = []
  /** peaks as [size, hash], left to right */
  private peakStack: [number, Uint8Array][] = []
  /** roots of perfect subtrees already computed, by `start:size` (leaves never change, so neither do they) */
  private readonly subtrees = new Map<string, Uint8Array>()

  /** Number of leaves. */
  get size(): number {
    return this.leaves.length
  }

  /** The leaf (block hash) at `index`, from 0. */
  leafAt(index: number): Uint8Array {
    const l = this.leaves[index]
    if (l === undefined) throw new RangeError(`no leaf ${index} in an MMR of ${this.leaves.length}`)
    return l
  }

  /** Appends a block hash. */
  append(blockHash: Uint8Array): void {
    this.leaves.push(Uint8Array.from(blockHash))
    let node: [number, Uint8Array] = [1, leafHash(blockHash)]
    while (this.peakStack.length > 0 && this.peakStack[this.peakStack.length - 1]![0] === node[0]) {
      const left = this.peakStack.pop()!
      node = [node[0] * 2, nodeHash(left[1], node[1])]
    }
    this.peakStack.push(node)
  }

  /** The root over all leaves so far. */
  root(): Uint8Array {
    return bagPeaks(
      this.leaves.length,
      this.peakStack.map(([, h]) => h),
    )
  }

  /** The root over the first `n` leaves (for a checkpoint below the head). */
  rootAt(n: number): Uint8Array {
    return bagPeaks(n, this.peaksAt(n))
  }

  private peaksAt(n: number): Uint8Array[] {
    if (n < 0 || n > this.leaves.length)
      throw new RangeError(`the MMR has ${this.leaves.length} leaves, not ${n}`)
    const out: Uint8Array[] = []
    let start = 0
    for (const s of peakSizes(n)) {
      out.push(this.subtree(start, s))
      start += s
    }
    return out
  }

  private subtree(start: number, size: number): Uint8Array {
    if (size === 1) return leafHash(this.leaves[start]!)
    const key = `${start}:${size}`
    const known = this.subtrees.get(key)
    if (known !== undefined) return known
    const half = size / 2
    const root = nodeHash(this.subtree(start, half), this.subtree(start + half, half))
    this.subtrees.set(key, root)
    return root
  }

  /** A proof of leaf `leafIndex` in the MMR of the first `size` leaves. */
  prove(leafIndex: number, size = this.leaves.length): MmrProof {
    if (size > this.leaves.length || leafIndex < 0 || leafIndex >= size)
      throw new RangeError(`leaf ${leafIndex} is not among the first ${size} of ${this.leaves.length} leaves`)
    const sizes = peakSizes(size)
    const peaks = this.peaksAt(size)
    let start = 0
    let which = 0
    while (leafIndex >= start + sizes[which]!) {
      start += sizes[which]!
      which++
    }
    const path: Uint8Array[] = []
    let lo = start
    let span = sizes[which]!
    // walk down from the peak, collecting siblings, then reverse to bottom-up
    while (span > 1) {
      const half = span / 2
      if (leafIndex < lo + half) {
        path.push(this.subtree(lo + half, half))
      } else {
        path.push(this.subtree(lo, half))
        lo += half
      }
      span = half
    }
    path.reverse()
    return { leafIndex, size, path, peaks: peaks.filter((_, i) => i !== which) }
  }
}
