import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { generateMnemonic } from '../cli/keystore.js'
import { DEVNET_FAUCET_UGAT, devnetKeys } from '../genesis/devnet.js'
import { runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

/** Secrets on disk and on the command line: files others can read are refused, `ps` never shows a mnemonic we asked for. */
describe('secret files and the devnet mnemonic', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  beforeAll(async () => {
    tmp = await tempDir('gather-cli-secrets-')
  })
  afterAll(() => tmp.cleanup())

  test('a passphrase, mnemonic or private-key file that other users can read or write is refused, with the fix', async () => {
    const home = join(tmp.dir, 'keys')
    const cases: { mode: number; args: (f: string) => string[]; what: string }[] = [
      {
        mode: 0o644,
        what: 'passphrase',
        args: (f) => ['keys', 'add', 'a1', '--home', home, '--passphrase-file', f],
      },
      {
        mode: 0o640,
        what: 'passphrase',
        args: (f) => ['keys', 'add', 'a2', '--home', home, '--passphrase-file', f],
      },
      {
        mode: 0o602,
        what: 'passphrase',
        args: (f) => ['keys', 'add', 'a3', '--home', home, '--passphrase-file', f],
      },
      {
        mode: 0o644,
        what: 'mnemonic',
        args: (f) => ['keys', 'import', 'm1', '--home', home, '--mnemonic-file', f],
      },
      {
        mode: 0o604,
        what: 'private key',
        args: (f) => ['keys', 'import', 'p1', '--home', home, '--private-key-file', f],
      },
    ]
    for (const [i, c] of cases.entries()) {
      const file = join(tmp.dir, `secret-${i}.txt`)
      await writeFile(file, c.what === 'mnemonic' ? `${TEST_MNEMONIC}\n` : 'correct horse battery staple\n')
      await chmod(file, c.mode)
      const r = await runCli(c.args(file), { GATHER_PASSPHRASE: 'correct horse battery staple' })
      const mode = c.mode.toString(8).padStart(4, '0')
      expect({ case: i, code: r.code, stdout: r.stdout }).toEqual({ case: i, code: 1, stdout: '' })
      expect({ case: i, stderr: r.stderr }).toEqual({
        case: i,
        stderr: `error: ${c.what} file ${file} is accessible by other users (mode ${mode}); make it private with: chmod 600 ${file}\n`,
      })
    }
    // the same file made private is accepted
    const ok = join(tmp.dir, 'secret-ok.txt')
    await writeFile(ok, 'correct horse battery staple\n', { mode: 0o600 })
    const r = await runCli(['keys', 'add', 'a4', '--home', home, '--passphrase-file', ok, '--json'])
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/WARNING/) })
  })

  test('gather devnet takes its mnemonic from --mnemonic-file; --mnemonic still works but warns that ps shows it', async () => {
    const words = generateMnemonic()
    const keys = await devnetKeys(words)
    const file = join(tmp.dir, 'devnet-words.txt')
    await writeFile(file, `${words}\n`, { mode: 0o600 })

    const fromFile = await startDevnet(join(tmp.dir, 'dn-file'), 200, ['--mnemonic-file', file])
    try {
      const faucet = await fromFile.client.getAccount(keys.faucet.address)
      expect(faucet.balance.ugat).toBe(DEVNET_FAUCET_UGAT.toString())
      expect(fromFile.output()).not.toMatch(/PUBLIC test mnemonic/)
      expect(fromFile.output()).not.toMatch(/--mnemonic puts the mnemonic on the command line/)
    } finally {
      await fromFile.stop()
    }

    const fromFlag = await startDevnet(join(tmp.dir, 'dn-flag'), 200, ['--mnemonic', words])
    try {
      const faucet = await fromFlag.client.getAccount(keys.faucet.address)
      expect(faucet.balance.ugat).toBe(DEVNET_FAUCET_UGAT.toString())
      expect(fromFlag.output()).toMatch(
        /--mnemonic puts the mnemonic on the command line, where every local user can read it \(ps, \/proc\); use --mnemonic-file FILE or \$GATHER_MNEMONIC/,
      )
    } finally {
      await fromFlag.stop()
    }

    // both at once is ambiguous
    const both = await runCli([
      'devnet',
      '--home',
      join(tmp.dir, 'dn-both'),
      '--mnemonic-file',
      file,
      '--mnemonic',
      words,
    ])
    expect({ code: both.code, stderr: both.stderr }).toEqual({
      code: 1,
      stderr: 'error: give either --mnemonic-file or --mnemonic, not both\n',
    })
  })
})
