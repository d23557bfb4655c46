import { open } from 'node:fs/promises'
import { createInterface } from 'node:readline/promises'
import type { AccountKey } from '../chain/crypto/hd.js'
import { type KeyInfo, type KeySecret, Keystore, keystoreDir } from './keystore.js'

/** Environment variable holding a keystore passphrase (for scripts). */
export const PASSPHRASE_ENV = 'GATHER_PASSPHRASE'
/** Environment variable holding a mnemonic for `keys import` (for scripts). */
export const MNEMONIC_ENV = 'GATHER_MNEMONIC'
/** Shortest passphrase accepted for a new key. */
export const MIN_PASSPHRASE_LENGTH = 8

/** Whether a person can be asked (stdin is a terminal). */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true
}

/** A secret file refused for its permissions (not an I/O failure). */
class SecretFileError extends Error {}

/**
 * Reads a one-secret file: its content without the final line break. Like ssh with a private
 * key, a file that other users can read or write (any group or other permission bit) is refused:
 * its secret is already shared with them. Windows has no such mode bits; the check is skipped there.
 */
export async function readSecretFile(path: string, what: string): Promise<string> {
  let text: string
  try {
    // one descriptor for the check and the read, so the file checked is the file read
    const fh = await open(path, 'r')
    try {
      const mode = (await fh.stat()).mode & 0o777
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        throw new SecretFileError(
          `${what} file ${path} is accessible by other users (mode ${mode.toString(8).padStart(4, '0')}); make it private with: chmod 600 ${path}`,
        )
      }
      text = await fh.readFile('utf8')
    } finally {
      await fh.close()
    }
  } catch (e) {
    if (e instanceof SecretFileError) throw e
    throw new Error(
      `cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    )
  }
  return text.replace(/\r?\n$/, '')
}

/** Asks for a line on the terminal without echoing it (raw mode). */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin
  if (!canPrompt()) return Promise.reject(new Error('cannot prompt: stdin is not a terminal'))
  process.stderr.write(question)
  return new Promise((resolve, reject) => {
    let text = ''
    const finish = (err?: Error): void => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (err === undefined) resolve(text)
      else reject(err)
    }
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish()
          return
        }
        if (ch === '\u0003' || (ch === '\u0004' && text === '')) {
          finish(new Error('cancelled'))
          return
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1)
        else if (ch >= ' ') text += ch
      }
    }
    stdin.setEncoding('utf8')
    stdin.setRawMode(true)
    stdin.resume()
    stdin.on('data', onData)
  })
}

/** Asks a visible question on the terminal. */
export async function promptLine(question: string): Promise<string> {
  if (!canPrompt()) throw new Error('cannot prompt: stdin is not a terminal')
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return await rl.question(question)
  } finally {
    rl.close()
  }
}

/** Where a passphrase may come from. */
export interface PassphraseSource {
  passphraseFile?: string
}

/**
 * The keystore passphrase, from (in order) `--passphrase-file`, `$GATHER_PASSPHRASE`, or a hidden
 * prompt. With `confirm` (new keys) the prompt asks twice and a short passphrase is refused.
 */
export async function getPassphrase(
  src: PassphraseSource,
  o: { keyName: string; confirm: boolean },
): Promise<string> {
  let passphrase: string
  if (src.passphraseFile !== undefined) passphrase = await readSecretFile(src.passphraseFile, 'passphrase')
  else if (process.env[PASSPHRASE_ENV] !== undefined) passphrase = process.env[PASSPHRASE_ENV] ?? ''
  else if (canPrompt()) {
    passphrase = await promptHidden(`passphrase for key ${o.keyName}: `)
    if (o.confirm && (await promptHidden('repeat the passphrase: ')) !== passphrase)
      throw new Error('the two passphrases differ')
  } else {
    throw new Error(
      `a passphrase is needed for key ${o.keyName}: pass --passphrase-file FILE, set ${PASSPHRASE_ENV}, or run in a terminal to be asked`,
    )
  }
  if (passphrase === '') throw new Error('the passphrase is empty')
  if (o.confirm && passphrase.length < MIN_PASSPHRASE_LENGTH)
    throw new Error(`the passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`)
  return passphrase
}

/**
 * Unlocks keystore key `name` of `home`: an unknown name fails before any passphrase is asked
 * for, then the passphrase comes from {@link getPassphrase}.
 */
export async function unlockKey(
  home: string,
  name: string,
  src: PassphraseSource,
): Promise<{ info: KeyInfo; secret: KeySecret; key: AccountKey }> {
  const store = new Keystore(keystoreDir(home))
  await store.show(name)
  return store.unlock(name, await getPassphrase(src, { keyName: name, confirm: false }))
}

/** The mnemonic for `keys import`: `--mnemonic-file`, `$GATHER_MNEMONIC`, or a hidden prompt. */
export async function getMnemonic(src: { mnemonicFile?: string }): Promise<string> {
  if (src.mnemonicFile !== undefined) return readSecretFile(src.mnemonicFile, 'mnemonic')
  const env = process.env[MNEMONIC_ENV]
  if (env !== undefined) return env
  if (canPrompt()) return promptHidden('mnemonic (hidden): ')
  throw new Error(
    `a mnemonic is needed: pass --mnemonic-file FILE, set ${MNEMONIC_ENV}, or run in a terminal to be asked`,
  )
}
