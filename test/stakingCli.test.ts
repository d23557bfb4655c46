import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { generateNodeKey } from '../chain/crypto/ed25519.js'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { CLI, type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

const VALIDATOR = 'gat15yk64u7zc9g9k2yr2wmzeva5qgwxps6yr03wyz'
const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'
// long enough for the five CLI calls below to finish before the release on a loaded machine
const UNBONDING_BLOCKS = 60

interface NodeJson {
  nodeId: string
  owner: string
  moniker: string
  power: string
  status: string
  superNode: boolean
  rank?: number
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * The staking flow through the `gather` CLI only, against a real `gather devnet` process with a
 * short unbonding period: keys, GMT issuance, node registration, locks from two accounts, the
 * election, unlock and unbonding, and the one-line errors of bad staking transactions.
 */
describe('staking from the CLI against a `gather devnet` process', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let keysHome: string
  let passFile: string
  let fresh: string
  const nodeId = Buffer.from(generateNodeKey().publicKey).toString('hex')

  /** `gather <args>`: tx and query get --rpc <devnet>; keystore commands --home and --passphrase-file. */
  const cli = (args: string[], keystore = false) =>
    runCli([
      ...args,
      ...(args[0] === 'keys' ? [] : ['--rpc', devnet!.rpc]),
      ...(keystore ? ['--home', keysHome, '--passphrase-file', passFile] : []),
    ])
  const ok = async <T>(args: string[], keystore = false): Promise<T> => {
    const r = await cli([...args, '--json'], keystore)
    if (r.code !== 0) throw new Error(`gather ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  /** Runs a command expected to fail: exit 1 and exactly one `error: ...` line. */
  const fails = async (args: string[], keystore = true): Promise<string> => {
    const r = await cli(args, keystore)
    expect({ args, code: r.code }).toEqual({ args, code: 1 })
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/)
    return r.stderr
  }
  const balance = async (address: string): Promise<bigint> =>
    BigInt((await ok<{ balance: { ugat: string } }>(['query', 'account', address])).balance.ugat)
  const height = async (): Promise<number> => (await ok<{ height: number }>(['query', 'status'])).height
  const keyAddress = async (name: string): Promise<string> =>
    (await ok<{ address: string }>(['keys', 'show', name, '--home', keysHome])).address

  beforeAll(async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    tmp = await tempDir('gather-staking-cli-')
    keysHome = join(tmp.dir, 'client')
    passFile = join(tmp.dir, 'pass.txt')
    await writeFile(passFile, 'correct horse battery staple\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'mnemonic.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    devnet = await startDevnet(join(tmp.dir, 'devnet'), 200, ['--unbonding-blocks', String(UNBONDING_BLOCKS)])
  }, 60_000)

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('keys: the validator (GMT issuer) and faucet from the test mnemonic, and a fresh key funded by transfer', async () => {
    for (const [name, index] of [
      ['validator', '0'],
      ['faucet', '1'],
    ] as const) {
      await ok(
        ['keys', 'import', name, '--mnemonic-file', join(tmp.dir, 'mnemonic.txt'), '--index', index],
        true,
      )
    }
    expect(await keyAddress('validator')).toBe(VALIDATOR)
    expect(await keyAddress('faucet')).toBe(FAUCET)
    fresh = (await ok<{ address: string }>(['keys', 'add', 'fresh'], true)).address

    const supply = await ok<{ gmt: { issuer: string } }>(['query', 'supply'])
    expect(supply.gmt.issuer).toBe(VALIDATOR)
    const params = await ok<{ unbondingBlocks: number; maxNodeLock: string }>(['query', 'staking-params'])
    expect(params).toMatchObject({ unbondingBlocks: UNBONDING_BLOCKS, maxNodeLock: '2000000000' })

    const sent = await ok<{ code: number }>(['tx', 'transfer', 'faucet', fresh, '100gat'], true)
    expect(sent.code).toBe(0)
    expect(await balance(fresh)).toBe(100_000_000n)
  })

  test('issue-device, register-node and locks from two accounts; the node is elected', async () => {
    const issued = await ok<{ code: number }>(['tx', 'issue-device', 'validator', fresh], true)
    expect(issued.code).toBe(0)
    const account = await ok<{ balance: { gmt: string }; gmtBound: string }>(['query', 'account', fresh])
    expect(account.balance.gmt).toBe('1')
    expect(account.gmtBound).toBe('0')

    const registered = await ok<{ code: number }>(
      ['tx', 'register-node', 'fresh', nodeId, '--moniker', 'cli-test-node'],
      true,
    )
    expect(registered.code).toBe(0)
    expect((await ok<{ gmtBound: string }>(['query', 'account', fresh])).gmtBound).toBe('1')

    const inactive = await ok<NodeJson>(['query', 'node', nodeId])
    expect(inactive).toMatchObject({
      nodeId,
      owner: fresh,
      moniker: 'cli-test-node',
      power: '0',
      status: 'inactive',
    })

    const before = await balance(fresh)
    expect((await ok<{ code: number }>(['tx', 'lock', 'fresh', nodeId, '10gat'], true)).code).toBe(0)
    expect(await balance(fresh)).toBe(before - 10_000_000n - 1000n)
    expect((await ok<{ code: number }>(['tx', 'lock', 'faucet', nodeId, '20000000ugat'], true)).code).toBe(0)

    expect(await ok(['query', 'locks', fresh])).toEqual({
      address: fresh,
      total: '10000000',
      locks: [{ nodeId, amount: '10000000' }],
    })
    const faucetLocks = await ok<{ locks: { nodeId: string; amount: string }[] }>(['query', 'locks', FAUCET])
    expect(faucetLocks.locks).toContainEqual({ nodeId, amount: '20000000' })

    const node = await ok<NodeJson>(['query', 'node', nodeId])
    expect(node).toMatchObject({ owner: fresh, power: '30000000', status: 'active' })

    // At the next election boundary (21 slots of 200 ms) the node joins the super nodes.
    const deadline = Date.now() + 30_000
    let current: NodeJson[] = []
    while (Date.now() < deadline) {
      const sn = await ok<{ current: NodeJson[]; next: NodeJson[] }>(['query', 'super-nodes'])
      expect(sn.next.map((n) => n.nodeId)).toContain(nodeId)
      current = sn.current
      if (current.some((n) => n.nodeId === nodeId)) break
      await sleep(300)
    }
    expect(current.map((n) => [n.rank, n.owner])).toEqual([
      [1, VALIDATOR],
      [2, fresh],
    ])
    expect(await ok<NodeJson>(['query', 'node', nodeId])).toMatchObject({
      owner: fresh,
      power: '30000000',
      status: 'active',
      superNode: true,
    })

    const table = await cli(['query', 'super-nodes'])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('cli-test-node')
    expect(table.stdout).toContain('RANK')
  }, 90_000)

  test('unlock: unbonding until the release height, then the coins return', async () => {
    const before = await balance(fresh)
    const unlocked = await ok<{ code: number; height: number }>(
      ['tx', 'unlock', 'fresh', nodeId, '4gat'],
      true,
    )
    expect(unlocked.code).toBe(0)
    const releaseHeight = unlocked.height + UNBONDING_BLOCKS

    // Only the fee is gone, and the coins are not back before the release height: read first,
    // over RPC (milliseconds, not a CLI process each), balance before height — a height below
    // the release read after the balance proves the balance was read before the release
    const unbonding = BigInt((await devnet!.client.getAccount(fresh)).balance.ugat)
    expect((await devnet!.client.getStatus()).height).toBeLessThan(releaseHeight)
    expect(unbonding).toBe(before - 1000n)

    expect(await ok(['query', 'unbonding', fresh])).toEqual({
      address: fresh,
      total: '4000000',
      entries: [{ nodeId, amount: '4000000', releaseHeight }],
    })
    const table = await cli(['query', 'unbonding', fresh])
    expect(table.stdout).toContain(String(releaseHeight))
    expect((await ok<NodeJson>(['query', 'node', nodeId])).power).toBe('26000000')
    expect((await ok<{ total: string }>(['query', 'locks', fresh])).total).toBe('6000000')

    // The new node's slots are missed (nothing runs it): blocks come at half the rate.
    const deadline = Date.now() + 60_000
    while ((await height()) < releaseHeight && Date.now() < deadline) await sleep(200)
    expect(await height()).toBeGreaterThanOrEqual(releaseHeight)
    expect(await balance(fresh)).toBe(before - 1000n + 4_000_000n)
    expect(await ok(['query', 'unbonding', fresh])).toEqual({ address: fresh, total: '0', entries: [] })
  }, 90_000)

  test('bad staking transactions are one-line errors with exit status 1', async () => {
    expect(await fails(['tx', 'issue-device', 'faucet', fresh])).toMatch(
      /only the GMT issuer gat1.+ may issue GMT.*TOKEN_NOT_GMT_ISSUER/,
    )
    expect(await fails(['tx', 'register-node', 'validator', nodeId])).toMatch(
      /already registered.*STAKING_NODE_EXISTS/,
    )

    const sn = await ok<{ current: NodeJson[] }>(['query', 'super-nodes'])
    const validatorNode = sn.current.find((n) => n.owner === VALIDATOR)!
    expect(validatorNode.power).toBe('1000000000')
    expect(await fails(['tx', 'lock', 'faucet', validatorNode.nodeId, '1500gat'])).toMatch(
      /has 1000 GAT locked; at most 1000 GAT \(1000000000 ugat\) more fits under its cap of 2000 GAT.*STAKING_LOCK_CAP_EXCEEDED/,
    )
    expect(await fails(['tx', 'unlock', 'faucet', nodeId, '21gat'])).toMatch(
      /has 20000000 ugat locked on node [0-9a-f]{64}; cannot unlock 21000000 ugat.*STAKING_UNLOCK_EXCEEDS_LOCK/,
    )

    // Bad arguments are refused before anything is signed.
    expect(await fails(['tx', 'lock', 'faucet', 'not-a-node-id', '1gat'])).toMatch(
      /<node-id> "not-a-node-id"/,
    )
    expect(await fails(['tx', 'issue-device', 'validator', fresh, '0'])).toMatch(/\[count\] "0"/)
    expect(await fails(['query', 'node', 'ab'.repeat(32)], false)).toMatch(/node (ab){32} not found/)
  }, 60_000)

  test('transfer-node moves the node credential and its bound GMT; the locks stay', async () => {
    expect(await fails(['tx', 'transfer-node', 'faucet', nodeId, VALIDATOR])).toMatch(
      /STAKING_NOT_NODE_OWNER/,
    )
    const moved = await ok<{ code: number }>(['tx', 'transfer-node', 'fresh', nodeId, FAUCET], true)
    expect(moved.code).toBe(0)
    expect(await ok<NodeJson>(['query', 'node', nodeId])).toMatchObject({ owner: FAUCET, power: '26000000' })
    expect(await ok(['query', 'account', fresh])).toMatchObject({ balance: { gmt: '0' }, gmtBound: '0' })
    expect(await ok(['query', 'account', FAUCET])).toMatchObject({ balance: { gmt: '1' }, gmtBound: '1' })
    expect((await ok<{ total: string }>(['query', 'locks', fresh])).total).toBe('6000000')
  }, 30_000)
})
