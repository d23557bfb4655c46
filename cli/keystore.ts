import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Bip39, EnglishMnemonic, Random } from '@cosmjs/crypto'
import { addressFromPubkey } from '../chain/crypto/address.js'
import { type AccountKey, deriveAccountKey } from '../chain/crypto/hd.js'
import { publicKeyFromPrivateKey } from '../chain/crypto/secp256k1.js'
import { hex } from '../chain/hex.js'

/** Version of the key file format. */
export const KEYSTORE_VERSION = 1

/** Key names: lower-case letters, digits, `_` and `-`, 1 to 32 characters. */
export const KEY_NAME = /^[a-z0-9_-]{1,32}$/

/** scrypt parameters of a key file. */
export interface KdfParams {
  name: 'scrypt'
  n: number
  r: number
  p: number
  dklen: 32
}

/** The parameters new keys are encrypted with (scrypt N=2^15, r=8, p=1). */
export const DEFAULT_KDF: KdfParams = { name: 'scrypt', n: 2 ** 15, r: 8, p: 1, dklen: 32 }

/** What a key file protects: a mnemonic with its HD index, or a raw private key. */
export type KeySecret =
  | { type: 'mnemonic'; mnemonic: string; index: number }
  | { type: 'privateKey'; privateKey: Uint8Array }

/** The public part of a key, readable without the passphrase. */
export interface KeyInfo {
  name: string
  type: KeySecret['type']
  address: string
  /** compressed secp256k1 public key, hex */
  pubkey: string
  /** HD index for mnemonic keys (m/44'/118'/0'/0/index) */
  index?: number
  createdAt: string
}

/** A key file on disk. */
interface KeyFile extends KeyInfo {
  version: number
  kdf: KdfParams
  salt: string
  iv: string
  ciphertext: string
  tag: string
}

/** A 24-word English BIP-39 mnemonic from 256 bits of randomness. */
export function generateMnemonic(): string {
  return Bip39.encode(Random.getBytes(32)).toString()
}

/** The account key a secret stands for. */
export async function accountKeyOf(secret: KeySecret): Promise<AccountKey> {
  if (secret.type === 'mnemonic') return deriveAccountKey(secret.mnemonic, secret.index)
  const publicKey = publicKeyFromPrivateKey(secret.privateKey)
  return { privateKey: secret.privateKey, publicKey, address: addressFromPubkey(publicKey) }
}

/** Parses a hex private key (optionally `0x`-prefixed) as typed or stored in a file. */
export function parsePrivateKeyHex(text: string): Uint8Array {
  const hex = text.trim().replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('the private key must be 64 hex characters (32 bytes)')
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Checks a mnemonic is valid English BIP-39 and returns it with single spaces. */
export function normalizeMnemonic(mnemonic: string): string {
  const words = mnemonic.trim().split(/\s+/).join(' ')
  try {
    return new EnglishMnemonic(words).toString()
  } catch (e) {
    throw new Error(`invalid mnemonic: ${(e as Error).message}`)
  }
}

/** Throws unless `name` is a valid key name. */
export function assertKeyName(name: string): void {
  if (!KEY_NAME.test(name)) {
    throw new Error(
      `invalid key name "${name}": use 1 to 32 lower-case letters, digits, "_" or "-" (e.g. faucet, my-key_2)`,
    )
  }
}

/** The keystore folder of a home: `<home>/keys`. */
export function keystoreDir(home: string): string {
  return join(resolve(home), 'keys')
}

function deriveKey(passphrase: string, salt: Buffer, kdf: KdfParams): Promise<Buffer> {
  return new Promise((res, rej) => {
    scrypt(
      passphrase.normalize('NFKC'),
      salt,
      kdf.dklen,
      { N: kdf.n, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.n * kdf.r },
      (err, key) => (err === null ? res(key) : rej(err)),
    )
  })
}

function serializeSecret(secret: KeySecret): Buffer {
  return Buffer.from(
    JSON.stringify(
      secret.type === 'mnemonic' ? secret : { type: 'privateKey', privateKey: hex(secret.privateKey) },
    ),
    'utf8',
  )
}

function parseSecret(bytes: Buffer): KeySecret {
  const j = JSON.parse(bytes.toString('utf8')) as {
    type?: unknown
    mnemonic?: unknown
    index?: unknown
    privateKey?: unknown
  }
  if (j.type === 'mnemonic' && typeof j.mnemonic === 'string' && typeof j.index === 'number')
    return { type: 'mnemonic', mnemonic: j.mnemonic, index: j.index }
  if (j.type === 'privateKey' && typeof j.privateKey === 'string')
    return { type: 'privateKey', privateKey: parsePrivateKeyHex(j.privateKey) }
  throw new Error('unknown secret format')
}

/** The authenticated-but-not-encrypted part of a key file: tampering with it fails decryption. */
function associatedData(f: Pick<KeyFile, 'version' | 'type' | 'address' | 'pubkey'>): Buffer {
  return Buffer.from(`gather-keystore:${f.version}:${f.type}:${f.address}:${f.pubkey}`, 'utf8')
}

/**
 * Account keys kept in `<home>/keys/<name>.json`, each encrypted at rest with a passphrase:
 * scrypt derives a 256-bit key that AES-256-GCM uses over the secret. Files are mode 0600.
 */
export class Keystore {
  /** @param dir - the keystore folder (see {@link keystoreDir}) */
  constructor(
    readonly dir: string,
    private readonly kdf: KdfParams = DEFAULT_KDF,
  ) {}

  /** Path of a key's file. */
  pathOf(name: string): string {
    assertKeyName(name)
    return join(this.dir, `${name}.json`)
  }

  /** Encrypts and stores a new key; refuses to replace an existing one. */
  async add(name: string, secret: KeySecret, passphrase: string): Promise<KeyInfo> {
    const path = this.pathOf(name)
    const key = await accountKeyOf(secret)
    const salt = randomBytes(16)
    const iv = randomBytes(12)
    const info: KeyInfo = {
      name,
      type: secret.type,
      address: key.address,
      pubkey: hex(key.publicKey),
      ...(secret.type === 'mnemonic' ? { index: secret.index } : {}),
      createdAt: new Date().toISOString(),
    }
    const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, this.kdf), iv)
    cipher.setAAD(associatedData({ version: KEYSTORE_VERSION, ...info }))
    const ciphertext = Buffer.concat([cipher.update(serializeSecret(secret)), cipher.final()])
    const file: KeyFile = {
      version: KEYSTORE_VERSION,
      ...info,
      kdf: this.kdf,
      salt: salt.toString('hex'),
      iv: iv.toString('hex'),
      ciphertext: ciphertext.toString('hex'),
      tag: cipher.getAuthTag().toString('hex'),
    }
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    try {
      await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST')
        throw new Error(`key ${name} already exists (${path}); delete it first or pick another name`)
      throw e
    }
    await chmod(path, 0o600)
    return info
  }

  /** The public part of a key. */
  async show(name: string): Promise<KeyInfo> {
    const f = await this.read(name)
    return publicInfo(f)
  }

  /** Every key, sorted by name. */
  async list(): Promise<KeyInfo[]> {
    let entries: string[]
    try {
      entries = await readdir(this.dir)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw e
    }
    const names = entries
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .filter((n) => KEY_NAME.test(n))
      .sort()
    return Promise.all(names.map((n) => this.show(n)))
  }

  /** Decrypts a key's secret; a wrong passphrase is a one-line error naming the key. */
  async unlock(
    name: string,
    passphrase: string,
  ): Promise<{ info: KeyInfo; secret: KeySecret; key: AccountKey }> {
    const f = await this.read(name)
    let plain: Buffer
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        await deriveKey(passphrase, Buffer.from(f.salt, 'hex'), f.kdf),
        Buffer.from(f.iv, 'hex'),
      )
      decipher.setAAD(associatedData(f))
      decipher.setAuthTag(Buffer.from(f.tag, 'hex'))
      plain = Buffer.concat([decipher.update(Buffer.from(f.ciphertext, 'hex')), decipher.final()])
    } catch {
      throw new Error(`wrong passphrase for key ${name} (or its file ${this.pathOf(name)} was altered)`)
    }
    const secret = parseSecret(plain)
    const key = await accountKeyOf(secret)
    if (key.address !== f.address)
      throw new Error(`key ${name}: the decrypted secret does not match address ${f.address}`)
    return { info: publicInfo(f), secret, key }
  }

  /** Removes a key file. */
  async delete(name: string): Promise<void> {
    await this.read(name)
    await rm(this.pathOf(name))
  }

  private async read(name: string): Promise<KeyFile> {
    const path = this.pathOf(name)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error(`no key named ${name} in ${this.dir} (see \`gather keys list\`, or pass --home)`)
      throw e
    }
    let f: KeyFile
    try {
      f = JSON.parse(text) as KeyFile
    } catch {
      throw new Error(`${path} is not valid JSON`)
    }
    if (f.version !== KEYSTORE_VERSION || f.kdf?.name !== 'scrypt')
      throw new Error(`${path}: unsupported key file (version ${String(f.version)})`)
    return f
  }
}

function publicInfo(f: KeyFile): KeyInfo {
  return {
    name: f.name,
    type: f.type,
    address: f.address,
    pubkey: f.pubkey,
    ...(f.index === undefined ? {} : { index: f.index }),
    createdAt: f.createdAt,
  }
}
