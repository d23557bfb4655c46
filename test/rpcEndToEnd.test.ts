import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeSecp256k1Pubkey, makeCosmoshubPath } from '@cosmjs/amino'
import {
  DirectSecp256k1HdWallet,
  encodePubkey,
  makeAuthInfoBytes,
  makeSignDoc,
  Registry,
} from '@cosmjs/proto-signing'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { messageTypes } from '../chain/codec/index.js'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { CLI, type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { waitFor } from './helpers/wait.js'

const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'
const PASSPHRASE = 'correct horse battery staple'

describe('JSON-RPC and CLI end to end against a `gather devnet` process', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let recipient: string
  let keysHome: string
  let passFile: string

  const balance = async (address: string): Promise<bigint> =>
    BigInt((await devnet!.client.getAccount(address)).balance.ugat)

  beforeAll(async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    tmp = await tempDir('gather-e2e-')
    keysHome = join(tmp.dir, 'client')
    passFile = join(tmp.dir, 'pass.txt')
    await writeFile(passFile, `${PASSPHRASE}\n`, { mode: 0o600 })
    await writeFile(join(tmp.dir, 'wrong.txt'), 'not the passphrase\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'mnemonic.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    recipient = (await deriveAccountKey(TEST_MNEMONIC, 7)).address
    devnet = await startDevnet(join(tmp.dir, 'devnet'))
  })

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('a transfer signed by cosmjs and sent with tx_broadcastCommit shows in account_get and `gather query account --json`', async () => {
    const client = devnet!.client
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
      prefix: 'gat',
      hdPaths: [makeCosmoshubPath(1)],
    })
    const [account] = await wallet.getAccounts()
    expect(account!.address).toBe(FAUCET)
    const { chainId, signatureVerification } = await client.getStatus()
    expect(signatureVerification).toEqual({ backend: 'libsecp256k1', ed25519: 'libsodium', warning: null })
    const before = await client.getAccount(FAUCET)
    expect(before.exists).toBe(true)

    const registry = new Registry([...messageTypes()] as never)
    const bodyBytes = registry.encode({
      typeUrl: '/cosmos.tx.v1beta1.TxBody',
      value: {
        messages: [
          {
            typeUrl: '/gather.token.v1.MsgTransfer',
            value: { fromAddress: FAUCET, toAddress: recipient, amount: '2500000' },
          },
        ],
        memo: 'end to end',
      },
    })
    const authInfoBytes = makeAuthInfoBytes(
      [{ pubkey: encodePubkey(encodeSecp256k1Pubkey(account!.pubkey)), sequence: Number(before.sequence) }],
      [{ denom: 'ugat', amount: '5000' }],
      200000,
      undefined,
      undefined,
    )
    const signDoc = makeSignDoc(bodyBytes, authInfoBytes, chainId, Number(before.accountNumber))
    const { signed, signature } = await wallet.signDirect(FAUCET, signDoc)
    const raw = TxRaw.encode({
      bodyBytes: signed.bodyBytes,
      authInfoBytes: signed.authInfoBytes,
      signatures: [Buffer.from(signature.signature, 'base64')],
    }).finish()

    const result = await client.broadcastCommit(raw)
    expect(result).toMatchObject({ code: 0 })
    expect(result.height).toBeGreaterThanOrEqual(1)
    expect(result.hash).toMatch(/^[0-9A-F]{64}$/)

    const after = await client.getAccount(FAUCET)
    expect(BigInt(after.balance.ugat)).toBe(BigInt(before.balance.ugat) - 2_500_000n - 5_000n)
    expect(after.sequence).toBe(String(BigInt(before.sequence) + 1n))
    expect(await balance(recipient)).toBe(2_500_000n)

    const cli = await runCli(['query', 'account', recipient, '--json', '--rpc', devnet!.rpc])
    expect(cli.stderr).toBe('')
    expect(cli.code).toBe(0)
    const shown = JSON.parse(cli.stdout) as { address: string; balance: { ugat: string } }
    expect(shown.address).toBe(recipient)
    expect(shown.balance.ugat).toBe('2500000')

    const table = await runCli(['query', 'account', recipient, '--rpc', devnet!.rpc])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('2.5 GAT (2500000 ugat)')
  })

  test('the same transfer with `gather keys import` + `gather tx transfer`', async () => {
    const imported = await runCli([
      'keys',
      'import',
      'faucet',
      '--mnemonic-file',
      join(tmp.dir, 'mnemonic.txt'),
      '--index',
      '1',
      '--passphrase-file',
      passFile,
      '--home',
      keysHome,
      '--json',
    ])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    expect(JSON.parse(imported.stdout)).toMatchObject({ name: 'faucet', address: FAUCET, index: 1 })

    const before = await devnet!.client.getAccount(FAUCET)
    const recipientBefore = await balance(recipient)
    const sent = await runCli([
      'tx',
      'transfer',
      'faucet',
      recipient,
      '2.5gat',
      '--passphrase-file',
      passFile,
      '--home',
      keysHome,
      '--rpc',
      devnet!.rpc,
      '--json',
    ])
    expect(sent.stderr).toBe('')
    expect(sent.code).toBe(0)
    const r = JSON.parse(sent.stdout) as { hash: string; height: number; code: number }
    expect(r.code).toBe(0)

    const after = await devnet!.client.getAccount(FAUCET)
    expect(after.sequence).toBe(String(BigInt(before.sequence) + 1n))
    expect(BigInt(after.balance.ugat)).toBe(BigInt(before.balance.ugat) - 2_500_000n - 1_000n)
    expect(await balance(recipient)).toBe(recipientBefore + 2_500_000n)

    const found = await runCli(['query', 'tx', r.hash, '--json', '--rpc', devnet!.rpc])
    expect(found.code).toBe(0)
    expect(JSON.parse(found.stdout)).toMatchObject({ hash: r.hash, height: r.height, code: 0 })
  })

  test('gather tx --async signs after the transactions still pending, so several can go in a row', async () => {
    const before = await devnet!.client.getAccount(FAUCET)
    const hashes: string[] = []
    for (let i = 0; i < 3; i++) {
      const sent = await runCli([
        'tx',
        'transfer',
        'faucet',
        recipient,
        `${i + 1}`,
        '--async',
        '--passphrase-file',
        passFile,
        '--home',
        keysHome,
        '--rpc',
        devnet!.rpc,
        '--json',
      ])
      expect({ i, code: sent.code, stderr: sent.stderr }).toEqual({ i, code: 0, stderr: '' })
      hashes.push((JSON.parse(sent.stdout) as { hash: string }).hash)
    }
    const committed = new Map<string, number>()
    await waitFor('the three transfers to be committed', async () => {
      for (const hash of hashes) {
        if (committed.has(hash)) continue
        const r = await devnet!.client.getTx(hash).catch(() => undefined)
        if (r !== undefined) committed.set(hash, r.code)
      }
      return committed.size === hashes.length
    })
    expect(hashes.map((h) => committed.get(h))).toEqual([0, 0, 0])
    const after = await devnet!.client.getAccount(FAUCET)
    expect(after.sequence).toBe(String(BigInt(before.sequence) + 3n))
  })

  test('a wrong passphrase is a one-line error, exit 1, and nothing is sent', async () => {
    const before = await devnet!.client.getAccount(FAUCET)
    const r = await runCli([
      'tx',
      'transfer',
      'faucet',
      recipient,
      '1gat',
      '--passphrase-file',
      join(tmp.dir, 'wrong.txt'),
      '--home',
      keysHome,
      '--rpc',
      devnet!.rpc,
    ])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error: wrong passphrase for key faucet\b[^\n]*\n$/)
    expect(await devnet!.client.getAccount(FAUCET)).toEqual(before)
  })

  test('no passphrase source and no terminal: the error says how to give one', async () => {
    const r = await runCli([
      'tx',
      'transfer',
      'faucet',
      recipient,
      '1gat',
      '--home',
      keysHome,
      '--rpc',
      devnet!.rpc,
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^error: a passphrase is needed for key faucet: pass --passphrase-file FILE, set GATHER_PASSPHRASE/,
    )
    const viaEnv = await runCli(
      ['tx', 'transfer', 'faucet', recipient, '1', '--home', keysHome, '--rpc', devnet!.rpc, '--json'],
      { GATHER_PASSPHRASE: PASSPHRASE },
    )
    expect(viaEnv.code).toBe(0)
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ code: 0 })
  })

  test('a transfer above the balance is rejected with the node message on one line; nothing changes', async () => {
    const before = await devnet!.client.getAccount(FAUCET)
    const r = await runCli([
      'tx',
      'transfer',
      'faucet',
      recipient,
      '2000000gat',
      '--passphrase-file',
      passFile,
      '--home',
      keysHome,
      '--rpc',
      devnet!.rpc,
    ])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error: insufficient balance[^\n]*\(TOKEN_INSUFFICIENT_BALANCE\)\n$/)
    const after = await devnet!.client.getAccount(FAUCET)
    expect(after.balance).toEqual(before.balance)
    expect(after.sequence).toBe(before.sequence)
  })

  test('`gather query tx` of an unknown hash is a clear not-found error', async () => {
    const hash = 'ab'.repeat(32)
    const r = await runCli(['query', 'tx', hash, '--rpc', devnet!.rpc])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`error: transaction ${hash} not found\n`)
  })

  test('status, block and supply queries print tables, or the RPC result with --json', async () => {
    const status = await runCli(['query', 'status', '--rpc', devnet!.rpc, '--json'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ chainId: 'gather-devnet-1' })
    const block = await runCli(['query', 'block', '1', '--rpc', devnet!.rpc])
    expect(block.code).toBe(0)
    expect(block.stdout).toMatch(/^height +1$/m)
    const supply = await runCli(['query', 'supply', '--rpc', devnet!.rpc, '--json'])
    expect(supply.code).toBe(0)
    // the fees burned by this file's committed transactions: cosmjs's (5,000), the CLI transfer,
    // the three --async ones and the $GATHER_PASSPHRASE one (1,000 each)
    expect(BigInt((JSON.parse(supply.stdout) as { burned: string }).burned)).toBe(5_000n + 5n * 1_000n)
  })
})
