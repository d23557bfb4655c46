import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { GatherClient } from '../rpc/client.js'
import { CLI, freePort, runCli, spawnCli } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

describe('`gather init` + `gather start`', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  beforeAll(async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    tmp = await tempDir('gather-cli-node-')
  })
  afterAll(() => tmp.cleanup())

  test('init makes a single-validator home owned by a keystore key; start runs it and says where things are', async () => {
    const home = join(tmp.dir, 'node')
    const env = { GATHER_PASSPHRASE: 'passphrase1' }
    const owner = await runCli(['keys', 'add', 'owner', '--home', home, '--json'], env)
    expect(owner.code).toBe(0)
    const ownerAddress = (JSON.parse(owner.stdout) as { address: string }).address

    const noKey = await runCli(['init', '--home', home])
    expect(noKey.code).toBe(1)
    expect(noKey.stderr).toMatch(/^error: give --validator-key NAME/)

    const init = await runCli([
      'init',
      '--home',
      home,
      '--validator-key',
      'owner',
      '--chain-id',
      'cli-test-1',
      '--moniker',
      'alpha',
      '--block-time',
      '200',
      '--balance',
      '42gat',
      '--json',
    ])
    expect(init.stderr).toBe('')
    expect(init.code).toBe(0)
    expect(JSON.parse(init.stdout)).toMatchObject({ chainId: 'cli-test-1', validator: true })
    const genesis = JSON.parse(await readFile(join(home, 'config', 'genesis.json'), 'utf8')) as {
      validators: { name: string; owner: string }[]
    }
    expect(genesis.validators).toEqual([expect.objectContaining({ name: 'alpha', owner: ownerAddress })])

    const again = await runCli(['init', '--home', home, '--validator-key', 'owner'])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already has a genesis; refusing to overwrite it/)

    const port = await freePort()
    const { child, output } = spawnCli([
      'start',
      '--home',
      home,
      '--rpc-listen',
      `127.0.0.1:${port}`,
      '--log-level',
      'info',
    ])
    try {
      const client = new GatherClient(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 })
      let height = 0
      for (let i = 0; i < 150 && height < 2; i++) {
        await new Promise((r) => setTimeout(r, 100))
        height = await client.getStatus().then(
          (s) => s.height,
          () => 0,
        )
      }
      expect(height).toBeGreaterThanOrEqual(2)
      // 42 GAT at genesis, of which the minimum lock (1 GAT) is locked on the node
      expect((await client.getAccount(ownerAddress)).balance.ugat).toBe('41000000')
      expect(output()).toContain('node running')
      expect(output()).toContain(`http://127.0.0.1:${port}/metrics`)
      expect(output()).toContain(join(home, 'data'))
    } finally {
      const closed = new Promise((r) => child.once('close', r))
      child.kill('SIGTERM')
      await closed
    }
  })

  test('init --genesis validates the file', async () => {
    const bad = join(tmp.dir, 'bad-genesis.json')
    await writeFile(bad, JSON.stringify({ chainId: 'X' }))
    const r = await runCli(['init', '--home', join(tmp.dir, 'other'), '--genesis', bad])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: [^\n]*bad-genesis\.json: invalid genesis: chainId: /)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  })
})
