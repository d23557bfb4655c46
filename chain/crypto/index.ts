/**
 * Gather Chain cryptography: hashes, bech32 account addresses, secp256k1 account keys
 * (Cosmos SIGN_MODE_DIRECT), ed25519 node keys and HD derivation from mnemonics.
 *
 * @packageDocumentation
 */
export {
  ADDRESS_LENGTH,
  ADDRESS_PREFIX,
  addressFromPubkey,
  decodeAddress,
  InvalidAddressError,
  isValidAddress,
} from './address.js'
export {
  ED25519_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  generateNodeKey,
  type NodeKey,
  nodeKeyFromSeed,
  signEd25519,
  verifyEd25519,
} from './ed25519.js'
export { ripemd160, sha256, sha256Hex } from './hash.js'
export {
  type AccountKey,
  accountPath,
  deriveAccountKey,
  deriveNodeKey,
  nodeKeyPath,
  TEST_MNEMONIC,
} from './hd.js'
export {
  isLowS,
  malleateSignature,
  PUBKEY_CACHE_SIZE,
  publicKeyFromPrivateKey,
  SECP256K1_ORDER,
  SECP256K1_PUBKEY_LENGTH,
  SECP256K1_SIGNATURE_LENGTH,
  signDirect,
  verifySecp256k1,
} from './secp256k1.js'
