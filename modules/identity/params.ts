import { GAT_CAP_UGAT } from '../../chain/amount.js'
import { defineParams, type ParamsJson } from '../../chain/params.js'

/** Identity parameters (genesis; later changeable by governance). */
export interface IdentityParams {
  /** ugat burned to register a GID (1 GAT) */
  registrationFee: bigint
}

/** The identity params: defaults, validate, the JSON form and the genesis schema (chain/params.ts). */
export const identityParams = defineParams<IdentityParams>({
  module: 'identity',
  fields: {
    registrationFee: { kind: 'bigint', unit: 'ugat', min: 0n, max: GAT_CAP_UGAT, maxName: 'the GAT cap' },
  },
  defaults: () => ({ registrationFee: 1_000_000n }),
})

/** JSON form of params (amounts as decimal strings), as genesis, the state and queries show them. */
export type IdentityParamsJson = ParamsJson<IdentityParams>
