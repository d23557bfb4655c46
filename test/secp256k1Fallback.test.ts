import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { type DevnetProcess, startDevnet } from './helpers/cli.js'
import { tempDir, transferTx } from './helpers/devnet.js'

/**
 * A node whose libsecp256k1 binding is ruled out (GATHER_SECP256K1_BACKEND=node:crypto stands
 * for a platform without a prebuilt binary) still verifies on node:crypto, says so in its log
 * and in chain_getStatus, and accepts and refuses the same transactions.
 */
describe('secp256k1 verification without the libsecp256k1 binding, on a `gather devnet` process', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined

  beforeAll(async () => {
    tmp = await tempDir('gather-secp-fallback-')
    devnet = await startDevnet(join(tmp.dir, 'devnet'), 200, [], { GATHER_SECP256K1_BACKEND: 'node:crypto' })
  })

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('reports the node:crypto fallback with a warning in chain_getStatus and in the log', async () => {
    const status = await devnet!.client.getStatus()
    expect(status.signatureVerification.backend).toBe('node:crypto')
    expect(status.signatureVerification.warning).toContain('libsecp256k1 is not in use')
    expect(devnet!.output()).toContain('secp256k1 signatures are verified with node:crypto')
  })

  test('commits a signed transfer and refuses one with a corrupted signature', async () => {
    const client = devnet!.client
    const faucet = await deriveAccountKey(TEST_MNEMONIC, 1)
    const to = (await deriveAccountKey(TEST_MNEMONIC, 9)).address
    const { chainId } = await client.getStatus()
    const acc = await client.getAccount(faucet.address)
    const o = { chainId, accountNumber: BigInt(acc.accountNumber), sequence: BigInt(acc.sequence) }
    const bad = transferTx(faucet, to, 7n, o)
    bad[bad.length - 5]! ^= 0x01 // inside the signature, the last field of TxRaw
    await expect(client.broadcast(bad)).rejects.toThrow(/signature/i)
    const result = await client.broadcastCommit(transferTx(faucet, to, 7n, o))
    expect(result).toMatchObject({ code: 0 })
    expect((await client.getAccount(to)).balance.ugat).toBe('7')
  })
})
