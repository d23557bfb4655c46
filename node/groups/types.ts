/**
 * What the group-chain runtime offers the RPC layer and the CLI (docs/rpc.md, "Groups"). Numbers
 * that can exceed 2^53 are not here: group heights and times are safe integers.
 */

/** A message of a group as stored: newest first in `messages`. */
export interface GroupMessageView {
  /** hex sha256 of the post's transaction bytes */
  id: string
  author: string
  /** the group block's time (ms since the epoch) */
  timeMs: number
  /** the group block's height, and the transaction's index in it */
  height: number
  index: number
  contentType: string
  /** base64 of the content as stored; null when deleted or pruned by retention */
  content: string | null
  deleted: boolean
  /** who deleted it (the author or an admin) */
  deletedBy?: string
  /** true when retention dropped the content (its hash still proves) */
  pruned: boolean
}

/** A group chain's head as this node has it. */
export interface GroupHeadView {
  groupId: number
  /** 0 before the first block */
  height: number
  /** hex; 64 zeros before the first block */
  hash: string
  timeMs: number
  /** hex ed25519 key of the head block's producer */
  producer: string
  round: number
  mainHeight: number
  stateRoot: string
  accumulatorRoot: string
  members: number
  /** whether this node produces the group (its node key is a producer) */
  producing: boolean
  /** the last checkpoint anchored on the main chain (0: none) */
  lastCheckpointHeight: number
  /** transactions waiting for a block on this node */
  pending: number
  /** a private group's current key epoch (0: none yet, or a public group) */
  epoch: number
}

/** One member. */
export interface GroupMemberView {
  address: string
  /** group height it joined at (0: the owner, a member without joining) */
  joinedAt: number
  admin: boolean
  /** ms since the epoch; absent when not muted */
  mutedUntil?: number
  /** hex account key (33 bytes), once the member sent a group transaction (what keys are wrapped for) */
  publicKey: string | null
}

/** A page of members. */
export interface GroupMembersView {
  groupId: number
  owner: string
  total: number
  admins: string[]
  members: GroupMemberView[]
}

/** What the group says of one address (what a client needs before signing). */
export interface GroupAccountView {
  groupId: number
  address: string
  member: boolean
  admin: boolean
  owner: boolean
  mutedUntil: number | null
  muteAllUntil: number | null
  banned: { by: string; atMs: number } | null
  /** the nonce to sign next: above the last one in state and in this node's pool */
  nextNonce: number
}

/** A private group's key epochs as one address holds them (`group_getKeys`). */
export interface GroupKeysView {
  groupId: number
  address: string
  /** the group's current epoch (0: none yet) */
  epoch: number
  /** the address's wrapped keys, by epoch ascending; each opens with its account key only */
  keys: { epoch: number; ephemeralKey: string; nonce: string; ciphertext: string }[]
}

/** The group runtime as the RPC layer sees it. Every method throws ChainError with a `GROUP_*` code. */
export interface GroupService {
  /** Checks and admits a signed group transaction (gossiped to the group's producers). */
  submit(tx: Uint8Array): Promise<{ id: string }>
  /** newest first, below group height `before` (with `beforeIndex`: below that index of block `before` too) */
  messages(
    groupId: number,
    opts: { before?: number; beforeIndex?: number; limit: number },
  ): Promise<GroupMessageView[]>
  members(groupId: number, opts: { offset: number; limit: number }): GroupMembersView
  account(groupId: number, address: string): GroupAccountView
  head(groupId: number): GroupHeadView
  /** the wrapped keys of `address` in a private group (hex ephemeral key, base64 nonce and ciphertext) */
  keys(groupId: number, address: string): GroupKeysView
  /** the proof JSON `group_verifyInclusion` takes, against the lowest anchored checkpoint at or above the message's block */
  messageProof(groupId: number, messageId: string): Promise<unknown>
  /** the groups this node hosts */
  hosted(): number[]
  /** calls `listener` with each message a block of the group adds (after it is stored); returns the unsubscribe */
  subscribe(groupId: number, listener: (m: GroupMessageView) => void): () => void
}
