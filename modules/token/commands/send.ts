import { MsgSend } from 'cosmjs-types/cosmos/bank/v1beta1/tx'
import { parsePositiveAmount } from '../../../chain/amount.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { TokenErrorCode } from '../errors.js'
import { type Transfer, transferCommand } from './transfer.js'

/** The only denom `MsgSend` may move: GAT's base unit. */
export const SEND_DENOM = 'ugat'

/**
 * `/cosmos.bank.v1beta1.MsgSend` with one `ugat` coin: what every Cosmos wallet's Send button
 * builds. It is a transfer, with exactly the rules of `MsgTransfer` (same checks, same
 * `token.transfer` event); only the encoding differs.
 */
export const sendCommand: Command<Transfer> = {
  typeUrl: '/cosmos.bank.v1beta1.MsgSend',

  decode(value) {
    const m = MsgSend.decode(value)
    if (m.amount.length !== 1) {
      throw new ChainError(
        TokenErrorCode.INVALID_DENOM,
        `MsgSend amount must be exactly one ${SEND_DENOM} coin, got ${m.amount.length} coins`,
      )
    }
    const coin = m.amount[0]!
    if (coin.denom !== SEND_DENOM) {
      throw new ChainError(
        TokenErrorCode.INVALID_DENOM,
        `MsgSend can only move ${SEND_DENOM}, got "${coin.denom.slice(0, 64)}"`,
      )
    }
    return {
      from: checkAddress(m.fromAddress, 'from_address'),
      to: checkAddress(m.toAddress, 'to_address'),
      amount: parsePositiveAmount(coin.amount, 'amount'),
    }
  },

  signer: transferCommand.signer,
  verify: transferCommand.verify,
  execute: transferCommand.execute,
}
