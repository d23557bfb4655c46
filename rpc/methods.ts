import { z } from 'zod'
import { isValidAddress } from '../chain/crypto/address.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { PROOF_LIMITS, proofFromJson } from '../modules/messaging/groupchain/proof.js'
import type { GatherNode } from '../node/index.js'
import { RpcErrorCode, rpcError, txRejected } from './errors.js'

/** Limits on what a single call may ask for. */
export const METHOD_LIMITS = {
  /** base64 of the largest transaction we accept (the genesis maxTxBytes caps it again) */
  maxTxBase64Chars: 2 * 1024 * 1024,
  maxKeyChars: 512,
  maxCommitTimeoutMs: 120_000,
  defaultCommitTimeoutMs: 30_000,
}

const hex64 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (a 32-byte hash)')
const address = z
  .string()
  .max(128)
  .refine((a) => isValidAddress(a), 'must be a gat bech32 address (gat1...)')
const nodeId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be the node's ed25519 public key as 64 lower-case hex characters")
const txBase64 = z
  .string()
  .min(1, 'is required')
  .max(METHOD_LIMITS.maxTxBase64Chars, 'is larger than any transaction this node accepts')
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 TxRaw bytes')

const groupId = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be a group id from 1')
  .max(Number.MAX_SAFE_INTEGER)
const pageParams = {
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(100, 'must be at most 100 per page').optional(),
}
const gid = z.union([
  z.string().regex(/^[1-9][0-9]{0,19}$/, 'must be a GID, a whole number from 1, as a decimal string'),
  z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
])
const hash32 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
const proofBase64 = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil((maxBytes * 4) / 3) + 4, `is longer than ${maxBytes} bytes`)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
const hashes = z.array(hash32).max(PROOF_LIMITS.maxPath)
const inclusionProof = z
  .object({
    groupId,
    checkpointHeight: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    message: proofBase64(PROOF_LIMITS.maxMessageBytes),
    blockHeader: proofBase64(PROOF_LIMITS.maxHeaderBytes),
    txIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    txPath: hashes,
    accumulator: z
      .object({
        leafIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
        path: hashes,
        peaks: hashes,
      })
      .strict()
      .optional(),
    checkpointHeader: proofBase64(PROOF_LIMITS.maxHeaderBytes).optional(),
  })
  .strict()

/** One JSON-RPC method: its params schema (by name), a handler, and documentation. */
export interface RpcMethod<S extends z.ZodType = z.ZodType> {
  params: S
  summary: string
  handler(node: GatherNode, params: z.infer<S>): unknown | Promise<unknown>
}

function method<S extends z.ZodType>(m: RpcMethod<S>): RpcMethod<S> {
  return m
}

function notFound(what: string): never {
  throw rpcError(RpcErrorCode.NOT_FOUND, `${what} not found`)
}

function decodeTxParam(tx: string): Uint8Array {
  return Buffer.from(tx, 'base64')
}

/**
 * Admits and journals a transaction: the answer comes once it would survive a crash of this
 * node. A journal failure is the node's fault, not the transaction's: -32000, not -32002.
 */
async function submit(node: GatherNode, tx: string): Promise<{ hash: string }> {
  try {
    return await node.submitTxDurable(decodeTxParam(tx))
  } catch (e) {
    if (e instanceof ChainError && e.code === ChainErrorCode.TX_JOURNAL_FAILED)
      throw rpcError(RpcErrorCode.SERVER_ERROR, e.message, { code: e.code })
    if (e instanceof ChainError) throw txRejected(e)
    throw e
  }
}

/** Every HTTP JSON-RPC method, by name. Subscriptions live in the WebSocket handler. */
export const rpcMethods = {
  chain_getStatus: method({
    summary:
      'Chain id, head height and hash, final height, state root, mempool size, and the network: syncing, target height, peers.',
    params: z.object({}).strict(),
    handler: (node) => node.getStatus(),
  }),

  net_getPeers: method({
    summary:
      "This node's libp2p peer id and addresses, and its peers: id, address, direction, connected, score, banned, last status.",
    params: z.object({}).strict(),
    handler: (node) => node.getPeers(),
  }),

  consensus_getRound: method({
    summary:
      "The current round: the next slot, the round's shuffled proposer order, and each slot of the round so far (produced, missed or pending).",
    params: z.object({}).strict(),
    handler: (node) => node.getRound(),
  }),

  chain_getBlock: method({
    summary: 'A block by height or hash (the latest without params).',
    params: z
      .object({
        height: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
        hash: hex64.optional(),
      })
      .strict()
      .refine((p) => p.height === undefined || p.hash === undefined, 'give height or hash, not both'),
    handler: async (node, p) => {
      const b =
        p.hash !== undefined
          ? await node.getBlockByHash(p.hash)
          : await node.getBlock(p.height ?? node.chain.head.height)
      return b ?? notFound(p.hash !== undefined ? `block ${p.hash}` : `block at height ${p.height ?? 'head'}`)
    },
  }),

  chain_getTx: method({
    summary: 'A committed transaction by hash: height, index, result code, log and events.',
    params: z.object({ hash: hex64 }).strict(),
    handler: async (node, p) => {
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
  }),

  tx_broadcast: method({
    summary:
      'Submits a base64 TxRaw to the mempool; answers once admitted and journaled (it survives a crash of this node).',
    params: z.object({ tx: txBase64 }).strict(),
    handler: (node, p) => submit(node, p.tx),
  }),

  tx_broadcastCommit: method({
    summary:
      'Submits a base64 TxRaw and answers once a block includes it, with its result code (0 = success).',
    params: z
      .object({
        tx: txBase64,
        timeoutMs: z.number().int().min(100).max(METHOD_LIMITS.maxCommitTimeoutMs).optional(),
      })
      .strict(),
    handler: async (node, p) => {
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
  }),

  account_get: method({
    summary:
      "An account: number, sequence, nextSequence (counting its transactions pending in this node's mempool), balances (decimal strings; GMT total and bound), spendable ugat and, for a genesis vesting account, its schedule.",
    params: z.object({ address }).strict(),
    handler: (node, p) => ({
      ...node.getAccount(p.address),
      nextSequence: (node.nextAccount(p.address)?.sequence ?? 0n).toString(),
    }),
  }),

  token_getSupply: method({
    summary:
      'GAT supply counters in ugat (cap, genesis, minted, burned, total, staked, unbonding, rewardPool, rewardsOutstanding, rewardsUnclaimed, superNodeRewardsLocked, vestingLocked, vestingUnvested, circulating) and GMT (cap, issued, issuer).',
    params: z.object({}).strict(),
    handler: (node) => node.getSupply(),
  }),

  token_getEmission: method({
    summary:
      "GAT issuance: a day's amount and the total through it, the last issuance day, today's day and amount, blocksPerDay, and the minted and reward-pool counters (ugat).",
    params: z
      .object({
        day: z
          .number()
          .int('must be a whole number of days')
          .min(0, 'must be a day number from 0 (the genesis day)')
          .max(1_000_000_000, 'must be at most 1000000000')
          .optional(),
      })
      .strict(),
    handler: (node, p) => node.getEmission(p.day),
  }),

  token_getRewards: method({
    summary:
      "An account's rewards (ugat): claimable now, pending from its locked GAT and active nodes, settled but unclaimed, and super-node rewards locked until their unlock day.",
    params: z.object({ address }).strict(),
    handler: (node, p) => node.getRewards(p.address),
  }),

  staking_getSuperNodes: method({
    summary:
      'The super nodes of the current period and the set an election over the head state would give next.',
    params: z.object({}).strict(),
    handler: (node) => node.getSuperNodes(),
  }),

  staking_getNode: method({
    summary: 'A registered node: owner, moniker, power (ugat locked), status.',
    params: z.object({ nodeId }).strict(),
    handler: (node, p) => node.getNode(p.nodeId) ?? notFound(`node ${p.nodeId}`),
  }),

  staking_getLocks: method({
    summary: "An account's locks, per node, in ugat.",
    params: z.object({ address }).strict(),
    handler: (node, p) => node.getLocks(p.address),
  }),

  staking_getUnbonding: method({
    summary: "An account's pending unlocks with their release heights.",
    params: z.object({ address }).strict(),
    handler: (node, p) => node.getUnbonding(p.address),
  }),

  staking_getParams: method({
    summary: 'Staking parameters: super nodes, node lock bounds, unbonding blocks, election period.',
    params: z.object({}).strict(),
    handler: (node) => node.getStakingParams(),
  }),

  identity_resolve: method({
    summary: 'A GID and the address it is bound to, looked up by GID or by address.',
    params: z
      .object({ gid: gid.optional(), address: address.optional() })
      .strict()
      .refine(
        (p) => (p.gid === undefined) !== (p.address === undefined),
        'give gid or address (one of them)',
      ),
    handler: (node, p) =>
      node.resolveIdentity(p.gid !== undefined ? { gid: BigInt(p.gid) } : { address: p.address! }) ??
      notFound(p.gid !== undefined ? `GID ${p.gid}` : `a GID of ${p.address}`),
  }),

  group_get: method({
    summary:
      'A group: owner, name, producers and threshold, policy, frozen, last checkpoint, evidence, number of child groups.',
    params: z.object({ groupId }).strict(),
    handler: (node, p) => node.getGroup(p.groupId) ?? notFound(`group ${p.groupId}`),
  }),

  group_list: method({
    summary:
      "Groups by id: all of them, an owner's, or a parent group's children; paged (offset, limit ≤ 100).",
    params: z
      .object({ owner: address.optional(), parent: groupId.optional(), ...pageParams })
      .strict()
      .refine((p) => p.owner === undefined || p.parent === undefined, 'give owner or parent, not both'),
    handler: (node, p) => node.listGroups(p),
  }),

  group_getCheckpoints: method({
    summary: "A group's anchored checkpoints, newest first; paged (offset, limit ≤ 100).",
    params: z.object({ groupId, ...pageParams }).strict(),
    handler: (node, p) =>
      node.getCheckpoints(p.groupId, {
        ...(p.offset === undefined ? {} : { offset: p.offset }),
        ...(p.limit === undefined ? {} : { limit: p.limit }),
      }) ?? notFound(`group ${p.groupId}`),
  }),

  group_isMember: method({
    summary:
      "Holder gate: whether an address's GAT balance reaches a holder-gated group's minGatBalance (member null for groups that are not holder-gated).",
    params: z.object({ groupId, address }).strict(),
    handler: (node, p) => node.isGroupMember(p.groupId, p.address) ?? notFound(`group ${p.groupId}`),
  }),

  group_verifyInclusion: method({
    summary:
      'Verifies a message inclusion proof against the checkpoint anchored at its checkpointHeight: { valid } or { valid: false, code, reason }.',
    params: z.object({ proof: inclusionProof }).strict(),
    handler: (node, p) => {
      let proof: ReturnType<typeof proofFromJson>
      try {
        proof = proofFromJson(p.proof)
      } catch (e) {
        throw rpcError(RpcErrorCode.INVALID_PARAMS, `invalid params: proof: ${(e as Error).message}`)
      }
      return node.verifyInclusion(proof)
    },
  }),

  state_getProof: method({
    summary:
      'A state key with its value (base64, or null) and a sparse Merkle proof against the head state root.',
    params: z.object({ key: z.string().min(1).max(METHOD_LIMITS.maxKeyChars) }).strict(),
    handler: (node, p) => node.getProof(p.key),
  }),
} satisfies Record<string, RpcMethod>

/** Names of the HTTP methods. */
export type RpcMethodName = keyof typeof rpcMethods
