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

// A job is { id, count, buf }: per item the 33-byte key, the 64-byte signature, the message
// length (u32, little endian) and the message (VerifyPool's `pack`).
// `{ close: true }` (VerifyPool.close) ends the worker between jobs: ending it from outside
// (Worker.terminate) while libsecp256k1's binding is inside a call throws a C++ exception no one
// catches, and that aborts the whole process.
parentPort.on('message', (job) => {
  if (job.close === true) {
    parentPort.close()
    return
  }
  const { id, count } = job
  const buf = Buffer.from(job.buf)
  const ok = new Uint8Array(count)
  let o = 0
  for (let i = 0; i < count; i++) {
    const pubkey = buf.subarray(o, o + 33)
    const signature = buf.subarray(o + 33, o + 97)
    const length = buf.readUInt32LE(o + 97)
    const message = buf.subarray(o + 101, o + 101 + length)
    o += 101 + length
    try {
      if (lib !== undefined) {
        const digest = createHash('sha256').update(message).digest()
        ok[i] = lib.ecdsaVerify(signature, digest, pubkey) ? 1 : 0
        continue
      }
      ok[i] = verify('sha256', message, { key: keyFor(pubkey), dsaEncoding: 'ieee-p1363' }, signature) ? 1 : 0
    } catch {
      ok[i] = 0
    }
  }
  parentPort.postMessage({ id, ok }, [ok.buffer])
})
