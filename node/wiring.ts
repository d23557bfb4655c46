// The wiring of Gather Chain: which modules run, the narrow views passed between them, the
// invariants, the staking schedule and the consensus rules the block pipeline applies, and the
// chain spec read from a genesis file. The one place that knows every module.
import type { ChainSpec, ConsensusRules, SuperNodeSchedule } from '../chain/blockchain.js'
import type { Invariant } from '../chain/invariants.js'
import type { ParamsSpec } from '../chain/params.js'
import type { Module } from '../chain/stateMachine.js'
import { StateOverlay } from '../chain/store/overlay.js'
import type { StateReader } from '../chain/store/types.js'
import { verifyLastCommit } from '../consensus/finality.js'
import { proposerForSlot, roundOf, slotTime } from '../consensus/schedule.js'
import { type Genesis, genesisHash, genesisTimeMs } from '../genesis/schema.js'
import { createGovernanceEndpoint } from '../modules/governance/endpoint.js'
import { governanceInvariants } from '../modules/governance/invariants.js'
import { upgradeRequiredMessage } from '../modules/governance/lifecycle.js'
import { governanceMethod } from '../modules/governance/method.js'
import { createGovernanceModule } from '../modules/governance/module.js'
import type {
  GovernanceDeps,
  GovernanceStakingView,
  GovernedParams,
  UpgradeHandler,
} from '../modules/governance/types.js'
import { identityEndpoint } from '../modules/identity/endpoint.js'
import { identityInvariants } from '../modules/identity/invariants.js'
import { identityMethod } from '../modules/identity/method.js'
import { createIdentityModule } from '../modules/identity/module.js'
import { identityParams } from '../modules/identity/params.js'
import { createMessagingEndpoint } from '../modules/messaging/endpoint.js'
import { messagingInvariants } from '../modules/messaging/invariants.js'
import { messagingMethod } from '../modules/messaging/method.js'
import { createMessagingModule } from '../modules/messaging/module.js'
import { messagingParams } from '../modules/messaging/params.js'
import type { HolderBalanceView } from '../modules/messaging/types.js'
import { stakingEndpoint } from '../modules/staking/endpoint.js'
import { stakingInvariants } from '../modules/staking/invariants.js'
import { stakingMethod } from '../modules/staking/method.js'
import { createStakingModule } from '../modules/staking/module.js'
import { stakingParams } from '../modules/staking/params.js'
import type { StakingTokenMethod } from '../modules/staking/types.js'
import { createTokenEndpoint } from '../modules/token/endpoint.js'
import { tokenInvariants } from '../modules/token/invariants.js'
import { tokenMethod } from '../modules/token/method.js'
import { tokenModule } from '../modules/token/module.js'
import { tokenParams } from '../modules/token/params.js'
import { rewardsMethod } from '../modules/token/rewards.js'
import { balanceStore } from '../modules/token/stores/index.js'
import type { TokenStakingView } from '../modules/token/types.js'

/** What a build brings to the modules beyond the genesis: the software upgrades it knows. */
export interface ChainModuleOptions {
  upgradeHandlers?: readonly UpgradeHandler[]
}

/** The modules of Gather Chain, in execution order. */
export function chainModules(opts: ChainModuleOptions = {}): Module[] {
  return [
    tokenModule,
    // every change of an account's locks moves the running tallies of the proposals it voted on
    createStakingModule(stakingTokenMethod, { lockChanged: governanceMethod.lockChanged }),
    // after staking: a block's param changes and upgrades see the block's locks and unlocks
    createGovernanceModule(governanceDeps(opts.upgradeHandlers ?? [])),
    createIdentityModule(tokenMethod),
    // last, so its holder gate sees every balance change of the block
    createMessagingModule(tokenMethod, holderBalanceView),
  ]
}

/**
 * The modules' endpoints, by module name: every read-only query the node serves (the RPC
 * methods map onto them, rpc/api.ts). Built here because two of them read another module.
 */
export function chainEndpoints(opts: { blockTimeMs: number }) {
  return {
    token: createTokenEndpoint(tokenStakingView),
    staking: stakingEndpoint,
    governance: createGovernanceEndpoint({ staking: governanceStakingView, blockTimeMs: opts.blockTimeMs }),
    identity: identityEndpoint,
    messaging: createMessagingEndpoint(tokenMethod),
  }
}

/** The endpoints of {@link chainEndpoints}, by module name. */
export type ChainEndpoints = ReturnType<typeof chainEndpoints>

/** The token surface staking uses: balances, GMT, and the reward hooks. */
export const stakingTokenMethod: StakingTokenMethod = {
  ...tokenMethod,
  changeStake: rewardsMethod.changeStake,
  changeActiveNodes: rewardsMethod.changeActiveNodes,
  isLastBlockOfDay: rewardsMethod.isLastBlockOfDay,
  distributeDay: rewardsMethod.distributeDay,
}

/**
 * The balances a block changed, for messaging's holder gate: the token balance keys written in
 * the block's overlay, each read before (the parent state) and now.
 */
export const holderBalanceView: HolderBalanceView = {
  changedBalances(state) {
    if (!(state instanceof StateOverlay)) return []
    const before = { get: (k: string) => state.baseGet(k), keys: () => [] }
    const out = []
    for (const key of state.changes().keys()) {
      if (!key.startsWith(balanceStore.prefix)) continue
      const address = key.slice(balanceStore.prefix.length)
      const b = tokenMethod.getBalance(before, address)
      const a = tokenMethod.getBalance(state, address)
      if (a !== b) out.push({ address, before: b, after: a })
    }
    return out
  },
}

/** What the token module reads from staking (supply query, invariants). */
export const tokenStakingView: TokenStakingView = {
  totalLocked: (state) => stakingMethod.getTotalLocked(state),
  totalUnbonding: (state) => stakingMethod.getTotalUnbonding(state),
  registeredNodes: (state) => stakingMethod.countNodes(state),
  activeNodes: (state, height) => stakingMethod.countActiveNodes(state, height),
}

/**
 * The invariants of Gather Chain (ARCHITECTURE.md, "Invariants"): each module's own, with the
 * cross-module ones (supply conservation, GMT bound per node) given staking's view.
 */
export function chainInvariants(): Invariant[] {
  return [
    ...tokenInvariants(tokenStakingView),
    ...stakingInvariants,
    ...governanceInvariants(governanceStakingView, (state, address) =>
      tokenMethod.getBalance(state, address),
    ),
    ...identityInvariants,
    ...messagingInvariants,
  ]
}

/** What governance reads of staking: each account's locked ugat and the total. */
export const governanceStakingView: GovernanceStakingView = {
  lockedOf: (state, address) => stakingMethod.getLockedBy(state, address),
  totalLocked: (state) => stakingMethod.getTotalLocked(state),
}

/** One module's params as governance changes them: its own `change` rule, its getter and setter. */
function governedParams<P>(
  spec: ParamsSpec<P>,
  get: (state: StateReader) => P,
  set: (state: Parameters<GovernedParams['set']>[0], p: P) => void,
): GovernedParams {
  return {
    get,
    change: (current, key, value) => spec.change(current as P, key, value),
    set: (state, p) => set(state, p as P),
  }
}

/** What the governance module is given: token for deposits, staking's locks, every module's params. */
export function governanceDeps(upgradeHandlers: readonly UpgradeHandler[]): GovernanceDeps {
  return {
    token: tokenMethod,
    staking: governanceStakingView,
    params: {
      token: governedParams(tokenParams, tokenMethod.getParams, tokenMethod.setParams),
      staking: governedParams(stakingParams, stakingMethod.getParams, stakingMethod.setParams),
      identity: governedParams(identityParams, identityMethod.getParams, identityMethod.setParams),
      messaging: governedParams(messagingParams, messagingMethod.getParams, messagingMethod.setParams),
    },
    upgradeHandlers,
  }
}

/**
 * The software upgrade that stops a node before the block at `nextHeight`: the pending plan of
 * that height when this build has no handler of its name (undefined otherwise).
 */
export function requiredUpgrade(
  state: StateReader,
  nextHeight: number,
  handlers: readonly UpgradeHandler[],
): { name: string; height: number; message: string } | undefined {
  const plan = governanceMethod.getUpgradePlan(state)
  if (plan === undefined || plan.height !== nextHeight) return undefined
  if (handlers.some((h) => h.name === plan.name)) return undefined
  return { name: plan.name, height: plan.height, message: upgradeRequiredMessage(plan.name, plan.height) }
}

/** The pending software upgrade (`chain_getStatus`), or null. */
export function pendingUpgrade(
  state: StateReader,
): { name: string; height: number; proposalId: number } | null {
  const plan = governanceMethod.getUpgradePlan(state)
  return plan === undefined
    ? null
    : { name: plan.name, height: plan.height, proposalId: Number(plan.proposalId) }
}

/** The block schedule from the staking module's elected set (memoised per parent state and period). */
export function stakingSchedule(): SuperNodeSchedule {
  let memo: { root: string; height: number; period: number; keys: Uint8Array[] } | undefined
  return (state, height, slot) => {
    // The producer asks every slot; an election at a period boundary scans every node, so
    // answer repeated questions about the same parent state and period from memory.
    const root = (state as { root?: Uint8Array }).root
    const rootHex = root === undefined ? '' : Buffer.from(root).toString('hex')
    const period = stakingMethod.periodOf(state, slot)
    if (
      memo !== undefined &&
      rootHex !== '' &&
      memo.root === rootHex &&
      memo.height === height &&
      memo.period === period
    ) {
      return memo.keys
    }
    const keys = stakingMethod.superNodesFor(state, height, slot).nodeIds.map((id) => Buffer.from(id, 'hex'))
    memo = { root: rootHex, height, period, keys }
    return keys
  }
}

/** The consensus rules the block pipeline applies (consensus/schedule.ts, consensus/finality.ts). */
export const consensusRules: ConsensusRules = { proposerForSlot, roundOf, slotTime, verifyLastCommit }

/** What the block pipeline reads of a genesis file. */
export function chainSpec(genesis: Genesis): ChainSpec {
  return {
    chainId: genesis.chainId,
    genesisHash: genesisHash(genesis),
    genesisTimeMs: genesisTimeMs(genesis),
    blockTimeMs: genesis.params.blockTimeMs,
    maxBlockTxs: genesis.params.maxBlockTxs,
    maxBlockBytes: genesis.params.maxBlockBytes,
    document: genesis,
  }
}
