import type { KeyObject } from 'node:crypto'

/**
 * A bounded least-recently-used cache of node:crypto `KeyObject`s keyed by raw key bytes.
 * Importing a key costs about as much as a verification, so verifiers cache them.
 */
export class KeyObjectCache {
  private readonly entries = new Map<string, KeyObject>()

  /**
   * @param maxEntries - the most keys kept; the least recently used is evicted beyond that
   * @param build - imports raw key bytes; may throw for invalid keys (nothing is cached then)
   */
  constructor(
    readonly maxEntries: number,
    private readonly build: (bytes: Uint8Array) => KeyObject,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`)
    }
  }

  /**
   * Returns the cached `KeyObject` for `bytes`, importing and caching it on a miss.
   *
   * @param bytes - raw key bytes
   * @returns the imported key
   * @throws whatever `build` throws for an invalid key
   */
  get(bytes: Uint8Array): KeyObject {
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    const hit = this.entries.get(id)
    if (hit !== undefined) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(id)
      this.entries.set(id, hit)
      return hit
    }
    const key = this.build(bytes)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(id, key)
    return key
  }

  /** Number of cached keys. */
  get size(): number {
    return this.entries.size
  }

  /** Drops every cached key. */
  clear(): void {
    this.entries.clear()
  }
}

/**
 * Whether `value` is a byte array (`Uint8Array` or `Buffer`), checked without `instanceof` so
 * it also holds for arrays from another realm (jest's VM context, worker threads).
 *
 * @param value - anything
 * @returns true for byte arrays
 */
export function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value) && (value as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT === 1
}
