import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { IdentityErrorCode } from '../errors.js'
import { identityEvents } from '../events.js'
import { identityMethod } from '../method.js'
import type { IdentityTokenMethod } from '../types.js'
import { decodeGid } from './shared.js'

const MsgRegisterGidType = protoType('gather.identity.v1.MsgRegisterGid')

/** A decoded MsgRegisterGid; gid 0n asks for the next free one. */
export interface RegisterGid {
  owner: string
  gid: bigint
}

/**
 * `/gather.identity.v1.MsgRegisterGid`: binds a chosen free GID, or the lowest free one, to the
 * signer, who holds no GID yet; the registration fee is burned.
 */
export function registerGidCommand(token: IdentityTokenMethod): Command<RegisterGid> {
  return {
    typeUrl: typeUrlOf(MsgRegisterGidType),

    decode(value) {
      const m = MsgRegisterGidType.decode(value) as unknown as { owner: string; gid: unknown }
      return { owner: checkAddress(m.owner, 'owner'), gid: decodeGid(m.gid, true) }
    },

    signer: (msg) => msg.owner,

    verify(ctx, msg) {
      const held = identityMethod.gidOf(ctx.state, msg.owner)
      if (held !== undefined) {
        throw new ChainError(
          IdentityErrorCode.ADDRESS_HAS_GID,
          `${msg.owner} already holds GID ${held}; an address holds one GID (transfer it away first)`,
          { gid: held.toString() },
        )
      }
      if (msg.gid !== 0n) {
        const taken = identityMethod.getGid(ctx.state, msg.gid)
        if (taken !== undefined) {
          throw new ChainError(
            IdentityErrorCode.GID_TAKEN,
            `GID ${msg.gid} is taken (owner ${taken.owner}); the next free GID is ${identityMethod.nextFreeGid(ctx.state)}`,
            { owner: taken.owner, nextFree: identityMethod.nextFreeGid(ctx.state).toString() },
          )
        }
      }
      const fee = identityMethod.getParams(ctx.state).registrationFee
      const balance = token.getBalance(ctx.state, msg.owner)
      if (balance < fee) {
        throw new ChainError(
          'TOKEN_INSUFFICIENT_BALANCE',
          `registering a GID burns ${fee} ugat; ${msg.owner} has ${balance} ugat after the transaction fee`,
          { balance: balance.toString(), needed: fee.toString() },
        )
      }
    },

    execute(ctx, msg) {
      const gid = msg.gid === 0n ? identityMethod.nextFreeGid(ctx.state) : msg.gid
      const fee = identityMethod.getParams(ctx.state).registrationFee
      token.burn(ctx, msg.owner, fee, 'gid_registration')
      identityMethod.bind(ctx.state, gid, msg.owner, ctx.block.height)
      identityEvents.emit(ctx, 'identity.gid_registered', {
        gid: gid.toString(),
        owner: msg.owner,
        fee: fee.toString(),
      })
    },
  }
}
