import { GAT_CAP_UGAT } from '../../chain/amount.js'
import { defineParams, type ParamsJson } from '../../chain/params.js'

/** A group has at most 10,000 members (a rule of the protocol, not a param). */
export const MAX_MEMBERS_LIMIT = 10_000

/** Group blocks between anchored checkpoints when a policy names none. */
export const DEFAULT_CHECKPOINT_INTERVAL = 100

/** The largest checkpoint interval a policy may name. */
export const MAX_CHECKPOINT_INTERVAL = 100_000
/** Producers a message may name at all (the param `maxProducers` is checked against state). */
export const MAX_PRODUCERS_HARD = 100

/** Messaging parameters (genesis; later changeable by governance). */
export interface MessagingParams {
  /** ugat burned to create a group (10 GAT) */
  creationFee: bigint
  /** most producers a group chain may have (21) */
  maxProducers: number
  /** most levels of parent groups above a group (8) */
  maxGroupDepth: number
}

/** The messaging params: defaults, validate, the JSON form and the genesis schema (chain/params.ts). */
export const messagingParams = defineParams<MessagingParams>({
  module: 'messaging',
  fields: {
    creationFee: { kind: 'bigint', unit: 'ugat', min: 0n, max: GAT_CAP_UGAT, maxName: 'the GAT cap' },
    maxProducers: { kind: 'int', min: 1, max: MAX_PRODUCERS_HARD },
    maxGroupDepth: { kind: 'int', min: 0, max: 64 },
  },
  defaults: () => ({ creationFee: 10_000_000n, maxProducers: 21, maxGroupDepth: 8 }),
})

/** JSON form of params (amounts as decimal strings), as genesis, the state and queries show them. */
export type MessagingParamsJson = ParamsJson<MessagingParams>
