/** Read access to the key-value state. Keys are `module/store/...` strings; values are bytes. */
export interface StateReader {
  get(key: string): Uint8Array | undefined
  /** Keys starting with `prefix`, sorted; cost is linear in the state size, so not for hot paths. */
  keys(prefix: string): string[]
}

/** Read-write access: what commands and hooks execute against. */
export interface StateWriter extends StateReader {
  set(key: string, value: Uint8Array): void
  delete(key: string): void
}

/** The pending changes of a block: a value to write, or null to delete. */
export type StateChanges = Map<string, Uint8Array | null>
