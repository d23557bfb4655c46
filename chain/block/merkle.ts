import { hash } from 'node:crypto'

const EMPTY_ROOT = hash('sha256', new Uint8Array(0), 'buffer')

/**
 * Binary Merkle root in the RFC 6962 style (leaf = H(0x00‖item), node = H(0x01‖left‖right),
 * the split at the largest power of two below n), as CometBFT uses for its tx hash. The
 * domain bytes keep a leaf from ever being read as a node.
 */
export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return EMPTY_ROOT
  const leaves = items.map((it) => {
    const b = Buffer.allocUnsafe(1 + it.length)
    b[0] = 0
    b.set(it, 1)
    return hash('sha256', b, 'buffer')
  })
  return rootOf(leaves, 0, leaves.length)
}

function rootOf(leaves: Buffer[], start: number, end: number): Buffer {
  const n = end - start
  if (n === 1) return leaves[start]!
  let k = 1
  while (k * 2 < n) k *= 2
  const b = Buffer.allocUnsafe(65)
  b[0] = 1
  b.set(rootOf(leaves, start, start + k), 1)
  b.set(rootOf(leaves, start + k, end), 33)
  return hash('sha256', b, 'buffer')
}
