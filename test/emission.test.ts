import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { renderEmissionSvg } from '../bench/plotEmission.js'
import type { ChainEvent } from '../chain/codec/block.js'
import { NodeMetrics } from '../chain/metrics.js'
import { buildDevnetGenesis } from '../genesis/devnet.js'
import type { Genesis } from '../genesis/schema.js'
import {
  blockMint,
  dailyEmission,
  LAST_ISSUANCE_DAY,
  totalMintedThroughDay,
  totalMintedThroughHeight,
} from '../modules/token/logic/emission.js'
import { GatherNode } from '../node/index.js'
import type { EmissionResult } from '../rpc/client.js'
import { defaultRpcOptions, RpcServer } from '../rpc/server.js'
import { CLI, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { call } from './helpers/rpcNode.js'

const GAT = 1_000_000n
const BLOCKS_PER_DAY = 5
const BLOCKS = 12

const attrs = (e: ChainEvent): Record<string, string> =>
  Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))

/** A devnet whose GAT day is 5 blocks: 12 blocks are two full days and two blocks of day 2. */
describe('GAT issuance on a devnet with 5 blocks a day', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let genesis: Genesis
  let node: GatherNode
  let server: RpcServer
  let url: string
  const minted: ChainEvent[][] = []
  const blocks: Uint8Array[] = []

  beforeAll(async () => {
    tmp = await tempDir('gather-emission-')
    const built = await buildDevnetGenesis({
      blockTimeMs: 100,
      genesisTime: new Date('2026-01-01T00:00:00Z'),
      blocksPerDay: BLOCKS_PER_DAY,
    })
    genesis = built.genesis
    node = await GatherNode.open({
      dataDir: join(tmp.dir, 'a'),
      genesis,
      nodeKey: built.keys.nodeKey,
      produce: false,
    })
    server = new RpcServer(
      { ...defaultRpcOptions(), port: 0 },
      { node, metrics: new NodeMetrics(), log: node.log },
    )
    url = (await server.listen()).url
    for (let i = 0; i < BLOCKS; i++) {
      const c = await node.produceBlock()
      minted.push(c.blockEvents.filter((e) => e.type === 'token.minted'))
      blocks.push(c.bytes)
    }
  }, 60_000)

  afterAll(async () => {
    await server?.close()
    await node?.stop()
    await tmp?.cleanup()
  })

  test('genesis carries blocksPerDay; the default devnet keeps the token default', async () => {
    expect(genesis.modules.token.params?.blocksPerDay).toBe(BLOCKS_PER_DAY)
    const plain = await buildDevnetGenesis({ genesisTime: new Date('2026-01-01T00:00:00Z') })
    expect(plain.genesis.modules.token.params).toEqual({ minFee: '1000' })
  })

  test('12 blocks mint exactly two full days and two blocks of day 2; each finished day left the pool as rewards', () => {
    const expected = totalMintedThroughDay(1) + blockMint(11, BLOCKS_PER_DAY) + blockMint(12, BLOCKS_PER_DAY)
    expect(expected).toBe(48_000n * GAT) // 2 × 20,000 GAT + 2 × 4,000 GAT
    expect(expected).toBe(totalMintedThroughHeight(BLOCKS, BLOCKS_PER_DAY))
    const supply = node.query.token.getSupply({})
    expect(BigInt(supply.minted)).toBe(expected)
    // days 0 and 1 were distributed at their last blocks (5 and 10): the pool holds day 2's blocks
    expect(BigInt(supply.rewardPool)).toBe(8_000n * GAT)
    expect(BigInt(supply.rewardsOutstanding) + BigInt(supply.rewardsUnclaimed)).toBe(totalMintedThroughDay(1))
    expect(BigInt(supply.total)).toBe(BigInt(supply.genesis) + expected - BigInt(supply.burned))
  })

  test('every block emits one token.minted with its height, day and share', () => {
    minted.forEach((events, i) => {
      const height = i + 1
      expect({ height, events: events.map(attrs) }).toEqual({
        height,
        events: [
          {
            height: String(height),
            day: String(Math.floor(i / BLOCKS_PER_DAY)),
            amount: (4_000n * GAT).toString(),
          },
        ],
      })
    })
  })

  test('a node importing the blocks reaches the same state root', async () => {
    const follower = await GatherNode.open({
      dataDir: join(tmp.dir, 'b'),
      genesis,
      nodeKey: (await buildDevnetGenesis()).keys.nodeKey,
      produce: false,
    })
    try {
      for (const b of blocks) await follower.importBlock(b)
      expect(Buffer.from(follower.chain.head.stateRoot)).toEqual(Buffer.from(node.chain.head.stateRoot))
      expect(follower.query.token.getSupply({}).minted).toBe(node.query.token.getSupply({}).minted)
    } finally {
      await follower.stop()
    }
  })

  test.each([
    [0, 20_000n, 20_000n],
    [1_459, 20_000n, 29_200_000n],
    [1_460, 10_000n, 29_210_000n],
    [LAST_ISSUANCE_DAY, 2_500n, 90_000_000n],
    [LAST_ISSUANCE_DAY + 1, 0n, 90_000_000n],
  ])('token_getEmission for day %i: %i GAT, %i GAT through it', async (day, amount, through) => {
    const { reply } = await call(url, 'token_getEmission', { day })
    expect(reply.error).toBeUndefined()
    expect(reply.result).toEqual({
      day,
      amount: (amount * GAT).toString(),
      totalMintedThroughDay: (through * GAT).toString(),
      lastDay: 19_939,
      today: 2,
      todayAmount: (20_000n * GAT).toString(),
      blocksPerDay: BLOCKS_PER_DAY,
      height: BLOCKS,
      minted: (48_000n * GAT).toString(),
      rewardPool: (8_000n * GAT).toString(),
    } satisfies EmissionResult)
  })

  test('token_getEmission without a day answers for today, the day of the next block', async () => {
    const { reply } = await call(url, 'token_getEmission', {})
    expect(reply.result).toMatchObject({ day: 2, today: 2, amount: dailyEmission(2).toString() })
    expect((await call(url, 'token_getEmission')).reply.result).toEqual(reply.result)
  })

  test.each([
    [{ day: -1 }],
    [{ day: 1.5 }],
    [{ day: '3' }],
    [{ day: 1_000_000_001 }],
    [{ day: 1, extra: true }],
  ])('token_getEmission refuses %j', async (params) => {
    const { reply } = await call(url, 'token_getEmission', params)
    expect(reply.error?.code).toBe(-32602)
  })

  test('gather query emission: --json is the RPC result, the table shows GAT, --day is checked', async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    const json = await runCli(['query', 'emission', '--day', '1460', '--rpc', url, '--json'])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual(
      (await call(url, 'token_getEmission', { day: 1_460 })).reply.result,
    )

    const table = await runCli(['query', 'emission', '--rpc', url])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^day\s+2$/m)
    expect(table.stdout).toMatch(/^amount\s+20000 GAT \(20000000000 ugat\)$/m)
    expect(table.stdout).toMatch(/^last issuance day\s+19939$/m)
    expect(table.stdout).toMatch(/^minted\s+48000 GAT/m)

    const bad = await runCli(['query', 'emission', '--day', 'soon', '--rpc', url])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^error: --day must be a whole number[^\n]*\n$/)
  })
})

describe('gather devnet --blocks-per-day', () => {
  test('the devnet it creates mints by its own day length', async () => {
    const tmp = await tempDir('gather-emission-devnet-')
    const devnet = await startDevnet(join(tmp.dir, 'devnet'), 100, ['--blocks-per-day', '3'])
    try {
      const e = await devnet.client.getEmission()
      expect(e.blocksPerDay).toBe(3)
      expect(e.today).toBe(Math.floor(e.height / 3))
      expect(BigInt(e.minted)).toBe(totalMintedThroughHeight(e.height, 3))
      const bad = await runCli(['devnet', '--home', join(tmp.dir, 'other'), '--blocks-per-day', '0'])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/--blocks-per-day must be a whole number from 1 to 1000000000/)
    } finally {
      await devnet.stop()
      await tmp.cleanup()
    }
  }, 60_000)
})

describe('docs/emission.svg', () => {
  test('is what bench/plotEmission.ts draws from the emission functions (npm run plot:emission)', async () => {
    const svg = await readFile(join(process.cwd(), 'docs/emission.svg'), 'utf8')
    expect(svg).toBe(renderEmissionSvg())
    expect(svg).toContain('90,000,000 GAT at the end of day 19,939')
    expect(svg).toContain('2,500 GAT / day on days 4,380–19,939')
  })
})
