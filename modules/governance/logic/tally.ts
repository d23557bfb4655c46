/** The options of a vote. */
export const VOTE_OPTIONS = ['yes', 'no', 'abstain', 'veto'] as const
/** One of {@link VOTE_OPTIONS}. */
export type VoteOption = (typeof VOTE_OPTIONS)[number]

/** ugat behind each option. */
export type Tally = Record<VoteOption, bigint>

/** A tally with nothing in it. */
export function emptyTally(): Tally {
  return { yes: 0n, no: 0n, abstain: 0n, veto: 0n }
}

/** The thresholds a tally is judged by, in basis points. */
export interface TallyRules {
  quorumBps: number
  passThresholdBps: number
  vetoThresholdBps: number
}

/** How a voting period ends, and whether the deposits are burned. */
export interface TallyOutcome {
  status: 'passed' | 'rejected' | 'vetoed'
  /** true on veto and on missing quorum: the deposits are burned rather than refunded */
  burnDeposits: boolean
  /** a sentence with the numbers */
  outcome: string
}

const pct = (bps: number): string => `${bps / 100} %`

/**
 * The result of a voting period from its tally and all ugat locked at its end, in integers:
 * quorum when voted × 10,000 ≥ locked × quorumBps; vetoed when veto × 10,000 > (yes + no + veto)
 * × vetoThresholdBps; passed when yes × 10,000 > (yes + no + veto) × passThresholdBps; else
 * rejected. Without quorum the proposal is rejected and its deposits burned.
 */
export function computeOutcome(t: Tally, totalLocked: bigint, rules: TallyRules): TallyOutcome {
  const voted = t.yes + t.no + t.abstain + t.veto
  if (voted === 0n || voted * 10_000n < totalLocked * BigInt(rules.quorumBps)) {
    return {
      status: 'rejected',
      burnDeposits: true,
      outcome: `no quorum: ${voted} of ${totalLocked} ugat locked voted, ${pct(rules.quorumBps)} needed`,
    }
  }
  const counted = t.yes + t.no + t.veto
  if (t.veto * 10_000n > counted * BigInt(rules.vetoThresholdBps)) {
    return {
      status: 'vetoed',
      burnDeposits: true,
      outcome: `vetoed: veto ${t.veto} of ${counted} ugat voting yes, no or veto, above ${pct(rules.vetoThresholdBps)}`,
    }
  }
  if (t.yes * 10_000n > counted * BigInt(rules.passThresholdBps)) {
    return {
      status: 'passed',
      burnDeposits: false,
      outcome: `passed: yes ${t.yes} of ${counted} ugat voting yes, no or veto, above ${pct(rules.passThresholdBps)}`,
    }
  }
  return {
    status: 'rejected',
    burnDeposits: false,
    outcome: `rejected: yes ${t.yes} of ${counted} ugat voting yes, no or veto, not above ${pct(rules.passThresholdBps)}`,
  }
}
