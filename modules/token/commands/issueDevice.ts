import { parsePositiveAmount } from '../../../chain/amount.js'
import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { TokenErrorCode } from '../errors.js'
import { tokenEvents } from '../events.js'
import { GMT_CAP, tokenMethod } from '../method.js'
import { gmtIssuedStore, gmtIssuerStore } from '../stores/index.js'

const MsgIssueDeviceType = protoType('gather.token.v1.MsgIssueDevice')

/** A decoded MsgIssueDevice. */
export interface IssueDevice {
  issuer: string
  to: string
  amount: bigint
}

/** `/gather.token.v1.MsgIssueDevice`: the genesis GMT issuer mints GMT, one per device sold. */
export const issueDeviceCommand: Command<IssueDevice> = {
  typeUrl: typeUrlOf(MsgIssueDeviceType),

  decode(value) {
    const m = MsgIssueDeviceType.decode(value) as unknown as {
      issuer: string
      toAddress: string
      amount: string
    }
    const amount = parsePositiveAmount(m.amount === '' ? '1' : m.amount, 'amount')
    if (amount > GMT_CAP)
      throw new ChainError('INVALID_AMOUNT', `amount ${amount} is above the GMT cap ${GMT_CAP}`)
    return { issuer: checkAddress(m.issuer, 'issuer'), to: checkAddress(m.toAddress, 'to_address'), amount }
  },

  signer: (msg) => msg.issuer,

  verify(ctx, msg) {
    const issuer = gmtIssuerStore.get(ctx.state)
    if (issuer === undefined || issuer !== msg.issuer) {
      throw new ChainError(
        TokenErrorCode.NOT_GMT_ISSUER,
        issuer === undefined
          ? 'this chain has no GMT issuer: GMT cannot be issued'
          : `only the GMT issuer ${issuer} may issue GMT, not ${msg.issuer}`,
      )
    }
    const issued = gmtIssuedStore.get(ctx.state) ?? 0n
    if (issued + msg.amount > GMT_CAP) {
      throw new ChainError(
        TokenErrorCode.GMT_CAP_EXCEEDED,
        `issuing ${msg.amount} GMT would exceed the cap of ${GMT_CAP} (${issued} issued, ${GMT_CAP - issued} left)`,
      )
    }
  },

  execute(ctx, msg) {
    tokenMethod.mintGmt(ctx.state, msg.to, msg.amount)
    tokenEvents.emit(ctx, 'token.gmt_issued', {
      issuer: msg.issuer,
      to: msg.to,
      amount: msg.amount.toString(),
    })
  },
}
