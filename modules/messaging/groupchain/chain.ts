import { signEd25519 } from '../../../chain/crypto/ed25519.js'
import { encodeGroupHeader, type GroupBlock, type GroupBlockHeader, groupBlockHash } from './block.js'
import type { GroupCheckpoint } from './checkpoint.js'
import { auditPath, leafHash, txRootOf } from './merkle.js'
import { MerkleMountainRange } from './mmr.js'
import type { InclusionProof } from './proof.js'

const ZERO32 = new Uint8Array(32)

/** What a producer puts in the next block. */
export interface NextBlock {
  producer: { privateKey: Uint8Array; publicKey: Uint8Array }
  txs: Uint8Array[]
  timeMs: number
  /** the group state root after the block (the group runtime computes it; default 32 zero bytes) */
  stateRoot?: Uint8Array
  /** the main chain's final height the rules were checked against (default 0) */
  mainHeight?: number
  /** the turn round (default 0) */
  round?: number
  /** members removed by the holder gate */
  removed?: string[]
}

/**
 * Builds a group chain in memory: blocks that chain by hash and commit to an MMR of all earlier
 * block hashes, checkpoints for any height, and inclusion proofs for any message. Shared by the
 * tests, the benchmark, and the group-chain runtime to come; deterministic (no clock, no
 * randomness: time and keys are given).
 */
export class GroupChainBuilder {
  private readonly blocks: GroupBlock[] = []
  private readonly headers: Uint8Array[] = []
  private readonly hashes: Uint8Array[] = []
  private readonly mmr = new MerkleMountainRange()

  constructor(readonly groupId: number) {
    if (!Number.isSafeInteger(groupId) || groupId < 1)
      throw new RangeError('groupId must be a whole number from 1')
  }

  /** Height of the last block (0 before the first). */
  get height(): number {
    return this.blocks.length
  }

  /** Appends a block; a group chain produces one only when there is content. */
  append(next: NextBlock): GroupBlock {
    if (next.txs.length === 0) throw new Error('a group block needs at least one transaction')
    const height = this.blocks.length + 1
    const header: GroupBlockHeader = {
      groupId: this.groupId,
      height,
      previousHash: height === 1 ? ZERO32 : this.hashes[height - 2]!,
      producer: next.producer.publicKey,
      timeMs: next.timeMs,
      txRoot: txRootOf(next.txs),
      stateRoot: next.stateRoot ?? ZERO32,
      accumulatorRoot: this.mmr.root(),
      txCount: next.txs.length,
      mainHeight: next.mainHeight ?? 0,
      round: next.round ?? 0,
      removed: next.removed ?? [],
    }
    const bytes = encodeGroupHeader(header)
    const hash = groupBlockHash(bytes)
    const block: GroupBlock = {
      header,
      txs: next.txs.map((t) => Uint8Array.from(t)),
      signature: signEd25519(next.producer.privateKey, hash),
    }
    this.blocks.push(block)
    this.headers.push(bytes)
    this.hashes.push(hash)
    this.mmr.append(hash)
    return block
  }

  /** The block at `height` (from 1). */
  block(height: number): GroupBlock {
    const b = this.blocks[height - 1]
    if (b === undefined) throw new RangeError(`no group block at height ${height} (head ${this.height})`)
    return b
  }

  /** The hash of the block at `height`. */
  blockHash(height: number): Uint8Array {
    this.block(height)
    return this.hashes[height - 1]!
  }

  /** The checkpoint of the block at `height`: its hash, state root and accumulator root. */
  checkpoint(height: number): GroupCheckpoint {
    const b = this.block(height)
    return {
      groupId: this.groupId,
      height,
      blockHash: this.hashes[height - 1]!,
      stateRoot: b.header.stateRoot,
      accumulatorRoot: b.header.accumulatorRoot,
    }
  }

  /** A proof that transaction `txIndex` of block `height` is under the checkpoint at `checkpointHeight`. */
  prove(height: number, txIndex: number, checkpointHeight: number): InclusionProof {
    const b = this.block(height)
    this.block(checkpointHeight)
    if (height > checkpointHeight)
      throw new RangeError(`block ${height} is after the checkpoint at ${checkpointHeight}`)
    const message = b.txs[txIndex]
    if (message === undefined) throw new RangeError(`block ${height} has no transaction ${txIndex}`)
    const proof: InclusionProof = {
      groupId: this.groupId,
      checkpointHeight,
      message,
      blockHeader: this.headers[height - 1]!,
      txIndex,
      txPath: auditPath(b.txs.map(leafHash), txIndex),
    }
    if (height < checkpointHeight) {
      proof.accumulator = this.mmr.prove(height - 1, checkpointHeight - 1)
      proof.checkpointHeader = this.headers[checkpointHeight - 1]!
    }
    return proof
  }
}
