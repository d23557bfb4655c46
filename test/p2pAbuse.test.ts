import { describe, expect, test } from '@jest/globals'
import { protocolIds } from '../chain/p2p/index.js'
import { CHAIN_ID, startPeer, stopAll, type TestPeer } from './helpers/p2p.js'
import { waitFor } from './helpers/wait.js'

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

/**
 * Records every connection `at` opens (a denied dial never opens one), with whether `at` had
 * the remote peer banned at that moment: a ban that holds shows as no entry with `banned: true`.
 */
function recordOpens(at: TestPeer): { peer: string; banned: boolean }[] {
  const opens: { peer: string; banned: boolean }[] = []
  at.net.libp2p.addEventListener('connection:open', (e) => {
    const peer = e.detail.remotePeer.toString()
    opens.push({ peer, banned: at.net.isBanned(peer) })
  })
  return opens
}

describe('p2p network: misbehaving peers', () => {
  test('a peer gossiping garbage is disconnected, banned, kept out while banned and let back after', async () => {
    const peers: TestPeer[] = []
    try {
      const b = await startPeer({
        opts: { dht: false, banDurationMs: 6_000 },
        verdict: (_kind, text) => (text.startsWith('garbage') ? 'reject' : 'accept'),
      })
      peers.push(b)
      const honest = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(honest)
      // the garbage sender keeps re-dialling b (its bootstrap peer) every 500 ms
      const m = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(m)
      await waitFor(
        'm and b see each other subscribed',
        () => m.net.subscribers('tx').includes(b.id) && b.net.subscribers('tx').includes(m.id),
      )
      const opens = recordOpens(b)
      let sent = 0
      while (!b.net.isBanned(m.id)) {
        if (sent >= 10) throw new Error(`b did not ban m after ${sent} invalid messages`)
        sent++
        await m.net.publishTx(new TextEncoder().encode(`garbage-${sent}`))
        await waitFor(`b rejected garbage-${sent}`, () => (b.counters.get('gossipIn:tx:reject') ?? 0) >= sent)
      }
      // penalty 22 per invalid message, ban at -100: the fifth one
      expect(sent).toBe(5)
      expect(b.counters.get('banned:invalid tx gossip')).toBe(1)
      expect(b.received.tx).toEqual([])
      await waitFor('b disconnected m', () => !b.net.connectedPeers().includes(m.id))
      expect(b.net.peers().find((v) => v.id === m.id)).toMatchObject({ connected: false, banned: true })

      // while banned: m's dials are refused by b's gater, and b will not dial m
      const attempt = await m.net.connect(b.addr).then(
        () => 'connected',
        (e: { code?: string }) => e.code,
      )
      expect(attempt).not.toBe('connected')
      expect(b.net.isBanned(m.id)).toBe(true)
      await expect(b.net.connect(m.addr)).rejects.toMatchObject({ code: 'P2P_PEER_BANNED' })
      // the honest peer is untouched
      expect(b.net.connectedPeers()).toContain(honest.id)
      expect(b.net.peerScore(honest.id)).toBe(0)

      // after the ban m's re-dial (every 500 ms, all through the ban) gets through and it starts
      // from a clean score; b opened no connection to m while the ban lasted
      await waitFor('ban over', () => !b.net.isBanned(m.id), 20_000)
      await waitFor('m reconnected', () => b.net.connectedPeers().includes(m.id), 20_000)
      await waitFor('m handshake done', () => b.net.peers().find((v) => v.id === m.id)?.status !== undefined)
      expect(b.net.peerScore(m.id)).toBe(0)
      expect(opens.filter((o) => o.peer === m.id && o.banned)).toEqual([])
      expect(opens).toContainEqual({ peer: m.id, banned: false })
    } finally {
      await stopAll(peers)
    }
  })

  test('malformed req/resp frames are refused, penalised, and get the sender banned', async () => {
    const peers: TestPeer[] = []
    try {
      const b = await startPeer({ opts: { dht: false, banDurationMs: 60_000 } })
      peers.push(b)
      const m = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(m)
      await waitFor('connected', () => b.net.connectedPeers().includes(m.id))
      const ids = protocolIds(CHAIN_ID)

      // a length prefix of 5 bytes (too long for any frame)
      const tooLong = await rawRequest(
        m,
        b,
        ids.blocksByRange,
        Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x7f]),
      )
      // response: one frame, [length][code 1 = invalid request][message]
      expect(tooLong[1]).toBe(1)
      expect(new TextDecoder().decode(tooLong.subarray(2))).toContain('malformed frame')
      expect(b.net.peerScore(m.id)).toBeLessThan(0)

      // a well-framed request whose body is not a range
      const badBody = await rawRequest(m, b, ids.blocksByRange, Uint8Array.from([3, 1, 2, 3]))
      expect(badBody[1]).toBe(1)
      expect(new TextDecoder().decode(badBody.subarray(2))).toContain('3 bytes, expected 12')

      // a status that is not JSON
      const badStatus = await rawRequest(m, b, ids.status, Uint8Array.from([2, 0x7b, 0x7b]))
      expect(badStatus[1]).toBe(1)
      expect(new TextDecoder().decode(badStatus.subarray(2))).toContain('status is not JSON')

      // penalty 40 each, ban at -100: the third one
      await waitFor('b banned m', () => b.net.isBanned(m.id))
      const opens = recordOpens(b)
      expect(b.counters.get('banned:malformed blocks_by_range request') ?? 0).toBe(0)
      expect(b.counters.get('banned:malformed status request')).toBe(1)
      await waitFor('disconnected', () => !m.net.connectedPeers().includes(b.id))
      await expect(m.net.requestStatus(b.id)).rejects.toMatchObject({ code: 'P2P_NOT_CONNECTED' })
      // a dial of m while banned fails, and b opened no connection for it
      const attempt = await m.net.connect(b.addr).then(
        () => 'connected',
        (e: { code?: string }) => e.code,
      )
      expect(attempt).not.toBe('connected')
      expect(b.net.connectedPeers()).not.toContain(m.id)
      expect(opens.filter((o) => o.peer === m.id)).toEqual([])
    } finally {
      await stopAll(peers)
    }
  })

  test('timeouts: a slow server fails the request with P2P_TIMEOUT; a mute client is cut off', async () => {
    const peers: TestPeer[] = []
    let release: () => void = () => undefined
    const slow = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      const server = await startPeer({
        opts: { dht: false, serverReadTimeoutMs: 1_000 },
        blocks: async () => {
          await slow
          return []
        },
      })
      peers.push(server)
      const client = await startPeer({
        opts: { dht: false, bootstrap: [server.addr], requestTimeoutMs: 1_500 },
      })
      peers.push(client)
      await waitFor('handshake done', () =>
        client.net.peers().some((v) => v.id === server.id && v.status !== undefined),
      )

      await expect(client.net.requestBlocks(server.id, 1, 1)).rejects.toMatchObject({
        code: 'P2P_TIMEOUT',
        message: expect.stringContaining('timed out after 1500 ms'),
      })
      expect(client.counters.get('reqResp:blocks_by_range:outbound:P2P_TIMEOUT')).toBe(1)
      // a timeout is not misbehaviour: nobody is penalised, the connection stays
      expect(client.net.peerScore(server.id)).toBe(0)
      expect(client.net.connectedPeers()).toContain(server.id)

      // a client that opens a stream and sends nothing is cut off after serverReadTimeoutMs
      const conn = client.net.libp2p.getConnections().find((c) => c.remotePeer.toString() === server.id)
      if (conn === undefined) throw new Error('not connected')
      const stream = await client.net.libp2p.dialProtocol(
        conn.remotePeer,
        protocolIds(CHAIN_ID).blocksByRange,
      )
      const outcome = await (async () => {
        try {
          for await (const _ of stream) {
            // nothing is expected
          }
          return 'ended'
        } catch {
          return 'aborted'
        }
      })()
      expect(['ended', 'aborted']).toContain(outcome)
      await waitFor(
        'server counted the timeout',
        () => (server.counters.get('reqResp:blocks_by_range:inbound:timeout') ?? 0) === 1,
      )
      expect(server.net.peerScore(client.id)).toBe(0)
    } finally {
      release()
      await stopAll(peers)
    }
  })
})
