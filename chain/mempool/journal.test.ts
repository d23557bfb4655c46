import { randomBytes } from 'node:crypto'
import { readdir, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, test } from '@jest/globals'
import { pino } from 'pino'
import type { NodeOptions } from '../../node/index.js'
import { openDevnetNode, tempDir, transferTx } from '../../test/helpers/devnet.js'
import { ChainError, ChainErrorCode } from '../errors.js'
import { ChainDb } from '../store/chainDb.js'
import { txHashHex } from '../tx/decodeTx.js'
import { type JournalEntry, TxJournal } from './journal.js'

/** Bytes standing in for a transaction: the journal stores and hashes them, it never decodes them. */
function fakeTx(size = 180): { hash: string; raw: Uint8Array } {
  const raw = new Uint8Array(randomBytes(size))
  return { hash: txHashHex(raw), raw }
}

/** Runs `fn` with a ChainDb in a fresh temp dir, then closes and removes it. */
async function withDb(fn: (dir: string) => Promise<void>): Promise<void> {
  const tmp = await tempDir('gather-journal-test-')
  try {
    await fn(join(tmp.dir, 'data'))
  } finally {
    await tmp.cleanup()
  }
}

/** Opens the journal of the database at `dir`, replays it (admitting everything) and closes both. */
async function replayAll(dir: string, admit: (e: JournalEntry) => void = () => undefined) {
  const db = await ChainDb.open(dir)
  try {
    const journal = await TxJournal.open(db)
    const seen: JournalEntry[] = []
    const result = await journal.replay((e) => {
      admit(e)
      seen.push(e)
    })
    await journal.close()
    return { seen, result, stored: (await db.readJournal()).length }
  } finally {
    await db.close()
  }
}

describe('transaction journal', () => {
  test('append then replay after reopening: every transaction, in append order, with its admission height', async () => {
    await withDb(async (dir) => {
      const txs = Array.from({ length: 25 }, () => fakeTx())
      const db = await ChainDb.open(dir)
      const journal = await TxJournal.open(db)
      await journal.replay(() => undefined)
      for (const [i, t] of txs.entries()) await journal.append(t.hash, t.raw, 10 + i)
      expect(journal.size).toBe(txs.length)
      await journal.close()
      await db.close()

      const { seen, result } = await replayAll(dir)
      expect(result).toEqual({ readmitted: txs.length, dropped: [] })
      expect(seen.map((e) => e.hash)).toEqual(txs.map((t) => t.hash))
      for (const [i, e] of seen.entries()) {
        expect({ i, raw: Buffer.from(e.raw).equals(txs[i]!.raw), height: e.addedAtHeight }).toEqual({
          i,
          raw: true,
          height: 10 + i,
        })
      }
    })
  })

  test('a torn tail (the last record cut short by a crash) is ignored; the records before it replay', async () => {
    await withDb(async (dir) => {
      const txs = Array.from({ length: 3 }, () => fakeTx(300))
      const db = await ChainDb.open(dir)
      const journal = await TxJournal.open(db)
      await journal.replay(() => undefined)
      for (const t of txs) await journal.append(t.hash, t.raw, 1)
      await journal.close()
      await db.close()
      // The records are still in the database's write-ahead log (it is folded into a table on
      // the next open): cut the newest log in the middle of the last record, as a crash would.
      const logs = (await readdir(dir)).filter((f) => /^\d+\.log$/.test(f)).sort()
      const log = join(dir, logs[logs.length - 1]!)
      const size = (await stat(log)).size
      expect(size).toBeGreaterThan(3 * 300)
      await truncate(log, size - 100)

      const { seen, result } = await replayAll(dir)
      expect(result).toEqual({ readmitted: 2, dropped: [] })
      expect(seen.map((e) => e.hash)).toEqual([txs[0]!.hash, txs[1]!.hash])
    })
  })

  test('replay deletes what the mempool refuses and keeps the rest, with each drop and its code', async () => {
    await withDb(async (dir) => {
      const txs = Array.from({ length: 6 }, () => fakeTx())
      const db = await ChainDb.open(dir)
      const journal = await TxJournal.open(db)
      await journal.replay(() => undefined)
      await Promise.all(txs.map((t) => journal.append(t.hash, t.raw, 1)))
      await journal.close()
      await db.close()

      const refuse = new Map([
        [txs[1]!.hash, ChainErrorCode.TX_BAD_SEQUENCE],
        [txs[4]!.hash, ChainErrorCode.TX_EXPIRED],
      ])
      const first = await replayAll(dir, (e) => {
        const code = refuse.get(e.hash)
        if (code !== undefined) throw new ChainError(code, 'refused')
      })
      expect(first.result.readmitted).toBe(4)
      expect(first.result.dropped).toEqual([
        { hash: txs[1]!.hash, code: ChainErrorCode.TX_BAD_SEQUENCE },
        { hash: txs[4]!.hash, code: ChainErrorCode.TX_EXPIRED },
      ])
      expect(first.stored).toBe(4)

      const second = await replayAll(dir)
      expect(second.seen.map((e) => e.hash)).toEqual([0, 2, 3, 5].map((i) => txs[i]!.hash))
    })
  })

  test('compaction: records of transactions no longer pending are deleted, so the journal stays bounded', async () => {
    await withDb(async (dir) => {
      const db = await ChainDb.open(dir)
      const journal = await TxJournal.open(db)
      await journal.replay(() => undefined)
      const pending = new Set<string>()
      // 40 "blocks": 50 submissions each, then the block commits all but the last 5 pending
      for (let block = 0; block < 40; block++) {
        const txs = Array.from({ length: 50 }, () => fakeTx())
        for (const t of txs) pending.add(t.hash)
        await Promise.all(txs.map((t) => journal.append(t.hash, t.raw, block)))
        const keep = new Set([...pending].slice(-5))
        const syncs = journal.syncs
        const removed = journal.retain((h) => keep.has(h))
        expect({ block, removed }).toEqual({ block, removed: pending.size - 5 })
        for (const h of [...pending]) if (!keep.has(h)) pending.delete(h)
        await journal.flush()
        expect({ block, stored: (await db.readJournal()).length }).toEqual({ block, stored: 5 })
        // no append to carry them: the deletes waited for one barrier sync of their own
        expect({ block, barriers: journal.syncs - syncs }).toEqual({ block, barriers: 1 })
      }
      expect(journal.size).toBe(5)
      await journal.close()
      await db.close()

      const { seen } = await replayAll(dir)
      expect(new Set(seen.map((e) => e.hash))).toEqual(pending)
    })
  })

  test('group commit: 16 concurrent clients appending one after another share write + fsync rounds', async () => {
    await withDb(async (dir) => {
      const db = await ChainDb.open(dir)
      const journal = await TxJournal.open(db)
      await journal.replay(() => undefined)
      const clients = 16
      const each = 25
      await Promise.all(
        Array.from({ length: clients }, async () => {
          for (let i = 0; i < each; i++) {
            const t = fakeTx()
            await journal.append(t.hash, t.raw, 1)
          }
        }),
      )
      const appends = clients * each
      console.log(`group commit: ${appends} appends in ${journal.syncs} write + fsync rounds`)
      expect(journal.appends).toBe(appends)
      // each client waits for its own append, so there are at least `each` rounds
      expect(journal.syncs).toBeGreaterThanOrEqual(each)
      expect(journal.syncs).toBeLessThanOrEqual(appends / 4)
      expect((await db.readJournal()).length).toBe(appends)
      await journal.close()
      await db.close()
    })
  })

  test('a failed write refuses its appends with TX_JOURNAL_FAILED and keeps no record of them', async () => {
    await withDb(async (dir) => {
      const db = await ChainDb.open(dir)
      const journal = await TxJournal.open(db)
      await journal.replay(() => undefined)
      const ok = fakeTx()
      await journal.append(ok.hash, ok.raw, 1)
      // the database goes away under the journal: its writes fail as they would on a full disk
      await db.close()
      const lost = [fakeTx(), fakeTx()]
      const results = await Promise.allSettled(lost.map((t) => journal.append(t.hash, t.raw, 1)))
      for (const [i, r] of results.entries()) {
        expect({ i, status: r.status }).toEqual({ i, status: 'rejected' })
        const e = (r as PromiseRejectedResult).reason as ChainError
        expect({ i, code: e.code }).toEqual({ i, code: ChainErrorCode.TX_JOURNAL_FAILED })
        expect(e.message).toMatch(/could not write its transaction journal.*not accepted/)
      }
      expect(journal.has(ok.hash)).toBe(true)
      expect(lost.some((t) => journal.has(t.hash))).toBe(false)

      const { seen } = await replayAll(dir)
      expect(seen.map((e) => e.hash)).toEqual([ok.hash])
    })
  })

  test('after close, appends are refused with NODE_STOPPED', async () => {
    await withDb(async (dir) => {
      const db = await ChainDb.open(dir)
      const journal = await TxJournal.open(db)
      await journal.replay(() => undefined)
      await journal.close()
      const t = fakeTx()
      await expect(journal.append(t.hash, t.raw, 1)).rejects.toMatchObject({ code: 'NODE_STOPPED' })
      await db.close()
    })
  })
})

describe('a node with its journal', () => {
  /** Opens a devnet node on `dataDir` (the same genesis each time), runs `fn`, stops it. */
  type Opened = Awaited<ReturnType<typeof openDevnetNode>>

  async function session<T>(
    dataDir: string,
    fn: (o: Opened) => Promise<T>,
    node: Partial<Omit<NodeOptions, 'dataDir' | 'genesis' | 'nodeKey'>> = {},
  ): Promise<T> {
    const opened = await openDevnetNode({ dataDir, node })
    try {
      return await fn(opened)
    } finally {
      await opened.close()
    }
  }

  const send = (o: Opened, sequence: bigint, amount = 1_000n) =>
    transferTx(o.keys.faucet, o.keys.validator.address, amount, {
      chainId: o.node.chain.chainId,
      accountNumber: BigInt(o.node.query.token.getAccount({ address: o.keys.faucet.address }).accountNumber),
      sequence,
    })

  test('a transaction accepted by submitTxDurable is back in the mempool after a restart; once committed, its record is gone', async () => {
    const tmp = await tempDir('gather-journal-node-')
    const dataDir = join(tmp.dir, 'data')
    try {
      const hashes = await session(dataDir, async (o) => {
        const a = await o.node.submitTxDurable(send(o, 0n))
        const b = await o.node.submitTxDurable(send(o, 1n))
        expect(o.node.journal?.size).toBe(2)
        return [a.hash, b.hash]
      })
      await session(dataDir, async (o) => {
        expect(hashes.map((h) => o.node.mempool.has(h))).toEqual([true, true])
        expect(o.node.nextAccount(o.keys.faucet.address)?.sequence).toBe(2n)
        const c = await o.node.produceBlock()
        expect(c.txs.map((t) => t.hashHex)).toEqual(hashes)
        expect(o.node.journal?.size).toBe(0)
        await o.node.journal?.flush()
        expect(await o.node.chain.db.readJournal()).toEqual([])
      })
      await session(dataDir, async (o) => {
        expect(o.node.mempool.size).toBe(0)
      })
    } finally {
      await tmp.cleanup()
    }
  })

  test('replay drops what went stale while the node was down (a sequence committed otherwise, an expired transaction) and logs why', async () => {
    const tmp = await tempDir('gather-journal-node-')
    const dataDir = join(tmp.dir, 'data')
    /** The `transaction journal replayed` log line of a session opened with the journal. */
    const replayLog = async (check: (o: Opened) => Promise<void>): Promise<Record<string, unknown>> => {
      const lines: string[] = []
      const logger = pino(
        { level: 'info' },
        new Writable({
          write(chunk: Buffer, _enc, done) {
            lines.push(chunk.toString())
            done()
          },
        }),
      )
      await session(dataDir, check, { mempool: { ttlBlocks: 3 }, logger })
      const all = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
      return all.find((l) => l.msg === 'transaction journal replayed') ?? {}
    }
    const withoutJournal = (fn: (o: Opened) => Promise<void>) => session(dataDir, fn, { txJournal: false })
    try {
      const stale = await session(
        dataDir,
        async (o) => (await o.node.submitTxDurable(send(o, 0n, 111n))).hash,
      )
      // while the node is down (run here without its journal) another transaction takes sequence 0
      await withoutJournal(async (o) => {
        o.node.submitTx(send(o, 0n, 333n))
        await o.node.produceBlock()
      })
      let old = ''
      const first = await replayLog(async (o) => {
        expect(o.node.mempool.has(stale)).toBe(false)
        expect(o.node.journal?.size).toBe(0)
        // sequence 1, admitted for block 2
        old = (await o.node.submitTxDurable(send(o, 1n, 222n))).hash
      })
      expect(first).toMatchObject({
        readmitted: 0,
        dropped: 1,
        reasons: { [ChainErrorCode.TX_BAD_SEQUENCE]: 1 },
      })
      // three blocks without it: it is still valid, but older than ttlBlocks (3)
      await withoutJournal(async (o) => {
        for (let i = 0; i < 3; i++) await o.node.produceBlock()
      })
      const second = await replayLog(async (o) => {
        expect(o.node.mempool.has(old)).toBe(false)
        expect(o.node.mempool.size).toBe(0)
        expect(await o.node.chain.db.readJournal()).toEqual([])
      })
      expect(second).toMatchObject({ readmitted: 0, dropped: 1, reasons: { [ChainErrorCode.TX_EXPIRED]: 1 } })
    } finally {
      await tmp.cleanup()
    }
  })

  test('a block produced while a transaction is being journaled includes it once its record is written', async () => {
    const o = await openDevnetNode()
    try {
      const accepted = o.node.submitTxDurable(send(o, 0n))
      // the admission queue admits it on its next batch; then it is held: not offered to a
      // proposer before its record is on disk
      await o.node.admission.settled()
      expect(o.node.mempool.size).toBe(1)
      expect(o.node.mempool.pending()).toEqual([])
      const block = await o.node.produceBlock()
      const { hash } = await accepted
      expect(block.txs.map((t) => t.hashHex)).toEqual([hash])
    } finally {
      await o.close()
    }
  })

  test('a journal that cannot be written refuses the transaction: it leaves the mempool again', async () => {
    const o = await openDevnetNode()
    try {
      const raw = send(o, 0n)
      // the database goes away under the node: the journal's write fails as on a full disk
      await o.node.chain.db.close()
      await expect(o.node.submitTxDurable(raw)).rejects.toMatchObject({
        code: ChainErrorCode.TX_JOURNAL_FAILED,
      })
      expect(o.node.mempool.size).toBe(0)
      expect(o.node.nextAccount(o.keys.faucet.address)?.sequence).toBe(0n)
    } finally {
      await o.close()
    }
  })
})
