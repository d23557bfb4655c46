import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command, ReadContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { GovernanceErrorCode } from '../errors.js'
import { governanceEvents } from '../events.js'
import { VOTE_OPTIONS, type VoteOption } from '../logic/tally.js'
import { governanceMethod, isVoteOption } from '../method.js'
import type { GovernanceStakingView } from '../types.js'
import { checkProposalId, requireProposal } from './shared.js'

const MsgVoteType = protoType('gather.governance.v1.MsgVote')

/** A decoded MsgVote. */
export interface Vote {
  voter: string
  proposalId: bigint
  option: VoteOption
}

/** The voter's weight; throws unless the proposal is voting and the voter has GAT locked. Never writes. */
function weightOf(ctx: ReadContext, staking: GovernanceStakingView, msg: Vote): bigint {
  const p = requireProposal(ctx.state, msg.proposalId)
  if (p.status === 'deposit')
    throw new ChainError(
      GovernanceErrorCode.NOT_VOTING,
      `proposal ${p.id} is in its deposit period (${p.totalDeposit} ugat deposited, until height ${p.depositEndHeight}); voting opens once it reaches the minimum deposit`,
    )
  if (p.status !== 'voting')
    throw new ChainError(
      GovernanceErrorCode.VOTING_ENDED,
      `the voting on proposal ${p.id} ended at height ${p.votingEndHeight} (${p.status})`,
    )
  const weight = staking.lockedOf(ctx.state, msg.voter)
  if (weight === 0n)
    throw new ChainError(
      GovernanceErrorCode.NO_VOTING_POWER,
      `${msg.voter} has no GAT locked: a vote weighs the voter's locked GAT (gather tx lock)`,
    )
  return weight
}

/**
 * `/gather.governance.v1.MsgVote`: a vote weighted by the voter's locked GAT, counted in the
 * proposal's running tally; a later vote replaces the earlier one until the voting ends.
 */
export function voteCommand(staking: GovernanceStakingView): Command<Vote> {
  return {
    typeUrl: typeUrlOf(MsgVoteType),

    decode(value) {
      const m = MsgVoteType.decode(value) as unknown as { voter: string; proposalId: unknown; option: string }
      if (!isVoteOption(m.option))
        throw new ChainError(
          GovernanceErrorCode.UNKNOWN_OPTION,
          `option must be one of ${VOTE_OPTIONS.join(', ')}, not ${JSON.stringify(m.option)}`,
        )
      return {
        voter: checkAddress(m.voter, 'voter'),
        proposalId: checkProposalId(m.proposalId),
        option: m.option,
      }
    },

    signer: (msg) => msg.voter,

    verify(ctx, msg) {
      weightOf(ctx, staking, msg)
    },

    execute(ctx, msg) {
      const weight = weightOf(ctx, staking, msg)
      const previous = governanceMethod.recordVote(ctx.state, msg.proposalId, msg.voter, msg.option, weight)
      governanceEvents.emit(ctx, 'governance.vote', {
        proposal_id: msg.proposalId.toString(),
        voter: msg.voter,
        option: msg.option,
        weight: weight.toString(),
        previous,
      })
    },
  }
}
