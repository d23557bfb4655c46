// Worker thread of the secp256k1 verify pool (chain/crypto/verifyPool.ts). Plain JavaScript
// with only node: imports, so the same file runs from the sources (tests) and from dist/.
// It only does the curve arithmetic: the main thread has already rejected malformed and
// high-S signatures (isWellFormedSecp256k1), so a `true` here is a full verification.
// It uses the same backend as the main thread (chain/crypto/secp256k1.ts): libsecp256k1 where
// its native binding loads and GATHER_SECP256K1_BACKEND is not `node:crypto`, else node:crypto.
import { createHash, createPublicKey, verify } from 'node:crypto'
import { createRequire } from 'node:module'
import { parentPort } from 'node:worker_threads'

function loadLibsecp256k1() {
  if (process.env.GATHER_SECP256K1_BACKEND === 'node:crypto') return undefined
  try {
    return createRequire(import.meta.url)('secp256k1/bindings.js')
  } catch {
    return undefined
  }
}

const lib = loadLibsecp256k1()

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

// A job is one packed buffer (verifyPool.ts `send`): per signature its key, signature and
// message bytes, `ends` holding the end offset of each of the three.
function unpack(packed, ends) {
  const n = ends.length / 3
  const pubkeys = new Array(n)
  const signatures = new Array(n)
  const messages = new Array(n)
  let at = 0
  for (let i = 0; i < n; i++) {
    pubkeys[i] = packed.subarray(at, ends[3 * i])
    signatures[i] = packed.subarray(ends[3 * i], ends[3 * i + 1])
    messages[i] = packed.subarray(ends[3 * i + 1], ends[3 * i + 2])
    at = ends[3 * i + 2]
  }
  return { pubkeys, signatures, messages }
}

parentPort.on('message', (job) => {
  const { id } = job
  const { pubkeys, messages, signatures } = unpack(job.packed, job.ends)
  const ok = new Uint8Array(pubkeys.length)
  for (let i = 0; i < pubkeys.length; i++) {
    try {
      if (lib !== undefined) {
        const digest = createHash('sha256').update(messages[i]).digest()
        ok[i] = lib.ecdsaVerify(signatures[i], digest, pubkeys[i]) ? 1 : 0
        continue
      }
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
