import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import type { Command, TxContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { nothingToClaim, rewardsMethod } from '../rewards.js'

const MsgClaimRewardsType = protoType('gather.token.v1.MsgClaimRewards')

/** A decoded MsgClaimRewards. */
export interface ClaimRewards {
  address: string
}

/**
 * `/gather.token.v1.MsgClaimRewards`: pays the sender's rewards into its balance — what its
 * active nodes and locked GAT earned, and super-node rewards once their lock day has come.
 * Nothing to claim is an error (the fee is still paid), so a wallet learns it at once.
 */
export const claimRewardsCommand: Command<ClaimRewards> = {
  typeUrl: typeUrlOf(MsgClaimRewardsType),

  decode(value) {
    const m = MsgClaimRewardsType.decode(value) as unknown as { address: string }
    return { address: checkAddress(m.address, 'address') }
  },

  signer: (msg) => msg.address,

  verify(ctx, msg) {
    if (rewardsMethod.claimableAt(ctx.state, msg.address, ctx.block.height) === 0n) {
      throw nothingToClaim(ctx.state, msg.address, ctx.block.height)
    }
  },

  execute(ctx: TxContext, msg) {
    // emits token.rewards_claimed { address, amount }
    rewardsMethod.claim(ctx, msg.address)
  },
}
