import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { GENESIS_MAX_UGAT, type Genesis, parseGenesis } from './schema.js'

/** The four genesis allocations of docs/protocol/economics.md. */
export type AllocationName = 'technology' | 'operations' | 'investment' | 'communityGrowth'

/** A vesting schedule in days from genesis (day 0). */
export interface VestingSchedule {
  startDay?: number
  cliffDays?: number
  durationDays: number
}

/**
 * docs/protocol/economics.md: 10,000,000 GAT locked at genesis. Amounts are fixed by the white paper; the schedules
 * are this preset's defaults (a genesis parameter: override them with `vesting`):
 * - technology 5,000,000 GAT: 1-year cliff, linear over 4 years
 * - operations 2,000,000 GAT: no cliff, linear over 2 years (it funds the first super nodes' locks)
 * - investment 2,000,000 GAT: 1-year cliff, linear over 3 years
 * - community growth 1,000,000 GAT: no cliff, linear over 4 years
 */
export const MAINNET_ALLOCATIONS: Readonly<
  Record<AllocationName, { ugat: bigint; vesting: Required<VestingSchedule> }>
> = {
  technology: {
    ugat: 5_000_000n * 1_000_000n,
    vesting: { startDay: 0, cliffDays: 365, durationDays: 1_460 },
  },
  operations: { ugat: 2_000_000n * 1_000_000n, vesting: { startDay: 0, cliffDays: 0, durationDays: 730 } },
  investment: {
    ugat: 2_000_000n * 1_000_000n,
    vesting: { startDay: 0, cliffDays: 365, durationDays: 1_095 },
  },
  communityGrowth: {
    ugat: 1_000_000n * 1_000_000n,
    vesting: { startDay: 0, cliffDays: 0, durationDays: 1_460 },
  },
}

/** Options of the mainnet-style genesis. */
export interface MainnetGenesisOptions {
  /** default `gather-1` */
  chainId?: string
  genesisTime: Date
  /** the address holding each allocation */
  allocations: Record<AllocationName, string>
  /** the first super nodes; their owners lock `selfLock` (default 1 GAT) from their allocation */
  validators: { name: string; nodeKey: string; owner: string; selfLock?: string }[]
  /** the account that issues GMT, one per device sold */
  gmtIssuer: string
  /** per-allocation schedule overrides */
  vesting?: Partial<Record<AllocationName, VestingSchedule>>
  /** default 2,000 ms */
  blockTimeMs?: number
  /** default 43,200 (one day of 2 s blocks) */
  blocksPerDay?: number
  /** default 730 (2 years) */
  superNodeRewardLockDays?: number
  /** staking params (default: the staking module's) */
  staking?: { unbondingBlocks?: number; electionPeriodRounds?: number; maxSuperNodes?: number }
}

/**
 * A mainnet-style genesis (docs/protocol/economics.md): exactly the 10,000,000 GAT allocation as four vesting
 * accounts, nothing else; every later GAT comes from issuance. Validators lock vesting coins
 * (locked coins can be staked), so their owners must be allocation holders.
 */
export function buildMainnetGenesis(o: MainnetGenesisOptions): Genesis {
  const names = Object.keys(MAINNET_ALLOCATIONS) as AllocationName[]
  const holders = new Set(names.map((n) => o.allocations[n]))
  if (holders.size !== names.length) {
    throw new ChainError(
      ChainErrorCode.GENESIS_INVALID,
      'invalid genesis: allocations: each of technology, operations, investment and communityGrowth needs its own address',
    )
  }
  o.validators.forEach((v, i) => {
    if (!holders.has(v.owner)) {
      throw new ChainError(
        ChainErrorCode.GENESIS_INVALID,
        `invalid genesis: validators[${i}].owner: must hold an allocation (the only GAT at genesis), got ${v.owner}`,
      )
    }
  })
  const accounts = names.map((n) => ({
    address: o.allocations[n],
    ugat: MAINNET_ALLOCATIONS[n].ugat.toString(),
    vesting: { ...MAINNET_ALLOCATIONS[n].vesting, ...o.vesting?.[n] },
  }))
  const total = accounts.reduce((s, a) => s + BigInt(a.ugat), 0n)
  if (total !== GENESIS_MAX_UGAT) throw new Error(`allocations total ${total}, not ${GENESIS_MAX_UGAT}`)
  return parseGenesis({
    chainId: o.chainId ?? 'gather-1',
    genesisTime: new Date(Math.floor(o.genesisTime.getTime() / 1000) * 1000).toISOString(),
    params: {
      blockTimeMs: o.blockTimeMs ?? 2000,
      maxBlockTxs: 10_000,
      maxBlockBytes: 8 * 1024 * 1024,
      maxTxBytes: 64 * 1024,
    },
    validators: o.validators.map((v) => ({ ...v, selfLock: v.selfLock ?? '1000000' })),
    modules: {
      token: {
        params: {
          minFee: '1000',
          ...(o.blocksPerDay === undefined ? {} : { blocksPerDay: o.blocksPerDay }),
          ...(o.superNodeRewardLockDays === undefined
            ? {}
            : { superNodeRewardLockDays: o.superNodeRewardLockDays }),
        },
        gmtIssuer: o.gmtIssuer,
        accounts,
      },
      ...(o.staking === undefined ? {} : { staking: { params: o.staking } }),
    },
  })
}
