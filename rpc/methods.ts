import type { z } from 'zod'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { GroupErrorCode } from '../modules/messaging/groupchain/errors.js'
import type {
  GroupAccountView,
  GroupHeadView,
  GroupKeysView,
  GroupMembersView,
  GroupMessageView,
  GroupService,
} from '../node/groups/types.js'
import type { GatherNode } from '../node/index.js'
import {
  GROUP_METHOD_LIMITS,
  METHOD_LIMITS,
  type ModuleMethodName,
  type NodeMethodName,
  type RpcApi,
  type RpcMethodName,
  rpcApi,
} from './api.js'
import { RpcErrorCode, rpcError, txRejected } from './errors.js'

// What the node does for each JSON-RPC method. rpc/api.ts declares them all (params, result,
// summary); a module's method runs its endpoint through `node.query`, the node's own methods
// have a handler here, type-checked against the declared result. The group methods ask the
// group-chain runtime (node/groups/), which a node may not run.

/** What the handlers answer from: the node, and its group-chain runtime when it runs one. */
export interface RpcDeps {
  node: GatherNode
  groups?: GroupService
}

/** A handler of one of the node's own methods. */
type NodeHandler<K extends NodeMethodName> = (
  deps: RpcDeps,
  params: z.output<RpcApi[K]['params']>,
) => z.input<RpcApi[K]['result']> | Promise<z.input<RpcApi[K]['result']>>

/** True when `A` and `B` are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

// The group views are declared twice, as TypeScript types by the runtime (node/groups/types.ts)
// and as zod schemas here (rpc/api.ts: the client must not import node/). A field added,
// dropped or retyped on one side fails tsc here, before a strict result check could.
const viewsMatch: [
  Same<GroupMessageView, z.output<RpcApi['group_getMessages']['result']>['messages'][number]>,
  Same<GroupMembersView, z.output<RpcApi['group_getMembers']['result']>>,
  Same<GroupAccountView, z.output<RpcApi['group_getMember']['result']>>,
  Same<GroupHeadView, z.output<RpcApi['group_getHead']['result']>>,
  Same<GroupKeysView, z.output<RpcApi['group_getKeys']['result']>>,
] = [true, true, true, true, true]
void viewsMatch

/** The group runtime; throws `GROUP_NOT_HOSTED` when this node runs none. */
export function groupsOf(deps: RpcDeps): GroupService {
  if (deps.groups === undefined)
    throw new ChainError(GroupErrorCode.NOT_HOSTED, 'this node runs no group chains')
  return deps.groups
}

function notFound(what: string): never {
  throw rpcError(RpcErrorCode.NOT_FOUND, `${what} not found`)
}

function decodeTxParam(tx: string): Uint8Array {
  return Buffer.from(tx, 'base64')
}

/**
 * Admits and journals a transaction: the answer comes once it would survive a crash of this
 * node. A journal failure is the node's fault, not the transaction's: -32000, not -32002; a
 * full admission queue is -32006 (data.code TX_ADMISSION_BUSY).
 */
async function submit(node: GatherNode, tx: string): Promise<{ hash: string }> {
  try {
    return await node.submitTxDurable(decodeTxParam(tx))
  } catch (e) {
    if (e instanceof ChainError && e.code === ChainErrorCode.TX_JOURNAL_FAILED)
      throw rpcError(RpcErrorCode.SERVER_ERROR, e.message, { code: e.code })
    // back-pressure: the node is busy, the transaction may be fine
    if (e instanceof ChainError && e.code === ChainErrorCode.TX_ADMISSION_BUSY)
      throw rpcError(RpcErrorCode.LIMIT_EXCEEDED, e.message, { code: e.code })
    if (e instanceof ChainError) throw txRejected(e)
    throw e
  }
}

/** Group-runtime lookups that find nothing are -32001, as an unknown group is for `group_get`. */
const GROUP_NOT_FOUND: ReadonlySet<string> = new Set([
  GroupErrorCode.UNKNOWN_GROUP,
  GroupErrorCode.UNKNOWN_MESSAGE,
])

/** Runs a read of the group runtime: GROUP_NOT_HOSTED without one, -32001 for an unknown group or message. */
async function readGroups<T>(deps: RpcDeps, read: (groups: GroupService) => T | Promise<T>): Promise<T> {
  const groups = groupsOf(deps)
  try {
    return await read(groups)
  } catch (e) {
    if (e instanceof ChainError && GROUP_NOT_FOUND.has(e.code))
      throw rpcError(RpcErrorCode.NOT_FOUND, e.message, { code: e.code, ...(e.data ?? {}) })
    throw e
  }
}

/** The handlers of the node's own methods (the rest are module queries). */
const nodeHandlers: { [K in NodeMethodName]: NodeHandler<K> } = {
  chain_getStatus: ({ node }) => node.getStatus(),

  net_getPeers: ({ node }) => node.getPeers(),

  consensus_getRound: ({ node }) => node.getRound(),

  chain_getBlock: async ({ node }, p) => {
    const b =
      p.hash !== undefined
        ? await node.getBlockByHash(p.hash)
        : await node.getBlock(p.height ?? node.chain.head.height)
    return b ?? notFound(p.hash !== undefined ? `block ${p.hash}` : `block at height ${p.height ?? 'head'}`)
  },

  chain_getTx: async ({ node }, p) => {
    const t = await node.getTx(p.hash)
    if (t === undefined) {
      if (node.mempool.has(p.hash.toUpperCase()))
        throw rpcError(RpcErrorCode.NOT_FOUND, `transaction ${p.hash} is pending in the mempool`, {
          pending: true,
        })
      return notFound(`transaction ${p.hash}`)
    }
    return {
      hash: t.hash,
      height: t.height,
      index: t.index,
      code: t.result.code,
      codespace: t.result.codespace,
      log: t.result.log,
      events: t.result.events,
      tx: t.tx,
    }
  },

  tx_broadcast: ({ node }, p) => submit(node, p.tx),

  tx_broadcastCommit: async ({ node }, p) => {
    const { hash } = await submit(node, p.tx)
    try {
      const r = await node.waitForTx(hash, p.timeoutMs ?? METHOD_LIMITS.defaultCommitTimeoutMs)
      return {
        hash,
        height: r.height,
        index: r.index,
        code: r.result.code,
        codespace: r.result.codespace,
        log: r.result.log,
      }
    } catch (e) {
      if (e instanceof ChainError && e.code === 'CHAIN_TIMEOUT')
        throw rpcError(RpcErrorCode.TIMEOUT, e.message, { hash })
      throw e
    }
  },

  account_get: ({ node }, p) => ({
    ...node.query.token.getAccount(p),
    nextSequence: (node.nextAccount(p.address)?.sequence ?? 0n).toString(),
  }),

  state_getProof: ({ node }, p) => node.getProof(p.key),

  group_post: async (deps, p) => {
    const groups = groupsOf(deps)
    try {
      return await groups.submit(decodeTxParam(p.tx))
    } catch (e) {
      if (e instanceof ChainError) throw txRejected(e)
      throw e
    }
  },

  group_getMessages: async (deps, p) => ({
    groupId: p.groupId,
    messages: await readGroups(deps, (g) =>
      g.messages(p.groupId, {
        ...(p.before === undefined ? {} : { before: p.before }),
        ...(p.beforeIndex === undefined ? {} : { beforeIndex: p.beforeIndex }),
        limit: p.limit ?? GROUP_METHOD_LIMITS.defaultMessages,
      }),
    ),
  }),

  group_getMembers: (deps, p) =>
    readGroups(deps, (g) =>
      g.members(p.groupId, { offset: p.offset ?? 0, limit: p.limit ?? GROUP_METHOD_LIMITS.defaultMembers }),
    ),

  group_getMember: (deps, p) => readGroups(deps, (g) => g.account(p.groupId, p.address)),

  group_getHead: (deps, p) => readGroups(deps, (g) => g.head(p.groupId)),
  group_getKeys: (deps, p) => readGroups(deps, (g) => g.keys(p.groupId, p.address)),

  // the runtime builds the proof; its shape is checked here so that what a client saves is what
  // group_verifyInclusion and `gather verify-inclusion` read (a mismatch is a bug: -32603, logged)
  group_getMessageProof: async (deps, p) =>
    rpcApi.group_getMessageProof.result.parse({
      proof: await readGroups(deps, (g) => g.messageProof(p.groupId, p.messageId)),
    }),

  group_listHosted: (deps) => ({ groups: groupsOf(deps).hosted() }),
}

/** Runs a module's query through the node's endpoints; `undefined` becomes -32001 not found. */
function moduleHandler(name: ModuleMethodName) {
  const spec = rpcApi[name]
  return ({ node }: RpcDeps, params: unknown): unknown => {
    const endpoint = node.query[spec.module] as Record<string, (p: unknown) => unknown>
    const answer = endpoint[spec.query]!(params)
    if (answer !== undefined) return answer
    const what = (spec as { notFound?: (p: unknown) => string }).notFound
    return notFound(what === undefined ? name : what(params))
  }
}

/** One JSON-RPC method: its declaration (rpc/api.ts) and what runs it. */
export interface RpcMethod {
  readonly params: z.ZodType
  readonly summary: string
  handler(deps: RpcDeps, params: unknown): unknown
}

/** Every HTTP JSON-RPC method, by name, ready to serve: params are parsed before `handler` runs. */
export const rpcMethods: Readonly<Record<RpcMethodName, RpcMethod>> = Object.fromEntries(
  (Object.keys(rpcApi) as RpcMethodName[]).map((name) => {
    const spec = rpcApi[name]
    const handler =
      'module' in spec
        ? moduleHandler(name as ModuleMethodName)
        : (nodeHandlers[name as NodeMethodName] as (deps: RpcDeps, params: unknown) => unknown)
    return [name, { params: spec.params, summary: spec.summary, handler }]
  }),
) as unknown as Record<RpcMethodName, RpcMethod>

export type { RpcMethodName }
