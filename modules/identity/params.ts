import { GAT_CAP_UGAT } from '../../chain/amount.js'
import { ChainError, ChainErrorCode } from '../../chain/errors.js'

/** Identity parameters (genesis; later changeable by governance). */
export interface IdentityParams {
  /** ugat burned to register a GID (1 GAT) */
  registrationFee: bigint
}

/** The defaults. */
export function defaultIdentityParams(): IdentityParams {
  return { registrationFee: 1_000_000n }
}

/** Problems with a set of params, each `field: reason`; empty when valid. */
export function validateIdentityParams(p: IdentityParams): string[] {
  const problems: string[] = []
  if (p.registrationFee < 0n) problems.push('registrationFee: must not be negative')
  if (p.registrationFee > GAT_CAP_UGAT) problems.push('registrationFee: must not exceed the GAT cap')
  return problems
}

/** JSON form of params (amounts as decimal strings), as genesis and queries show them. */
export interface IdentityParamsJson {
  registrationFee?: string
}

/** Params from their JSON form over the defaults; throws GENESIS_INVALID naming each bad field. */
export function parseIdentityParams(raw: IdentityParamsJson | undefined): IdentityParams {
  const d = defaultIdentityParams()
  const p: IdentityParams = {
    registrationFee: raw?.registrationFee === undefined ? d.registrationFee : BigInt(raw.registrationFee),
  }
  const problems = validateIdentityParams(p)
  if (problems.length > 0) {
    throw new ChainError(
      ChainErrorCode.GENESIS_INVALID,
      `invalid genesis: ${problems.map((x) => `modules.identity.params.${x}`).join('; ')}`,
    )
  }
  return p
}

/** Params to their JSON form. */
export function identityParamsToJson(p: IdentityParams): Required<IdentityParamsJson> {
  return { registrationFee: p.registrationFee.toString() }
}
