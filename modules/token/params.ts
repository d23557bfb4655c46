import { MAX_AMOUNT } from '../../chain/amount.js'
import { defineParams, type ParamsJson } from '../../chain/params.js'
import type { StateReader } from '../../chain/store/types.js'
import { blocksPerDayStore, superNodeLockDaysStore } from './stores/index.js'

/** Token module parameters (genesis; each is stored under its own key, `token/params/<name>`). */
export interface TokenParams {
  /** Minimum fee per transaction, in ugat; fees are burned. */
  minFee: bigint
  /** Blocks per issuance day: each day's GAT is minted over this many blocks (43,200 at 2 s blocks). */
  blocksPerDay: number
  /** Super-node rewards earned before this day are locked until it (2 years). */
  superNodeRewardLockDays: number
}

/** The largest `blocksPerDay` accepted: heights stay exact as numbers far beyond any chain's life. */
export const MAX_BLOCKS_PER_DAY = 1_000_000_000

/**
 * The token params: defaults (0.001 GAT per transaction; one day of 2 s blocks; rewards locked
 * for 730 days), validate, the JSON form and the genesis schema (chain/params.ts).
 */
export const tokenParams = defineParams<TokenParams>({
  module: 'token',
  fields: {
    minFee: { kind: 'bigint', unit: 'ugat', min: 0n, max: MAX_AMOUNT, maxName: '2^127-1' },
    blocksPerDay: { kind: 'int', min: 1, max: MAX_BLOCKS_PER_DAY },
    superNodeRewardLockDays: { kind: 'int', unit: 'days', min: 0, max: 100_000 },
  },
  defaults: () => ({ minFee: 1_000n, blocksPerDay: 43_200, superNodeRewardLockDays: 730 }),
})

/** JSON form of params (amounts as decimal strings), as genesis shows them. */
export type TokenParamsJson = ParamsJson<TokenParams>

/** `blocksPerDay` as stored at genesis (the default for a state written before it existed). */
export function getBlocksPerDay(state: StateReader): number {
  const stored = blocksPerDayStore.get(state)
  return stored === undefined ? tokenParams.defaults().blocksPerDay : Number(stored)
}

/** `superNodeRewardLockDays` as stored at genesis (the default for a state written before it existed). */
export function getSuperNodeRewardLockDays(state: StateReader): number {
  const stored = superNodeLockDaysStore.get(state)
  return stored === undefined ? tokenParams.defaults().superNodeRewardLockDays : Number(stored)
}
