import WebSocket from 'ws'
import type { RpcMethodName, RpcParams, RpcResult } from './api.js'

/** What a method answers (rpc/api.ts declares every method's result; the server is checked against it). */
export type { RpcMethodName, RpcParams, RpcResult }

/** `chain_getStatus` result. */
export type StatusResult = RpcResult<'chain_getStatus'>
/** `net_getPeers` result. */
export type PeersResult = RpcResult<'net_getPeers'>
/** `consensus_getRound` result. */
export type RoundResult = RpcResult<'consensus_getRound'>
/** `account_get` result: counters and amounts as decimal strings. */
export type AccountResult = RpcResult<'account_get'>
/** `token_getSupply` result (ugat). */
export type SupplyResult = RpcResult<'token_getSupply'>
/** `token_getEmission` result: amounts in ugat as decimal strings, days numbered from 0. */
export type EmissionResult = RpcResult<'token_getEmission'>
/** `token_getRewards` result: ugat as decimal strings. */
export type RewardsResult = RpcResult<'token_getRewards'>
/** A node as staking queries show it (`power` and `locked`: ugat locked on it by all stakers). */
export type StakingNodeView = RpcResult<'staking_getNode'>
/** `staking_getSuperNodes` result. */
export type SuperNodesResult = RpcResult<'staking_getSuperNodes'>
/** `staking_getLocks` result (ugat). */
export type LocksResult = RpcResult<'staking_getLocks'>
/** `staking_getUnbonding` result (ugat). */
export type UnbondingResult = RpcResult<'staking_getUnbonding'>
/** `gov_getProposals` result. */
export type ProposalsResult = RpcResult<'gov_getProposals'>
/** `gov_getProposal` result: the proposal with its live tally (ugat) and time left. */
export type ProposalResult = RpcResult<'gov_getProposal'>
/** `gov_getVotes` result. */
export type VotesResult = RpcResult<'gov_getVotes'>
/** `gov_getVote` result. */
export type VoteResult = RpcResult<'gov_getVote'>
/** `gov_getParams` result (amounts in ugat, ratios in basis points). */
export type GovParamsResult = RpcResult<'gov_getParams'>
/** `staking_getParams` result (amounts in ugat). */
export type StakingParamsResult = RpcResult<'staking_getParams'>
/** `chain_getTx` result. */
export type TxLookupResult = RpcResult<'chain_getTx'>
/** `tx_broadcastCommit` result: `code` 0 is success. */
export type BroadcastCommitResult = RpcResult<'tx_broadcastCommit'>
/** `state_getProof` result. */
export type ProofResult = RpcResult<'state_getProof'>
/** `identity_resolve` result. */
export type GidResult = RpcResult<'identity_resolve'>
/** `group_get` result. */
export type GroupResult = RpcResult<'group_get'>
/** A group as `group_list` shows it (ugat as decimal strings). */
export type GroupView = GroupListResult['groups'][number]
/** An anchored checkpoint (hashes in hex); `key` is its state key, for `state_getProof`. */
export type CheckpointView = CheckpointsResult['checkpoints'][number]
/** `group_list` result. */
export type GroupListResult = RpcResult<'group_list'>
/** `group_getCheckpoints` result (newest first). */
export type CheckpointsResult = RpcResult<'group_getCheckpoints'>
/** `group_isMember` result; `member` is null for groups that are not holder-gated. */
export type MembershipResult = RpcResult<'group_isMember'>
/** `group_verifyInclusion` result. */
export type InclusionResultJson = RpcResult<'group_verifyInclusion'>
/** A message of a group chain, as `group_getMessages` and the `groupMessages` subscription show it. */
export type GroupMessageView = RpcResult<'group_getMessages'>['messages'][number]
/** `group_getMembers` result: a page of members, with the owner, the admins and the total. */
export type GroupMembersView = RpcResult<'group_getMembers'>
/** One member in `group_getMembers`. */
export type GroupMemberView = GroupMembersView['members'][number]
/** `group_getMember` result: what the group says of an address, and the nonce it signs next. */
export type GroupAccountView = RpcResult<'group_getMember'>
/** `group_getHead` result. */
export type GroupHeadView = RpcResult<'group_getHead'>
/** An inclusion proof's JSON (`group_getMessageProof`'s `proof`; what `group_verifyInclusion` takes). */
export type InclusionProofJson = RpcResult<'group_getMessageProof'>['proof']

/** Subscriptions to the chain's blocks (`chain_subscribe`'s other kinds). */
export type ChainSubscriptionEvent = 'newHeads' | 'finalHeads' | 'txs' | 'events'

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

  /**
   * Calls a method with named params; throws RpcClientError for JSON-RPC errors. A method of the
   * node's API gets its declared params and result types; any other name answers `unknown`.
   */
  call<M extends RpcMethodName>(
    method: M,
    ...params: Partial<RpcParams<M>> extends RpcParams<M> ? [RpcParams<M>?] : [RpcParams<M>]
  ): Promise<RpcResult<M>>
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>
  async call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
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
    return body.result
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

  getBlock(by: RpcParams<'chain_getBlock'> = {}): Promise<RpcResult<'chain_getBlock'>> {
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

  /** `token_getMinFee`: the minimum fee per transaction, ugat. */
  getMinFee(): Promise<RpcResult<'token_getMinFee'>> {
    return this.call('token_getMinFee')
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

  /** `gov_getProposals`: newest first, all or one status; paged. */
  getProposals(by: RpcParams<'gov_getProposals'> = {}): Promise<ProposalsResult> {
    return this.call('gov_getProposals', by)
  }

  /** Throws RpcClientError -32001 for an unknown proposal. */
  getProposal(proposalId: number): Promise<ProposalResult> {
    return this.call('gov_getProposal', { proposalId })
  }

  /** Throws RpcClientError -32001 for an unknown proposal. */
  getVotes(proposalId: number, page: { offset?: number; limit?: number } = {}): Promise<VotesResult> {
    return this.call('gov_getVotes', { proposalId, ...page })
  }

  /** Throws RpcClientError -32001 when the voter has not voted on the proposal. */
  getVote(proposalId: number, voter: string): Promise<VoteResult> {
    return this.call('gov_getVote', { proposalId, voter })
  }

  getGovParams(): Promise<GovParamsResult> {
    return this.call('gov_getParams')
  }

  /** Throws RpcClientError -32001 when nothing is bound. */
  resolveIdentity(by: RpcParams<'identity_resolve'>): Promise<GidResult> {
    return this.call('identity_resolve', by)
  }

  /** `identity_getInfo`: identity params, GIDs registered, the next free GID. */
  getIdentityInfo(): Promise<RpcResult<'identity_getInfo'>> {
    return this.call('identity_getInfo')
  }

  /** `group_getParams`: the messaging module's params. */
  getGroupParams(): Promise<RpcResult<'group_getParams'>> {
    return this.call('group_getParams')
  }

  /** Throws RpcClientError -32001 for an unknown group. */
  getGroup(groupId: number): Promise<GroupResult> {
    return this.call('group_get', { groupId })
  }

  listGroups(by: RpcParams<'group_list'> = {}): Promise<GroupListResult> {
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
    return this.call('group_verifyInclusion', { proof } as RpcParams<'group_verifyInclusion'>)
  }

  getProof(key: string): Promise<ProofResult> {
    return this.call('state_getProof', { key })
  }

  /** `group_post`: submits signed group transaction bytes (`signGroupTx`); resolves with its id once admitted. */
  postGroupTx(tx: Uint8Array): Promise<{ id: string }> {
    return this.call('group_post', { tx: Buffer.from(tx).toString('base64') })
  }

  /** `group_getMessages`: newest first, below group height `before`, at most `limit` (default 50). */
  getGroupMessages(
    groupId: number,
    page: { before?: number; beforeIndex?: number; limit?: number } = {},
  ): Promise<RpcResult<'group_getMessages'>> {
    return this.call('group_getMessages', { groupId, ...page })
  }

  /** `group_getMembers`: a page of members (default 100). */
  getGroupMembers(
    groupId: number,
    page: { offset?: number; limit?: number } = {},
  ): Promise<GroupMembersView> {
    return this.call('group_getMembers', { groupId, ...page })
  }

  /** `group_getMember`: member, admin, muted, banned, and `nextNonce`. */
  getGroupMember(groupId: number, address: string): Promise<GroupAccountView> {
    return this.call('group_getMember', { groupId, address })
  }

  /** `group_getHead`. */
  getGroupHead(groupId: number): Promise<GroupHeadView> {
    return this.call('group_getHead', { groupId })
  }

  /** `group_getKeys`: a private group's current epoch and the keys wrapped for `address`. */
  getGroupKeys(groupId: number, address: string): Promise<RpcResult<'group_getKeys'>> {
    return this.call('group_getKeys', { groupId, address })
  }

  /** `group_getMessageProof`: the proof JSON that `verifyInclusion` and `gather verify-inclusion` take. */
  async getGroupMessageProof(groupId: number, messageId: string): Promise<InclusionProofJson> {
    return (await this.call('group_getMessageProof', { groupId, messageId })).proof
  }

  /** `group_listHosted`: the groups this node's group runtime hosts. */
  async listHostedGroups(): Promise<number[]> {
    const r: RpcResult<'group_listHosted'> = await this.call('group_listHosted')
    return r.groups
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
   * Subscribes over WebSocket (`newHeads`, `finalHeads`, `txs` of an address, `events` of a
   * type or module: `{ type: 'messaging.holder_joined' }`, or `groupMessages` of a group:
   * `{ groupId: 1 }`); `onEvent` gets each notification's result. Returns a function that closes
   * the subscription.
   */
  subscribe(
    event: 'groupMessages',
    onEvent: (message: GroupMessageView) => void,
    filter: { groupId: number },
  ): Promise<() => Promise<void>>
  subscribe(
    event: ChainSubscriptionEvent,
    onEvent: (result: unknown) => void,
    filter?: string | { type?: string; module?: string },
  ): Promise<() => Promise<void>>
  async subscribe(
    event: ChainSubscriptionEvent | 'groupMessages',
    onEvent: (result: never) => void,
    filter?: string | { type?: string; module?: string; groupId?: number },
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
    // errors after the upgrade end the socket; `close` below settles what waits on it
    ws.on('error', () => undefined)
    let subscription: string
    try {
      subscription = await new Promise<string>((resolve, reject) => {
        ws.on('message', (data) => {
          let m: JsonRpcResponse & { method?: string; params?: { subscription: string; result: unknown } }
          try {
            m = JSON.parse(data.toString()) as typeof m
          } catch {
            return
          }
          if (m.method === 'chain_subscription' && m.params !== undefined) onEvent(m.params.result as never)
          else if (m.id === 1 && m.error !== undefined)
            reject(new RpcClientError(m.error.code, m.error.message, m.error.data))
          else if (m.id === 1) resolve(m.result as string)
        })
        ws.once('close', (code, reason) =>
          reject(
            new Error(
              `the node closed the WebSocket (${code} ${reason.toString()}) before answering chain_subscribe`,
            ),
          ),
        )
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_subscribe', params }))
      })
    } catch (e) {
      // a refused subscription leaves nothing open
      ws.terminate()
      throw e
    }
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
