import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { add, complete, cycle, save, suite } from 'benny'
import {
  ed25519Backend,
  generateNodeKey,
  loadLibsodiumJs,
  signEd25519,
  verifyEd25519,
  verifyEd25519NodeCrypto,
  verifyEd25519With,
} from '../../chain/crypto/ed25519.js'
import {
  publicKeyFromPrivateKey,
  secp256k1Backend,
  signDirect,
  verifySecp256k1,
} from '../../chain/crypto/secp256k1.js'
import { VerifyPool } from '../../chain/crypto/verifyPool.js'

/** A pre-signed message: what a transaction signature check sees. */
interface Signed {
  readonly publicKey: Uint8Array
  readonly message: Uint8Array
  readonly signature: Uint8Array
}

/** Distinct signing keys in the benchmark set (like distinct senders in a block). */
export const BENCH_KEY_COUNT = 1_000

/** Size of each signed message, about a transaction's sign bytes. */
export const BENCH_MESSAGE_BYTES = 200

/** Makes a random valid secp256k1 private key. */
function randomPrivateKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey()
}

/**
 * Makes `count` valid secp256k1 signatures (one key each) over random messages with
 * {@link signDirect}, exactly as clients sign transactions.
 *
 * @param count - number of keys / signatures
 * @returns the signed messages
 */
export function makeSecp256k1Set(count = BENCH_KEY_COUNT): Signed[] {
  const set: Signed[] = []
  for (let i = 0; i < count; i++) {
    const priv = randomPrivateKey()
    const message = randomBytes(BENCH_MESSAGE_BYTES)
    set.push({ publicKey: publicKeyFromPrivateKey(priv), message, signature: signDirect(priv, message) })
  }
  return set
}

/**
 * Measures single-threaded secp256k1 verification throughput exactly as the node verifies
 * transactions: {@link verifySecp256k1} (libsecp256k1, or node:crypto with cached KeyObjects
 * where the binding cannot load; the low-S check first) over
 * pre-made valid signatures of ~200-byte messages from ~1,000 distinct keys. The key cache
 * is warmed first (steady state of a running node). This is the "limit" other benchmarks
 * compare against.
 *
 * @param seconds - how long to run the timed loop
 * @returns verifications per second
 */
export async function measureNativeVerifyRate(seconds = 3): Promise<number> {
  const set = makeSecp256k1Set()
  for (const s of set) {
    if (!verifySecp256k1(s.publicKey, s.message, s.signature))
      throw new Error('benchmark signature did not verify')
  }
  const budgetMs = seconds * 1000
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < budgetMs) {
    for (let j = 0; j < 16; j++) {
      const s = set[count % set.length]!
      if (!verifySecp256k1(s.publicKey, s.message, s.signature))
        throw new Error('benchmark signature did not verify')
      count++
    }
    elapsed = performance.now() - start
  }
  return (count * 1000) / elapsed
}

/**
 * Benny suite comparing secp256k1 verification (libsecp256k1 as the node does it vs
 * @noble/curves), ed25519 verification (libsodium as the node does it, its WebAssembly
 * fallback, node:crypto and @noble/curves) and {@link signDirect}. Results are saved
 * to `bench/results/crypto.json`.
 */
export async function runCryptoBench(): Promise<void> {
  const secpSet = makeSecp256k1Set()
  const signKeys = Array.from({ length: 100 }, () => randomPrivateKey())
  const edSet: Signed[] = Array.from({ length: BENCH_KEY_COUNT }, () => {
    const key = generateNodeKey()
    const message = randomBytes(BENCH_MESSAGE_BYTES)
    return { publicKey: key.publicKey, message, signature: signEd25519(key.privateKey, message) }
  })
  const signMessage = randomBytes(BENCH_MESSAGE_BYTES)
  const wasm = await loadLibsodiumJs()

  await suite(
    'crypto',
    add(`secp256k1 verify (${secp256k1Backend()}, verifySecp256k1)`, () => {
      let i = 0
      return () => {
        const s = secpSet[i++ % secpSet.length]!
        if (!verifySecp256k1(s.publicKey, s.message, s.signature)) throw new Error('verify failed')
      }
    }),
    add('secp256k1 verify (@noble/curves)', () => {
      let i = 0
      return () => {
        const s = secpSet[i++ % secpSet.length]!
        if (!secp256k1.verify(s.signature, s.message, s.publicKey)) throw new Error('verify failed')
      }
    }),
    add(`ed25519 verify (${ed25519Backend()}, verifyEd25519)`, () => {
      let i = 0
      return () => {
        const s = edSet[i++ % edSet.length]!
        if (!verifyEd25519(s.publicKey, s.message, s.signature)) throw new Error('verify failed')
      }
    }),
    add('ed25519 verify (libsodium.js, the fallback)', () => {
      let i = 0
      return () => {
        const s = edSet[i++ % edSet.length]!
        if (!verifyEd25519With(wasm, s.publicKey, s.message, s.signature)) throw new Error('verify failed')
      }
    }),
    add('ed25519 verify (node:crypto, OpenSSL, cached KeyObject)', () => {
      let i = 0
      return () => {
        const s = edSet[i++ % edSet.length]!
        if (!verifyEd25519NodeCrypto(s.publicKey, s.message, s.signature)) throw new Error('verify failed')
      }
    }),
    add('ed25519 verify (@noble/curves)', () => {
      let i = 0
      return () => {
        const s = edSet[i++ % edSet.length]!
        if (!ed25519.verify(s.signature, s.message, s.publicKey)) throw new Error('verify failed')
      }
    }),
    add('secp256k1 signDirect (node:crypto)', () => {
      let i = 0
      return () => {
        signDirect(signKeys[i++ % signKeys.length]!, signMessage)
      }
    }),
    add('secp256k1 sign (@noble/curves, low-S)', () => {
      let i = 0
      return () => {
        secp256k1.sign(signMessage, signKeys[i++ % signKeys.length]!, { lowS: true })
      }
    }),
    cycle(),
    complete(),
    save({ file: 'crypto', folder: 'bench/results', format: 'json' }),
  )
}

/**
 * The all-cores limit: secp256k1 verification throughput of a {@link VerifyPool} on every core
 * (one worker thread per core but one, and the calling thread), the way the node verifies a
 * block's signatures, over batches of the same pre-made signatures.
 *
 * @param seconds - how long to run the timed loop
 * @returns verifications per second and the threads that did them
 */
export async function measureAllCoresVerifyRate(seconds = 3): Promise<{ perSec: number; threads: number }> {
  const items = makeSecp256k1Set().map((s) => ({
    pubkey: s.publicKey,
    message: s.message,
    signature: s.signature,
  }))
  const pool = new VerifyPool()
  try {
    const check = (ok: boolean[]): void => {
      if (ok.some((v) => !v)) throw new Error('benchmark signature did not verify')
    }
    check(await pool.verifyBatch(items))
    let count = 0
    const start = performance.now()
    while (performance.now() - start < seconds * 1000) {
      check(await pool.verifyBatch(items))
      count += items.length
    }
    return { perSec: (count * 1000) / (performance.now() - start), threads: pool.threads + 1 }
  } finally {
    await pool.close()
  }
}
