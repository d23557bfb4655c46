import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'

/** `gather tx burn` and the supply table against a `gather devnet --check-invariants` process. */
describe('burning from the CLI on a devnet that checks its invariants', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let keys: string[]

  beforeAll(async () => {
    tmp = await tempDir('gather-burn-cli-')
    const pass = join(tmp.dir, 'pass.txt')
    await writeFile(pass, 'correct horse battery staple\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'mnemonic.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    keys = ['--home', join(tmp.dir, 'client'), '--passphrase-file', pass]
    devnet = await startDevnet(join(tmp.dir, 'devnet'), 200, ['--check-invariants'])
    const imported = await runCli([
      'keys',
      'import',
      'faucet',
      '--mnemonic-file',
      join(tmp.dir, 'mnemonic.txt'),
      '--index',
      '1',
      ...keys,
    ])
    expect(imported.code).toBe(0)
  }, 60_000)

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('tx burn: the coins leave the supply; query supply shows burned, staked and circulating', async () => {
    const before = await devnet!.client.getSupply()
    const r = await runCli(['tx', 'burn', 'faucet', '2.5gat', '--rpc', devnet!.rpc, ...keys])
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/burned\s+2\.5 GAT/)
    expect(r.stdout).toMatch(/code\s+0 \(success\)/)
    const after = await devnet!.client.getSupply()
    expect(BigInt(after.burned) - BigInt(before.burned)).toBe(2_500_000n + 1_000n)
    const held = [
      'staked',
      'unbonding',
      'rewardPool',
      'rewardsOutstanding',
      'rewardsUnclaimed',
      'vestingLocked',
    ] as const
    expect(BigInt(after.circulating)).toBe(held.reduce((c, k) => c - BigInt(after[k]), BigInt(after.total)))
    const table = await runCli(['query', 'supply', '--rpc', devnet!.rpc])
    expect(table.code).toBe(0)
    for (const row of ['burned', 'staked', 'unbonding', 'reward pool', 'circulating'])
      expect(table.stdout).toMatch(new RegExp(`^${row}\\s+\\S`, 'm'))
    // the node is still running: no block broke the invariants
    expect(devnet!.child.exitCode).toBeNull()
    expect(devnet!.output()).not.toMatch(/invariants broken/)
  })

  test('tx burn of more than the balance fails with one error line', async () => {
    const r = await runCli(['tx', 'burn', 'faucet', '100000000gat', '--rpc', devnet!.rpc, ...keys])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: [^\\n]*insufficient balance: ${FAUCET} has \\d+ ugat after fees, cannot burn 100000000000000 ugat[^\\n]*\\n$`,
      ),
    )
    const bad = await runCli(['tx', 'burn', 'faucet', '0', '--rpc', devnet!.rpc, ...keys])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^error: [^\n]+\n$/)
  })
})
