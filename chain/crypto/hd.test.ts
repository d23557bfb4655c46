import { Bip39, EnglishMnemonic, Slip10, Slip10Curve, stringToPath } from '@cosmjs/crypto'
import { describe, expect, it } from '@jest/globals'
import { accountPath, deriveAccountKey, deriveNodeKey, nodeKeyPath, TEST_MNEMONIC } from './hd.js'

describe('hd derivation', () => {
  it('builds Cosmos Hub and node key paths', () => {
    expect(accountPath(0)).toBe("m/44'/118'/0'/0/0")
    expect(accountPath(7)).toBe("m/44'/118'/0'/0/7")
    expect(nodeKeyPath(3)).toBe("m/44'/118'/1'/0'/3'")
    for (const bad of [-1, 1.5, 2 ** 31, Number.NaN]) {
      expect(() => accountPath(bad)).toThrow(RangeError)
    }
  })

  it('derives distinct accounts and ignores extra whitespace', async () => {
    const a0 = await deriveAccountKey(TEST_MNEMONIC)
    const a1 = await deriveAccountKey(TEST_MNEMONIC, 1)
    expect(a0.address).not.toBe(a1.address)
    expect(a0.privateKey).toHaveLength(32)
    expect(a0.publicKey).toHaveLength(33)
    expect(await deriveAccountKey(`  ${TEST_MNEMONIC.replaceAll(' ', '   ')}\n`)).toEqual(a0)
  })

  it('derives the node key with SLIP-10 ed25519 at the hardened path', async () => {
    const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(TEST_MNEMONIC))
    const expected = Slip10.derivePath(Slip10Curve.Ed25519, seed, stringToPath("m/44'/118'/1'/0'/0'"))
    expect((await deriveNodeKey(TEST_MNEMONIC)).privateKey).toEqual(expected.privkey)
  })

  const invalid: { name: string; mnemonic: string }[] = [
    { name: 'unknown word', mnemonic: 'test test test test test test test test test test test gather' },
    { name: 'bad checksum', mnemonic: 'test test test test test test test test test test test test' },
    { name: 'too few words', mnemonic: 'test test test' },
    { name: 'empty', mnemonic: '' },
  ]

  it.each(invalid)('rejects an invalid mnemonic ($name) with a clear error', async ({ mnemonic }) => {
    await expect(deriveAccountKey(mnemonic)).rejects.toThrow(/^invalid mnemonic: /)
    await expect(deriveNodeKey(mnemonic)).rejects.toThrow(/^invalid mnemonic: /)
  })
})
