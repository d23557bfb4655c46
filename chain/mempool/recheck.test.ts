/**
 * The partial recheck after a block (only the accounts the block touched, `RecheckScope`) gives
 * exactly what a full recheck gives: two mempools over the same chain take the same random
 * transactions, blocks are produced from a third (the node's own, plus conflicting transactions
 * from "elsewhere"), and after every block the two are compared — pending transactions in order,
 * sizes, every account's next sequence and balance in the check state.
 */
import { describe, expect, test } from '@jest/globals'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { burnMessage } from '../../cli/txMessages.js'
import { tokenRecheckScope } from '../../modules/token/recheckScope.js'
import { balanceStore } from '../../modules/token/stores/index.js'
import type { GatherNode } from '../../node/index.js'
import { openDevnetNode } from '../../test/helpers/devnet.js'
import { Rng, testSeed } from '../../test/helpers/rng.js'
import { type AccountSigner, testAccount } from '../../test/helpers/staking.js'
import { ChainError } from '../errors.js'
import { Mempool, type RecheckScope } from './mempool.js'

const SEED = testSeed('GATHER_RECHECK_SEED')
const rng = new Rng(SEED)
const ROUNDS = 150
const SENDERS = 40

type Signer = AccountSigner

const signer = (label: string): Signer => testAccount(`recheck-${label}`)

function pool(node: GatherNode, scope: RecheckScope | undefined): Mempool {
  return new Mempool(
    { maxTxs: 10_000, maxBytes: 1 << 24, ttlBlocks: 6 },
    {
      machine: node.chain.machine,
      chain: { state: node.chain.state, nextBlockInfo: () => node.nextBlockInfo() },
      ...(scope === undefined ? {} : { recheckScope: scope }),
    },
  )
}

/** What a submission did: the hash, or the refusal's code. */
function outcome(fn: () => { tx: { hashHex: string } }): string {
  try {
    return fn().tx.hashHex
  } catch (e) {
    if (e instanceof ChainError) return e.code
    throw e
  }
}

describe(`partial mempool recheck (seed ${SEED}; replay with GATHER_RECHECK_SEED=${SEED})`, () => {
  test(`equals a full recheck over ${ROUNDS} random blocks`, async () => {
    const { node, keys, close } = await openDevnetNode()
    try {
      const senders = Array.from({ length: SENDERS }, (_, i) => signer(`sender-${i}`))
      for (const [i, s] of senders.entries()) {
        node.submitTx(
          signTx(
            {
              messages: [transferMessage(keys.faucet.address, s.address, 50_000_000n)],
              chainId: node.chain.chainId,
              accountNumber: node.nextAccount(keys.faucet.address)!.accountNumber,
              sequence: BigInt(i),
              fee: 1_000n,
            },
            keys.faucet.privateKey,
            keys.faucet.publicKey,
          ),
        )
      }
      await node.produceBlock()
      const everyone: Signer[] = [keys.faucet, ...senders]
      const addresses = new Set(everyone.map((s) => s.address))
      const partial = pool(node, tokenRecheckScope)
      const full = pool(node, undefined)
      let fresh = 0

      const sign = (
        from: Signer,
        messages: { typeUrl: string; value: Uint8Array }[],
        o: { sequence: bigint; timeoutHeight?: bigint; fee?: bigint },
      ): Uint8Array => {
        const acc = full.nextAccount(from.address)!
        return signTx(
          {
            messages,
            chainId: node.chain.chainId,
            accountNumber: acc.accountNumber,
            sequence: o.sequence,
            fee: o.fee ?? 1_000n,
            ...(o.timeoutHeight === undefined ? {} : { timeoutHeight: o.timeoutHeight }),
          },
          from.privateKey,
          from.publicKey,
        )
      }
      /** One random transaction: mostly good transfers, some that fail, some outside the scope. */
      const randomTx = (round: number): Uint8Array => {
        // out-of-scope transactions (burns, new accounts) only in some rounds, so that both
        // recheck paths run; recipients mostly near the sender, so that not every account
        // connects to every other
        const wild = round % 10 < 3
        const i = rng.int(everyone.length)
        const from = everyone[i]!
        const next = full.nextAccount(from.address)!.sequence
        const height = BigInt(node.nextBlockInfo().height)
        const amount = BigInt(1 + rng.int(rng.chance(0.2) ? 40_000_000 : 3_000_000))
        const r = wild ? rng.next() : 0.08 + 0.92 * rng.next()
        let to = (rng.chance(0.7) ? everyone[(i + 1 + rng.int(3)) % everyone.length]! : rng.pick(everyone))
          .address
        if (r < 0.08) {
          // a recipient that does not exist yet: a new account number
          to = signer(`fresh-${fresh++}`).address
          addresses.add(to)
        }
        if (r >= 0.08 && r < 0.13 && wild)
          return sign(from, [burnMessage(from.address, amount)], { sequence: next })
        if (r >= 0.13 && r < 0.2)
          return sign(from, [transferMessage(from.address, to, amount)], {
            sequence: next,
            timeoutHeight: height + BigInt(rng.int(3)),
          })
        if (r >= 0.2 && r < 0.27)
          return sign(from, [transferMessage(from.address, to, amount)], {
            sequence: next + (rng.chance(0.5) ? 1n : -1n),
          })
        if (r >= 0.27 && r < 0.32)
          return sign(
            from,
            [
              transferMessage(from.address, to, amount),
              transferMessage(from.address, rng.pick(everyone).address, 1n),
            ],
            { sequence: next },
          )
        return sign(from, [transferMessage(from.address, to, amount)], { sequence: next })
      }

      const snapshot = (m: Mempool, round: number) => ({
        seed: SEED,
        round,
        pending: m.pending().map((p) => p.tx.hashHex),
        size: m.size,
        bytes: m.sizeBytes,
        accounts: [...addresses].map((a) => {
          const acc = m.nextAccount(a)
          return [
            a,
            acc?.accountNumber.toString(),
            acc?.sequence.toString(),
            balanceStore.get(m.checkView, a)?.toString(),
          ]
        }),
      })

      for (let round = 0; round < ROUNDS; round++) {
        const count = rng.int(25)
        for (let i = 0; i < count; i++) {
          const raw = randomTx(round)
          const a = outcome(() => partial.add(raw))
          const b = outcome(() => full.add(raw))
          expect({ seed: SEED, round, i, partial: a }).toEqual({ seed: SEED, round, i, partial: b })
        }
        // The block: some pending transactions, and some from elsewhere that conflict with them
        // (the same sender's next sequence with another amount) or touch nobody pending.
        for (const p of full.pending()) {
          if (rng.chance(0.15)) {
            const from = everyone.find((s) => s.address === p.tx.signer)
            if (from !== undefined) {
              const committed = node.chain.machine.account(node.chain.state, from.address)
              if (committed !== undefined)
                outcome(() => {
                  node.submitTx(
                    sign(from, [transferMessage(from.address, rng.pick(everyone).address, 7n)], {
                      sequence: committed.sequence,
                    }),
                  )
                  return { tx: { hashHex: '' } }
                })
            }
          }
          if (rng.chance(0.5))
            outcome(() => {
              node.submitTx(p.tx.raw)
              return { tx: { hashHex: '' } }
            })
        }
        const block = await node.produceBlock()
        const included = block.txs.map((t) => t.hashHex)
        partial.update(included, block.changes.keys())
        full.update(included)
        expect(snapshot(partial, round)).toEqual(snapshot(full, round))
      }
      // both paths ran: transfer-only blocks rechecked by account, the rest in full
      expect({
        seed: SEED,
        partial: partial.recheckStats.partial > 0,
        full: partial.recheckStats.full > 0,
      }).toEqual({
        seed: SEED,
        partial: true,
        full: true,
      })
      expect(partial.recheckStats.partialKept).toBeGreaterThan(0)
    } finally {
      await close()
    }
  }, 300_000)
})
