import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Block, encodeBlock, headerHash } from '../../chain/codec/block.js'
import { type NodeKey, signEd25519 } from '../../chain/crypto/ed25519.js'
import { silentLogger } from '../../chain/logger.js'
import { buildDevnetGenesis } from '../../genesis/devnet.js'
import { type Genesis, parseGenesis } from '../../genesis/schema.js'
import { GatherNode, NodeNetwork } from '../../node/index.js'
import { testNodeKey } from './staking.js'

/** One in-process node of a test network: a GatherNode on its own database, and its network. */
export interface NetNode {
  index: number
  key: ReturnType<typeof testNodeKey>
  node: GatherNode
  net: NodeNetwork
  dataDir: string
}

/** A genesis with `n` validators (test node keys `net-<label>-<i>`, 1,000 GAT each, owned by account 0). */
export async function networkGenesis(
  n: number,
  label: string,
  o: { blockTimeMs: number; genesisTime?: Date },
): Promise<{ genesis: Genesis; keys: ReturnType<typeof testNodeKey>[] }> {
  const base = await buildDevnetGenesis({
    blockTimeMs: o.blockTimeMs,
    genesisTime: o.genesisTime ?? new Date(Date.now() + 500),
  })
  const keys = Array.from({ length: n }, (_, i) => testNodeKey(`net-${label}-${i}`))
  const genesis = parseGenesis({
    ...base.genesis,
    validators: keys.map((k, i) => ({
      name: `v${i}`,
      nodeKey: k.id,
      owner: base.keys.validator.address,
      selfLock: (1_000n * 1_000_000n).toString(),
    })),
  })
  return { genesis, keys }
}

/**
 * Opens and connects a node of the test network: validators produce in their slots (`produce`),
 * followers only import. The first node started is everyone's bootstrap peer.
 */
export async function startNetNode(
  genesis: Genesis,
  key: ReturnType<typeof testNodeKey>,
  index: number,
  o: {
    bootstrap: string[]
    produce: boolean
    dataDir?: string
    evidenceSigner?: { address: string; privateKey: Uint8Array; publicKey: Uint8Array }
  },
): Promise<NetNode> {
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'gather-net-')))
  const node = await GatherNode.open({ dataDir, genesis, nodeKey: key, produce: o.produce })
  const net = new NodeNetwork(
    {
      privateKey: key.privateKey,
      host: '127.0.0.1',
      port: 0,
      bootstrap: o.bootstrap,
      ...(o.evidenceSigner === undefined ? {} : { evidenceSigner: o.evidenceSigner }),
    },
    { node, log: silentLogger() },
  )
  await net.start()
  node.start()
  return { index, key, node, net, dataDir }
}

/** Stops a node (network first); `remove` deletes its database too. */
export async function stopNetNode(n: NetNode, remove = false): Promise<void> {
  await n.net.stop()
  await n.node.stop()
  if (remove) await rm(n.dataDir, { recursive: true, force: true })
}

/** The same slot's header with another state root, signed by `key`: the second half of a double proposal. */
export function conflictingHeader(block: Block, key: Pick<NodeKey, 'privateKey'>): Uint8Array {
  const header = { ...block.header, stateRoot: new Uint8Array(32).fill(7) }
  return encodeBlock({ header, txs: [], signature: signEd25519(key.privateKey, headerHash(header)) })
}
