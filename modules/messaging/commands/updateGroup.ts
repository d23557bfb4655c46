import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import type { StateReader } from '../../../chain/store/types.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { MessagingErrorCode } from '../errors.js'
import { messagingEvents } from '../events.js'
import { messagingMethod } from '../method.js'
import type { GroupRecord, PolicyRecord } from '../stores/index.js'
import { checkParent } from './parent.js'
import { checkName, checkProducers, decodeId, decodePolicy, resolveThreshold } from './shared.js'

const MsgUpdateGroupType = protoType('gather.messaging.v1.MsgUpdateGroup')

/** A decoded MsgUpdateGroup; undefined fields stay as they are. */
export interface UpdateGroup {
  owner: string
  groupId: number
  name?: string
  /** a new producer set ([] with ownerProduces: the owner produces again) */
  producers?: string[]
  /** 0: the default for the (new) producer set */
  threshold: number
  policy?: PolicyRecord
  newOwner?: string
}

function requireGroup(state: StateReader, id: number): GroupRecord {
  const g = messagingMethod.getGroup(state, id)
  if (g === undefined) throw new ChainError(MessagingErrorCode.UNKNOWN_GROUP, `group ${id} does not exist`)
  return g
}

/** The group after the update (threshold resolved against the producers it will have). */
function applied(g: GroupRecord, msg: UpdateGroup, height: number): GroupRecord {
  const producers = msg.producers ?? g.producers
  const threshold =
    msg.producers === undefined && msg.threshold === 0
      ? g.threshold
      : resolveThreshold(msg.threshold, producers.length)
  return {
    ...g,
    owner: msg.newOwner ?? g.owner,
    name: msg.name ?? g.name,
    producers,
    threshold,
    policy: msg.policy ?? g.policy,
    updatedHeight: height.toString(),
  }
}

/**
 * `/gather.messaging.v1.MsgUpdateGroup`: the group's owner, or the owner of any group above it,
 * changes its name, producers, threshold, policy or owner. A frozen group is unfrozen by an
 * update that rotates out every producer that signed both conflicting checkpoints.
 */
export function updateGroupCommand(): Command<UpdateGroup> {
  return {
    typeUrl: typeUrlOf(MsgUpdateGroupType),

    decode(value) {
      const m = MsgUpdateGroupType.decode(value) as unknown as {
        owner: string
        groupId: unknown
        name: string
        producers: string[]
        threshold: number
        policy?: Record<string, unknown> | null
        newOwner: string
        ownerProduces: boolean
      }
      const producers = checkProducers(m.producers)
      if (m.ownerProduces && producers.length > 0)
        throw new ChainError(
          MessagingErrorCode.INVALID_PRODUCERS,
          'owner_produces makes the owner the only producer: leave producers empty',
        )
      const msg: UpdateGroup = {
        owner: checkAddress(m.owner, 'owner'),
        groupId: decodeId(m.groupId, 'group_id'),
        threshold: m.threshold,
      }
      if (m.name !== '') msg.name = checkName(m.name)
      if (producers.length > 0 || m.ownerProduces) {
        msg.producers = producers
        resolveThreshold(m.threshold, producers.length)
      }
      if (m.policy !== undefined && m.policy !== null) msg.policy = decodePolicy(m.policy)
      if (m.newOwner !== '') msg.newOwner = checkAddress(m.newOwner, 'new_owner')
      return msg
    },

    signer: (msg) => msg.owner,

    verify(ctx, msg) {
      const g = requireGroup(ctx.state, msg.groupId)
      if (!messagingMethod.manages(ctx.state, msg.owner, g))
        throw new ChainError(
          MessagingErrorCode.NOT_GROUP_MANAGER,
          `group ${g.id} is owned by ${g.owner}; only its owner or the owner of a group above it may update it`,
        )
      const after = applied(g, msg, ctx.block.height)
      const max = messagingMethod.getParams(ctx.state).maxProducers
      if (after.producers.length > max)
        throw new ChainError(
          MessagingErrorCode.TOO_MANY_PRODUCERS,
          `${after.producers.length} producers; a group chain has at most ${max}`,
        )
      if (after.policy.private !== g.policy.private)
        throw new ChainError(
          MessagingErrorCode.PRIVACY_FIXED,
          `group ${g.id} is ${g.policy.private ? 'private' : 'public'}: privacy is chosen at creation and never changes`,
        )
      if (after.policy.parentGroup !== g.policy.parentGroup && after.policy.parentGroup !== '0')
        checkParent(ctx.state, msg.owner, after.policy.parentGroup, g.id)
      if (g.frozen && msg.producers !== undefined) {
        const kept = messagingMethod
          .culpritsOf(ctx.state, g.id)
          .filter((c) => (c === 'owner' ? after.producers.length === 0 : after.producers.includes(c)))
        if (kept.length > 0)
          throw new ChainError(
            MessagingErrorCode.CULPRIT_RETAINED,
            `group ${g.id} is frozen because ${kept.join(', ')} signed conflicting checkpoints; the new producers must leave them out`,
            { culprits: kept },
          )
      }
    },

    execute(ctx, msg) {
      const g = requireGroup(ctx.state, msg.groupId)
      const after = applied(g, msg, ctx.block.height)
      const unfreeze = g.frozen && msg.producers !== undefined
      if (unfreeze) {
        after.frozen = false
        for (const e of messagingMethod.evidenceOf(ctx.state, g.id))
          if (!e.resolved) messagingMethod.putEvidence(ctx.state, { ...e, resolved: true })
      }
      messagingMethod.putGroup(ctx.state, g, after)
      messagingEvents.emit(ctx, 'messaging.group_updated', {
        group_id: g.id,
        by: msg.owner,
        owner: after.owner,
        producers: after.producers.join(','),
        threshold: after.threshold.toString(),
      })
      if (unfreeze)
        messagingEvents.emit(ctx, 'messaging.group_unfrozen', {
          group_id: g.id,
          producers: after.producers.join(','),
        })
    },
  }
}
