import type { StateReader, StateWriter } from './types.js'

/** Turns values of one store into bytes and back; must be deterministic. */
export interface ValueCodec<V> {
  encode(value: V): Uint8Array
  decode(bytes: Uint8Array): V
}

const fromUtf8 = new TextDecoder()

/**
 * Decoded state values, by the identity of their bytes. State values are never changed in place
 * (a write stores new bytes), so bytes once decoded always decode to the same value; execution
 * reads the same balances and accounts many times per transaction, and each read would decode
 * again. Entries go when their bytes are garbage (a WeakMap), so the cache never outlives the
 * state that holds the bytes.
 */
function cached<V>(
  codec: ValueCodec<V>,
  opts: { copy?: (v: V) => V; keepEncoded?: (v: V) => boolean } = {},
): ValueCodec<V> {
  const values = new WeakMap<Uint8Array, V>()
  const copy = opts.copy ?? ((v: V) => v)
  const keepEncoded = opts.keepEncoded
  return {
    // a value written is what its bytes decode to only when `keepEncoded` says so (a primitive
    // of the codec's own type): then the next read needs no decode either
    encode: (v) => {
      const b = codec.encode(v)
      if (keepEncoded?.(v) === true) values.set(b, copy(v))
      return b
    },
    decode: (b) => {
      const hit = values.get(b)
      if (hit !== undefined) return copy(hit)
      const v = codec.decode(b)
      values.set(b, copy(v))
      return v
    },
  }
}

/** bigint as its decimal string: readable in proofs, and exact. */
export const bigintCodec: ValueCodec<bigint> = cached(
  {
    // Buffer.from takes small buffers from Node's shared pool; TextEncoder gives each its own ArrayBuffer
    encode: (v) => Buffer.from(v.toString(), 'latin1'),
    decode: (b) => BigInt(fromUtf8.decode(b)),
  },
  { keepEncoded: (v) => typeof v === 'bigint' },
)

/** A UTF-8 string. */
export const stringCodec: ValueCodec<string> = cached(
  {
    encode: (v) => Buffer.from(v, 'utf8'),
    decode: (b) => fromUtf8.decode(b),
  },
  { keepEncoded: (v) => typeof v === 'string' },
)

/** Raw bytes. */
export const bytesCodec: ValueCodec<Uint8Array> = { encode: (v) => v, decode: (b) => b }

/**
 * A protobufjs message type used as a codec. A message of scalar fields only (no repeated,
 * map, enum or message fields) is decoded once per stored value and handed out as a fresh
 * shallow copy (a complete copy, since every field is a string, number or boolean), so a caller
 * may change what it got.
 */
export function protoCodec<V extends object>(type: {
  encode(m: object): { finish(): Uint8Array }
  decode(b: Uint8Array): unknown
  fromObject(o: object): object
  toObject(m: object, opts: object): unknown
  fieldsArray?: readonly { repeated: boolean; map?: boolean; resolve(): { resolvedType: unknown } }[]
}): ValueCodec<V> {
  const codec: ValueCodec<V> = {
    encode: (v) => type.encode(type.fromObject(v)).finish(),
    decode: (b) => type.toObject(type.decode(b) as object, { longs: String, defaults: true }) as V,
  }
  const flat =
    type.fieldsArray !== undefined &&
    type.fieldsArray.every((f) => !f.repeated && f.map !== true && f.resolve().resolvedType === null)
  return flat ? cached(codec, { copy: (v) => ({ ...v }) }) : codec
}

/**
 * A whole number as a fixed-width store id, zero-padded so that ids sort by number (20 digits
 * hold any unsigned 64-bit value; a store whose numbers stay smaller may use fewer).
 */
export function paddedId(n: number | bigint | string, digits = 20): string {
  return n.toString().padStart(digits, '0')
}

/**
 * A typed view of the keys under `<module>/<name>/`: every module's state goes through one of
 * these, so keys are namespaced and values always decode to the same type.
 */
export class TypedStore<V> {
  /** Full key prefix including the trailing slash. */
  readonly prefix: string

  constructor(
    module: string,
    name: string,
    private readonly codec: ValueCodec<V>,
  ) {
    this.prefix = `${module}/${name}/`
  }

  /** The full state key of `id`. */
  key(id: string): string {
    return this.prefix + id
  }

  get(state: StateReader, id: string): V | undefined {
    const b = state.get(this.prefix + id)
    return b === undefined ? undefined : this.codec.decode(b)
  }

  has(state: StateReader, id: string): boolean {
    return state.get(this.prefix + id) !== undefined
  }

  set(state: StateWriter, id: string, value: V): void {
    state.set(this.prefix + id, this.codec.encode(value))
  }

  delete(state: StateWriter, id: string): void {
    state.delete(this.prefix + id)
  }

  /** All entries, sorted by id; linear in the state size. */
  entries(state: StateReader): [string, V][] {
    return state.keys(this.prefix).map((k) => [k.slice(this.prefix.length), this.codec.decode(state.get(k)!)])
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
    return b === undefined ? undefined : this.codec.decode(b)
  }

  set(state: StateWriter, value: V): void {
    state.set(this.key, this.codec.encode(value))
  }

  delete(state: StateWriter): void {
    state.delete(this.key)
  }
}
