import { defineEvents } from '../../chain/events.js'
import { IDENTITY_MODULE } from './stores/index.js'

/** The identity module's events, with their attributes in wire order. */
export const identityEvents = defineEvents(IDENTITY_MODULE, {
  /** MsgRegisterGid (its fee also burns: `token.burn` reason gid_registration) */
  'identity.gid_registered': ['gid', 'owner', 'fee'],
  /** MsgTransferGid */
  'identity.gid_transferred': ['gid', 'from', 'to'],
})
