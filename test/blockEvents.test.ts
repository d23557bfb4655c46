/**
 * Block events over RPC: a devnet node on a real classic-level database in a temp folder, a real
 * RpcServer on 127.0.0.1 and the GatherClient over HTTP and WebSocket. A holder-gated group's
 * `messaging.holder_joined` (a block hook's event, which no RPC could read before) shows in
 * `chain_getBlock` and on the `events` subscription, and is still there after a restart.
 */
import { join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import type { ChainEvent } from '../chain/codec/block.js'
import type { BlockView } from '../chain/codec/blockView.js'
import { transferMessage } from '../chain/tx/signTx.js'
import { createGroupMessage } from '../cli/txMessages.js'
import { GatherClient } from '../rpc/client.js'
import { defaultRpcOptions, RpcServer } from '../rpc/server.js'
import { openDevnetNode, tempDir } from './helpers/devnet.js'
import { TxDriver } from './helpers/messaging.js'
import { type AccountSigner, testAccount } from './helpers/staking.js'
import { waitFor } from './helpers/wait.js'

const GAT = 1_000_000n

/** An `events` notification's result. */
interface EventsNote {
  height: number
  hash: string
  events: (ChainEvent & { phase: string; tx?: { hash: string; index: number } })[]
}

/** A devnet node on `dataDir` (created, or reopened with its blocks) with an RpcServer in front. */
async function serve(dataDir: string) {
  const dn = await openDevnetNode({ dataDir })
  const server = new RpcServer({ ...defaultRpcOptions(), port: 0 }, { node: dn.node, log: dn.node.log })
  const { url } = await server.listen()
  return {
    ...dn,
    client: new GatherClient(url),
    close: async () => {
      await server.close()
      await dn.close()
    },
  }
}

/** What the `events` subscription sends for a block, rebuilt from its `chain_getBlock` view. */
function expectedNote(b: BlockView): EventsNote {
  const hooks = (phase: string) =>
    b.events.filter((e) => e.phase === phase).map((e) => ({ type: e.type, attributes: e.attributes, phase }))
  return {
    height: b.height,
    hash: b.hash,
    events: [
      ...hooks('beforeTransactions'),
      ...b.results.flatMap((r, index) =>
        r.events.map((e) => ({ ...e, phase: 'tx', tx: { hash: r.hash, index } })),
      ),
      ...hooks('afterTransactions'),
    ],
  }
}

const attrs = (e: ChainEvent): Record<string, string> =>
  Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))

describe('block events over RPC', () => {
  test('a holder-gate crossing: messaging.holder_joined in chain_getBlock and on the events subscription (by type, by module, all); stored, so a restarted node serves the same', async () => {
    const tmp = await tempDir('gather-events-')
    const dataDir = join(tmp.dir, 'data')
    let n = await serve(dataDir)
    const stops: (() => Promise<void>)[] = []
    try {
      const [alice, zed] = ['alice', 'zed'].map((l) => testAccount(`events-${l}`)) as [
        AccountSigner,
        AccountSigner,
      ]
      const joined: EventsNote[] = []
      const messaging: EventsNote[] = []
      const all: EventsNote[] = []
      stops.push(
        await n.client.subscribe('events', (r) => joined.push(r as EventsNote), {
          type: 'messaging.holder_joined',
        }),
      )
      stops.push(
        await n.client.subscribe('events', (r) => messaging.push(r as EventsNote), { module: 'messaging' }),
      )
      stops.push(await n.client.subscribe('events', (r) => all.push(r as EventsNote)))

      // a misspelt filter is refused, not a subscription that never hears anything
      await expect(
        n.client.subscribe('events', () => undefined, { type: 'messaging.holder_joind' }),
      ).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining('unknown event type "messaging.holder_joind"'),
      })
      for (const [event, filter, reason] of [
        ['events', { module: 'messagin' }, 'no module "messagin" emits events'],
        ['events', { type: 'token.minted', module: 'token' }, 'give params.type or params.module, not both'],
        ['newHeads', { type: 'token.minted' }, 'filter the events subscription only'],
      ] as const) {
        await expect(n.client.subscribe(event, () => undefined, filter)).rejects.toEqual(
          expect.objectContaining({ code: -32602, message: expect.stringContaining(reason) }),
        )
      }
      // a refused subscription closes its socket: more refusals than the per-client connection
      // limit (10) in a row, then one that is accepted
      for (let i = 0; i < 12; i++) {
        await expect(
          n.client.subscribe('events', () => undefined, { module: 'messagin' }),
        ).rejects.toMatchObject({ code: -32602 })
      }
      stops.push(await n.client.subscribe('newHeads', () => undefined))

      const d = new TxDriver(n.node, n.genesis.chainId)
      await d.fund(n.keys, [alice], 1_000n * GAT)
      const created = await d.commit(alice, [
        createGroupMessage(alice.address, { name: 'holders', policy: { minGatBalance: 100n * GAT } }),
      ])
      // zed receives 150 GAT: it crosses the group's 100 GAT gate
      const crossed = await d.commit(n.keys.faucet, [
        transferMessage(n.keys.faucet.address, zed.address, 150n * GAT),
      ])

      const block = await n.client.getBlock({ height: crossed.height })
      const holder = block.events.filter((e) => e.type === 'messaging.holder_joined')
      expect(holder).toEqual([
        {
          type: 'messaging.holder_joined',
          attributes: [
            { key: 'group_id', value: '1' },
            { key: 'address', value: zed.address },
            { key: 'balance', value: (150n * GAT).toString() },
            { key: 'min_gat_balance', value: (100n * GAT).toString() },
          ],
          phase: 'afterTransactions',
        },
      ])
      // the block's transaction, its result with its events, as chain_getTx has them
      expect(block.results).toHaveLength(1)
      const tx = await n.client.getTx(block.results[0]!.hash)
      expect(tx).toMatchObject({ height: crossed.height, index: 0, code: 0 })
      expect(block.results[0]).toEqual({
        hash: tx.hash,
        code: tx.code,
        codespace: tx.codespace,
        log: tx.log,
        events: tx.events,
      })
      expect(block.results[0]!.events.map((e) => e.type)).toEqual(['token.burn', 'token.transfer'])

      // by type: that one event, in that block's notification, and nothing from the blocks before
      await waitFor('the holder_joined notification', () => joined.length > 0, 10_000)
      expect(joined[0]).toEqual({
        height: crossed.height,
        hash: block.hash,
        events: [expectedNote(block).events.find((e) => e.type === 'messaging.holder_joined')],
      })
      // by module: the group's creation (a transaction's event), then the crossing
      await waitFor('the messaging notifications', () => messaging.length >= 2, 10_000)
      expect(messaging.map((m) => [m.height, m.events.map((e) => `${e.phase} ${e.type}`)])).toEqual([
        [created.height, ['tx messaging.group_created']],
        [crossed.height, ['afterTransactions messaging.holder_joined']],
      ])
      expect(attrs(messaging[0]!.events[0]!)).toMatchObject({ group_id: '1', owner: alice.address })
      // all: every block's events, exactly what chain_getBlock shows of it, in emission order
      const head = n.node.chain.head.height
      await waitFor('a notification of every block', () => all.at(-1)?.height === head, 10_000)
      const views: BlockView[] = []
      for (let h = 1; h <= head; h++) views.push(await n.client.getBlock({ height: h }))
      expect(all).toEqual(views.map(expectedNote).filter((note) => note.events.length > 0))
      expect(views.map((v) => v.results.length)).toEqual([1, 1, 1])

      // a restart reads them back from the database
      for (const stop of stops.splice(0)) await stop()
      await n.close()
      n = await serve(dataDir)
      expect(n.node.chain.head.height).toBe(head)
      for (let h = 1; h <= head; h++)
        expect({ h, view: await n.client.getBlock({ height: h }) }).toEqual({ h, view: views[h - 1] })
    } finally {
      for (const stop of stops) await stop()
      await n.close()
      await tmp.cleanup()
    }
  }, 60_000)
})
