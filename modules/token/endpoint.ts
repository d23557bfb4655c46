import type { ReadContext } from '../../chain/stateMachine.js'
import { dailyEmission, dayOfHeight, LAST_ISSUANCE_DAY, totalMintedThroughDay } from './logic/emission.js'
import { GAT_CAP_UGAT, GMT_CAP, tokenMethod } from './method.js'
import { getBlocksPerDay } from './params.js'
import {
  burnedStore,
  genesisSupplyStore,
  gmtIssuedStore,
  gmtIssuerStore,
  minFeeStore,
  mintedStore,
} from './stores/index.js'
import type { TokenStakingView } from './types.js'

/** Read-only queries of the token module (RPC `account_get`, `token_getSupply`). */
export const tokenEndpoint = {
  /** An account's counters and balances; counters and amounts as decimal strings. */
  getAccount(ctx: ReadContext, address: string) {
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
    }
  },

  /**
   * Supply counters in ugat. `staking` says how much of the total sits outside balances (locked,
   * unbonding); circulating = total − staked − unbonding − reward pool. Vesting is not
   * implemented yet: when it is, vesting-locked coins leave circulating too.
   */
  getSupply(ctx: ReadContext, staking: TokenStakingView) {
    const genesis = genesisSupplyStore.get(ctx.state) ?? 0n
    const minted = mintedStore.get(ctx.state) ?? 0n
    const burned = burnedStore.get(ctx.state) ?? 0n
    const total = genesis + minted - burned
    const staked = staking.totalLocked(ctx.state)
    const unbonding = staking.totalUnbonding(ctx.state)
    const rewardPool = tokenMethod.getRewardPool(ctx.state)
    return {
      denom: 'ugat',
      cap: GAT_CAP_UGAT.toString(),
      genesis: genesis.toString(),
      minted: minted.toString(),
      burned: burned.toString(),
      total: total.toString(),
      staked: staked.toString(),
      unbonding: unbonding.toString(),
      rewardPool: rewardPool.toString(),
      circulating: (total - staked - unbonding - rewardPool).toString(),
      gmt: {
        cap: GMT_CAP.toString(),
        issued: (gmtIssuedStore.get(ctx.state) ?? 0n).toString(),
        issuer: gmtIssuerStore.get(ctx.state) ?? null,
      },
    }
  },

  /** The minimum fee per transaction, ugat. */
  getMinFee(ctx: ReadContext): string {
    return (minFeeStore.get(ctx.state) ?? 0n).toString()
  },

  /**
   * Issuance (`token_getEmission`): `day`'s amount and the total through it (the schedule), the
   * last issuance day, `today` (the day of the next block) and its amount, and what the chain has
   * actually minted and holds in the reward pool at `height`. Amounts in ugat.
   */
  getEmission(ctx: ReadContext, day?: number) {
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
  },
}
