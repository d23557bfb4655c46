import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { malleateSignature, publicKeyFromPrivateKey, signDirect, verifySecp256k1 } from './secp256k1.js'
import { type VerifyItem, VerifyPool } from './verifyPool.js'

function item(i: number): VerifyItem {
  const priv = createHash('sha256')
    .update(`pool-key-${i % 37}`)
    .digest()
  const message = createHash('sha256').update(`message-${i}`).digest()
  return { pubkey: publicKeyFromPrivateKey(priv), message, signature: signDirect(priv, message) }
}

describe('VerifyPool', () => {
  test('verifies a batch on a worker thread with exactly the results of verifySecp256k1', async () => {
    const items = Array.from({ length: 300 }, (_, i) => item(i))
    // Spoil some: wrong message, high-S twin, bad key prefix, truncated signature, other key.
    items[3] = { ...items[3]!, message: Buffer.from('other') }
    items[50] = { ...items[50]!, signature: malleateSignature(items[50]!.signature) }
    items[120] = { ...items[120]!, pubkey: Uint8Array.from([0x05, ...items[120]!.pubkey.subarray(1)]) }
    items[121] = { ...items[121]!, signature: items[121]!.signature.subarray(0, 63) }
    items[299] = { ...items[299]!, pubkey: items[0]!.pubkey }
    const pool = new VerifyPool(1)
    try {
      expect(pool.threads).toBe(1)
      const got = await pool.verifyBatch(items)
      const expected = items.map((it) => verifySecp256k1(it.pubkey, it.message, it.signature))
      expect(got).toEqual(expected)
      expect(got.filter((ok) => !ok)).toHaveLength(5)
      for (const i of [3, 50, 120, 121, 299]) expect({ i, ok: got[i] }).toEqual({ i, ok: false })
    } finally {
      await pool.close()
    }
  })

  test('with no worker threads it verifies inline, and small batches never leave the thread', async () => {
    const pool = new VerifyPool(0)
    try {
      expect(pool.threads).toBe(0)
      const items = Array.from({ length: 10 }, (_, i) => item(i))
      expect(await pool.verifyBatch(items)).toEqual(items.map(() => true))
    } finally {
      await pool.close()
    }
  })

  test('verifyOnWorkers gives the same results off the calling thread; a worker that dies fails its jobs instead of leaving them pending, and the pool goes on inline', async () => {
    const items = Array.from({ length: 300 }, (_, i) => item(i))
    items[7] = { ...items[7]!, message: Buffer.from('other') }
    items[200] = { ...items[200]!, signature: malleateSignature(items[200]!.signature) }
    const expected = items.map((it) => verifySecp256k1(it.pubkey, it.message, it.signature))
    const pool = new VerifyPool(1)
    try {
      expect(await pool.verifyOnWorkers(items)).toEqual(expected)
      // private in TypeScript: the worker thread. A job it cannot read makes it throw and die,
      // as a crash would; the job posted after it is then never answered by that worker.
      const slots = (pool as unknown as { workers: { worker: { postMessage(m: unknown): void } }[] }).workers
      slots[0]!.worker.postMessage({ id: -1, count: 1, buf: null })
      const inFlight = pool.verifyOnWorkers(items)
      await expect(inFlight).rejects.toThrow()
      expect(pool.threads).toBe(0)
      expect(await pool.verifyOnWorkers(items)).toEqual(expected)
      expect(await pool.verifyBatch(items)).toEqual(expected)
    } finally {
      await pool.close()
    }
  })

  test('close waits for the jobs already sent (they resolve), then ends the workers between jobs', async () => {
    const items = Array.from({ length: 3_000 }, (_, i) => item(i))
    const pool = new VerifyPool(1)
    const inFlight = pool.verifyOnWorkers(items)
    await pool.close()
    expect(await inFlight).toEqual(items.map(() => true))
    expect(pool.threads).toBe(0)
    // closed: inline from now on
    expect(await pool.verifyOnWorkers(items.slice(0, 100))).toEqual(items.slice(0, 100).map(() => true))
  })
})
