import type { GenesisContext, Module } from '../../chain/stateMachine.js'
import { registerGidCommand } from './commands/registerGid.js'
import { transferGidCommand } from './commands/transferGid.js'
import { identityEvents } from './events.js'
import type { IdentityGenesis } from './genesis.js'
import { identityParams } from './params.js'
import { IDENTITY_MODULE, paramsStore } from './stores/index.js'
import type { IdentityTokenMethod } from './types.js'

/**
 * The identity module (docs/protocol/groups.md): GIDs, unique numbers bound to addresses (one per address),
 * chosen or next free, transferable; the registration fee is burned through `token`.
 */
export function createIdentityModule(token: IdentityTokenMethod): Module {
  return {
    name: IDENTITY_MODULE,
    events: identityEvents,
    commands: [registerGidCommand(token), transferGidCommand()],

    initGenesis(ctx: GenesisContext, section: unknown) {
      const params = identityParams.parse((section as IdentityGenesis | undefined)?.params)
      paramsStore.set(ctx.state, identityParams.toJson(params))
    },
  }
}
