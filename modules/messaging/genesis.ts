import { z } from 'zod'
import { messagingParams } from './params.js'

/** The messaging section of genesis: params only. */
export const messagingGenesisSchema = z
  .object({
    params: messagingParams.genesisSchema().optional(),
  })
  .strict()

/** Messaging genesis as parsed. */
export type MessagingGenesis = z.infer<typeof messagingGenesisSchema>
