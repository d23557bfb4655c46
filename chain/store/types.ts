/** Read access to the key-value state. Keys are `module/store/...` strings; values are bytes. */
export interface StateReader {
  get(key: string): Uint8Array | undefined
  /** Keys starting with `prefix`, sorted; cost is linear in the state size, so not for hot paths. */
  keys(prefix: string): string[]
  /**
   * Where typed stores keep the values they decoded from this reader's bytes, frozen, to hand out
   * again for the same bytes object instead of decoding it again. Only a reader whose callers
   * never change what they read has one: the invariant checker's (`chain/invariants.ts`).
   */
  readonly decoded?: DecodedValues
}

/** Decoded values by codec, then by the bytes object they were decoded from (`StateReader.decoded`). */
export type DecodedValues = WeakMap<object, WeakMap<Uint8Array, unknown>>

/** Read-write access: what commands and hooks execute against. */
export interface StateWriter extends StateReader {
  set(key: string, value: Uint8Array): void
  delete(key: string): void
}

/** The pending changes of a block: a value to write, or null to delete. */
export type StateChanges = Map<string, Uint8Array | null>
