import { z } from 'zod'

const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, 'must be a whole number of base units as a decimal string')

/** The token module's section of genesis. */
export const tokenGenesisSchema = z
  .object({
    params: z
      .object({
        minFee: decimal.optional(),
        /** blocks per issuance day (default 43,200: one day of 2 s blocks) */
        blocksPerDay: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(1_000_000_000, 'must be at most 1000000000')
          .optional(),
      })
      .strict()
      .optional(),
    /** the only account that may issue GMT (MsgIssueDevice); absent: nobody */
    gmtIssuer: z.string().optional(),
    accounts: z
      .array(
        z
          .object({
            address: z.string().min(1, 'is required'),
            ugat: decimal,
          })
          .strict(),
      )
      .default([]),
  })
  .strict()

/** Token genesis as parsed by the schema. */
export type TokenGenesis = z.infer<typeof tokenGenesisSchema>
