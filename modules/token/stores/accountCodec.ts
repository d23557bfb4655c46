import protobuf from 'protobufjs'
import { asciiText } from '../../../chain/ascii.js'
import { protoType } from '../../../chain/codec/index.js'
import { protoCodec, type ValueCodec } from '../../../chain/store/typedStore.js'

/** Auth record of an account, as stored. */
export interface AccountRecord {
  address: string
  accountNumber: string
  sequence: string
}

/** The generic protobufjs codec of `gather.token.v1.Account`: the reference the fast one must equal. */
export const accountProtoCodec: ValueCodec<AccountRecord> = protoCodec(protoType('gather.token.v1.Account'))

/** A canonical decimal uint64 (what `bigint.toString()` gives for 0 ≤ n < 2^64). */
const UINT64_DECIMAL = /^(0|[1-9][0-9]{0,19})$/
const MAX_UINT64 = 2n ** 64n - 1n

function isUint64Decimal(s: string): boolean {
  return UINT64_DECIMAL.test(s) && (s.length < 20 || BigInt(s) <= MAX_UINT64)
}

/** Largest value the fast decoder reads as a plain number: 7 varint bytes, below 2^49. */
const FAST_VARINT_BYTES = 7

/**
 * `gather.token.v1.Account` { string address = 1; uint64 account_number = 2; uint64 sequence = 3 }
 * without protobufjs's generic path. Every transfer reads and writes its accounts several times,
 * and the generic codec builds a message object, a `Long` per number and then a decimal string
 * by `Long` division: a tenth of block import's main-thread time went there.
 *
 * It gives exactly what `accountProtoCodec` gives. The encoder writes the record protobufjs would
 * write (defaults left out, fields in number order); a value it does not know to be a canonical
 * decimal uint64 goes to `accountProtoCodec`. The decoder reads only the shape it can be sure
 * of: the three known fields with their wire types (any order, a repeated field's last value
 * wins, as protobufjs does), an address of ASCII bytes (every UTF-8 decoder reads those the same)
 * and numbers of at most 7 varint bytes. Anything else (unknown fields, other wire types, longer
 * varints, non-ASCII, truncation) is decoded by `accountProtoCodec`, errors included.
 * `accountCodec.test.ts` holds both against it on seeded random, mutated and truncated bytes.
 */
export const accountCodec: ValueCodec<AccountRecord> = {
  encode(v) {
    if (
      typeof v.address !== 'string' ||
      typeof v.accountNumber !== 'string' ||
      typeof v.sequence !== 'string' ||
      !isUint64Decimal(v.accountNumber) ||
      !isUint64Decimal(v.sequence)
    )
      return accountProtoCodec.encode(v)
    const w = protobuf.Writer.create()
    if (v.address !== '') w.uint32(10).string(v.address)
    if (v.accountNumber !== '0') w.uint32(16).uint64(uint64Arg(v.accountNumber))
    if (v.sequence !== '0') w.uint32(24).uint64(uint64Arg(v.sequence))
    return w.finish()
  },

  decode(b) {
    return decodeFast(b) ?? accountProtoCodec.decode(b)
  },
}

/** A decimal uint64 as protobufjs's Writer takes it: a number while exact, else the string. */
function uint64Arg(s: string): number | string {
  return s.length < 16 ? Number(s) : s
}

/** The record, or undefined when `b` is not of the shape read here (see `accountCodec`). */
function decodeFast(b: Uint8Array): AccountRecord | undefined {
  let address = ''
  let accountNumber = 0
  let sequence = 0
  let pos = 0
  const end = b.length
  while (pos < end) {
    const tag = b[pos++]!
    if (tag === 10) {
      const len = b[pos++]
      // a one-byte length, within the bytes
      if (len === undefined || len > 127 || pos + len > end) return undefined
      const text = asciiText(b.subarray(pos, pos + len))
      if (text === undefined) return undefined
      address = text
      pos += len
    } else if (tag === 16 || tag === 24) {
      let n = 0
      let scale = 1
      let done = false
      for (let i = 0; i < FAST_VARINT_BYTES && pos < end; i++) {
        const byte = b[pos++]!
        n += (byte & 127) * scale
        scale *= 128
        if (byte < 128) {
          done = true
          break
        }
      }
      if (!done) return undefined
      if (tag === 16) accountNumber = n
      else sequence = n
    } else return undefined
  }
  return { address, accountNumber: String(accountNumber), sequence: String(sequence) }
}
