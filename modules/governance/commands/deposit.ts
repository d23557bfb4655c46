import { parsePositiveAmount } from '../../../chain/amount.js'
import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command, ReadContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { GovernanceErrorCode } from '../errors.js'
import { addDeposit } from '../lifecycle.js'
import type { ProposalRecord } from '../stores/index.js'
import type { GovernanceDeps } from '../types.js'
import { checkProposalId, requireProposal } from './shared.js'

const MsgDepositType = protoType('gather.governance.v1.MsgDeposit')

/** A decoded MsgDeposit. */
export interface Deposit {
  depositor: string
  proposalId: bigint
  amount: bigint
}

function openProposal(ctx: ReadContext, deps: GovernanceDeps, msg: Deposit): ProposalRecord {
  const p = requireProposal(ctx.state, msg.proposalId)
  if (p.status !== 'deposit' && p.status !== 'voting')
    throw new ChainError(
      GovernanceErrorCode.DEPOSIT_CLOSED,
      `proposal ${p.id} has ended (${p.status}); it takes no deposits`,
    )
  deps.token.checkSpendable(ctx.state, msg.depositor, msg.amount, ctx.block.height, 'deposit')
  return p
}

/**
 * `/gather.governance.v1.MsgDeposit`: ugat on an open proposal (refunded when it passes or is
 * rejected, burned when it is vetoed, misses quorum or expires); reaching minDeposit opens the vote.
 */
export function depositCommand(deps: GovernanceDeps): Command<Deposit> {
  return {
    typeUrl: typeUrlOf(MsgDepositType),

    decode(value) {
      const m = MsgDepositType.decode(value) as unknown as {
        depositor: string
        proposalId: unknown
        amount: string
      }
      return {
        depositor: checkAddress(m.depositor, 'depositor'),
        proposalId: checkProposalId(m.proposalId),
        amount: parsePositiveAmount(m.amount, 'amount'),
      }
    },

    signer: (msg) => msg.depositor,

    verify(ctx, msg) {
      openProposal(ctx, deps, msg)
    },

    execute(ctx, msg) {
      addDeposit(ctx, deps, openProposal(ctx, deps, msg), msg.depositor, msg.amount)
    },
  }
}
