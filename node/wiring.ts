// The wiring of Gather Chain: which modules run, the narrow views passed between them, the
// invariants, the staking schedule and the consensus rules the block pipeline applies, and the
// chain spec read from a genesis file. The one place that knows every module.
import type { ChainSpec, ConsensusRules, SuperNodeSchedule } from '../chain/blockchain.js'
import type { Invariant } from '../chain/invariants.js'
import type { Module } from '../chain/stateMachine.js'
import { StateOverlay } from '../chain/store/overlay.js'
import { verifyLastCommit } from '../consensus/finality.js'
import { proposerForSlot, roundOf, slotTime } from '../consensus/schedule.js'
import { type Genesis, genesisHash, genesisTimeMs } from '../genesis/schema.js'
import { identityEndpoint } from '../modules/identity/endpoint.js'
import { identityInvariants } from '../modules/identity/invariants.js'
import { createIdentityModule } from '../modules/identity/module.js'
import { createMessagingEndpoint } from '../modules/messaging/endpoint.js'
import { messagingInvariants } from '../modules/messaging/invariants.js'
import { createMessagingModule } from '../modules/messaging/module.js'
import type { HolderBalanceView } from '../modules/messaging/types.js'
import { stakingEndpoint } from '../modules/staking/endpoint.js'
import { stakingInvariants } from '../modules/staking/invariants.js'
import { stakingMethod } from '../modules/staking/method.js'
import { createStakingModule } from '../modules/staking/module.js'
import type { StakingTokenMethod } from '../modules/staking/types.js'
import { createTokenEndpoint } from '../modules/token/endpoint.js'
import { tokenInvariants } from '../modules/token/invariants.js'
import { tokenMethod } from '../modules/token/method.js'
import { tokenModule } from '../modules/token/module.js'
import { rewardsMethod } from '../modules/token/rewards.js'
import { balanceStore } from '../modules/token/stores/index.js'
import type { TokenStakingView } from '../modules/token/types.js'

/** The modules of Gather Chain, in execution order. */
export function chainModules(): Module[] {
  return [
    tokenModule,
    createStakingModule(stakingTokenMethod),
    createIdentityModule(tokenMethod),
    // last, so its holder gate sees every balance change of the block
    createMessagingModule(tokenMethod, holderBalanceView),
  ]
}

/**
 * The modules' endpoints, by module name: every read-only query the node serves (the RPC
 * methods map onto them, rpc/api.ts). Built here because two of them read another module.
 */
export function chainEndpoints() {
  return {
    token: createTokenEndpoint(tokenStakingView),
    staking: stakingEndpoint,
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
    ...identityInvariants,
    ...messagingInvariants,
  ]
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
