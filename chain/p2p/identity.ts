import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id'

/**
 * The libp2p peer id (`12D3Koo…`) a node gets from its 32-byte ed25519 seed: what `P2pNetwork`
 * uses for `privateKey`. Lets tools (e.g. `gather testnet`) write `/p2p/<id>` bootstrap addresses
 * before any node runs.
 */
export async function peerIdFromSeed(seed32: Uint8Array): Promise<string> {
  const key = await generateKeyPairFromSeed('Ed25519', seed32)
  return peerIdFromPrivateKey(key).toString()
}

/**
 * The libp2p peer id of a node whose network key is its node key: from the 32-byte ed25519
 * public key (what block headers and the super node set carry), so the node can tell whether a
 * message it published reached every super node (docs/adr/017).
 */
export function peerIdOfNodeKey(publicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}
