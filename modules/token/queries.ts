import { z } from 'zod'
import { defineQueries, query } from '../../chain/endpoint.js'
import { addressSchema, decimalSchema, noParams } from '../../chain/schemas.js'

// The token module's queries: what each takes and answers (amounts in ugat as decimal
// strings). endpoint.ts answers them; the RPC server and the TypeScript client read their types
// from here.

/** An account's counters and balances. */
export const accountResult = z
  .object({
    address: z.string(),
    exists: z.boolean(),
    accountNumber: decimalSchema,
    /** committed: transactions of the account in blocks */
    sequence: decimalSchema,
    /** `gmt` is all the GMT the account holds, bound to nodes or not */
    balance: z.object({ ugat: decimalSchema, gmt: decimalSchema }).strict(),
    /** GMT bound to registered nodes (part of `balance.gmt`) */
    gmtBound: decimalSchema,
    /** ugat the account can transfer, burn or pay fees with now (balance less still-vesting coins) */
    spendable: decimalSchema,
    /** only for a genesis vesting account: its schedule (heights) and what still vests */
    vesting: z
      .object({
        original: decimalSchema,
        unvested: decimalSchema,
        /** unvested coins in the balance (unvested coins locked on nodes are not here) */
        lockedInBalance: decimalSchema,
        delegatedVesting: decimalSchema,
        delegatedFree: decimalSchema,
        startHeight: z.number(),
        cliffHeight: z.number(),
        endHeight: z.number(),
      })
      .strict()
      .optional(),
  })
  .strict()

/** Supply counters (ugat). */
export const supplyResult = z
  .object({
    denom: z.literal('ugat'),
    cap: decimalSchema,
    genesis: decimalSchema,
    minted: decimalSchema,
    burned: decimalSchema,
    /** genesis + minted − burned */
    total: decimalSchema,
    /** locked on nodes (staking) */
    staked: decimalSchema,
    /** unlocked, waiting to return to balances */
    unbonding: decimalSchema,
    /** minted, not yet distributed (the current day's issuance and carried rounding) */
    rewardPool: decimalSchema,
    /** distributed to the nodes' and stakers' reward streams, not yet settled to accounts */
    rewardsOutstanding: decimalSchema,
    /** settled to accounts and not yet claimed, including locked super-node rewards */
    rewardsUnclaimed: decimalSchema,
    /** super-node rewards locked until their lock day (part of rewardsUnclaimed) */
    superNodeRewardsLocked: decimalSchema,
    /** unvested genesis allocation coins in balances (unvested coins that are staked count as staked) */
    vestingLocked: decimalSchema,
    /** every genesis allocation's unvested amount, staked or not */
    vestingUnvested: decimalSchema,
    /** total − staked − unbonding − rewardPool − rewardsOutstanding − rewardsUnclaimed − vestingLocked */
    circulating: decimalSchema,
    /** GMT: cap, issued so far, and the issuer account (null when the chain has none) */
    gmt: z.object({ cap: decimalSchema, issued: decimalSchema, issuer: z.string().nullable() }).strict(),
  })
  .strict()

/** Issuance: a day's amount and the counters (days numbered from 0). */
export const emissionResult = z
  .object({
    /** the day asked for (default: `today`) */
    day: z.number(),
    /** ugat minted on `day` by the schedule */
    amount: decimalSchema,
    /** ugat minted on days 0..`day` by the schedule */
    totalMintedThroughDay: decimalSchema,
    /** the last day of issuance (19,939) */
    lastDay: z.number(),
    /** the day of the next block */
    today: z.number(),
    todayAmount: decimalSchema,
    blocksPerDay: z.number(),
    /** the head height `minted` and `rewardPool` are read at */
    height: z.number(),
    /** ugat actually minted so far (state) */
    minted: decimalSchema,
    /** minted ugat not yet distributed (state) */
    rewardPool: decimalSchema,
  })
  .strict()

/** An account's rewards. */
export const rewardsResult = z
  .object({
    address: z.string(),
    /** the head height the rewards are read at */
    height: z.number(),
    /** what MsgClaimRewards would pay in the next block */
    claimable: decimalSchema,
    /** earned by the account's locked GAT (65 %) since it was last settled */
    stakePending: decimalSchema,
    /** earned by the account's active nodes (30 %) since it was last settled */
    nodePending: decimalSchema,
    /** settled (at a lock change or a node transfer) and not yet claimed */
    unclaimed: decimalSchema,
    /** super-node rewards (5 %) locked until `superNodeUnlockDay` */
    superNodeLocked: decimalSchema,
    superNodeUnlockDay: z.number(),
    /** ugat the account has locked on nodes: its shares of the 65 % */
    lockedStake: decimalSchema,
    /** active nodes the account owns: its shares of the 30 % */
    activeNodes: decimalSchema,
  })
  .strict()

/** The token module's queries. */
export const tokenQueries = defineQueries({
  getAccount: query({
    summary:
      'An account: number, sequence, balances (decimal strings; GMT total and bound), spendable ugat and, for a genesis vesting account, its schedule.',
    params: z.object({ address: addressSchema }).strict(),
    result: accountResult,
  }),
  getSupply: query({
    summary:
      'GAT supply counters in ugat (cap, genesis, minted, burned, total, staked, unbonding, rewardPool, rewardsOutstanding, rewardsUnclaimed, superNodeRewardsLocked, vestingLocked, vestingUnvested, circulating) and GMT (cap, issued, issuer).',
    params: noParams,
    result: supplyResult,
  }),
  getEmission: query({
    summary:
      "GAT issuance: a day's amount and the total through it, the last issuance day, today's day and amount, blocksPerDay, and the minted and reward-pool counters (ugat).",
    params: z
      .object({
        day: z
          .number()
          .int('must be a whole number of days')
          .min(0, 'must be a day number from 0 (the genesis day)')
          .max(1_000_000_000, 'must be at most 1000000000')
          .optional(),
      })
      .strict(),
    result: emissionResult,
  }),
  getRewards: query({
    summary:
      "An account's rewards (ugat): claimable now, pending from its locked GAT and active nodes, settled but unclaimed, and super-node rewards locked until their unlock day.",
    params: z.object({ address: addressSchema }).strict(),
    result: rewardsResult,
  }),
  getMinFee: query({
    summary: 'The minimum fee per transaction, ugat.',
    params: noParams,
    result: z.object({ minFee: decimalSchema }).strict(),
  }),
})
