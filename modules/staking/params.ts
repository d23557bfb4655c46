import { ChainError, ChainErrorCode } from '../../chain/errors.js'

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

/** The defaults of SPEC §4. */
export function defaultStakingParams(): StakingParams {
  return {
    maxSuperNodes: 21,
    minNodeLock: 1_000_000n,
    maxNodeLock: 2_000_000_000n,
    unbondingBlocks: 302_400,
    electionPeriodRounds: 1,
    jailBlocks: 302_400,
    slashFractionBps: 500,
    evidenceMaxAgeBlocks: 43_200,
  }
}

/** Problems with a set of params, each `field: reason`; empty when valid. */
export function validateStakingParams(p: StakingParams): string[] {
  const problems: string[] = []
  if (!Number.isInteger(p.maxSuperNodes) || p.maxSuperNodes < 1 || p.maxSuperNodes > 100) {
    problems.push('maxSuperNodes: must be a whole number from 1 to 100')
  }
  if (p.minNodeLock < 1n) problems.push('minNodeLock: must be at least 1 ugat')
  if (p.maxNodeLock < p.minNodeLock) problems.push('maxNodeLock: must be at least minNodeLock')
  if (!Number.isInteger(p.unbondingBlocks) || p.unbondingBlocks < 1) {
    problems.push('unbondingBlocks: must be a whole number of blocks, at least 1')
  }
  if (!Number.isInteger(p.electionPeriodRounds) || p.electionPeriodRounds < 1) {
    problems.push('electionPeriodRounds: must be a whole number, at least 1')
  }
  if (!Number.isInteger(p.jailBlocks) || p.jailBlocks < 1) {
    problems.push('jailBlocks: must be a whole number of blocks, at least 1')
  }
  if (!Number.isInteger(p.slashFractionBps) || p.slashFractionBps < 0 || p.slashFractionBps > 10_000) {
    problems.push('slashFractionBps: must be a whole number of basis points from 0 to 10000')
  }
  if (!Number.isInteger(p.evidenceMaxAgeBlocks) || p.evidenceMaxAgeBlocks < 1) {
    problems.push('evidenceMaxAgeBlocks: must be a whole number of blocks, at least 1')
  }
  return problems
}

/** Slots in one election period. */
export function periodSlots(p: StakingParams): number {
  return p.maxSuperNodes * p.electionPeriodRounds
}

/** JSON form of params (amounts as decimal strings), as genesis and queries show them. */
export interface StakingParamsJson {
  maxSuperNodes?: number
  minNodeLock?: string
  maxNodeLock?: string
  unbondingBlocks?: number
  electionPeriodRounds?: number
  jailBlocks?: number
  slashFractionBps?: number
  evidenceMaxAgeBlocks?: number
}

/** Params from their JSON form over the defaults; throws GENESIS_INVALID naming each bad field. */
export function parseStakingParams(raw: StakingParamsJson | undefined): StakingParams {
  const d = defaultStakingParams()
  const p: StakingParams = {
    maxSuperNodes: raw?.maxSuperNodes ?? d.maxSuperNodes,
    minNodeLock: raw?.minNodeLock === undefined ? d.minNodeLock : BigInt(raw.minNodeLock),
    maxNodeLock: raw?.maxNodeLock === undefined ? d.maxNodeLock : BigInt(raw.maxNodeLock),
    unbondingBlocks: raw?.unbondingBlocks ?? d.unbondingBlocks,
    electionPeriodRounds: raw?.electionPeriodRounds ?? d.electionPeriodRounds,
    jailBlocks: raw?.jailBlocks ?? d.jailBlocks,
    slashFractionBps: raw?.slashFractionBps ?? d.slashFractionBps,
    evidenceMaxAgeBlocks: raw?.evidenceMaxAgeBlocks ?? d.evidenceMaxAgeBlocks,
  }
  const problems = validateStakingParams(p)
  if (problems.length > 0) {
    throw new ChainError(
      ChainErrorCode.GENESIS_INVALID,
      `invalid genesis: ${problems.map((x) => `modules.staking.params.${x}`).join('; ')}`,
    )
  }
  return p
}

/** Params to their JSON form. */
export function stakingParamsToJson(p: StakingParams): Required<StakingParamsJson> {
  return {
    maxSuperNodes: p.maxSuperNodes,
    minNodeLock: p.minNodeLock.toString(),
    maxNodeLock: p.maxNodeLock.toString(),
    unbondingBlocks: p.unbondingBlocks,
    electionPeriodRounds: p.electionPeriodRounds,
    jailBlocks: p.jailBlocks,
    slashFractionBps: p.slashFractionBps,
    evidenceMaxAgeBlocks: p.evidenceMaxAgeBlocks,
  }
}
