/** Error codes of group chains: group transactions, group state rules, group blocks. */
export const GroupErrorCode = {
  /** bytes that do not decode, a field out of range, a non-canonical encoding */
  MALFORMED: 'GROUP_TX_MALFORMED',
  TX_TOO_LARGE: 'GROUP_TX_TOO_LARGE',
  POST_TOO_LARGE: 'GROUP_POST_TOO_LARGE',
  BAD_SIGNATURE: 'GROUP_BAD_SIGNATURE',
  /** a nonce at or below the author's last one: a replay */
  BAD_NONCE: 'GROUP_BAD_NONCE',
  UNKNOWN_GROUP: 'GROUP_UNKNOWN',
  /** this node does not host the group (it neither produces, serves nor follows it) */
  NOT_HOSTED: 'GROUP_NOT_HOSTED',
  FROZEN: 'GROUP_FROZEN',
  NOT_MEMBER: 'GROUP_NOT_MEMBER',
  ALREADY_MEMBER: 'GROUP_ALREADY_MEMBER',
  OWNER_STAYS: 'GROUP_OWNER_STAYS',
  MUTED: 'GROUP_MUTED',
  MUTED_ALL: 'GROUP_MUTED_ALL',
  BANNED: 'GROUP_BANNED',
  NOT_BANNED: 'GROUP_NOT_BANNED',
  FULL: 'GROUP_FULL',
  BELOW_GATE: 'GROUP_BELOW_GATE',
  NOT_ADMIN: 'GROUP_NOT_ADMIN',
  NOT_OWNER: 'GROUP_NOT_OWNER',
  TARGET_IS_ADMIN: 'GROUP_TARGET_IS_ADMIN',
  UNKNOWN_MESSAGE: 'GROUP_UNKNOWN_MESSAGE',
  MESSAGE_DELETED: 'GROUP_MESSAGE_DELETED',
  ALREADY_KNOWN: 'GROUP_TX_ALREADY_KNOWN',
  POOL_FULL: 'GROUP_POOL_FULL',
  /** a proof asked for before a checkpoint anchored on the main chain covers the message's block */
  NOT_ANCHORED_YET: 'GROUP_NOT_ANCHORED_YET',
  /** a client could not open a private group's key or post (not its key, or changed bytes) */
  DECRYPT_FAILED: 'GROUP_DECRYPT_FAILED',
  /** a plain post in a private group, or a key epoch in a public one */
  PRIVACY_MISMATCH: 'GROUP_PRIVACY_MISMATCH',
  /** a sealed post under an epoch older than the group's current one */
  STALE_EPOCH: 'GROUP_STALE_EPOCH',
  /** a sealed post or key share naming an epoch the group has not opened */
  UNKNOWN_EPOCH: 'GROUP_UNKNOWN_EPOCH',
  /** a key epoch that does not continue the group's epochs (number, part, author) */
  BAD_KEY_EPOCH: 'GROUP_BAD_KEY_EPOCH',
  /** a wrapped key for an address that is not a member */
  KEY_FOR_NON_MEMBER: 'GROUP_KEY_FOR_NON_MEMBER',
  /** a second wrapped key of one epoch for one member */
  KEY_ALREADY_WRAPPED: 'GROUP_KEY_ALREADY_WRAPPED',
  /** a key share of an earlier epoch when the group's rules do not share history */
  HISTORY_NOT_SHARED: 'GROUP_HISTORY_NOT_SHARED',
  /** a group block that breaks the format or the chain rules (height, parent, roots, time) */
  BLOCK_INVALID: 'GROUP_BLOCK_INVALID',
  /** a group block signed by a key that is not the producer of its height and round */
  BLOCK_NOT_PRODUCER: 'GROUP_BLOCK_NOT_PRODUCER',
  BLOCK_BAD_SIGNATURE: 'GROUP_BLOCK_BAD_SIGNATURE',
} as const

/** One of {@link GroupErrorCode}. */
export type GroupErrorCodeValue = (typeof GroupErrorCode)[keyof typeof GroupErrorCode]
