import { parseAmount } from '../../chain/amount.js'
import { ChainError, ChainErrorCode } from '../../chain/errors.js'
import type { StateReader } from '../../chain/store/types.js'
import { blocksPerDayStore } from './stores/index.js'

/** Token module parameters. */
export interface TokenParams {
  /** Minimum fee per transaction, in ugat; fees are burned. */
  minFee: bigint
  /** Blocks per issuance day: each day's GAT is minted over this many blocks (43,200 at 2 s blocks). */
  blocksPerDay: number
  /** Super-node rewards earned before this day are locked until it (SPEC §3: 2 years). */
  superNodeRewardLockDays: number
}

/** The largest `blocksPerDay` accepted: heights stay exact as numbers far beyond any chain's life. */
export const MAX_BLOCKS_PER_DAY = 1_000_000_000

/** Defaults: 0.001 GAT per transaction; one day of 2 s blocks. */
export function defaultTokenParams(): TokenParams {
  return { minFee: 1_000n, blocksPerDay: 43_200, superNodeRewardLockDays: 730 }
}

/** Parses and validates params from genesis JSON; errors name the field. */
export function parseTokenParams(
  raw: { minFee?: string; blocksPerDay?: number; superNodeRewardLockDays?: number } | undefined,
): TokenParams {
  const d = defaultTokenParams()
  const blocksPerDay = raw?.blocksPerDay ?? d.blocksPerDay
  if (!Number.isSafeInteger(blocksPerDay) || blocksPerDay < 1 || blocksPerDay > MAX_BLOCKS_PER_DAY) {
    throw new ChainError(
      ChainErrorCode.GENESIS_INVALID,
      `invalid genesis: modules.token.params.blocksPerDay: must be a whole number from 1 to ${MAX_BLOCKS_PER_DAY}, got ${blocksPerDay}`,
    )
  }
  return {
    minFee: raw?.minFee === undefined ? d.minFee : parseAmount(raw.minFee, 'token.params.minFee'),
    blocksPerDay,
    superNodeRewardLockDays: raw?.superNodeRewardLockDays ?? d.superNodeRewardLockDays,
  }
}

/** `blocksPerDay` as stored at genesis (the default for a state written before it existed). */
export function getBlocksPerDay(state: StateReader): number {
  const stored = blocksPerDayStore.get(state)
  return stored === undefined ? defaultTokenParams().blocksPerDay : Number(stored)
}
