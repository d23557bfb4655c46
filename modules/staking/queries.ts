import { z } from 'zod'
import { defineQueries, lookup, query } from '../../chain/endpoint.js'
import { addressSchema, decimalSchema, nodeIdSchema, noParams } from '../../chain/schemas.js'
import { stakingParams } from './params.js'

// The staking module's queries: what each takes and answers (ugat as decimal strings).
// endpoint.ts answers them; the RPC server and the TypeScript client read their types from here.

/** A registered node (`power` and `locked`: ugat locked on it by all stakers). */
export const stakingNodeView = z
  .object({
    nodeId: z.string(),
    owner: z.string(),
    moniker: z.string(),
    power: decimalSchema,
    locked: decimalSchema,
    registeredHeight: z.number(),
    status: z.enum(['active', 'inactive', 'jailed']),
    jailedUntil: z.number(),
    superNode: z.boolean(),
    /** place in the `current` or `next` list, from 1 */
    rank: z.number().optional(),
  })
  .strict()

/** The current super nodes and the set an election over the head state would give next. */
export const superNodesResult = z
  .object({
    period: z.number(),
    periodSlots: z.number(),
    nextElectionSlot: z.number(),
    current: z.array(stakingNodeView),
    next: z.array(stakingNodeView),
  })
  .strict()

/** An account's locks, per node. */
export const locksResult = z
  .object({
    address: z.string(),
    total: decimalSchema,
    locks: z.array(z.object({ nodeId: z.string(), amount: decimalSchema }).strict()),
  })
  .strict()

/** An account's pending unlocks. */
export const unbondingResult = z
  .object({
    address: z.string(),
    total: decimalSchema,
    entries: z.array(
      z.object({ nodeId: z.string(), amount: decimalSchema, releaseHeight: z.number() }).strict(),
    ),
  })
  .strict()

/** The staking module's queries. */
export const stakingQueries = defineQueries({
  getSuperNodes: query({
    summary:
      'The super nodes of the current period and the set an election over the head state would give next.',
    params: noParams,
    result: superNodesResult,
  }),
  getNode: lookup({
    summary: 'A registered node: owner, moniker, power (ugat locked), status.',
    params: z.object({ nodeId: nodeIdSchema }).strict(),
    result: stakingNodeView,
    notFound: (p) => `node ${p.nodeId}`,
  }),
  getLocks: query({
    summary: "An account's locks, per node, in ugat.",
    params: z.object({ address: addressSchema }).strict(),
    result: locksResult,
  }),
  getUnbonding: query({
    summary: "An account's pending unlocks with their release heights.",
    params: z.object({ address: addressSchema }).strict(),
    result: unbondingResult,
  }),
  getParams: query({
    summary: 'Staking parameters: super nodes, node lock bounds, unbonding blocks, election period.',
    params: noParams,
    result: stakingParams.jsonSchema(),
  }),
})
