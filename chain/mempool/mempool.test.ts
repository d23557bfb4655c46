import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import type { GatherNode } from '../../node/index.js'
import { openDevnetNode, transferTx } from '../../test/helpers/devnet.js'
import { addressFromPubkey } from '../crypto/address.js'
import { publicKeyFromPrivateKey } from '../crypto/secp256k1.js'
import { ChainError } from '../errors.js'
import { txHashHex } from '../tx/decodeTx.js'
import { Mempool, type MempoolOptions } from './mempool.js'

interface AccountSigner {
  address: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** A deterministic key that no genesis account holds. */
function freshSigner(label: string): AccountSigner {
  const privateKey = new Uint8Array(createHash('sha256').update(`gather-mempool-test:${label}`).digest())
  const publicKey = publicKeyFromPrivateKey(privateKey)
  return { address: addressFromPubkey(publicKey), privateKey, publicKey }
}

/** A transfer signed with the sender's committed account number and an explicit sequence. */
function transfer(
  node: GatherNode,
  from: AccountSigner,
  to: string,
  o: { sequence: bigint; fee?: bigint; amount?: bigint; chainId?: string },
): Uint8Array {
  const account = node.query.token.getAccount({ address: from.address })
  return transferTx(from, to, o.amount ?? 1_000n, {
    chainId: o.chainId ?? node.chain.chainId,
    accountNumber: BigInt(account.accountNumber),
    sequence: o.sequence,
    fee: o.fee ?? 1_000n,
  })
}

/** A mempool of its own over a node's chain, with small limits. */
function poolOver(node: GatherNode, opts: Partial<MempoolOptions>): Mempool {
  return new Mempool(
    { maxTxs: 1_000, maxBytes: 1 << 20, ttlBlocks: 100, ...opts },
    {
      machine: node.chain.machine,
      chain: { state: node.chain.state, nextBlockInfo: () => node.nextBlockInfo() },
    },
  )
}

/** What `fn` threw, as a ChainError (fails the test if it did not throw one). */
function refusal(fn: () => unknown): ChainError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ChainError)
    return e as ChainError
  }
  throw new Error('expected a ChainError, nothing was thrown')
}

/** Opens a devnet node and funds a third account so three independent senders exist. */
async function openWithThreeSenders() {
  const opened = await openDevnetNode()
  const { node, keys } = opened
  const third = freshSigner('third')
  node.submitTx(transfer(node, keys.faucet, third.address, { sequence: 0n, amount: 1_000_000_000n }))
  await node.produceBlock(node.chain.head.slot + 1)
  expect(node.query.token.getAccount({ address: third.address }).exists).toBe(true)
  return { ...opened, senders: { faucet: keys.faucet, validator: keys.validator, third } }
}

describe('mempool ordering', () => {
  test("one account's sequences n, n+1, n+2 queue before a block and land in order in one block", async () => {
    const { node, keys, close } = await openDevnetNode()
    try {
      const to = keys.validator.address
      const raws = [0n, 1n, 2n].map((sequence) =>
        transfer(node, keys.faucet, to, { sequence, amount: 1_000n + sequence }),
      )
      // a gap is refused even while earlier sequences are pending
      node.submitTx(raws[0]!)
      const gap = refusal(() => node.submitTx(raws[2]!))
      expect(gap).toMatchObject({
        code: 'TX_BAD_SEQUENCE',
        message: expect.stringMatching(/expected 1, got 2/),
      })
      node.submitTx(raws[1]!)
      node.submitTx(raws[2]!)
      expect(node.mempool.pending().map((p) => p.tx.sequence)).toEqual([0n, 1n, 2n])

      const before = BigInt(node.query.token.getAccount({ address: to }).balance.ugat)
      const committed = await node.produceBlock(node.chain.head.slot + 1)
      expect(committed.block.txs.map(txHashHex)).toEqual(raws.map(txHashHex))
      expect(committed.results.map((r) => r.code)).toEqual([0, 0, 0])
      expect(node.query.token.getAccount({ address: keys.faucet.address }).sequence).toBe('3')
      expect(BigInt(node.query.token.getAccount({ address: to }).balance.ugat)).toBe(
        before + 1_000n + 1_001n + 1_002n,
      )
      expect(node.mempool.size).toBe(0)
    } finally {
      await close()
    }
  })

  test('across accounts the order is first come, first served', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const { faucet, validator, third } = senders
      const sink = freshSigner('sink').address
      const third0 = BigInt(node.query.token.getAccount({ address: third.address }).sequence)
      const raws = [
        transfer(node, validator, sink, { sequence: 0n }),
        transfer(node, third, sink, { sequence: third0, fee: 50_000n }), // a higher fee does not jump the queue
        transfer(node, faucet, sink, { sequence: 1n }),
        transfer(node, validator, sink, { sequence: 1n }),
        transfer(node, third, sink, { sequence: third0 + 1n }),
      ]
      for (const raw of raws) node.submitTx(raw)
      expect(node.mempool.pending().map((p) => p.tx.hashHex)).toEqual(raws.map(txHashHex))
      expect(node.mempool.pending(2).map((p) => p.tx.hashHex)).toEqual(raws.slice(0, 2).map(txHashHex))
      const committed = await node.produceBlock(node.chain.head.slot + 1)
      expect(committed.block.txs.map(txHashHex)).toEqual(raws.map(txHashHex))
      expect(committed.results.every((r) => r.code === 0)).toBe(true)
    } finally {
      await close()
    }
  })
})

describe('mempool limits and eviction', () => {
  test('a pool full by count refuses a newcomer paying less per byte with MEMPOOL_FULL and keeps what it has', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const pool = poolOver(node, { maxTxs: 2 })
      const sink = freshSigner('sink').address
      pool.add(transfer(node, senders.faucet, sink, { sequence: 1n, fee: 2_000n }))
      pool.add(transfer(node, senders.validator, sink, { sequence: 0n, fee: 2_000n }))
      const bytes = pool.sizeBytes
      const err = refusal(() => pool.add(transfer(node, senders.third, sink, { sequence: 0n })))
      expect(err.code).toBe('MEMPOOL_FULL')
      expect(err.message).toMatch(
        /mempool is full \(2 transactions, \d+ bytes\); retry later or pay a higher fee per byte/,
      )
      expect([pool.size, pool.sizeBytes]).toEqual([2, bytes])
    } finally {
      await close()
    }
  })

  test('a pool full by bytes refuses what would not fit', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const sink = freshSigner('sink').address
      const a = transfer(node, senders.faucet, sink, { sequence: 1n, fee: 2_000n })
      const b = transfer(node, senders.validator, sink, { sequence: 0n, fee: 1_000n })
      const pool = poolOver(node, { maxBytes: a.length + b.length - 1 })
      pool.add(a)
      expect(pool.sizeBytes).toBe(a.length)
      expect(refusal(() => pool.add(b)).code).toBe('MEMPOOL_FULL')
      expect([pool.size, pool.sizeBytes]).toEqual([1, a.length])
    } finally {
      await close()
    }
  })

  test('when full, a higher fee per byte evicts the cheapest account tail; a lower one is refused', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const { faucet, validator, third } = senders
      const sink = freshSigner('sink').address
      const pool = poolOver(node, { maxTxs: 3 })
      // faucet's head is the cheapest transaction, but only tails may go (no sequence gap left behind)
      const faucetHead = transfer(node, faucet, sink, { sequence: 1n, fee: 1_000n })
      const faucetTail = transfer(node, faucet, sink, { sequence: 2n, fee: 4_000n })
      const validatorTx = transfer(node, validator, sink, { sequence: 0n, fee: 5_000n })
      for (const raw of [faucetHead, faucetTail, validatorTx]) pool.add(raw)

      const cheaper = transfer(node, third, sink, { sequence: 0n, fee: 3_000n })
      expect(refusal(() => pool.add(cheaper)).code).toBe('MEMPOOL_FULL')
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual(
        [faucetHead, faucetTail, validatorTx].map(txHashHex),
      )

      const richer = transfer(node, third, sink, { sequence: 0n, fee: 9_000n })
      pool.add(richer)
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual(
        [faucetHead, validatorTx, richer].map(txHashHex),
      )
      expect(pool.sizeBytes).toBe(faucetHead.length + validatorTx.length + richer.length)
      expect(pool.has(txHashHex(faucetTail))).toBe(false)
    } finally {
      await close()
    }
  })

  test("a newcomer never evicts its own account's tail (it would leave itself a sequence gap)", async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const { faucet, validator } = senders
      const sink = freshSigner('sink').address
      const pool = poolOver(node, { maxTxs: 2 })
      const faucetCheap = transfer(node, faucet, sink, { sequence: 1n, fee: 1_000n })
      const validatorTx = transfer(node, validator, sink, { sequence: 0n, fee: 5_000n })
      pool.add(faucetCheap)
      pool.add(validatorTx)
      const faucetNext = transfer(node, faucet, sink, { sequence: 2n, fee: 9_000n })
      pool.add(faucetNext)
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual([faucetCheap, faucetNext].map(txHashHex))

      // with no other account cheaper than the newcomer, it is refused and the pool is untouched
      const faucetLast = transfer(node, faucet, sink, { sequence: 3n, fee: 1_000n })
      expect(refusal(() => pool.add(faucetLast)).code).toBe('MEMPOOL_FULL')
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual([faucetCheap, faucetNext].map(txHashHex))
    } finally {
      await close()
    }
  })

  test('an invalid newcomer with a high fee evicts nothing', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const { faucet, validator, third } = senders
      const sink = freshSigner('sink').address
      const pool = poolOver(node, { maxTxs: 2 })
      const kept = [
        transfer(node, faucet, sink, { sequence: 1n, fee: 1_000n }),
        transfer(node, validator, sink, { sequence: 0n, fee: 1_000n }),
      ]
      for (const raw of kept) pool.add(raw)
      const forged = transfer(node, third, sink, { sequence: 0n, fee: 900_000n, chainId: 'other-chain' })
      expect(refusal(() => pool.add(forged)).code).toBe('TX_SIGNATURE_INVALID')
      const unaffordable = transfer(node, third, sink, { sequence: 0n, fee: 900_000n, amount: 10n ** 15n })
      expect(refusal(() => pool.add(unaffordable)).code).toBe('TOKEN_INSUFFICIENT_BALANCE')
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual(kept.map(txHashHex))
    } finally {
      await close()
    }
  })
})

describe('mempool after a block', () => {
  test('a transaction made invalid by a committed block is dropped; one made valid by it stays', async () => {
    const genesisTime = new Date('2026-03-01T00:00:00Z')
    const a = await openDevnetNode({ genesisTime })
    const b = await openDevnetNode({ genesisTime })
    try {
      const { faucet, validator } = a.keys
      const pendingSeq0 = transfer(a.node, faucet, validator.address, { sequence: 0n, amount: 111n })
      const pendingSeq1 = transfer(a.node, faucet, validator.address, { sequence: 1n, amount: 222n })
      a.node.submitTx(pendingSeq0)
      a.node.submitTx(pendingSeq1)
      // A competing transaction with sequence 0 lands in a block made elsewhere.
      b.node.submitTx(transfer(b.node, faucet, validator.address, { sequence: 0n, amount: 333n }))
      const competing = await b.node.produceBlock(b.node.chain.head.slot + 1)
      await a.node.importBlock(competing.bytes)

      expect(a.node.mempool.has(txHashHex(pendingSeq0))).toBe(false)
      expect(a.node.mempool.pending().map((p) => p.tx.hashHex)).toEqual([txHashHex(pendingSeq1)])
      const next = await a.node.produceBlock(a.node.chain.head.slot + 1)
      expect(next.block.txs.map(txHashHex)).toEqual([txHashHex(pendingSeq1)])
      expect(next.results[0]).toMatchObject({ code: 0 })
      expect(a.node.query.token.getAccount({ address: faucet.address }).sequence).toBe('2')
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('a transaction whose funds were spent by a committed block is dropped', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const { third, faucet } = senders
      const pool = poolOver(node, {})
      const balance = BigInt(node.query.token.getAccount({ address: third.address }).balance.ugat)
      // spends all but what one fee needs: fine against the committed state...
      const spendAll = transfer(node, third, faucet.address, { sequence: 0n, amount: balance - 1_000n })
      pool.add(spendAll)
      // ...until the node commits another transfer of the same account's funds (the same sequence).
      node.submitTx(transfer(node, third, faucet.address, { sequence: 0n, amount: 5_000n }))
      await node.produceBlock(node.chain.head.slot + 1)
      pool.update([])
      expect(pool.size).toBe(0)
      expect(pool.sizeBytes).toBe(0)
    } finally {
      await close()
    }
  })

  test('included transactions leave the pool; the rest stay', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const sink = freshSigner('sink').address
      const pool = poolOver(node, {})
      const included = transfer(node, senders.validator, sink, { sequence: 0n })
      const other = transfer(node, senders.faucet, sink, { sequence: 1n })
      pool.add(included)
      pool.add(other)
      node.submitTx(included)
      const committed = await node.produceBlock(node.chain.head.slot + 1)
      pool.update(committed.txs.map((t) => t.hashHex))
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual([txHashHex(other)])
      expect(pool.sizeBytes).toBe(other.length)
    } finally {
      await close()
    }
  })

  test('a transaction pending for ttlBlocks blocks is evicted', async () => {
    const { node, keys, close } = await openDevnetNode()
    try {
      const pool = poolOver(node, { ttlBlocks: 2 })
      const raw = transfer(node, keys.faucet, keys.validator.address, { sequence: 0n })
      pool.add(raw)
      // The node's own mempool is empty: its blocks leave this pool's transaction out.
      const presence: boolean[] = []
      for (let i = 1; i <= 3; i++) {
        const committed = await node.produceBlock(node.chain.head.slot + 1)
        expect(committed.block.txs).toHaveLength(0)
        pool.update([])
        presence.push(pool.has(txHashHex(raw)))
      }
      // admitted before block 1: still there after block 1, gone once 2 blocks passed without it
      expect(presence).toEqual([true, false, false])
      expect(pool.sizeBytes).toBe(0)
      // it is not banned: it can be submitted again
      pool.add(raw)
      expect(pool.size).toBe(1)
    } finally {
      await close()
    }
  })
})

describe('held transactions (RPC submissions while their journal record is written)', () => {
  test('a held transaction and everything admitted after it wait for release before a proposer sees them', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const sink = freshSigner('sink').address
      const pool = poolOver(node, {})
      const a = transfer(node, senders.validator, sink, { sequence: 0n })
      const held = transfer(node, senders.validator, sink, { sequence: 1n })
      const after = transfer(node, senders.faucet, sink, { sequence: 1n })
      pool.add(a)
      pool.add(held, { held: true })
      pool.add(after)
      expect(pool.size).toBe(3)
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual([txHashHex(a)])
      // the check state counts it: the sender's next sequence is after it
      expect(pool.nextAccount(senders.validator.address)?.sequence).toBe(2n)
      pool.release(txHashHex(held))
      expect(pool.pending().map((p) => p.tx.hashHex)).toEqual([a, held, after].map(txHashHex))
    } finally {
      await close()
    }
  })

  test('discarding a held transaction also drops what depended on it (the same sender after it)', async () => {
    const { node, senders, close } = await openWithThreeSenders()
    try {
      const sink = freshSigner('sink').address
      const pool = poolOver(node, {})
      const held = transfer(node, senders.validator, sink, { sequence: 0n })
      const dependent = transfer(node, senders.validator, sink, { sequence: 1n })
      const independent = transfer(node, senders.faucet, sink, { sequence: 1n })
      pool.add(held, { held: true })
      pool.add(dependent, { held: true })
      pool.add(independent)
      pool.discard(txHashHex(held))
      expect([held, dependent, independent].map((r) => pool.has(txHashHex(r)))).toEqual([false, false, true])
      expect(pool.nextAccount(senders.validator.address)?.sequence).toBe(0n)
      expect(pool.sizeBytes).toBe(independent.length)
    } finally {
      await close()
    }
  })

  test('a transaction replayed with the height it was first admitted for keeps its age: ttlBlocks or older is TX_EXPIRED', async () => {
    const { node, keys, close } = await openDevnetNode()
    try {
      for (let i = 0; i < 3; i++) await node.produceBlock(node.chain.head.slot + 1)
      const pool = poolOver(node, { ttlBlocks: 2 })
      const raw = transfer(node, keys.faucet, keys.validator.address, { sequence: 0n })
      const next = node.nextBlockInfo().height
      expect(refusal(() => pool.add(raw, { addedAtHeight: next - 2 })).code).toBe('TX_EXPIRED')
      expect(pool.size).toBe(0)
      pool.add(raw, { addedAtHeight: next - 1 })
      // one block later it has been pending for ttlBlocks: evicted like any other
      await node.produceBlock(node.chain.head.slot + 1)
      pool.update([])
      expect(pool.has(txHashHex(raw))).toBe(false)
    } finally {
      await close()
    }
  })
})
