import { defineEvents } from '../../chain/events.js'
import { GOVERNANCE_MODULE } from './stores/index.js'

/**
 * The governance module's events, with their attributes in wire order (amounts in ugat, ids and
 * heights as decimal strings).
 */
export const governanceEvents = defineEvents(GOVERNANCE_MODULE, {
  /** MsgSubmitProposal */
  'governance.proposal_submitted': ['proposal_id', 'proposer', 'kind', 'title', 'deposit_end_height'],
  /** MsgSubmitProposal's initial deposit and each MsgDeposit: `total` is the proposal's deposit now */
  'governance.deposit': ['proposal_id', 'depositor', 'amount', 'total'],
  /** the deposit reached minDeposit: voting runs until `voting_end_height` (exclusive) */
  'governance.voting_started': ['proposal_id', 'voting_end_height'],
  /** MsgVote; `previous` when it replaced the voter's earlier vote */
  'governance.vote': ['proposal_id', 'voter', 'option', 'weight', 'previous?'],
  /** block event: the voting ended (`status` passed, rejected or vetoed) with its tally */
  'governance.proposal_ended': [
    'proposal_id',
    'status',
    'yes',
    'no',
    'abstain',
    'veto',
    'total_locked',
    'outcome',
  ],
  /** block event: the deposit period ended below minDeposit */
  'governance.proposal_expired': ['proposal_id', 'total_deposit'],
  /** block event: deposits returned (passed, rejected) */
  'governance.deposits_refunded': ['proposal_id', 'amount'],
  /** block event: deposits burned (vetoed, no quorum, expired), counted in the supply's burned */
  'governance.deposits_burned': ['proposal_id', 'amount'],
  /** block event: one param of a passed proposal applied; `value` as JSON */
  'governance.param_changed': ['proposal_id', 'module', 'key', 'value'],
  /** block event: a passed proposal's changes no longer fit the params at its end; none applied */
  'governance.param_change_failed': ['proposal_id', 'reason'],
  /** block event: a passed upgrade plan is pending; `replaced` names a plan it took the place of */
  'governance.upgrade_scheduled': ['proposal_id', 'name', 'height', 'replaced?'],
  /** block event: a passed plan not scheduled (its height is too close now) */
  'governance.upgrade_refused': ['proposal_id', 'name', 'height', 'reason'],
  /** block event: a passed cancel-upgrade proposal removed the pending plan */
  'governance.upgrade_cancelled': ['proposal_id', 'name', 'height'],
  /** block event: this build's handler of the plan ran at its height */
  'governance.upgrade_applied': ['name', 'height'],
})
