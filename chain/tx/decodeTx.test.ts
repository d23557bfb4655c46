import { describe, expect, test } from '@jest/globals'
import { SignDoc, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import { encodeSignDoc, encodeTxRaw } from './decodeTx.js'

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
