import type { ExecContext, GenesisContext, Module } from '../../chain/stateMachine.js'
import { anchorCheckpointCommand } from './commands/anchorCheckpoint.js'
import { createGroupCommand } from './commands/createGroup.js'
import { updateGroupCommand } from './commands/updateGroup.js'
import { messagingEvents } from './events.js'
import type { MessagingGenesis } from './genesis.js'
import { applyHolderGate } from './hooks/holderGate.js'
import { messagingParams } from './params.js'
import { MESSAGING_MODULE, paramsStore } from './stores/index.js'
import type { HolderBalanceView, MessagingTokenMethod } from './types.js'

/**
 * The messaging module, main-chain side (docs/protocol/groups.md): groups and their policies,
 * group-chain checkpoints anchored with the producers' signatures, evidence that freezes a group,
 * and the holder gate. `token` burns the creation fee and answers balances; `holders` lists the
 * balances a block changed.
 */
export function createMessagingModule(token: MessagingTokenMethod, holders: HolderBalanceView): Module {
  return {
    name: MESSAGING_MODULE,
    events: messagingEvents,
    commands: [createGroupCommand(token), updateGroupCommand(), anchorCheckpointCommand()],

    initGenesis(ctx: GenesisContext, section: unknown) {
      const params = messagingParams.parse((section as MessagingGenesis | undefined)?.params)
      paramsStore.set(ctx.state, messagingParams.toJson(params))
    },

    afterTransactions(ctx: ExecContext) {
      applyHolderGate(ctx, holders)
    },
  }
}
