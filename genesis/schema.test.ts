import { describe, expect, test } from '@jest/globals'
import { identityParams } from '../modules/identity/params.js'
import { messagingParams } from '../modules/messaging/params.js'
import { stakingParams } from '../modules/staking/params.js'
import { tokenParams } from '../modules/token/params.js'
import { buildDevnetGenesis } from './devnet.js'
import { canonicalJson, genesisHash, parseGenesis } from './schema.js'

async function devnetJson(): Promise<Record<string, unknown>> {
  const { genesis } = await buildDevnetGenesis({ genesisTime: new Date('2026-01-01T00:00:00Z') })
  return JSON.parse(JSON.stringify(genesis)) as Record<string, unknown>
}

// biome-ignore lint/suspicious/noExplicitAny: the cases mutate raw genesis JSON at any depth
type Mutation = (g: Record<string, any>) => void

describe('genesis validation', () => {
  test('the devnet genesis is valid and has the documented chain id, validator and faucet', async () => {
    const { genesis, keys } = await buildDevnetGenesis()
    expect(genesis.chainId).toBe('gather-devnet-1')
    expect(genesis.validators[0]!.owner).toBe(keys.validator.address)
    expect(genesis.modules.token.accounts).toContainEqual({
      address: keys.faucet.address,
      ugat: '1000000000000',
    })
  })

  const cases: [string, Mutation, RegExp][] = [
    ['bad chain id', (g) => (g.chainId = 'Gather Devnet'), /chainId: must be 1-48 lower-case/],
    ['bad time', (g) => (g.genesisTime = 'yesterday'), /genesisTime: must be an ISO-8601/],
    [
      'block time too short',
      (g) => (g.params.blockTimeMs = 50),
      /params\.blockTimeMs: must be at least 100 ms/,
    ],
    ['no validators', (g) => (g.validators = []), /validators: needs at least one validator/],
    [
      'short node key',
      (g) => (g.validators[0].nodeKey = 'abcd'),
      /validators\[0\]\.nodeKey: must be 32 bytes/,
    ],
    [
      'bad owner',
      (g) => (g.validators[0].owner = 'cosmos1xyz'),
      /validators\[0\]\.owner: "cosmos1xyz" is not a gat address/,
    ],
    [
      'negative balance',
      (g) => (g.modules.token.accounts[0].ugat = '-1'),
      /modules\.token\.accounts\[0\]\.ugat: must be a whole number/,
    ],
    [
      'fractional balance',
      (g) => (g.modules.token.accounts[1].ugat = '1.5'),
      /modules\.token\.accounts\[1\]\.ugat: must be a whole number/,
    ],
    [
      'duplicate account',
      (g) => g.modules.token.accounts.push({ ...g.modules.token.accounts[0] }),
      /modules\.token\.accounts\[2\]\.address: is listed twice/,
    ],
    [
      'above the cap',
      (g) => (g.modules.token.accounts[0].ugat = (200_000_000n * 1_000_000n).toString()),
      /modules\.token\.accounts: genesis balances total \d+ ugat, above the 10000000000000 ugat \(10,000,000 GAT\)/,
    ],
    [
      // 9,000,001 + the faucet's 1,000,000 GAT: one GAT more than issuance leaves room for
      'one GAT above what issuance leaves',
      (g) => (g.modules.token.accounts[0].ugat = (9_000_001n * 1_000_000n).toString()),
      /genesis balances total 10000001000000 ugat, above the 10000000000000 ugat/,
    ],
    [
      'vesting cliff after its end',
      (g) => (g.modules.token.accounts[1].vesting = { cliffDays: 10, durationDays: 5 }),
      /modules\.token\.accounts\[1\]\.vesting\.cliffDays: cliffDays must not exceed durationDays/,
    ],
    [
      'vesting over zero days',
      (g) => (g.modules.token.accounts[1].vesting = { durationDays: 0 }),
      /modules\.token\.accounts\[1\]\.vesting\.durationDays: must be at least 1/,
    ],
    [
      'vesting with an unknown field',
      (g) => (g.modules.token.accounts[1].vesting = { durationDays: 5, linear: true }),
      /modules\.token\.accounts\[1\]\.vesting: Unrecognized key/,
    ],
    ['unknown field', (g) => (g.extra = 1), /Unrecognized key/],
    ['missing params', (g) => delete g.params, /params: /],
  ]

  test.each(cases)('%s is refused with the field and the reason', async (_name, mutate, expected) => {
    const g = await devnetJson()
    mutate(g)
    expect(() => parseGenesis(g)).toThrow(expected)
    try {
      parseGenesis(g)
    } catch (e) {
      expect((e as { code?: string }).code).toBe('GENESIS_INVALID')
    }
  })

  test('the genesis hash is canonical: key order does not matter, content does', async () => {
    const g = await devnetJson()
    const reordered = JSON.parse(canonicalJson(g)) as Record<string, unknown>
    const a = genesisHash(parseGenesis(g))
    const b = genesisHash(parseGenesis(Object.fromEntries(Object.entries(reordered).reverse())))
    expect(Buffer.from(a)).toEqual(Buffer.from(b))
    ;(g.params as Record<string, number>).blockTimeMs = 3000
    expect(Buffer.from(genesisHash(parseGenesis(g)))).not.toEqual(Buffer.from(a))
  })
})

describe('module params in genesis', () => {
  test.each([
    ['staking', 'maxSuperNodes', 0],
    ['staking', 'minNodeLock', '0'],
    ['staking', 'maxNodeLock', '5'],
    ['staking', 'slashFractionBps', 10_001],
    ['identity', 'registrationFee', '100000000000001'],
    ['messaging', 'maxProducers', 101],
    ['messaging', 'maxGroupDepth', 1.5],
    ['token', 'blocksPerDay', 0],
    ['token', 'superNodeRewardLockDays', 100_001],
    ['token', 'minFee', '01'],
  ] as const)('modules.%s.params.%s = %p is refused naming the field', async (module, key, value) => {
    const g = await devnetJson()
    const modules = g.modules as Record<string, { params?: Record<string, unknown> }>
    modules[module] = { ...modules[module], params: { ...modules[module]?.params, [key]: value } }
    expect(() => parseGenesis(g)).toThrow(new RegExp(`modules\\.${module}\\.params\\.${key}: must be`))
  })

  test('an unknown param is refused', async () => {
    const g = await devnetJson()
    ;(g.modules as Record<string, unknown>).staking = { params: { maxSuperNode: 5 } }
    expect(() => parseGenesis(g)).toThrow(/modules\.staking\.params: Unrecognized key: "maxSuperNode"/)
  })

  test('the defaults, and the bytes the state holds for them, are what they were', () => {
    const stored = (spec: {
      codec: { encode(v: never): Uint8Array }
      toJson(p: never): unknown
      defaults(): unknown
    }) => new TextDecoder().decode(spec.codec.encode(spec.toJson(spec.defaults() as never) as never))
    expect(stored(identityParams)).toBe('{"registrationFee":"1000000"}')
    expect(stored(messagingParams)).toBe('{"creationFee":"10000000","maxProducers":21,"maxGroupDepth":8}')
    expect(stored(stakingParams)).toBe(
      '{"maxSuperNodes":21,"minNodeLock":"1000000","maxNodeLock":"2000000000","unbondingBlocks":302400,' +
        '"electionPeriodRounds":1,"jailBlocks":302400,"slashFractionBps":500,"evidenceMaxAgeBlocks":43200}',
    )
    expect(tokenParams.defaults()).toEqual({
      minFee: 1_000n,
      blocksPerDay: 43_200,
      superNodeRewardLockDays: 730,
    })
  })
})
