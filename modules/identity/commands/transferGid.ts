import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { IdentityErrorCode } from '../errors.js'
import { identityEvents } from '../events.js'
import { identityMethod } from '../method.js'
import { decodeGid } from './shared.js'

const MsgTransferGidType = protoType('gather.identity.v1.MsgTransferGid')

/** A decoded MsgTransferGid. */
export interface TransferGid {
  owner: string
  gid: bigint
  newOwner: string
}

/** `/gather.identity.v1.MsgTransferGid`: the owner hands its GID to an address that holds none. */
export function transferGidCommand(): Command<TransferGid> {
  return {
    typeUrl: typeUrlOf(MsgTransferGidType),

    decode(value) {
      const m = MsgTransferGidType.decode(value) as unknown as {
        owner: string
        gid: unknown
        newOwner: string
      }
      return {
        owner: checkAddress(m.owner, 'owner'),
        gid: decodeGid(m.gid, false),
        newOwner: checkAddress(m.newOwner, 'new_owner'),
      }
    },

    signer: (msg) => msg.owner,

    verify(ctx, msg) {
      const r = identityMethod.getGid(ctx.state, msg.gid)
      if (r === undefined)
        throw new ChainError(IdentityErrorCode.UNKNOWN_GID, `GID ${msg.gid} is not registered`)
      if (r.owner !== msg.owner)
        throw new ChainError(
          IdentityErrorCode.NOT_GID_OWNER,
          `GID ${msg.gid} belongs to ${r.owner}, not ${msg.owner}`,
        )
      if (msg.newOwner === msg.owner)
        throw new ChainError(IdentityErrorCode.SAME_OWNER, 'new_owner already holds this GID')
      const held = identityMethod.gidOf(ctx.state, msg.newOwner)
      if (held !== undefined) {
        throw new ChainError(
          IdentityErrorCode.ADDRESS_HAS_GID,
          `${msg.newOwner} already holds GID ${held}; an address holds one GID`,
          { gid: held.toString() },
        )
      }
    },

    execute(ctx, msg) {
      identityMethod.move(ctx.state, msg.gid, msg.newOwner, ctx.block.height)
      identityEvents.emit(ctx, 'identity.gid_transferred', {
        gid: msg.gid.toString(),
        from: msg.owner,
        to: msg.newOwner,
      })
    },
  }
}
