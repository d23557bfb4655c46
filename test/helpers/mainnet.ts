import { expect } from '@jest/globals'
import type { TxResult } from '../../chain/codec/block.js'
import { ChainError } from '../../chain/errors.js'
import { devnetKeys } from '../../genesis/devnet.js'
import { buildMainnetGenesis } from '../../genesis/mainnet.js'
import { GatherNode } from '../../node/index.js'
import { signNext, tempDir } from './devnet.js'
import { type AccountSigner, type AnyMsg, testAccount } from './staking.js'

/** The ChainError `fn` throws (fails the test if it throws nothing or something else). */
export function refusalOf(fn: () => void): ChainError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(ChainError)
    return e as ChainError
  }
  throw new Error('expected a refusal')
}

/** Blocks per issuance day of the mainnet-style test chain. */
export const MAINNET_STYLE_BLOCKS_PER_DAY = 5

/**
 * A node on the mainnet-style genesis with short schedules, checking every invariant before each
 * commit: four vesting holders (test accounts `<label>-technology`, `-operations`,
 * `-investment`, `-community`); operations owns the first super node and locks 1,000 GAT of its
 * (vesting) allocation on it; operations vests over 10 days (50 blocks) from day 0, technology
 * over 8 days with a 4-day cliff (nothing before block 20); unbonding takes 3 blocks.
 * `cleanups` gets the node's stop and the removal of its database.
 */
export async function openMainnetStyle(label: string, fee: bigint, cleanups: (() => Promise<void>)[]) {
  const holders = {
    technology: testAccount(`${label}-technology`),
    operations: testAccount(`${label}-operations`),
    investment: testAccount(`${label}-investment`),
    communityGrowth: testAccount(`${label}-community`),
  }
  const { nodeKey } = await devnetKeys()
  const nodeId = Buffer.from(nodeKey.publicKey).toString('hex')
  const genesis = buildMainnetGenesis({
    genesisTime: new Date('2026-01-01T00:00:00Z'),
    blockTimeMs: 100,
    blocksPerDay: MAINNET_STYLE_BLOCKS_PER_DAY,
    allocations: {
      technology: holders.technology.address,
      operations: holders.operations.address,
      investment: holders.investment.address,
      communityGrowth: holders.communityGrowth.address,
    },
    validators: [
      { name: 'genesis-1', nodeKey: nodeId, owner: holders.operations.address, selfLock: '1000000000' },
    ],
    gmtIssuer: holders.operations.address,
    vesting: { operations: { durationDays: 10 }, technology: { cliffDays: 4, durationDays: 8 } },
    staking: { unbondingBlocks: 3 },
  })
  const tmp = await tempDir()
  const node = await GatherNode.open({
    dataDir: tmp.dir,
    genesis,
    nodeKey,
    produce: false,
    checkInvariants: true,
  })
  cleanups.push(async () => {
    await node.stop()
    await tmp.cleanup()
  })
  const send = (signer: AccountSigner, msgs: AnyMsg[]): void => {
    node.submitTx(signNext(node, signer, msgs, fee))
  }
  /** Produces the next block; every transaction in it must succeed. Returns their results. */
  const block = async (): Promise<TxResult[]> => {
    const c = await node.produceBlock(node.chain.head.slot + 1)
    for (const r of c.results) expect({ log: r.log, code: r.code }).toEqual({ log: '', code: 0 })
    return c.results
  }
  const toHeight = async (h: number): Promise<void> => {
    while (node.chain.head.height < h) await block()
  }
  const refusal = (signer: AccountSigner, msgs: AnyMsg[]): ChainError => refusalOf(() => send(signer, msgs))
  const spendable = (a: AccountSigner): bigint =>
    BigInt(node.query.token.getAccount({ address: a.address }).spendable)
  return { node, genesis, holders, nodeKey, nodeId, send, block, toHeight, refusal, spendable }
}
