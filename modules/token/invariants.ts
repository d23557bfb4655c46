import { checkSum, type Invariant } from '../../chain/invariants.js'
import type { StateReader } from '../../chain/store/types.js'
import { REWARD_SCALE } from './logic/rewards.js'
import { lockedInBalance } from './logic/vesting.js'
import { GMT_CAP, MINT_CAP_UGAT, tokenMethod } from './method.js'
import { rewardsMethod } from './rewards.js'
import {
  balanceStore,
  burnedStore,
  genesisSupplyStore,
  gmtIssuedStore,
  gmtStore,
  mintedStore,
  rewardAccountStore,
  vestingStore,
} from './stores/index.js'
import type { TokenStakingView } from './types.js'

/** At most this many per-account GMT violations are listed. */
const MAX_LISTED = 5

/**
 * The token module's invariants (docs/protocol/economics.md). `staking` tells where the ugat outside balances
 * are and how many GMT staking binds. Linear in the token state.
 *
 * - token.supply: spendable balances + vesting-locked + locked + unbonding + reward pool +
 *   outstanding rewards + unclaimed rewards (with locked super-node rewards) = genesis + minted −
 *   burned. Vesting-locked coins sit in their accounts' balances, so the check sums balances and
 *   separately requires every vesting account's balance to cover its locked part (token.vesting).
 * - token.rewards: each stream's exact identity Σ(shares × (acc − debt) + frac) + carry =
 *   outstanding × scale (nothing rounded away), shares = staking's locked ugat and active nodes,
 *   and the unclaimed and locked totals = their per-account sums
 * - token.vesting: delegated amounts are non-negative and within the allocation; the balance
 *   covers what is still locked at the block's height
 * - token.minted: minted ≤ 90,000,000 GAT
 * - token.gmt: issued ≤ 10,000,000 and = the sum of GMT held; bound ≤ held per account; GMT
 *   bound in all = registered nodes
 */
export function tokenInvariants(staking: TokenStakingView): Invariant[] {
  return [
    {
      name: 'token.supply',
      check(state: StateReader): string[] {
        const balances = balanceStore.entries(state).reduce((s, [, v]) => s + v, 0n)
        return checkSum(
          {
            balances,
            staked: staking.totalLocked(state),
            unbonding: staking.totalUnbonding(state),
            'reward pool': tokenMethod.getRewardPool(state),
            'outstanding rewards': rewardsMethod.outstanding(state),
            'unclaimed rewards': rewardsMethod.unclaimedTotal(state),
            'locked super-node rewards': rewardsMethod.superLockedTotal(state),
          },
          {
            genesis: genesisSupplyStore.get(state) ?? 0n,
            minted: mintedStore.get(state) ?? 0n,
            burned: -(burnedStore.get(state) ?? 0n),
          },
          'ugat',
        )
      },
    },
    {
      name: 'token.rewards',
      check(state: StateReader, height?: number): string[] {
        const nodes = rewardsMethod.nodeStream(state)
        const stakers = rewardsMethod.stakerStream(state)
        let owedScaled = nodes.carry + stakers.carry
        let stakeShares = 0n
        let nodeShares = 0n
        let unclaimed = 0n
        let superLocked = 0n
        const bad: string[] = []
        for (const [address] of rewardAccountStore.entries(state)) {
          const a = rewardsMethod.account(state, address)
          owedScaled += a.stake.shares * (stakers.acc - a.stake.debt) + a.stake.frac
          owedScaled += a.nodes.shares * (nodes.acc - a.nodes.debt) + a.nodes.frac
          stakeShares += a.stake.shares
          nodeShares += a.nodes.shares
          unclaimed += a.unclaimed
          superLocked += a.superLocked
          if (a.stake.debt > stakers.acc || a.nodes.debt > nodes.acc)
            bad.push(`${address} has a debt above its stream's accumulator`)
          if (
            a.stake.frac < 0n ||
            a.stake.frac >= REWARD_SCALE ||
            a.nodes.frac < 0n ||
            a.nodes.frac >= REWARD_SCALE
          )
            bad.push(`${address} carries a fraction outside [0, 1) ugat`)
        }
        const outstandingScaled = rewardsMethod.outstanding(state) * REWARD_SCALE
        return [
          ...(owedScaled === outstandingScaled
            ? []
            : [
                `outstanding rewards ${rewardsMethod.outstanding(state)} ugat ≠ what accounts are owed plus the streams' carry (${owedScaled} × 10^-24 ugat): ${outstandingScaled - owedScaled} × 10^-24 ugat ${outstandingScaled > owedScaled ? 'unaccounted for' : 'created'}`,
              ]),
          ...checkSum(
            { 'stakers stream shares': stakers.totalShares },
            { "accounts' stake shares": stakeShares },
            'ugat',
          ),
          ...checkSum(
            { 'stakers stream shares': stakers.totalShares },
            { 'ugat locked on nodes': staking.totalLocked(state) },
            'ugat',
          ),
          ...checkSum(
            { 'nodes stream shares': nodes.totalShares },
            { "accounts' active nodes": nodeShares },
            'nodes',
          ),
          ...(height === undefined
            ? []
            : checkSum(
                { 'nodes stream shares': nodes.totalShares },
                { 'active nodes': staking.activeNodes(state, height) },
                'nodes',
              )),
          ...checkSum(
            { 'unclaimed total': rewardsMethod.unclaimedTotal(state) },
            { "accounts' unclaimed": unclaimed },
            'ugat',
          ),
          ...checkSum(
            { 'locked super-node total': rewardsMethod.superLockedTotal(state) },
            { "accounts' locked super-node rewards": superLocked },
            'ugat',
          ),
          ...(rewardsMethod.outstanding(state) < 0n ? ['outstanding rewards are negative'] : []),
          ...(() => {
            const w = rewardsMethod.waiting(state)
            const pool = tokenMethod.getRewardPool(state)
            return w.nodes + w.stakers > pool
              ? [`${w.nodes + w.stakers} ugat wait for the streams but the reward pool holds only ${pool}`]
              : []
          })(),
          ...bad.slice(0, MAX_LISTED),
          ...(bad.length > MAX_LISTED ? [`and ${bad.length - MAX_LISTED} more accounts`] : []),
        ]
      },
    },
    {
      name: 'token.vesting',
      check(state: StateReader, height?: number): string[] {
        const bad: string[] = []
        for (const [address] of vestingStore.entries(state)) {
          const v = tokenMethod.getVesting(state, address)!
          if (v.delegatedVesting < 0n || v.delegatedFree < 0n)
            bad.push(`${address} has negative delegated amounts`)
          if (v.delegatedVesting > v.original)
            bad.push(
              `${address} has ${v.delegatedVesting} ugat of vesting coins locked, above its allocation of ${v.original}`,
            )
          if (height !== undefined) {
            const locked = lockedInBalance(v, height)
            const balance = tokenMethod.getBalance(state, address)
            if (balance < locked)
              bad.push(
                `${address} holds ${balance} ugat, less than the ${locked} ugat still locked at height ${height}`,
              )
          }
        }
        return [
          ...bad.slice(0, MAX_LISTED),
          ...(bad.length > MAX_LISTED ? [`and ${bad.length - MAX_LISTED} more accounts`] : []),
        ]
      },
    },
    {
      name: 'token.minted',
      check(state: StateReader): string[] {
        const minted = mintedStore.get(state) ?? 0n
        return minted <= MINT_CAP_UGAT
          ? []
          : [
              `minted ${minted} ugat exceeds the issuance cap of ${MINT_CAP_UGAT} ugat by ${minted - MINT_CAP_UGAT} ugat`,
            ]
      },
    },
    {
      name: 'token.gmt',
      check(state: StateReader): string[] {
        const issued = gmtIssuedStore.get(state) ?? 0n
        let held = 0n
        let bound = 0n
        const accounts: string[] = []
        for (const [address, g] of gmtStore.entries(state)) {
          const total = BigInt(g.total)
          const b = BigInt(g.bound)
          held += total
          bound += b
          if (b > total) accounts.push(`${address} has ${b} GMT bound but holds only ${total}`)
          if (b < 0n) accounts.push(`${address} has ${b} GMT bound`)
        }
        const nodes = staking.registeredNodes(state)
        return [
          ...(issued > GMT_CAP ? [`${issued} GMT issued exceeds the cap of ${GMT_CAP}`] : []),
          ...checkSum({ issued }, { 'sum of GMT held': held }, 'GMT'),
          ...checkSum({ 'GMT bound': bound }, { 'registered nodes': nodes }, 'GMT'),
          ...accounts.slice(0, MAX_LISTED),
          ...(accounts.length > MAX_LISTED ? [`and ${accounts.length - MAX_LISTED} more accounts`] : []),
        ]
      },
    },
  ]
}
