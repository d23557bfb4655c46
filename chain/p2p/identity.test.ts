import { describe, expect, test } from '@jest/globals'
import { generateNodeKey } from '../crypto/ed25519.js'
import { peerIdFromSeed, peerIdOfNodeKey } from './identity.js'

describe('identity', () => {
  test('a node key gives the same peer id from its public key as from its seed', async () => {
    for (let i = 0; i < 5; i++) {
      const key = generateNodeKey()
      expect({ i, id: peerIdOfNodeKey(key.publicKey) }).toEqual({
        i,
        id: await peerIdFromSeed(key.privateKey),
      })
    }
  })
})
