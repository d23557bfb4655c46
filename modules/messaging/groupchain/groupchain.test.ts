import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { merkleRoot } from '../../../chain/block/merkle.js'
import { nodeKeyFromSeed } from '../../../chain/crypto/ed25519.js'
import { publicKeyFromPrivateKey } from '../../../chain/crypto/secp256k1.js'
import { decodeGroupHeader, groupBlockHash, verifyGroupBlockSignature } from './block.js'
import { GroupChainBuilder } from './chain.js'
import { sameCheckpoint, signCheckpoint, verifyCheckpointSignature } from './checkpoint.js'
import { auditPath, leafHash, rootFromAuditPath } from './merkle.js'
import { EMPTY_MMR_ROOT, MerkleMountainRange, mmrRootFromProof, peakSizes } from './mmr.js'
import { proofFromJson, proofToJson, verifyInclusion } from './proof.js'
import { signPost } from './tx.js'

const POSTER = (() => {
  const privateKey = new Uint8Array(32).fill(7)
  return { privateKey, publicKey: publicKeyFromPrivateKey(privateKey) }
})()

const h = (s: string): Uint8Array => createHash('sha256').update(s).digest()
const key = (label: string) => nodeKeyFromSeed(h(`producer:${label}`))

function buildChain(blocks: number, postsPerBlock = 3): GroupChainBuilder {
  const chain = new GroupChainBuilder(7)
  const producer = key('a')
  for (let b = 1; b <= blocks; b++) {
    const txs = Array.from({ length: postsPerBlock + (b % 3) }, (_, i) =>
      signPost('gather-test', 1, POSTER, b * 100 + i, {
        contentType: 'application/activity+json',
        content: new TextEncoder().encode(JSON.stringify({ type: 'Note', content: `post ${b}.${i}` })),
      }),
    )
    chain.append({ producer, txs, timeMs: 1_000 * b, stateRoot: h(`state ${b}`) })
  }
  return chain
}

describe('RFC 6962 audit paths', () => {
  test('every leaf of trees of 1..33 items proves against chain/block/merkle.ts roots; other indices and sizes do not', () => {
    for (let n = 1; n <= 33; n++) {
      const items = Array.from({ length: n }, (_, i) => h(`item ${n}/${i}`))
      const root = merkleRoot(items)
      const leaves = items.map(leafHash)
      for (let i = 0; i < n; i++) {
        const path = auditPath(leaves, i)
        const got = rootFromAuditPath(leaves[i]!, i, n, path)
        expect({ n, i, ok: got !== undefined && Buffer.from(got).equals(Buffer.from(root)) }).toEqual({
          n,
          i,
          ok: true,
        })
        if (n > 1) {
          const other = rootFromAuditPath(leaves[i]!, (i + 1) % n, n, path)
          expect({
            n,
            i,
            moved: other !== undefined && Buffer.from(other).equals(Buffer.from(root)),
          }).toEqual({
            n,
            i,
            moved: false,
          })
        }
      }
    }
    expect(rootFromAuditPath(leafHash(h('x')), 3, 3, [])).toBeUndefined()
    expect(rootFromAuditPath(leafHash(h('x')), 0, 2, [])).toBeUndefined()
  })
})

describe('Merkle Mountain Range', () => {
  test('peaks follow the binary digits of the size', () => {
    expect(peakSizes(0)).toEqual([])
    expect(peakSizes(1)).toEqual([1])
    expect(peakSizes(11)).toEqual([8, 2, 1])
    expect(peakSizes(2 ** 40 + 3)).toEqual([2 ** 40, 2, 1])
  })

  test('incremental roots equal recomputed ones, and every leaf of every size proves (and only in its place)', () => {
    const mmr = new MerkleMountainRange()
    const roots = [EMPTY_MMR_ROOT]
    for (let i = 0; i < 40; i++) {
      mmr.append(h(`block ${i}`))
      roots.push(mmr.root())
    }
    for (let n = 0; n <= 40; n++) expect(Buffer.from(mmr.rootAt(n)).equals(Buffer.from(roots[n]!))).toBe(true)
    for (let n = 1; n <= 40; n++) {
      for (let i = 0; i < n; i++) {
        const p = mmr.prove(i, n)
        const r = mmrRootFromProof(h(`block ${i}`), p)
        expect({ n, i, ok: r !== undefined && Buffer.from(r).equals(Buffer.from(roots[n]!)) }).toEqual({
          n,
          i,
          ok: true,
        })
        // a proof names its position: the same leaf claimed elsewhere, or under a bigger size, fails
        if (n === 1) continue
        const moved = mmrRootFromProof(h(`block ${i}`), { ...p, leafIndex: (i + 1) % n })
        expect({
          n,
          i,
          moved: moved !== undefined && Buffer.from(moved).equals(Buffer.from(roots[n]!)),
        }).toEqual({
          n,
          i,
          moved: false,
        })
      }
    }
    expect(mmrRootFromProof(h('block 0'), { leafIndex: 0, size: 4, path: [], peaks: [] })).toBeUndefined()
  })
})

describe('group chain blocks, checkpoints and inclusion proofs', () => {
  test('blocks chain by hash and commit to the MMR of all earlier blocks', () => {
    const chain = buildChain(6)
    const mmr = new MerkleMountainRange()
    for (let height = 1; height <= 6; height++) {
      const b = chain.block(height)
      expect(Buffer.from(b.header.accumulatorRoot).equals(Buffer.from(mmr.root()))).toBe(true)
      if (height > 1)
        expect(Buffer.from(b.header.previousHash).equals(Buffer.from(chain.blockHash(height - 1)))).toBe(true)
      expect(Buffer.from(b.header.txRoot).equals(Buffer.from(merkleRoot(b.txs)))).toBe(true)
      mmr.append(chain.blockHash(height))
      expect(verifyGroupBlockSignature(b)).toBe(true)
      expect(verifyGroupBlockSignature({ ...b, header: { ...b.header, timeMs: b.header.timeMs + 1 } })).toBe(
        false,
      )
    }
  })

  test('every message of every block proves against every later checkpoint, and survives JSON', () => {
    const chain = buildChain(9)
    for (const cpHeight of [1, 4, 8, 9]) {
      const cp = chain.checkpoint(cpHeight)
      for (let height = 1; height <= cpHeight; height++) {
        for (let i = 0; i < chain.block(height).txs.length; i++) {
          const proof = proofFromJson(
            JSON.parse(JSON.stringify(proofToJson(chain.prove(height, i, cpHeight)))),
          )
          const r = verifyInclusion(proof, cp)
          expect({ cpHeight, height, i, valid: r.valid }).toEqual({ cpHeight, height, i, valid: true })
        }
      }
    }
  })

  test('one altered byte of the message, a path, a header or the checkpoint fails with the broken link', () => {
    const chain = buildChain(6)
    const cp = chain.checkpoint(6)
    const proof = chain.prove(2, 1, 6)
    const flip = (b: Uint8Array, at = 0): Uint8Array => {
      const c = Uint8Array.from(b)
      c[at] = c[at]! ^ 1
      return c
    }
    const code = (r: ReturnType<typeof verifyInclusion>): string => (r.valid ? 'VALID' : r.code)
    expect(code(verifyInclusion(proof, cp))).toBe('VALID')
    expect(code(verifyInclusion({ ...proof, message: flip(proof.message, 5) }, cp))).toBe(
      'PROOF_TX_ROOT_MISMATCH',
    )
    expect(
      code(verifyInclusion({ ...proof, txPath: [flip(proof.txPath[0]!), ...proof.txPath.slice(1)] }, cp)),
    ).toBe('PROOF_TX_ROOT_MISMATCH')
    expect(code(verifyInclusion({ ...proof, txIndex: 0 }, cp))).toBe('PROOF_TX_ROOT_MISMATCH')
    const acc = proof.accumulator!
    expect(
      code(
        verifyInclusion(
          { ...proof, accumulator: { ...acc, path: [flip(acc.path[0]!), ...acc.path.slice(1)] } },
          cp,
        ),
      ),
    ).toBe('PROOF_ACCUMULATOR_MISMATCH')
    // a header byte: either it no longer decodes canonically, or its hash/roots stop matching
    expect(code(verifyInclusion({ ...proof, blockHeader: flip(proof.blockHeader, 40) }, cp))).not.toBe(
      'VALID',
    )
    expect(
      code(verifyInclusion({ ...proof, checkpointHeader: flip(proof.checkpointHeader!, 40) }, cp)),
    ).not.toBe('VALID')
    expect(code(verifyInclusion(proof, { ...cp, accumulatorRoot: flip(cp.accumulatorRoot) }))).toBe(
      'PROOF_CHECKPOINT_MISMATCH',
    )
    expect(code(verifyInclusion(proof, { ...cp, blockHash: flip(cp.blockHash) }))).toBe(
      'PROOF_BLOCK_HASH_MISMATCH',
    )
    expect(code(verifyInclusion(proof, { ...cp, stateRoot: flip(cp.stateRoot) }))).toBe(
      'PROOF_CHECKPOINT_MISMATCH',
    )
    expect(code(verifyInclusion(proof, chain.checkpoint(5)))).toBe('PROOF_WRONG_CHECKPOINT')
    const r = verifyInclusion({ ...proof, message: flip(proof.message, 5) }, cp)
    expect(r.valid ? '' : r.reason).toMatch(/is not transaction 1 of block 2/)
  })

  test('header bytes must be canonical; JSON proofs are checked field by field', () => {
    const chain = buildChain(2)
    const bytes = chain.prove(1, 0, 2).blockHeader
    expect(decodeGroupHeader(bytes).height).toBe(1)
    expect(Buffer.from(groupBlockHash(bytes)).equals(Buffer.from(chain.blockHash(1)))).toBe(true)
    // the same fields with an extra unknown field appended are not the same block
    expect(() => decodeGroupHeader(Uint8Array.from([...bytes, 0x68, 0x01]))).toThrow(/canonical/)
    const json = proofToJson(chain.prove(1, 0, 2))
    expect(() => proofFromJson({ ...json, txPath: ['zz'] })).toThrow(/txPath\[0\]/)
    expect(() => proofFromJson({ ...json, groupId: -1 })).toThrow(/groupId/)
    expect(() => proofFromJson({ ...json, extra: 1 })).toThrow(/unknown field "extra"/)
    expect(() => proofFromJson({ ...json, txPath: Array(65).fill('00'.repeat(32)) })).toThrow(/at most 64/)
    expect(() => proofFromJson('x')).toThrow(/JSON object/)
  })

  test('checkpoint signatures bind the chain id and every field', () => {
    const chain = buildChain(3)
    const cp = chain.checkpoint(3)
    const sig = signCheckpoint('gather-devnet-1', cp, key('a'))
    expect(verifyCheckpointSignature('gather-devnet-1', cp, sig)).toBe(true)
    expect(verifyCheckpointSignature('other-chain', cp, sig)).toBe(false)
    expect(verifyCheckpointSignature('gather-devnet-1', { ...cp, height: 2 }, sig)).toBe(false)
    expect(verifyCheckpointSignature('gather-devnet-1', cp, { ...sig, producer: 'ab' })).toBe(false)
    expect(sameCheckpoint(cp, chain.checkpoint(3))).toBe(true)
    expect(sameCheckpoint(cp, { ...cp, stateRoot: h('other') })).toBe(false)
  })
})
