import { z } from 'zod'
import { ugatJsonSchema } from '../../chain/params.js'
import { tokenParams } from './params.js'

const days = z.number().int('must be a whole number of days').min(0, 'must be at least 0').max(100_000)

/** A genesis vesting schedule in days from genesis (day 0). */
export const vestingSchema = z
  .object({
    /** the day linear vesting starts (default 0) */
    startDay: days.optional(),
    /** days after startDay before anything can be spent (default 0) */
    cliffDays: days.optional(),
    /** days from startDay until everything has vested */
    durationDays: days.min(1, 'must be at least 1'),
  })
  .strict()
  .refine((v) => (v.cliffDays ?? 0) <= v.durationDays, {
    message: 'cliffDays must not exceed durationDays',
    path: ['cliffDays'],
  })

/** The token module's section of genesis. */
export const tokenGenesisSchema = z
  .object({
    /** minFee, blocksPerDay (default 43,200: one day of 2 s blocks), superNodeRewardLockDays (default 730) */
    params: tokenParams.genesisSchema().optional(),
    /** the only account that may issue GMT (MsgIssueDevice); absent: nobody */
    gmtIssuer: z.string().optional(),
    accounts: z
      .array(
        z
          .object({
            address: z.string().min(1, 'is required'),
            ugat: ugatJsonSchema,
            /** the whole amount vests: linearly from startDay over durationDays, nothing before the cliff */
            vesting: vestingSchema.optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict()

/** Token genesis as parsed by the schema. */
export type TokenGenesis = z.infer<typeof tokenGenesisSchema>
