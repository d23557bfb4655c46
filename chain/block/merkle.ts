import { hash } from 'node:crypto'

const EMPTY_ROOT = hash('sha256', new Uint8Array(0), 'buffer')

/**
 * Binary Merkle root in the RFC 6962 style (leaf = H(0x00‖item), node = H(0x01‖left‖right),
 * the split at the largest power of two below n), as CometBFT uses for its tx hash. The
 * domain bytes keep a leaf from ever being read as a node.
 *
 * Every hash input is written into one scratch buffer (`hash` copies what it is given before
 * it returns): a fresh buffer per leaf and per node was a third of the time of a block's tx and
 * result roots. `merkle.test.ts` holds it to the plain construction.
 */
export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return EMPTY_ROOT
  let longest = 64
  for (const it of items) if (it.length > longest) longest = it.length
  const scratch = Buffer.allocUnsafe(1 + longest)
  const leaves: Buffer[] = new Array(items.length)
  scratch[0] = 0
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!
    scratch.set(it, 1)
    leaves[i] = hash('sha256', scratch.subarray(0, 1 + it.length), 'buffer')
  }
  return rootOf(leaves, 0, leaves.length, scratch.subarray(0, 65))
}

function rootOf(leaves: Buffer[], start: number, end: number, scratch: Buffer): Buffer {
  const n = end - start
  if (n === 1) return leaves[start]!
  let k = 1
  while (k * 2 < n) k *= 2
  const left = rootOf(leaves, start, start + k, scratch)
  const right = rootOf(leaves, start + k, end, scratch)
  scratch[0] = 1
  scratch.set(left, 1)
  scratch.set(right, 33)
  return hash('sha256', scratch, 'buffer')
}
