import type { KeySpace, KeySpaceWrite } from '../../chain/store/keySpace.js'
import { paddedId } from '../../chain/store/typedStore.js'
import type { StateChanges } from '../../chain/store/types.js'
import {
  type DecodedGroupBlock,
  decodeGroupHeader,
  encodeGroupBlock,
  type GroupBlock,
  type GroupBlockHeader,
  type PrunedTx,
} from '../../modules/messaging/groupchain/block.js'
import { leafHash } from '../../modules/messaging/groupchain/merkle.js'
import { decodeGroupTx } from '../../modules/messaging/groupchain/tx.js'

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/** A message as the index holds it. */
export interface MessageRecord {
  height: number
  index: number
  author: string
  timeMs: number
  contentType: string
  deleted: boolean
  deletedBy?: string
  pruned: boolean
}

/** The head of a stored group chain. */
export interface StoredHead {
  height: number
  hash: Uint8Array
}

/** One group block's writes: committed in one atomic batch with its undo record. */
export interface GroupBlockWrite {
  decoded: DecodedGroupBlock
  /** the group state keys the block changed (null: deleted) and their values before it */
  changes: StateChanges
  previous: StateChanges
  /** message index entries added or changed, with their previous values (undefined: new) */
  messages: Map<string, { record: MessageRecord; previous: MessageRecord | undefined }>
  /** transactions of earlier blocks whose content a delete in this block drops */
  tombstones: { height: number; index: number; pruned: PrunedTx }[]
}

const h20 = (h: number): string => paddedId(h)
const i6 = (i: number): string => paddedId(i, 6)

// Keys under `g:<group id, 20 digits>/`:
//   head                → {height, hash}
//   b/<height>          → the block's header and signature (GroupBlock without transactions)
//   k/<height>          → the block's hash (loading the accumulator reads only these)
//   t/<height>/<index>  → 0x00 ‖ transaction bytes, or 0x01 ‖ GroupPrunedTx JSON (content dropped)
//   i/<message id>      → MessageRecord JSON
//   l/<height>/<index>  → the message id of a post (listing, newest first)
//   s/<state key>       → the group state's value
//   u/<height>          → undo: the previous values of every key the block wrote
const TX_BYTES = 0
const TX_PRUNED = 1

function encodeJson(v: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(v))
}

function decodeJson<T>(b: Uint8Array): T {
  return JSON.parse(fromUtf8.decode(b)) as T
}

function encodeTxSlot(tx: Uint8Array | PrunedTx): Uint8Array {
  if (tx instanceof Uint8Array) {
    const out = new Uint8Array(1 + tx.length)
    out[0] = TX_BYTES
    out.set(tx, 1)
    return out
  }
  const j = encodeJson({ ...tx, leafHash: Buffer.from(tx.leafHash).toString('hex') })
  const out = new Uint8Array(1 + j.length)
  out[0] = TX_PRUNED
  out.set(j, 1)
  return out
}

function decodeTxSlot(b: Uint8Array): Uint8Array | PrunedTx {
  if (b[0] === TX_BYTES) return b.subarray(1)
  const j = decodeJson<PrunedTx & { leafHash: string }>(b.subarray(1))
  return { ...j, leafHash: Buffer.from(j.leafHash, 'hex') }
}

/** The pruned stand-in of a stored transaction (its author and nonce read from it). */
export function prunedOf(index: number, tx: Uint8Array): PrunedTx {
  const m = decodeGroupTx(tx)
  return { index, leafHash: leafHash(tx), author: m.author, nonce: m.body.nonce }
}

type UndoJson = [key: string, value: string | null][]

/**
 * One group chain's storage in the node's classic-level (`g:` key space): blocks, transactions,
 * the message index, the group state and an undo record per block, each block in one synced
 * batch, so a crash leaves the previous block as the head with its state. Content that a delete
 * or the retention drops is replaced by its leaf hash, author and nonce: proofs of every other
 * message of the block still verify.
 */
export class GroupStore {
  private readonly p: string

  constructor(
    private readonly space: KeySpace,
    readonly groupId: number,
  ) {
    this.p = `${h20(groupId)}/`
  }

  async head(): Promise<StoredHead | undefined> {
    const v = await this.space.get(`${this.p}head`)
    if (v === undefined) return undefined
    const j = decodeJson<{ height: number; hash: string }>(v)
    return { height: j.height, hash: Buffer.from(j.hash, 'hex') }
  }

  /** Every state entry (loaded once when the group starts). */
  async loadState(): Promise<[string, Uint8Array][]> {
    const out: [string, Uint8Array][] = []
    const from = `${this.p}s/`
    for await (const [k, v] of this.space.range(from, `${this.p}s0`)) out.push([k.slice(from.length), v])
    return out
  }

  /** Every block hash from height 1, in order (the accumulator is rebuilt from them). */
  async loadHashes(): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for await (const [, v] of this.space.range(`${this.p}k/`, `${this.p}k0`)) out.push(v)
    return out
  }

  /** Commits a block: its header, transactions, hash, state and index changes, undo and head, atomically. */
  async commit(w: GroupBlockWrite): Promise<void> {
    const { block, hash } = w.decoded
    const height = block.header.height
    const writes: KeySpaceWrite[] = []
    const undo: UndoJson = []
    const put = (key: string, value: Uint8Array | null, previous: Uint8Array | null | undefined): void => {
      writes.push([this.p + key, value])
      undo.push([
        key,
        previous === undefined || previous === null ? null : Buffer.from(previous).toString('base64'),
      ])
    }
    put(`b/${h20(height)}`, Buffer.concat([block.signature, w.decoded.headerBytes]), null)
    put(`k/${h20(height)}`, hash, null)
    const pruned = new Map((block.pruned ?? []).map((p) => [p.index, p]))
    for (let i = 0; i < block.txs.length; i++)
      put(`t/${h20(height)}/${i6(i)}`, encodeTxSlot(pruned.get(i) ?? block.txs[i]!), null)
    for (const [key, value] of w.changes) put(`s/${key}`, value, w.previous.get(key) ?? null)
    for (const [id, { record, previous }] of w.messages) {
      put(`i/${id}`, encodeJson(record), previous === undefined ? null : encodeJson(previous))
      if (previous === undefined) put(`l/${h20(record.height)}/${i6(record.index)}`, utf8.encode(id), null)
    }
    for (const t of w.tombstones) {
      const key = `t/${h20(t.height)}/${i6(t.index)}`
      const before = await this.space.get(this.p + key)
      put(key, encodeTxSlot(t.pruned), before ?? null)
    }
    const prevHead = await this.space.get(`${this.p}head`)
    put('head', encodeJson({ height, hash: Buffer.from(hash).toString('hex') }), prevHead ?? null)
    writes.push([`${this.p}u/${h20(height)}`, encodeJson(undo)])
    await this.space.write(writes)
  }

  /** Reverts the head block (`height`): every key it wrote back to its previous value, atomically. */
  async revert(height: number): Promise<void> {
    const u = await this.space.get(`${this.p}u/${h20(height)}`)
    if (u === undefined) throw new Error(`group ${this.groupId} block ${height} has no undo record`)
    const writes: KeySpaceWrite[] = decodeJson<UndoJson>(u).map(([k, v]) => [
      this.p + k,
      v === null ? null : Buffer.from(v, 'base64'),
    ])
    writes.push([`${this.p}u/${h20(height)}`, null])
    await this.space.write(writes)
  }

  /** Drops undo records up to `height` (blocks at or below an anchored checkpoint never revert). */
  async forgetUndo(upTo: number): Promise<void> {
    const writes: KeySpaceWrite[] = []
    for await (const [k] of this.space.range(`${this.p}u/`, `${this.p}u/${h20(upTo + 1)}`))
      writes.push([k, null])
    if (writes.length > 0) await this.space.write(writes, { sync: false })
  }

  /** The block at `height` as peers are served it (pruned transactions as their leaf hash, author, nonce). */
  async block(height: number): Promise<GroupBlock | undefined> {
    const block = await this.headerBlock(height)
    if (block === undefined) return undefined
    const txs: Uint8Array[] = []
    const pruned: PrunedTx[] = []
    for await (const [, v] of this.space.range(`${this.p}t/${h20(height)}/`, `${this.p}t/${h20(height)}0`)) {
      const slot = decodeTxSlot(v)
      if (slot instanceof Uint8Array) txs.push(slot)
      else {
        pruned.push({ ...slot, index: txs.length })
        txs.push(new Uint8Array(0))
      }
    }
    const out: GroupBlock = { header: block.header, txs, signature: block.signature }
    if (pruned.length > 0) out.pruned = pruned
    return out
  }

  /** The encoded blocks `from .. from+count-1` that are stored. */
  async blocksBytes(from: number, count: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for (let h = from; h < from + count; h++) {
      const b = await this.block(h)
      if (b === undefined) break
      out.push(encodeGroupBlock(b))
    }
    return out
  }

  /** The leaf hashes of a block's transactions (for proofs: pruned ones from their record). */
  async leafHashes(height: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for await (const [, v] of this.space.range(`${this.p}t/${h20(height)}/`, `${this.p}t/${h20(height)}0`)) {
      const slot = decodeTxSlot(v)
      out.push(slot instanceof Uint8Array ? leafHash(slot) : slot.leafHash)
    }
    return out
  }

  /** A transaction's bytes, or its pruned record. */
  async tx(height: number, index: number): Promise<Uint8Array | PrunedTx | undefined> {
    const v = await this.space.get(`${this.p}t/${h20(height)}/${i6(index)}`)
    return v === undefined ? undefined : decodeTxSlot(v)
  }

  /**
   * Retention: drops the content of posts older than `cutoffMs` (their slots keep the leaf hash,
   * author and nonce; the index marks them pruned), at most `max` per call, in one batch. Returns
   * how many were pruned. Headers, hashes and every other message's proof are untouched.
   */
  async pruneOlderThan(cutoffMs: number, max = 1_000): Promise<number> {
    const mark = await this.space.get(`${this.p}r`)
    const from = mark === undefined ? 0 : Number(fromUtf8.decode(mark)) + 1
    const writes: KeySpaceWrite[] = []
    let last = from - 1
    let n = 0
    for await (const [k, v] of this.space.range(`${this.p}l/${h20(from)}`, `${this.p}l0`, { limit: max })) {
      const id = fromUtf8.decode(v)
      const r = await this.message(id)
      if (r === undefined) continue
      if (r.timeMs >= cutoffMs) break
      const [, h] = k.slice(this.p.length).split('/')
      last = Number(h)
      if (r.deleted || r.pruned) continue
      const slotKey = `${this.p}t/${h20(r.height)}/${i6(r.index)}`
      const slot = await this.space.get(slotKey)
      const tx = slot === undefined ? undefined : decodeTxSlot(slot)
      if (!(tx instanceof Uint8Array)) continue
      const pruned = prunedOf(r.index, tx)
      writes.push([slotKey, encodeTxSlot(pruned)])
      writes.push([`${this.p}i/${id}`, encodeJson({ ...r, pruned: true })])
      n++
    }
    // the mark moves past whole heights only: a height is done when the next one started
    if (last >= from) writes.push([`${this.p}r`, utf8.encode(String(last - 1))])
    if (writes.length > 0) await this.space.write(writes)
    return n
  }

  /** Posts in blocks below `before`, newest first, at most `limit`. */
  async *postsBefore(
    before: number,
    limit: number,
    beforeIndex?: number,
  ): AsyncGenerator<{ id: string; height: number; index: number }> {
    // below block `before`, or below index `beforeIndex` of block `before` (a page's cursor)
    const end =
      beforeIndex === undefined ? `${this.p}l/${h20(before)}` : `${this.p}l/${h20(before)}/${i6(beforeIndex)}`
    for await (const [k, v] of this.space.range(`${this.p}l/`, end, {
      reverse: true,
      limit,
    })) {
      const [, h, i] = k.slice(this.p.length).split('/')
      yield { id: fromUtf8.decode(v), height: Number(h), index: Number(i) }
    }
  }

  async message(id: string): Promise<MessageRecord | undefined> {
    const v = await this.space.get(`${this.p}i/${id}`)
    return v === undefined ? undefined : decodeJson<MessageRecord>(v)
  }

  /** A block's header and signature, without its transactions. */
  async headerBlock(
    height: number,
  ): Promise<{ header: GroupBlockHeader; signature: Uint8Array; headerBytes: Uint8Array } | undefined> {
    const b = await this.space.get(`${this.p}b/${h20(height)}`)
    if (b === undefined) return undefined
    const headerBytes = b.subarray(64)
    return { header: decodeGroupHeader(headerBytes), signature: b.subarray(0, 64), headerBytes }
  }
}
