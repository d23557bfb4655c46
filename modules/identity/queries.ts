import { z } from 'zod'
import { defineQueries, lookup, query } from '../../chain/endpoint.js'
import { addressSchema, decimalSchema, noParams, safeInt } from '../../chain/schemas.js'
import { identityParams } from './params.js'

// The identity module's queries: what each takes and answers. endpoint.ts answers them; the RPC
// server and the TypeScript client read their types from here.

/** A GID (a uint64, as a decimal string or a safe integer). */
const gidSchema = z.union([
  z.string().regex(/^[1-9][0-9]{0,19}$/, 'must be a GID, a whole number from 1, as a decimal string'),
  safeInt(1),
])

/** A GID and the address it is bound to. */
export const gidResult = z
  .object({
    /** decimal string (GIDs are uint64) */
    gid: decimalSchema,
    address: z.string(),
    registeredHeight: z.number(),
    /** 0 if never transferred */
    transferredHeight: z.number(),
  })
  .strict()

/** The identity module's queries. */
export const identityQueries = defineQueries({
  resolve: lookup({
    summary: 'A GID and the address it is bound to, looked up by GID or by address.',
    params: z
      .object({ gid: gidSchema.optional(), address: addressSchema.optional() })
      .strict()
      .refine((p) => (p.gid === undefined) !== (p.address === undefined), 'give gid or address (one of them)')
      .transform((p) => (p.gid !== undefined ? { gid: BigInt(p.gid) } : { address: p.address as string })),
    result: gidResult,
    notFound: (p) => ('gid' in p ? `GID ${p.gid}` : `a GID of ${p.address}`),
  }),
  getInfo: query({
    summary: 'Identity parameters, the number of registered GIDs and the next free one.',
    params: noParams,
    result: identityParams
      .jsonSchema()
      .and(z.object({ registered: decimalSchema, nextFreeGid: decimalSchema })),
  }),
})
