import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { type GatherClient, RpcClientError } from '../rpc/client.js'
import { CLI, type DevnetProcess, startDevnet } from './helpers/cli.js'
import { tempDir, transferTx } from './helpers/devnet.js'
import { Rng, testSeed } from './helpers/rng.js'
import { call, startRpcNode } from './helpers/rpcNode.js'
import { waitFor } from './helpers/wait.js'

type Signer = Awaited<ReturnType<typeof deriveAccountKey>>

/** The kill moments' seed, in the test's name: `GATHER_CRASH_SEED=<seed>` replays a failed run. */
const CRASH_SEED = testSeed('GATHER_CRASH_SEED')

/** Paces the load (a sender's gap, a rate-limit hint): never waited on before an assertion. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * `gather devnet` on `home` with info logs (the journal's replay line), e.g. after a crash; no
 * per-client rate limit: the load and the final check of every hash come from one address.
 */
function startAt(home: string, blockTimeMs: number): Promise<DevnetProcess> {
  return startDevnet(home, blockTimeMs, ['--log-level', 'info', '--rpc-rate-limit', '0'])
}

/** Kills the devnet with SIGKILL and waits for the process to be gone. */
async function kill9(d: DevnetProcess): Promise<void> {
  const closed = new Promise<void>((r) => d.child.once('close', () => r()))
  d.child.kill('SIGKILL')
  await closed
}

/** The `transaction journal replayed` log lines of a devnet's output. */
function replayLines(
  output: string,
): { readmitted: number; dropped: number; reasons: Record<string, number> }[] {
  const out = []
  for (const line of output.split('\n')) {
    if (!line.includes('transaction journal replayed')) continue
    out.push(JSON.parse(line) as { readmitted: number; dropped: number; reasons: Record<string, number> })
  }
  return out
}

/** Signs a 1 ugat transfer from `s` with the given sequence. */
function transfer(s: Signer & { accountNumber: bigint }, to: string, chainId: string, sequence: bigint) {
  return transferTx(s, to, 1n, { chainId, accountNumber: s.accountNumber, sequence })
}

describe('transaction journal across kill -9 (a real `gather devnet` process)', () => {
  test(`under a transfer load, killed with SIGKILL 10 times and restarted: every transaction tx_broadcast accepted is committed (seed ${CRASH_SEED}; GATHER_CRASH_SEED replays)`, async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    const seed = CRASH_SEED
    // kill moments (how many more accepted transactions each round runs to) from the seed alone;
    // the senders' pacing from a generator of their own
    const killAt = new Rng(seed)
    const pace = new Rng(seed ^ 0x5bd1e995)
    const tmp = await tempDir('gather-crash-journal-')
    const home = join(tmp.dir, 'devnet')
    let devnet: DevnetProcess | undefined
    try {
      devnet = await startAt(home, 300)
      const { chainId } = await devnet.client.getStatus()
      // the devnet's accounts 0 (validator owner) and 1 (faucet), and four more the faucet funds
      const keys = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => deriveAccountKey(TEST_MNEMONIC, i)))
      const faucet = keys[1]!
      const sink = (await deriveAccountKey(TEST_MNEMONIC, 9)).address
      const faucetAccount = await devnet.client.getAccount(faucet.address)
      for (const [i, k] of keys.slice(2).entries()) {
        const raw = transferTx(faucet, k.address, 1_000_000_000n, {
          chainId,
          accountNumber: BigInt(faucetAccount.accountNumber),
          sequence: BigInt(faucetAccount.nextSequence) + BigInt(i),
        })
        await devnet.client.broadcast(raw)
      }
      const first = devnet
      await waitFor('the funding transfers to commit', async () => {
        const a = await Promise.all(keys.slice(2).map((k) => first.client.getAccount(k.address)))
        return a.every((x) => x.exists)
      })
      const senders = await Promise.all(
        keys.map(async (k) => ({
          ...k,
          accountNumber: BigInt((await first.client.getAccount(k.address)).accountNumber),
        })),
      )

      const accepted: { hash: string; sender: string; sequence: bigint; round: number }[] = []
      let inDoubt = 0
      let refusedSequence = 0
      /** called after each accepted transaction: the round's kill watches the count */
      let onAccepted: () => void = () => undefined

      /**
       * One sender until the node dies: each transfer with the sequence the node expects
       * (`nextSequence` counts what is pending, journaled transactions replayed included), one
       * after another, paced so the load stays bounded (about 250 transfers/s from six senders).
       */
      const runSender = async (client: GatherClient, s: (typeof senders)[number], round: number) => {
        let sequence = BigInt((await client.getAccount(s.address)).nextSequence)
        for (;;) {
          const raw = transfer(s, sink, chainId, sequence)
          try {
            const { hash } = await client.broadcast(raw)
            accepted.push({ hash, sender: s.address, sequence, round })
            sequence++
            onAccepted()
          } catch (e) {
            if (!(e instanceof RpcClientError)) {
              inDoubt++ // the node died with this one in flight: it may or may not be journaled
              return
            }
            if (e.chainCode === 'TX_BAD_SEQUENCE') {
              refusedSequence++
              sequence = BigInt((e.data as { expected: string }).expected)
            } else {
              throw e
            }
          }
          await sleep(20 + pace.int(20))
        }
      }

      const kills = 10
      const replays: ReturnType<typeof replayLines> = []
      for (let round = 0; round < kills; round++) {
        const d = devnet
        const load = senders.map((s) =>
          runSender(d.client, s, round).catch((e: unknown) => {
            throw new Error(`seed ${seed}, round ${round}: ${(e as Error).message}`)
          }),
        )
        // the kill moment: once this round's load has had a seeded number (31-90) of transfers
        // accepted, while the other senders' calls are in flight; a load that stops fails the round
        const due = accepted.length + 31 + killAt.int(60)
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new Error(`seed ${seed}, round ${round}: ${accepted.length} of ${due} accepted in 30 s`),
              ),
            30_000,
          )
          onAccepted = () => {
            if (accepted.length < due) return
            clearTimeout(timer)
            resolve()
          }
          Promise.all(load).catch((e: unknown) => {
            clearTimeout(timer)
            reject(e)
          })
        })
        onAccepted = () => undefined
        await kill9(d)
        await Promise.all(load)
        devnet = await startAt(home, 300)
        replays.push(...replayLines(devnet.output()))
      }

      // The last start: no more load. Wait until every replayed transaction has left the mempool.
      const last = devnet
      await waitFor('the mempool to empty', async () => (await last.client.getStatus()).mempool.txs === 0)
      let committed = 0
      let failedInBlock = 0
      const lost: typeof accepted = []
      for (const a of accepted) {
        try {
          const t = await last.client.getTx(a.hash)
          if (t.code === 0) committed++
          else failedInBlock++
        } catch (e) {
          if (e instanceof RpcClientError && e.code === -32001) lost.push(a)
          else throw e
        }
      }
      const readmitted = replays.reduce((s, r) => s + r.readmitted, 0)
      const dropped = replays.reduce((s, r) => s + r.dropped, 0)
      console.log(
        `seed ${seed}: ${accepted.length} transactions accepted by tx_broadcast over ${kills} kill -9 restarts ` +
          `(${inDoubt} in flight at a kill, ${refusedSequence} refused for their sequence); ` +
          `committed with code 0: ${committed}, failed in a block: ${failedInBlock}, lost: ${lost.length}; ` +
          `journal replays re-admitted ${readmitted} and dropped ${dropped} (already committed) ${JSON.stringify(replays.map((r) => r.reasons))}`,
      )
      expect({
        seed,
        lost: lost.map((l) => `${l.hash} (${l.sender} #${l.sequence}, round ${l.round})`),
      }).toEqual({
        seed,
        lost: [],
      })
      // the load never reuses a sequence, so nothing it was told was accepted can fail in a block
      expect({ seed, failedInBlock }).toEqual({ seed, failedInBlock: 0 })
      expect({ seed, committed }).toEqual({ seed, committed: accepted.length })
      // each round runs to 31 or more accepted transfers before its kill
      expect(accepted.length).toBeGreaterThan(30 * kills)
      expect(readmitted).toBeGreaterThan(0)
    } finally {
      await devnet?.stop()
      await tmp.cleanup()
    }
  }, 120_000)

  test('kill -9 with transactions pending and no load: the node restarts with them in its mempool', async () => {
    const BLOCK_MS = 16_000
    const tmp = await tempDir('gather-crash-journal-')
    const home = join(tmp.dir, 'devnet')
    let devnet: DevnetProcess | undefined
    try {
      // long blocks: the transactions stay pending across the kill and the restart. Block 1 comes
      // at the start and block 2 a block time later, so that is what the 20 broadcasts, the kill
      // and the restart must fit in: a restart alone can take several seconds on a busy machine
      devnet = await startAt(home, BLOCK_MS)
      const status = await devnet.client.getStatus()
      const faucet = await deriveAccountKey(TEST_MNEMONIC, 1)
      const account = await devnet.client.getAccount(faucet.address)
      const s = { ...faucet, accountNumber: BigInt(account.accountNumber) }
      const to = (await deriveAccountKey(TEST_MNEMONIC, 9)).address
      const hashes: string[] = []
      for (let i = 0n; i < 20n; i++) {
        const { hash } = await devnet.client.broadcast(
          transfer(s, to, status.chainId, BigInt(account.nextSequence) + i),
        )
        hashes.push(hash)
      }
      const before = await devnet.client.getStatus()
      expect(before.mempool.txs).toBe(20)
      await kill9(devnet)

      devnet = await startAt(home, BLOCK_MS)
      const after = await devnet.client.getStatus()
      // no block since the kill, or the count below would not be the journal's alone
      expect(after.height).toBe(before.height)
      expect(after.mempool).toEqual(before.mempool)
      expect(replayLines(devnet.output())).toMatchObject([{ readmitted: 20, dropped: 0 }])
      const again = await devnet.client.getAccount(faucet.address)
      expect(BigInt(again.nextSequence) - BigInt(again.sequence)).toBe(20n)

      const d = devnet
      await waitFor(
        'the next block',
        async () => (await d.client.getStatus()).mempool.txs === 0,
        BLOCK_MS + 20_000,
      )
      const results = await Promise.all(hashes.map((h) => d.client.getTx(h)))
      expect(results.map((r) => r.code)).toEqual(hashes.map(() => 0))
    } finally {
      await devnet?.stop()
      await tmp.cleanup()
    }
  }, 60_000)
})

describe('tx_broadcast and the journal (in-process node)', () => {
  test('account_get.nextSequence counts the transactions pending here; sequence counts only committed ones', async () => {
    const n = await startRpcNode()
    try {
      const { faucet, validator } = n.keys
      const accountNumber = BigInt(n.node.query.token.getAccount({ address: faucet.address }).accountNumber)
      for (const sequence of [0n, 1n]) {
        const raw = transferTx(faucet, validator.address, 1n, {
          chainId: n.genesis.chainId,
          accountNumber,
          sequence,
        })
        const r = await call(n.url, 'tx_broadcast', { tx: Buffer.from(raw).toString('base64') })
        expect({ sequence, error: r.reply.error }).toEqual({ sequence, error: undefined })
      }
      const r = await call(n.url, 'account_get', { address: faucet.address })
      expect(r.reply.result).toMatchObject({ sequence: '0', nextSequence: '2' })
      await n.node.produceBlock()
      const after = await call(n.url, 'account_get', { address: faucet.address })
      expect(after.reply.result).toMatchObject({ sequence: '2', nextSequence: '2' })
    } finally {
      await n.close()
    }
  })

  test('a journal that cannot be written fails tx_broadcast with -32000 TX_JOURNAL_FAILED and the transaction is not admitted', async () => {
    const n = await startRpcNode()
    try {
      const { faucet, validator } = n.keys
      const raw = transferTx(faucet, validator.address, 1n, {
        chainId: n.genesis.chainId,
        accountNumber: BigInt(n.node.query.token.getAccount({ address: faucet.address }).accountNumber),
        sequence: 0n,
      })
      // the database goes away under the node: the journal's write fails as on a full disk
      await n.node.chain.db.close()
      const r = await call(n.url, 'tx_broadcast', { tx: Buffer.from(raw).toString('base64') })
      expect(r.reply.error).toMatchObject({ code: -32000, data: { code: 'TX_JOURNAL_FAILED' } })
      expect(r.reply.error?.message).toMatch(/could not write its transaction journal .*not accepted/)
      expect(n.node.getStatus().mempool.txs).toBe(0)
      expect(n.node.nextAccount(faucet.address)?.sequence).toBe(0n)
    } finally {
      await n.close()
    }
  })
})
