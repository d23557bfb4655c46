import { z } from 'zod'
import { blockViewSchema, chainEventSchema } from '../chain/codec/blockView.js'
import type { QuerySpec } from '../chain/endpoint.js'
import { addressSchema, groupIdSchema, hashHexSchema, noParams, safeInt } from '../chain/schemas.js'
import { governanceQueries } from '../modules/governance/queries.js'
import { identityQueries } from '../modules/identity/queries.js'
import { messagingQueries } from '../modules/messaging/queries.js'
import { stakingQueries } from '../modules/staking/queries.js'
import { accountResult, tokenQueries } from '../modules/token/queries.js'

// The JSON-RPC API, declared once: every HTTP method's params, result and summary. The server
// validates params and documents methods from here (rpc/methods.ts holds the handlers of the
// node's own methods; the module methods run the module's endpoint), and the TypeScript client
// (rpc/client.ts) takes its result types from here, so server and client cannot drift. This
// file imports zod and declarations only: the client imports its types, never the node.

/** Limits on what a single call may ask for. */
export const METHOD_LIMITS = {
  /** base64 of the largest transaction we accept (the genesis maxTxBytes caps it again) */
  maxTxBase64Chars: 2 * 1024 * 1024,
  maxKeyChars: 512,
  maxCommitTimeoutMs: 120_000,
  defaultCommitTimeoutMs: 30_000,
}

const txBase64 = z
  .string()
  .min(1, 'is required')
  .max(METHOD_LIMITS.maxTxBase64Chars, 'is larger than any transaction this node accepts')
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 TxRaw bytes')

/** `chain_getStatus` result. */
export const statusResult = z
  .object({
    chainId: z.string(),
    genesisHash: z.string(),
    height: z.number(),
    headHash: z.string(),
    stateRoot: z.string(),
    headTime: z.string(),
    finalHeight: z.number(),
    /** head height − final height: blocks not final yet */
    finalityLag: z.number(),
    mempool: z.object({ txs: z.number(), bytes: z.number() }).strict(),
    blockTimeMs: z.number(),
    /** catching up with peers (blocks-by-range); a validator does not produce meanwhile */
    syncing: z.boolean(),
    /** the highest head a peer reported (the head itself without a network) */
    targetHeight: z.number(),
    /** connected peers */
    peers: z.number(),
    /** why this validator does not produce now (waiting for peers, syncing…); null: it may */
    productionHold: z.string().nullable(),
    /** this node's key (hex ed25519), what a group names as its producer; null without one */
    nodeId: z.string().nullable(),
    /**
     * what verifies secp256k1 signatures: libsecp256k1 (native) or the slower node:crypto
     * fallback; ed25519 ones: libsodium (native) or libsodium.js (WebAssembly); with why a
     * native binding is not in use
     */
    signatureVerification: z
      .object({
        backend: z.enum(['libsecp256k1', 'node:crypto']),
        ed25519: z.enum(['libsodium', 'libsodium.js']),
        warning: z.string().nullable(),
      })
      .strict(),
    /** the software upgrade a passed proposal scheduled: nodes without its handler stop before `height` */
    pendingUpgrade: z
      .object({ name: z.string(), height: z.number(), proposalId: z.number() })
      .strict()
      .nullable(),
  })
  .strict()

/** `net_getPeers` result. */
export const peersResult = z
  .object({
    peerId: z.string().nullable(),
    addresses: z.array(z.string()),
    peers: z.array(
      z
        .object({
          id: z.string(),
          /** remote multiaddr of the first open connection, if connected */
          address: z.string().optional(),
          direction: z.enum(['inbound', 'outbound']).optional(),
          connected: z.boolean(),
          score: z.number(),
          banned: z.boolean(),
          /** milliseconds since the epoch when the ban ends */
          bannedUntil: z.number().optional(),
          /** its last status from the handshake */
          status: z
            .object({
              chainId: z.string(),
              genesisHash: z.string(),
              headHeight: z.number(),
              headHash: z.string(),
              finalHeight: z.number(),
            })
            .strict()
            .optional(),
        })
        .strict(),
    ),
  })
  .strict()

/** `consensus_getRound` result. */
export const roundResult = z
  .object({
    slot: z.number(),
    round: z.number(),
    roundStartSlot: z.number(),
    headHeight: z.number(),
    headSlot: z.number(),
    /** the round's proposer order (node ids) */
    order: z.array(z.string()),
    slots: z.array(
      z
        .object({ slot: z.number(), proposer: z.string(), status: z.enum(['produced', 'missed', 'pending']) })
        .strict(),
    ),
    missed: z.array(z.object({ slot: z.number(), proposer: z.string() }).strict()),
  })
  .strict()

/** `chain_getTx` result. */
export const txLookupResult = z
  .object({
    hash: z.string(),
    height: z.number(),
    index: z.number(),
    code: z.number(),
    codespace: z.string(),
    log: z.string(),
    events: z.array(chainEventSchema),
    /** the TxRaw, base64 */
    tx: z.string(),
  })
  .strict()

/** `tx_broadcastCommit` result: `code` 0 is success. */
export const broadcastCommitResult = z
  .object({
    hash: z.string(),
    height: z.number(),
    index: z.number(),
    code: z.number(),
    codespace: z.string(),
    log: z.string(),
  })
  .strict()

/** `state_getProof` result: the value (base64) or null, and a sparse Merkle proof against the head. */
export const proofResult = z
  .object({
    key: z.string(),
    value: z.string().nullable(),
    height: z.number(),
    stateRoot: z.string(),
    proof: z
      .object({
        siblings: z.array(z.string()),
        leaf: z.object({ path: z.string(), valueHash: z.string() }).strict().optional(),
      })
      .strict(),
  })
  .strict()

/** Limits of the group-chain methods (`group_post`, `group_getMessages`, `group_getMembers`). */
export const GROUP_METHOD_LIMITS = {
  /** a signed group transaction, decoded (the runtime refuses above its own, lower, cap) */
  maxTxBytes: 96 * 1024,
  defaultMessages: 50,
  maxMessages: 200,
  defaultMembers: 100,
  maxMembers: 1000,
}

const groupTxBase64 = z
  .string()
  .min(1, 'is required')
  .max(
    (GROUP_METHOD_LIMITS.maxTxBytes / 3) * 4,
    `is larger than ${GROUP_METHOD_LIMITS.maxTxBytes / 1024} KiB decoded, more than any group transaction`,
  )
  .regex(
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
    'must be padded base64 of a signed group transaction',
  )

/** A group message id: sha256 of the post's transaction bytes. */
const messageIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a message id: 64 lower-case hex characters')

/** A message of a group chain (`GroupMessageView` of node/groups/types.ts). */
export const groupMessageView = z
  .object({
    /** hex sha256 of the post's transaction bytes */
    id: z.string(),
    author: z.string(),
    /** the group block's time, ms since the epoch */
    timeMs: z.number(),
    height: z.number(),
    index: z.number(),
    contentType: z.string(),
    /** base64; null when deleted or pruned by retention */
    content: z.string().nullable(),
    deleted: z.boolean(),
    deletedBy: z.string().optional(),
    pruned: z.boolean(),
  })
  .strict()

/** A group chain's head as this node has it (`GroupHeadView`). */
export const groupHeadView = z
  .object({
    groupId: z.number(),
    height: z.number(),
    hash: z.string(),
    timeMs: z.number(),
    producer: z.string(),
    round: z.number(),
    mainHeight: z.number(),
    stateRoot: z.string(),
    accumulatorRoot: z.string(),
    members: z.number(),
    producing: z.boolean(),
    lastCheckpointHeight: z.number(),
    pending: z.number(),
    /** a private group's current key epoch (0: none yet, or a public group) */
    epoch: z.number(),
  })
  .strict()

/** A private group's wrapped keys of one address (`GroupKeysView`). */
export const groupKeysView = z
  .object({
    groupId: z.number(),
    address: z.string(),
    epoch: z.number(),
    keys: z.array(
      z
        .object({ epoch: z.number(), ephemeralKey: z.string(), nonce: z.string(), ciphertext: z.string() })
        .strict(),
    ),
  })
  .strict()

/** One member of a group (`GroupMemberView`). */
export const groupMemberView = z
  .object({
    address: z.string(),
    joinedAt: z.number(),
    admin: z.boolean(),
    mutedUntil: z.number().optional(),
    /** hex account key once the member sent a group transaction; null before */
    publicKey: z.string().nullable(),
  })
  .strict()

/** A page of a group's members (`GroupMembersView`). */
export const groupMembersView = z
  .object({
    groupId: z.number(),
    owner: z.string(),
    total: z.number(),
    admins: z.array(z.string()),
    members: z.array(groupMemberView),
  })
  .strict()

/** What a group says of one address (`GroupAccountView`): what a client needs before signing. */
export const groupAccountView = z
  .object({
    groupId: z.number(),
    address: z.string(),
    member: z.boolean(),
    admin: z.boolean(),
    owner: z.boolean(),
    mutedUntil: z.number().nullable(),
    muteAllUntil: z.number().nullable(),
    banned: z.object({ by: z.string(), atMs: z.number() }).strict().nullable(),
    nextNonce: z.number(),
  })
  .strict()

/** An inclusion proof in its JSON form (`InclusionProofJson`): what `group_verifyInclusion` and `gather verify-inclusion` take. */
export const inclusionProofJson = z
  .object({
    groupId: z.number(),
    checkpointHeight: z.number(),
    /** base64 */
    message: z.string(),
    /** base64 */
    blockHeader: z.string(),
    txIndex: z.number(),
    txPath: z.array(z.string()),
    accumulator: z
      .object({
        leafIndex: z.number(),
        size: z.number(),
        path: z.array(z.string()),
        peaks: z.array(z.string()),
      })
      .strict()
      .optional(),
    /** base64 */
    checkpointHeader: z.string().optional(),
  })
  .strict()

/** The modules' query declarations, by module name (as node/wiring.ts names the endpoints). */
const moduleQueries = {
  token: tokenQueries,
  staking: stakingQueries,
  governance: governanceQueries,
  identity: identityQueries,
  messaging: messagingQueries,
}

/** The module query declarations, by module. */
export type ModuleQueries = typeof moduleQueries

/** An RPC method that is a module's query: the node answers it with that module's endpoint. */
export type ModuleMethod<
  M extends keyof ModuleQueries,
  Q extends keyof ModuleQueries[M],
> = ModuleQueries[M][Q] & {
  readonly module: M
  readonly query: Q
}

function fromModule<M extends keyof ModuleQueries, Q extends keyof ModuleQueries[M] & string>(
  module: M,
  query: Q,
): ModuleMethod<M, Q> {
  return { ...moduleQueries[module][query], module, query }
}

/** An RPC method the node itself answers (rpc/methods.ts has its handler). */
function nodeMethod<P extends z.ZodType, R extends z.ZodType>(spec: {
  summary: string
  params: P
  result: R
  notFound?: (params: z.output<P>) => string
}): QuerySpec<P, R> {
  return spec as QuerySpec<P, R>
}

/** Every HTTP JSON-RPC method, by name. Subscriptions (`chain_subscribe`) live in the WebSocket handler. */
export const rpcApi = {
  chain_getStatus: nodeMethod({
    summary:
      'Chain id, head height and hash, final height, state root, mempool size, and the network: syncing, target height, peers.',
    params: noParams,
    result: statusResult,
  }),
  net_getPeers: nodeMethod({
    summary:
      "This node's libp2p peer id and addresses, and its peers: id, address, direction, connected, score, banned, last status.",
    params: noParams,
    result: peersResult,
  }),
  consensus_getRound: nodeMethod({
    summary:
      "The current round: the next slot, the round's shuffled proposer order, and each slot of the round so far (produced, missed or pending).",
    params: noParams,
    result: roundResult,
  }),
  chain_getBlock: nodeMethod({
    summary:
      "A block by height or hash (the latest without params), with its transactions' results and its block events.",
    params: z
      .object({ height: safeInt(1).optional(), hash: hashHexSchema.optional() })
      .strict()
      .refine((p) => p.height === undefined || p.hash === undefined, 'give height or hash, not both'),
    result: blockViewSchema,
  }),
  chain_getTx: nodeMethod({
    summary: 'A committed transaction by hash: height, index, result code, log and events.',
    params: z.object({ hash: hashHexSchema }).strict(),
    result: txLookupResult,
  }),
  tx_broadcast: nodeMethod({
    summary:
      'Submits a base64 TxRaw to the mempool; answers once admitted and journaled (it survives a crash of this node).',
    params: z.object({ tx: txBase64 }).strict(),
    result: z.object({ hash: z.string() }).strict(),
  }),
  tx_broadcastCommit: nodeMethod({
    summary:
      'Submits a base64 TxRaw and answers once a block includes it, with its result code (0 = success).',
    params: z
      .object({
        tx: txBase64,
        timeoutMs: z.number().int().min(100).max(METHOD_LIMITS.maxCommitTimeoutMs).optional(),
      })
      .strict(),
    result: broadcastCommitResult,
  }),
  account_get: nodeMethod({
    summary:
      "An account: number, sequence, nextSequence (counting its transactions pending in this node's mempool), balances (decimal strings; GMT total and bound), spendable ugat and, for a genesis vesting account, its schedule.",
    params: tokenQueries.getAccount.params,
    result: accountResult.extend({
      /** what the account's next transaction must carry here: `sequence` plus its transactions pending in this node's mempool */
      nextSequence: z.string(),
    }),
  }),
  token_getSupply: fromModule('token', 'getSupply'),
  token_getEmission: fromModule('token', 'getEmission'),
  token_getRewards: fromModule('token', 'getRewards'),
  token_getMinFee: fromModule('token', 'getMinFee'),
  staking_getSuperNodes: fromModule('staking', 'getSuperNodes'),
  staking_getNode: fromModule('staking', 'getNode'),
  staking_getLocks: fromModule('staking', 'getLocks'),
  staking_getUnbonding: fromModule('staking', 'getUnbonding'),
  staking_getParams: fromModule('staking', 'getParams'),
  gov_getProposals: fromModule('governance', 'getProposals'),
  gov_getProposal: fromModule('governance', 'getProposal'),
  gov_getVotes: fromModule('governance', 'getVotes'),
  gov_getVote: fromModule('governance', 'getVote'),
  gov_getParams: fromModule('governance', 'getParams'),
  identity_resolve: fromModule('identity', 'resolve'),
  identity_getInfo: fromModule('identity', 'getInfo'),
  group_get: fromModule('messaging', 'getGroup'),
  group_list: fromModule('messaging', 'listGroups'),
  group_getCheckpoints: fromModule('messaging', 'getCheckpoints'),
  group_isMember: fromModule('messaging', 'isMember'),
  group_verifyInclusion: fromModule('messaging', 'verifyInclusion'),
  group_getParams: fromModule('messaging', 'getParams'),
  group_post: nodeMethod({
    summary:
      "Submits a base64 signed group transaction to this node's group runtime (gossiped to the group's producers); answers its id once admitted.",
    params: z.object({ tx: groupTxBase64 }).strict(),
    result: z.object({ id: z.string() }).strict(),
  }),
  group_getMessages: nodeMethod({
    summary: `A group's messages, newest first: below group height before (default: all; with beforeIndex, also those of block before below that index: the next page after a message), at most limit (default ${GROUP_METHOD_LIMITS.defaultMessages}, at most ${GROUP_METHOD_LIMITS.maxMessages}).`,
    params: z
      .object({
        groupId: groupIdSchema,
        before: safeInt(1).optional(),
        /** with before: also the messages of block `before` below this index (the next page after a message) */
        beforeIndex: safeInt(0).optional(),
        limit: z
          .number()
          .int('must be a whole number')
          .min(1)
          .max(GROUP_METHOD_LIMITS.maxMessages, `must be at most ${GROUP_METHOD_LIMITS.maxMessages} messages`)
          .optional(),
      })
      .strict()
      .refine((p) => p.beforeIndex === undefined || p.before !== undefined, {
        message: 'needs before (the height of the block it indexes)',
        path: ['beforeIndex'],
      }),
    result: z.object({ groupId: z.number(), messages: z.array(groupMessageView) }).strict(),
  }),
  group_getMembers: nodeMethod({
    summary: `A page of a group's members (offset, limit: default ${GROUP_METHOD_LIMITS.defaultMembers}, at most ${GROUP_METHOD_LIMITS.maxMembers}), with its owner, admins and total.`,
    params: z
      .object({
        groupId: groupIdSchema,
        offset: safeInt(0).optional(),
        limit: z
          .number()
          .int('must be a whole number')
          .min(1)
          .max(GROUP_METHOD_LIMITS.maxMembers, `must be at most ${GROUP_METHOD_LIMITS.maxMembers} members`)
          .optional(),
      })
      .strict(),
    result: groupMembersView,
  }),
  group_getMember: nodeMethod({
    summary:
      'What a group says of an address: member, admin, owner, muted, banned, and nextNonce, the nonce its next group transaction takes.',
    // bech32 in capitals is the same address; the group state keys addresses in lower case
    params: z
      .object({ groupId: groupIdSchema, address: addressSchema.transform((a) => a.toLowerCase()) })
      .strict(),
    result: groupAccountView,
  }),
  group_getHead: nodeMethod({
    summary:
      "A group chain's head on this node: height, hash, time, producer, roots, members, last anchored checkpoint, pending transactions.",
    params: z.object({ groupId: groupIdSchema }).strict(),
    result: groupHeadView,
  }),
  group_getKeys: nodeMethod({
    summary:
      "A private group's current key epoch and the keys wrapped for an address (each opens only with that account's key): what a member's client decrypts posts with.",
    params: z
      .object({ groupId: groupIdSchema, address: addressSchema.transform((a) => a.toLowerCase()) })
      .strict(),
    result: groupKeysView,
  }),
  group_getMessageProof: nodeMethod({
    summary:
      'An inclusion proof of a message against the lowest anchored checkpoint at or above its block: the JSON group_verifyInclusion takes.',
    params: z.object({ groupId: groupIdSchema, messageId: messageIdSchema }).strict(),
    result: z.object({ proof: inclusionProofJson }).strict(),
  }),
  group_listHosted: nodeMethod({
    summary: 'The groups whose chains this node hosts (produces, serves or follows).',
    params: noParams,
    result: z.object({ groups: z.array(z.number()) }).strict(),
  }),
  state_getProof: nodeMethod({
    summary:
      'A state key with its value (base64, or null) and a sparse Merkle proof against the head state root.',
    params: z.object({ key: z.string().min(1).max(METHOD_LIMITS.maxKeyChars) }).strict(),
    result: proofResult,
  }),
}

/** The RPC API's type. */
export type RpcApi = typeof rpcApi
/** Names of the HTTP methods. */
export type RpcMethodName = keyof RpcApi
/** What a caller sends as a method's params. */
export type RpcParams<M extends RpcMethodName> = z.input<RpcApi[M]['params']>
/** What a method answers. */
export type RpcResult<M extends RpcMethodName> = z.output<RpcApi[M]['result']>
/** The methods that are module queries. */
export type ModuleMethodName = {
  [K in RpcMethodName]: RpcApi[K] extends { module: string } ? K : never
}[RpcMethodName]
/** The methods the node answers itself (rpc/methods.ts). */
export type NodeMethodName = Exclude<RpcMethodName, ModuleMethodName>
