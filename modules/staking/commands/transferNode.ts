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

const MsgTransferNodeCredentialType = protoType('gather.staking.v1.MsgTransferNodeCredential')

/** A decoded MsgTransferNodeCredential. */
export interface TransferNode {
  owner: string
  nodeId: string
  newOwner: string
}

/**
 * `/gather.staking.v1.MsgTransferNodeCredential`: the node credential, with its bound GMT, changes
 * owner. It is the only way GMT moves; stakes on the node are untouched.
 */
export function transferNodeCommand(token: StakingTokenMethod): Command<TransferNode> {
  return {
    typeUrl: typeUrlOf(MsgTransferNodeCredentialType),

    decode(value) {
      const m = MsgTransferNodeCredentialType.decode(value) as unknown as {
        owner: string
        nodeId: string
        newOwner: string
      }
      return {
        owner: checkAddress(m.owner, 'owner'),
        nodeId: checkNodeId(m.nodeId),
        newOwner: checkAddress(m.newOwner, 'new_owner'),
      }
    },

    signer: (msg) => msg.owner,

    verify(ctx, msg) {
      const node = stakingMethod.getNode(ctx.state, msg.nodeId)
      if (node === undefined)
        throw new ChainError(StakingErrorCode.UNKNOWN_NODE, `no registered node ${msg.nodeId}`)
      if (node.owner !== msg.owner) {
        throw new ChainError(
          StakingErrorCode.NOT_NODE_OWNER,
          `node ${msg.nodeId} belongs to ${node.owner}, not ${msg.owner}`,
        )
      }
      if (msg.newOwner === msg.owner)
        throw new ChainError(StakingErrorCode.SAME_OWNER, 'new_owner is already the owner')
    },

    execute(ctx, msg) {
      const node = nodeStore.get(ctx.state, msg.nodeId)!
      token.moveBoundGmt(ctx.state, msg.owner, msg.newOwner)
      nodeStore.set(ctx.state, msg.nodeId, { ...node, owner: msg.newOwner })
      // An active node's share of the 30 % moves with it, from the day of the transfer on.
      if (stakingMethod.statusOf(node, ctx.block.height, stakingMethod.getParams(ctx.state)) === 'active') {
        token.changeActiveNodes(ctx.state, msg.owner, -1n)
        token.changeActiveNodes(ctx.state, msg.newOwner, 1n)
      }
      stakingEvents.emit(ctx, 'staking.node_transferred', {
        node_id: msg.nodeId,
        from: msg.owner,
        to: msg.newOwner,
      })
    },
  }
}
