import { formatGat, parsePositiveAmount } from '../../../chain/amount.js'
import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { StakingErrorCode } from '../errors.js'
import { stakingEvents } from '../events.js'
import { stakingMethod } from '../method.js'
import type { StakingDeps } from '../types.js'
import { checkNodeId } from './shared.js'

const MsgLockType = protoType('gather.staking.v1.MsgLock')
const MsgUnlockType = protoType('gather.staking.v1.MsgUnlock')

/** A decoded MsgLock or MsgUnlock. */
export interface LockChange {
  staker: string
  nodeId: string
  amount: bigint
}

function decodeLock(type: typeof MsgLockType, value: Uint8Array): LockChange {
  const m = type.decode(value) as unknown as { staker: string; nodeId: string; amount: string }
  return {
    staker: checkAddress(m.staker, 'staker'),
    nodeId: checkNodeId(m.nodeId),
    amount: parsePositiveAmount(m.amount, 'amount'),
  }
}

function requireNode(state: Parameters<typeof stakingMethod.getNode>[0], nodeId: string) {
  const node = stakingMethod.getNode(state, nodeId)
  if (node === undefined) throw new ChainError(StakingErrorCode.UNKNOWN_NODE, `no registered node ${nodeId}`)
  return node
}

/** `/gather.staking.v1.MsgLock`: any account locks ugat on any registered node, up to the node cap. */
export function lockCommand(token: StakingDeps): Command<LockChange> {
  return {
    typeUrl: typeUrlOf(MsgLockType),
    decode: (value) => decodeLock(MsgLockType, value),
    signer: (msg) => msg.staker,

    verify(ctx, msg) {
      const node = requireNode(ctx.state, msg.nodeId)
      const params = stakingMethod.getParams(ctx.state)
      if (stakingMethod.statusOf(node, ctx.block.height, params) === 'jailed') {
        throw new ChainError(
          StakingErrorCode.NODE_JAILED,
          `node ${msg.nodeId} is jailed until height ${node.jailedUntil}`,
        )
      }
      const locked = BigInt(node.locked)
      if (locked + msg.amount > params.maxNodeLock) {
        const room = params.maxNodeLock - locked
        throw new ChainError(
          StakingErrorCode.LOCK_CAP,
          `node ${msg.nodeId} has ${formatGat(locked)} GAT locked; at most ${formatGat(room)} GAT (${room} ugat) more fits under its cap of ${formatGat(params.maxNodeLock)} GAT`,
          { locked: locked.toString(), room: room.toString(), cap: params.maxNodeLock.toString() },
        )
      }
      const balance = token.getBalance(ctx.state, msg.staker)
      if (balance < msg.amount) {
        throw new ChainError(
          'TOKEN_INSUFFICIENT_BALANCE',
          `insufficient balance: ${msg.staker} has ${balance} ugat after fees, cannot lock ${msg.amount} ugat`,
        )
      }
    },

    execute(ctx, msg) {
      token.debitForLock(ctx.state, ctx.block.height, msg.staker, msg.amount)
      stakingMethod.applyLockChange(ctx.state, token, msg.staker, msg.nodeId, msg.amount, ctx.block.height)
      stakingEvents.emit(ctx, 'staking.locked', {
        staker: msg.staker,
        node_id: msg.nodeId,
        amount: msg.amount.toString(),
      })
    },
  }
}

/** `/gather.staking.v1.MsgUnlock`: starts unbonding; the coins return after the unbonding period. */
export function unlockCommand(token: StakingDeps): Command<LockChange> {
  return {
    typeUrl: typeUrlOf(MsgUnlockType),
    decode: (value) => decodeLock(MsgUnlockType, value),
    signer: (msg) => msg.staker,

    verify(ctx, msg) {
      requireNode(ctx.state, msg.nodeId)
      const lock = stakingMethod.getLock(ctx.state, msg.staker, msg.nodeId)
      if (lock < msg.amount) {
        throw new ChainError(
          StakingErrorCode.UNLOCK_EXCEEDS_LOCK,
          `${msg.staker} has ${lock} ugat locked on node ${msg.nodeId}; cannot unlock ${msg.amount} ugat`,
          { locked: lock.toString() },
        )
      }
    },

    execute(ctx, msg) {
      const params = stakingMethod.getParams(ctx.state)
      const releaseHeight = ctx.block.height + params.unbondingBlocks
      stakingMethod.applyLockChange(ctx.state, token, msg.staker, msg.nodeId, -msg.amount, ctx.block.height)
      stakingMethod.addUnbonding(ctx.state, {
        staker: msg.staker,
        nodeId: msg.nodeId,
        amount: msg.amount.toString(),
        releaseHeight: releaseHeight.toString(),
      })
      stakingEvents.emit(ctx, 'staking.unlocked', {
        staker: msg.staker,
        node_id: msg.nodeId,
        amount: msg.amount.toString(),
        release_height: releaseHeight.toString(),
      })
    },
  }
}
