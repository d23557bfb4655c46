import { describe, expect, test } from '@jest/globals'
import { type GossipKind, P2pError } from '../chain/p2p/index.js'
import { startPeer, stopAll, type TestPeer, waitFor } from './helpers/p2p.js'

const KINDS: GossipKind[] = ['tx', 'block', 'vote']

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
    } finally {
      await stopAll(peers)
    }
  })
})
