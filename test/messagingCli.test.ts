import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { nodeKeyFromSeed } from '../chain/crypto/ed25519.js'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { publicKeyFromPrivateKey } from '../chain/crypto/secp256k1.js'
import { GroupChainBuilder } from '../modules/messaging/groupchain/chain.js'
import { proofToJson } from '../modules/messaging/groupchain/proof.js'
import { signPost } from '../modules/messaging/groupchain/tx.js'
import { type DevnetProcess, runCli, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

const POSTER = (() => {
  const privateKey = new Uint8Array(32).fill(7)
  return { privateKey, publicKey: publicKeyFromPrivateKey(privateKey) }
})()

const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'

/**
 * GIDs, groups, checkpoint anchoring and inclusion proofs through the `gather` CLI only, against
 * a real `gather devnet` process. The group chain is built with the library, produced by the
 * devnet's own node key (its config/node_key.json signs the checkpoints with --sign-with).
 */
describe('messaging from the CLI against a `gather devnet` process', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let keysHome: string
  let passFile: string
  let nodeKeyFile: string
  let producerId: string

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
  const fails = async (args: string[], keystore = true): Promise<string> => {
    const r = await cli(args, keystore)
    expect({ args, code: r.code }).toEqual({ args, code: 1 })
    expect(r.stderr).toMatch(/^error: [^\n]+\n$/)
    return r.stderr
  }

  beforeAll(async () => {
    tmp = await tempDir('gather-messaging-cli-')
    keysHome = join(tmp.dir, 'client')
    passFile = join(tmp.dir, 'pass.txt')
    await writeFile(passFile, 'correct horse battery staple\n', { mode: 0o600 })
    await writeFile(join(tmp.dir, 'mnemonic.txt'), `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    const home = join(tmp.dir, 'devnet')
    devnet = await startDevnet(home, 200)
    nodeKeyFile = join(home, 'config', 'node_key.json')
    producerId = (JSON.parse(await readFile(nodeKeyFile, 'utf8')) as { publicKey: string }).publicKey
    await ok(
      ['keys', 'import', 'faucet', '--mnemonic-file', join(tmp.dir, 'mnemonic.txt'), '--index', '1'],
      true,
    )
  }, 60_000)

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  test('register-gid and query gid; create-group, update-group, query group/groups; bad input is one line', async () => {
    const supplyBefore = BigInt((await ok<{ burned: string }>(['query', 'supply'])).burned)
    const reg = await ok<{ code: number }>(['tx', 'register-gid', 'faucet', '8888'], true)
    expect(reg.code).toBe(0)
    expect(await ok(['query', 'gid', '8888'])).toMatchObject({ gid: '8888', address: FAUCET })
    expect(await ok(['query', 'gid', FAUCET])).toMatchObject({ gid: '8888' })
    expect(await fails(['query', 'gid', '9999'], false)).toMatch(/GID 9999 not found/)

    const created = await ok<{ code: number }>(
      [
        'tx',
        'create-group',
        'faucet',
        'town hall',
        '--producer',
        producerId,
        '--max-members',
        '500',
        '--min-gat',
        '100gat',
      ],
      true,
    )
    expect(created.code).toBe(0)
    // GID fee 1 GAT + group fee 10 GAT + two tx fees, burned (the block may also burn other fees: none here)
    const burned = BigInt((await ok<{ burned: string }>(['query', 'supply'])).burned) - supplyBefore
    expect(burned).toBe(1_000_000n + 10_000_000n + 2_000n)

    const g = await ok<{
      id: number
      producers: string[]
      threshold: number
      policy: Record<string, unknown>
    }>(['query', 'group', '1'])
    expect(g).toMatchObject({
      id: 1,
      producers: [producerId],
      threshold: 1,
      // private unless --public
      policy: { maxMembers: 500, minGatBalance: '100000000', holderGated: true, private: true },
    })
    // a policy option changes only itself: the rest is read from the group first
    expect(
      (
        await ok<{ code: number }>(
          ['tx', 'update-group', 'faucet', '1', '--befriend', '--name', 'the hall'],
          true,
        )
      ).code,
    ).toBe(0)
    expect(await ok(['query', 'group', '1'])).toMatchObject({
      name: 'the hall',
      policy: { maxMembers: 500, minGatBalance: '100000000', membersMayBefriend: true, private: true },
    })
    await ok(['tx', 'create-group', 'faucet', 'annex', '--parent', '1'], true)
    expect(await ok(['query', 'groups', '--parent', '1'])).toMatchObject({
      total: 1,
      groups: [{ id: 2, name: 'annex' }],
    })
    expect(await ok(['query', 'groups', '--owner', FAUCET, '--limit', '1'])).toMatchObject({
      total: 2,
      groups: [{ id: 1 }],
    })
    expect(await ok(['query', 'member', '1', FAUCET])).toMatchObject({ holderGated: true, member: true })
    expect(await ok(['query', 'member', '2', FAUCET])).toMatchObject({ holderGated: false, member: null })
    const table = await cli(['query', 'group', '1'])
    expect(table.stdout).toMatch(/holder gate\s+100 GAT/)

    expect(await fails(['tx', 'create-group', 'faucet', 'big', '--max-members', '10001'])).toMatch(
      /--max-members/,
    )
    expect(await fails(['tx', 'create-group', 'faucet', 'x', '--producer', 'abc'])).toMatch(/--producer/)
    expect(await fails(['tx', 'create-group', 'faucet', 'x', '--parent', '99'])).toMatch(
      /parent group 99 does not exist \(MESSAGING_UNKNOWN_PARENT\)/,
    )
    expect(await fails(['query', 'group', '0'], false)).toMatch(/<group-id>/)
  }, 60_000)

  test('anchor-checkpoint signed with the node key file, query checkpoints, verify-inclusion (valid, then a tampered proof)', async () => {
    const seed = Buffer.from(
      (JSON.parse(await readFile(nodeKeyFile, 'utf8')) as { privateKey: string }).privateKey,
      'hex',
    )
    const producer = nodeKeyFromSeed(seed)
    const chain = new GroupChainBuilder(1)
    for (let b = 1; b <= 5; b++)
      chain.append({
        producer,
        timeMs: b * 1000,
        txs: [0, 1, 2].map((i) =>
          signPost('gather-test', 1, POSTER, b * 10 + i, {
            contentType: 'text/plain',
            content: Buffer.from(`hello ${b}.${i}`),
          }),
        ),
      })
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    for (const h of [3, 5]) {
      const cp = chain.checkpoint(h)
      const file = join(tmp.dir, `cp${h}.json`)
      await writeFile(
        file,
        JSON.stringify({
          groupId: 1,
          height: h,
          blockHash: hex(cp.blockHash),
          stateRoot: hex(cp.stateRoot),
          accumulatorRoot: hex(cp.accumulatorRoot),
        }),
      )
      const r = await ok<{ code: number }>(
        ['tx', 'anchor-checkpoint', 'faucet', '--checkpoint', file, '--sign-with', nodeKeyFile],
        true,
      )
      expect(r.code).toBe(0)
    }
    // unsigned: below the threshold, refused by the node
    expect(
      await fails(['tx', 'anchor-checkpoint', 'faucet', '--checkpoint', join(tmp.dir, 'cp5.json')]),
    ).toMatch(/MESSAGING_BELOW_THRESHOLD/)
    const cps = await ok<{ total: number; checkpoints: { height: number; signers: string[] }[] }>([
      'query',
      'checkpoints',
      '1',
    ])
    expect(cps.total).toBe(2)
    expect(cps.checkpoints.map((c) => [c.height, c.signers])).toEqual([
      [5, [producerId]],
      [3, [producerId]],
    ])

    const proofFile = join(tmp.dir, 'proof.json')
    const proof = proofToJson(chain.prove(2, 2, 5))
    await writeFile(proofFile, JSON.stringify(proof))
    const v = await ok<{ valid: boolean; height: number; mainChain: { stateRoot: string } }>([
      'verify-inclusion',
      '--proof',
      proofFile,
    ])
    expect(v).toMatchObject({ valid: true, height: 2, txIndex: 2, checkpointHeight: 5 })
    const human = await cli(['verify-inclusion', '--proof', proofFile])
    expect(human.stdout).toMatch(/valid\s+yes/)

    const message = Buffer.from(proof.message, 'base64')
    message[message.length - 1] = message[message.length - 1]! ^ 1
    await writeFile(proofFile, JSON.stringify({ ...proof, message: message.toString('base64') }))
    expect(await fails(['verify-inclusion', '--proof', proofFile], false)).toMatch(
      /the proof does not verify \(PROOF_TX_ROOT_MISMATCH\)/,
    )
    await writeFile(proofFile, JSON.stringify({ ...proof, checkpointHeight: 4 }))
    expect(await fails(['verify-inclusion', '--proof', proofFile], false)).toMatch(
      /no checkpoint anchored at height 4/,
    )
    await writeFile(proofFile, '{"groupId": "x"}')
    expect(await fails(['verify-inclusion', '--proof', proofFile], false)).toMatch(
      /not an inclusion proof: groupId/,
    )
  }, 60_000)
})
