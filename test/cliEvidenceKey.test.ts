import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { GatherClient } from '../rpc/client.js'
import { CLI, freePort, runCli, spawnCli } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

const PASSPHRASE = 'evidence-pass-1'

/** The JSON log lines of a node (stdout is not a terminal, so pino writes JSON). */
function logLines(out: string): { msg?: string; [k: string]: unknown }[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string })
}

describe('`gather start --evidence-key`', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let home: string
  let passFile: string
  let ownerAddress: string
  beforeAll(async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    tmp = await tempDir('gather-cli-evidence-')
    home = join(tmp.dir, 'node')
    passFile = join(tmp.dir, 'pass.txt')
    await writeFile(passFile, `${PASSPHRASE}\n`, { mode: 0o600 })
    const owner = await runCli(['keys', 'add', 'owner', '--home', home, '--json'], {
      GATHER_PASSPHRASE: PASSPHRASE,
    })
    expect(owner.code).toBe(0)
    ownerAddress = (JSON.parse(owner.stdout) as { address: string }).address
    const init = await runCli(['init', '--home', home, '--validator-key', 'owner', '--block-time', '200'])
    expect(init.code).toBe(0)
  })
  afterAll(() => tmp.cleanup())

  // These run before the node ever starts in this home: data/ appears only once a node opens.
  test.each<{ what: string; args: string[]; env: Record<string, string>; error: RegExp }>([
    {
      what: 'an unknown key name',
      args: ['--p2p-listen', '127.0.0.1:0', '--evidence-key', 'nobody', '--passphrase-file', 'PASS'],
      env: {},
      error: /^error: no key named nobody in .*\/keys \(see `gather keys list`, or pass --home\)$/,
    },
    {
      what: 'a key without --p2p-listen',
      args: ['--evidence-key', 'owner', '--passphrase-file', 'PASS'],
      env: {},
      error: /^error: --evidence-key needs --p2p-listen: only a node on the network sees double signing$/,
    },
    {
      what: '--passphrase-file without --evidence-key',
      args: ['--p2p-listen', '127.0.0.1:0', '--passphrase-file', 'PASS'],
      env: {},
      error: /^error: --passphrase-file needs --evidence-key/,
    },
    {
      what: 'a wrong passphrase ($GATHER_PASSPHRASE)',
      args: ['--p2p-listen', '127.0.0.1:0', '--evidence-key', 'owner'],
      env: { GATHER_PASSPHRASE: 'not the passphrase' },
      error: /^error: wrong passphrase for key owner/,
    },
    {
      what: 'no passphrase and no terminal to ask on',
      args: ['--p2p-listen', '127.0.0.1:0', '--evidence-key', 'owner'],
      env: {},
      error:
        /^error: a passphrase is needed for key owner: pass --passphrase-file FILE, set GATHER_PASSPHRASE/,
    },
  ])('$what: one-line error, exit 1, nothing started', async ({ args, env, error }) => {
    const rpcPort = await freePort()
    const r = await runCli(
      [
        'start',
        '--home',
        home,
        '--rpc-listen',
        `127.0.0.1:${rpcPort}`,
        ...args.map((a) => (a === 'PASS' ? passFile : a)),
      ],
      env,
    )
    expect(r.code).toBe(1)
    expect(r.stderr.trimEnd()).toMatch(error)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stdout).toBe('')
    expect(existsSync(join(home, 'data'))).toBe(false)
  })

  test('a valid key: the node starts on the network and logs the evidence signer address', async () => {
    const rpcPort = await freePort()
    const p2pPort = await freePort()
    const { child, output } = spawnCli([
      'start',
      '--home',
      home,
      '--rpc-listen',
      `127.0.0.1:${rpcPort}`,
      '--p2p-listen',
      `127.0.0.1:${p2pPort}`,
      '--evidence-key',
      'owner',
      '--passphrase-file',
      passFile,
      '--log-level',
      'info',
    ])
    const closed = new Promise<number | null>((r) => child.once('close', (code) => r(code)))
    try {
      const deadline = Date.now() + 20_000
      while (!output().includes('evidence signer set') && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100))
      const lines = logLines(output())
      const signerLine = lines.find((l) => l.msg?.startsWith('evidence signer set'))
      expect(signerLine).toMatchObject({ level: 30, evidenceSigner: ownerAddress })
      expect(lines.some((l) => l.msg === 'p2p network running')).toBe(true)
      // the owner holds genesis GAT, so no "no account" warning
      expect(output()).not.toContain('has no account')
      const status = await new GatherClient(`http://127.0.0.1:${rpcPort}/`, { timeoutMs: 2000 }).getStatus()
      expect(status.chainId).toBe('gather-local-1')
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM')
    }
    expect(await closed).toBe(0)
  })
})
