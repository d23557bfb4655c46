import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import WebSocket from 'ws'
import { addressFromPubkey } from '../chain/crypto/address.js'
import { publicKeyFromPrivateKey } from '../chain/crypto/secp256k1.js'
import { GatherClient } from '../rpc/client.js'
import { transferTx } from './helpers/devnet.js'
import { type RpcNode, startRpcNode } from './helpers/rpcNode.js'
import { waitFor } from './helpers/wait.js'

interface Head {
  height: number
  hash: string
  txs: number
}

interface TxEvent {
  hash: string
  height: number
  index: number
  code: number
}

function transfer(n: RpcNode, amount: bigint): Uint8Array {
  const acc = n.node.query.token.getAccount({ address: n.keys.faucet.address })
  return transferTx(n.keys.faucet, n.keys.validator.address, amount, {
    chainId: n.genesis.chainId,
    accountNumber: BigInt(acc.accountNumber),
    sequence: BigInt(acc.sequence) + BigInt(n.node.mempool.size),
  })
}

describe('JSON-RPC subscriptions over /ws', () => {
  test('newHeads, finalHeads and txs of an address follow the blocks; unsubscribe stops them', async () => {
    const n = await startRpcNode()
    const client = new GatherClient(n.url)
    const stops: (() => Promise<void>)[] = []
    try {
      const heads: Head[] = []
      const finals: Head[] = []
      const faucetTxs: TxEvent[] = []
      const recipientTxs: TxEvent[] = []
      const allTxs: TxEvent[] = []
      const strangerTxs: TxEvent[] = []
      const strangerKey = createHash('sha256').update('an unrelated account').digest()
      const stranger = addressFromPubkey(publicKeyFromPrivateKey(strangerKey))

      const stopHeads = await client.subscribe('newHeads', (r) => heads.push(r as Head))
      stops.push(stopHeads)
      stops.push(await client.subscribe('finalHeads', (r) => finals.push(r as Head)))
      stops.push(await client.subscribe('txs', (r) => faucetTxs.push(r as TxEvent), n.keys.faucet.address))
      stops.push(
        await client.subscribe('txs', (r) => recipientTxs.push(r as TxEvent), n.keys.validator.address),
      )
      stops.push(await client.subscribe('txs', (r) => allTxs.push(r as TxEvent)))
      stops.push(await client.subscribe('txs', (r) => strangerTxs.push(r as TxEvent), stranger))

      // an empty block: heads only
      const b1 = await n.node.produceBlock()
      await waitFor('the first head', () => heads.length === 1 && finals.length === 1, 5_000)
      expect(heads[0]).toMatchObject({ height: 1, hash: Buffer.from(b1.hash).toString('hex'), txs: 0 })
      expect(finals[0]).toMatchObject({ height: 1 })

      // two transfers faucet -> validator
      const h1 = (await client.broadcast(transfer(n, 1_000n))).hash
      const h2 = (await client.broadcast(transfer(n, 2_000n))).hash
      const b2 = await n.node.produceBlock()
      expect(b2.block.txs).toHaveLength(2)
      await waitFor(
        'the transfers',
        () =>
          heads.length === 2 && faucetTxs.length === 2 && recipientTxs.length === 2 && allTxs.length === 2,
        5_000,
      )
      expect(heads[1]).toMatchObject({ height: 2, txs: 2 })
      expect(faucetTxs.map((t) => t.hash)).toEqual([h1, h2])
      expect(faucetTxs.map((t) => [t.height, t.index, t.code])).toEqual([
        [2, 0, 0],
        [2, 1, 0],
      ])
      // the recipient is matched through the transfer's event attributes
      expect(recipientTxs.map((t) => t.hash)).toEqual([h1, h2])
      expect(allTxs.map((t) => t.hash)).toEqual([h1, h2])

      // unsubscribe newHeads: the others keep coming, that one stops (stopHeads resolves once its
      // socket has closed: nothing can reach `heads` after it; the third final head shows that
      // block 3 went out to the subscriptions still open)
      await stopHeads()
      stops.splice(stops.indexOf(stopHeads), 1)
      await n.node.produceBlock()
      await waitFor('the third final head', () => finals.length === 3, 5_000)
      expect(heads).toHaveLength(2)
      expect(finals.map((h) => h.height)).toEqual([1, 2, 3])

      // the unrelated address never heard anything
      expect(strangerTxs).toEqual([])
    } finally {
      for (const stop of stops) await stop()
      await n.close()
    }
  })

  test('raw ws: chain_unsubscribe answers true once, then false; a closed socket gets nothing', async () => {
    const n = await startRpcNode()
    try {
      const ws = new WebSocket(n.wsUrl)
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('error', reject)
      })
      const messages: { id?: number; result?: unknown; method?: string }[] = []
      ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]))
      const reply = async (id: number): Promise<unknown> => {
        await waitFor(`reply ${id}`, () => messages.some((m) => m.id === id), 5_000)
        return messages.find((m) => m.id === id)?.result
      }
      ws.send(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_subscribe', params: { event: 'newHeads' } }),
      )
      const sub = await reply(1)
      expect(sub).toMatch(/^0x[0-9a-f]+$/)
      await n.node.produceBlock()
      await waitFor('a notification', () => messages.some((m) => m.method === 'chain_subscription'), 5_000)
      const note = messages.find((m) => m.method === 'chain_subscription') as unknown as {
        jsonrpc: string
        params: { subscription: string; result: Head }
      }
      expect(note.jsonrpc).toBe('2.0')
      expect(note.params).toMatchObject({ subscription: sub, result: { height: 1 } })

      ws.send(
        JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'chain_unsubscribe', params: { subscription: sub } }),
      )
      expect(await reply(2)).toBe(true)
      ws.send(
        JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'chain_unsubscribe', params: { subscription: sub } }),
      )
      expect(await reply(3)).toBe(false)
      await n.node.produceBlock()
      // a block's notifications are sent while it commits, before produceBlock resolves: a reply
      // asked for after it comes behind any of them on this socket
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'chain_getStatus', params: {} }))
      expect(await reply(4)).toMatchObject({ height: 2 })
      expect(messages.filter((m) => m.method === 'chain_subscription')).toHaveLength(1)

      // a socket that closes mid-stream does not trouble the node
      ws.send(
        JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'chain_subscribe', params: { event: 'newHeads' } }),
      )
      await reply(5)
      ws.terminate()
      await n.node.produceBlock()
      await n.node.produceBlock()
      expect(n.node.chain.head.height).toBe(4)
    } finally {
      await n.close()
    }
  })
})
