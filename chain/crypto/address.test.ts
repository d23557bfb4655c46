import { toBech32 } from '@cosmjs/encoding'
import { DirectSecp256k1HdWallet, makeCosmoshubPath } from '@cosmjs/proto-signing'
import { describe, expect, it } from '@jest/globals'
import {
  ADDRESS_PREFIX,
  addressFromPubkey,
  decodeAddress,
  InvalidAddressError,
  isValidAddress,
} from './address.js'
import { deriveAccountKey, TEST_MNEMONIC } from './hd.js'

describe('addressFromPubkey', () => {
  it('matches a cosmjs DirectSecp256k1HdWallet (prefix gat) for accounts 0 and 1', async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: 'gat',
      hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
    })
    const accounts = await wallet.getAccounts()
    expect(accounts).toHaveLength(2)
    for (const [index, account] of accounts.entries()) {
      const ours = await deriveAccountKey(TEST_MNEMONIC, index)
      expect({ index, address: addressFromPubkey(account.pubkey) }).toEqual({
        index,
        address: account.address,
      })
      expect({ index, address: ours.address }).toEqual({ index, address: account.address })
      expect({ index, pubkey: Buffer.from(ours.publicKey).toString('hex') }).toEqual({
        index,
        pubkey: Buffer.from(account.pubkey).toString('hex'),
      })
      expect(account.address.startsWith(`${ADDRESS_PREFIX}1`)).toBe(true)
    }
  })

  it('rejects a public key that is not 33 bytes', () => {
    expect(() => addressFromPubkey(new Uint8Array(65))).toThrow('33-byte')
  })
})

describe('decodeAddress', () => {
  const bytes = Uint8Array.from({ length: 20 }, (_, i) => i + 1)
  const valid = toBech32('gat', bytes)

  it('round-trips a valid address', () => {
    expect(decodeAddress(valid)).toEqual(bytes)
    expect(isValidAddress(valid)).toBe(true)
  })

  const lastChar = valid.at(-1)
  const badChecksum = valid.slice(0, -1) + (lastChar === 'q' ? 'p' : 'q')
  const cases: { name: string; input: string; message: string }[] = [
    { name: 'bad checksum', input: badChecksum, message: `invalid address "${badChecksum}": bad checksum` },
    {
      name: 'wrong prefix',
      input: toBech32('cosmos', bytes),
      message: `invalid address "${toBech32('cosmos', bytes)}": wrong prefix "cosmos", expected "gat"`,
    },
    {
      name: 'wrong length',
      input: toBech32('gat', new Uint8Array(32)),
      message: `invalid address "${toBech32('gat', new Uint8Array(32))}": expected 20 bytes, got 32`,
    },
    { name: 'not bech32', input: 'xyz', message: 'invalid address "xyz": not bech32' },
    { name: 'empty', input: '', message: 'invalid address "": not bech32' },
  ]

  it.each(cases)('throws InvalidAddressError for $name', ({ input, message }) => {
    let thrown: unknown
    try {
      decodeAddress(input)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(InvalidAddressError)
    // Compare the message prefix (the bech32 library's detail may follow) with readable diffs.
    expect({ input, message: (thrown as Error).message.slice(0, message.length) }).toEqual({ input, message })
    expect(isValidAddress(input)).toBe(false)
  })

  it('accepts another prefix when asked', () => {
    const cosmos = toBech32('cosmos', bytes)
    expect(decodeAddress(cosmos, 'cosmos')).toEqual(bytes)
    expect(isValidAddress(cosmos, 'cosmos')).toBe(true)
  })
})
