import { z } from 'zod'

const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, 'must be a whole number of ugat as a decimal string')

/** The identity section of genesis: params only. */
export const identityGenesisSchema = z
  .object({
    params: z.object({ registrationFee: decimal.optional() }).strict().optional(),
  })
  .strict()

/** Identity genesis as parsed. */
export type IdentityGenesis = z.infer<typeof identityGenesisSchema>
