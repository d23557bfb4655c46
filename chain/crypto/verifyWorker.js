// Worker thread of the secp256k1 verify pool (chain/crypto/verifyPool.ts). Plain JavaScript
// with only node: imports, so the same file runs from the sources (tests) and from dist/.
// It only does the curve arithmetic: the main thread has already rejected malformed and
// high-S signatures (isWellFormedSecp256k1), so a `true` here is a full verification.
import { createPublicKey, verify } from 'node:crypto'
import { parentPort } from 'node:worker_threads'

const SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex')
const MAX_KEYS = 100_000
const keys = new Map()

function keyFor(pubkey) {
  const id = Buffer.from(pubkey).toString('latin1')
  let key = keys.get(id)
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pubkey]), format: 'der', type: 'spki' })
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value)
    keys.set(id, key)
  }
  return key
}

parentPort.on('message', (job) => {
  const { id, pubkeys, messages, signatures } = job
  const ok = new Uint8Array(pubkeys.length)
  for (let i = 0; i < pubkeys.length; i++) {
    try {
      ok[i] = verify(
        'sha256',
        messages[i],
        { key: keyFor(pubkeys[i]), dsaEncoding: 'ieee-p1363' },
        signatures[i],
      )
        ? 1
        : 0
    } catch {
      ok[i] = 0
    }
  }
  parentPort.postMessage({ id, ok }, [ok.buffer])
})
