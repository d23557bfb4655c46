import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

/**
 * Our own protobuf types, loaded from the `.proto` files under `proto/` at start. Cosmos types
 * (TxRaw, SignDoc, AuthInfo) come from cosmjs-types instead, byte-identical to what wallets sign.
 */
const protoDir = join(dirname(fileURLToPath(import.meta.url)), 'proto')

/** Every `.proto` file of the chain, relative to the proto folder. */
export const PROTO_FILES = [
  'gather/chain/v1/block.proto',
  'gather/chain/v1/store.proto',
  'gather/token/v1/token.proto',
  'gather/staking/v1/staking.proto',
  'gather/governance/v1/governance.proto',
  'gather/identity/v1/identity.proto',
  'gather/messaging/v1/messaging.proto',
]

/** The protobufjs root holding every Gather type, by full name (`gather.token.v1.MsgTransfer`). */
export const protoRoot: protobuf.Root = new protobuf.Root().loadSync(
  PROTO_FILES.map((f) => join(protoDir, f)),
  { keepCase: false },
)

/** Looks up a message type by its full protobuf name; throws if the name is unknown. */
export function protoType(fullName: string): protobuf.Type {
  return protoRoot.lookupType(fullName)
}

/** The type URL a message of `type` carries inside a Cosmos `Any` (`/gather.token.v1.MsgTransfer`). */
export function typeUrlOf(type: protobuf.Type): string {
  return `/${type.fullName.replace(/^\./, '')}`
}

/** Every Msg type, keyed by type URL: what a wallet registers in a cosmjs `Registry`. */
export function messageTypes(): Map<string, protobuf.Type> {
  const out = new Map<string, protobuf.Type>()
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type && nested.name.startsWith('Msg')) out.set(typeUrlOf(nested), nested)
      if (nested instanceof protobuf.Namespace) visit(nested)
    }
  }
  visit(protoRoot)
  return out
}

/** A 64-bit unsigned value as protobufjs decodes it (a Long object when `long` is installed). */
type U64 = number | { low: number; high: number; unsigned: boolean; toString(): string }

/** Converts a decoded uint64 to bigint, exactly. */
export function u64ToBigInt(v: U64 | string | bigint | undefined | null): bigint {
  if (v === undefined || v === null) return 0n
  if (typeof v === 'bigint') return v
  if (typeof v === 'number') return BigInt(v)
  return BigInt(v.toString())
}

/** Converts a decoded uint64 to a JS number, throwing if it exceeds 2^53 - 1 (heights, slots, times). */
export function u64ToSafeNumber(v: U64 | string | bigint | undefined | null, field: string): number {
  const b = u64ToBigInt(v)
  if (b > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${field} ${b} exceeds 2^53-1`)
  return Number(b)
}
