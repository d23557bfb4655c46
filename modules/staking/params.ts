import { defineParams, type ParamsJson } from '../../chain/params.js'

/** Staking parameters (genesis; later changeable by governance). */
export interface StakingParams {
  /** super nodes per period; also the slots in a round */
  maxSuperNodes: number
  /** ugat a node needs locked to be active (1 GAT) */
  minNodeLock: bigint
  /** most ugat all stakers together may lock on one node (2,000 GAT) */
  maxNodeLock: bigint
  /** blocks between an unlock and the coins' return (7 days of 2 s blocks) */
  unbondingBlocks: number
  /** rounds per election period (default every round) */
  electionPeriodRounds: number
  /** blocks a node stays jailed after evidence against it (7 days of 2 s blocks) */
  jailBlocks: number
  /** part of the GAT locked on a node burned per offence, in basis points (500 = 5 %) */
  slashFractionBps: number
  /** evidence whose offence is more than this many blocks below the current height is refused (1 day) */
  evidenceMaxAgeBlocks: number
}

/** The staking params: defaults, validate, the JSON form and the genesis schema (chain/params.ts). */
export const stakingParams = defineParams<StakingParams>({
  module: 'staking',
  fields: {
    maxSuperNodes: { kind: 'int', min: 1, max: 100 },
    minNodeLock: { kind: 'bigint', unit: 'ugat', min: 1n },
    maxNodeLock: { kind: 'bigint', unit: 'ugat' },
    unbondingBlocks: { kind: 'int', unit: 'blocks', min: 1 },
    electionPeriodRounds: { kind: 'int', min: 1 },
    jailBlocks: { kind: 'int', unit: 'blocks', min: 1 },
    slashFractionBps: { kind: 'int', unit: 'basis points', min: 0, max: 10_000 },
    evidenceMaxAgeBlocks: { kind: 'int', unit: 'blocks', min: 1 },
  },
  defaults: () => ({
    maxSuperNodes: 21,
    minNodeLock: 1_000_000n,
    maxNodeLock: 2_000_000_000n,
    unbondingBlocks: 302_400,
    electionPeriodRounds: 1,
    jailBlocks: 302_400,
    slashFractionBps: 500,
    evidenceMaxAgeBlocks: 43_200,
  }),
  check: (p) =>
    p.maxNodeLock < p.minNodeLock ? [{ key: 'maxNodeLock', reason: 'must be at least minNodeLock' }] : [],
})

/** JSON form of params (amounts as decimal strings), as genesis, the state and queries show them. */
export type StakingParamsJson = ParamsJson<StakingParams>

/** Slots in one election period. */
export function periodSlots(p: StakingParams): number {
  return p.maxSuperNodes * p.electionPeriodRounds
}
