/**
 * Group chains on real `gather start` processes (docs/adr/008-group-chains.md), in one run:
 *
 * 1. The limit: single-thread secp256k1 verifications per second (`measureNativeVerifyRate`, the
 *    node's own `verifySecp256k1`), before and after the runs. A group post costs one verify at
 *    admission and none at import (GroupChain keeps the ids it verified).
 * 2. Posts per second through one node: a 1-validator testnet node (`gather testnet --init-only`,
 *    `gather start … --follow-group all --rpc-rate-limit 0`), producing every group. Group 1 is
 *    created, its authors join, and pre-signed posts go in through `group_post` (JSON-RPC batches,
 *    many HTTP requests in flight); then 100 more groups, the same with the posts spread over them.
 *    Timed from the first submission until every group head shows nothing pending (every post in
 *    a group block), checked afterwards against each author's next nonce.
 * 3. Delivery latency on a 3-validator testnet: nodes 1 and 2 produce a group, posts go to node 0
 *    at a steady rate, and each node's `groupMessages` WebSocket subscription says when it saw each.
 * 4. Idle CPU: a fresh 1-validator node hosting 1 and then 100 quiet groups (it produces them),
 *    after a warm-up post in each: the node process's utime + stime over a window.
 * 5. Anchoring: the MsgAnchorCheckpoint transactions of the posts run (checkpointInterval small),
 *    their count, bytes and fees per 1,000 group blocks, and the anchors per group block.
 *
 * The node processes, the bench process (client: signing is done before timing, JSON and HTTP
 * during) and whatever else runs share the machine's cores.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { addressFromPubkey } from '../../chain/crypto/address.js'
import { generateNodeKey, signEd25519, verifyEd25519 } from '../../chain/crypto/ed25519.js'
import { deriveAccountKey, TEST_MNEMONIC } from '../../chain/crypto/hd.js'
import { publicKeyFromPrivateKey } from '../../chain/crypto/secp256k1.js'
import { decodeTx } from '../../chain/tx/decodeTx.js'
import { type AnyMessage, createGroupMessage } from '../../cli/txMessages.js'
import { GroupErrorCode } from '../../modules/messaging/groupchain/errors.js'
import {
  decodeGroupTx,
  encodeNote,
  type GroupAction,
  signGroupTx,
} from '../../modules/messaging/groupchain/tx.js'
import { DEFAULT_CHECKPOINT_INTERVAL } from '../../modules/messaging/params.js'
import { type GatherClient, type GroupHeadView, RpcClientError } from '../../rpc/client.js'
import { commitMain, TestnetNodes } from '../../test/helpers/testnetNodes.js'
import { measureNativeVerifyRate } from '../crypto/verify.bench.js'

/** Options of {@link runGroupsBench}; the defaults are the recorded run's. */
export interface GroupsBenchOptions {
  /** seconds of each verify-rate measurement (default 3) */
  verifySeconds?: number
  /** main-chain block time of every testnet, ms (default 500) */
  mainBlockTimeMs?: number
  /** checkpointInterval of the groups of the posts run (default 10) */
  checkpointInterval?: number
  /** HTTP requests in flight (default 32) */
  concurrency?: number
  /** group_post calls per JSON-RPC batch (default 10; 1: single calls) */
  batch?: number
  /** 1-group case: authors (members) and posts per author (default 320 × 25) */
  oneGroup?: { authors: number; postsPerAuthor: number }
  /** 100-group case: groups, members per group (from a pool of authors), posts per member (default 100, 20 of 400, 6) */
  manyGroups?: { groups: number; membersPerGroup: number; authors: number; postsPerMember: number }
  /** seconds of each trickle phase of the anchoring case (default 10) */
  trickleSeconds?: number
  /** latency case: posts, offered rate (default 200 at 20/s) */
  latency?: { posts: number; rate: number; authors: number }
  /** idle case: group counts compared, seconds settled, seconds measured (default [1, 100], 10 s, 30 s) */
  idle?: { groups: [number, number]; settleSeconds: number; seconds: number; mainBlockTimeMs: number }
  log?: (line: string) => void
}

/** Why submissions were refused: error message (numbers and hashes masked) → count. */
export type Reasons = Record<string, number>

/** One posts-per-second case. */
export interface PostsCaseResult {
  groups: number
  authors: number
  /** (author, group) pairs, each with its own nonces */
  members: number
  posts: number
  admitted: number
  refused: number
  refusedWhy: Reasons
  /** submissions sent again after a retriable refusal (pool full, rate limit) */
  retries: number
  concurrency: number
  batch: number
  /** first submission → last admission answered */
  admitSeconds: number
  admitPerSec: number
  /** first submission → every group head with nothing pending */
  seconds: number
  postsPerSec: number
  /** postsPerSec / the verify limit */
  ratio: number
  /** group blocks made during the case (all groups), posts per block */
  groupBlocks: number
  postsPerBlock: number
  /** authors whose next nonce after the run is not the expected one (posts lost) */
  nonceMismatches: number
  /** the node process's CPU over the case, in cores (utime + stime / wall) */
  nodeCores: number
  /** the bench process's CPU over the case (the client: JSON, HTTP), in cores */
  clientCores: number
  /** most pending in one group seen by the completion poll */
  maxPendingSeen: number
}

/** Delivery latency on the 3-node testnet. */
export interface LatencyResult {
  posts: number
  offeredPerSec: number
  admitted: number
  refused: number
  /** per node: p50/p99/max ms from the submission's answer to the node's subscription event */
  nodes: { index: number; role: string; seen: number; p50: number; p90: number; p99: number; max: number }[]
  /** p50 of node 2 (a producer other than the one that took the post in) — the figure quoted */
  p50Ms: number
  p99Ms: number
  /** of that: from the answer to the time in the header of the block holding the post (waiting for production) */
  untilBlockTimeMs: { p50: number; p99: number }
  groupBlocks: number
}

/** Idle CPU of one node hosting `groups` quiet groups. */
export interface IdleCaseResult {
  groups: number
  seconds: number
  cpuSeconds: number
  /** cpuSeconds / seconds: the node's share of one core */
  cores: number
  mainBlocks: number
  rssMiB: number
}

/** Anchored checkpoints of some groups against their group blocks. */
export interface AnchorCount {
  groups: number
  groupBlocks: number
  /** checkpoints anchored on the main chain (`group_getCheckpoints`) */
  anchored: number
  anchorsPerGroupBlock: number
}

/** One steady-trickle phase: a post in each group every group block time. */
export interface TricklePhase {
  groups: number
  checkpointInterval: number
  seconds: number
  posts: number
  groupBlocks: number
  /** checkpoints anchored for the phase's blocks */
  anchored: number
  /** the node process's CPU over the phase, seconds */
  nodeCpuSeconds: number
}

/** Anchoring cost (MsgAnchorCheckpoint on the main chain). */
export interface AnchoringResult {
  checkpointInterval: number
  /** the groups of the posts run, after it */
  postsRun: AnchorCount
  /** trickle with anchoring (the posts run's groups, checkpointInterval small) */
  trickle: TricklePhase
  /** the same trickle in as many groups with the default interval (100): almost no anchors */
  comparison: TricklePhase
  /** MsgAnchorCheckpoint transactions in every main block of the posts node's run */
  anchorTxs: number
  txBytes: { mean: number; min: number; max: number }
  feeUgat: { mean: number; total: number }
  mainBlocks: number
  /** from the trickle phase: anchors, bytes and fees per 1,000 group blocks */
  per1000GroupBlocks: { txs: number; bytes: number; feeGat: number }
  /** (trickle CPU / its blocks − comparison CPU / its blocks) × 1,000, ms of node CPU */
  extraCpuMsPer1000GroupBlocks: number
  ed25519VerifyPerSec: number
  ed25519SignPerSec: number
  /** signature checks per 1,000 group blocks at the measured rates: 1 secp256k1 + 1 ed25519 per anchor, ms */
  estimatedSignatureMsPer1000GroupBlocks: number
}

/** What {@link runGroupsBench} reports. */
export interface GroupsBenchResult {
  verifyRuns: number[]
  verifyPerSec: number
  mainBlockTimeMs: number
  posts: PostsCaseResult[]
  /** the target quoted for posts over 100 groups, posts/s */
  postsTarget: number
  latency: LatencyResult
  /** target p50, ms */
  latencyTarget: number
  idle: IdleCaseResult[]
  idleRatio: number
  idleTarget: number
  anchoring: AnchoringResult
  notes: string[]
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

/** utime + stime of a process, seconds (/proc/<pid>/stat fields 14 and 15, in clock ticks). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // the command may hold spaces: fields after the closing parenthesis
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const CLK_TCK = 100
  return (Number(f[11]) + Number(f[12])) / CLK_TCK
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const m = /VmRSS:\s+(\d+) kB/.exec(status)
  return m === null ? 0 : Number(m[1]) / 1024
}

const clientCpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function mask(message: string): string {
  return message
    .replace(/[0-9A-Fa-f]{16,}/g, '…')
    .replace(/gat1[0-9a-z]{38}/g, 'gat1…')
    .replace(/\d+/g, 'N')
    .slice(0, 140)
}

/** A group author: a deterministic secp256k1 key (no main-chain account needed: groups are not gated). */
export interface Author {
  privateKey: Uint8Array
  publicKey: Uint8Array
  address: string
}

/** Author `i`'s key: sha256 of a fixed string and `i`. */
export function benchAuthor(i: number): Author {
  const privateKey = new Uint8Array(createHash('sha256').update(`gather-bench-group-author-${i}`).digest())
  const publicKey = publicKeyFromPrivateKey(privateKey)
  return { privateKey, publicKey, address: addressFromPubkey(publicKey) }
}

const note = (text: string): GroupAction => ({
  kind: 'post',
  contentType: 'application/activity+json',
  content: encodeNote({ content: text }),
})

// ------------------------------------------------------------------ JSON-RPC over fetch

interface JsonRpcAnswer {
  id: number | null
  result?: unknown
  error?: { code: number; message: string; data?: { code?: string } }
}

/** One HTTP request: a single call (one element) or a batch; the answers in call order. */
async function rpcOnce(url: string, calls: { method: string; params: unknown }[]): Promise<JsonRpcAnswer[]> {
  const body =
    calls.length === 1
      ? JSON.stringify({ jsonrpc: '2.0', id: 0, ...calls[0] })
      : JSON.stringify(calls.map((c, id) => ({ jsonrpc: '2.0', id, ...c })))
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`)
  }
  const list = (Array.isArray(parsed) ? parsed : [parsed]) as JsonRpcAnswer[]
  if (list.length === 1 && calls.length > 1 && list[0]!.id === null) {
    // the whole request refused (rate limit, size): the same answer for every call
    return calls.map(() => list[0]!)
  }
  const byId = new Map(list.map((a) => [a.id, a]))
  return calls.map((_, id) => byId.get(id) ?? { id, error: { code: 0, message: 'no answer' } })
}

/**
 * {@link rpcOnce}, sent again (up to 3 times) when the connection fails before an answer: a
 * keep-alive socket the node closed while this process was busy signing. A transaction that
 * reached the node the first time is answered GROUP_TX_ALREADY_KNOWN the next: counted admitted.
 */
async function rpc(url: string, calls: { method: string; params: unknown }[]): Promise<JsonRpcAnswer[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answers = await rpcOnce(url, calls)
      if (attempt === 0) return answers
      // sent again after a closed socket: the first copy was admitted (and maybe already in a
      // block, whose nonce the second copy then repeats)
      return answers.map((a, k) => {
        const code = a.error?.data?.code
        if (code === GroupErrorCode.ALREADY_KNOWN) return { id: a.id, result: { resent: true } }
        const tx = (calls[k]?.params as { tx?: string } | undefined)?.tx
        const last = (a.error?.data as { last?: number } | undefined)?.last
        if (code === GroupErrorCode.BAD_NONCE && tx !== undefined && last !== undefined) {
          const nonce = decodeGroupTx(Buffer.from(tx, 'base64')).body.nonce
          if (last >= nonce) return { id: a.id, result: { resent: true } }
        }
        return a
      })
    } catch (e) {
      if (attempt >= 3 || !(e instanceof TypeError)) throw e
      await sleep(20)
    }
  }
}

/** Calls in batches of at most 100 (the gateway's maxBatch), in order. */
async function rpcMany(url: string, calls: { method: string; params: unknown }[]): Promise<JsonRpcAnswer[]> {
  const out: JsonRpcAnswer[] = []
  for (let i = 0; i < calls.length; i += 100) out.push(...(await rpc(url, calls.slice(i, i + 100))))
  return out
}

async function heads(url: string, groupIds: readonly number[]): Promise<GroupHeadView[]> {
  const answers = await rpcMany(
    url,
    groupIds.map((groupId) => ({ method: 'group_getHead', params: { groupId } })),
  )
  return answers.map((a, i) => {
    if (a.error !== undefined) throw new Error(`group_getHead ${groupIds[i]}: ${a.error.message}`)
    return a.result as GroupHeadView
  })
}

/** Refusals a client waits out and sends again. */
const RETRIABLE = new Set<string>([GroupErrorCode.POOL_FULL])

interface SubmitStats {
  admitted: number
  refused: number
  refusedWhy: Reasons
  retries: number
  firstAt: number
  lastAckAt: number
}

/**
 * Sends each lane's transactions in order, `batch` per request, one request in flight per lane;
 * all lanes at once. A lane owns its authors, so an author's nonces reach the node in order; the
 * transactions of one request are of different authors. Retriable refusals are sent again (before
 * the lane goes on) after a short wait.
 */
export async function submitLanes(url: string, lanes: string[][], batch: number): Promise<SubmitStats> {
  const stats: SubmitStats = {
    admitted: 0,
    refused: 0,
    refusedWhy: {},
    retries: 0,
    firstAt: performance.now(),
    lastAckAt: 0,
  }
  const lane = async (txs: string[]): Promise<void> => {
    for (let i = 0; i < txs.length; i += batch) {
      let todo = txs.slice(i, i + batch)
      for (let attempt = 0; todo.length > 0; attempt++) {
        let answers: JsonRpcAnswer[]
        try {
          answers = await rpc(
            url,
            todo.map((tx) => ({ method: 'group_post', params: { tx } })),
          )
        } catch (e) {
          answers = todo.map(() => ({ id: null, error: { code: 0, message: String(e) } }))
        }
        const again: string[] = []
        answers.forEach((a, k) => {
          if (a.error === undefined) {
            stats.admitted++
            return
          }
          const code = a.error.data?.code ?? ''
          if ((RETRIABLE.has(code) || a.error.code === -32005) && attempt < 200) {
            again.push(todo[k]!)
            return
          }
          stats.refused++
          const why = mask(`${code} ${a.error.message}`)
          stats.refusedWhy[why] = (stats.refusedWhy[why] ?? 0) + 1
        })
        stats.lastAckAt = performance.now()
        if (again.length > 0) {
          stats.retries += again.length
          await sleep(50)
        }
        todo = again
      }
    }
  }
  await Promise.all(lanes.map(lane))
  return stats
}

// ------------------------------------------------------------------ main-chain helpers

export type Faucet = Awaited<ReturnType<typeof deriveAccountKey>>

/** Signs `msgs` from the faucet and waits for the block that includes them. */
async function sendMain(client: GatherClient, chainId: string, faucet: Faucet, msgs: AnyMessage[]) {
  const r = await commitMain(client, chainId, faucet, msgs, 60_000)
  if (r.code !== 0) throw new Error(`main-chain transaction failed: ${r.log}`)
  return r.height
}

/** Creates `count` groups (32 messages per transaction, the message limit); resolves to their ids. */
export async function createGroups(
  tn: TestnetNodes,
  faucet: Faucet,
  count: number,
  g: { producers: string[]; checkpointInterval?: number; name: string; private?: boolean },
): Promise<number[]> {
  const client = tn.clients[0]!
  const before = (await client.listGroups({})).total
  for (let i = 0; i < count; i += 32) {
    const msgs = Array.from({ length: Math.min(32, count - i) }, (_, k) =>
      createGroupMessage(faucet.address, {
        name: `${g.name} ${i + k + 1}`,
        producers: g.producers,
        ...(g.checkpointInterval === undefined && g.private === undefined
          ? {}
          : {
              policy: {
                ...(g.checkpointInterval === undefined ? {} : { checkpointInterval: g.checkpointInterval }),
                ...(g.private === undefined ? {} : { private: g.private }),
              },
            }),
      }),
    )
    await sendMain(client, tn.manifest.chainId, faucet, msgs)
  }
  const ids = Array.from({ length: count }, (_, k) => before + k + 1)
  const by = Date.now() + 60_000
  for (;;) {
    const hosted = await Promise.all(tn.clients.map((c) => c.listHostedGroups()))
    if (hosted.every((h) => ids.every((id) => h.includes(id)))) return ids
    if (Date.now() > by) throw new Error(`groups ${ids[0]}..${ids.at(-1)} not hosted after 60 s`)
    await sleep(100)
  }
}

/** Waits until no group has anything pending on the node at `url`; resolves to the heads then. */
export async function untilDrained(url: string, groupIds: readonly number[], timeoutMs = 120_000) {
  const by = Date.now() + timeoutMs
  let maxPending = 0
  for (;;) {
    const hs = await heads(url, groupIds)
    const pending = hs.reduce((s, h) => Math.max(s, h.pending), 0)
    maxPending = Math.max(maxPending, pending)
    if (pending === 0) return { at: performance.now(), heads: hs, maxPending }
    if (Date.now() > by) throw new Error(`group pools not drained after ${timeoutMs} ms (${pending} pending)`)
    await sleep(50)
  }
}

export async function startTestnet(
  n: number,
  blockTimeMs: number,
  log: (l: string) => void,
): Promise<{ tn: TestnetNodes; faucet: Faucet }> {
  const tn = await TestnetNodes.create(n, {
    blockTimeMs,
    extra: ['--follow-group', 'all', '--rpc-rate-limit', '0', '--log-level', 'warn'],
  })
  try {
    tn.startAll()
    await tn.untilFinal(2, 120_000)
  } catch (e) {
    await tn.close()
    throw e
  }
  log(`groups: ${n}-validator testnet up (${blockTimeMs} ms main blocks)`)
  return { tn, faucet: await deriveAccountKey(TEST_MNEMONIC, tn.manifest.faucet.index) }
}

// ------------------------------------------------------------------ 2. posts per second

/** One author in one group, with the last nonce it signed there. */
export interface Member {
  author: Author
  groupId: number
  nonce: number
}

/**
 * Request lanes: member i goes to lane i mod `concurrency`; a lane sends its members' transactions
 * round-robin (each member's first, then each one's second…), so one author's nonces arrive in
 * order while different authors share a request.
 */
export function requestLanes<M>(
  members: readonly M[],
  concurrency: number,
  perMember: (m: M, i: number) => string[],
): string[][] {
  const lanes: string[][] = Array.from({ length: concurrency }, () => [])
  const txs = members.map(perMember)
  const rounds = Math.max(...txs.map((t) => t.length), 0)
  for (let r = 0; r < rounds; r++)
    txs.forEach((t, i) => {
      if (r < t.length) lanes[i % concurrency]!.push(t[r]!)
    })
  return lanes
}

/**
 * Joins then posts: `members` are (author, group) pairs; lane k gets every `concurrency`-th
 * member; posts go round-robin over a lane's members. Joins are not timed; posts are.
 */
export async function postsCase(
  tn: TestnetNodes,
  groupIds: number[],
  members: Member[],
  postsPerMember: number,
  o: { concurrency: number; batch: number; verifyPerSec: number; log: (l: string) => void },
): Promise<PostsCaseResult> {
  const url = tn.manifest.nodes[0]!.rpc
  const chainId = tn.manifest.chainId
  const pid = tn.procs[0]!.child.pid!
  const lanesOf = (perMember: (m: Member) => string[]): string[][] =>
    requestLanes(members, o.concurrency, perMember)
  const sign = (m: Member, action: GroupAction): string => {
    m.nonce++
    return Buffer.from(
      signGroupTx(
        chainId,
        { groupId: m.groupId, publicKey: m.author.publicKey, nonce: m.nonce, action },
        m.author.privateKey,
      ),
    ).toString('base64')
  }
  let t = performance.now()
  const joins = lanesOf((m) => [sign(m, { kind: 'join' })])
  const joined = await submitLanes(url, joins, o.batch)
  if (joined.refused > 0) throw new Error(`joins refused: ${JSON.stringify(joined.refusedWhy)}`)
  await untilDrained(url, groupIds)
  o.log(
    `groups: ${members.length} members joined ${groupIds.length} group(s) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  )
  t = performance.now()
  const posts = lanesOf((m) =>
    Array.from({ length: postsPerMember }, (_, k) =>
      sign(m, note(`bench post ${k} of ${m.author.address.slice(-6)} in group ${m.groupId}: hello, group`)),
    ),
  )
  const total = posts.reduce((s, l) => s + l.length, 0)
  o.log(`groups: ${total} posts signed in ${((performance.now() - t) / 1000).toFixed(1)} s; submitting`)
  const before = await heads(url, groupIds)
  const cpu0 = await cpuSeconds(pid)
  const client0 = clientCpu()
  const stats = await submitLanes(url, posts, o.batch)
  const drained = await untilDrained(url, groupIds)
  const cpu1 = await cpuSeconds(pid)
  const client1 = clientCpu()
  const seconds = (drained.at - stats.firstAt) / 1000
  const admitSeconds = (stats.lastAckAt - stats.firstAt) / 1000
  const groupBlocks = drained.heads.reduce((s, h, i) => s + h.height - before[i]!.height, 0)
  // every author's next nonce is one above its last post: nothing admitted was dropped
  const expected = members.map((m) => m.nonce + 1)
  const answers = await rpcMany(
    url,
    members.map((m) => ({
      method: 'group_getMember',
      params: { groupId: m.groupId, address: m.author.address },
    })),
  )
  const nonceMismatches = answers.filter(
    (a, i) => (a.result as { nextNonce?: number } | undefined)?.nextNonce !== expected[i],
  ).length
  const postsPerSec = stats.admitted / seconds
  const r: PostsCaseResult = {
    groups: groupIds.length,
    authors: new Set(members.map((m) => m.author.address)).size,
    members: members.length,
    posts: total,
    admitted: stats.admitted,
    refused: stats.refused,
    refusedWhy: stats.refusedWhy,
    retries: stats.retries,
    concurrency: o.concurrency,
    batch: o.batch,
    admitSeconds,
    admitPerSec: stats.admitted / admitSeconds,
    seconds,
    postsPerSec,
    ratio: postsPerSec / o.verifyPerSec,
    groupBlocks,
    postsPerBlock: groupBlocks === 0 ? 0 : stats.admitted / groupBlocks,
    nonceMismatches,
    nodeCores: (cpu1 - cpu0) / ((drained.at - stats.firstAt) / 1000),
    clientCores: (client1 - client0) / seconds,
    maxPendingSeen: drained.maxPending,
  }
  o.log(
    `groups: ${groupIds.length} group(s): ${stats.admitted} posts in ${seconds.toFixed(2)} s = ${postsPerSec.toFixed(0)} posts/s (${(r.ratio * 100).toFixed(1)} % of the limit), admission ${r.admitPerSec.toFixed(0)}/s, ${groupBlocks} group blocks, node ${r.nodeCores.toFixed(2)} cores, ${stats.refused} refused, ${stats.retries} retries, ${nonceMismatches} nonce mismatches`,
  )
  return r
}

// ------------------------------------------------------------------ 5. anchoring

/** Waits (up to 30 s) until every checkpoint due for the groups' heights is anchored; counts them. */
async function anchorCount(tn: TestnetNodes, groupIds: readonly number[], interval: number) {
  const url = tn.manifest.nodes[0]!.rpc
  const by = Date.now() + 30_000
  let hs = await heads(url, groupIds)
  while (
    !hs.every((h) => h.lastCheckpointHeight >= Math.floor(h.height / interval) * interval) &&
    Date.now() < by
  ) {
    await sleep(250)
    hs = await heads(url, groupIds)
  }
  let anchored = 0
  for (const id of groupIds) anchored += (await tn.clients[0]!.getCheckpoints(id, { limit: 1 })).total
  return { heads: hs, anchored, groupBlocks: hs.reduce((s, h) => s + h.height, 0) }
}

/** The MsgAnchorCheckpoint transactions of main blocks `from..to`: sizes and fees. */
async function anchorTxsIn(client: GatherClient, from: number, to: number) {
  const sizes: number[] = []
  const fees: number[] = []
  for (let h = from; h <= to; h++) {
    const b = await client.getBlock({ height: h })
    for (const tx of b.txs) {
      const raw = Buffer.from(tx, 'base64')
      const d = decodeTx(raw, 1 << 20)
      if (d.messages.some((m) => m.typeUrl === '/gather.messaging.v1.MsgAnchorCheckpoint')) {
        sizes.push(raw.length)
        fees.push(Number(d.fee))
      }
    }
  }
  return { sizes, fees }
}

/**
 * A steady trickle: every `tickMs` (the group block time) one post in each group from one of its
 * members, for `seconds`; then until every due checkpoint is anchored. Node CPU over the posting.
 */
async function trickle(
  tn: TestnetNodes,
  members: Member[],
  interval: number,
  seconds: number,
  log: (l: string) => void,
): Promise<TricklePhase> {
  const url = tn.manifest.nodes[0]!.rpc
  const chainId = tn.manifest.chainId
  const pid = tn.procs[0]!.child.pid!
  const groupIds = members.map((m) => m.groupId)
  const tickMs = 500
  const ticks = Math.round((seconds * 1000) / tickMs)
  const signed = Array.from({ length: ticks }, (_, k) =>
    members.map((m) => ({
      method: 'group_post',
      params: {
        tx: Buffer.from(
          signGroupTx(
            chainId,
            {
              groupId: m.groupId,
              publicKey: m.author.publicKey,
              nonce: ++m.nonce,
              action: note(`trickle ${k}`),
            },
            m.author.privateKey,
          ),
        ).toString('base64'),
      },
    })),
  )
  const before = await anchorCount(tn, groupIds, interval)
  const cpu0 = await cpuSeconds(pid)
  const t0 = performance.now()
  for (let k = 0; k < ticks; k++) {
    const wait = t0 + k * tickMs - performance.now()
    if (wait > 0) await sleep(wait)
    const bad = (await rpcMany(url, signed[k]!)).find((a) => a.error !== undefined)
    if (bad !== undefined) throw new Error(`trickle post refused: ${bad.error!.message}`)
  }
  await untilDrained(url, groupIds)
  const cpu1 = await cpuSeconds(pid)
  const wall = (performance.now() - t0) / 1000
  const after = await anchorCount(tn, groupIds, interval)
  const r: TricklePhase = {
    groups: groupIds.length,
    checkpointInterval: interval,
    seconds: wall,
    posts: ticks * members.length,
    groupBlocks: after.groupBlocks - before.groupBlocks,
    anchored: after.anchored - before.anchored,
    nodeCpuSeconds: cpu1 - cpu0,
  }
  log(
    `groups: trickle in ${r.groups} groups (interval ${interval}): ${r.posts} posts, ${r.groupBlocks} group blocks, ${r.anchored} anchored, node CPU ${r.nodeCpuSeconds.toFixed(2)} s in ${wall.toFixed(1)} s`,
  )
  return r
}

/** ed25519 verify and sign rates on one thread (the producers' checkpoint signatures). */
function measureEd25519(seconds = 1): { verify: number; sign: number } {
  const keys = Array.from({ length: 100 }, () => generateNodeKey())
  const msg = createHash('sha256').update('checkpoint').digest()
  const sigs = keys.map((k) => signEd25519(k.privateKey, msg))
  let n = 0
  let start = performance.now()
  while (performance.now() - start < seconds * 1000) {
    for (let j = 0; j < 16; j++, n++) {
      const k = n % keys.length
      if (!verifyEd25519(keys[k]!.publicKey, msg, sigs[k]!)) throw new Error('ed25519 verify failed')
    }
  }
  const verify = (n * 1000) / (performance.now() - start)
  n = 0
  start = performance.now()
  while (performance.now() - start < seconds * 1000) {
    for (let j = 0; j < 16; j++, n++) signEd25519(keys[n % keys.length]!.privateKey, msg)
  }
  return { verify, sign: (n * 1000) / (performance.now() - start) }
}

// ------------------------------------------------------------------ 3. latency

/** The delivery-latency case on a fresh 3-validator testnet (see the file comment). */
export async function latencyCase(
  blockTimeMs: number,
  o: { posts: number; rate: number; authors: number },
  log: (l: string) => void,
): Promise<LatencyResult> {
  const { tn, faucet } = await startTestnet(3, blockTimeMs, log)
  const closers: (() => Promise<void>)[] = []
  try {
    const [, n1, n2] = tn.manifest.nodes
    const chainId = tn.manifest.chainId
    const [gid] = await createGroups(tn, faucet, 1, {
      name: 'latency',
      producers: [n1!.nodeId, n2!.nodeId],
    })
    const groupId = gid!
    const c0 = tn.clients[0]!
    const authors = Array.from({ length: o.authors }, (_, i) => benchAuthor(10_000 + i))
    const nonces = authors.map(() => 0)
    const signNext = (i: number, action: GroupAction) =>
      signGroupTx(
        chainId,
        { groupId, publicKey: authors[i]!.publicKey, nonce: ++nonces[i]!, action },
        authors[i]!.privateKey,
      )
    for (let i = 0; i < authors.length; i++) await c0.postGroupTx(signNext(i, { kind: 'join' }))
    // every node has the joins in a block
    const by = Date.now() + 60_000
    for (;;) {
      const hs = await Promise.all(tn.clients.map((c) => c.getGroupHead(groupId)))
      if (hs.every((h) => h.members === authors.length + 1 && h.pending === 0)) break
      if (Date.now() > by) throw new Error(`joins not on every node: ${JSON.stringify(hs)}`)
      await sleep(100)
    }
    const heightBefore = (await c0.getGroupHead(groupId)).height
    const txs = Array.from({ length: o.posts }, (_, k) =>
      signNext(k % authors.length, note(`latency post ${k}: a line of text like a chat message`)),
    )
    const seenAt = tn.manifest.nodes.map(() => new Map<string, number>())
    const blockTimeOf = new Map<string, number>()
    for (const [i, c] of tn.clients.entries()) {
      closers.push(
        await c.subscribe(
          'groupMessages',
          (m) => {
            if (!seenAt[i]!.has(m.id)) seenAt[i]!.set(m.id, performance.now())
            blockTimeOf.set(m.id, m.timeMs)
          },
          { groupId },
        ),
      )
    }
    const acceptedAt = new Map<string, number>()
    const acceptedWall = new Map<string, number>()
    let refused = 0
    const t0 = performance.now()
    const inflight: Promise<void>[] = []
    for (let k = 0; k < txs.length; k++) {
      const due = t0 + (k * 1000) / o.rate
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      inflight.push(
        c0.postGroupTx(txs[k]!).then(
          (r) => {
            acceptedAt.set(r.id, performance.now())
            acceptedWall.set(r.id, Date.now())
          },
          (e: unknown) => {
            refused++
            if (!(e instanceof RpcClientError)) throw e
          },
        ),
      )
    }
    await Promise.all(inflight)
    const until = Date.now() + 30_000
    while (seenAt.some((s) => s.size < acceptedAt.size) && Date.now() < until) await sleep(100)
    const roles = ['node 0 (follows; takes the posts in)', 'node 1 (producer)', 'node 2 (producer)']
    const nodes = seenAt.map((s, index) => {
      const lat = [...acceptedAt].flatMap(([id, at]) => {
        const seen = s.get(id)
        return seen === undefined ? [] : [Math.max(0, seen - at)]
      })
      return {
        index,
        role: roles[index]!,
        seen: lat.length,
        p50: quantile(lat, 0.5),
        p90: quantile(lat, 0.9),
        p99: quantile(lat, 0.99),
        max: quantile(lat, 1),
      }
    })
    const heightAfter = (await c0.getGroupHead(groupId)).height
    // the processes share this machine's clock: a block's header time is comparable with ours
    const untilBlock = [...acceptedWall].flatMap(([id, at]) => {
      const t = blockTimeOf.get(id)
      return t === undefined ? [] : [Math.max(0, t - at)]
    })
    const r: LatencyResult = {
      posts: o.posts,
      offeredPerSec: o.rate,
      admitted: acceptedAt.size,
      refused,
      nodes,
      p50Ms: nodes[2]!.p50,
      p99Ms: nodes[2]!.p99,
      untilBlockTimeMs: { p50: quantile(untilBlock, 0.5), p99: quantile(untilBlock, 0.99) },
      groupBlocks: heightAfter - heightBefore,
    }
    log(
      `groups: latency at ${o.rate}/s: ${nodes.map((x) => `node ${x.index} p50 ${x.p50.toFixed(0)} p99 ${x.p99.toFixed(0)} ms (${x.seen} seen)`).join('; ')}`,
    )
    return r
  } finally {
    for (const c of closers) await c().catch(() => undefined)
    await tn.close()
  }
}

// ------------------------------------------------------------------ 4. idle CPU

export async function idleCase(
  groups: number,
  o: { settleSeconds: number; seconds: number; mainBlockTimeMs: number },
  log: (l: string) => void,
): Promise<IdleCaseResult> {
  const { tn, faucet } = await startTestnet(1, o.mainBlockTimeMs, log)
  try {
    const node = tn.manifest.nodes[0]!
    const ids = await createGroups(tn, faucet, groups, { name: 'idle', producers: [node.nodeId] })
    // warm-up: one author joins and posts in every group, so every chain has produced
    const author = benchAuthor(20_000)
    const calls = ids.flatMap((groupId) =>
      [{ kind: 'join' } as GroupAction, note('warm-up')].map((action, k) => ({
        method: 'group_post',
        params: {
          tx: Buffer.from(
            signGroupTx(
              tn.manifest.chainId,
              { groupId, publicKey: author.publicKey, nonce: k + 1, action },
              author.privateKey,
            ),
          ).toString('base64'),
        },
      })),
    )
    // joins before posts: one batch holds each group's join, the next its post
    for (const k of [0, 1]) {
      const answers = await rpcMany(
        node.rpc,
        calls.filter((_, i) => i % 2 === k),
      )
      const bad = answers.find((a) => a.error !== undefined)
      if (bad !== undefined) throw new Error(`warm-up refused: ${bad.error!.message}`)
      await untilDrained(node.rpc, ids)
    }
    await sleep(o.settleSeconds * 1000)
    const pid = tn.procs[0]!.child.pid!
    const h0 = (await tn.clients[0]!.getStatus()).height
    const c0 = await cpuSeconds(pid)
    const t0 = performance.now()
    await sleep(o.seconds * 1000)
    const c1 = await cpuSeconds(pid)
    const seconds = (performance.now() - t0) / 1000
    const h1 = (await tn.clients[0]!.getStatus()).height
    const r: IdleCaseResult = {
      groups,
      seconds,
      cpuSeconds: c1 - c0,
      cores: (c1 - c0) / seconds,
      mainBlocks: h1 - h0,
      rssMiB: await rssMiB(pid),
    }
    log(
      `groups: idle with ${groups} group(s): ${r.cpuSeconds.toFixed(2)} s CPU in ${seconds.toFixed(1)} s (${(r.cores * 100).toFixed(1)} % of a core), ${r.mainBlocks} main blocks, ${r.rssMiB.toFixed(0)} MiB`,
    )
    return r
  } finally {
    await tn.close()
  }
}

// ------------------------------------------------------------------ the run

/** Runs the group-chain benchmark; see the file comment. */
export async function runGroupsBench(opts: GroupsBenchOptions = {}): Promise<GroupsBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const verifySeconds = opts.verifySeconds ?? 3
  const mainBlockTimeMs = opts.mainBlockTimeMs ?? 500
  const interval = opts.checkpointInterval ?? 10
  const concurrency = opts.concurrency ?? 32
  const batch = opts.batch ?? 10
  const one = opts.oneGroup ?? { authors: 320, postsPerAuthor: 25 }
  const many = opts.manyGroups ?? { groups: 100, membersPerGroup: 20, authors: 400, postsPerMember: 6 }
  const trickleSeconds = opts.trickleSeconds ?? 10
  const lat = opts.latency ?? { posts: 200, rate: 20, authors: 10 }
  const idleOpts = opts.idle ?? { groups: [1, 100], settleSeconds: 10, seconds: 30, mainBlockTimeMs: 1000 }

  const verifyRuns = [await measureNativeVerifyRate(verifySeconds)]
  const ed = measureEd25519()
  log(`groups: limit ${verifyRuns[0]!.toFixed(0)} secp256k1 verifies/s (one thread)`)
  const verifyPerSec = verifyRuns[0]!

  // 2 and 5: posts through one node, 1 group then 100 groups
  const posts: PostsCaseResult[] = []
  let anchoring: AnchoringResult
  {
    const { tn, faucet } = await startTestnet(1, mainBlockTimeMs, log)
    try {
      const nodeId = tn.manifest.nodes[0]!.nodeId
      const startHeight = (await tn.clients[0]!.getStatus()).height
      const authors = Array.from({ length: Math.max(one.authors, many.authors) }, (_, i) => benchAuthor(i))
      const c = { concurrency, batch, verifyPerSec, log }
      const [g1] = await createGroups(tn, faucet, 1, {
        name: 'one',
        producers: [nodeId],
        checkpointInterval: interval,
      })
      posts.push(
        await postsCase(
          tn,
          [g1!],
          authors.slice(0, one.authors).map((author) => ({ author, groupId: g1!, nonce: 0 })),
          one.postsPerAuthor,
          c,
        ),
      )
      const ids = await createGroups(tn, faucet, many.groups, {
        name: 'many',
        producers: [nodeId],
        checkpointInterval: interval,
      })
      const members = ids.flatMap((groupId, j) =>
        Array.from({ length: many.membersPerGroup }, (_, m) => ({
          author: authors[(j * many.membersPerGroup + m) % many.authors]!,
          groupId,
          nonce: 0,
        })),
      )
      posts.push(await postsCase(tn, ids, members, many.postsPerMember, c))
      // 5: anchors of the posts run, then a trickle with anchoring and one without
      const counted = await anchorCount(tn, [g1!, ...ids], interval)
      const postsRun: AnchorCount = {
        groups: ids.length + 1,
        groupBlocks: counted.groupBlocks,
        anchored: counted.anchored,
        anchorsPerGroupBlock: counted.groupBlocks === 0 ? 0 : counted.anchored / counted.groupBlocks,
      }
      const first = ids.map((id) => members.find((m) => m.groupId === id)!)
      const withAnchors = await trickle(tn, first, interval, trickleSeconds, log)
      const idsB = await createGroups(tn, faucet, many.groups, {
        name: 'default interval',
        producers: [nodeId],
      })
      const membersB: Member[] = idsB.map((groupId, j) => ({ author: authors[j]!, groupId, nonce: 0 }))
      const joins = membersB.map((m) => ({
        method: 'group_post',
        params: {
          tx: Buffer.from(
            signGroupTx(
              tn.manifest.chainId,
              {
                groupId: m.groupId,
                publicKey: m.author.publicKey,
                nonce: ++m.nonce,
                action: { kind: 'join' },
              },
              m.author.privateKey,
            ),
          ).toString('base64'),
        },
      }))
      if ((await rpcMany(tn.manifest.nodes[0]!.rpc, joins)).some((x) => x.error !== undefined))
        throw new Error('joins of the comparison groups refused')
      await untilDrained(tn.manifest.nodes[0]!.rpc, idsB)
      const comparison = await trickle(tn, membersB, DEFAULT_CHECKPOINT_INTERVAL, trickleSeconds, log)
      const client = tn.clients[0]!
      const endHeight = (await client.getStatus()).height
      const { sizes, fees } = await anchorTxsIn(client, startHeight, endHeight)
      const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((x, y) => x + y, 0) / xs.length)
      const per1000 = withAnchors.groupBlocks === 0 ? 0 : 1000 / withAnchors.groupBlocks
      const anchorsPer1000 = withAnchors.anchored * per1000
      anchoring = {
        checkpointInterval: interval,
        postsRun,
        trickle: withAnchors,
        comparison,
        anchorTxs: sizes.length,
        txBytes: { mean: mean(sizes), min: Math.min(...sizes), max: Math.max(...sizes) },
        feeUgat: { mean: mean(fees), total: fees.reduce((x, y) => x + y, 0) },
        mainBlocks: endHeight - startHeight + 1,
        per1000GroupBlocks: {
          txs: anchorsPer1000,
          bytes: anchorsPer1000 * mean(sizes),
          feeGat: (anchorsPer1000 * mean(fees)) / 1e6,
        },
        extraCpuMsPer1000GroupBlocks:
          (withAnchors.nodeCpuSeconds / withAnchors.groupBlocks -
            comparison.nodeCpuSeconds / comparison.groupBlocks) *
          1e6,
        ed25519VerifyPerSec: ed.verify,
        ed25519SignPerSec: ed.sign,
        // a 1-producer group: threshold 1, one ed25519 signature checked per anchor
        estimatedSignatureMsPer1000GroupBlocks: anchorsPer1000 * (1000 / verifyPerSec + 1000 / ed.verify),
      }
      log(
        `groups: anchoring: posts run ${postsRun.anchored} anchored for ${postsRun.groupBlocks} group blocks; ${sizes.length} MsgAnchorCheckpoint txs in main blocks ${startHeight}..${endHeight}, ${anchoring.txBytes.mean.toFixed(0)} bytes, fee ${anchoring.feeUgat.mean} ugat each; extra CPU ${anchoring.extraCpuMsPer1000GroupBlocks.toFixed(0)} ms per 1,000 group blocks`,
      )
    } finally {
      await tn.close()
    }
  }

  // 3: delivery latency on 3 nodes
  const latency = await latencyCase(mainBlockTimeMs, lat, log)

  // 4: idle CPU, 1 group vs 100, each on a fresh node
  const idle: IdleCaseResult[] = []
  for (const n of idleOpts.groups) idle.push(await idleCase(n, idleOpts, log))
  const idleRatio = idle[1]!.cpuSeconds / idle[0]!.cpuSeconds

  verifyRuns.push(await measureNativeVerifyRate(verifySeconds))
  log(`groups: limit after the runs ${verifyRuns[1]!.toFixed(0)} verifies/s`)
  // the ratios against the mean of the limit measured before and after
  const limit = (verifyRuns[0]! + verifyRuns[1]!) / 2
  for (const p of posts) p.ratio = p.postsPerSec / limit

  return {
    verifyRuns,
    verifyPerSec: limit,
    mainBlockTimeMs,
    posts,
    postsTarget: 2_000,
    latency,
    latencyTarget: 1_000,
    idle,
    idleRatio,
    idleTarget: 2,
    anchoring,
    notes: [
      `Every node is a \`gather start\` process on this machine (${availableParallelism()} cores), sharing them with the bench process (the client) and whatever else runs: the node CPU column says how much of a core the node got.`,
      `Posts: ${one.authors} authors in group 1 (${one.postsPerAuthor} posts each); ${many.groups} groups of ${many.membersPerGroup} members drawn from ${many.authors} authors (${many.postsPerMember} posts per member). Authors are deterministic secp256k1 keys without main-chain accounts (the groups are not holder-gated); each joins first (not timed). Each post is an ActivityStreams note of ${encodeNote({ content: 'bench post 0 of 000000 in group 100: hello, group' }).length} bytes.`,
      'The groups of the posts run have one producer (the node): threshold 1, so each checkpoint is anchored by one MsgAnchorCheckpoint with one ed25519 signature, submitted by the node with its --anchor-key (the node owner account, as `gather testnet` sets it up).',
      'In the posts run the posts come in few large group blocks, so a group may end below its first checkpoint height (the interval): the trickle rows, one post per group block, are the measure of anchoring.',
      `Anchoring: the trickle posts once per group every 500 ms (the group block time) for ${trickleSeconds} s, so every post makes a group block; the comparison trickle runs in as many new groups with the default checkpointInterval (${DEFAULT_CHECKPOINT_INTERVAL}), which anchor nothing in that time. The CPU difference per group block is the anchoring's (signing the checkpoint, gossiping the vote, building and admitting the main-chain transaction, executing it in a main block); it is one sample each on a shared machine.`,
      'Latency: node 0 answers `group_post` once it admitted the post and gossiped it; the producer whose turn it is puts it in its next block (block time 500 ms), every node imports the block and notifies its subscribers.',
      `Idle CPU: /proc/<pid>/stat utime + stime in clock ticks of 10 ms; ${idleOpts.mainBlockTimeMs} ms main blocks, ${idleOpts.settleSeconds} s settled after the warm-up before the window.`,
    ],
  }
}
