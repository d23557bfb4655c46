import { describe, expect, test } from '@jest/globals'
import { silentLogger } from '../chain/logger.js'
import { P2pNetwork } from '../chain/p2p/index.js'
import { CHAIN_ID, startPeer, stopAll, type TestPeer } from './helpers/p2p.js'
import { waitFor } from './helpers/wait.js'

/** Counts of the resources that keep the event loop alive, by type. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

function leftOver(before: Map<string, number>): string[] {
  const extra: string[] = []
  for (const [type, n] of activeResources()) {
    const was = before.get(type) ?? 0
    if (n > was) extra.push(`${type} ×${n - was}`)
  }
  return extra
}

const deps = {
  logger: silentLogger(),
  getStatus: () => ({
    chainId: CHAIN_ID,
    genesisHash: 'ab'.repeat(32),
    headHeight: 0,
    headHash: '00'.repeat(32),
    finalHeight: 0,
  }),
  getBlocksByRange: () => [],
  validateTx: () => 'accept' as const,
  validateBlock: () => 'accept' as const,
  validateVote: () => 'accept' as const,
}

describe('p2p network: lifecycle', () => {
  test('stop() leaves no handle open after connections, gossip and requests', async () => {
    const before = activeResources()
    const peers: TestPeer[] = []
    try {
      const a = await startPeer()
      peers.push(a)
      const b = await startPeer({ opts: { bootstrap: [a.addr] } })
      peers.push(b)
      await waitFor('connected', () => b.net.connectedPeers().includes(a.id))
      await waitFor('mesh', () => b.net.meshPeers('block').includes(a.id))
      await b.net.publishBlock(new TextEncoder().encode('block-x'))
      await waitFor('delivered', () => a.received.block.includes('block-x'))
      expect(await b.net.requestBlocks(a.id, 1, 3)).toHaveLength(3)
      expect(leftOver(before).length).toBeGreaterThan(0)
    } finally {
      await stopAll(peers)
    }
    await waitFor(
      `handles released (left: ${leftOver(before).join(', ')})`,
      () => leftOver(before).length === 0,
      15_000,
    )
  })

  test('a bootstrap peer that restarts is re-dialled', async () => {
    const key = new Uint8Array(32).fill(9)
    const peers: TestPeer[] = []
    try {
      const a = await startPeer({ opts: { privateKey: key, dht: false } })
      peers.push(a)
      const port = Number(a.addr.split('/')[4])
      const b = await startPeer({ opts: { dht: false, bootstrap: [a.addr] } })
      peers.push(b)
      await waitFor('b connected to a', () => b.net.connectedPeers().includes(a.id))
      await a.net.stop()
      await waitFor('b saw a leave', () => !b.net.connectedPeers().includes(a.id))
      const again = await startPeer({ opts: { privateKey: key, port, dht: false } })
      peers.push(again)
      expect(again.id).toBe(a.id)
      await waitFor('b re-dialled a', () => b.net.connectedPeers().includes(a.id))
      expect(await b.net.requestStatus(a.id)).toMatchObject({ chainId: CHAIN_ID })
    } finally {
      await stopAll(peers)
    }
  })

  test('the identity is stable: the same key gives the same peer id after a restart', async () => {
    const key = new Uint8Array(32).fill(7)
    const first = new P2pNetwork({ chainId: CHAIN_ID, privateKey: key }, deps)
    const second = new P2pNetwork({ chainId: CHAIN_ID, privateKey: key }, deps)
    try {
      await first.start()
      const id = first.peerId
      await first.stop()
      await second.start()
      expect(second.peerId).toBe(id)
      expect(second.multiaddrs()[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${id}$`))
    } finally {
      await first.stop()
      await second.stop()
    }
  })

  test('bad options and calls get clear errors', async () => {
    const bad: [string, () => unknown, string][] = [
      [
        'short key',
        () => new P2pNetwork({ chainId: CHAIN_ID, privateKey: new Uint8Array(31) }, deps),
        '32-byte',
      ],
      ['chain id', () => new P2pNetwork({ chainId: 'a/b', privateKey: new Uint8Array(32) }, deps), 'chainId'],
      [
        'bootstrap without peer id',
        () =>
          new P2pNetwork(
            { chainId: CHAIN_ID, privateKey: new Uint8Array(32), bootstrap: ['/ip4/127.0.0.1/tcp/1'] },
            deps,
          ),
        'must end with /p2p/<peerId>',
      ],
      [
        'garbage multiaddr',
        () =>
          new P2pNetwork(
            { chainId: CHAIN_ID, privateKey: new Uint8Array(32), bootstrap: ['nonsense'] },
            deps,
          ),
        'bad multiaddr nonsense',
      ],
      [
        'zero timeout',
        () =>
          new P2pNetwork({ chainId: CHAIN_ID, privateKey: new Uint8Array(32), requestTimeoutMs: 0 }, deps),
        'requestTimeoutMs must be a positive integer',
      ],
      [
        'mesh out of order',
        () =>
          new P2pNetwork(
            { chainId: CHAIN_ID, privateKey: new Uint8Array(32), gossipMesh: { D: 8, Dhi: 6 } },
            deps,
          ),
        'gossipMesh needs Dlo <= D <= Dhi, got Dlo 3, D 8, Dhi 6',
      ],
      [
        'zero mesh',
        () =>
          new P2pNetwork(
            { chainId: CHAIN_ID, privateKey: new Uint8Array(32), gossipMesh: { Dlazy: 0 } },
            deps,
          ),
        'gossipMesh.Dlazy must be a positive integer',
      ],
      [
        'zero heartbeat',
        () =>
          new P2pNetwork({ chainId: CHAIN_ID, privateKey: new Uint8Array(32), gossipHeartbeatMs: 0 }, deps),
        'gossipHeartbeatMs must be a positive integer',
      ],
      [
        'fractional alpha',
        () => new P2pNetwork({ chainId: CHAIN_ID, privateKey: new Uint8Array(32), dhtAlpha: 1.5 }, deps),
        'dhtAlpha must be a positive integer',
      ],
    ]
    for (const [name, make, message] of bad) {
      expect({
        name,
        error: (() => {
          try {
            make()
            return 'none'
          } catch (e) {
            return (e as Error).message
          }
        })(),
      }).toEqual({
        name,
        error: expect.stringContaining(message),
      })
    }
    const holder = new P2pNetwork({ chainId: CHAIN_ID, privateKey: new Uint8Array(32).fill(1) }, deps)
    try {
      await holder.start()
      const port = Number(holder.multiaddrs()[0]?.split('/')[4])
      const clash = new P2pNetwork({ chainId: CHAIN_ID, privateKey: new Uint8Array(32).fill(2), port }, deps)
      await expect(clash.start()).rejects.toMatchObject({
        code: 'P2P_NOT_STARTED',
        message: expect.stringContaining(`could not start p2p on 127.0.0.1:${port}`),
      })
      await clash.stop()
    } finally {
      await holder.stop()
    }
    const net = new P2pNetwork({ chainId: CHAIN_ID, privateKey: new Uint8Array(32) }, deps)
    expect(() => net.peers()).toThrow('not started')
    await expect(net.requestStatus('x')).rejects.toMatchObject({ code: 'P2P_NOT_STARTED' })
    await expect(net.publishTx(Uint8Array.of(1))).rejects.toMatchObject({ code: 'P2P_NOT_STARTED' })
    await net.stop()
  })
})
