import { asciiText } from '../ascii.js'
import type { StateReader, StateWriter } from './types.js'

/** Turns values of one store into bytes and back; must be deterministic. */
export interface ValueCodec<V> {
  encode(value: V): Uint8Array
  decode(bytes: Uint8Array): V
}

const fromUtf8 = new TextDecoder()

/** bigint as its decimal string: readable in proofs, and exact. */
export const bigintCodec: ValueCodec<bigint> = {
  // Buffer.from takes small buffers from Node's shared pool; TextEncoder gives each its own ArrayBuffer
  encode: (v) => Buffer.from(v.toString(), 'latin1'),
  // ASCII bytes (every value this codec wrote) read as latin1 give the string UTF-8 gives; that
  // skips TextDecoder on every balance read. Other bytes still go through UTF-8.
  decode: (b) => BigInt(asciiText(b) ?? fromUtf8.decode(b)),
}

/** A UTF-8 string. */
export const stringCodec: ValueCodec<string> = {
  encode: (v) => Buffer.from(v, 'utf8'),
  decode: (b) => fromUtf8.decode(b),
}

/** Raw bytes. */
export const bytesCodec: ValueCodec<Uint8Array> = { encode: (v) => v, decode: (b) => b }

/** A protobufjs message type used as a codec. */
export function protoCodec<V extends object>(type: {
  encode(m: object): { finish(): Uint8Array }
  decode(b: Uint8Array): unknown
  fromObject(o: object): object
  toObject(m: object, opts: object): unknown
}): ValueCodec<V> {
  return {
    encode: (v) => type.encode(type.fromObject(v)).finish(),
    decode: (b) => type.toObject(type.decode(b) as object, { longs: String, defaults: true }) as V,
  }
}

/**
 * A whole number as a fixed-width store id, zero-padded so that ids sort by number (20 digits
 * hold any unsigned 64-bit value; a store whose numbers stay smaller may use fewer).
 */
export function paddedId(n: number | bigint | string, digits = 20): string {
  return n.toString().padStart(digits, '0')
}

/** Makes a decoded value read-only all the way down (typed arrays cannot be frozen and stay as they are). */
function deepFreeze<V>(v: V): V {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || Object.isFrozen(v)) return v
  Object.freeze(v)
  for (const x of Object.values(v)) deepFreeze(x)
  return v
}

/**
 * `bytes` decoded by `codec`; when `state` keeps decoded values (`StateReader.decoded`), the
 * frozen value decoded from the same bytes object before, if any.
 */
function decodeFrom<V>(state: StateReader, codec: ValueCodec<V>, bytes: Uint8Array): V {
  const memo = state.decoded
  if (memo === undefined || codec === bytesCodec) return codec.decode(bytes)
  let byBytes = memo.get(codec)
  if (byBytes === undefined) {
    byBytes = new WeakMap()
    memo.set(codec, byBytes)
  }
  let v = byBytes.get(bytes) as V | undefined
  if (v === undefined) {
    v = deepFreeze(codec.decode(bytes))
    byBytes.set(bytes, v)
  }
  return v
}

/** Ids whose full key a TypedStore remembers (cleared when full). */
const RECENT_KEYS = 50_000

/**
 * A typed view of the keys under `<module>/<name>/`: every module's state goes through one of
 * these, so keys are namespaced and values always decode to the same type.
 */
export class TypedStore<V> {
  /** Full key prefix including the trailing slash. */
  readonly prefix: string
  /**
   * Full keys of recent ids. `prefix + id` is a new rope string on every call, which each Map
   * lookup (the overlay's, then the committed state's) flattens and hashes again; the cached key
   * is flattened and hashed once. Transfers read the same few accounts' keys a dozen times each.
   */
  private readonly recentKeys = new Map<string, string>()

  constructor(
    module: string,
    name: string,
    private readonly codec: ValueCodec<V>,
  ) {
    this.prefix = `${module}/${name}/`
  }

  /** The full state key of `id`. */
  key(id: string): string {
    let k = this.recentKeys.get(id)
    if (k === undefined) {
      k = this.prefix + id
      if (this.recentKeys.size >= RECENT_KEYS) this.recentKeys.clear()
      this.recentKeys.set(id, k)
    }
    return k
  }

  get(state: StateReader, id: string): V | undefined {
    const b = state.get(this.key(id))
    return b === undefined ? undefined : decodeFrom(state, this.codec, b)
  }

  has(state: StateReader, id: string): boolean {
    return state.get(this.key(id)) !== undefined
  }

  set(state: StateWriter, id: string, value: V): void {
    state.set(this.key(id), this.codec.encode(value))
  }

  delete(state: StateWriter, id: string): void {
    state.delete(this.key(id))
  }

  /** All entries, sorted by id; linear in the state size. */
  entries(state: StateReader): [string, V][] {
    return state
      .keys(this.prefix)
      .map((k) => [k.slice(this.prefix.length), decodeFrom(state, this.codec, state.get(k)!)])
  }
}

/** A store holding a single value under `<module>/<name>`. */
export class SingletonStore<V> {
  readonly key: string

  constructor(
    module: string,
    name: string,
    private readonly codec: ValueCodec<V>,
  ) {
    this.key = `${module}/${name}`
  }

  get(state: StateReader): V | undefined {
    const b = state.get(this.key)
    return b === undefined ? undefined : decodeFrom(state, this.codec, b)
  }

  set(state: StateWriter, value: V): void {
    state.set(this.key, this.codec.encode(value))
  }

  delete(state: StateWriter): void {
    state.delete(this.key)
  }
}
