import { createHash } from 'node:crypto'
import { protoType, typeUrlOf } from '../../chain/codec/index.js'
import { addressFromPubkey } from '../../chain/crypto/address.js'
import { type NodeKey, nodeKeyFromSeed } from '../../chain/crypto/ed25519.js'
import { publicKeyFromPrivateKey } from '../../chain/crypto/secp256k1.js'

/** A message encoded as a Cosmos `Any`. */
export interface AnyMsg {
  typeUrl: string
  value: Uint8Array
}

/** An account key able to sign transactions. */
export interface AccountSigner {
  address: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

function anyOf(fullName: string, fields: Record<string, unknown>): AnyMsg {
  const type = protoType(fullName)
  return { typeUrl: typeUrlOf(type), value: type.encode(type.fromObject(fields)).finish() }
}

/** `MsgIssueDevice`: the GMT issuer mints `amount` GMT to `to`. */
export const issueDeviceMsg = (issuer: string, to: string, amount: bigint | string = 1n): AnyMsg =>
  anyOf('gather.token.v1.MsgIssueDevice', { issuer, toAddress: to, amount: amount.toString() })

/** `MsgRegisterNode`: binds one free GMT of `owner` to `nodeId` (hex ed25519 key). */
export const registerNodeMsg = (owner: string, nodeId: string, moniker = ''): AnyMsg =>
  anyOf('gather.staking.v1.MsgRegisterNode', { owner, nodeId, moniker })

/** `MsgLock`: `staker` locks `amount` ugat on `nodeId`. */
export const lockMsg = (staker: string, nodeId: string, amount: bigint | string): AnyMsg =>
  anyOf('gather.staking.v1.MsgLock', { staker, nodeId, amount: amount.toString() })

/** `MsgUnlock`: `staker` starts unbonding `amount` ugat from `nodeId`. */
export const unlockMsg = (staker: string, nodeId: string, amount: bigint | string): AnyMsg =>
  anyOf('gather.staking.v1.MsgUnlock', { staker, nodeId, amount: amount.toString() })

/** `MsgTransferNodeCredential`: the node, with its bound GMT, moves from `owner` to `newOwner`. */
export const transferNodeMsg = (owner: string, nodeId: string, newOwner: string): AnyMsg =>
  anyOf('gather.staking.v1.MsgTransferNodeCredential', { owner, nodeId, newOwner })

/** A deterministic secp256k1 account that no genesis holds. */
export function testAccount(label: string): AccountSigner {
  const privateKey = new Uint8Array(createHash('sha256').update(`gather-staking-test:${label}`).digest())
  const publicKey = publicKeyFromPrivateKey(privateKey)
  return { address: addressFromPubkey(publicKey), privateKey, publicKey }
}

/** A deterministic ed25519 node key, with its node id (hex public key). */
export function testNodeKey(label: string): NodeKey & { id: string } {
  const k = nodeKeyFromSeed(
    new Uint8Array(createHash('sha256').update(`gather-staking-node:${label}`).digest()),
  )
  return { ...k, id: Buffer.from(k.publicKey).toString('hex') }
}

/** `MsgSubmitEvidence`: `submitter` reports two signed headers (`double-proposal`) or votes (`double-vote`). */
export const submitEvidenceMsg = (
  submitter: string,
  kind: string,
  first: Uint8Array,
  second: Uint8Array,
): AnyMsg => anyOf('gather.staking.v1.MsgSubmitEvidence', { submitter, kind, first, second })
