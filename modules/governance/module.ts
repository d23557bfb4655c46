import type { ExecContext, GenesisContext, Module } from '../../chain/stateMachine.js'
import { depositCommand } from './commands/deposit.js'
import { submitProposalCommand } from './commands/submitProposal.js'
import { voteCommand } from './commands/vote.js'
import { governanceEvents } from './events.js'
import type { GovernanceGenesis } from './genesis.js'
import { endProposals, runUpgrade } from './lifecycle.js'
import { governanceMethod } from './method.js'
import { governanceParams } from './params.js'
import { depositsHeldStore, GOVERNANCE_MODULE, nextProposalIdStore, openCountStore } from './stores/index.js'
import type { GovernanceDeps } from './types.js'

/**
 * The governance module: proposals (text, param changes, software upgrades and their
 * cancellation), deposits, votes weighted by locked GAT with running tallies, and the end of
 * each period. `deps` are the narrow token and staking interfaces, the params of the other
 * modules, and the upgrade handlers this build knows.
 */
export function createGovernanceModule(deps: GovernanceDeps): Module {
  const handlers = new Map((deps.upgradeHandlers ?? []).map((h) => [h.name, h]))
  return {
    name: GOVERNANCE_MODULE,
    events: governanceEvents,
    commands: [submitProposalCommand(deps), depositCommand(deps), voteCommand(deps.staking)],

    initGenesis(ctx: GenesisContext, section: unknown) {
      const params = governanceParams.parse((section as GovernanceGenesis | undefined)?.params)
      governanceMethod.setParams(ctx.state, params)
      nextProposalIdStore.set(ctx.state, 1n)
      openCountStore.set(ctx.state, 0n)
      depositsHeldStore.set(ctx.state, 0n)
    },

    // A plan's migration first, before anything else of its block; then the periods ending here.
    beforeTransactions(ctx: ExecContext) {
      runUpgrade(ctx, handlers)
      endProposals(ctx, deps)
    },
  }
}
