import { hash } from 'node:crypto'
import { merkleRoot } from '../../../chain/block/merkle.js'

/**
 * Inclusion paths in the RFC 6962 / RFC 9162 binary Merkle tree that `chain/block/merkle.ts`
 * builds (leaf = H(0x00‖item), node = H(0x01‖left‖right)): a group block's tx root is that
 * tree over its transactions, so a message is proven with its audit path.
 */

/** H(0x00‖item): the leaf hash of one item. */
export function leafHash(item: Uint8Array): Uint8Array {
  const b = Buffer.allocUnsafe(1 + item.length)
  b[0] = 0
  b.set(item, 1)
  return hash('sha256', b, 'buffer')
}

/** H(0x01‖left‖right): an inner node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const b = Buffer.allocUnsafe(65)
  b[0] = 1
  b.set(left, 1)
  b.set(right, 33)
  return hash('sha256', b, 'buffer')
}

/** The tree root over `items` (the same function the main chain uses for its tx root). */
export const txRootOf = merkleRoot

function subtreeRoot(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start
  if (n === 1) return leaves[start]!
  let k = 1
  while (k * 2 < n) k *= 2
  return nodeHash(subtreeRoot(leaves, start, start + k), subtreeRoot(leaves, start + k, end))
}

/** The tree root over leaf hashes (a block whose pruned transactions are known only by theirs). */
export function rootOfLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return hash('sha256', new Uint8Array(0), 'buffer')
  return subtreeRoot(leaves, 0, leaves.length)
}

/** The audit path of leaf `index` among `leaves` (leaf hashes), deepest sibling first (RFC 6962 PATH). */
export function auditPath(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError(`leaf ${index} is not in a tree of ${leaves.length}`)
  const path: Uint8Array[] = []
  const walk = (start: number, end: number, m: number): void => {
    const n = end - start
    if (n === 1) return
    let k = 1
    while (k * 2 < n) k *= 2
    if (m < k) {
      walk(start, start + k, m)
      path.push(subtreeRoot(leaves, start + k, end))
    } else {
      walk(start + k, end, m - k)
      path.push(subtreeRoot(leaves, start, start + k))
    }
  }
  walk(0, leaves.length, index)
  return path
}

/**
 * The root implied by a leaf hash, its index, the tree size and an audit path (RFC 9162
 * §2.1.3.2), or undefined when the path cannot belong to a tree of that size.
 */
export function rootFromAuditPath(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return undefined
  // numbers above 2^31 would break the bit operations below; no block holds that many txs
  if (size > 0x7fffffff) return undefined
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of path) {
    if (sn === 0) return undefined
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r)
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1
          sn >>= 1
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn >>= 1
    sn >>= 1
  }
  return sn === 0 ? r : undefined
}
