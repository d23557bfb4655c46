import { ChainError, ChainErrorCode, isChainError } from '../../chain/errors.js'
import type { ExecContext } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { GovernanceErrorCode } from './errors.js'
import { governanceEvents } from './events.js'
import { computeOutcome } from './logic/tally.js'
import { GOVERNANCE_ACCOUNT, governanceMethod, tallyRecord } from './method.js'
import { type GovernanceParams, governanceParams } from './params.js'
import {
  depositStore,
  depositsHeldStore,
  type ParamChangeRecord,
  type ProposalRecord,
  proposalId,
} from './stores/index.js'
import type { GovernanceDeps, GovernedParams, UpgradeHandler } from './types.js'

/**
 * The params every change of a proposal leads to, module by module, each change checked by its
 * module's own rules (`change`, then the whole set by `validate`) over the params as they are in
 * `state`, in order: a later change sees the earlier ones. Throws GOVERNANCE_UNKNOWN_MODULE or
 * PARAMS_INVALID naming the change.
 */
export function changedParams(
  state: StateReader,
  targets: Readonly<Record<string, GovernedParams>>,
  changes: readonly ParamChangeRecord[],
): Map<string, { target: GovernedParams; params: unknown }> {
  const out = new Map<string, { target: GovernedParams; params: unknown }>()
  changes.forEach((c, i) => {
    const target = Object.hasOwn(targets, c.module) ? targets[c.module] : undefined
    if (target === undefined) {
      throw new ChainError(
        GovernanceErrorCode.UNKNOWN_MODULE,
        `changes[${i}]: governance changes the params of ${Object.keys(targets).sort().join(', ')}, not "${c.module}"`,
      )
    }
    const current = out.get(c.module)?.params ?? target.get(state)
    let value: unknown
    try {
      value = JSON.parse(c.value)
    } catch {
      throw new ChainError(
        ChainErrorCode.PARAMS_INVALID,
        `changes[${i}] (${c.module}.${c.key}): the value must be JSON (a number, "a string", true), got ${c.value.slice(0, 40)}`,
      )
    }
    try {
      out.set(c.module, { target, params: target.change(current, c.key, value) })
    } catch (e) {
      if (isChainError(e))
        throw new ChainError(e.code, `changes[${i}] (${c.module}.${c.key}): ${e.message}`, e.data)
      throw e
    }
  })
  return out
}

/**
 * Moves `amount` ugat of the depositor's spendable balance into the module account on an open
 * proposal; the voting period opens when the deposits reach minDeposit. Returns the proposal.
 */
export function addDeposit(
  ctx: ExecContext,
  deps: GovernanceDeps,
  p: ProposalRecord,
  depositor: string,
  amount: bigint,
): ProposalRecord {
  const { state } = ctx
  const id = BigInt(p.id)
  deps.token.spend(state, ctx.block.height, depositor, amount, 'deposit')
  deps.token.credit(state, GOVERNANCE_ACCOUNT, amount)
  const key = `${proposalId(id)}/${depositor}`
  depositStore.set(state, key, (depositStore.get(state, key) ?? 0n) + amount)
  depositsHeldStore.set(state, (depositsHeldStore.get(state) ?? 0n) + amount)
  const total = BigInt(p.totalDeposit) + amount
  let next: ProposalRecord = { ...p, totalDeposit: total.toString() }
  governanceEvents.emit(ctx, 'governance.deposit', {
    proposal_id: p.id,
    depositor,
    amount: amount.toString(),
    total: total.toString(),
  })
  const params = governanceMethod.getParams(state)
  if (next.status === 'deposit' && total >= params.minDeposit) next = startVoting(ctx, next, params)
  governanceMethod.setProposal(state, next)
  return next
}

/** The deposit is reached: voting runs from this block until `votingEndHeight` (exclusive). */
function startVoting(ctx: ExecContext, p: ProposalRecord, params: GovernanceParams): ProposalRecord {
  const id = BigInt(p.id)
  const { height } = ctx.block
  const end = height + params.votingPeriodBlocks
  governanceMethod.unqueueEnd(ctx.state, Number(p.depositEndHeight), id)
  governanceMethod.queueEnd(ctx.state, end, id)
  governanceMethod.openTally(ctx.state, id)
  governanceEvents.emit(ctx, 'governance.voting_started', {
    proposal_id: p.id,
    voting_end_height: end.toString(),
  })
  return { ...p, status: 'voting', votingStartHeight: height.toString(), votingEndHeight: end.toString() }
}

/** Every deposit of a proposal, deleted (they are refunded or burned next). */
function takeDeposits(state: StateWriter, id: bigint): [string, bigint][] {
  const prefix = `${depositStore.prefix}${proposalId(id)}/`
  return state.keys(prefix).map((k) => {
    const depositor = k.slice(prefix.length)
    const amount = depositStore.get(state, k.slice(depositStore.prefix.length))!
    state.delete(k)
    return [depositor, amount]
  })
}

function settleDeposits(ctx: ExecContext, deps: GovernanceDeps, p: ProposalRecord, burn: boolean): void {
  const { state } = ctx
  const deposits = takeDeposits(state, BigInt(p.id))
  const total = deposits.reduce((s, [, a]) => s + a, 0n)
  depositsHeldStore.set(state, (depositsHeldStore.get(state) ?? 0n) - total)
  if (total === 0n) return
  if (burn) {
    deps.token.burn(ctx, GOVERNANCE_ACCOUNT, total, 'governance-deposit')
    governanceEvents.emit(ctx, 'governance.deposits_burned', { proposal_id: p.id, amount: total.toString() })
    return
  }
  for (const [depositor, amount] of deposits) {
    deps.token.debit(state, GOVERNANCE_ACCOUNT, amount)
    deps.token.credit(state, depositor, amount)
  }
  governanceEvents.emit(ctx, 'governance.deposits_refunded', { proposal_id: p.id, amount: total.toString() })
}

/**
 * The block hook: the proposals whose deposit or voting period ends at this height. Expired ones
 * burn their deposits; ended votes are judged on their running tally and all ugat locked now
 * (O(1) in the number of voters), deposits refunded or burned, and a passed proposal applied.
 */
export function endProposals(ctx: ExecContext, deps: GovernanceDeps): void {
  const { state } = ctx
  const { height } = ctx.block
  for (const id of governanceMethod.takeEnds(state, height)) {
    const p = governanceMethod.getProposal(state, id)
    if (p === undefined) continue
    if (p.status === 'deposit' && Number(p.depositEndHeight) === height) {
      settleDeposits(ctx, deps, p, true)
      governanceMethod.setProposal(state, {
        ...p,
        status: 'expired',
        outcome: 'expired: the deposit stayed below minDeposit',
      })
      governanceMethod.changeOpenCount(state, -1)
      governanceEvents.emit(ctx, 'governance.proposal_expired', {
        proposal_id: p.id,
        total_deposit: p.totalDeposit,
      })
      continue
    }
    if (p.status !== 'voting' || Number(p.votingEndHeight) !== height) continue
    const tally = governanceMethod.getTally(state, id)
    const totalLocked = deps.staking.totalLocked(state)
    const params = governanceMethod.getParams(state)
    const result = computeOutcome(tally, totalLocked, params)
    governanceMethod.deleteTally(state, id)
    governanceMethod.changeOpenCount(state, -1)
    settleDeposits(ctx, deps, p, result.burnDeposits)
    let outcome = result.outcome
    if (result.status === 'passed') {
      const applied = applyPassed(ctx, deps, p)
      if (applied !== '') outcome = `${outcome}; ${applied}`
    }
    governanceMethod.setProposal(state, {
      ...p,
      status: result.status,
      finalTally: tallyRecord(tally),
      totalLocked: totalLocked.toString(),
      outcome,
    })
    governanceEvents.emit(ctx, 'governance.proposal_ended', {
      proposal_id: p.id,
      status: result.status,
      yes: tally.yes.toString(),
      no: tally.no.toString(),
      abstain: tally.abstain.toString(),
      veto: tally.veto.toString(),
      total_locked: totalLocked.toString(),
      outcome,
    })
  }
}

/**
 * Applies a passed proposal; returns what did not go as proposed ('' when all did). Param changes
 * are checked again over the params as they are now (another proposal may have changed them):
 * all of a proposal's changes apply, or none.
 */
function applyPassed(ctx: ExecContext, deps: GovernanceDeps, p: ProposalRecord): string {
  const { state } = ctx
  const { height } = ctx.block
  switch (p.kind) {
    case 'param-change': {
      let changed: ReturnType<typeof changedParams>
      try {
        changed = changedParams(state, targetsOf(deps), p.changes)
      } catch (e) {
        if (!isChainError(e)) throw e
        governanceEvents.emit(ctx, 'governance.param_change_failed', { proposal_id: p.id, reason: e.message })
        return `its changes were not applied: ${e.message}`
      }
      for (const { target, params } of changed.values()) target.set(state, params)
      for (const c of p.changes) {
        governanceEvents.emit(ctx, 'governance.param_changed', {
          proposal_id: p.id,
          module: c.module,
          key: c.key,
          value: c.value,
        })
      }
      return ''
    }
    case 'software-upgrade': {
      const margin = governanceMethod.getParams(state).upgradeMarginBlocks
      const planHeight = Number(p.upgradeHeight)
      if (planHeight < height + margin) {
        const reason = `height ${planHeight} is less than upgradeMarginBlocks (${margin}) after the end of voting at ${height}`
        governanceEvents.emit(ctx, 'governance.upgrade_refused', {
          proposal_id: p.id,
          name: p.upgradeName,
          height: p.upgradeHeight,
          reason,
        })
        return `the upgrade was not scheduled: ${reason}`
      }
      const replaced = governanceMethod.getUpgradePlan(state)
      governanceMethod.setUpgradePlan(state, {
        name: p.upgradeName,
        height: planHeight,
        proposalId: BigInt(p.id),
      })
      governanceEvents.emit(ctx, 'governance.upgrade_scheduled', {
        proposal_id: p.id,
        name: p.upgradeName,
        height: p.upgradeHeight,
        replaced: replaced?.name,
      })
      return replaced === undefined
        ? ''
        : `it replaced the plan ${replaced.name} at height ${replaced.height}`
    }
    case 'cancel-upgrade': {
      const plan = governanceMethod.getUpgradePlan(state)
      if (plan === undefined || plan.name !== p.upgradeName)
        return `no plan named ${p.upgradeName} was pending: nothing cancelled`
      governanceMethod.setUpgradePlan(state, undefined)
      governanceEvents.emit(ctx, 'governance.upgrade_cancelled', {
        proposal_id: p.id,
        name: plan.name,
        height: plan.height.toString(),
      })
      return ''
    }
    default:
      return ''
  }
}

/** The params governance changes: every other module's, and its own. */
export function targetsOf(deps: GovernanceDeps): Readonly<Record<string, GovernedParams>> {
  return { ...deps.params, governance: governanceTarget }
}

const governanceTarget: GovernedParams = {
  get: (state) => governanceMethod.getParams(state),
  change: (current, key, value) => governanceParams.change(current as GovernanceParams, key, value),
  set: (state, p) => governanceMethod.setParams(state, p as GovernanceParams),
}

/** The message a node without the plan's handler stops with. */
export function upgradeRequiredMessage(name: string, height: number): string {
  return `upgrade ${name} is required at height ${height}: run a release that knows it`
}

/**
 * The block hook at a plan's height: this build's handler of the plan migrates the state once,
 * before anything else of the block; without one the block cannot be executed
 * (GOVERNANCE_UPGRADE_REQUIRED), which stops the node.
 */
export function runUpgrade(ctx: ExecContext, handlers: ReadonlyMap<string, UpgradeHandler>): void {
  const plan = governanceMethod.getUpgradePlan(ctx.state)
  if (plan === undefined || plan.height !== ctx.block.height) return
  const handler = handlers.get(plan.name)
  if (handler === undefined) {
    throw new ChainError(
      GovernanceErrorCode.UPGRADE_REQUIRED,
      upgradeRequiredMessage(plan.name, plan.height),
      {
        name: plan.name,
        height: plan.height,
      },
    )
  }
  handler.migrate(ctx)
  governanceMethod.markUpgradeDone(ctx.state, plan.name, plan.height)
  governanceMethod.setUpgradePlan(ctx.state, undefined)
  governanceEvents.emit(ctx, 'governance.upgrade_applied', {
    name: plan.name,
    height: plan.height.toString(),
  })
}
