import { describe, expect, test } from '@jest/globals'
import { protocolIds } from '../chain/p2p/index.js'
import { CHAIN_ID, startPeer, stopAll, type TestPeer } from './helpers/p2p.js'
import { waitFor } from './helpers/wait.js'

const decode = (blocks: Uint8Array[]): string[] => blocks.map((b) => new TextDecoder().decode(b))

/** Group 7 holds blocks 1..10 (`g7-<height>`); other groups none. */
function groupSeven(groupId: number, from: number, count: number): Uint8Array[] {
  if (groupId !== 7) return []
  const blocks: Uint8Array[] = []
  for (let h = from; h < from + count && h <= 10; h++) blocks.push(new TextEncoder().encode(`g7-${h}`))
  return blocks
}

/** Opens a raw stream from `from` to `to` on `protocol`, sends `bytes`, returns everything answered. */
async function rawRequest(
  from: TestPeer,
  to: TestPeer,
  protocol: string,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  const node = from.net.libp2p
  const conn = node.getConnections().find((c) => c.remotePeer.toString() === to.id)
  if (conn === undefined) throw new Error('not connected')
  const stream = await node.dialProtocol(conn.remotePeer, protocol)
  stream.send(bytes)
  await stream.close()
  const parts: number[] = []
  for await (const data of stream) parts.push(...data.subarray())
  return Uint8Array.from(parts)
}

/** A group-blocks request body: group id, from (uint64) and count (uint32). */
function groupRange(groupId: bigint, from: bigint, count: number): Uint8Array {
  const b = new Uint8Array(20)
  const view = new DataView(b.buffer)
  view.setBigUint64(0, groupId)
  view.setBigUint64(8, from)
  view.setUint32(16, count)
  return b
}

describe('p2p network: group-blocks requests', () => {
  test('requestGroupBlocks returns what getGroupBlocks gives, never more than asked, with clear errors', async () => {
    const peers: TestPeer[] = []
    const calls: number[][] = []
    try {
      const server = await startPeer({
        opts: { dht: false, maxBlocksPerRequest: 32, maxBlockBytes: 100 },
        groupBlocks: async (groupId, from, count) => {
          calls.push([groupId, from, count])
          if (groupId === 9) throw new Error('disk on fire')
          // a node that gives more than asked: the server sends only `count`
          if (groupId === 5) return Array.from({ length: count + 2 }, (_, i) => Uint8Array.of(i))
          if (groupId === 6) return [new Uint8Array(101)]
          return groupSeven(groupId, from, count)
        },
      })
      peers.push(server)
      // the client serves no group blocks
      const client = await startPeer({ opts: { dht: false, bootstrap: [server.addr] } })
      peers.push(client)
      await waitFor('client connected to the server', () => client.net.connectedPeers().includes(server.id))

      expect(decode(await client.net.requestGroupBlocks(server.id, 7, 1, 3))).toEqual([
        'g7-1',
        'g7-2',
        'g7-3',
      ])
      expect(decode(await client.net.requestGroupBlocks(server.id, 7, 9, 5))).toEqual(['g7-9', 'g7-10'])
      expect(await client.net.requestGroupBlocks(server.id, 7, 11, 5)).toEqual([])
      expect(await client.net.requestGroupBlocks(server.id, 8, 1, 4)).toEqual([])
      expect(await client.net.requestGroupBlocks(server.id, 5, 1, 4)).toHaveLength(4)
      expect(await client.net.requestGroupBlocks(server.id, Number.MAX_SAFE_INTEGER, 1, 32)).toEqual([])
      expect(calls).toEqual([
        [7, 1, 3],
        [7, 9, 5],
        [7, 11, 5],
        [8, 1, 4],
        [5, 1, 4],
        [Number.MAX_SAFE_INTEGER, 1, 32],
      ])

      await expect(client.net.requestGroupBlocks(server.id, 9, 1, 1)).rejects.toMatchObject({
        code: 'P2P_SERVER_ERROR',
        message: expect.stringContaining('could not read blocks'),
      })
      await expect(client.net.requestGroupBlocks(server.id, 6, 1, 1)).rejects.toMatchObject({
        code: 'P2P_SERVER_ERROR',
        message: expect.stringContaining('block larger than the response limit'),
      })
      // a node without getGroupBlocks says so
      await expect(server.net.requestGroupBlocks(client.id, 7, 1, 1)).rejects.toMatchObject({
        code: 'P2P_SERVER_ERROR',
        message: expect.stringContaining('this node serves no group blocks'),
      })

      const badArgs: [number, number, number][] = [
        [7, 0, 1], // group chains start at height 1
        [7, -1, 1],
        [7, 1.5, 1],
        [7, 1, 0],
        [7, 1, 129], // above the client's own maximum (128)
        [-1, 1, 1],
        [1.5, 1, 1],
        [2 ** 53, 1, 1],
      ]
      for (const args of badArgs) {
        const outcome = await client.net.requestGroupBlocks(server.id, ...args).then(
          () => 'answered',
          (e: { code?: string }) => e.code,
        )
        expect([...args, outcome]).toEqual([...args, 'P2P_BAD_ARGUMENT'])
      }
      // the client allows 128 per request, the server only 32: the server says so
      await expect(client.net.requestGroupBlocks(server.id, 7, 1, 33)).rejects.toMatchObject({
        code: 'P2P_INVALID_REQUEST',
        message: expect.stringContaining('count 33 is not in 1..32'),
      })
      await expect(
        client.net.requestGroupBlocks('12D3KooWNotConnectedPeerxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 7, 1, 1),
      ).rejects.toMatchObject({ code: 'P2P_NOT_CONNECTED' })
      expect(server.counters.get('reqResp:group_blocks_by_range:inbound:ok')).toBe(6)
      expect(server.counters.get('reqResp:group_blocks_by_range:inbound:P2P_SERVER_ERROR')).toBe(2)
      expect(client.counters.get('reqResp:group_blocks_by_range:outbound:ok')).toBe(6)
      expect(client.counters.get('reqResp:group_blocks_by_range:inbound:P2P_SERVER_ERROR')).toBe(1)
      // server errors are not misbehaviour; only the over-long request cost the client
      expect(client.net.peerScore(server.id)).toBe(0)
      expect(server.counters.get('penalty:malformed group_blocks_by_range request')).toBe(1)
    } finally {
      await stopAll(peers)
    }
  })

  test('malformed group-blocks frames are refused and penalised, and the server keeps serving', async () => {
    const peers: TestPeer[] = []
    try {
      const server = await startPeer({ opts: { dht: false, banDurationMs: 60_000 }, groupBlocks: groupSeven })
      peers.push(server)
      const m = await startPeer({ opts: { dht: false, bootstrap: [server.addr] } })
      peers.push(m)
      const honest = await startPeer({ opts: { dht: false, bootstrap: [server.addr] } })
      peers.push(honest)
      await waitFor('both connected', () =>
        [m.id, honest.id].every((id) => server.net.connectedPeers().includes(id)),
      )
      const protocol = protocolIds(CHAIN_ID).groupBlocksByRange
      expect(protocol).toBe(`/gather/${CHAIN_ID}/req/group-blocks/1`)

      // a length prefix of 5 bytes (too long for any frame)
      const tooLong = await rawRequest(m, server, protocol, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x7f]))
      // response: one frame, [length][code 1 = invalid request][message]
      expect(tooLong[1]).toBe(1)
      expect(new TextDecoder().decode(tooLong.subarray(2))).toContain('malformed frame')
      expect(server.net.peerScore(m.id)).toBeLessThan(0)

      // a well-framed blocks-by-range body: 12 bytes, not 20
      const short = await rawRequest(m, server, protocol, Uint8Array.from([12, ...new Uint8Array(12)]))
      expect(short[1]).toBe(1)
      expect(new TextDecoder().decode(short.subarray(2))).toContain('12 bytes, expected 20')

      // the server still serves, the penalised peer too while not banned
      expect(decode(await honest.net.requestGroupBlocks(server.id, 7, 2, 2))).toEqual(['g7-2', 'g7-3'])
      expect(decode(await m.net.requestGroupBlocks(server.id, 7, 1, 1))).toEqual(['g7-1'])
      // a raw well-formed request gets its blocks: [length][code 0][block] per block
      const ok = await rawRequest(m, server, protocol, Uint8Array.from([20, ...groupRange(7n, 10n, 3)]))
      expect(ok[1]).toBe(0)
      expect(new TextDecoder().decode(ok.subarray(2))).toBe('g7-10')

      // from height 0: the third malformed request (penalty 40 each, ban at -100)
      const fromZero = await rawRequest(m, server, protocol, Uint8Array.from([20, ...groupRange(7n, 0n, 1)]))
      expect(fromZero[1]).toBe(1)
      expect(new TextDecoder().decode(fromZero.subarray(2))).toContain('from height must be at least 1')
      await waitFor('server banned m', () => server.net.isBanned(m.id))
      expect(server.counters.get('penalty:malformed group_blocks_by_range request')).toBe(3)
      expect(server.counters.get('banned:malformed group_blocks_by_range request')).toBe(1)
      await waitFor('m disconnected', () => !server.net.connectedPeers().includes(m.id))
      expect(decode(await honest.net.requestGroupBlocks(server.id, 7, 1, 1))).toEqual(['g7-1'])
      expect(server.net.peerScore(honest.id)).toBe(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('the group-blocks rate limit refuses a greedy peer, has its own bucket, and spares the others', async () => {
    const peers: TestPeer[] = []
    try {
      const server = await startPeer({
        opts: { dht: false, rateLimits: { groupBlocksByRange: { capacity: 20, refillPerSecond: 0.1 } } },
        groupBlocks: groupSeven,
      })
      peers.push(server)
      const greedy = await startPeer({ opts: { dht: false, bootstrap: [server.addr] } })
      peers.push(greedy)
      const polite = await startPeer({ opts: { dht: false, bootstrap: [server.addr] } })
      peers.push(polite)
      await waitFor('both connected', () =>
        [greedy.id, polite.id].every((id) => server.net.connectedPeers().includes(id)),
      )
      // the cost is the count asked for, not the blocks served (group 7 has 10)
      expect(await greedy.net.requestGroupBlocks(server.id, 7, 1, 10)).toHaveLength(10)
      expect(await greedy.net.requestGroupBlocks(server.id, 7, 11, 10)).toHaveLength(0)
      await expect(greedy.net.requestGroupBlocks(server.id, 7, 1, 10)).rejects.toMatchObject({
        code: 'P2P_RATE_LIMITED',
        message: expect.stringContaining('rate limit exceeded'),
      })
      expect(server.net.peerScore(greedy.id)).toBeLessThan(0)
      expect(server.counters.get('penalty:group_blocks_by_range rate limit')).toBe(1)
      await expect(greedy.net.requestGroupBlocks(server.id, 7, 1, 5)).rejects.toMatchObject({
        code: 'P2P_RATE_LIMITED',
      })
      // blocks-by-range has its own bucket, and other peers theirs
      expect(await greedy.net.requestBlocks(server.id, 1, 10)).toHaveLength(10)
      expect(decode(await polite.net.requestGroupBlocks(server.id, 7, 1, 20))).toHaveLength(10)
      expect(server.net.peerScore(polite.id)).toBe(0)
      expect(greedy.net.connectedPeers()).toContain(server.id)
    } finally {
      await stopAll(peers)
    }
  })
})
