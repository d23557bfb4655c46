import { z } from 'zod'
import { stakingParams } from './params.js'

/** The staking section of genesis: params only; the genesis nodes are the chain's `validators`. */
export const stakingGenesisSchema = z
  .object({
    params: stakingParams.genesisSchema().optional(),
  })
  .strict()

/** Staking genesis as parsed. */
export type StakingGenesis = z.infer<typeof stakingGenesisSchema>
