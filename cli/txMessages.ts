import { protoType } from '../chain/codec/index.js'

/** A message encoded as an `Any`, ready for `signTx`. */
export interface AnyMessage {
  typeUrl: string
  value: Uint8Array
}

/**
 * Encodes a message of one of our proto types as an `Any`.
 *
 * @param typeName - the full proto name, e.g. `gather.staking.v1.MsgLock`
 * @param fields - the message's fields in camelCase (`nodeId`, `toAddress`), amounts as decimal strings
 */
export function encodeMessage(typeName: string, fields: Record<string, string>): AnyMessage {
  const type = protoType(typeName)
  return { typeUrl: `/${typeName}`, value: type.encode(type.fromObject(fields)).finish() }
}

/** `MsgIssueDevice`: the GMT issuer mints `count` GMT to an address. */
export function issueDeviceMessage(issuer: string, to: string, count: bigint): AnyMessage {
  return encodeMessage('gather.token.v1.MsgIssueDevice', {
    issuer,
    toAddress: to,
    amount: count.toString(),
  })
}

/** `MsgBurn`: the signer destroys `amount` of its own ugat. */
export function burnMessage(from: string, amount: bigint): AnyMessage {
  return encodeMessage('gather.token.v1.MsgBurn', { fromAddress: from, amount: amount.toString() })
}

/** `MsgRegisterNode`: binds one free GMT of the owner to a node key. */
export function registerNodeMessage(owner: string, nodeId: string, moniker: string): AnyMessage {
  return encodeMessage('gather.staking.v1.MsgRegisterNode', { owner, nodeId, moniker })
}

/** `MsgTransferNodeCredential`: the node (and its bound GMT) changes owner. */
export function transferNodeMessage(owner: string, nodeId: string, newOwner: string): AnyMessage {
  return encodeMessage('gather.staking.v1.MsgTransferNodeCredential', { owner, nodeId, newOwner })
}

/** `MsgLock` / `MsgUnlock`: a staker locks (or starts unbonding) ugat on a node. */
export function lockMessage(
  kind: 'lock' | 'unlock',
  staker: string,
  nodeId: string,
  amount: bigint,
): AnyMessage {
  return encodeMessage(kind === 'lock' ? 'gather.staking.v1.MsgLock' : 'gather.staking.v1.MsgUnlock', {
    staker,
    nodeId,
    amount: amount.toString(),
  })
}

/** `MsgClaimRewards`: pays the signer's claimable rewards into its balance. */
export function claimRewardsMessage(address: string): AnyMessage {
  return encodeMessage('gather.token.v1.MsgClaimRewards', { address })
}

/** Encodes a message whose fields are not all strings (numbers, bytes, lists, nested messages). */
export function encodeAnyMessage(typeName: string, fields: Record<string, unknown>): AnyMessage {
  const type = protoType(typeName)
  return { typeUrl: `/${typeName}`, value: type.encode(type.fromObject(fields)).finish() }
}

/** `MsgRegisterGid`: binds `gid` (0n: the next free one) to the owner. */
export function registerGidMessage(owner: string, gid: bigint): AnyMessage {
  return encodeAnyMessage('gather.identity.v1.MsgRegisterGid', { owner, gid: gid.toString() })
}

/** `MsgTransferGid`: the owner hands its GID to `newOwner`. */
export function transferGidMessage(owner: string, gid: bigint, newOwner: string): AnyMessage {
  return encodeAnyMessage('gather.identity.v1.MsgTransferGid', { owner, gid: gid.toString(), newOwner })
}

/** A group policy as the group messages carry it (docs/protocol/groups.md). */
export interface GroupPolicyFields {
  /** 1..10,000; 0 or absent: 10,000 */
  maxMembers?: number
  /** ugat; 0 or absent: not holder-gated */
  minGatBalance?: bigint
  /** 0 or absent: no parent */
  parentGroup?: number
  membersMayBefriend?: boolean
  /** group blocks between anchored checkpoints; 0 or absent: 100 */
  checkpointInterval?: number
  /** end-to-end encrypted posts (key epochs); absent: public */
  private?: boolean
}

function policyFields(p: GroupPolicyFields): Record<string, unknown> {
  return {
    maxMembers: p.maxMembers ?? 0,
    minGatBalance: (p.minGatBalance ?? 0n).toString(),
    parentGroup: p.parentGroup ?? 0,
    membersMayBefriend: p.membersMayBefriend ?? false,
    checkpointInterval: p.checkpointInterval ?? 0,
    private: p.private ?? false,
  }
}

/** `MsgCreateGroup`: producers are hex ed25519 keys (none: the owner produces); threshold 0: a majority. */
export function createGroupMessage(
  owner: string,
  g: { name: string; producers?: string[]; threshold?: number; policy?: GroupPolicyFields },
): AnyMessage {
  return encodeAnyMessage('gather.messaging.v1.MsgCreateGroup', {
    owner,
    name: g.name,
    producers: g.producers ?? [],
    threshold: g.threshold ?? 0,
    policy: policyFields(g.policy ?? {}),
  })
}

/** `MsgUpdateGroup`: fields left out stay as they are. */
export function updateGroupMessage(
  owner: string,
  groupId: number,
  u: {
    name?: string
    producers?: string[]
    threshold?: number
    policy?: GroupPolicyFields
    newOwner?: string
    ownerProduces?: boolean
  },
): AnyMessage {
  return encodeAnyMessage('gather.messaging.v1.MsgUpdateGroup', {
    owner,
    groupId,
    name: u.name ?? '',
    producers: u.producers ?? [],
    threshold: u.threshold ?? 0,
    ...(u.policy === undefined ? {} : { policy: policyFields(u.policy) }),
    newOwner: u.newOwner ?? '',
    ownerProduces: u.ownerProduces ?? false,
  })
}

/** `MsgAnchorCheckpoint`: a checkpoint with its producers' ed25519 signatures. */
export function anchorCheckpointMessage(
  submitter: string,
  cp: {
    groupId: number
    height: number
    blockHash: Uint8Array
    stateRoot: Uint8Array
    accumulatorRoot: Uint8Array
  },
  signatures: { producer: string; signature: Uint8Array }[],
): AnyMessage {
  return encodeAnyMessage('gather.messaging.v1.MsgAnchorCheckpoint', {
    submitter,
    groupId: cp.groupId,
    height: cp.height,
    blockHash: cp.blockHash,
    stateRoot: cp.stateRoot,
    accumulatorRoot: cp.accumulatorRoot,
    signatures,
  })
}

/** What a proposal carries besides its proposer and deposit. */
export interface ProposalFields {
  kind: 'text' | 'param-change' | 'software-upgrade' | 'cancel-upgrade'
  title: string
  description?: string
  /** param-change: each value as JSON text */
  changes?: { module: string; key: string; value: string }[]
  /** software-upgrade (name and height), cancel-upgrade (name) */
  upgrade?: { name: string; height?: number }
}

/** `MsgSubmitProposal`: opens a proposal with the proposer's initial deposit (ugat). */
export function submitProposalMessage(proposer: string, p: ProposalFields, deposit: bigint): AnyMessage {
  return encodeAnyMessage('gather.governance.v1.MsgSubmitProposal', {
    proposer,
    kind: p.kind,
    title: p.title,
    description: p.description ?? '',
    changes: p.changes ?? [],
    upgradeHeight: String(p.upgrade?.height ?? 0),
    upgradeName: p.upgrade?.name ?? '',
    deposit: deposit.toString(),
  })
}

/** `MsgDeposit`: adds ugat to a proposal's deposit. */
export function depositMessage(depositor: string, proposalId: bigint, amount: bigint): AnyMessage {
  return encodeAnyMessage('gather.governance.v1.MsgDeposit', {
    depositor,
    proposalId: proposalId.toString(),
    amount: amount.toString(),
  })
}

/** `MsgVote`: votes yes, no, abstain or veto on a proposal (a later vote replaces it). */
export function voteMessage(voter: string, proposalId: bigint, option: string): AnyMessage {
  return encodeAnyMessage('gather.governance.v1.MsgVote', {
    voter,
    proposalId: proposalId.toString(),
    option,
  })
}
