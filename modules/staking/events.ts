import { defineEvents } from '../../chain/events.js'
import { STAKING_MODULE } from './stores/index.js'

/**
 * The staking module's events, with their attributes in wire order (amounts in ugat, heights and
 * periods as decimal strings, lists comma-separated).
 */
export const stakingEvents = defineEvents(STAKING_MODULE, {
  /** MsgRegisterNode */
  'staking.node_registered': ['node_id', 'owner', 'moniker'],
  /** MsgTransferNode */
  'staking.node_transferred': ['node_id', 'from', 'to'],
  /** MsgLock */
  'staking.locked': ['staker', 'node_id', 'amount'],
  /** MsgUnlock: the amount returns at `release_height` */
  'staking.unlocked': ['staker', 'node_id', 'amount', 'release_height'],
  /** block event: an unlock returned to its staker */
  'staking.unbonded': ['staker', 'node_id', 'amount'],
  /** block event: a new election period's super nodes */
  'staking.election': ['period', 'super_nodes'],
  /** evidence: the offender jailed until a height */
  'staking.jailed': ['node_id', 'owner', 'until'],
  /** evidence: one per staker's lock cut */
  'staking.slashed': ['node_id', 'staker', 'amount'],
  /** MsgSubmitEvidence accepted; `slot` only for two proposals in one slot */
  'staking.evidence': ['submitter', 'kind', 'node_id', 'height', 'slot?', 'jailed_until', 'burned'],
  /** block event: a jail ended (`status` active or inactive) */
  'staking.unjailed': ['node_id', 'status'],
})
