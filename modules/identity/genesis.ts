import { z } from 'zod'
import { identityParams } from './params.js'

/** The identity section of genesis: params only. */
export const identityGenesisSchema = z
  .object({
    params: identityParams.genesisSchema().optional(),
  })
  .strict()

/** Identity genesis as parsed. */
export type IdentityGenesis = z.infer<typeof identityGenesisSchema>
