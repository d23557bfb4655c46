import { readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { proofFromJson } from '../modules/messaging/groupchain/proof.js'
import { decodeGroupTx, verifyGroupTxSignature } from '../modules/messaging/groupchain/tx.js'
import type { GroupAccountView, GroupMessageView } from '../rpc/client.js'
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

const note = (content: string, extra: Record<string, unknown> = {}): string =>
  Buffer.from(JSON.stringify({ type: 'Note', content, ...extra })).toString('base64')

const message = (over: Partial<GroupMessageView>): GroupMessageView => ({
  id: ID,
  author: FAUCET,
  timeMs: Date.UTC(2026, 11, 2, 10, 0, 0),
  height: 5,
  index: 0,
  contentType: 'application/activity+json',
  content: note('hello'),
  deleted: false,
  pruned: false,
  ...over,
})

/**
 * `gather group …` as a user runs it: the real `gather` binary, against a stand-in JSON-RPC
 * server (the group runtime is not part of these tests). Every subcommand has help with an
 * example; bad arguments are one line, exit status 1, and send nothing; a signing command reads
 * the nonce and chain id, signs what it was asked, and prints a refusal as one line.
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

  test('a signing command: nonce from group_getMember, chain id from chain_getStatus, the action signed', async () => {
    const r = await sign(['group', 'mute', '1', OTHER, '--until', '2099-01-02T03:04:05Z', '--json'])
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ id: ID, groupId: 1, author: FAUCET, nonce: 7, action: 'mute' })
    expect(node.calls.map((c) => c.method)).toEqual(['group_getMember', 'chain_getStatus', 'group_post'])
    expect(node.calls[0]!.params).toEqual({ groupId: 1, address: FAUCET })
    const tx = decodeGroupTx(Buffer.from(node.calls[2]!.params.tx as string, 'base64'))
    expect(tx.author).toBe(FAUCET)
    expect(tx.body).toMatchObject({
      groupId: 1,
      nonce: 7,
      action: { kind: 'mute', member: OTHER, untilMs: Date.UTC(2099, 0, 2, 3, 4, 5) },
    })
    expect(verifyGroupTxSignature(CHAIN_ID, tx)).toBe(true)

    // a post: a Note with the reply and the links
    node.calls.length = 0
    const reply = 'cd'.repeat(32)
    const p = await sign([
      'group',
      'post',
      '1',
      'hello, town hall',
      '--reply-to',
      reply.toUpperCase(),
      '--attach',
      'https://example.org/a.pdf',
    ])
    expect(p.code).toBe(0)
    expect(p.stdout).toMatch(new RegExp(`^id +${ID}$`, 'm'))
    const post = decodeGroupTx(Buffer.from(node.calls[2]!.params.tx as string, 'base64'))
    expect(post.body.action.kind).toBe('post')
    if (post.body.action.kind !== 'post') throw new Error('not a post')
    expect(post.body.action.contentType).toBe('application/activity+json')
    expect(JSON.parse(Buffer.from(post.body.action.content).toString())).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      type: 'Note',
      content: 'hello, town hall',
      inReplyTo: reply,
      attachment: [{ type: 'Link', url: 'https://example.org/a.pdf' }],
    })

    // the other actions, each as signed
    const actions: [string[], Record<string, unknown>][] = [
      [['join', '1'], { kind: 'join' }],
      [['unmute', '1', OTHER], { kind: 'mute', member: OTHER, untilMs: 0 }],
      [['mute-all', '1', '--off'], { kind: 'muteAll', untilMs: 0 }],
      [['kick', '1', OTHER], { kind: 'kick', member: OTHER }],
      // bech32 in capitals is the same address: sent as the group state keys it, in lower case
      [['kick', '1', OTHER.toUpperCase()], { kind: 'kick', member: OTHER }],
      [['ban', '1', OTHER], { kind: 'ban', member: OTHER }],
      [['unban', '1', OTHER], { kind: 'unban', member: OTHER }],
      [['delete', '1', ID.toUpperCase()], { kind: 'delete', messageId: ID }],
      [['admins', '1', OTHER.toUpperCase(), FAUCET], { kind: 'setAdmins', admins: [OTHER, FAUCET] }],
      [['admins', '1', '--set'], { kind: 'setAdmins', admins: [] }],
      [
        ['rules', '1', '--text', 'be kind', '--retention-days', '30', '--share-history', 'false'],
        { kind: 'setRules', text: 'be kind', retentionDays: 30, shareHistory: false },
      ],
    ]
    node.answers.group_getMember = () => ({ result: member({ owner: true, admin: true, member: false }) })
    for (const [args, action] of actions) {
      node.calls.length = 0
      const s = await sign(['group', ...args])
      expect({ args, code: s.code, stderr: s.stderr }).toEqual({ args, code: 0, stderr: '' })
      const signed = decodeGroupTx(Buffer.from(node.calls.at(-1)!.params.tx as string, 'base64'))
      expect({ args, action: signed.body.action }).toEqual({ args, action })
    }
  }, 120_000)

  test('refusals are one line: from what group_getMember says (nothing signed), or from group_post', async () => {
    const muted = Date.UTC(2099, 11, 2, 10, 0, 0)
    const local: [string[], Partial<GroupAccountView>, string][] = [
      [
        ['post', '1', 'hi'],
        { admin: false, owner: false, mutedUntil: muted },
        'muted until 2099-12-02T10:00:00Z (GROUP_MUTED)',
      ],
      [
        ['post', '1', 'hi'],
        { admin: false, owner: false, muteAllUntil: muted },
        'the group is muted for everyone but its admins until 2099-12-02T10:00:00Z (GROUP_MUTED_ALL)',
      ],
      [
        ['post', '1', 'hi'],
        { member: false, owner: false, admin: false },
        `${FAUCET} is not a member of group 1`,
      ],
      [
        ['join', '1'],
        { member: false, owner: false, banned: { by: OTHER, atMs: 1 } },
        `banned by ${OTHER} (GROUP_BANNED)`,
      ],
      [['join', '1'], {}, 'is already a member of group 1 (GROUP_ALREADY_MEMBER)'],
      [['leave', '1'], {}, 'the owner is always a member of its group (GROUP_OWNER_STAYS)'],
      [
        ['kick', '1', OTHER],
        { admin: false, owner: false },
        `${FAUCET} is not an admin of group 1 (GROUP_NOT_ADMIN)`,
      ],
      [
        ['admins', '1', OTHER],
        { owner: false },
        'only the owner of group 1 sets its admins (GROUP_NOT_OWNER)',
      ],
    ]
    for (const [args, view, said] of local) {
      node.calls.length = 0
      node.answers.group_getMember = () => ({ result: member(view) })
      const r = await sign(['group', ...args])
      expect({
        args,
        code: r.code,
        said: r.stderr.includes(said),
        oneLine: /^error: [^\n]+\n$/.test(r.stderr),
      }).toEqual({
        args,
        code: 1,
        said: true,
        oneLine: true,
      })
      expect({ args, sent: node.calls.map((c) => c.method) }).toEqual({ args, sent: ['group_getMember'] })
    }
    // an admin posts through a mute
    node.answers.group_getMember = () => ({ result: member({ mutedUntil: muted, muteAllUntil: muted }) })
    expect((await sign(['group', 'post', '1', 'hi'])).code).toBe(0)

    // what the node refuses is printed as it says it, with its code
    node.answers.group_getMember = () => ({ result: member({ owner: false, admin: false, member: false }) })
    node.answers.group_post = () => ({
      error: {
        code: -32002,
        message: 'the group is full (10,000 members)',
        data: { code: 'GROUP_FULL', maxMembers: 10_000 },
      },
    })
    const full = await sign(['group', 'join', '1'])
    expect(full).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: the group is full (10,000 members) (GROUP_FULL)\n',
    })
    node.answers.group_getMember = () => ({
      error: { code: -32000, message: 'this node runs no group chains', data: { code: 'GROUP_NOT_HOSTED' } },
    })
    const notHosted = await sign(['group', 'join', '1'])
    expect(notHosted.stderr).toBe('error: this node runs no group chains (GROUP_NOT_HOSTED)\n')
  }, 120_000)

  test('read prints one line per message, oldest first; members, head, admins and proof', async () => {
    node.answers.group_getMessages = () => ({
      result: {
        groupId: 1,
        messages: [
          message({
            id: 'ee'.repeat(32),
            height: 7,
            content: note('see \u001b[31mred\u001b[0m\nthere', { inReplyTo: ID }),
          }),
          message({
            height: 6,
            contentType: 'application/vnd.gather.sealed',
            content: Buffer.alloc(48).toString('base64'),
          }),
          message({ height: 5, deleted: true, content: null }),
          message({ height: 4, author: OTHER }),
        ],
      },
    })
    const r = await gather(['group', 'read', '1', '--limit', '4', '--before', '9'])
    expect(r.stderr).toBe('')
    expect(node.calls.at(-1)!.params).toEqual({ groupId: 1, limit: 4, before: 9 })
    expect(r.stdout.split('\n')).toEqual([
      `[2026-12-02T10:00:00Z] ${OTHER}: hello`,
      `[2026-12-02T10:00:00Z] ${FAUCET}: (deleted)`,
      `[2026-12-02T10:00:00Z] ${FAUCET}: (encrypted, 48 bytes)`,
      `[2026-12-02T10:00:00Z] ${FAUCET}: see  [31mred [0m there (reply to ${ID.slice(0, 16)}…)`,
      '',
    ])
    const ids = await gather(['group', 'read', '1', '--ids'])
    expect(ids.stdout.split('\n')[0]).toBe(`${ID} [2026-12-02T10:00:00Z] ${OTHER}: hello`)

    node.answers.group_getMembers = () => ({
      result: {
        groupId: 1,
        owner: FAUCET,
        total: 2,
        admins: [OTHER],
        members: [
          { address: FAUCET, joinedAt: 0, admin: true },
          { address: OTHER, joinedAt: 3, admin: true, mutedUntil: Date.UTC(2099, 0, 1) },
        ],
      },
    })
    const members = await gather(['group', 'members', '1'])
    expect(members.stdout).toMatch(new RegExp(`^${FAUCET} +owner +- +-$`, 'm'))
    expect(members.stdout).toMatch(new RegExp(`^${OTHER} +admin +3 +2099-01-01T00:00:00Z$`, 'm'))
    expect(members.stdout).toMatch(/^2 of 2 \(offset 0\)$/m)
    const admins = await gather(['group', 'admins', '1', '--json'])
    expect(JSON.parse(admins.stdout)).toEqual({ groupId: 1, owner: FAUCET, admins: [OTHER] })
    expect(node.calls.at(-1)).toEqual({ method: 'group_getMembers', params: { groupId: 1, limit: 1 } })

    node.answers.group_getHead = () => ({
      result: {
        groupId: 1,
        height: 9,
        hash: '01'.repeat(32),
        timeMs: Date.UTC(2026, 11, 2),
        producer: '02'.repeat(32),
        round: 1,
        mainHeight: 40,
        stateRoot: '03'.repeat(32),
        accumulatorRoot: '04'.repeat(32),
        members: 2,
        producing: false,
        lastCheckpointHeight: 8,
        pending: 0,
      },
    })
    const head = await gather(['group', 'head', '1'])
    expect(head.stdout).toMatch(/^height +9$/m)
    expect(head.stdout).toMatch(new RegExp(`^producer +${'02'.repeat(32)} \\(round 1\\)$`, 'm'))

    // the proof file is what gather verify-inclusion reads
    const proof = {
      groupId: 1,
      checkpointHeight: 8,
      message: Buffer.from('a group tx').toString('base64'),
      blockHeader: Buffer.from('a header').toString('base64'),
      txIndex: 0,
      txPath: ['05'.repeat(32)],
      accumulator: { leafIndex: 4, size: 7, path: [], peaks: ['06'.repeat(32)] },
      checkpointHeader: Buffer.from('another header').toString('base64'),
    }
    node.answers.group_getMessageProof = () => ({ result: { proof } })
    const out = join(tmp.dir, 'proof.json')
    const written = await gather(['group', 'proof', '1', ID, '--out', out])
    expect(written.stderr).toBe('')
    expect(written.stdout).toMatch(new RegExp(`^verify +gather verify-inclusion --proof ${out}$`, 'm'))
    const saved = JSON.parse(await readFile(out, 'utf8')) as unknown
    expect(saved).toEqual(proof)
    expect(proofFromJson(saved).checkpointHeight).toBe(8)
    const printed = await gather(['group', 'proof', '1', ID])
    expect(JSON.parse(printed.stdout)).toEqual(proof)
  }, 120_000)
})
