import { randomBytes } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import type { GossipSub } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'
import { silentLogger } from '../chain/logger.js'
import { groupTopic, P2P_DEFAULTS, P2pNetwork, type Verdict } from '../chain/p2p/index.js'
import { CHAIN_ID, startPeer, stopAll, type TestPeer, testStatus } from './helpers/p2p.js'
import { waitFor } from './helpers/wait.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const decoder = new TextDecoder()

function pubsubOf(p: { net: P2pNetwork }): GossipSub {
  return p.net.libp2p.services.pubsub as GossipSub
}

/** Joins `groupId` on `net` with a validator giving `verdict` (default accept); returns what it received. */
function join(net: P2pNetwork, groupId: number, verdict?: (text: string) => Verdict): string[] {
  const got: string[] = []
  net.joinGroupTopic(
    groupId,
    (bytes) => verdict?.(decoder.decode(bytes)) ?? 'accept',
    (bytes) => {
      got.push(decoder.decode(bytes))
    },
  )
  return got
}

/** Every topic whose messages gossipsub handed to `p` (before our own routing by topic). */
function recordTopics(p: TestPeer): string[] {
  const topics: string[] = []
  pubsubOf(p).addEventListener('gossipsub:message', (e) => topics.push(e.detail.msg.topic))
  return topics
}

describe('p2p network: group topics', () => {
  test('the nodes in group 7 get its messages, a node outside never does, one that left stops getting them', async () => {
    const peers: TestPeer[] = []
    const got: Record<string, string[]> = {}
    try {
      // a fully connected set without the DHT: a joins group 7 before start, b and c after
      const a = await startPeer({
        opts: { dht: false },
        beforeStart: (net) => {
          got.a = join(net, 7)
        },
      })
      peers.push(a)
      const b = await startPeer({ opts: { dht: false, bootstrap: [a.addr] } })
      peers.push(b)
      const c = await startPeer({ opts: { dht: false, bootstrap: [a.addr, b.addr] } })
      peers.push(c)
      // d is in another group only
      const d = await startPeer({ opts: { dht: false, bootstrap: [a.addr, b.addr, c.addr] } })
      peers.push(d)
      const dTopics = recordTopics(d)
      got.d8 = join(d.net, 8)
      got.b = join(b.net, 7)
      got.c = join(c.net, 7)
      for (const p of peers) {
        const others = peers.filter((o) => o !== p).map((o) => o.id)
        await waitFor(`${p.id} connected to the 3 others`, () =>
          others.every((o) => p.net.connectedPeers().includes(o)),
        )
      }
      const inGroup = [a, b, c]
      for (const p of inGroup) {
        const others = inGroup.filter((o) => o !== p).map((o) => o.id)
        await waitFor(`${p.id} sees the other two in group 7`, () =>
          others.every((o) => p.net.groupTopicPeers(7).includes(o)),
        )
      }

      expect(await a.net.publishGroup(7, text('m1'))).toBe(2)
      await waitFor('b and c got m1', () => got.b!.includes('m1') && got.c!.includes('m1'))
      await b.net.publishGroup(7, text('m2'))
      await waitFor('a and c got m2', () => got.a!.includes('m2') && got.c!.includes('m2'))
      // a message after m1 and m2 from each publisher: once d has it, m1 and m2 were not sent to
      // it, or were sent before and dropped
      await a.net.publishTx(text('t-a'))
      await b.net.publishTx(text('t-b'))
      await waitFor('d got both txs', () => ['t-a', 't-b'].every((t) => d.received.tx.includes(t)))
      expect(dTopics.filter((t) => t !== groupTopic(CHAIN_ID, 8) && !t.endsWith('/tx/1'))).toEqual([])
      expect(got.d8).toEqual([])
      expect(d.net.groupTopicPeers(7)).toEqual([])
      for (const p of inGroup) expect(p.net.groupTopicPeers(7)).not.toContain(d.id)
      expect(got.a).toEqual(['m2'])

      // c leaves: a message sent at once (a may not know yet) and one after everyone knows
      c.net.leaveGroupTopic(7)
      expect(c.net.groupTopicPeers(7)).toEqual([])
      await a.net.publishGroup(7, text('m3'))
      await waitFor('a and b saw c leave', () =>
        [a, b].every((p) => !p.net.groupTopicPeers(7).includes(c.id)),
      )
      await a.net.publishGroup(7, text('m4'))
      await waitFor('b got m3 and m4', () => got.b!.includes('m3') && got.b!.includes('m4'))
      // b relays what it accepts: a message of b after its relays, and one of a after m3 and m4
      await b.net.publishTx(text('t-b2'))
      await a.net.publishTx(text('t-a2'))
      await waitFor('c got both txs', () => ['t-b2', 't-a2'].every((t) => c.received.tx.includes(t)))
      expect(got.c).toEqual(['m1', 'm2'])
      await expect(c.net.publishGroup(7, text('m5'))).rejects.toMatchObject({
        code: 'P2P_BAD_ARGUMENT',
        message: 'group 7 topic is not joined',
      })
      expect(a.counters.get('gossipOut:group')).toBe(3)
      expect(b.counters.get('gossipIn:group:accept')).toBeGreaterThanOrEqual(3)
      expect(d.counters.get('gossipIn:group:accept') ?? 0).toBe(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('a group joined while connected finds the peers already in it, and a rejoin works', async () => {
    const peers: TestPeer[] = []
    try {
      const a = await startPeer({ opts: { dht: false } })
      peers.push(a)
      const b = await startPeer({ opts: { dht: false, bootstrap: [a.addr] } })
      peers.push(b)
      await waitFor(
        'gossip streams both ways',
        () => a.net.subscribers('tx').includes(b.id) && b.net.subscribers('tx').includes(a.id),
      )
      // a joins first, b later: a's subscription reaches b before b admits the topic (b drops
      // it), as the tx that a sends after it shows
      const gotA = join(a.net, 7)
      await a.net.publishTx(text('after-join'))
      await waitFor('b got the tx a sent after joining', () => b.received.tx.includes('after-join'))
      expect(b.net.groupTopicPeers(7)).toEqual([])
      let gotB = join(b.net, 7)
      await waitFor(
        'each sees the other in group 7',
        () => a.net.groupTopicPeers(7).includes(b.id) && b.net.groupTopicPeers(7).includes(a.id),
      )
      await waitFor(
        'a mesh both ways',
        () => a.net.groupMeshPeers(7).includes(b.id) && b.net.groupMeshPeers(7).includes(a.id),
      )
      expect(await b.net.publishGroup(7, text('x1'))).toBe(1)
      await waitFor('a got x1', () => gotA.includes('x1'))
      await a.net.publishGroup(7, text('x2'))
      await waitFor('b got x2', () => gotB.includes('x2'))

      b.net.leaveGroupTopic(7)
      await waitFor('a saw b leave', () => !a.net.groupTopicPeers(7).includes(b.id))
      gotB = join(b.net, 7)
      await waitFor(
        'each sees the other in group 7 again',
        () => a.net.groupTopicPeers(7).includes(b.id) && b.net.groupTopicPeers(7).includes(a.id),
      )
      await a.net.publishGroup(7, text('x3'))
      await waitFor('b got x3 in its new handler', () => gotB.includes('x3'))
      await b.net.publishGroup(7, text('x4'))
      await waitFor('a got x4', () => gotA.includes('x4'))
      expect(gotA).toEqual(['x1', 'x4'])
      expect(gotB).toEqual(['x3'])
    } finally {
      await stopAll(peers)
    }
  })

  test('a group validator that rejects stops the relay and penalises the sender; one that throws ignores', async () => {
    const peers: TestPeer[] = []
    try {
      // a line a - b - c without the DHT, so that c hears a only through b's relay
      let gotB: string[] = []
      const b = await startPeer({
        opts: { dht: false },
        beforeStart: (net) => {
          gotB = join(net, 7, (t) => {
            if (t.startsWith('boom')) throw new Error('validator bug')
            return t.startsWith('bad') ? 'reject' : 'accept'
          })
        },
      })
      peers.push(b)
      const a = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(a)
      const c = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(c)
      join(a.net, 7)
      const gotC = join(c.net, 7)
      await waitFor(
        'a and b mesh in group 7',
        () => a.net.groupMeshPeers(7).includes(b.id) && b.net.groupMeshPeers(7).includes(a.id),
      )
      await waitFor(
        'b and c mesh in group 7',
        () => c.net.groupMeshPeers(7).includes(b.id) && b.net.groupMeshPeers(7).includes(c.id),
      )
      expect(a.net.connectedPeers()).not.toContain(c.id)

      await a.net.publishGroup(7, text('good-1'))
      await waitFor('c got good-1 through b', () => gotC.includes('good-1'))
      expect(b.net.peerScore(a.id)).toBe(0)

      await a.net.publishGroup(7, text('bad-1'))
      await waitFor('b penalised a', () => b.net.peerScore(a.id) < 0)
      await a.net.publishGroup(7, text('boom-1'))
      await waitFor('b ignored boom-1', () => b.counters.get('gossipIn:group:ignore') === 1)
      // b judged bad-1 and boom-1 before good-2 was sent, and c hears a only through b
      await a.net.publishGroup(7, text('good-2'))
      await waitFor('c got good-2 through b', () => gotC.includes('good-2'))
      expect(gotB).toEqual(['good-1', 'good-2'])
      expect(gotC).toEqual(['good-1', 'good-2'])
      expect(b.counters.get('gossipIn:group:reject')).toBe(1)
      expect(b.counters.get('penalty:invalid group gossip')).toBe(1)
      // one penalty of 22 (decaying slowly), none for the message whose validator threw
      expect(b.net.peerScore(a.id)).toBeLessThan(-21)
      expect(b.net.peerScore(a.id)).toBeGreaterThanOrEqual(-22)
      expect(b.net.isBanned(a.id)).toBe(false)
      expect(c.net.peerScore(b.id)).toBe(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('a group message above the receiver limit is rejected before its validator and penalised', async () => {
    const peers: TestPeer[] = []
    const seen: number[] = []
    try {
      const b = await startPeer({ opts: { dht: false, maxMessageBytes: { group: 1000 } } })
      peers.push(b)
      const gotB = join(b.net, 7, (t) => {
        seen.push(t.length)
        return 'accept'
      })
      const a = await startPeer({
        opts: { dht: false, bootstrap: [b.addr], maxMessageBytes: { group: 5000 } },
      })
      peers.push(a)
      join(a.net, 7)
      await waitFor('a sees b in group 7', () => a.net.groupTopicPeers(7).includes(b.id))
      await a.net.publishGroup(7, new Uint8Array(1001).fill(0x61))
      await waitFor('b rejected it', () => b.counters.get('gossipIn:group:reject') === 1)
      await a.net.publishGroup(7, new Uint8Array(1000).fill(0x62))
      await waitFor('b accepted the next one', () => gotB.length === 1)
      expect(seen).toEqual([1000])
      expect(b.net.peerScore(a.id)).toBeLessThan(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('only the joined group topics of this chain are admitted, whatever a peer sends', async () => {
    const peers: TestPeer[] = []
    try {
      const b = await startPeer({ opts: { dht: false } })
      peers.push(b)
      const gotB = join(b.net, 7)
      const bTopics = recordTopics(b)
      const a = await startPeer({ opts: { dht: false, bootstrap: [b.addr] } })
      peers.push(a)
      await waitFor('a has a gossip stream to b', () => b.net.subscribers('tx').includes(a.id))
      const refused = [
        '/gather/another-chain/group/7/1', // group 7 of another chain
        groupTopic(CHAIN_ID, 8), // a group of ours that b is not in
        '/some/arbitrary/topic',
      ]
      // what an honest node never sends: subscriptions and messages on those topics, sent
      // straight through a's gossipsub
      const send = (pubsubOf(a) as unknown as { sendRpc(peer: string, rpc: RPC): boolean }).sendRpc.bind(
        pubsubOf(a),
      )
      for (const topic of refused) {
        expect(send(b.id, { subscriptions: [{ topic, subscribe: true }], messages: [] })).toBe(true)
        expect(send(b.id, { subscriptions: [], messages: [{ topic, data: text(`on ${topic}`) }] })).toBe(true)
      }
      // then the same on group 7, which b is in: once b has it, b handled everything before
      const ours = groupTopic(CHAIN_ID, 7)
      send(b.id, { subscriptions: [{ topic: ours, subscribe: true }], messages: [] })
      send(b.id, { subscriptions: [], messages: [{ topic: ours, data: text('on group 7') }] })
      await waitFor('b got the group 7 message', () => gotB.includes('on group 7'))
      expect(b.net.groupTopicPeers(7)).toEqual([a.id])
      for (const topic of refused) {
        expect(pubsubOf(b).getSubscribers(topic).map(String)).toEqual([])
      }
      expect(bTopics).toEqual([ours])
      expect(gotB).toEqual(['on group 7'])
      // dropped before validation: no verdict, no penalty
      expect(b.counters.get('gossipIn:group:accept')).toBe(1)
      expect(b.net.peerScore(a.id)).toBe(0)
    } finally {
      await stopAll(peers)
    }
  })

  test('group arguments: sizes, ids, joining twice, not joined, before start', async () => {
    expect(P2P_DEFAULTS.maxMessageBytes.group).toBe(256 * 1024)
    const net = new P2pNetwork(
      { chainId: CHAIN_ID, privateKey: randomBytes(32), dht: false, maxMessageBytes: { group: 16 } },
      {
        logger: silentLogger(),
        getStatus: () => testStatus(),
        getBlocksByRange: () => [],
        validateTx: () => 'accept',
        validateBlock: () => 'accept',
        validateVote: () => 'accept',
      },
    )
    try {
      const got = join(net, 7)
      expect(() => join(net, 7)).toThrow(expect.objectContaining({ code: 'P2P_BAD_ARGUMENT' }))
      expect(() => join(net, 7)).toThrow('group 7 topic is already joined')
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
        expect(() => join(net, bad)).toThrow(expect.objectContaining({ code: 'P2P_BAD_ARGUMENT' }))
      }
      expect(() => net.leaveGroupTopic(8)).toThrow(expect.objectContaining({ code: 'P2P_BAD_ARGUMENT' }))
      await expect(net.publishGroup(7, text('early'))).rejects.toMatchObject({ code: 'P2P_NOT_STARTED' })
      expect(() => net.joinGroupTopic(9, undefined as never, () => undefined)).toThrow(
        'a group topic needs a validator and a handler',
      )

      await net.start()
      await expect(net.publishGroup(7, new Uint8Array(17))).rejects.toMatchObject({
        code: 'P2P_BAD_ARGUMENT',
        message: 'group 7 message of 17 bytes is outside 1..16 bytes',
      })
      await expect(net.publishGroup(7, new Uint8Array(0))).rejects.toMatchObject({ code: 'P2P_BAD_ARGUMENT' })
      await expect(net.publishGroup(8, text('x'))).rejects.toMatchObject({
        code: 'P2P_BAD_ARGUMENT',
        message: 'group 8 topic is not joined',
      })
      // joined before start: subscribed now; alone on the network, publishing reaches nobody
      expect(pubsubOf({ net }).getTopics()).toContain(groupTopic(CHAIN_ID, 7))
      expect(await net.publishGroup(7, new Uint8Array(16))).toBe(0)
      net.leaveGroupTopic(7)
      expect(pubsubOf({ net }).getTopics()).not.toContain(groupTopic(CHAIN_ID, 7))
      expect(got).toEqual([])
      // a joined group stays joined across stop and start; one left stays left
      join(net, 8)
      await net.stop()
      await net.start()
      const topics = pubsubOf({ net }).getTopics()
      expect(topics).toContain(groupTopic(CHAIN_ID, 8))
      expect(topics).not.toContain(groupTopic(CHAIN_ID, 7))
      expect(await net.publishGroup(8, text('after restart'))).toBe(0)
    } finally {
      await net.stop()
    }
  })
})
