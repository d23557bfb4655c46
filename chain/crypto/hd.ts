import { Bip39, EnglishMnemonic, Slip10, Slip10Curve, stringToPath } from '@cosmjs/crypto'
import { addressFromPubkey } from './address.js'
import { type NodeKey, nodeKeyFromSeed } from './ed25519.js'
import { publicKeyFromPrivateKey } from './secp256k1.js'

/** The well-known development mnemonic. Never use it for real funds. */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk'

/** An account key derived from a mnemonic. */
export interface AccountKey {
  /** 32-byte secp256k1 private key. */
  readonly privateKey: Uint8Array
  /** 33-byte compressed public key. */
  readonly publicKey: Uint8Array
  /** Bech32 `gat` address. */
  readonly address: string
}

/** Seeds are kept for this many mnemonics (PBKDF2 is slow when deriving many accounts). */
const SEED_CACHE_SIZE = 8
const seeds = new Map<string, Promise<Uint8Array>>()

/**
 * The Cosmos Hub HD path of an account: `m/44'/118'/0'/0/{index}`.
 *
 * @param index - account index, 0 <= index < 2^31
 * @returns the path string
 * @throws RangeError for a bad index
 */
export function accountPath(index: number): string {
  assertIndex(index)
  return `m/44'/118'/0'/0/${index}`
}

/**
 * The SLIP-10 ed25519 path of a node key: `m/44'/118'/1'/0'/{index}'` (all hardened, as
 * SLIP-10 ed25519 requires).
 *
 * @param index - node key index, 0 <= index < 2^31
 * @returns the path string
 * @throws RangeError for a bad index
 */
export function nodeKeyPath(index: number): string {
  assertIndex(index)
  return `m/44'/118'/1'/0'/${index}'`
}

/**
 * Derives a secp256k1 account key from a BIP-39 mnemonic at {@link accountPath}; the address
 * equals what cosmjs `DirectSecp256k1HdWallet` (prefix `gat`, `makeCosmoshubPath(index)`) shows.
 *
 * @param mnemonic - English BIP-39 mnemonic (surrounding and repeated whitespace is ignored)
 * @param index - account index
 * @returns private key, compressed public key and address
 * @throws Error `invalid mnemonic: ...` for a bad mnemonic; RangeError for a bad index
 */
export async function deriveAccountKey(mnemonic: string, index = 0): Promise<AccountKey> {
  const path = stringToPath(accountPath(index))
  const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, await mnemonicSeed(mnemonic), path)
  const publicKey = publicKeyFromPrivateKey(privkey)
  return { privateKey: privkey, publicKey, address: addressFromPubkey(publicKey) }
}

/**
 * Derives a deterministic ed25519 node (consensus) key from a BIP-39 mnemonic via SLIP-10
 * ed25519 at {@link nodeKeyPath}.
 *
 * @param mnemonic - English BIP-39 mnemonic
 * @param index - node key index
 * @returns the 32-byte seed and 32-byte public key
 * @throws Error `invalid mnemonic: ...` for a bad mnemonic; RangeError for a bad index
 */
export async function deriveNodeKey(mnemonic: string, index = 0): Promise<NodeKey> {
  const path = stringToPath(nodeKeyPath(index))
  const { privkey } = Slip10.derivePath(Slip10Curve.Ed25519, await mnemonicSeed(mnemonic), path)
  return nodeKeyFromSeed(privkey)
}

/** Validates a mnemonic and returns its BIP-39 seed (empty passphrase), cached. */
function mnemonicSeed(mnemonic: string): Promise<Uint8Array> {
  if (typeof mnemonic !== 'string') throw new Error('invalid mnemonic: not a string')
  const normalized = mnemonic.trim().split(/\s+/).join(' ')
  const cached = seeds.get(normalized)
  if (cached !== undefined) return cached
  let parsed: EnglishMnemonic
  try {
    parsed = new EnglishMnemonic(normalized)
  } catch (err) {
    throw new Error(`invalid mnemonic: ${err instanceof Error ? err.message : String(err)}`)
  }
  const seed = Bip39.mnemonicToSeed(parsed)
  if (seeds.size >= SEED_CACHE_SIZE) {
    const oldest = seeds.keys().next()
    if (oldest.done !== true) seeds.delete(oldest.value)
  }
  seeds.set(normalized, seed)
  return seed
}

/** Throws unless `index` is an integer in [0, 2^31). */
function assertIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= 0x80000000) {
    throw new RangeError(`HD index must be an integer in [0, 2^31), got ${index}`)
  }
}
