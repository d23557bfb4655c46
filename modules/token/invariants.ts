import { checkSum, type Invariant } from '../../chain/invariants.js'
import type { StateReader } from '../../chain/store/types.js'
import { GMT_CAP, MINT_CAP_UGAT, tokenMethod } from './method.js'
import {
  balanceStore,
  burnedStore,
  genesisSupplyStore,
  gmtIssuedStore,
  gmtStore,
  mintedStore,
} from './stores/index.js'
import type { TokenStakingView } from './types.js'

/** At most this many per-account GMT violations are listed. */
const MAX_LISTED = 5

/**
 * The token module's invariants (SPEC §3). `staking` tells where the ugat outside balances
 * are and how many GMT staking binds. Linear in the token state.
 *
 * - token.supply: balances + locked + unbonding + reward pool = genesis + minted − burned (vesting
 *   is not implemented yet: when it is, vesting-locked coins join the left side)
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
