import { z } from 'zod'

const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, 'must be a whole number of base units as a decimal string')

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
        /** super-node rewards earned before this day are locked until it (default 730: 2 years) */
        superNodeRewardLockDays: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be at least 0')
          .max(100_000, 'must be at most 100000')
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
