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
