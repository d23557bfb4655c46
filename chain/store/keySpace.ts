import type { ClassicLevel } from 'classic-level'

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/** One write of a {@link KeySpace} batch: a value, or `null` to delete the key. */
export type KeySpaceWrite = [key: string, value: Uint8Array | null]

/**
 * A prefix of the node's classic-level database for data that lives beside the chain but is not
 * main-chain state (group chains: node/groups/groupStore.ts). Keys are strings under the prefix;
 * every `write` is one atomic batch, synced by default, so a crash keeps all of it or none.
 */
export class KeySpace {
  constructor(
    private readonly db: ClassicLevel<Uint8Array, Uint8Array>,
    /** e.g. `g:`; must not be a prefix of the chain's own key spaces */
    readonly prefix: string,
  ) {}

  private key(k: string): Uint8Array {
    return utf8.encode(this.prefix + k)
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.db.get(this.key(key))
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return this.db.getMany(keys.map((k) => this.key(k)))
  }

  /** Applies every write in one atomic batch (fsynced unless `sync: false`). */
  async write(writes: readonly KeySpaceWrite[], opts: { sync?: boolean } = {}): Promise<void> {
    const batch = this.db.batch()
    for (const [k, v] of writes) {
      if (v === null) batch.del(this.key(k))
      else batch.put(this.key(k), v)
    }
    await batch.write({ sync: opts.sync !== false })
  }

  /** Entries with keys in [from, to), in key order (`reverse`: from the end), at most `limit`. */
  async *range(
    from: string,
    to: string,
    opts: { reverse?: boolean; limit?: number } = {},
  ): AsyncGenerator<[string, Uint8Array]> {
    const n = this.prefix.length
    for await (const [k, v] of this.db.iterator({
      gte: this.key(from),
      lt: this.key(to),
      reverse: opts.reverse === true,
      limit: opts.limit ?? -1,
    })) {
      yield [fromUtf8.decode(k).slice(n), v]
    }
  }
}
