import { z } from 'zod'
import { governanceParams } from './params.js'

/** The governance section of genesis: params only (a chain starts with no proposals). */
export const governanceGenesisSchema = z
  .object({
    params: governanceParams.genesisSchema().optional(),
  })
  .strict()

/** Governance genesis as parsed. */
export type GovernanceGenesis = z.infer<typeof governanceGenesisSchema>
