import { parseAmount } from '../../chain/amount.js'

/** Token module parameters. */
export interface TokenParams {
  /** Minimum fee per transaction, in ugat; fees are burned. */
  minFee: bigint
}

/** Defaults: 0.001 GAT per transaction. */
export function defaultTokenParams(): TokenParams {
  return { minFee: 1_000n }
}

/** Parses and validates params from genesis JSON; errors name the field. */
export function parseTokenParams(raw: { minFee?: string } | undefined): TokenParams {
  const d = defaultTokenParams()
  return { minFee: raw?.minFee === undefined ? d.minFee : parseAmount(raw.minFee, 'token.params.minFee') }
}
