import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { MessagingErrorCode } from '../errors.js'
import { messagingEvents } from '../events.js'
import { messagingMethod } from '../method.js'
import type { PolicyRecord } from '../stores/index.js'
import type { MessagingTokenMethod } from '../types.js'
import { checkParent } from './parent.js'
import { checkName, checkProducers, decodePolicy, resolveThreshold } from './shared.js'

const MsgCreateGroupType = protoType('gather.messaging.v1.MsgCreateGroup')

/** A decoded MsgCreateGroup (threshold already resolved). */
export interface CreateGroup {
  owner: string
  name: string
  producers: string[]
  threshold: number
  policy: PolicyRecord
}

/**
 * `/gather.messaging.v1.MsgCreateGroup`: registers a group, its group chain's producers and
 * threshold, and its policy (docs/protocol/groups.md); the creation fee is burned. A child group (policy
 * `parent_group`) may only be created by whoever manages the parent.
 */
export function createGroupCommand(token: MessagingTokenMethod): Command<CreateGroup> {
  return {
    typeUrl: typeUrlOf(MsgCreateGroupType),

    decode(value) {
      const m = MsgCreateGroupType.decode(value) as unknown as {
        owner: string
        name: string
        producers: string[]
        threshold: number
        policy?: Record<string, unknown> | null
      }
      const producers = checkProducers(m.producers)
      return {
        owner: checkAddress(m.owner, 'owner'),
        name: checkName(m.name),
        producers,
        threshold: resolveThreshold(m.threshold, producers.length),
        policy: decodePolicy(m.policy),
      }
    },

    signer: (msg) => msg.owner,

    verify(ctx, msg) {
      const params = messagingMethod.getParams(ctx.state)
      if (msg.producers.length > params.maxProducers)
        throw new ChainError(
          MessagingErrorCode.TOO_MANY_PRODUCERS,
          `${msg.producers.length} producers; a group chain has at most ${params.maxProducers}`,
        )
      if (msg.policy.parentGroup !== '0') checkParent(ctx.state, msg.owner, msg.policy.parentGroup)
      const balance = token.getBalance(ctx.state, msg.owner)
      if (balance < params.creationFee) {
        throw new ChainError(
          'TOKEN_INSUFFICIENT_BALANCE',
          `creating a group burns ${params.creationFee} ugat; ${msg.owner} has ${balance} ugat after the transaction fee`,
          { balance: balance.toString(), needed: params.creationFee.toString() },
        )
      }
    },

    execute(ctx, msg) {
      const fee = messagingMethod.getParams(ctx.state).creationFee
      token.burn(ctx, msg.owner, fee, 'group_creation')
      const height = ctx.block.height.toString()
      const id = messagingMethod.addGroup(ctx.state, {
        owner: msg.owner,
        name: msg.name,
        producers: msg.producers,
        threshold: msg.threshold,
        policy: msg.policy,
        createdHeight: height,
        updatedHeight: height,
        frozen: false,
        lastCheckpointHeight: '0',
        checkpointCount: '0',
      })
      messagingEvents.emit(ctx, 'messaging.group_created', {
        group_id: id,
        owner: msg.owner,
        name: msg.name,
        parent_group: msg.policy.parentGroup,
        fee: fee.toString(),
      })
    },
  }
}
