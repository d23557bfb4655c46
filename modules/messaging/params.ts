import { GAT_CAP_UGAT } from '../../chain/amount.js'
import { ChainError, ChainErrorCode } from '../../chain/errors.js'

/** SPEC §7: a group has at most 10,000 members. */
export const MAX_MEMBERS_LIMIT = 10_000
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

/** The defaults. */
export function defaultMessagingParams(): MessagingParams {
  return { creationFee: 10_000_000n, maxProducers: 21, maxGroupDepth: 8 }
}

/** Problems with a set of params, each `field: reason`; empty when valid. */
export function validateMessagingParams(p: MessagingParams): string[] {
  const problems: string[] = []
  if (p.creationFee < 0n) problems.push('creationFee: must not be negative')
  if (p.creationFee > GAT_CAP_UGAT) problems.push('creationFee: must not exceed the GAT cap')
  if (!Number.isInteger(p.maxProducers) || p.maxProducers < 1 || p.maxProducers > MAX_PRODUCERS_HARD)
    problems.push(`maxProducers: must be a whole number from 1 to ${MAX_PRODUCERS_HARD}`)
  if (!Number.isInteger(p.maxGroupDepth) || p.maxGroupDepth < 0 || p.maxGroupDepth > 64)
    problems.push('maxGroupDepth: must be a whole number from 0 to 64')
  return problems
}

/** JSON form of params, as genesis and queries show them. */
export interface MessagingParamsJson {
  creationFee?: string
  maxProducers?: number
  maxGroupDepth?: number
}

/** Params from their JSON form over the defaults; throws GENESIS_INVALID naming each bad field. */
export function parseMessagingParams(raw: MessagingParamsJson | undefined): MessagingParams {
  const d = defaultMessagingParams()
  const p: MessagingParams = {
    creationFee: raw?.creationFee === undefined ? d.creationFee : BigInt(raw.creationFee),
    maxProducers: raw?.maxProducers ?? d.maxProducers,
    maxGroupDepth: raw?.maxGroupDepth ?? d.maxGroupDepth,
  }
  const problems = validateMessagingParams(p)
  if (problems.length > 0) {
    throw new ChainError(
      ChainErrorCode.GENESIS_INVALID,
      `invalid genesis: ${problems.map((x) => `modules.messaging.params.${x}`).join('; ')}`,
    )
  }
  return p
}

/** Params to their JSON form. */
export function messagingParamsToJson(p: MessagingParams): Required<MessagingParamsJson> {
  return {
    creationFee: p.creationFee.toString(),
    maxProducers: p.maxProducers,
    maxGroupDepth: p.maxGroupDepth,
  }
}
