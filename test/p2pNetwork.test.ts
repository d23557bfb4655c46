import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import type { GossipSub } from '@libp2p/gossipsub'
import { defaultPeerScoreThresholds } from '@libp2p/gossipsub/score'
import { hex } from '../chain/hex.js'
import { directTopic, type GossipKind, gossipTopic, P2pError } from '../chain/p2p/index.js'
import { DHT_REFRESH_MS } from '../chain/p2p/p2pNetwork.js'
import { CHAIN_ID, startPeer, stopAll, type TestPeer, testStatus } from './helpers/p2p.js'
import { nextEvents, waitFor } from './helpers/wait.js'

const KINDS: GossipKind[] = ['tx', 'block', 'vote']

/** Three peers in a line a - b - c (no DHT: a and c each know only b), pushed onto `peers`. */
async function startLine(peers: TestPeer[]): Promise<{ a: TestPeer; b: TestPeer; c: TestPeer }> {
  const b = await startPeer({ opts: { dht: false } })
  peers.push(b)
  const a = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
  peers.push(a)
  const c = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
  peers.push(c)
  return { a, b, c }
}

describe('p2p network: discovery and gossip', () => {
  test('3 nodes find each other from one bootstrap address and gossip a tx, a block and a vote to all', async () => {
    const peers: TestPeer[] = []
    try {
      const a = await startPeer()
      peers.push(a)
      const b = await startPeer({ opts: { bootstrap: [a.addr] } })
      peers.push(b)
      const c = await startPeer({ opts: { bootstrap: [a.addr] } })
      peers.push(c)
      for (const p of peers) {
        const others = peers.filter((o) => o !== p).map((o) => o.id)
        await waitFor(`${p.id} connected to both others`, () =>
          others.every((o) => p.net.connectedPeers().includes(o)),
        )
      }
      for (const p of peers) {
        for (const kind of KINDS) {
          await waitFor(`${p.id} has 2 mesh peers for ${kind}`, () => p.net.meshPeers(kind).length >= 2)
        }
      }
      await a.net.publishTx(new TextEncoder().encode('tx-1'))
      await b.net.publishBlock(new TextEncoder().encode('block-1'))
      await c.net.publishVote(new TextEncoder().encode('vote-1'))
      await waitFor(
        'b and c got the tx',
        () => b.received.tx.includes('tx-1') && c.received.tx.includes('tx-1'),
      )
      await waitFor('a and c got the block', () => [a, c].every((p) => p.received.block.includes('block-1')))
      await waitFor('a and b got the vote', () => [a, b].every((p) => p.received.vote.includes('vote-1')))
      expect(a.received.tx).toEqual([])
      expect(b.received.block).toEqual([])
      expect(c.received.vote).toEqual([])
      await waitFor('handshakes recorded', () =>
        peers.every((p) => p.net.peers().every((v) => v.status !== undefined)),
      )
      for (const p of peers) {
        const views = p.net.peers()
        expect(views).toHaveLength(2)
        for (const v of views) {
          expect(v).toMatchObject({ connected: true, banned: false, score: 0 })
          expect(v.address).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
          expect(['inbound', 'outbound']).toContain(v.direction)
        }
      }
      expect(a.counters.get('gossipOut:tx')).toBe(1)
      expect(b.counters.get('gossipIn:tx:accept')).toBeGreaterThanOrEqual(1)
      // kad-dht's self-query and table refresh run every 30 minutes, not its default 5
      const dht = a.net.libp2p.services.dht as unknown as {
        querySelf: { interval: number }
        routingTableRefresh: { refreshInterval: number }
      }
      expect([dht.querySelf.interval, dht.routingTableRefresh.refreshInterval]).toEqual([
        DHT_REFRESH_MS,
        DHT_REFRESH_MS,
      ])
      expect(DHT_REFRESH_MS).toBe(30 * 60_000)
    } finally {
      await stopAll(peers)
    }
  })

  test('17 peers on one loopback address all get each gossip (no same-IP graylisting)', async () => {
    // gossipsub penalises more than 10 peers sharing an IP: on a one-machine testnet that
    // graylisted every peer and no gossip arrived at all
    const peers: TestPeer[] = []
    try {
      const a = await startPeer({ opts: { dht: false } })
      peers.push(a)
      for (let i = 1; i < 17; i++) peers.push(await startPeer({ opts: { dht: false, bootstrap: [a.addr] } }))
      await waitFor('the hub connected to all 16', () => a.net.connectedPeers().length === 16, 60_000)
      await waitFor('every peer subscribed', () => a.net.subscribers('block').length === 16, 60_000)
      // 16 peers on 127.0.0.1 at the hub: 6 over gossipsub's limit of 10 would score each
      // 6² × -5 = -180, below the graylist threshold (-80), once a heartbeat refreshed the scores.
      // Two heartbeats of the hub after everyone subscribed, then no peer is below it.
      const hub = a.net.libp2p.services.pubsub as GossipSub & { getScore(peerId: string): number }
      await nextEvents('two gossipsub heartbeats of the hub', hub, 'gossipsub:heartbeat', 2, 10_000)
      const graylist = defaultPeerScoreThresholds.graylistThreshold
      const graylisted = peers.slice(1).filter((p) => hub.getScore(p.id) <= graylist)
      expect(graylisted.map((p) => [p.id, hub.getScore(p.id)])).toEqual([])
      for (const [i, p] of peers.slice(1).entries())
        await p.net.publishBlock(new TextEncoder().encode(`b-${i}`))
      const sent = peers.slice(1).map((_, i) => `b-${i}`)
      await waitFor('the hub got every block', () => sent.every((m) => a.received.block.includes(m)), 60_000)
      await a.net.publishVote(new TextEncoder().encode('v-hub'))
      await waitFor(
        'every peer got the hub vote',
        () => peers.slice(1).every((p) => p.received.vote.includes('v-hub')),
        60_000,
      )
    } finally {
      await stopAll(peers)
    }
  }, 120_000)

  test('a validator that rejects a message stops its relay and penalises the sender', async () => {
    const peers: TestPeer[] = []
    try {
      // a line a - b - c without the DHT, so that c hears a only through b's relay
      const b = await startPeer({
        opts: { dht: false },
        verdict: (_kind, text) => (text.startsWith('bad') ? 'reject' : 'accept'),
      })
      peers.push(b)
      const a = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(a)
      const c = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(c)
      await waitFor('b connected to a and c', () =>
        [a.id, c.id].every((id) => b.net.connectedPeers().includes(id)),
      )
      await waitFor(
        'a and b mesh',
        () => a.net.meshPeers('tx').includes(b.id) && b.net.meshPeers('tx').includes(a.id),
      )
      await waitFor(
        'b and c mesh',
        () => c.net.meshPeers('tx').includes(b.id) && b.net.meshPeers('tx').includes(c.id),
      )
      expect(a.net.connectedPeers()).not.toContain(c.id)

      await a.net.publishTx(new TextEncoder().encode('good-1'))
      await waitFor('c got good-1 through b', () => c.received.tx.includes('good-1'))
      expect(b.net.peerScore(a.id)).toBe(0)

      await a.net.publishTx(new TextEncoder().encode('bad-1'))
      await waitFor('b penalised a', () => b.net.peerScore(a.id) < 0)
      // no wait for bad-1 not to come: b judged it before good-2 was sent (the penalty above), a
      // message b rejects is neither relayed nor kept for gossip, and c hears a only through b
      await a.net.publishTx(new TextEncoder().encode('good-2'))
      await waitFor('c got good-2 through b', () => c.received.tx.includes('good-2'))
      expect(b.received.tx).toEqual(['good-1', 'good-2'])
      expect(c.received.tx).toEqual(['good-1', 'good-2'])
      expect(b.counters.get('gossipIn:tx:reject')).toBe(1)
      expect(b.counters.get('penalty:invalid tx gossip')).toBe(1)
      expect(b.net.peerScore(a.id)).toBeLessThan(0)
      expect(b.net.isBanned(a.id)).toBe(false)
      const view = b.net.peers().find((v) => v.id === a.id)
      expect(view).toMatchObject({ connected: true, banned: false })
      expect(view?.score).toBeLessThan(0)
    } finally {
      await stopAll(peers)
    }
  })

  test("a validator's 'keep' delivers a message without relaying it and costs the sender nothing", async () => {
    const peers: TestPeer[] = []
    try {
      // a line a - b - c without the DHT, so that c hears a only through b's relay
      const b = await startPeer({
        opts: { dht: false },
        verdict: (_kind, text) => (text.startsWith('kept') ? 'keep' : 'accept'),
      })
      peers.push(b)
      const a = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(a)
      const c = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(c)
      await waitFor(
        'a and b mesh',
        () => a.net.meshPeers('vote').includes(b.id) && b.net.meshPeers('vote').includes(a.id),
      )
      await waitFor(
        'b and c mesh',
        () => c.net.meshPeers('vote').includes(b.id) && b.net.meshPeers('vote').includes(c.id),
      )
      expect(a.net.connectedPeers()).not.toContain(c.id)
      await a.net.publishVote(new TextEncoder().encode('kept-1'))
      await waitFor('b got kept-1', () => b.received.vote.includes('kept-1'))
      // no wait for kept-1 not to come: b judged it before relayed-1 was sent, and a message b
      // keeps is neither relayed nor kept for gossip, and c hears a only through b
      await a.net.publishVote(new TextEncoder().encode('relayed-1'))
      await waitFor('c got relayed-1 through b', () => c.received.vote.includes('relayed-1'))
      expect(b.received.vote).toEqual(['kept-1', 'relayed-1'])
      expect(c.received.vote).toEqual(['relayed-1'])
      expect(b.counters.get('gossipIn:vote:keep')).toBe(1)
      expect(b.net.peerScore(a.id)).toBe(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('a direct transaction is used and not relayed when it reached every peer it must; else it is relayed as well', async () => {
    const peers: TestPeer[] = []
    try {
      // a line a - b - c without the DHT, so that c hears a only through b's relay
      const { a, b, c } = await startLine(peers)
      await waitFor('a sees b on the direct topic', () => a.net.subscribers('tx', true).includes(b.id))
      await waitFor(
        'b and c mesh',
        () => c.net.meshPeers('tx').includes(b.id) && b.net.meshPeers('tx').includes(c.id),
      )
      expect(a.net.connectedPeers()).not.toContain(c.id)
      const text = new TextEncoder()
      // b is all a must reach: the direct copy is enough, and b uses it without relaying it
      expect(await a.net.publishTxDirect(text.encode('direct-1'), [b.id])).toEqual({
        direct: true,
        recipients: 1,
      })
      await waitFor('b got direct-1', () => b.received.tx.includes('direct-1'))
      // c too, which a is not connected to: published on the relayed topic as well, and c gets it
      // through b (b judged direct-1 before direct-2 was sent, so c would have had it first)
      expect(await a.net.publishTxDirect(text.encode('direct-2'), [b.id, c.id])).toEqual({
        direct: false,
        recipients: 1,
      })
      await waitFor('c got direct-2 through b', () => c.received.tx.includes('direct-2'))
      expect(c.received.tx).toEqual(['direct-2'])
      // b used both copies of direct-2 (the direct one kept, the other relayed)
      expect(b.received.tx).toEqual(['direct-1', 'direct-2', 'direct-2'])
      expect(b.counters.get('gossipIn:tx:keep')).toBe(2)
      expect(b.counters.get('gossipIn:tx:accept')).toBe(1)
      expect(a.counters.get('gossipOut:tx')).toBe(2)
      expect(b.net.peerScore(a.id)).toBe(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('no IDONTWANT for a direct message (it is never forwarded); one for a relayed block', async () => {
    const peers: TestPeer[] = []
    try {
      // a line a - b - c: what c hears from b about a's messages is b's alone
      const { a, b, c } = await startLine(peers)
      const voteDirect = directTopic(CHAIN_ID, 'vote')
      const block = gossipTopic(CHAIN_ID, 'block')
      const bsub = b.net.libp2p.services.pubsub as unknown as { getMeshPeers(topic: string): string[] }
      await waitFor(
        "c in b's meshes of the direct vote topic and the block topic",
        () => bsub.getMeshPeers(voteDirect).includes(c.id) && bsub.getMeshPeers(block).includes(c.id),
      )
      await waitFor('a sees b on the direct vote topic', () => a.net.subscribers('vote', true).includes(b.id))
      // the message ids c hears in IDONTWANTs from b (gossipsub asks IDONTWANT from 512 bytes)
      const heard: string[] = []
      const csub = c.net.libp2p.services.pubsub as unknown as {
        handleIdontwant(id: string, idontwant: { messageIDs?: Uint8Array[] }[]): void
      }
      const handle = csub.handleIdontwant.bind(csub)
      csub.handleIdontwant = (id, idontwant) => {
        if (id === b.id) for (const m of idontwant) for (const x of m.messageIDs ?? []) heard.push(hex(x))
        handle(id, idontwant)
      }
      const bundle = new Uint8Array(2_000).fill(0x76)
      const blockBytes = new Uint8Array(2_000).fill(0x62)
      const id = (topic: string, data: Uint8Array) =>
        hex(createHash('sha256').update(topic).update(data).digest())
      expect(await a.net.publishVoteDirect(bundle, [b.id])).toEqual({ direct: true, recipients: 1 })
      await waitFor('b kept the direct vote', () => b.counters.get('gossipIn:vote:keep') === 1)
      await a.net.publishBlock(blockBytes)
      await waitFor('c got the block through b', () => c.received.block.length === 1)
      // b's IDONTWANTs go out in order on one stream: the block's came after the vote's would have
      await waitFor("c heard b's IDONTWANT for the block", () => heard.includes(id(block, blockBytes)))
      expect(heard).toEqual([id(block, blockBytes)])
      expect(heard).not.toContain(id(voteDirect, bundle))
    } finally {
      await stopAll(peers)
    }
  })

  test('a message above the receiver limit is rejected before its validator and penalised', async () => {
    const peers: TestPeer[] = []
    const seen: number[] = []
    try {
      const b = await startPeer({
        opts: { dht: false, maxMessageBytes: { tx: 1000 } },
        verdict: (_kind, text) => {
          seen.push(text.length)
          return 'accept'
        },
      })
      peers.push(b)
      const a = await startPeer({ opts: { dht: false, bootstrap: [b.addr], maxMessageBytes: { tx: 5000 } } })
      peers.push(a)
      await waitFor('a sees b subscribed', () => a.net.subscribers('tx').includes(b.id))
      await a.net.publishTx(new Uint8Array(1001).fill(0x61))
      await waitFor('b rejected it', () => b.counters.get('gossipIn:tx:reject') === 1)
      await a.net.publishTx(new Uint8Array(1000).fill(0x62))
      await waitFor('b accepted the next one', () => b.received.tx.length === 1)
      expect(seen).toEqual([1000])
      expect(b.net.peerScore(a.id)).toBeLessThan(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('publish refuses empty and oversized messages with a clear error', async () => {
    const peers: TestPeer[] = []
    try {
      const a = await startPeer({ opts: { dht: false, maxMessageBytes: { vote: 16 } } })
      peers.push(a)
      await expect(a.net.publishVote(new Uint8Array(17))).rejects.toMatchObject({
        code: 'P2P_BAD_ARGUMENT',
        message: 'vote message of 17 bytes is outside 1..16 bytes',
      })
      await expect(a.net.publishTx(new Uint8Array(0))).rejects.toBeInstanceOf(P2pError)
      // alone on the network: publishing is not an error, it reaches nobody
      expect(await a.net.publishVote(new Uint8Array(16))).toBe(0)
    } finally {
      await stopAll(peers)
    }
  })
})

describe('p2p network: request/response', () => {
  test('status and blocks-by-range round trips, with clear errors', async () => {
    const peers: TestPeer[] = []
    try {
      const a = await startPeer({ opts: { dht: false, maxBlocksPerRequest: 32 }, headHeight: 40 })
      peers.push(a)
      const b = await startPeer({ opts: { dht: false, bootstrap: [a.addr] }, headHeight: 7 })
      peers.push(b)
      await waitFor('b connected to a', () => b.net.connectedPeers().includes(a.id))

      expect(await b.net.requestStatus(a.id)).toEqual(testStatus(40))
      expect(await a.net.requestStatus(b.id)).toEqual(testStatus(7))
      await waitFor(
        'a knows b status',
        () => a.net.peers().find((v) => v.id === b.id)?.status?.headHeight === 7,
      )

      const blocks = await b.net.requestBlocks(a.id, 10, 5)
      expect(blocks.map((x) => new TextDecoder().decode(x))).toEqual([
        'block-10',
        'block-11',
        'block-12',
        'block-13',
        'block-14',
      ])
      const tail = await b.net.requestBlocks(a.id, 38, 10)
      expect(tail.map((x) => new TextDecoder().decode(x))).toEqual(['block-38', 'block-39', 'block-40'])
      expect(await b.net.requestBlocks(a.id, 100, 4)).toEqual([])
      expect(await b.net.requestBlocks(a.id, 1, 32)).toHaveLength(32)

      await expect(b.net.requestBlocks(a.id, 1, 0)).rejects.toMatchObject({ code: 'P2P_BAD_ARGUMENT' })
      await expect(b.net.requestBlocks(a.id, -1, 1)).rejects.toMatchObject({ code: 'P2P_BAD_ARGUMENT' })
      // b allows 128 per request by default, a only 32: a says so
      await expect(b.net.requestBlocks(a.id, 1, 33)).rejects.toMatchObject({
        code: 'P2P_INVALID_REQUEST',
        message: expect.stringContaining('count 33 is not in 1..32'),
      })
      await expect(
        b.net.requestStatus('12D3KooWNotConnectedPeerxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
      ).rejects.toMatchObject({ code: 'P2P_NOT_CONNECTED' })
      expect(a.counters.get('reqResp:blocks_by_range:inbound:ok')).toBe(4)
      expect(b.counters.get('reqResp:blocks_by_range:outbound:ok')).toBe(4)
    } finally {
      await stopAll(peers)
    }
  })

  test('the blocks-by-range rate limit refuses a greedy peer and still serves the others', async () => {
    const peers: TestPeer[] = []
    try {
      const server = await startPeer({
        opts: { dht: false, rateLimits: { blocksByRange: { capacity: 20, refillPerSecond: 0.1 } } },
      })
      peers.push(server)
      const greedy = await startPeer({ opts: { dht: false, bootstrap: [server.addr] } })
      peers.push(greedy)
      const polite = await startPeer({ opts: { dht: false, bootstrap: [server.addr] } })
      peers.push(polite)
      await waitFor('both connected', () =>
        [greedy.id, polite.id].every((id) => server.net.connectedPeers().includes(id)),
      )
      expect(await greedy.net.requestBlocks(server.id, 1, 10)).toHaveLength(10)
      expect(await greedy.net.requestBlocks(server.id, 11, 10)).toHaveLength(10)
      await expect(greedy.net.requestBlocks(server.id, 21, 10)).rejects.toMatchObject({
        code: 'P2P_RATE_LIMITED',
        message: expect.stringContaining('rate limit exceeded'),
      })
      expect(server.net.peerScore(greedy.id)).toBeLessThan(0)
      expect(server.counters.get('penalty:blocks_by_range rate limit')).toBe(1)
      expect(await polite.net.requestBlocks(server.id, 1, 10)).toHaveLength(10)
      expect(server.net.peerScore(polite.id)).toBe(0)
      // the limit is per peer and counted in blocks: a small request of the greedy peer still fails
      await expect(greedy.net.requestBlocks(server.id, 1, 5)).rejects.toMatchObject({
        code: 'P2P_RATE_LIMITED',
      })
      expect(greedy.net.connectedPeers()).toContain(server.id)
    } finally {
      await stopAll(peers)
    }
  })

  test('a peer with another genesis is disconnected and banned by the status handshake', async () => {
    const peers: TestPeer[] = []
    try {
      const a = await startPeer({ opts: { dht: false } })
      peers.push(a)
      const other = await startPeer({
        opts: { dht: false },
        status: { ...testStatus(5), genesisHash: 'cd'.repeat(32) },
      })
      peers.push(other)
      await other.net.connect(a.addr).catch(() => undefined)
      await waitFor('a banned the other chain', () => a.net.isBanned(other.id))
      await waitFor('disconnected', () => !a.net.connectedPeers().includes(other.id))
      expect(a.counters.get('banned:wrong chain')).toBe(1)
      // both sides saw the mismatch: each bans the other and refuses to dial it
      await waitFor('the other chain banned a', () => other.net.isBanned(a.id))
      await expect(other.net.connect(a.addr)).rejects.toMatchObject({ code: 'P2P_PEER_BANNED' })
      await expect(a.net.requestStatus(other.id)).rejects.toMatchObject({ code: 'P2P_PEER_BANNED' })
      expect(a.net.peers().find((v) => v.id === other.id)).toMatchObject({ connected: false, banned: true })
      expect(testStatus().chainId).toBe(CHAIN_ID)
    } finally {
      await stopAll(peers)
    }
  })
})
