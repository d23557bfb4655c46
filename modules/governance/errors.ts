/** Error codes of the governance module. */
export const GovernanceErrorCode = {
  /** a malformed proposal: kind, title, description, changes or plan */
  INVALID_PROPOSAL: 'GOVERNANCE_INVALID_PROPOSAL',
  /** a param change names a module governance cannot change */
  UNKNOWN_MODULE: 'GOVERNANCE_UNKNOWN_MODULE',
  UNKNOWN_PROPOSAL: 'GOVERNANCE_UNKNOWN_PROPOSAL',
  UNKNOWN_OPTION: 'GOVERNANCE_UNKNOWN_OPTION',
  INITIAL_DEPOSIT_TOO_LOW: 'GOVERNANCE_INITIAL_DEPOSIT_TOO_LOW',
  TOO_MANY_PROPOSALS: 'GOVERNANCE_TOO_MANY_PROPOSALS',
  /** a deposit on a proposal that ended */
  DEPOSIT_CLOSED: 'GOVERNANCE_DEPOSIT_CLOSED',
  /** a vote on a proposal still in its deposit period */
  NOT_VOTING: 'GOVERNANCE_NOT_VOTING',
  /** a vote on a proposal whose voting period ended */
  VOTING_ENDED: 'GOVERNANCE_VOTING_ENDED',
  /** a vote by an account with no GAT locked */
  NO_VOTING_POWER: 'GOVERNANCE_NO_VOTING_POWER',
  /** an upgrade height too close to the end of voting */
  UPGRADE_TOO_SOON: 'GOVERNANCE_UPGRADE_TOO_SOON',
  /** an upgrade name this chain already ran */
  UPGRADE_DONE: 'GOVERNANCE_UPGRADE_DONE',
  /** the chain reached an upgrade height this build has no handler for: the node stops */
  UPGRADE_REQUIRED: 'GOVERNANCE_UPGRADE_REQUIRED',
} as const
