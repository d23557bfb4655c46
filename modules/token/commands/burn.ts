import { parsePositiveAmount } from '../../../chain/amount.js'
import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import type { Command, TxContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { tokenMethod } from '../method.js'

const MsgBurnType = protoType('gather.token.v1.MsgBurn')

/** A decoded, statelessly valid MsgBurn. */
export interface Burn {
  from: string
  amount: bigint
}

/** `/gather.token.v1.MsgBurn`: anyone destroys their own ugat; counted in `token/supply/burned`. */
export const burnCommand: Command<Burn> = {
  typeUrl: typeUrlOf(MsgBurnType),

  decode(value) {
    const m = MsgBurnType.decode(value) as unknown as { fromAddress: string; amount: string }
    return {
      from: checkAddress(m.fromAddress, 'from_address'),
      amount: parsePositiveAmount(m.amount, 'amount'),
    }
  },

  signer: (msg) => msg.from,

  verify(ctx, msg) {
    tokenMethod.checkSpendable(ctx.state, msg.from, msg.amount, ctx.block.height, 'burn')
  },

  execute(ctx: TxContext, msg) {
    // emits token.burn { address, amount, reason: 'burn' }
    tokenMethod.burn(ctx, msg.from, msg.amount, 'burn')
  },
}
