import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { waitFor } from './helpers/wait.js'

const VALIDATOR = 'gat15yk64u7zc9g9k2yr2wmzeva5qgwxps6yr03wyz'
const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'
const GAT = 1_000_000n

/**
 * `gather query rewards` and `gather tx claim-rewards` against a `gather devnet` process with
 * 5-block days (a day ends every second), checking its invariants before every commit.
 */
describe('rewards from the CLI', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let keys: string[]

  beforeAll(async () => {
    tmp = await tempDir('gather-rewards-cli-')
    const pass = join(tmp.dir, 'pass.txt')
    await writeFile(pass, 'correct horse battery staple\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'mnemonic.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    keys = ['--home', join(tmp.dir, 'client'), '--passphrase-file', pass]
    devnet = await startDevnet(join(tmp.dir, 'devnet'), 200, ['--check-invariants', '--blocks-per-day', '5'])
    for (const [name, index] of [
      ['validator', '0'],
      ['faucet', '1'],
    ] as const) {
      const r = await runCli([
        'keys',
        'import',
        name,
        '--mnemonic-file',
        join(tmp.dir, 'mnemonic.txt'),
        '--index',
        index,
        ...keys,
      ])
      expect(r.code).toBe(0)
    }
    // wait for the end of day 0 (block 5)
    await waitFor('the end of day 0', async () => (await devnet!.client.getStatus()).height >= 6)
  }, 60_000)

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('query rewards: the validator (only staker, only active node, only producer) has 95 % claimable and 5 % locked', async () => {
    const json = await runCli(['query', 'rewards', VALIDATOR, '--rpc', devnet!.rpc, '--json'])
    expect(json.code).toBe(0)
    const r = JSON.parse(json.stdout) as Record<string, string | number>
    expect(r).toMatchObject({ address: VALIDATOR, superNodeUnlockDay: 730, activeNodes: '1' })
    // whole days only: 19,000 GAT claimable and 1,000 GAT locked per finished day
    const days = BigInt(r.superNodeLocked as string) / (1_000n * GAT)
    expect(days).toBeGreaterThanOrEqual(1n)
    expect(BigInt(r.superNodeLocked as string)).toBe(days * 1_000n * GAT)
    expect(BigInt(r.claimable as string)).toBe(days * 19_000n * GAT)
    const table = await runCli(['query', 'rewards', VALIDATOR, '--rpc', devnet!.rpc])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^claimable\s+[\d.]+ GAT \(\d+ ugat\)$/m)
    expect(table.stdout).toMatch(/^super node \(5 %\), locked\s+[\d.]+ GAT \(\d+ ugat\) until day 730$/m)
    const bad = await runCli(['query', 'rewards', 'gat1nope', '--rpc', devnet!.rpc])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^error: [^\n]+\n$/)
  })

  test('tx claim-rewards pays the claimable rewards into the balance', async () => {
    const before = await devnet!.client.getAccount(VALIDATOR)
    const r = await runCli(['tx', 'claim-rewards', 'validator', '--rpc', devnet!.rpc, ...keys])
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/code\s+0 \(success\)/)
    const shown = BigInt(/^claiming\s+[\d.]+ GAT \((\d+) ugat\)$/m.exec(r.stdout)![1]!)
    expect(shown).toBeGreaterThan(0n)
    const after = await devnet!.client.getAccount(VALIDATOR)
    // at least what was shown (a day may have ended before the block), less the fee
    expect(BigInt(after.balance.ugat) - BigInt(before.balance.ugat)).toBeGreaterThanOrEqual(shown - 1_000n)
    expect(devnet!.output()).not.toMatch(/invariants broken/)
  })

  test('tx claim-rewards with nothing to claim stops before signing, with one error line', async () => {
    const r = await runCli(['tx', 'claim-rewards', 'faucet', '--rpc', devnet!.rpc, ...keys])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`error: ${FAUCET} has no rewards to claim\n`)
  })
})
