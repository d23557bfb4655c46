import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { buildDevnetGenesis, type DevnetGenesisOptions, type DevnetKeys } from '../../genesis/devnet.js'
import type { Genesis } from '../../genesis/schema.js'
import { GatherNode, type NodeOptions } from '../../node/index.js'

/** A temporary folder removed by `cleanup`. */
export async function tempDir(
  prefix = 'gather-test-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** A devnet node on a fresh database in a temp dir, not producing on its own (tests call produceBlock). */
export async function openDevnetNode(
  opts: {
    blockTimeMs?: number
    genesisTime?: Date
    dataDir?: string
    /** staking params of the devnet genesis (e.g. a short unbonding period, a small maxSuperNodes) */
    staking?: DevnetGenesisOptions['staking']
    /** blocks per issuance day and the super-node reward lock day of the devnet genesis */
    blocksPerDay?: number
    superNodeRewardLockDays?: number
    /** governance params of the devnet genesis (short deposit and voting periods) */
    governance?: DevnetGenesisOptions['governance']
    /** more node options (checkInvariants, extraModules, logger) */
    node?: Partial<Omit<NodeOptions, 'dataDir' | 'genesis' | 'nodeKey'>>
  } = {},
): Promise<{
  node: GatherNode
  genesis: Genesis
  keys: DevnetKeys
  dataDir: string
  close: () => Promise<void>
}> {
  const tmp = opts.dataDir === undefined ? await tempDir() : undefined
  const dataDir = opts.dataDir ?? join(tmp!.dir, 'data')
  const { genesis, keys } = await buildDevnetGenesis({
    blockTimeMs: opts.blockTimeMs ?? 100,
    genesisTime: opts.genesisTime ?? new Date('2026-01-01T00:00:00Z'),
    ...(opts.staking === undefined ? {} : { staking: opts.staking }),
    ...(opts.blocksPerDay === undefined ? {} : { blocksPerDay: opts.blocksPerDay }),
    ...(opts.superNodeRewardLockDays === undefined
      ? {}
      : { superNodeRewardLockDays: opts.superNodeRewardLockDays }),
    ...(opts.governance === undefined ? {} : { governance: opts.governance }),
  })
  const node = await GatherNode.open({
    dataDir,
    genesis,
    nodeKey: keys.nodeKey,
    produce: false,
    ...opts.node,
  })
  return {
    node,
    genesis,
    keys,
    dataDir,
    close: async () => {
      await node.stop()
      await tmp?.cleanup()
    },
  }
}

/** Signs a transfer with our signer. */
export function transferTx(
  from: { address: string; privateKey: Uint8Array; publicKey: Uint8Array },
  to: string,
  amount: bigint,
  o: { chainId: string; accountNumber: bigint; sequence: bigint; fee?: bigint },
): Uint8Array {
  return signTx(
    {
      messages: [transferMessage(from.address, to, amount)],
      chainId: o.chainId,
      accountNumber: o.accountNumber,
      sequence: o.sequence,
      fee: o.fee ?? 1000n,
    },
    from.privateKey,
    from.publicKey,
  )
}

/**
 * Signs `msgs` for `node`'s chain with the signer's next sequence — its committed sequence plus its
 * transactions already pending in the mempool (`GatherNode.nextAccount`); an account the chain
 * does not know signs with number and sequence 0 (and is refused for it).
 */
export function signNext(
  node: GatherNode,
  signer: { address: string; privateKey: Uint8Array; publicKey: Uint8Array },
  msgs: { typeUrl: string; value: Uint8Array }[],
  fee = 1000n,
): Uint8Array {
  const acc = node.nextAccount(signer.address) ?? { accountNumber: 0n, sequence: 0n }
  return signTx(
    {
      messages: msgs,
      chainId: node.chain.chainId,
      accountNumber: acc.accountNumber,
      sequence: acc.sequence,
      fee,
    },
    signer.privateKey,
    signer.publicKey,
  )
}
