import type { Command } from 'commander'
import { hex } from '../../chain/hex.js'
import { columnTable, keyValueTable, output } from '../format.js'
import {
  generateMnemonic,
  type KeyInfo,
  type KeySecret,
  Keystore,
  keystoreDir,
  normalizeMnemonic,
  parsePrivateKeyHex,
} from '../keystore.js'
import { examples, homeOption, jsonOption, passphraseOption } from '../options.js'
import { canPrompt, getMnemonic, getPassphrase, promptLine, readSecretFile, unlockKey } from '../prompt.js'

interface HomeOpts {
  home: string
  json?: boolean
  passphraseFile?: string
}

function parseIndex(v: string): number {
  const n = Number(v)
  if (!/^[0-9]+$/.test(v) || !Number.isInteger(n) || n >= 0x80000000)
    throw new Error(`--index must be a whole number from 0 to 2147483647, got "${v}"`)
  return n
}

function infoRows(k: KeyInfo): [string, string][] {
  return [
    ['name', k.name],
    ['address', k.address],
    ['pubkey', k.pubkey],
    ['type', k.type === 'mnemonic' ? `mnemonic, m/44'/118'/0'/0/${k.index ?? 0}` : 'private key'],
    ['created', k.createdAt],
  ]
}

/** `gather keys add|import|list|show|export|delete`: the local encrypted keystore. */
export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('manage account keys in the encrypted keystore (<home>/keys)')
    .addHelpText(
      'after',
      `${examples('gather keys add alice', 'gather keys list', 'gather keys show alice --json')}

Each key is a file <home>/keys/<name>.json (mode 0600) encrypted with a passphrase (scrypt +
AES-256-GCM). The passphrase comes from --passphrase-file FILE, else $GATHER_PASSPHRASE, else a
hidden prompt on the terminal.`,
    )

  const add = keys
    .command('add <name>')
    .description('create a key from a new 24-word mnemonic (shown once)')
    .addHelpText(
      'after',
      examples('gather keys add alice', 'gather keys add bot --passphrase-file ./pass.txt --json'),
    )
  homeOption(add)
  passphraseOption(add)
  jsonOption(add).action(async (name: string, o: HomeOpts) => {
    const store = new Keystore(keystoreDir(o.home))
    store.pathOf(name)
    const passphrase = await getPassphrase(o, { keyName: name, confirm: true })
    const mnemonic = generateMnemonic()
    const info = await store.add(name, { type: 'mnemonic', mnemonic, index: 0 }, passphrase)
    process.stderr.write(
      '\nWARNING: the mnemonic below is shown this once. Write it down and keep it secret: anyone who has it controls the account.\n\n',
    )
    output(o.json, { ...info, mnemonic }, () => `${keyValueTable(infoRows(info))}\n\nmnemonic: ${mnemonic}`)
  })

  const imp = keys
    .command('import <name>')
    .description('import a key from a mnemonic (or a raw private key) and encrypt it')
    .option('--mnemonic-file <file>', 'read the mnemonic from FILE (else $GATHER_MNEMONIC, else a prompt)')
    .option('--index <n>', "HD account index: m/44'/118'/0'/0/<n>", '0')
    .option('--private-key-file <file>', 'import a raw secp256k1 private key (64 hex characters) from FILE')
    .addHelpText(
      'after',
      examples(
        'gather keys import alice                      # asks for the mnemonic and a passphrase',
        'gather keys import faucet --mnemonic-file words.txt --index 1 --passphrase-file pass.txt',
        'GATHER_MNEMONIC="word1 ... word24" GATHER_PASSPHRASE=... gather keys import bob',
        'gather keys import hot --private-key-file key.hex',
      ),
    )
  homeOption(imp)
  passphraseOption(imp)
  jsonOption(imp).action(
    async (name: string, o: HomeOpts & { mnemonicFile?: string; index: string; privateKeyFile?: string }) => {
      const store = new Keystore(keystoreDir(o.home))
      store.pathOf(name)
      let secret: KeySecret
      if (o.privateKeyFile !== undefined) {
        if (o.mnemonicFile !== undefined)
          throw new Error('give --mnemonic-file or --private-key-file, not both')
        secret = {
          type: 'privateKey',
          privateKey: parsePrivateKeyHex(await readSecretFile(o.privateKeyFile, 'private key')),
        }
      } else {
        const index = parseIndex(o.index)
        secret = { type: 'mnemonic', mnemonic: normalizeMnemonic(await getMnemonic(o)), index }
      }
      const passphrase = await getPassphrase(o, { keyName: name, confirm: true })
      const info = await store.add(name, secret, passphrase)
      output(o.json, info, () => keyValueTable(infoRows(info)))
    },
  )

  const list = keys
    .command('list')
    .description('list the keys of the keystore (no secrets)')
    .addHelpText('after', examples('gather keys list', 'gather keys list --home ~/.gather-devnet --json'))
  homeOption(list)
  jsonOption(list).action(async (o: HomeOpts) => {
    const all = await new Keystore(keystoreDir(o.home)).list()
    output(o.json, all, () =>
      all.length === 0
        ? `no keys in ${keystoreDir(o.home)} (create one with \`gather keys add <name>\`)`
        : columnTable(
            ['NAME', 'ADDRESS', 'TYPE'],
            all.map((k) => [
              k.name,
              k.address,
              k.type === 'mnemonic' ? `mnemonic/${k.index ?? 0}` : 'private key',
            ]),
          ),
    )
  })

  const show = keys
    .command('show <name>')
    .description('show the address and public key of a key (no secrets)')
    .addHelpText('after', examples('gather keys show alice', 'gather keys show alice --json'))
  homeOption(show)
  jsonOption(show).action(async (name: string, o: HomeOpts) => {
    const info = await new Keystore(keystoreDir(o.home)).show(name)
    output(o.json, info, () => keyValueTable(infoRows(info)))
  })

  const exp = keys
    .command('export <name>')
    .description('print the secret (mnemonic or private key) of a key, after its passphrase')
    .addHelpText(
      'after',
      `${examples('gather keys export alice', 'gather keys export alice --passphrase-file pass.txt --json')}

This is the only command that reveals secrets: keep its output away from logs and screens.`,
    )
  homeOption(exp)
  passphraseOption(exp)
  jsonOption(exp).action(async (name: string, o: HomeOpts) => {
    const { info, secret } = await unlockKey(o.home, name, o)
    process.stderr.write('WARNING: this is the secret of the key; anyone who sees it controls the account.\n')
    const exported =
      secret.type === 'mnemonic'
        ? { name, address: info.address, mnemonic: secret.mnemonic, index: secret.index }
        : { name, address: info.address, privateKey: hex(secret.privateKey) }
    output(o.json, exported, () =>
      keyValueTable(
        secret.type === 'mnemonic'
          ? [
              ['address', info.address],
              ['mnemonic', secret.mnemonic],
              ['index', String(secret.index)],
            ]
          : [
              ['address', info.address],
              ['private key', hex(secret.privateKey)],
            ],
      ),
    )
  })

  const del = keys
    .command('delete <name>')
    .description('delete a key file (its funds are lost unless you kept the mnemonic)')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples('gather keys delete old-key', 'gather keys delete old-key --yes'))
  homeOption(del)
  jsonOption(del).action(async (name: string, o: HomeOpts & { yes?: boolean }) => {
    const store = new Keystore(keystoreDir(o.home))
    const info = await store.show(name)
    if (o.yes !== true) {
      if (!canPrompt()) throw new Error(`refusing to delete key ${name} without confirmation: pass --yes`)
      const answer = await promptLine(`delete key ${name} (${info.address})? type its name to confirm: `)
      if (answer.trim() !== name) throw new Error('not confirmed; nothing deleted')
    }
    await store.delete(name)
    output(o.json, { deleted: name, address: info.address }, () => `deleted key ${name} (${info.address})`)
  })
}
