import { ChainError } from '../../../chain/errors.js'
import type { StateReader } from '../../../chain/store/types.js'
import { GovernanceErrorCode } from '../errors.js'
import { governanceMethod } from '../method.js'
import type { ProposalRecord } from '../stores/index.js'

/** A decoded uint64 proposal id; 0 is no proposal. */
export function checkProposalId(v: unknown): bigint {
  const id = BigInt(String(v ?? '0'))
  if (id <= 0n)
    throw new ChainError(
      GovernanceErrorCode.UNKNOWN_PROPOSAL,
      'proposal_id is required (proposals count from 1)',
    )
  return id
}

/** The proposal, or GOVERNANCE_UNKNOWN_PROPOSAL. */
export function requireProposal(state: StateReader, id: bigint): ProposalRecord {
  const p = governanceMethod.getProposal(state, id)
  if (p === undefined) throw new ChainError(GovernanceErrorCode.UNKNOWN_PROPOSAL, `no proposal ${id}`)
  return p
}
