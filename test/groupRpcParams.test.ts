import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { ChainError } from '../chain/errors.js'
import { GroupErrorCode } from '../modules/messaging/groupchain/errors.js'
import type {
  GroupAccountView,
  GroupHeadView,
  GroupMembersView,
  GroupMessageView,
  GroupService,
} from '../node/groups/types.js'
import { GROUP_METHOD_LIMITS } from '../rpc/api.js'
import { GatherClient, RpcClientError } from '../rpc/client.js'
import { type DevnetProcess, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { type RpcNode, startRpcNode } from './helpers/rpcNode.js'
import { waitFor } from './helpers/wait.js'
import { logProblems, openWs, type WsPeer } from './helpers/wire.js'

const ADDRESS = 'gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'
const MESSAGE_ID = 'ab'.repeat(32)

/** What a call answered: its result, or its JSON-RPC error. */
async function answer(
  client: GatherClient,
  method: string,
  params: Record<string, unknown>,
): Promise<{ result?: unknown; code?: number; message?: string; data?: unknown }> {
  try {
    return { result: await client.call(method, params) }
  } catch (e) {
    if (!(e instanceof RpcClientError)) throw e
    return { code: e.code, message: e.message, data: e.data }
  }
}

/** Base64 of `n` bytes. */
const base64Of = (n: number): string => Buffer.alloc(n, 7).toString('base64')

/**
 * The group-chain methods' params and the `groupMessages` subscription against a real `gather
 * devnet` process, which runs no group runtime yet: every malformed call is -32602 naming the
 * field, every well-formed one GROUP_NOT_HOSTED, and the process keeps serving.
 */
describe('group-chain RPC params against a `gather devnet` process', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let devnet: DevnetProcess | undefined
  let client: GatherClient

  beforeAll(async () => {
    tmp = await tempDir('gather-group-rpc-')
    devnet = await startDevnet(join(tmp.dir, 'devnet'), 200)
    client = new GatherClient(devnet.rpc)
  }, 60_000)

  afterAll(async () => {
    await devnet?.stop()
    await tmp?.cleanup()
  })

  /** [method, params, the field the error must name] */
  const bad: [string, Record<string, unknown>, string][] = [
    ['group_getHead', { groupId: 0 }, 'params.groupId'],
    ['group_getHead', { groupId: -1 }, 'params.groupId'],
    ['group_getHead', { groupId: 'x' }, 'params.groupId'],
    ['group_getHead', { groupId: '1' }, 'params.groupId'],
    ['group_getHead', { groupId: 2 ** 60 }, 'params.groupId'],
    ['group_getHead', { groupId: 1.5 }, 'params.groupId'],
    ['group_getHead', {}, 'params.groupId'],
    ['group_getHead', { groupId: 1, extra: true }, 'params'],
    ['group_getMessages', { groupId: 0 }, 'params.groupId'],
    ['group_getMessages', { groupId: 1, limit: GROUP_METHOD_LIMITS.maxMessages + 1 }, 'params.limit'],
    ['group_getMessages', { groupId: 1, limit: 0 }, 'params.limit'],
    ['group_getMessages', { groupId: 1, before: 0 }, 'params.before'],
    ['group_getMessages', { groupId: 1, before: 'tip' }, 'params.before'],
    ['group_getMembers', { groupId: 1, limit: GROUP_METHOD_LIMITS.maxMembers + 1 }, 'params.limit'],
    ['group_getMembers', { groupId: 1, offset: -1 }, 'params.offset'],
    ['group_getMember', { groupId: 1, address: 'gat1nobody' }, 'params.address'],
    ['group_getMember', { groupId: 1 }, 'params.address'],
    ['group_getMessageProof', { groupId: 1, messageId: 'zz'.repeat(32) }, 'params.messageId'],
    ['group_getMessageProof', { groupId: 1, messageId: MESSAGE_ID.toUpperCase() }, 'params.messageId'],
    ['group_getMessageProof', { groupId: 1, messageId: 'abcd' }, 'params.messageId'],
    ['group_getMessageProof', { groupId: 2 ** 60, messageId: MESSAGE_ID }, 'params.groupId'],
    ['group_post', { tx: 'not base64!' }, 'params.tx'],
    ['group_post', { tx: '' }, 'params.tx'],
    ['group_post', { tx: 'AAAAA' }, 'params.tx'],
    ['group_post', { tx: 42 }, 'params.tx'],
    ['group_post', { tx: base64Of(GROUP_METHOD_LIMITS.maxTxBytes + 1) }, 'params.tx'],
    ['group_post', {}, 'params.tx'],
    ['group_listHosted', { groupId: 1 }, 'params'],
  ]

  test('malformed params are -32602 naming the field; nothing reaches the group runtime', async () => {
    for (const [method, params, field] of bad) {
      const a = await answer(client, method, params)
      const label = `${method} ${JSON.stringify(params).slice(0, 80)}`
      expect({ label, code: a.code }).toEqual({ label, code: -32602 })
      expect({ label, names: a.message?.includes(`${field}:`) }).toEqual({ label, names: true })
    }
  })

  test('positional params are refused like every method', async () => {
    const r = await fetch(devnet!.rpc, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'group_getHead', params: [1] }),
    })
    expect(((await r.json()) as { error: { code: number } }).error.code).toBe(-32602)
  })

  test('well-formed calls answer GROUP_NOT_HOSTED: this node runs no group chains', async () => {
    const good: [string, Record<string, unknown>][] = [
      ['group_post', { tx: base64Of(GROUP_METHOD_LIMITS.maxTxBytes) }],
      ['group_post', { tx: base64Of(100) }],
      ['group_getMessages', { groupId: 1 }],
      ['group_getMessages', { groupId: Number.MAX_SAFE_INTEGER, before: 10, limit: 200 }],
      ['group_getMembers', { groupId: 1, offset: 0, limit: 1000 }],
      ['group_getMember', { groupId: 1, address: ADDRESS }],
      ['group_getHead', { groupId: 1 }],
      ['group_getMessageProof', { groupId: 1, messageId: MESSAGE_ID }],
      ['group_listHosted', {}],
    ]
    for (const [method, params] of good) {
      const a = await answer(client, method, params)
      expect({ method, ...a }).toEqual({
        method,
        code: -32000,
        message: 'this node runs no group chains',
        data: { code: GroupErrorCode.NOT_HOSTED },
      })
    }
    // the typed client says the same
    await expect(client.getGroupHead(1)).rejects.toMatchObject({ chainCode: 'GROUP_NOT_HOSTED' })
    await expect(client.listHostedGroups()).rejects.toMatchObject({ chainCode: 'GROUP_NOT_HOSTED' })
  })

  test('the groupMessages subscription: groupId checked, then GROUP_NOT_HOSTED', async () => {
    const opened = await openWs(`${devnet!.rpc.replace(/^http/, 'ws')}ws`)
    if (!('peer' in opened)) throw new Error(`upgrade refused: ${opened.status} ${opened.body}`)
    const peer: WsPeer = opened.peer
    try {
      let id = 0
      const subscribe = async (params: Record<string, unknown>) =>
        JSON.parse(
          (await peer.ask(JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'chain_subscribe', params }))) ??
            'null',
        ) as { result?: unknown; error?: { code: number; message: string; data?: unknown } }
      const refusals: [Record<string, unknown>, string][] = [
        [{ event: 'groupMessages' }, 'params.groupId'],
        [{ event: 'groupMessages', groupId: 0 }, 'params.groupId'],
        [{ event: 'groupMessages', groupId: 'x' }, 'params.groupId'],
        [{ event: 'groupMessages', groupId: 2 ** 60 }, 'params.groupId'],
        [{ event: 'groupMessages', groupId: 1, module: 'messaging' }, 'params.groupId only'],
        [{ event: 'groupMessages', groupId: 1, address: ADDRESS }, 'params.groupId only'],
        [{ event: 'newHeads', groupId: 1 }, 'params.groupId'],
        [{ event: 'groupMessage', groupId: 1 }, 'params.event'],
      ]
      for (const [params, names] of refusals) {
        const r = await subscribe(params)
        expect({ params, code: r.error?.code, names: r.error?.message.includes(names) }).toEqual({
          params,
          code: -32602,
          names: true,
        })
      }
      expect((await subscribe({ event: 'groupMessages', groupId: 1 })).error).toEqual({
        code: -32000,
        message: 'this node runs no group chains',
        data: { code: 'GROUP_NOT_HOSTED' },
      })
      // the socket still serves the other kinds
      expect((await subscribe({ event: 'newHeads' })).result).toMatch(/^0x[0-9a-f]+$/)
    } finally {
      await peer.close()
    }
    await expect(client.subscribe('groupMessages', () => undefined, { groupId: 1 })).rejects.toMatchObject({
      code: -32000,
      chainCode: 'GROUP_NOT_HOSTED',
    })
  })

  test('the process is alive and producing, with nothing logged at error level', async () => {
    expect(devnet!.child.exitCode).toBeNull()
    const before = (await client.getStatus()).height
    await waitFor('a new block', async () => (await client.getStatus()).height > before, 15_000)
    expect(logProblems(devnet!.output())).toEqual([])
  })
})

const MESSAGE: GroupMessageView = {
  id: MESSAGE_ID,
  author: ADDRESS,
  timeMs: 1_780_000_000_000,
  height: 3,
  index: 0,
  contentType: 'application/activity+json',
  content: Buffer.from('{"type":"Note","content":"hi"}').toString('base64'),
  deleted: false,
  pruned: false,
}

/** A stand-in for the group runtime: records what it is asked, answers fixed views. */
class StandInGroups implements GroupService {
  readonly asked: { method: string; args: unknown[] }[] = []
  readonly listeners = new Map<number, Set<(m: GroupMessageView) => void>>()
  stopped = 0
  proof: unknown = {
    groupId: 1,
    checkpointHeight: 4,
    message: 'AA==',
    blockHeader: 'AA==',
    txIndex: 0,
    txPath: [],
  }

  private ask(method: string, ...args: unknown[]): void {
    this.asked.push({ method, args })
  }

  private known(groupId: number): void {
    if (groupId !== 1) throw new ChainError(GroupErrorCode.UNKNOWN_GROUP, `group ${groupId} is not known`)
  }

  async submit(tx: Uint8Array): Promise<{ id: string }> {
    this.ask('submit', Buffer.from(tx).toString('hex'))
    if (tx[0] === 0xff)
      throw new ChainError(GroupErrorCode.MUTED, 'muted until 2026-12-02T10:00:00Z', {
        mutedUntil: 1_796_205_600_000,
      })
    return { id: MESSAGE_ID }
  }

  async messages(groupId: number, opts: { before?: number; limit: number }): Promise<GroupMessageView[]> {
    this.ask('messages', groupId, opts)
    this.known(groupId)
    return [MESSAGE]
  }

  members(groupId: number, opts: { offset: number; limit: number }): GroupMembersView {
    this.ask('members', groupId, opts)
    this.known(groupId)
    return {
      groupId,
      owner: ADDRESS,
      total: 1,
      admins: [ADDRESS],
      members: [{ address: ADDRESS, joinedAt: 0, admin: true }],
    }
  }

  account(groupId: number, address: string): GroupAccountView {
    this.known(groupId)
    return {
      groupId,
      address,
      member: true,
      admin: false,
      owner: false,
      mutedUntil: null,
      muteAllUntil: null,
      banned: null,
      nextNonce: 4,
    }
  }

  head(groupId: number): GroupHeadView {
    this.known(groupId)
    return {
      groupId,
      height: 3,
      hash: 'cd'.repeat(32),
      timeMs: MESSAGE.timeMs,
      producer: 'ef'.repeat(32),
      round: 0,
      mainHeight: 20,
      stateRoot: '01'.repeat(32),
      accumulatorRoot: '02'.repeat(32),
      members: 1,
      producing: true,
      lastCheckpointHeight: 0,
      pending: 0,
    }
  }

  async messageProof(groupId: number, messageId: string): Promise<unknown> {
    this.known(groupId)
    if (messageId !== MESSAGE_ID)
      throw new ChainError(GroupErrorCode.UNKNOWN_MESSAGE, `message ${messageId} is not in group ${groupId}`)
    return this.proof
  }

  hosted(): number[] {
    return [1]
  }

  subscribe(groupId: number, listener: (m: GroupMessageView) => void): () => void {
    this.ask('subscribe', groupId)
    const set = this.listeners.get(groupId) ?? new Set()
    set.add(listener)
    this.listeners.set(groupId, set)
    return () => {
      this.stopped++
      set.delete(listener)
    }
  }

  emit(groupId: number, m: GroupMessageView): void {
    for (const l of this.listeners.get(groupId) ?? []) l(m)
  }
}

/**
 * The RPC layer between a client and a group runtime, over a stand-in runtime: how answers and
 * refusals are mapped, the defaults passed down, and the subscription's life (each one stopped
 * on unsubscribe or close, counted in the per-connection limit).
 */
describe('group-chain RPC over a stand-in group runtime', () => {
  let rn: RpcNode
  let groups: StandInGroups
  let client: GatherClient

  beforeAll(async () => {
    groups = new StandInGroups()
    rn = await startRpcNode({ groups, rpc: { maxSubscriptionsPerConnection: 2 } })
    client = new GatherClient(rn.url)
  })

  afterAll(async () => {
    await rn?.close()
  })

  test('answers are the runtime views; defaults are passed down', async () => {
    expect(await client.postGroupTx(Uint8Array.of(1, 2, 3))).toEqual({ id: MESSAGE_ID })
    expect(groups.asked.at(-1)).toEqual({ method: 'submit', args: ['010203'] })
    expect(await client.getGroupMessages(1)).toEqual({ groupId: 1, messages: [MESSAGE] })
    expect(groups.asked.at(-1)).toEqual({ method: 'messages', args: [1, { limit: 50 }] })
    await client.getGroupMessages(1, { before: 9, limit: 3 })
    expect(groups.asked.at(-1)).toEqual({ method: 'messages', args: [1, { before: 9, limit: 3 }] })
    expect((await client.getGroupMembers(1)).total).toBe(1)
    expect(groups.asked.at(-1)).toEqual({ method: 'members', args: [1, { offset: 0, limit: 100 }] })
    expect((await client.getGroupMember(1, ADDRESS)).nextNonce).toBe(4)
    // bech32 in capitals is the same address: the runtime is asked in lower case
    expect((await client.getGroupMember(1, ADDRESS.toUpperCase())).address).toBe(ADDRESS)
    expect((await client.getGroupHead(1)).height).toBe(3)
    expect(await client.getGroupMessageProof(1, MESSAGE_ID)).toEqual(groups.proof)
    expect(await client.listHostedGroups()).toEqual([1])
  })

  test('a refused group transaction is -32002 with the runtime code and message', async () => {
    const a = await answer(client, 'group_post', { tx: Buffer.from([0xff, 1]).toString('base64') })
    expect(a).toEqual({
      code: -32002,
      message: 'muted until 2026-12-02T10:00:00Z',
      data: { code: 'GROUP_MUTED', mutedUntil: 1_796_205_600_000 },
    })
  })

  test('an unknown group or message is -32001 with its code', async () => {
    expect(await answer(client, 'group_getHead', { groupId: 7 })).toEqual({
      code: -32001,
      message: 'group 7 is not known',
      data: { code: 'GROUP_UNKNOWN' },
    })
    expect(await answer(client, 'group_getMessageProof', { groupId: 1, messageId: 'cd'.repeat(32) })).toEqual(
      {
        code: -32001,
        message: `message ${'cd'.repeat(32)} is not in group 1`,
        data: { code: 'GROUP_UNKNOWN_MESSAGE' },
      },
    )
  })

  test('a proof the runtime built in the wrong shape is an internal error, not passed on', async () => {
    const good = groups.proof
    groups.proof = { groupId: 1, message: 'AA==' }
    try {
      expect(await answer(client, 'group_getMessageProof', { groupId: 1, messageId: MESSAGE_ID })).toEqual({
        code: -32603,
        message: 'internal error',
      })
    } finally {
      groups.proof = good
    }
  })

  test('groupMessages: notifications carry the messages; unsubscribe and close stop the runtime subscription', async () => {
    const got: GroupMessageView[] = []
    const stop = await client.subscribe('groupMessages', (m) => got.push(m), { groupId: 1 })
    groups.emit(1, MESSAGE)
    groups.emit(2, { ...MESSAGE, id: 'ee'.repeat(32) })
    await waitFor('the notification', () => got.length === 1, 5_000)
    expect(got).toEqual([MESSAGE])
    await stop()
    await waitFor('the runtime subscription stopped', () => groups.stopped === 1, 5_000)

    // a socket closed without unsubscribing stops its subscriptions too
    const opened = await openWs(rn.wsUrl)
    if (!('peer' in opened)) throw new Error(`upgrade refused: ${opened.status}`)
    const sub = (id: number, params: Record<string, unknown>) =>
      opened.peer.ask(JSON.stringify({ jsonrpc: '2.0', id, method: 'chain_subscribe', params }))
    expect(JSON.parse((await sub(1, { event: 'groupMessages', groupId: 1 }))!).result).toBeDefined()
    expect(JSON.parse((await sub(2, { event: 'newHeads' }))!).result).toBeDefined()
    // the limit (2 here) counts groupMessages like any kind; the runtime is not asked again
    const subscribed = groups.asked.filter((a) => a.method === 'subscribe').length
    expect(JSON.parse((await sub(3, { event: 'groupMessages', groupId: 1 }))!).error.code).toBe(-32006)
    expect(groups.asked.filter((a) => a.method === 'subscribe').length).toBe(subscribed)
    await opened.peer.close()
    await waitFor('the closed socket stopped its subscription', () => groups.stopped === 2, 5_000)
    expect(groups.listeners.get(1)?.size).toBe(0)
  })
})
