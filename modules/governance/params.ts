import { MAX_AMOUNT } from '../../chain/amount.js'
import { defineParams, type ParamsJson } from '../../chain/params.js'

/** Governance parameters (genesis; changeable by governance itself). Ratios are in basis points. */
export interface GovernanceParams {
  /** blocks a proposal has to reach `minDeposit` after its submission (7 days of 2 s blocks) */
  depositPeriodBlocks: number
  /** blocks of voting once the deposit is reached (7 days of 2 s blocks) */
  votingPeriodBlocks: number
  /** ugat of deposits that open the voting period (1,000 GAT) */
  minDeposit: bigint
  /** part of `minDeposit` the proposer must deposit at submission, in basis points (2,500 = 25 %) */
  minInitialDepositRatioBps: number
  /** locked ugat that voted, against all locked ugat, needed for a result (3,340 = 33.4 %) */
  quorumBps: number
  /** yes against yes + no + veto above which a proposal passes (5,000 = 50 %) */
  passThresholdBps: number
  /** veto against yes + no + veto above which a proposal is vetoed (3,340 = 33.4 %) */
  vetoThresholdBps: number
  /** proposals open at once (deposit or voting period): bounds a lock change's tally work */
  maxActiveProposals: number
  /** blocks a software upgrade's height must lie at least after the end of its voting (1 day) */
  upgradeMarginBlocks: number
}

/** The governance params: defaults, validate, the JSON form and the genesis schema (chain/params.ts). */
export const governanceParams = defineParams<GovernanceParams>({
  module: 'governance',
  fields: {
    depositPeriodBlocks: { kind: 'int', unit: 'blocks', min: 1, max: 100_000_000 },
    votingPeriodBlocks: { kind: 'int', unit: 'blocks', min: 1, max: 100_000_000 },
    minDeposit: { kind: 'bigint', unit: 'ugat', min: 1n, max: MAX_AMOUNT, maxName: '2^127-1' },
    minInitialDepositRatioBps: { kind: 'int', unit: 'basis points', min: 0, max: 10_000 },
    quorumBps: { kind: 'int', unit: 'basis points', min: 1, max: 10_000 },
    passThresholdBps: { kind: 'int', unit: 'basis points', min: 1, max: 9_999 },
    vetoThresholdBps: { kind: 'int', unit: 'basis points', min: 1, max: 10_000 },
    maxActiveProposals: { kind: 'int', min: 1, max: 100 },
    upgradeMarginBlocks: { kind: 'int', unit: 'blocks', min: 1, max: 100_000_000 },
  },
  defaults: () => ({
    depositPeriodBlocks: 302_400,
    votingPeriodBlocks: 302_400,
    minDeposit: 1_000_000_000n,
    minInitialDepositRatioBps: 2_500,
    quorumBps: 3_340,
    passThresholdBps: 5_000,
    vetoThresholdBps: 3_340,
    maxActiveProposals: 20,
    upgradeMarginBlocks: 43_200,
  }),
})

/** JSON form of params (amounts as decimal strings), as genesis, the state and queries show them. */
export type GovernanceParamsJson = ParamsJson<GovernanceParams>
