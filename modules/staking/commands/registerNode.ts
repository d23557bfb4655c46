import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { StakingErrorCode } from '../errors.js'
import { stakingEvents } from '../events.js'
import { stakingMethod } from '../method.js'
import { nodeStore } from '../stores/index.js'
import type { StakingTokenMethod } from '../types.js'
import { checkNodeId } from './shared.js'

const MsgRegisterNodeType = protoType('gather.staking.v1.MsgRegisterNode')

/** A decoded MsgRegisterNode. */
export interface RegisterNode {
  owner: string
  nodeId: string
  moniker: string
}

/** `/gather.staking.v1.MsgRegisterNode`: binds one free GMT of the owner to a node key (one key, one node). */
export function registerNodeCommand(token: StakingTokenMethod): Command<RegisterNode> {
  return {
    typeUrl: typeUrlOf(MsgRegisterNodeType),

    decode(value) {
      const m = MsgRegisterNodeType.decode(value) as unknown as {
        owner: string
        nodeId: string
        moniker: string
      }
      if (m.moniker.length > 64) throw new ChainError('TX_MALFORMED', 'moniker is longer than 64 characters')
      return { owner: checkAddress(m.owner, 'owner'), nodeId: checkNodeId(m.nodeId), moniker: m.moniker }
    },

    signer: (msg) => msg.owner,

    verify(ctx, msg) {
      const existing = stakingMethod.getNode(ctx.state, msg.nodeId)
      if (existing !== undefined) {
        throw new ChainError(
          StakingErrorCode.NODE_EXISTS,
          `node key ${msg.nodeId} is already registered (owner ${existing.owner}); each node key registers once`,
        )
      }
      const gmt = token.getGmt(ctx.state, msg.owner)
      if (gmt.total - gmt.bound < 1n) {
        throw new ChainError(
          'TOKEN_NO_FREE_GMT',
          `${msg.owner} holds ${gmt.total} GMT, all bound to nodes; registering a node needs one free GMT (one per device)`,
        )
      }
    },

    execute(ctx, msg) {
      token.bindGmt(ctx.state, msg.owner)
      nodeStore.set(ctx.state, msg.nodeId, {
        nodeId: msg.nodeId,
        owner: msg.owner,
        moniker: msg.moniker,
        registeredHeight: ctx.block.height.toString(),
        locked: '0',
        jailedUntil: '0',
      })
      stakingEvents.emit(ctx, 'staking.node_registered', {
        node_id: msg.nodeId,
        owner: msg.owner,
        moniker: msg.moniker,
      })
    },
  }
}
