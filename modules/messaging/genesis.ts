import { z } from 'zod'

const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, 'must be a whole number of ugat as a decimal string')

/** The messaging section of genesis: params only. */
export const messagingGenesisSchema = z
  .object({
    params: z
      .object({
        creationFee: decimal.optional(),
        maxProducers: z.number().int().min(1).max(100).optional(),
        maxGroupDepth: z.number().int().min(0).max(64).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()

/** Messaging genesis as parsed. */
export type MessagingGenesis = z.infer<typeof messagingGenesisSchema>
