import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { GroupErrorCode } from '../modules/messaging/groupchain/errors.js'
import { GROUP_METHOD_LIMITS } from '../rpc/api.js'
import { GatherClient, RpcClientError } from '../rpc/client.js'
import { type DevnetProcess, startDevnet } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
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
 * devnet` process (which hosts every group, and has none yet): every malformed call is -32602
 * naming the field, every well-formed one the runtime's answer for a group that does not exist,
 * and the process keeps serving.
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
    ['group_getMessages', { groupId: 1, beforeIndex: 3 }, 'params.beforeIndex'],
    ['group_getMessages', { groupId: 1, before: 2, beforeIndex: -1 }, 'params.beforeIndex'],
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

  test('well-formed calls reach the runtime: no such group (-32001), a malformed group tx (-32002)', async () => {
    const unknown: [string, Record<string, unknown>][] = [
      ['group_getMessages', { groupId: 1 }],
      ['group_getMessages', { groupId: Number.MAX_SAFE_INTEGER, before: 10, limit: 200 }],
      ['group_getMembers', { groupId: 1, offset: 0, limit: 1000 }],
      ['group_getMember', { groupId: 1, address: ADDRESS }],
      ['group_getHead', { groupId: 1 }],
      ['group_getMessageProof', { groupId: 1, messageId: MESSAGE_ID }],
    ]
    for (const [method, params] of unknown) {
      const a = await answer(client, method, params)
      expect({ method, code: a.code, data: a.data }).toEqual({
        method,
        code: -32001,
        data: { code: GroupErrorCode.UNKNOWN_GROUP },
      })
    }
    for (const size of [GROUP_METHOD_LIMITS.maxTxBytes, 100]) {
      const a = await answer(client, 'group_post', { tx: base64Of(size) })
      expect({ size, code: a.code, data: (a.data as { code?: string })?.code }).toEqual({
        size,
        code: -32002,
        data: size > 66_560 ? GroupErrorCode.TX_TOO_LARGE : GroupErrorCode.MALFORMED,
      })
    }
    expect(await answer(client, 'group_listHosted', {})).toEqual({ result: { groups: [] } })
    await expect(client.getGroupHead(1)).rejects.toMatchObject({ chainCode: 'GROUP_UNKNOWN' })
  })

  test('the groupMessages subscription: groupId checked, then the group must exist', async () => {
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
      expect((await subscribe({ event: 'groupMessages', groupId: 1 })).error).toMatchObject({
        code: -32000,
        data: { code: 'GROUP_UNKNOWN' },
      })
      // the socket still serves the other kinds
      expect((await subscribe({ event: 'newHeads' })).result).toMatch(/^0x[0-9a-f]+$/)
    } finally {
      await peer.close()
    }
    await expect(client.subscribe('groupMessages', () => undefined, { groupId: 1 })).rejects.toMatchObject({
      code: -32000,
      chainCode: 'GROUP_UNKNOWN',
    })
  })

  test('the process is alive and producing, with nothing logged at error level', async () => {
    expect(devnet!.child.exitCode).toBeNull()
    const before = (await client.getStatus()).height
    await waitFor('a new block', async () => (await client.getStatus()).height > before, 15_000)
    expect(logProblems(devnet!.output())).toEqual([])
  })
})
