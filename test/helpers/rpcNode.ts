import { NodeMetrics } from '../../chain/metrics.js'
import { buildDevnetGenesis, type DevnetKeys } from '../../genesis/devnet.js'
import type { Genesis } from '../../genesis/schema.js'
import type { GroupService } from '../../node/groups/types.js'
import { GatherNode, type NodeOptions } from '../../node/index.js'
import { defaultRpcOptions, RpcServer, type RpcServerOptions } from '../../rpc/server.js'
import { tempDir } from './devnet.js'

/** An in-process devnet node with a real RpcServer on 127.0.0.1, a free port. */
export interface RpcNode {
  node: GatherNode
  genesis: Genesis
  keys: DevnetKeys
  metrics: NodeMetrics
  server: RpcServer
  /** `http://127.0.0.1:<port>/` */
  url: string
  /** `ws://127.0.0.1:<port>/ws` */
  wsUrl: string
  close: () => Promise<void>
}

/**
 * Opens a devnet node (own temp dir) and an RpcServer in front of it. `produce: true` runs the
 * slot loop (genesis time = now, so blocks follow every `blockTimeMs`); otherwise tests call
 * `node.produceBlock()`.
 */
export async function startRpcNode(
  o: {
    produce?: boolean
    blockTimeMs?: number
    genesisTime?: Date
    rpc?: Partial<RpcServerOptions>
    /** a group runtime for the server (a stand-in: tests of the RPC layer) */
    groups?: GroupService
    /** the node's admission queue limits */
    admission?: NodeOptions['admission']
  } = {},
): Promise<RpcNode> {
  const tmp = await tempDir('gather-rpc-test-')
  const { genesis, keys } = await buildDevnetGenesis({
    blockTimeMs: o.blockTimeMs ?? 100,
    genesisTime: o.genesisTime ?? (o.produce === true ? new Date() : new Date('2026-01-01T00:00:00Z')),
  })
  const metrics = new NodeMetrics()
  const node = await GatherNode.open({
    dataDir: `${tmp.dir}/data`,
    genesis,
    nodeKey: keys.nodeKey,
    produce: o.produce === true,
    metrics,
    ...(o.admission === undefined ? {} : { admission: o.admission }),
  })
  metrics.onHead(node.chain.head.height, node.chain.head.height)
  const server = new RpcServer(
    { ...defaultRpcOptions(), port: 0, ...o.rpc },
    { node, metrics, log: node.log, ...(o.groups === undefined ? {} : { groups: o.groups }) },
  )
  let url: string
  try {
    url = (await server.listen()).url
  } catch (e) {
    await node.stop()
    await tmp.cleanup()
    throw e
  }
  if (o.produce === true) node.start()
  return {
    node,
    genesis,
    keys,
    metrics,
    server,
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}ws`,
    close: async () => {
      await server.close()
      await node.stop()
      await tmp.cleanup()
    },
  }
}

/** A JSON-RPC response as the tests read it. */
export interface RpcReply {
  jsonrpc?: string
  id?: unknown
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/** POSTs a raw body (a string is sent as is, anything else as JSON); returns status, headers and parsed body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, json, text }
}

/** One call: `{ jsonrpc, id: 1, method, params }`. */
export async function call(
  url: string,
  method: string,
  params?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; reply: RpcReply }> {
  const r = await post(
    url,
    { jsonrpc: '2.0', id: 1, method, ...(params === undefined ? {} : { params }) },
    headers,
  )
  return { status: r.status, headers: r.headers, reply: r.json as RpcReply }
}
