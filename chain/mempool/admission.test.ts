/**
 * Batched admission (`AdmissionQueue`, GatherNode.submitTxDurable): a batch of concurrent
 * submissions gets exactly the answers, and leaves exactly the mempool, that the same
 * submissions one by one would; a full queue refuses with TX_ADMISSION_BUSY and keeps nothing;
 * over JSON-RPC that refusal is -32006 with data.code TX_ADMISSION_BUSY.
 */
import { describe, expect, test } from '@jest/globals'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import type { GatherNode } from '../../node/index.js'
import { RpcErrorCode } from '../../rpc/errors.js'
import { openDevnetNode, transferTx } from '../../test/helpers/devnet.js'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import { post, type RpcReply, startRpcNode } from '../../test/helpers/rpcNode.js'
import { type AccountSigner, testAccount } from '../../test/helpers/staking.js'
import { ChainError } from '../errors.js'

const SEED = testSeed('GATHER_ADMISSION_SEED')

type Signer = AccountSigner

const signer = (label: string): Signer => testAccount(`admission-${label}`)

function codeOf(e: unknown): string {
  if (e instanceof ChainError) return e.code
  throw e
}

/**
 * A random mix for the faucet and a few funded senders: good transfers at the next sequences
 * (n, n+1, n+2 of one sender), gaps, replays of the same bytes, a signature by the wrong key,
 * a transfer that spends more than the sender has, and bytes that are no transaction.
 */
function randomSubmissions(node: GatherNode, faucet: Signer, senders: Signer[], rng: Rng): Uint8Array[] {
  const next = new Map<string, bigint>()
  const out: Uint8Array[] = []
  const everyone = [faucet, ...senders]
  for (let i = 0; i < 60; i++) {
    const from = rng.pick(everyone)
    const acc = node.query.token.getAccount({ address: from.address })
    const seq = next.get(from.address) ?? BigInt(acc.sequence)
    const r = rng.next()
    if (r < 0.05) {
      out.push(new Uint8Array(rng.bytes(1 + rng.int(40))))
      continue
    }
    if (r < 0.1 && out.length > 0) {
      out.push(rng.pick(out))
      continue
    }
    const sequence = r < 0.18 ? seq + 1n + BigInt(rng.int(2)) : seq
    const amount = r < 0.24 ? 10n ** 18n : BigInt(1 + rng.int(5_000))
    const key = r < 0.3 ? rng.pick(everyone) : from
    out.push(
      signTx(
        {
          messages: [transferMessage(from.address, rng.pick(everyone).address, amount)],
          chainId: node.chain.chainId,
          accountNumber: BigInt(acc.accountNumber),
          sequence,
          fee: 1_000n,
        },
        key.privateKey,
        key.publicKey,
      ),
    )
    if (sequence === seq && key === from && amount < 10n ** 18n) next.set(from.address, seq + 1n)
  }
  return out
}

/** Two identical devnet nodes with three funded senders each. */
async function openFundedNode() {
  const opened = await openDevnetNode()
  const senders = [0, 1, 2].map((i) => signer(`sender-${i}`))
  for (const [i, s] of senders.entries()) {
    opened.node.submitTx(
      transferTx(opened.keys.faucet, s.address, 10_000_000n, {
        chainId: opened.node.chain.chainId,
        accountNumber: BigInt(
          opened.node.query.token.getAccount({ address: opened.keys.faucet.address }).accountNumber,
        ),
        sequence: BigInt(i),
      }),
    )
  }
  await opened.node.produceBlock()
  return { ...opened, senders }
}

describe(`batched admission (seed ${SEED}; replay with GATHER_ADMISSION_SEED=${SEED})`, () => {
  test('a batch of concurrent submissions gets the answers and the mempool of one-by-one submission', async () => {
    const batched = await openFundedNode()
    const single = await openFundedNode()
    try {
      for (let round = 0; round < 3; round++) {
        const subs = randomSubmissions(
          batched.node,
          batched.keys.faucet,
          batched.senders,
          new Rng(SEED + round),
        )
        // all in the same tick: one batch (or a few, at maxBatch)
        const answers = await Promise.allSettled(subs.map((raw) => batched.node.submitTxDurable(raw)))
        const got = answers.map((a) => (a.status === 'fulfilled' ? a.value.hash : codeOf(a.reason)))
        const want = subs.map((raw) => {
          try {
            return single.node.submitTx(raw).hash
          } catch (e) {
            return codeOf(e)
          }
        })
        expect({ seed: SEED, round, answers: got }).toEqual({ seed: SEED, round, answers: want })
        const pending = (n: GatherNode) => n.mempool.pending().map((p) => p.tx.hashHex)
        expect({ seed: SEED, round, pending: pending(batched.node) }).toEqual({
          seed: SEED,
          round,
          pending: pending(single.node),
        })
        // every accepted transaction is journaled; nothing refused is
        const accepted = got.filter((g) => /^[0-9A-F]{64}$/.test(g))
        expect({ round, journaled: accepted.map((h) => batched.node.journal?.has(h)) }).toEqual({
          round,
          journaled: accepted.map(() => true),
        })
        expect(batched.node.journal?.size).toBe(batched.node.mempool.size)
        await batched.node.produceBlock()
        await single.node.produceBlock()
      }
      expect(batched.node.admission.batches).toBeGreaterThan(0)
    } finally {
      await batched.close()
      await single.close()
    }
  }, 60_000)

  test('a full queue refuses with TX_ADMISSION_BUSY and keeps nothing of what it refused', async () => {
    const { node, keys, close } = await openDevnetNode({
      node: { admission: { maxQueued: 4, maxBatch: 256 } },
    })
    try {
      const acc = node.query.token.getAccount({ address: keys.faucet.address })
      const raws = Array.from({ length: 10 }, (_, i) =>
        transferTx(keys.faucet, keys.validator.address, 1_000n, {
          chainId: node.chain.chainId,
          accountNumber: BigInt(acc.accountNumber),
          sequence: BigInt(i),
        }),
      )
      const answers = await Promise.allSettled(raws.map((raw) => node.submitTxDurable(raw)))
      const codes = answers.map((a) => (a.status === 'fulfilled' ? 'ok' : codeOf(a.reason)))
      expect(codes).toEqual([...Array(4).fill('ok'), ...Array(6).fill('TX_ADMISSION_BUSY')])
      expect(node.mempool.size).toBe(4)
      expect(node.journal?.size).toBe(4)
      expect(node.admission.size).toBe(0)
      // the queue is free again: the next sequence is admitted
      await expect(node.submitTxDurable(raws[4]!)).resolves.toEqual({ hash: expect.any(String) })
    } finally {
      await close()
    }
  })

  test('over JSON-RPC a full queue is -32006 with data.code TX_ADMISSION_BUSY', async () => {
    const n = await startRpcNode({ admission: { maxQueued: 2, maxBatch: 256 } })
    try {
      const acc = n.node.query.token.getAccount({ address: n.keys.faucet.address })
      // one HTTP batch: every call reaches the admission queue in the same tick
      const batch = Array.from({ length: 5 }, (_, i) => ({
        jsonrpc: '2.0',
        id: i,
        method: 'tx_broadcast',
        params: {
          tx: Buffer.from(
            transferTx(n.keys.faucet, n.keys.validator.address, 1_000n, {
              chainId: n.genesis.chainId,
              accountNumber: BigInt(acc.accountNumber),
              sequence: BigInt(i),
            }),
          ).toString('base64'),
        },
      }))
      const res = await post(n.url, batch)
      const replies = (res.json as RpcReply[]).sort((a, b) => Number(a.id) - Number(b.id))
      expect(replies.map((r) => (r.error === undefined ? 'ok' : [r.error.code, r.error.data]))).toEqual([
        'ok',
        'ok',
        ...Array(3).fill([RpcErrorCode.LIMIT_EXCEEDED, { code: 'TX_ADMISSION_BUSY' }]),
      ])
      expect(n.node.mempool.size).toBe(2)
    } finally {
      await n.close()
    }
  })
})
