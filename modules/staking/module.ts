import { ChainError, ChainErrorCode } from '../../chain/errors.js'
import type { ExecContext, GenesisContext, Module } from '../../chain/stateMachine.js'
import { submitEvidenceCommand } from './commands/evidence.js'
import { lockCommand, unlockCommand } from './commands/lock.js'
import { registerNodeCommand } from './commands/registerNode.js'
import { transferNodeCommand } from './commands/transferNode.js'
import { stakingEvents } from './events.js'
import type { StakingGenesis } from './genesis.js'
import { stakingMethod } from './method.js'
import { stakingParams } from './params.js'
import { nodeStore, paramsStore, STAKING_MODULE, superNodesStore, totalLockedStore } from './stores/index.js'
import type { GenesisValidator, StakingDeps, StakingLockListener, StakingTokenMethod } from './types.js'

/**
 * The staking module: registered nodes (one GMT each), locks and unbonding, and the super-node
 * election at each period boundary. `token` is the narrow token interface it needs; `listener`,
 * if given, hears every change of an account's locked ugat (governance's running tallies).
 */
export function createStakingModule(token: StakingTokenMethod, listener?: StakingLockListener): Module {
  const deps: StakingDeps =
    listener === undefined ? token : { ...token, lockChanged: (s, a, d) => listener.lockChanged(s, a, d) }
  return {
    name: STAKING_MODULE,
    events: stakingEvents,
    commands: [
      registerNodeCommand(token),
      lockCommand(deps),
      unlockCommand(deps),
      transferNodeCommand(token),
      submitEvidenceCommand(deps),
    ],

    initGenesis(ctx: GenesisContext, section: unknown, genesis) {
      const params = stakingParams.parse((section as StakingGenesis | undefined)?.params)
      paramsStore.set(ctx.state, stakingParams.toJson(params))
      totalLockedStore.set(ctx.state, 0n)
      const validators = (genesis.validators ?? []) as GenesisValidator[]
      validators.forEach((v, i) => {
        const selfLock = v.selfLock === undefined ? params.minNodeLock : BigInt(v.selfLock)
        const field = `validators[${i}].selfLock`
        if (selfLock < params.minNodeLock || selfLock > params.maxNodeLock) {
          throw new ChainError(
            ChainErrorCode.GENESIS_INVALID,
            `invalid genesis: ${field}: must be between ${params.minNodeLock} and ${params.maxNodeLock} ugat`,
          )
        }
        if (token.getBalance(ctx.state, v.owner) < selfLock) {
          throw new ChainError(
            ChainErrorCode.GENESIS_INVALID,
            `invalid genesis: ${field}: owner ${v.owner} has less than ${selfLock} ugat in modules.token.accounts`,
          )
        }
        // A genesis validator is a device like any other: one GMT, bound to its node key.
        token.mintGmt(ctx.state, v.owner, 1n)
        token.bindGmt(ctx.state, v.owner)
        nodeStore.set(ctx.state, v.nodeKey, {
          nodeId: v.nodeKey,
          owner: v.owner,
          moniker: v.name,
          registeredHeight: '0',
          locked: '0',
          jailedUntil: '0',
        })
        token.debitForLock(ctx.state, 0, v.owner, selfLock)
        stakingMethod.applyLockChange(ctx.state, token, v.owner, v.nodeKey, selfLock, 0)
      })
      const elected = stakingMethod.elect(ctx.state, 0)
      if (elected.length === 0) {
        throw new ChainError(
          ChainErrorCode.GENESIS_INVALID,
          'invalid genesis: validators: no validator can be elected',
        )
      }
      superNodesStore.set(ctx.state, { period: '0', nodeIds: elected })
    },

    beforeTransactions(ctx: ExecContext) {
      // The election first, over the parent state: exactly what the schedule used for this block.
      const set = stakingMethod.superNodesFor(ctx.state, ctx.block.height, ctx.block.slot)
      if (set.elected) {
        superNodesStore.set(ctx.state, { period: set.period.toString(), nodeIds: set.nodeIds })
        stakingEvents.emit(ctx, 'staking.election', {
          period: set.period.toString(),
          super_nodes: set.nodeIds.join(','),
        })
      }
      // Jails ending at this height: the node is active again (if its lock still says so).
      for (const j of stakingMethod.takeJailExpiries(ctx.state, token, ctx.block.height)) {
        stakingEvents.emit(ctx, 'staking.unjailed', { node_id: j.nodeId, status: j.status })
      }
      for (const e of stakingMethod.takeDueUnbondings(ctx.state, ctx.block.height)) {
        token.creditFromLock(ctx.state, e.staker, BigInt(e.amount))
        stakingEvents.emit(ctx, 'staking.unbonded', { staker: e.staker, node_id: e.nodeId, amount: e.amount })
      }
    },

    // Rewards: count this block for its producer; at the end of a day, hand the day's producers
    // to the token module's distribution (which runs after issuance minted this block's share).
    afterTransactions(ctx: ExecContext) {
      stakingMethod.countProducedBlock(ctx.state, ctx.block.proposer, ctx.block.height)
      if (token.isLastBlockOfDay(ctx.state, ctx.block.height)) {
        token.distributeDay(ctx, stakingMethod.takeDayProducers(ctx.state))
      }
    },
  }
}
