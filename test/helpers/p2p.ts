import { randomBytes } from 'node:crypto'
import { silentLogger } from '../../chain/logger.js'
import {
  type GossipKind,
  type GossipValidator,
  type P2pMetrics,
  P2pNetwork,
  type P2pOptions,
  type Status,
  type Verdict,
} from '../../chain/p2p/index.js'

export const CHAIN_ID = 'gather-p2p-test'
export const GENESIS_HASH = 'ab'.repeat(32)

/** A status of the test chain at `height`. */
export function testStatus(height = 10, genesisHash = GENESIS_HASH): Status {
  return {
    chainId: CHAIN_ID,
    genesisHash,
    headHeight: height,
    headHash: height.toString(16).padStart(64, '0'),
    finalHeight: Math.max(0, height - 2),
  }
}

/** The encoded test block at a height. */
export function testBlock(height: number): Uint8Array {
  return new TextEncoder().encode(`block-${height}`)
}

/** A network under test, with what it received and counted. */
export interface TestPeer {
  net: P2pNetwork
  received: Record<GossipKind, string[]>
  counters: Map<string, number>
  /** the first listen address, with /p2p/ */
  addr: string
  id: string
}

export interface TestPeerOptions {
  opts?: Partial<P2pOptions>
  /** verdict for every message of every kind, default accept */
  verdict?: (kind: GossipKind, text: string, from: string) => Verdict
  status?: Status
  /** the height of our head: getBlocksByRange serves blocks 1..headHeight */
  headHeight?: number
  /** replaces the block source */
  blocks?: (from: number, count: number) => Promise<Uint8Array[]>
  /** the group block source (`getGroupBlocks`); without it the peer serves no group blocks */
  groupBlocks?: (groupId: number, from: number, count: number) => Uint8Array[] | Promise<Uint8Array[]>
  /** runs on the network before it starts (to join group topics before start) */
  beforeStart?: (net: P2pNetwork) => void
}

/** Starts a P2pNetwork on 127.0.0.1 with recording handlers and counting metrics. */
export async function startPeer(t: TestPeerOptions = {}): Promise<TestPeer> {
  const received: Record<GossipKind, string[]> = { tx: [], block: [], vote: [] }
  const counters = new Map<string, number>()
  const count = (name: string): void => {
    counters.set(name, (counters.get(name) ?? 0) + 1)
  }
  const metrics: P2pMetrics = {
    gossipIn: (kind, verdict) => count(`gossipIn:${kind}:${verdict}`),
    gossipOut: (kind) => count(`gossipOut:${kind}`),
    reqResp: (protocol, direction, outcome) => count(`reqResp:${protocol}:${direction}:${outcome}`),
    peerPenalty: (reason) => count(`penalty:${reason}`),
    peerBanned: (reason) => count(`banned:${reason.split(':')[0]}`),
  }
  const decoder = new TextDecoder()
  const validator =
    (kind: GossipKind): GossipValidator =>
    (bytes, from) =>
      t.verdict?.(kind, decoder.decode(bytes), from) ?? 'accept'
  const head = t.headHeight ?? 50
  const status = t.status ?? testStatus(head)
  const net = new P2pNetwork(
    {
      chainId: CHAIN_ID,
      privateKey: randomBytes(32),
      maintenanceIntervalMs: 500,
      requestTimeoutMs: 15_000,
      ...t.opts,
    },
    {
      logger: silentLogger(),
      metrics,
      getStatus: () => status,
      getBlocksByRange: (from, n) => {
        if (t.blocks !== undefined) return t.blocks(from, n)
        const blocks: Uint8Array[] = []
        for (let h = Math.max(from, 1); h < from + n && h <= head; h++) blocks.push(testBlock(h))
        return blocks
      },
      validateTx: validator('tx'),
      validateBlock: validator('block'),
      validateVote: validator('vote'),
      onTx: (bytes) => {
        received.tx.push(decoder.decode(bytes))
      },
      onBlock: (bytes) => {
        received.block.push(decoder.decode(bytes))
      },
      onVote: (bytes) => {
        received.vote.push(decoder.decode(bytes))
      },
      ...(t.groupBlocks !== undefined ? { getGroupBlocks: t.groupBlocks } : {}),
    },
  )
  t.beforeStart?.(net)
  await net.start()
  const addr = net.multiaddrs()[0]
  if (addr === undefined) throw new Error('no listen address')
  return { net, received, counters, addr, id: net.peerId }
}

/** Stops every peer, whatever happens. */
export async function stopAll(peers: readonly (TestPeer | undefined)[]): Promise<void> {
  await Promise.allSettled(peers.map((p) => p?.net.stop()))
}
