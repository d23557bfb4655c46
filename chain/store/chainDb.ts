import { ClassicLevel } from 'classic-level'
import { type BlockEvents, type ChainEvent, eventsFromProto } from '../codec/block.js'
import { protoType } from '../codec/index.js'
import { hex } from '../hex.js'
import { CommittedState } from './committedState.js'
import { KeySpace } from './keySpace.js'
import type { StateChanges } from './types.js'

/** What the database says the chain's head is. */
export interface HeadRecord {
  height: number
  hash: Uint8Array
  stateRoot: Uint8Array
  slot: number
  timeMs: number
}

/** Everything one block writes; committed in a single atomic batch. */
export interface BlockWrite {
  height: number
  hash: Uint8Array
  slot: number
  timeMs: number
  stateRoot: Uint8Array
  blockBytes: Uint8Array
  txHashes: Uint8Array[]
  results: Uint8Array[]
  /** the block hooks' events (a transaction's are in its result) */
  blockEvents: BlockEvents
  changes: StateChanges
  /** the values the changed keys held before the block (undefined: absent), for a revert */
  previous: StateChanges
}

/** Everything reverting the head block writes; one atomic batch. */
export interface BlockRevert {
  height: number
  hash: Uint8Array
  txHashes: Uint8Array[]
  /** the state as it was before the block, for the keys the block changed */
  restore: StateChanges
  /** the new head: the reverted block's parent */
  parent: HeadRecord
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

// Key spaces. One letter each keeps keys short; `s` holds the state proper.
const META_HEAD = utf8.encode('m:head')
const META_GENESIS = utf8.encode('m:genesis')
const META_FINAL = utf8.encode('m:final')
const META_SYNC = utf8.encode('m:sync')
const STATE = 's:'
const UNDO = 'u:'
// a block's hook events, by height (a transaction's events are in its result, `r:`)
const BLOCK_EVENTS = 'e:'
const STATE_END = 's;'
// The transaction journal (chain/mempool/journal.ts): this node's accepted, not yet committed
// transactions. Not state: outside `s:`, so never in the state root.
const JOURNAL = 'j:'
const JOURNAL_END = 'j;'
// The group chains this node hosts (node/groups/groupStore.ts): not main-chain state either.
const GROUPS = 'g:'

function heightKey(prefix: string, height: number, suffix?: number): Uint8Array {
  const out = Buffer.alloc(2 + 8 + (suffix === undefined ? 0 : 4))
  out.write(prefix, 0, 'latin1')
  out.writeBigUInt64BE(BigInt(height), 2)
  if (suffix !== undefined) out.writeUInt32BE(suffix, 10)
  return out
}

function hashKey(prefix: string, hash: Uint8Array): Uint8Array {
  const out = Buffer.alloc(2 + hash.length)
  out.write(prefix, 0, 'latin1')
  out.set(hash, 2)
  return out
}

function stateKey(key: string): Uint8Array {
  return utf8.encode(STATE + key)
}

const undoType = protoType('gather.chain.v1.UndoRecord')

interface UndoEntry {
  key: string
  value?: Uint8Array
  absent?: boolean
}

function encodeUndo(previous: StateChanges): Uint8Array {
  const entries: UndoEntry[] = []
  for (const [key, value] of previous) entries.push(value === null ? { key, absent: true } : { key, value })
  return undoType.encode({ entries }).finish()
}

function decodeUndo(bytes: Uint8Array): StateChanges {
  const { entries } = undoType.decode(bytes) as unknown as { entries: UndoEntry[] }
  const out: StateChanges = new Map()
  for (const e of entries) out.set(e.key, e.absent ? null : (e.value ?? new Uint8Array(0)))
  return out
}

const blockEventsType = protoType('gather.chain.v1.BlockEvents')

function encodeBlockEvents(e: BlockEvents): Uint8Array {
  return blockEventsType.encode(blockEventsType.fromObject(e)).finish()
}

function decodeBlockEvents(bytes: Uint8Array): BlockEvents {
  const r = blockEventsType.decode(bytes) as unknown as { events?: ChainEvent[]; beforeTransactions?: number }
  return { events: eventsFromProto(r.events), beforeTransactions: r.beforeTransactions ?? 0 }
}

function encodeHead(h: HeadRecord): Uint8Array {
  return utf8.encode(
    JSON.stringify({
      height: h.height,
      hash: hex(h.hash),
      stateRoot: hex(h.stateRoot),
      slot: h.slot,
      timeMs: h.timeMs,
    }),
  )
}

function decodeHead(b: Uint8Array): HeadRecord {
  const j = JSON.parse(fromUtf8.decode(b)) as Record<string, unknown>
  return {
    height: Number(j.height),
    hash: Buffer.from(String(j.hash), 'hex'),
    stateRoot: Buffer.from(String(j.stateRoot), 'hex'),
    slot: Number(j.slot),
    timeMs: Number(j.timeMs),
  }
}

/** One record of the transaction journal: its sequence number (the key: admission order) and its bytes. */
export interface JournalRecord {
  seq: number
  value: Uint8Array
}

/**
 * The node's classic-level database: blocks by height, a hash index, a transaction index with
 * results, each block's hook events, the state key-values and the head pointer. Every block is one atomic batch, so a
 * crash at any point leaves the previous block as the head, with matching state.
 */
export class ChainDb {
  private constructor(private readonly db: ClassicLevel<Uint8Array, Uint8Array>) {}

  /** Opens (creating if needed) the database at `path`. */
  static async open(path: string): Promise<ChainDb> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
    await db.open()
    return new ChainDb(db)
  }

  async close(): Promise<void> {
    await this.db.close()
  }

  /** The key space of the group chains this node hosts (`g:`, outside the state and its root). */
  groupSpace(): KeySpace {
    return new KeySpace(this.db, GROUPS)
  }

  /** The stored genesis hash, or undefined for a fresh database. */
  async getGenesisHash(): Promise<Uint8Array | undefined> {
    const v = await this.db.get(META_GENESIS)
    return v === undefined ? undefined : Buffer.from(v)
  }

  /** A small metadata record (`m:<name>`), e.g. the sign state. Undefined when never written. */
  async getMeta(name: string): Promise<Uint8Array | undefined> {
    const v = await this.db.get(utf8.encode(`m:${name}`))
    return v === undefined ? undefined : Buffer.from(v)
  }

  /** Writes a metadata record durably (synced) before the caller acts on it. */
  async putMeta(name: string, value: Uint8Array): Promise<void> {
    await this.db.put(utf8.encode(`m:${name}`), value, { sync: true })
  }

  async getHead(): Promise<HeadRecord | undefined> {
    const v = await this.db.get(META_HEAD)
    return v === undefined ? undefined : decodeHead(v)
  }

  /** Reads the whole state into memory and rebuilds its tree. */
  async loadState(): Promise<CommittedState> {
    const entries: [string, Uint8Array][] = []
    for await (const [k, v] of this.db.iterator({ gte: utf8.encode(STATE), lt: utf8.encode(STATE_END) })) {
      entries.push([fromUtf8.decode(k).slice(STATE.length), v])
    }
    return CommittedState.fromEntries(entries)
  }

  /** Writes the genesis state and marks height 0 as the head, atomically. */
  async commitGenesis(genesisHash: Uint8Array, head: HeadRecord, changes: StateChanges): Promise<void> {
    const batch = this.db.batch()
    for (const [k, v] of changes) {
      if (v === null) batch.del(stateKey(k))
      else batch.put(stateKey(k), v)
    }
    batch.put(META_GENESIS, genesisHash)
    batch.put(META_HEAD, encodeHead(head))
    await batch.write()
  }

  /** Writes a block, its indexes, results and state changes and moves the head, atomically and durably. */
  async commitBlock(w: BlockWrite): Promise<void> {
    const batch = this.db.batch()
    batch.put(heightKey('b:', w.height), w.blockBytes)
    const heightBytes = heightKey('', w.height).subarray(2)
    batch.put(hashKey('h:', w.hash), heightBytes)
    for (let i = 0; i < w.txHashes.length; i++) {
      const loc = Buffer.alloc(12)
      loc.writeBigUInt64BE(BigInt(w.height), 0)
      loc.writeUInt32BE(i, 8)
      batch.put(hashKey('x:', w.txHashes[i]!), loc)
      batch.put(heightKey('r:', w.height, i), w.results[i]!)
    }
    batch.put(heightKey(BLOCK_EVENTS, w.height), encodeBlockEvents(w.blockEvents))
    for (const [k, v] of w.changes) {
      if (v === null) batch.del(stateKey(k))
      else batch.put(stateKey(k), v)
    }
    batch.put(heightKey(UNDO, w.height), encodeUndo(w.previous))
    batch.put(META_HEAD, encodeHead(w))
    // synced: a block the node has answered for (tx_broadcastCommit, its own vote) survives
    // power loss too, not only a killed process; one fsync per block is cheap beside its work
    await batch.write({ sync: true })
  }

  /**
   * The state a block changed as it was before it (null: the key was absent), or undefined when
   * no undo record is kept for that height (final blocks, and genesis).
   */
  async getUndo(height: number): Promise<StateChanges | undefined> {
    const v = await this.db.get(heightKey(UNDO, height))
    return v === undefined ? undefined : decodeUndo(v)
  }

  /**
   * Removes the head block, its indexes, results, block events and undo record, writes the state
   * back as it was before it and makes its parent the head, atomically.
   */
  async revertBlock(r: BlockRevert): Promise<void> {
    const batch = this.db.batch()
    batch.del(heightKey('b:', r.height))
    batch.del(hashKey('h:', r.hash))
    for (let i = 0; i < r.txHashes.length; i++) {
      batch.del(hashKey('x:', r.txHashes[i]!))
      batch.del(heightKey('r:', r.height, i))
    }
    batch.del(heightKey(BLOCK_EVENTS, r.height))
    for (const [k, v] of r.restore) {
      if (v === null) batch.del(stateKey(k))
      else batch.put(stateKey(k), v)
    }
    batch.del(heightKey(UNDO, r.height))
    batch.put(META_HEAD, encodeHead(r.parent))
    await batch.write({ sync: true })
  }

  /** The last final block recorded by putFinal, or undefined when none is. */
  async getFinal(): Promise<{ height: number; hash: Uint8Array } | undefined> {
    const v = await this.db.get(META_FINAL)
    if (v === undefined) return undefined
    const j = JSON.parse(fromUtf8.decode(v)) as { height: number; hash: string }
    return { height: j.height, hash: Buffer.from(j.hash, 'hex') }
  }

  /**
   * Records the final block durably and drops the undo records it makes useless (heights
   * above `previousFinal` up to it: those blocks can no longer be reverted), in one batch.
   */
  async putFinal(height: number, hash: Uint8Array, previousFinal: number): Promise<void> {
    const batch = this.db.batch()
    batch.put(utf8.encode('m:final'), utf8.encode(JSON.stringify({ height, hash: hex(hash) })))
    for (let h = Math.max(1, previousFinal + 1); h <= height; h++) batch.del(heightKey(UNDO, h))
    await batch.write({ sync: true })
  }

  /** Every transaction journal record, in sequence order. */
  async readJournal(): Promise<JournalRecord[]> {
    const out: JournalRecord[] = []
    const range = { gte: utf8.encode(JOURNAL), lt: utf8.encode(JOURNAL_END) }
    for await (const [k, v] of this.db.iterator(range)) {
      out.push({ seq: Number(Buffer.from(k).readBigUInt64BE(2)), value: v })
    }
    return out
  }

  /**
   * Writes journal records and deletes others in one atomic batch, puts first; `sync` waits for
   * the write to reach the disk (fdatasync of the write-ahead log, which also makes every write
   * before it durable).
   */
  async writeJournal(
    puts: readonly JournalRecord[],
    dels: readonly number[],
    opts: { sync: boolean },
  ): Promise<void> {
    const batch = this.db.batch()
    for (const r of puts) batch.put(heightKey(JOURNAL, r.seq), r.value)
    for (const seq of dels) batch.del(heightKey(JOURNAL, seq))
    await batch.write({ sync: opts.sync })
  }

  /**
   * Makes every write before it durable: one synced write of a marker record (LevelDB skips an
   * empty batch, sync or not).
   */
  async sync(): Promise<void> {
    await this.db.put(META_SYNC, new Uint8Array(0), { sync: true })
  }

  async getBlockBytes(height: number): Promise<Uint8Array | undefined> {
    if (!Number.isSafeInteger(height) || height < 1) return undefined
    return this.db.get(heightKey('b:', height))
  }

  async getHeightByHash(hash: Uint8Array): Promise<number | undefined> {
    const v = await this.db.get(hashKey('h:', hash))
    return v === undefined ? undefined : Number(Buffer.from(v).readBigUInt64BE(0))
  }

  /** Where a transaction was included: block height and index in the block. */
  async getTxLocation(hash: Uint8Array): Promise<{ height: number; index: number } | undefined> {
    const v = await this.db.get(hashKey('x:', hash))
    if (v === undefined) return undefined
    const b = Buffer.from(v)
    return { height: Number(b.readBigUInt64BE(0)), index: b.readUInt32BE(8) }
  }

  async getTxResultBytes(height: number, index: number): Promise<Uint8Array | undefined> {
    return this.db.get(heightKey('r:', height, index))
  }

  /** The results of a block's first `count` transactions (its transaction count), in order. */
  async getBlockResultBytes(height: number, count: number): Promise<(Uint8Array | undefined)[]> {
    if (count === 0) return []
    return this.db.getMany(Array.from({ length: count }, (_, i) => heightKey('r:', height, i)))
  }

  /**
   * The events of the block at `height`'s hooks, or undefined when no block is stored there.
   * Every committed block has the record, written in its batch.
   */
  async getBlockEvents(height: number): Promise<BlockEvents | undefined> {
    if (!Number.isSafeInteger(height) || height < 1) return undefined
    const v = await this.db.get(heightKey(BLOCK_EVENTS, height))
    return v === undefined ? undefined : decodeBlockEvents(v)
  }
}
