import WebSocket from 'ws'
import type { TxResult } from '../chain/codec/block.js'
import type { BlockView } from '../chain/codec/blockView.js'
import type { SmtProofJson } from '../chain/store/smt.js'

/** `chain_getStatus` result. */
export interface StatusResult {
  chainId: string
  genesisHash: string
  height: number
  headHash: string
  stateRoot: string
  headTime: string
  finalHeight: number
  /** head height − final height: blocks not final yet */
  finalityLag: number
  mempool: { txs: number; bytes: number }
  blockTimeMs: number
  /** catching up with peers (blocks-by-range); a validator does not produce meanwhile */
  syncing: boolean
  /** the highest head a peer reported (the head itself without a network) */
  targetHeight: number
  /** connected peers */
  peers: number
  /** why this validator does not produce now (waiting for peers, syncing…); null: it may */
  productionHold: string | null
}

/** `net_getPeers` result. */
export interface PeersResult {
  peerId: string | null
  addresses: string[]
  peers: {
    id: string
    address?: string
    direction?: string
    connected: boolean
    score: number
    banned: boolean
    bannedUntil?: number
  }[]
}

/** `consensus_getRound` result. */
export interface RoundResult {
  slot: number
  round: number
  roundStartSlot: number
  headHeight: number
  headSlot: number
  /** the round's proposer order (node ids) */
  order: string[]
  slots: { slot: number; proposer: string; status: 'produced' | 'missed' | 'pending' }[]
  missed: { slot: number; proposer: string }[]
}

/** `account_get` result: counters and amounts as decimal strings. */
export interface AccountResult {
  address: string
  exists: boolean
  accountNumber: string
  /** committed: transactions of the account in blocks */
  sequence: string
  /** what the account's next transaction must carry here: `sequence` plus its transactions pending in this node's mempool */
  nextSequence: string
  /** `gmt` is all the GMT the account holds, bound to nodes or not */
  balance: { ugat: string; gmt: string }
  /** GMT bound to registered nodes (part of `balance.gmt`) */
  gmtBound: string
  /** ugat the account can transfer, burn or pay fees with now (balance less still-vesting coins) */
  spendable: string
  /** only for a genesis vesting account: its schedule (heights) and what still vests */
  vesting?: {
    original: string
    unvested: string
    /** unvested coins in the balance (unvested coins locked on nodes are not here) */
    lockedInBalance: string
    delegatedVesting: string
    delegatedFree: string
    startHeight: number
    cliffHeight: number
    endHeight: number
  }
}

/** `token_getSupply` result (ugat). */
export interface SupplyResult {
  denom: string
  cap: string
  genesis: string
  minted: string
  burned: string
  /** genesis + minted − burned */
  total: string
  /** locked on nodes (staking) */
  staked: string
  /** unlocked, waiting to return to balances */
  unbonding: string
  /** minted, not yet distributed (the current day's issuance and carried rounding) */
  rewardPool: string
  /** distributed to the nodes' and stakers' reward streams, not yet settled to accounts */
  rewardsOutstanding: string
  /** settled to accounts and not yet claimed, including locked super-node rewards */
  rewardsUnclaimed: string
  /** super-node rewards locked until their lock day (part of rewardsUnclaimed) */
  superNodeRewardsLocked: string
  /** unvested genesis allocation coins in balances (unvested coins that are staked count as staked) */
  vestingLocked: string
  /** every genesis allocation's unvested amount, staked or not */
  vestingUnvested: string
  /** total − staked − unbonding − rewardPool − rewardsOutstanding − rewardsUnclaimed − vestingLocked */
  circulating: string
  /** GMT: cap, issued so far, and the issuer account (null when the chain has none) */
  gmt: { cap: string; issued: string; issuer: string | null }
}

/** `token_getEmission` result: amounts in ugat as decimal strings, days numbered from 0. */
export interface EmissionResult {
  /** the day asked for (default: `today`) */
  day: number
  /** ugat minted on `day` by the schedule */
  amount: string
  /** ugat minted on days 0..`day` by the schedule */
  totalMintedThroughDay: string
  /** the last day of issuance (19,939) */
  lastDay: number
  /** the day of the next block */
  today: number
  todayAmount: string
  blocksPerDay: number
  /** the head height `minted` and `rewardPool` are read at */
  height: number
  /** ugat actually minted so far (state) */
  minted: string
  /** minted ugat not yet distributed (state) */
  rewardPool: string
}

/** `token_getRewards` result: ugat as decimal strings. */
export interface RewardsResult {
  address: string
  /** the head height the rewards are read at */
  height: number
  /** what MsgClaimRewards would pay in the next block */
  claimable: string
  /** earned by the account's locked GAT (65 %) since it was last settled */
  stakePending: string
  /** earned by the account's active nodes (30 %) since it was last settled */
  nodePending: string
  /** settled (at a lock change or a node transfer) and not yet claimed */
  unclaimed: string
  /** super-node rewards (5 %) locked until `superNodeUnlockDay` */
  superNodeLocked: string
  superNodeUnlockDay: number
  /** ugat the account has locked on nodes: its shares of the 65 % */
  lockedStake: string
  /** active nodes the account owns: its shares of the 30 % */
  activeNodes: string
}

/** A node as staking queries show it (`power` and `locked`: ugat locked on it by all stakers). */
export interface StakingNodeView {
  nodeId: string
  owner: string
  moniker: string
  power: string
  locked: string
  registeredHeight: number
  status: 'active' | 'inactive' | 'jailed'
  jailedUntil: number
  superNode: boolean
  /** place in the `current` or `next` list, from 1 */
  rank?: number
}

/** `staking_getSuperNodes` result. */
export interface SuperNodesResult {
  period: number
  periodSlots: number
  nextElectionSlot: number
  current: StakingNodeView[]
  next: StakingNodeView[]
}

/** `staking_getLocks` result (ugat). */
export interface LocksResult {
  address: string
  total: string
  locks: { nodeId: string; amount: string }[]
}

/** `staking_getUnbonding` result (ugat). */
export interface UnbondingResult {
  address: string
  total: string
  entries: { nodeId: string; amount: string; releaseHeight: number }[]
}

/** `staking_getParams` result (amounts in ugat). */
export interface StakingParamsResult {
  maxSuperNodes: number
  minNodeLock: string
  maxNodeLock: string
  unbondingBlocks: number
  electionPeriodRounds: number
  jailBlocks: number
  slashFractionBps: number
  evidenceMaxAgeBlocks: number
}

/** `chain_getTx` result. */
export interface TxLookupResult {
  hash: string
  height: number
  index: number
  code: number
  codespace: string
  log: string
  events: TxResult['events']
  tx: string
}

/** `tx_broadcastCommit` result: `code` 0 is success. */
export interface BroadcastCommitResult {
  hash: string
  height: number
  index: number
  code: number
  codespace: string
  log: string
}

/** `state_getProof` result. */
export interface ProofResult {
  key: string
  value: string | null
  height: number
  stateRoot: string
  proof: SmtProofJson
}

/** `identity_resolve` result. */
export interface GidResult {
  /** decimal string (GIDs are uint64) */
  gid: string
  address: string
  registeredHeight: number
  /** 0 if never transferred */
  transferredHeight: number
}

/** A group as `group_get` and `group_list` show it (ugat as decimal strings). */
export interface GroupView {
  id: number
  owner: string
  name: string
  /** hex ed25519 keys of the group chain's producers; empty when the owner produces */
  producers: string[]
  ownerProduces: boolean
  threshold: number
  policy: {
    maxMembers: number
    minGatBalance: string
    holderGated: boolean
    /** 0: none */
    parentGroup: number
    membersMayBefriend: boolean
  }
  createdHeight: number
  updatedHeight: number
  frozen: boolean
  lastCheckpointHeight: number
  checkpointCount: number
}

/** An anchored checkpoint (hashes in hex); `key` is its state key, for `state_getProof`. */
export interface CheckpointView {
  groupId: number
  height: number
  blockHash: string
  stateRoot: string
  accumulatorRoot: string
  signers: string[]
  anchoredHeight: number
  submitter: string
  key: string
}

/** `group_get` result. */
export interface GroupResult extends GroupView {
  children: number
  lastCheckpoint: CheckpointView | null
  evidence: {
    height: number
    anchored: CheckpointView
    conflicting: CheckpointView
    culprits: string[]
    mainHeight: number
    resolved: boolean
  }[]
}

/** `group_list` result. */
export interface GroupListResult {
  owner?: string
  parent?: number
  total: number
  offset: number
  limit: number
  groups: GroupView[]
}

/** `group_getCheckpoints` result (newest first). */
export interface CheckpointsResult {
  groupId: number
  total: number
  offset: number
  limit: number
  checkpoints: CheckpointView[]
}

/** `group_isMember` result; `member` is null for groups that are not holder-gated. */
export interface MembershipResult {
  groupId: number
  address: string
  holderGated: boolean
  member: boolean | null
  balance: string
  minGatBalance: string
  height: number
}

/** `group_verifyInclusion` result. */
export type InclusionResultJson =
  | {
      valid: true
      groupId: number
      height: number
      txIndex: number
      checkpointHeight: number
      blockHash: string
      checkpoint: CheckpointView
    }
  | { valid: false; code: string; reason: string; checkpoint: CheckpointView | null }

/** A JSON-RPC error returned by the node. */
export class RpcClientError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
    this.name = 'RpcClientError'
  }

  /** The chain's string error code, for domain errors (`TX_BAD_SEQUENCE`). */
  get chainCode(): string | undefined {
    const d = this.data as { code?: unknown } | undefined
    return typeof d?.code === 'string' ? d.code : undefined
  }
}

/**
 * The node's address answered, but not with JSON-RPC: an HTTP error (a wrong path, a proxy's
 * error page) or a body that is not a JSON-RPC response. The message is one line naming the
 * status, the address and what the body said.
 */
export class RpcHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    detail: string,
  ) {
    super(`HTTP ${status} from ${url}${detail === '' ? '' : `: ${detail}`}`)
    this.name = 'RpcHttpError'
  }
}

interface JsonRpcResponse {
  jsonrpc: '2.0'
  id: number | string | null
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/** Whether a parsed body is a JSON-RPC 2.0 response (a result, or an error with a numeric code). */
function isJsonRpcResponse(body: unknown): body is JsonRpcResponse {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const b = body as Record<string, unknown>
  if (b.jsonrpc !== '2.0') return false
  if (Object.hasOwn(b, 'result')) return true
  const e = b.error as Record<string, unknown> | undefined
  return typeof e === 'object' && e !== null && typeof e.code === 'number' && typeof e.message === 'string'
}

/**
 * What a body that is not JSON-RPC says, in one short line: the `error` or `message` of a JSON
 * object, the title or text of an HTML page, or the text itself.
 */
function describeBody(text: string): string {
  let said: string = text
  try {
    const j = JSON.parse(text) as unknown
    if (typeof j === 'object' && j !== null) {
      const o = j as Record<string, unknown>
      const msg =
        typeof o.error === 'string' ? o.error : typeof o.message === 'string' ? o.message : undefined
      if (msg !== undefined) said = msg
    }
  } catch {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]
    said = title ?? text.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')
  }
  const line = said.replace(/\s+/g, ' ').trim()
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

/**
 * A typed client of the node's JSON-RPC gateway (HTTP for calls, WebSocket for subscriptions).
 * Used by the CLI and the tests; any JSON-RPC 2.0 client works the same way.
 */
export class GatherClient {
  private nextId = 1

  /** @param url - the gateway, e.g. `http://127.0.0.1:26657/` */
  constructor(
    readonly url: string,
    private readonly opts: { timeoutMs?: number } = {},
  ) {}

  /** Calls a method with named params; throws RpcClientError for JSON-RPC errors. */
  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    let res: Response
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000),
      })
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code
      throw new Error(
        `cannot reach the node at ${this.url}${cause ? ` (${cause})` : ''}: is it running? (--rpc to use another address)`,
      )
    }
    let text: string
    try {
      text = await res.text()
    } catch (e) {
      throw new RpcHttpError(res.status, this.url, `the answer was cut off (${(e as Error).message})`)
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    // 413 and 429 carry JSON-RPC errors (limit, rate limit): those are the node's answer
    if (!isJsonRpcResponse(body)) {
      const detail = describeBody(text) || res.statusText
      throw new RpcHttpError(
        res.status,
        this.url,
        res.ok ? `not a JSON-RPC response${detail === '' ? '' : ` (${detail})`}` : detail,
      )
    }
    if (body.error !== undefined)
      throw new RpcClientError(body.error.code, body.error.message, body.error.data)
    return body.result as T
  }

  getStatus(): Promise<StatusResult> {
    return this.call('chain_getStatus')
  }

  /** `net_getPeers`. */
  getPeers(): Promise<PeersResult> {
    return this.call('net_getPeers')
  }

  /** `consensus_getRound`. */
  getRound(): Promise<RoundResult> {
    return this.call('consensus_getRound')
  }

  getBlock(by: { height?: number; hash?: string } = {}): Promise<BlockView> {
    return this.call('chain_getBlock', by)
  }

  getTx(hash: string): Promise<TxLookupResult> {
    return this.call('chain_getTx', { hash })
  }

  getAccount(address: string): Promise<AccountResult> {
    return this.call('account_get', { address })
  }

  getSupply(): Promise<SupplyResult> {
    return this.call('token_getSupply')
  }

  /** Issuance for `day` (default: the day of the next block). */
  getEmission(day?: number): Promise<EmissionResult> {
    return this.call('token_getEmission', day === undefined ? {} : { day })
  }

  /** `token_getRewards`: an account's pending, unclaimed and locked rewards. */
  getRewards(address: string): Promise<RewardsResult> {
    return this.call('token_getRewards', { address })
  }

  getSuperNodes(): Promise<SuperNodesResult> {
    return this.call('staking_getSuperNodes')
  }

  /** Throws RpcClientError -32001 for an unregistered node. */
  getNode(nodeId: string): Promise<StakingNodeView> {
    return this.call('staking_getNode', { nodeId })
  }

  getLocks(address: string): Promise<LocksResult> {
    return this.call('staking_getLocks', { address })
  }

  getUnbonding(address: string): Promise<UnbondingResult> {
    return this.call('staking_getUnbonding', { address })
  }

  getStakingParams(): Promise<StakingParamsResult> {
    return this.call('staking_getParams')
  }

  /** Throws RpcClientError -32001 when nothing is bound. */
  resolveIdentity(by: { gid: string } | { address: string }): Promise<GidResult> {
    return this.call('identity_resolve', by)
  }

  /** Throws RpcClientError -32001 for an unknown group. */
  getGroup(groupId: number): Promise<GroupResult> {
    return this.call('group_get', { groupId })
  }

  listGroups(
    by: { owner?: string; parent?: number; offset?: number; limit?: number } = {},
  ): Promise<GroupListResult> {
    return this.call('group_list', by)
  }

  getCheckpoints(
    groupId: number,
    page: { offset?: number; limit?: number } = {},
  ): Promise<CheckpointsResult> {
    return this.call('group_getCheckpoints', { groupId, ...page })
  }

  isGroupMember(groupId: number, address: string): Promise<MembershipResult> {
    return this.call('group_isMember', { groupId, address })
  }

  /** `proof` is the JSON form of an inclusion proof (`InclusionProofJson`). */
  verifyInclusion(proof: unknown): Promise<InclusionResultJson> {
    return this.call('group_verifyInclusion', { proof })
  }

  getProof(key: string): Promise<ProofResult> {
    return this.call('state_getProof', { key })
  }

  /** Submits TxRaw bytes; resolves once admitted to the mempool and journaled (docs/rpc.md, `tx_broadcast`). */
  broadcast(tx: Uint8Array): Promise<{ hash: string }> {
    return this.call('tx_broadcast', { tx: Buffer.from(tx).toString('base64') })
  }

  /** Submits TxRaw bytes and waits for the block that includes them. */
  broadcastCommit(tx: Uint8Array, timeoutMs?: number): Promise<BroadcastCommitResult> {
    return this.call('tx_broadcastCommit', {
      tx: Buffer.from(tx).toString('base64'),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    })
  }

  /**
   * Subscribes over WebSocket (`newHeads`, `finalHeads`, `txs` of an address, or `events` of a
   * type or module: `{ type: 'messaging.holder_joined' }`); `onEvent` gets each notification's
   * result. Returns a function that closes the subscription.
   */
  async subscribe(
    event: 'newHeads' | 'finalHeads' | 'txs' | 'events',
    onEvent: (result: unknown) => void,
    filter?: string | { type?: string; module?: string },
  ): Promise<() => Promise<void>> {
    const params = { event, ...(typeof filter === 'string' ? { address: filter } : filter) }
    const wsUrl = new URL('ws', this.url.replace(/^http/, 'ws'))
    const ws = new WebSocket(wsUrl)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      // a refused upgrade: its status and reason instead of ws's "Unexpected server response"
      ws.once('unexpected-response', (req, res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          if (text.length < 4096) text += c
        })
        res.on('error', () => undefined)
        res.on('end', () => {
          reject(new RpcHttpError(res.statusCode ?? 0, wsUrl.toString(), describeBody(text)))
          req.destroy()
        })
      })
    })
    const subscription = await new Promise<string>((resolve, reject) => {
      ws.on('message', (data) => {
        let m: JsonRpcResponse & { method?: string; params?: { subscription: string; result: unknown } }
        try {
          m = JSON.parse(data.toString()) as typeof m
        } catch {
          return
        }
        if (m.method === 'chain_subscription' && m.params !== undefined) onEvent(m.params.result)
        else if (m.id === 1 && m.error !== undefined)
          reject(new RpcClientError(m.error.code, m.error.message, m.error.data))
        else if (m.id === 1) resolve(m.result as string)
      })
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'chain_subscribe',
          params,
        }),
      )
    })
    return async () => {
      if (ws.readyState === ws.OPEN) {
        ws.send(
          JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'chain_unsubscribe', params: { subscription } }),
        )
      }
      ws.close()
      await new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) resolve()
        else ws.once('close', () => resolve())
      })
    }
  }
}
