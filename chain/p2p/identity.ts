import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

/**
 * The libp2p peer id (`12D3Koo…`) a node gets from its 32-byte ed25519 seed: what `P2pNetwork`
 * uses for `privateKey`. Lets tools (e.g. `gather testnet`) write `/p2p/<id>` bootstrap addresses
 * before any node runs.
 */
export async function peerIdFromSeed(seed32: Uint8Array): Promise<string> {
  const key = await generateKeyPairFromSeed('Ed25519', seed32)
  return peerIdFromPrivateKey(key).toString()
}
