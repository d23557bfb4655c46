import { existsSync } from 'node:fs'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { DEFAULT_KDF, generateMnemonic, Keystore } from '../cli/keystore.js'
import { CLI, runCli } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'
const VALIDATOR = 'gat15yk64u7zc9g9k2yr2wmzeva5qgwxps6yr03wyz'
const PRIVATE_KEY = '11'.repeat(32)

describe('keystore (in process)', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  beforeAll(async () => {
    tmp = await tempDir('gather-keystore-')
  })
  afterAll(() => tmp.cleanup())

  test('uses scrypt N=2^15, r=8, p=1', () => {
    expect(DEFAULT_KDF).toEqual({ name: 'scrypt', n: 32768, r: 8, p: 1, dklen: 32 })
  })

  test('round trip: a mnemonic key is encrypted at rest, mode 0600, and unlocks with its passphrase', async () => {
    const store = new Keystore(join(tmp.dir, 'a'))
    const info = await store.add(
      'faucet',
      { type: 'mnemonic', mnemonic: TEST_MNEMONIC, index: 1 },
      'passphrase1',
    )
    expect(info).toMatchObject({ name: 'faucet', address: FAUCET, type: 'mnemonic', index: 1 })

    const path = store.pathOf('faucet')
    const bytes = await readFile(path, 'utf8')
    expect(bytes).not.toContain('junk')
    expect(bytes).not.toContain('test test')
    const file = JSON.parse(bytes) as Record<string, unknown>
    expect(file).toMatchObject({ version: 1, name: 'faucet', address: FAUCET, kdf: DEFAULT_KDF })
    for (const field of ['salt', 'iv', 'ciphertext', 'tag', 'pubkey'])
      expect({ field, value: file[field] }).toEqual({ field, value: expect.stringMatching(/^[0-9a-f]+$/) })
    expect((file.salt as string).length).toBe(32)
    expect((await stat(path)).mode & 0o777).toBe(0o600)

    const { secret, key } = await store.unlock('faucet', 'passphrase1')
    expect(secret).toEqual({ type: 'mnemonic', mnemonic: TEST_MNEMONIC, index: 1 })
    expect(key.address).toBe(FAUCET)
  })

  test('a wrong passphrase is a one-line error naming the key', async () => {
    const store = new Keystore(join(tmp.dir, 'a'))
    await expect(store.unlock('faucet', 'passphrase2')).rejects.toThrow(/^wrong passphrase for key faucet/)
  })

  test('a tampered public field fails decryption (it is authenticated)', async () => {
    const store = new Keystore(join(tmp.dir, 't'))
    await store.add('k', { type: 'mnemonic', mnemonic: TEST_MNEMONIC, index: 0 }, 'passphrase1')
    const path = store.pathOf('k')
    const f = JSON.parse(await readFile(path, 'utf8')) as { address: string }
    await writeFile(path, JSON.stringify({ ...f, address: FAUCET }))
    await expect(store.unlock('k', 'passphrase1')).rejects.toThrow(/wrong passphrase for key k/)
  })

  test('raw private keys, list, show and delete', async () => {
    const store = new Keystore(join(tmp.dir, 'b'))
    expect(await store.list()).toEqual([])
    const raw = await store.add(
      'raw',
      { type: 'privateKey', privateKey: Buffer.from(PRIVATE_KEY, 'hex') },
      'passphrase1',
    )
    expect(raw.type).toBe('privateKey')
    expect(await readFile(store.pathOf('raw'), 'utf8')).not.toContain(PRIVATE_KEY)
    await store.add('val', { type: 'mnemonic', mnemonic: TEST_MNEMONIC, index: 0 }, 'passphrase1')
    expect((await store.list()).map((k) => [k.name, k.address])).toEqual([
      ['raw', raw.address],
      ['val', VALIDATOR],
    ])
    const shown = await store.show('val')
    expect(Object.keys(shown).sort()).toEqual(['address', 'createdAt', 'index', 'name', 'pubkey', 'type'])
    const { secret } = await store.unlock('raw', 'passphrase1')
    expect(secret.type === 'privateKey' && Buffer.from(secret.privateKey).toString('hex')).toBe(PRIVATE_KEY)
    await expect(
      store.add('val', { type: 'mnemonic', mnemonic: TEST_MNEMONIC, index: 0 }, 'x'),
    ).rejects.toThrow(/key val already exists/)
    await store.delete('val')
    expect((await store.list()).map((k) => k.name)).toEqual(['raw'])
    await expect(store.show('val')).rejects.toThrow(/no key named val/)
  })

  test.each(['', 'Alice', 'a b', 'a/b', '../x', 'x'.repeat(33), 'é'])(
    'bad key name %j is refused',
    async (name) => {
      const store = new Keystore(join(tmp.dir, 'c'))
      await expect(
        store.add(name, { type: 'mnemonic', mnemonic: TEST_MNEMONIC, index: 0 }, 'p'),
      ).rejects.toThrow(/^invalid key name/)
    },
  )

  test('new mnemonics have 24 words and differ', () => {
    const a = generateMnemonic()
    expect(a.split(' ')).toHaveLength(24)
    expect(generateMnemonic()).not.toBe(a)
  })
})

describe('`gather keys` (processes)', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let home: string
  let pass: string
  beforeAll(async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    tmp = await tempDir('gather-cli-keys-')
    home = join(tmp.dir, 'home')
    pass = join(tmp.dir, 'pass.txt')
    await writeFile(pass, 'passphrase1\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'm.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
  })
  afterAll(() => tmp.cleanup())

  test('add prints a fresh mnemonic once, with a warning; show and list never do', async () => {
    const added = await runCli(['keys', 'add', 'alice', '--home', home, '--passphrase-file', pass, '--json'])
    expect(added.code).toBe(0)
    expect(added.stderr).toMatch(/WARNING: the mnemonic below is shown this once/)
    const a = JSON.parse(added.stdout) as { address: string; mnemonic: string }
    expect(a.mnemonic.split(' ')).toHaveLength(24)
    expect(await readFile(join(home, 'keys', 'alice.json'), 'utf8')).not.toContain(a.mnemonic)

    const shown = await runCli(['keys', 'show', 'alice', '--home', home])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toMatch(new RegExp(`^address +${a.address}$`, 'm'))
    expect(shown.stdout).not.toContain(a.mnemonic)

    const listed = await runCli(['keys', 'list', '--home', home, '--json'])
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ name: 'alice', address: a.address }),
    ])
    expect(listed.stdout).not.toContain(a.mnemonic)
  })

  test('import from a mnemonic file at an index, then export reveals it with a warning', async () => {
    const imp = await runCli([
      'keys',
      'import',
      'faucet',
      '--mnemonic-file',
      join(tmp.dir, 'm.txt'),
      '--index',
      '1',
      '--home',
      home,
      '--passphrase-file',
      pass,
    ])
    expect(imp.code).toBe(0)
    expect(imp.stdout).toMatch(new RegExp(`^address +${FAUCET}$`, 'm'))

    const exp = await runCli(['keys', 'export', 'faucet', '--home', home, '--json'], {
      GATHER_PASSPHRASE: 'passphrase1',
    })
    expect(exp.code).toBe(0)
    expect(exp.stderr).toMatch(/WARNING/)
    expect(JSON.parse(exp.stdout)).toEqual({
      name: 'faucet',
      address: FAUCET,
      mnemonic: TEST_MNEMONIC,
      index: 1,
    })

    const wrong = await runCli(['keys', 'export', 'faucet', '--home', home], {
      GATHER_PASSPHRASE: 'nope-nope',
    })
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toBe('')
    expect(wrong.stderr).toMatch(/^error: wrong passphrase for key faucet[^\n]*\n$/)
  })

  test('import refuses a bad mnemonic, a bad name, an existing name and a missing passphrase source', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['keys', 'import', 'x1', '--home', home, '--passphrase-file', pass],
        { GATHER_MNEMONIC: 'not a mnemonic' },
        /^error: invalid mnemonic/,
      ],
      [['keys', 'import', 'Bad Name', '--home', home], {}, /^error: invalid key name "Bad Name"/],
      [
        ['keys', 'import', 'faucet', '--home', home, '--passphrase-file', pass],
        { GATHER_MNEMONIC: TEST_MNEMONIC },
        /^error: key faucet already exists/,
      ],
      [
        ['keys', 'import', 'x2', '--home', home],
        { GATHER_MNEMONIC: TEST_MNEMONIC },
        /^error: a passphrase is needed for key x2: pass --passphrase-file FILE, set GATHER_PASSPHRASE/,
      ],
      [
        ['keys', 'import', 'x3', '--home', home],
        {},
        /^error: a mnemonic is needed: pass --mnemonic-file FILE, set GATHER_MNEMONIC/,
      ],
      [
        ['keys', 'add', 'x4', '--home', home],
        { GATHER_PASSPHRASE: 'short' },
        /^error: the passphrase must have at least 8 characters/,
      ],
      [['keys', 'show', 'nobody', '--home', home], {}, /^error: no key named nobody/],
      [['keys', 'import', 'x5', '--index', '-1', '--home', home], {}, /^error: /],
    ]
    for (const [args, env, err] of cases) {
      const r = await runCli(args, env)
      expect({ args, code: r.code }).toEqual({ args, code: 1 })
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: expect.stringMatching(err) })
      expect({ args, lines: r.stderr.trimEnd().split('\n').length }).toEqual({ args, lines: 1 })
    }
    const listed = await runCli(['keys', 'list', '--home', home, '--json'])
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((k) => k.name)).toEqual(['alice', 'faucet'])
  })

  test('delete needs --yes without a terminal', async () => {
    const refused = await runCli(['keys', 'delete', 'alice', '--home', home])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: refusing to delete key alice without confirmation: pass --yes/)
    const deleted = await runCli(['keys', 'delete', 'alice', '--yes', '--home', home])
    expect(deleted.code).toBe(0)
    expect(existsSync(join(home, 'keys', 'alice.json'))).toBe(false)
    const listed = await runCli(['keys', 'list', '--home', home])
    expect(listed.stdout).toMatch(/^faucet +gat1/m)
    expect(listed.stdout).not.toContain('alice')
  })

  test('every command has --help with examples; usage errors are one line with exit 1', async () => {
    const commands = [
      [],
      ['devnet'],
      ['init'],
      ['start'],
      ['keys'],
      ['keys', 'add'],
      ['keys', 'import'],
      ['keys', 'list'],
      ['keys', 'show'],
      ['keys', 'export'],
      ['keys', 'delete'],
      ['tx'],
      ['tx', 'transfer'],
      ['query'],
      ['query', 'status'],
      ['query', 'block'],
      ['query', 'tx'],
      ['query', 'account'],
      ['query', 'supply'],
      ['query', 'proof'],
    ]
    const results = await Promise.all(commands.map((cmd) => runCli([...cmd, '--help'])))
    for (const [i, cmd] of commands.entries()) {
      const r = results[i]!
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 })
      expect({ cmd, examples: r.stdout.includes('Examples:\n  $ gather') }).toEqual({ cmd, examples: true })
    }
    const bad = await runCli(['keys', 'list', '--bogus'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe("error: unknown option '--bogus' (see --help)\n")
    const missing = await runCli(['tx', 'transfer', 'faucet'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^error: missing required argument 'to-address' \(see --help\)\n$/)
  })
})
