import { describe, expect, test } from '@jest/globals'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { AuthInfo, ModeInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import { encodeSignDoc, encodeTxRaw, readerOf } from './decodeTx.js'

const SEED = testSeed('GATHER_CODEC_SEED')

/** Byte strings of the lengths that matter to protobuf: empty, one byte, around the varint edges. */
function someBytes(rng: Rng): Uint8Array {
  const n = rng.pick([0, 0, 1, 2, 64, 127, 128, 129, 300, 16_383, 16_384])
  return Buffer.alloc(n, rng.int(256))
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const ACCOUNT_NUMBERS = [
  0n,
  1n,
  127n,
  128n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 64n - 1n,
]

/**
 * cosmjs-types 0.11 encodes a uint64 from 2^31 to 2^32 - 1 wrongly (`20 ff 00 00 00 00` for
 * 2^32 - 1: the high bits of the low word are lost); there our varint is the standard one, as
 * the Cosmos SDK writes it, and cosmjs-types decodes it back to the same number.
 */
const cosmjsMisencodes = (n: bigint): boolean => n >= 2n ** 31n && n < 2n ** 32n

describe(`TxRaw and SignDoc encodings (GATHER_CODEC_SEED=${SEED} replays)`, () => {
  test('encodeTxRaw gives the bytes of cosmjs-types TxRaw.encode', () => {
    const rng = new Rng(SEED)
    const mismatches: number[] = []
    for (let i = 0; i < 2_000; i++) {
      const m = {
        bodyBytes: someBytes(rng),
        authInfoBytes: someBytes(rng),
        signatures: Array.from({ length: rng.int(4) }, () => someBytes(rng)),
      }
      if (hex(encodeTxRaw(m)) !== hex(TxRaw.encode(m).finish())) mismatches.push(i)
    }
    expect(mismatches).toEqual([])
  })

  test('encodeSignDoc gives the bytes cosmjs-types SignDoc.encode gives (what wallets sign)', () => {
    const rng = new Rng(SEED ^ 0x5eed)
    const mismatches: { i: number; accountNumber: string }[] = []
    let standardOnly = 0
    for (let i = 0; i < 2_000; i++) {
      const accountNumber = rng.chance(0.5)
        ? rng.pick(ACCOUNT_NUMBERS)
        : BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31) + 1)
      const m = {
        bodyBytes: someBytes(rng),
        authInfoBytes: someBytes(rng),
        chainId: rng.pick(['', 'g', 'gather-1', 'gather-testnet-2026', 'ü-chain']),
        accountNumber,
      }
      const ours = encodeSignDoc(m)
      if (cosmjsMisencodes(accountNumber)) {
        standardOnly++
        const back = SignDoc.decode(ours)
        if (back.accountNumber !== accountNumber || back.chainId !== m.chainId)
          mismatches.push({ i, accountNumber: accountNumber.toString() })
      } else if (hex(ours) !== hex(SignDoc.encode(m).finish()))
        mismatches.push({ i, accountNumber: accountNumber.toString() })
    }
    expect(mismatches).toEqual([])
    expect(standardOnly).toBeGreaterThan(0)
  })
})

/** Strings as wallets and attackers send them: ASCII, other UTF-8, and bytes that are not UTF-8 at all. */
function someString(rng: Rng): string {
  return rng.pick([
    '',
    'ugat',
    '/gather.token.v1.MsgTransfer',
    '/cosmos.crypto.secp256k1.PubKey',
    '1000',
    'x'.repeat(rng.int(300)),
    'ünïcödé memo',
    '\u{1f600} emoji',
    '\u0000\u007f',
    String.fromCharCode(...Array.from({ length: rng.int(20) }, () => rng.int(0xd800))),
  ])
}

const someAny = (rng: Rng) => ({ typeUrl: someString(rng), value: someBytes(rng).subarray(0, 40) })
const someU64 = (rng: Rng): bigint => rng.pick(ACCOUNT_NUMBERS)
const someCoins = (rng: Rng) =>
  Array.from({ length: rng.int(3) }, () => ({ denom: someString(rng), amount: someString(rng) }))

function someModeInfo(rng: Rng, depth = 0): ModeInfo {
  if (depth > 1 || rng.chance(0.8))
    return ModeInfo.fromPartial({ single: { mode: rng.pick([0, 1, 2, 127, 191]) } })
  return ModeInfo.fromPartial({
    multi: {
      bitarray: { extraBitsStored: rng.int(8), elems: rng.bytes(rng.int(4)) },
      modeInfos: Array.from({ length: rng.int(3) }, () => someModeInfo(rng, depth + 1)),
    },
  })
}

/** A valid encoding of one of the four messages decodeTx reads, with random field values. */
function someEncoding(rng: Rng): { type: 'TxRaw' | 'TxBody' | 'AuthInfo' | 'PubKey'; bytes: Uint8Array } {
  switch (rng.int(4)) {
    case 0:
      return {
        type: 'TxRaw',
        bytes: TxRaw.encode({
          bodyBytes: someBytes(rng).subarray(0, 200),
          authInfoBytes: someBytes(rng).subarray(0, 200),
          signatures: Array.from({ length: rng.int(3) }, () => rng.bytes(rng.pick([0, 64, 65]))),
        }).finish(),
      }
    case 1:
      return {
        type: 'TxBody',
        bytes: TxBody.encode(
          TxBody.fromPartial({
            messages: Array.from({ length: rng.int(3) }, () => someAny(rng)),
            memo: someString(rng),
            timeoutHeight: someU64(rng),
            unordered: rng.chance(0.2),
            timeoutTimestamp: rng.chance(0.2) ? { seconds: someU64(rng), nanos: rng.int(1e9) } : undefined,
            extensionOptions: rng.chance(0.2) ? [someAny(rng)] : [],
            nonCriticalExtensionOptions: rng.chance(0.2) ? [someAny(rng)] : [],
          }),
        ).finish(),
      }
    case 2:
      return {
        type: 'AuthInfo',
        bytes: AuthInfo.encode(
          AuthInfo.fromPartial({
            signerInfos: Array.from({ length: rng.int(3) }, () => ({
              publicKey: rng.chance(0.9) ? someAny(rng) : undefined,
              modeInfo: rng.chance(0.9) ? someModeInfo(rng) : undefined,
              sequence: someU64(rng),
            })),
            fee: rng.chance(0.9)
              ? {
                  amount: someCoins(rng),
                  gasLimit: someU64(rng),
                  payer: someString(rng),
                  granter: someString(rng),
                }
              : undefined,
            tip: rng.chance(0.2) ? { amount: someCoins(rng), tipper: someString(rng) } : undefined,
          }),
        ).finish(),
      }
    default:
      return { type: 'PubKey', bytes: PubKey.encode({ key: rng.bytes(rng.pick([0, 33, 65])) }).finish() }
  }
}

/** A valid encoding changed: bytes flipped (strings that are no longer UTF-8), inserted, dropped, truncated, fields repeated. */
function mutateEncoding(rng: Rng, b: Uint8Array, other: Uint8Array): Uint8Array {
  const out = [...b]
  const times = 1 + rng.int(3)
  for (let t = 0; t < times; t++) {
    switch (rng.int(6)) {
      case 0:
      case 1:
        if (out.length > 0) out[rng.int(out.length)] = rng.pick([rng.int(256), 0x80, 0xc3, 0xe2, 0xf0, 0xff])
        break
      case 2:
        out.splice(rng.int(out.length + 1), 0, rng.int(256))
        break
      case 3:
        out.splice(rng.int(out.length + 1), 1)
        break
      case 4:
        out.length = rng.int(out.length + 1)
        break
      default:
        // the same message's fields again: last-wins scalars, merged messages, appended repeats
        out.push(...other)
    }
  }
  return Uint8Array.from(out)
}

const DECODERS = {
  TxRaw,
  TxBody,
  AuthInfo,
  PubKey,
} as const

/** What a decode gave, as text: the decoded value (bytes as hex, bigints marked) or the error. */
function decoded(run: () => unknown): string {
  try {
    return JSON.stringify(run(), (_k, v) =>
      typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `0x${hex(v)}` : v,
    )
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`
  }
}

describe(`decodeTx's reader (GATHER_CODEC_SEED=${SEED} replays)`, () => {
  test('reads every string as cosmjs-types does: ASCII, other UTF-8, invalid and truncated UTF-8', () => {
    const rng = new Rng(SEED ^ 0x57f1)
    const mismatches: string[] = []
    for (let i = 0; i < 20_000; i++) {
      const n = rng.pick([0, 1, 2, 3, 7, 40, 300])
      const bytes = rng.chance(0.3)
        ? Buffer.from(Array.from({ length: n }, () => rng.int(128)))
        : rng.chance(0.5)
          ? Buffer.from(someString(rng), 'utf8')
          : rng.bytes(n)
      // a TxBody whose memo field (tag 0x12) holds `bytes`
      const encoded = Buffer.concat([Buffer.from([0x12]), varint(bytes.length), bytes])
      const ours = decoded(() => TxBody.decode(readerOf(new Uint8Array(encoded))).memo)
      const reference = decoded(() => TxBody.decode(new Uint8Array(encoded)).memo)
      if (ours !== reference) mismatches.push(`${hex(bytes)}: ${ours} vs ${reference}`)
    }
    expect(mismatches.slice(0, 5)).toEqual([])
  })

  test('TxRaw, TxBody, AuthInfo and PubKey decode as with cosmjs-types own reader, on valid, mutated and random bytes', () => {
    const rng = new Rng(SEED ^ 0xdec0de)
    const mismatches: { i: number; type: string; bytes: string; ours: string; reference: string }[] = []
    let errors = 0
    const N = 30_000
    for (let i = 0; i < N; i++) {
      const { type, bytes: valid } = someEncoding(rng)
      const r = rng.next()
      const bytes =
        r < 0.3
          ? valid
          : r < 0.9
            ? mutateEncoding(rng, valid, someEncoding(rng).bytes)
            : rng.bytes(rng.int(80))
      const decoder = DECODERS[type]
      const ours = decoded(() => decoder.decode(readerOf(new Uint8Array(bytes))))
      const reference = decoded(() => decoder.decode(new Uint8Array(bytes)))
      if (ours.startsWith('Error') || ours.startsWith('RangeError')) errors++
      if (ours !== reference) mismatches.push({ i, type, bytes: hex(bytes), ours, reference })
    }
    expect(mismatches.slice(0, 3)).toEqual([])
    // both outcomes are exercised: decoded values and errors
    expect(errors).toBeGreaterThan(N / 20)
    expect(errors).toBeLessThan((N * 3) / 4)
  })
})

function varint(n: number): Buffer {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 127) | 128)
    n >>>= 7
  }
  out.push(n)
  return Buffer.from(out)
}
