import { z } from 'zod'

const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, 'must be a whole number of ugat as a decimal string')

/** The staking section of genesis: params only; the genesis nodes are the chain's `validators`. */
export const stakingGenesisSchema = z
  .object({
    params: z
      .object({
        maxSuperNodes: z.number().int().min(1).max(100).optional(),
        minNodeLock: decimal.optional(),
        maxNodeLock: decimal.optional(),
        unbondingBlocks: z.number().int().min(1).optional(),
        electionPeriodRounds: z.number().int().min(1).optional(),
        jailBlocks: z.number().int().min(1).optional(),
        slashFractionBps: z.number().int().min(0).max(10_000).optional(),
        evidenceMaxAgeBlocks: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()

/** Staking genesis as parsed. */
export type StakingGenesis = z.infer<typeof stakingGenesisSchema>
