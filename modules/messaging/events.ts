import { defineEvents } from '../../chain/events.js'
import { MESSAGING_MODULE } from './stores/index.js'

/** The messaging module's events, with their attributes in wire order (lists comma-separated). */
export const messagingEvents = defineEvents(MESSAGING_MODULE, {
  /** MsgCreateGroup (its fee also burns: `token.burn` reason group_creation) */
  'messaging.group_created': ['group_id', 'owner', 'name', 'parent_group', 'fee'],
  /** MsgUpdateGroup */
  'messaging.group_updated': ['group_id', 'by', 'owner', 'producers', 'threshold'],
  /** MsgUpdateGroup on a frozen group: new producers unfreeze it */
  'messaging.group_unfrozen': ['group_id', 'producers'],
  /** MsgAnchorCheckpoint */
  'messaging.checkpoint_anchored': ['group_id', 'height', 'block_hash', 'signers'],
  /** MsgAnchorCheckpoint with a conflicting checkpoint: the group is frozen, naming the double signers */
  'messaging.group_frozen': ['group_id', 'height', 'culprits', 'submitter'],
  /** block event: an address's balance reached a holder-gated group's `min_gat_balance` */
  'messaging.holder_joined': ['group_id', 'address', 'balance', 'min_gat_balance'],
  /** block event: an address's balance fell below a holder-gated group's `min_gat_balance` */
  'messaging.holder_left': ['group_id', 'address', 'balance', 'min_gat_balance'],
})
