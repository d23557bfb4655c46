import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import type { GroupAccountView } from '../rpc/client.js'
import { runCli } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'

/** Account 1 of the test mnemonic (the devnet faucet): the key the tests sign with. */
const FAUCET = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'
const OTHER = 'gat15yk64u7zc9g9k2yr2wmzeva5qgwxps6yr03wyz'
const ID = 'ab'.repeat(32)
const CHAIN_ID = 'gather-devnet-1'

const SUBCOMMANDS = [
  'post',
  'join',
  'leave',
  'mute',
  'unmute',
  'mute-all',
  'rotate',
  'share',
  'kick',
  'ban',
  'unban',
  'delete',
  'admins',
  'rules',
  'read',
  'members',
  'head',
  'proof',
]

/** `run` over `items`, `limit` at a time (each `gather` process spends its first second loading). */
async function eachLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await run(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

type Reply = { result: unknown } | { error: { code: number; message: string; data?: unknown } }

/**
 * A JSON-RPC server standing in for a node with a group runtime: it records every call and
 * answers from `answers` (by method), so the CLI's requests, signatures and output can be checked
 * without the runtime.
 */
class StandInNode {
  readonly calls: { method: string; params: Record<string, unknown> }[] = []
  answers: Record<string, (params: Record<string, unknown>) => Reply> = {}
  private server: Server | undefined
  url = ''

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', () => {
        const call = JSON.parse(body) as { id: number; method: string; params: Record<string, unknown> }
        this.calls.push({ method: call.method, params: call.params })
        const answer = this.answers[call.method]?.(call.params) ?? {
          error: { code: -32601, message: `Method not found: "${call.method}"` },
        }
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, ...answer }))
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve())
  }
}

const member = (over: Partial<GroupAccountView> = {}): GroupAccountView => ({
  groupId: 1,
  address: FAUCET,
  member: true,
  admin: true,
  owner: true,
  mutedUntil: null,
  muteAllUntil: null,
  banned: null,
  nextNonce: 7,
  ...over,
})

/**
 * `gather group …` as a user runs it: the real `gather` binary. Every subcommand has help with
 * an example; bad arguments are one line, exit status 1, and send nothing (a listener that only
 * records requests stands where the node would be: nothing may reach it). What the commands do
 * against a real node is test/groupTestnet.test.ts.
 */
describe('gather group (the CLI, against a stand-in node)', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let home: string
  let passFile: string
  const node = new StandInNode()

  const gather = (args: string[]) => runCli([...args, ...(args.includes('--rpc') ? [] : ['--rpc', node.url])])
  const sign = (args: string[]) =>
    gather([...args, '--from', 'faucet', '--passphrase-file', passFile, '--home', home])

  beforeAll(async () => {
    tmp = await tempDir('gather-group-cli-')
    home = join(tmp.dir, 'home')
    passFile = join(tmp.dir, 'pass.txt')
    await writeFile(passFile, 'correct horse battery staple\n', { mode: 0o600 })
    const mnemonicFile = join(tmp.dir, 'mnemonic.txt')
    await writeFile(mnemonicFile, `${TEST_MNEMONIC}\n`, { mode: 0o600 })
    const r = await runCli([
      'keys',
      'import',
      'faucet',
      '--mnemonic-file',
      mnemonicFile,
      '--index',
      '1',
      '--home',
      home,
      '--passphrase-file',
      passFile,
    ])
    expect(r.stderr).toBe('')
    await node.start()
  }, 60_000)

  afterAll(async () => {
    await node.close()
    await tmp?.cleanup()
  })

  beforeEach(() => {
    node.calls.length = 0
    node.answers = {
      chain_getStatus: () => ({ result: { chainId: CHAIN_ID } }),
      group_getMember: () => ({ result: member() }),
      group_post: () => ({ result: { id: ID } }),
    }
  })

  test('gather group --help and each subcommand --help: a description and an example', async () => {
    const top = await runCli(['group', '--help'])
    expect(top.code).toBe(0)
    for (const sub of SUBCOMMANDS)
      expect({ sub, listed: top.stdout.includes(`  ${sub} `) }).toEqual({ sub, listed: true })
    const helps = await eachLimited(SUBCOMMANDS, 3, (sub) => runCli(['group', sub, '--help']))
    for (const [i, sub] of SUBCOMMANDS.entries()) {
      const r = helps[i]!
      expect({ sub, code: r.code, stderr: r.stderr }).toEqual({ sub, code: 0, stderr: '' })
      expect({ sub, usage: r.stdout.startsWith(`Usage: gather group ${sub} `) }).toEqual({ sub, usage: true })
      expect({ sub, example: r.stdout.includes(`Examples:\n  $ gather group ${sub} `) }).toEqual({
        sub,
        example: true,
      })
      expect({ sub, rpc: r.stdout.includes('--rpc <url>'), json: r.stdout.includes('--json') }).toEqual({
        sub,
        rpc: true,
        json: true,
      })
    }
    expect((await runCli(['--help'])).stdout).toMatch(/gather group post 1 "hello"/)
  })

  test('bad arguments: one line on stderr, exit status 1, nothing sent', async () => {
    await writeFile(join(tmp.dir, 'big.bin'), Buffer.alloc(64 * 1024 + 1))
    const past = new Date(Date.now() - 60_000).toISOString()
    const cases: [string[], RegExp][] = [
      [['mute', '1', OTHER, '--for', '2x'], /--for must be a duration like 10m/],
      [['mute', '1', OTHER, '--for', '0m'], /--for must be longer than 0/],
      [['mute', '1', OTHER, '--for', '4000d'], /--for must be at most 3650d/],
      [['mute', '1', OTHER, '--for', '-5m'], /./],
      [['mute', '1', OTHER, '--until', '2026-02-30'], /--until must be a time like/],
      [['mute', '1', OTHER, '--until', 'tomorrow'], /--until must be a time like/],
      [['mute', '1', OTHER, '--until', '2026-12-02T10:00:00'], /--until must be a time like/],
      [['mute', '1', OTHER, '--until', past], /is in the past: gather group unmute/],
      [['mute', '1', OTHER], /give --until TIME or --for DURATION/],
      [['mute', '1', OTHER, '--for', '1h', '--until', '2099-01-01'], /give --until TIME or --for DURATION/],
      [['mute-all', '1'], /give one of --until TIME, --for DURATION or --off/],
      [['mute-all', '1', '--off', '--for', '1h'], /give one of/],
      [['mute-all', '1', '--for', '1y'], /--for must be a duration/],
      [['mute', '1', 'gat1nobody', '--for', '1h'], /<member> "gat1nobody" is not a gat address/],
      [['unmute', '1', 'alice'], /<member> "alice" is not a gat address/],
      [
        ['kick', '1', `GAT1${FAUCET.slice(4).toUpperCase().slice(0, 10)}${FAUCET.slice(14)}`],
        /is not a gat address/,
      ],
      [['ban', '1', 'gat1'], /<member> "gat1" is not a gat address/],
      [['unban', '1', `${FAUCET}x`], /is not a gat address/],
      [['admins', '1', OTHER, 'bob'], /<address> "bob" is not a gat address/],
      [['admins', '1', OTHER, OTHER], /is given twice/],
      [['join', '0'], /<group-id> must be a whole number from 1/],
      [['join', 'x'], /<group-id> must be a whole number from 1/],
      [['join', '99999999999999999999'], /<group-id> must be a whole number/],
      [['leave', '1.5'], /<group-id> must be a whole number/],
      [['delete', '1', 'abc'], /<message-id> "abc" must be a message id/],
      [['post', '1', 'hi', '--reply-to', 'zz'], /--reply-to "zz" must be a message id/],
      [['post', '1', 'hi', '--attach', 'not a url'], /--attach "not a url" must be a URL/],
      [['post', '1'], /give <text>, or --content-type and --file/],
      [['post', '1', 'hi', '--file', 'x.bin', '--content-type', 'a/b'], /give <text> or --file, not both/],
      [['post', '1', '--content-type', 'a/b'], /--content-type and --file go together/],
      [['post', '1', '--content-type', 'a/b', '--file', join(tmp.dir, 'missing')], /cannot read .*ENOENT/],
      [
        ['post', '1', '--content-type', 'a/b', '--file', join(tmp.dir, 'big.bin')],
        /above the limit of 65536/,
      ],
      [['post', '1', 'x'.repeat(70_000)], /the post is \d+ bytes, above the limit of 65536/],
      [
        ['post', '1', '--content-type', 'application/activity+json', '--file', join(tmp.dir, 'big.bin')],
        /above the limit/,
      ],
      [['rules', '1', '--text', 'be kind'], /give --retention-days and --share-history too/],
      [
        ['rules', '1', '--text', 'x', '--retention-days', '0', '--share-history', 'yes'],
        /--share-history must be true or false/,
      ],
      [
        ['rules', '1', '--text', 'x', '--retention-days', '-1', '--share-history', 'true'],
        /--retention-days/,
      ],
      [['rules', '1'], /does not serve a group's rules yet/],
    ]
    const answers = await eachLimited(cases, 3, ([args]) => sign(['group', ...args]))
    for (const [i, [args, why]] of cases.entries()) {
      const r = answers[i]!
      const label = args.join(' ').slice(0, 80)
      expect({ label, code: r.code, stdout: r.stdout }).toEqual({ label, code: 1, stdout: '' })
      expect({ label, oneLine: /^error: [^\n]+\n$/.test(r.stderr) }).toEqual({ label, oneLine: true })
      expect({ label, why: why.test(r.stderr) ? 'matches' : r.stderr }).toEqual({ label, why: 'matches' })
    }
    // read commands check their options before asking too
    const reads: [string[], RegExp][] = [
      [['read', '1', '--limit', '201'], /--limit must be a whole number from 1 to 200/],
      [['read', '1', '--before', '0'], /--before/],
      [['members', '1', '--limit', '1001'], /--limit must be a whole number from 1 to 1000/],
      [['head', '-1'], /./],
      [['proof', '1', ID.slice(2)], /<message-id> .* must be a message id/],
      [['head', '1', '--rpc', 'ftp://x'], /--rpc must be an http/],
    ]
    const readAnswers = await eachLimited(reads, 3, ([args]) => gather(['group', ...args]))
    for (const [i, [args, why]] of reads.entries()) {
      const r = readAnswers[i]!
      const label = args.join(' ')
      expect({
        label,
        code: r.code,
        oneLine: /^error: [^\n]+\n$/.test(r.stderr),
        why: why.test(r.stderr),
      }).toEqual({
        label,
        code: 1,
        oneLine: true,
        why: true,
      })
    }
    // a signing command without --from, or with a key the keystore does not hold
    const noFrom = await gather(['group', 'join', '1', '--home', home])
    expect(noFrom.stderr).toMatch(/^error: --from <key> is required[^\n]*\n$/)
    const unknownKey = await gather([
      'group',
      'join',
      '1',
      '--from',
      'nobody',
      '--passphrase-file',
      passFile,
      '--home',
      home,
    ])
    expect(unknownKey.code).toBe(1)
    expect(unknownKey.stderr).toMatch(/^error: [^\n]*nobody[^\n]*\n$/)
    expect(node.calls).toEqual([])
  }, 240_000)
})
