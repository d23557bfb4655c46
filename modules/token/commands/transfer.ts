import { parsePositiveAmount } from '../../../chain/amount.js'
import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import type { Command, TxContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { tokenEvents } from '../events.js'
import { tokenMethod } from '../method.js'

const MsgTransferType = protoType('gather.token.v1.MsgTransfer')

/** A decoded, statelessly valid MsgTransfer. */
export interface Transfer {
  from: string
  to: string
  amount: bigint
}

/** `/gather.token.v1.MsgTransfer`: moves ugat between accounts; the recipient account is created if new. */
export const transferCommand: Command<Transfer> = {
  typeUrl: typeUrlOf(MsgTransferType),

  decode(value) {
    const m = MsgTransferType.decode(value) as unknown as {
      fromAddress: string
      toAddress: string
      amount: string
    }
    return {
      from: checkAddress(m.fromAddress, 'from_address'),
      to: checkAddress(m.toAddress, 'to_address'),
      amount: parsePositiveAmount(m.amount, 'amount'),
    }
  },

  signer: (msg) => msg.from,

  verify(ctx, msg) {
    tokenMethod.checkSpendable(ctx.state, msg.from, msg.amount, ctx.block.height, 'send')
  },

  execute(ctx: TxContext, msg) {
    tokenMethod.spend(ctx.state, ctx.block.height, msg.from, msg.amount, 'send')
    tokenMethod.credit(ctx.state, msg.to, msg.amount)
    tokenEvents.emit(ctx, 'token.transfer', { from: msg.from, to: msg.to, amount: msg.amount.toString() })
  },
}
