import { GAT_CAP_UGAT } from '../../chain/amount.js'
import { defineEndpoint } from '../../chain/endpoint.js'
import type { ReadContext } from '../../chain/stateMachine.js'
import { dailyEmission, dayOfHeight, LAST_ISSUANCE_DAY, totalMintedThroughDay } from './logic/emission.js'
import { lockedInBalance, unvestedAt } from './logic/vesting.js'
import { GMT_CAP, tokenMethod } from './method.js'
import { getBlocksPerDay } from './params.js'
import { tokenQueries } from './queries.js'
import { rewardsMethod } from './rewards.js'
import {
  burnedStore,
  genesisSupplyStore,
  gmtIssuedStore,
  gmtIssuerStore,
  minFeeStore,
  mintedStore,
} from './stores/index.js'
import type { TokenStakingView } from './types.js'

/** The vesting part of an account view: absent for ordinary accounts. */
function vestingView(ctx: ReadContext, address: string) {
  const v = tokenMethod.getVesting(ctx.state, address)
  const height = ctx.block.height
  return {
    spendable: tokenMethod.getSpendable(ctx.state, address, height).toString(),
    ...(v === undefined
      ? {}
      : {
          vesting: {
            original: v.original.toString(),
            unvested: unvestedAt(v, height).toString(),
            lockedInBalance: lockedInBalance(v, height).toString(),
            delegatedVesting: v.delegatedVesting.toString(),
            delegatedFree: v.delegatedFree.toString(),
            startHeight: v.start,
            cliffHeight: v.cliff,
            endHeight: v.end,
          },
        }),
  }
}

/**
 * The token module's queries (queries.ts declares them). The supply counts staking's locked and
 * unbonding totals, read through `staking` (wired in node/wiring.ts).
 */
export function createTokenEndpoint(staking: TokenStakingView) {
  return defineEndpoint(tokenQueries, {
    getAccount: (ctx, p) => accountView(ctx, p.address),
    getRewards: (ctx, p) => rewardsView(ctx, p.address),
    getSupply: (ctx) => supplyView(ctx, staking),
    getMinFee: (ctx) => ({ minFee: (minFeeStore.get(ctx.state) ?? 0n).toString() }),
    getEmission: (ctx, p) => emissionView(ctx, p.day),
  })
}

/** The token module's endpoint type. */
export type TokenEndpoint = ReturnType<typeof createTokenEndpoint>

/** An account's counters and balances; counters and amounts as decimal strings. */
function accountView(ctx: ReadContext, address: string) {
  const account = tokenMethod.getAccount(ctx.state, address)
  return {
    address,
    exists: account !== undefined,
    accountNumber: (account?.accountNumber ?? 0n).toString(),
    sequence: (account?.sequence ?? 0n).toString(),
    balance: {
      ugat: tokenMethod.getBalance(ctx.state, address).toString(),
      gmt: tokenMethod.getGmt(ctx.state, address).total.toString(),
    },
    gmtBound: tokenMethod.getGmt(ctx.state, address).bound.toString(),
    ...vestingView(ctx, address),
  }
}

/**
 * An account's rewards, ugat: pending in the nodes' and stakers' streams, settled but unclaimed,
 * super-node rewards locked until `superNodeUnlockDay`, and `claimable`: what MsgClaimRewards
 * would pay in the next block.
 */
function rewardsView(ctx: ReadContext, address: string) {
  const r = rewardsMethod.rewardsOf(ctx.state, address, ctx.block.height + 1)
  return {
    address,
    height: ctx.block.height,
    claimable: r.claimable.toString(),
    stakePending: r.stakePending.toString(),
    nodePending: r.nodePending.toString(),
    unclaimed: r.unclaimed.toString(),
    superNodeLocked: r.superNodeLocked.toString(),
    superNodeUnlockDay: r.superNodeUnlockDay,
    lockedStake: r.lockedStake.toString(),
    activeNodes: r.activeNodes.toString(),
  }
}

/**
 * Supply counters in ugat. Of the total, these are not circulating: `staked` and `unbonding`
 * (staking's), the reward pool (minted, not yet distributed), `rewardsOutstanding` (distributed
 * to the reward streams, not yet settled to accounts), `rewardsUnclaimed` (settled, not yet
 * claimed, with the locked super-node rewards) and `vestingLocked` (unvested coins in balances;
 * unvested coins that are staked count as staked). `vestingUnvested` is every allocation's
 * unvested amount, staked or not.
 */
function supplyView(ctx: ReadContext, staking: TokenStakingView) {
  const genesis = genesisSupplyStore.get(ctx.state) ?? 0n
  const minted = mintedStore.get(ctx.state) ?? 0n
  const burned = burnedStore.get(ctx.state) ?? 0n
  const total = genesis + minted - burned
  const staked = staking.totalLocked(ctx.state)
  const unbonding = staking.totalUnbonding(ctx.state)
  const rewardPool = tokenMethod.getRewardPool(ctx.state)
  const outstanding = rewardsMethod.outstanding(ctx.state)
  const unclaimed = rewardsMethod.unclaimedTotal(ctx.state) + rewardsMethod.superLockedTotal(ctx.state)
  const height = ctx.block.height
  const vestingLocked = tokenMethod.totalVestingLocked(ctx.state, height)
  return {
    denom: 'ugat' as const,
    cap: GAT_CAP_UGAT.toString(),
    genesis: genesis.toString(),
    minted: minted.toString(),
    burned: burned.toString(),
    total: total.toString(),
    staked: staked.toString(),
    unbonding: unbonding.toString(),
    rewardPool: rewardPool.toString(),
    rewardsOutstanding: outstanding.toString(),
    rewardsUnclaimed: unclaimed.toString(),
    superNodeRewardsLocked: rewardsMethod.superLockedTotal(ctx.state).toString(),
    vestingLocked: vestingLocked.toString(),
    vestingUnvested: tokenMethod.totalUnvested(ctx.state, height).toString(),
    circulating: (
      total -
      staked -
      unbonding -
      rewardPool -
      outstanding -
      unclaimed -
      vestingLocked
    ).toString(),
    gmt: {
      cap: GMT_CAP.toString(),
      issued: (gmtIssuedStore.get(ctx.state) ?? 0n).toString(),
      issuer: gmtIssuerStore.get(ctx.state) ?? null,
    },
  }
}

/**
 * Issuance: `day`'s amount and the total through it (the schedule), the
 * last issuance day, `today` (the day of the next block) and its amount, and what the chain has
 * actually minted and holds in the reward pool at `height`. Amounts in ugat.
 */
function emissionView(ctx: ReadContext, day: number | undefined) {
  const blocksPerDay = getBlocksPerDay(ctx.state)
  const today = dayOfHeight(ctx.block.height + 1, blocksPerDay)
  const d = day ?? today
  return {
    day: d,
    amount: dailyEmission(d).toString(),
    totalMintedThroughDay: totalMintedThroughDay(d).toString(),
    lastDay: LAST_ISSUANCE_DAY,
    today,
    todayAmount: dailyEmission(today).toString(),
    blocksPerDay,
    height: ctx.block.height,
    minted: (mintedStore.get(ctx.state) ?? 0n).toString(),
    rewardPool: tokenMethod.getRewardPool(ctx.state).toString(),
  }
}
