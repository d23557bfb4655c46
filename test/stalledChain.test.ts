/**
 * The README's staking walk, made loud: against a real `gather devnet` process, GAT locked on a
 * node key nobody runs makes that node a super node at the next election. With the devnet's one
 * validator and that node the quorum is ⌊2·2/3⌋+1 = 2 of 2 votes, which the validator alone
 * never reaches: finality stops while blocks keep coming (at half the rate). `/health` must turn
 * 503 naming the finality lag, the node must warn, `chain_getStatus.finalityLag` and
 * `gather_finality_lag_blocks` must grow; unlocking the GAT lets the next election drop the node
 * and `/health` must return to 200.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { generateNodeKey } from '../chain/crypto/ed25519.js'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

const BLOCK_TIME_MS = 300
/** one round of 21 slots: the test's limit, so a stall shows within a few rounds */
const MAX_LAG = 21

interface HealthBody {
  status: string
  reasons: string[]
  height: number
  finalHeight: number
  finalityLag: number
  headAgeMs: number
}

interface LogLine {
  level: number
  msg: string
  [k: string]: unknown
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('a devnet that elects a node nobody runs', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let keysHome: string
  let passFile: string
  const nodeId = Buffer.from(generateNodeKey().publicKey).toString('hex')

  /** `gather <args> --json` against the devnet with the test keystore; throws with stderr on failure. */
  const gather = async <T>(args: string[]): Promise<T> => {
    const keystore = ['--home', keysHome, '--passphrase-file', passFile]
    const r = await runCli([
      ...args,
      '--json',
      ...(args[0] === 'keys' ? keystore : ['--rpc', devnet!.rpc, ...keystore]),
    ])
    if (r.code !== 0) throw new Error(`gather ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  const health = async (): Promise<{ code: number; body: HealthBody }> => {
    const res = await fetch(new URL('/health', devnet!.rpc))
    return { code: res.status, body: (await res.json()) as HealthBody }
  }
  const metric = async (name: string, labels = ''): Promise<number | undefined> => {
    const text = await (await fetch(new URL('/metrics', devnet!.rpc))).text()
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `))
    return line === undefined ? undefined : Number(line.split(' ')[1])
  }
  /** The devnet's JSON log lines so far. */
  const logs = (): LogLine[] =>
    devnet!
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
  /** Polls `probe` until `done` holds for its value; fails after `timeoutMs` with the last value. */
  const waitFor = async <T>(
    what: string,
    probe: () => Promise<T>,
    done: (v: T) => boolean,
    timeoutMs: number,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs
    let last: T | undefined
    while (Date.now() < deadline) {
      last = await probe()
      if (done(last)) return last
      await sleep(BLOCK_TIME_MS)
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`)
  }
  const isSuperNode = async (): Promise<boolean> =>
    (await devnet!.client.getSuperNodes()).current.some((n) => n.nodeId === nodeId)

  beforeAll(async () => {
    tmp = await tempDir('gather-stalled-')
    keysHome = join(tmp.dir, 'client')
    passFile = join(tmp.dir, 'pass.txt')
    await writeFile(passFile, 'correct horse battery staple\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'mnemonic.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    devnet = await startDevnet(join(tmp.dir, 'devnet'), BLOCK_TIME_MS, [
      '--election-rounds',
      '1',
      '--unbonding-blocks',
      '20',
      '--max-finality-lag',
      String(MAX_LAG),
      '--log-level',
      'info',
    ])
  }, 60_000)

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('healthy at first: /health 200, finality keeps up', async () => {
    const h = await waitFor('a healthy devnet', health, (x) => x.code === 200, 10_000)
    expect(h.body).toMatchObject({ status: 'ok', reasons: [] })
    expect(h.body.finalityLag).toBeLessThanOrEqual(MAX_LAG)
    expect((await devnet!.client.getStatus()).finalityLag).toBeLessThanOrEqual(MAX_LAG)
  })

  let stalledFinal = 0

  test('GAT locked on a node nobody runs: it is elected, finality stalls, /health 503, a warning, the lag grows', async () => {
    for (const [name, index] of [
      ['validator', '0'],
      ['faucet', '1'],
    ] as const) {
      await gather([
        'keys',
        'import',
        name,
        '--mnemonic-file',
        join(tmp.dir, 'mnemonic.txt'),
        '--index',
        index,
      ])
    }
    const faucet = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'
    for (const args of [
      ['tx', 'issue-device', 'validator', faucet],
      ['tx', 'register-node', 'faucet', nodeId, '--moniker', 'nobody-runs-me'],
      ['tx', 'lock', 'faucet', nodeId, '150gat'],
    ]) {
      expect({ args, code: (await gather<{ code: number }>(args)).code }).toEqual({ args, code: 0 })
    }

    // the next election (every 21 slots) makes it a super node
    await waitFor('the node to be elected', isSuperNode, (x) => x, 30_000)

    const stalled = await waitFor('/health to turn 503', health, (x) => x.code === 503, 90_000)
    expect(stalled.body.status).toBe('degraded')
    expect(stalled.body.reasons).toEqual([
      expect.stringMatching(/^finality lags the head by \d+ blocks \(final \d+, head \d+; limit 21\)/),
    ])
    expect(stalled.body.finalityLag).toBeGreaterThan(MAX_LAG)
    stalledFinal = stalled.body.finalHeight

    // the warning: once when the lag crossed the limit
    const warn = await waitFor(
      'the finality warning in the log',
      async () => logs().filter((l) => l.msg.startsWith('finality stalled')),
      (x) => x.length > 0,
      5_000,
    )
    expect(warn).toHaveLength(1)
    expect(warn[0]).toMatchObject({ level: 40, maxFinalityLag: MAX_LAG, finalHeight: stalledFinal })
    // and the super node that does not produce, by node id
    const missing = logs().filter((l) => l.msg.startsWith('a super node keeps missing its slots'))
    expect(missing.length).toBeGreaterThan(0)
    expect(missing[0]).toMatchObject({ level: 40, producer: nodeId })
    expect(missing[0]!.missedSlots).toBeGreaterThan(1)

    // chain_getStatus and the metrics show the lag growing; the final height stays
    const first = await devnet!.client.getStatus()
    expect(first.finalityLag).toBe(first.height - first.finalHeight)
    expect(first.finalityLag).toBeGreaterThan(MAX_LAG)
    const later = await waitFor(
      'the lag to grow',
      () => devnet!.client.getStatus(),
      (s) => s.finalityLag > first.finalityLag,
      10_000,
    )
    expect(later.finalHeight).toBe(first.finalHeight)
    expect(await metric('gather_finality_lag_blocks')).toBeGreaterThan(MAX_LAG)
    expect(await metric('gather_missed_slots_total', `{producer="${nodeId}"}`)).toBeGreaterThan(0)
    expect(await metric('gather_health_ok')).toBe(0)
    expect(await metric('gather_final_height')).toBe(stalledFinal)
  }, 150_000)

  test('unlocking its GAT: the next election drops it, finality resumes, /health 200 again', async () => {
    const unlocked = await gather<{ code: number }>(['tx', 'unlock', 'faucet', nodeId, '150gat'])
    expect(unlocked.code).toBe(0)
    await waitFor('the node to leave the super nodes', isSuperNode, (x) => !x, 30_000)
    const healed = await waitFor('/health to return to 200', health, (x) => x.code === 200, 30_000)
    expect(healed.body).toMatchObject({ status: 'ok', reasons: [] })
    expect(healed.body.finalityLag).toBeLessThanOrEqual(MAX_LAG)
    expect(healed.body.finalHeight).toBeGreaterThan(stalledFinal)

    const resumed = await waitFor(
      'the finality resumed line',
      async () => logs().filter((l) => l.msg === 'finality resumed'),
      (x) => x.length > 0,
      5_000,
    )
    expect(resumed[0]).toMatchObject({ level: 30, maxFinalityLag: MAX_LAG })
    expect(await metric('gather_health_ok')).toBe(1)
    expect(await metric('gather_finality_lag_blocks')).toBeLessThanOrEqual(MAX_LAG)
  }, 90_000)
})
