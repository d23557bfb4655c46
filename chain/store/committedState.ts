import { hash } from 'node:crypto'
import { type SmtProof, type SmtUpdate, SparseMerkleTree } from './smt.js'
import type { StateChanges, StateReader } from './types.js'

const utf8 = new TextEncoder()

/** The tree path of a state key: sha256 of its UTF-8 bytes. */
export function statePath(key: string): Uint8Array {
  return hash('sha256', utf8.encode(key), 'buffer')
}

/**
 * Paths of keys the state changed recently: the same accounts' keys change block after block,
 * and a Map lookup costs a tenth of a hash. Cleared when full; paths are never mutated.
 */
const recentPaths = new Map<string, Uint8Array>()
const RECENT_PATHS = 200_000

function pathOf(key: string): Uint8Array {
  let p = recentPaths.get(key)
  if (p === undefined) {
    p = statePath(key)
    if (recentPaths.size >= RECENT_PATHS) recentPaths.clear()
    recentPaths.set(key, p)
  }
  return p
}

/** The leaf value hash of a state value. */
export function stateValueHash(value: Uint8Array): Uint8Array {
  return hash('sha256', value, 'buffer')
}

/** The store part (`module/store/`) of a key or prefix, if it has one. */
function storeOf(key: string): string | undefined {
  const first = key.indexOf('/')
  if (first < 0) return undefined
  const second = key.indexOf('/', first + 1)
  return second < 0 ? undefined : key.slice(0, second + 1)
}

/** A state key with its value (absent: undefined) and a proof against the state root. */
export interface StateProof {
  key: string
  value: Uint8Array | undefined
  root: Uint8Array
  proof: SmtProof
}

/**
 * The state as of the last committed block, held in memory (values and the sparse Merkle tree)
 * and persisted in classic-level by the chain store. Reads are synchronous, which keeps
 * execution a plain function of state; see docs/adr/001-in-memory-state.md for the trade-off.
 */
export class CommittedState implements StateReader {
  /** keys grouped by store (`module/store/`), so a store's scan does not walk the whole state */
  private readonly byStore = new Map<string, Set<string>>()

  private constructor(
    private readonly values: Map<string, Uint8Array>,
    private tree: SparseMerkleTree,
  ) {
    for (const k of values.keys()) this.index(k)
  }

  private index(key: string): void {
    const b = storeOf(key)
    if (b === undefined) return
    let set = this.byStore.get(b)
    if (set === undefined) {
      set = new Set()
      this.byStore.set(b, set)
    }
    set.add(key)
  }

  /** An empty state (before genesis). */
  static empty(): CommittedState {
    return new CommittedState(new Map(), SparseMerkleTree.empty())
  }

  /** Rebuilds the state and its tree from persisted key-value pairs. */
  static fromEntries(entries: Iterable<[string, Uint8Array]>): CommittedState {
    const values = new Map<string, Uint8Array>()
    for (const [k, v] of entries) values.set(k, v)
    const leaves = function* () {
      for (const [k, v] of values) yield { path: statePath(k), valueHash: stateValueHash(v) }
    }
    return new CommittedState(values, SparseMerkleTree.fromLeaves(leaves()))
  }

  get(key: string): Uint8Array | undefined {
    return this.values.get(key)
  }

  keys(prefix: string): string[] {
    // A prefix that names a store (`module/store/...`) only walks that store's keys.
    const bucket = storeOf(prefix)
    const source = bucket === undefined ? this.values.keys() : (this.byStore.get(bucket) ?? [])
    const out: string[] = []
    for (const k of source) if (k.startsWith(prefix)) out.push(k)
    return out.sort()
  }

  /** The state root of the committed state. */
  get root(): Uint8Array {
    return this.tree.root
  }

  /** Number of keys. */
  get size(): number {
    return this.values.size
  }

  /** The tree after applying `changes`, without touching the committed state. */
  treeWith(changes: StateChanges): SparseMerkleTree {
    const updates: SmtUpdate[] = []
    for (const [k, v] of changes) {
      const current = this.values.get(k)
      if (v === null && current === undefined) continue
      updates.push({ path: pathOf(k), valueHash: v === null ? null : stateValueHash(v) })
    }
    return updates.length === 0 ? this.tree : this.tree.update(updates)
  }

  /** Makes `changes` (already durable in the database) the committed state, with their tree. */
  apply(changes: StateChanges, tree: SparseMerkleTree): void {
    for (const [k, v] of changes) {
      if (v === null) {
        if (this.values.delete(k)) {
          const b = storeOf(k)
          if (b !== undefined) this.byStore.get(b)?.delete(k)
        }
      } else {
        if (!this.values.has(k)) this.index(k)
        this.values.set(k, v)
      }
    }
    this.tree = tree
  }

  /** A proof of the key's value, or of its absence, against the current root. */
  prove(key: string): StateProof {
    return { key, value: this.values.get(key), root: this.tree.root, proof: this.tree.prove(statePath(key)) }
  }
}
