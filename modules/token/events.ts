import { defineEvents } from '../../chain/events.js'
import { TOKEN_MODULE } from './stores/index.js'

/**
 * The token module's events, with their attributes in wire order (amounts in ugat, as decimal
 * strings). Block events come from the block hooks, the others from transactions.
 */
export const tokenEvents = defineEvents(TOKEN_MODULE, {
  /** MsgTransfer */
  'token.transfer': ['from', 'to', 'amount'],
  /** ugat burned: a fee (`reason` fee), MsgBurn (burn) or another module's fee (gid_registration, group_creation) */
  'token.burn': ['address', 'amount', 'reason'],
  /** a device's GMT issued (MsgIssueDevice) */
  'token.gmt_issued': ['issuer', 'to', 'amount'],
  /** block event: this block's issuance, into the reward pool */
  'token.minted': ['height', 'day', 'amount'],
  /** block event at the end of each day: how the day's issuance was split */
  'token.rewards_distributed': [
    'day',
    'issued',
    'nodes',
    'active_nodes',
    'stakers',
    'locked_ugat',
    'super_nodes',
    'pool_left',
  ],
  /** block event at the end of each day, one per producer of the day */
  'token.super_node_reward': ['day', 'node_id', 'owner', 'blocks', 'amount', 'locked'],
  /** MsgClaimRewards */
  'token.rewards_claimed': ['address', 'amount'],
})
