import { createHash } from 'node:crypto'
import { z } from 'zod'
import { GAT_CAP_UGAT, UGAT_PER_GAT } from '../chain/amount.js'
import { isValidAddress } from '../chain/crypto/address.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { ugatJsonSchema } from '../chain/params.js'
import { governanceGenesisSchema } from '../modules/governance/genesis.js'
import { identityGenesisSchema } from '../modules/identity/genesis.js'
import { messagingGenesisSchema } from '../modules/messaging/genesis.js'
import { stakingGenesisSchema } from '../modules/staking/genesis.js'
import { tokenGenesisSchema } from '../modules/token/genesis.js'

/** What genesis may hold: the cap less the 90,000,000 GAT issuance will mint. */
export const GENESIS_MAX_UGAT = 10_000_000n * UGAT_PER_GAT

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 32 bytes as 64 lower-case hex characters')

/** Chain-level parameters: block timing and size limits. */
export const chainParamsSchema = z
  .object({
    blockTimeMs: z.number().int().min(100, 'must be at least 100 ms').max(60_000, 'must be at most 60000 ms'),
    maxBlockTxs: z.number().int().min(1).max(100_000),
    maxBlockBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024),
    maxTxBytes: z
      .number()
      .int()
      .min(256)
      .max(1024 * 1024),
  })
  .strict()

/** The whole genesis file. Unknown fields are errors, so typos are caught. */
export const genesisSchema = z
  .object({
    chainId: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]{0,47}$/,
        'must be 1-48 lower-case letters, digits or dashes (e.g. gather-devnet-1)',
      ),
    genesisTime: z.iso.datetime({ message: 'must be an ISO-8601 UTC time like 2026-01-01T00:00:00.000Z' }),
    params: chainParamsSchema,
    validators: z
      .array(
        z
          .object({
            name: z.string().min(1).max(64),
            nodeKey: hex32,
            owner: z.string(),
            /** ugat the owner locks on its node at genesis (default: the minimum lock) */
            selfLock: ugatJsonSchema.optional(),
          })
          .strict(),
      )
      .min(1, 'needs at least one validator'),
    modules: z
      .object({
        token: tokenGenesisSchema,
        staking: stakingGenesisSchema.optional(),
        governance: governanceGenesisSchema.optional(),
        identity: identityGenesisSchema.optional(),
        messaging: messagingGenesisSchema.optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((g, ctx) => {
    const nodeKeys = new Set<string>()
    g.validators.forEach((v, i) => {
      if (!isValidAddress(v.owner)) {
        ctx.addIssue({
          code: 'custom',
          path: ['validators', i, 'owner'],
          message: `"${v.owner}" is not a gat address`,
        })
      }
      if (nodeKeys.has(v.nodeKey)) {
        ctx.addIssue({
          code: 'custom',
          path: ['validators', i, 'nodeKey'],
          message: 'is used by another validator',
        })
      }
      nodeKeys.add(v.nodeKey)
    })
    const seen = new Set<string>()
    let total = 0n
    g.modules.token.accounts.forEach((a, i) => {
      if (!isValidAddress(a.address)) {
        ctx.addIssue({
          code: 'custom',
          path: ['modules', 'token', 'accounts', i, 'address'],
          message: `"${a.address}" is not a gat address`,
        })
      }
      if (seen.has(a.address)) {
        ctx.addIssue({
          code: 'custom',
          path: ['modules', 'token', 'accounts', i, 'address'],
          message: 'is listed twice',
        })
      }
      seen.add(a.address)
      total += BigInt(/^[0-9]+$/.test(a.ugat) ? a.ugat : '0')
    })
    if (total > GENESIS_MAX_UGAT) {
      ctx.addIssue({
        code: 'custom',
        path: ['modules', 'token', 'accounts'],
        message: `genesis balances total ${total} ugat, above the ${GENESIS_MAX_UGAT} ugat (10,000,000 GAT) the cap of ${GAT_CAP_UGAT} leaves beside issuance's 90,000,000 GAT`,
      })
    }
  })

/** A validated genesis. */
export type Genesis = z.infer<typeof genesisSchema>

function pathOf(path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`
  return out === '' ? '(root)' : out
}

/**
 * Validates genesis JSON. On failure throws GENESIS_INVALID whose message lists every problem
 * as `field.path: reason`.
 */
export function parseGenesis(json: unknown): Genesis {
  const r = genesisSchema.safeParse(json)
  if (r.success) return r.data
  const problems = r.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`)
  throw new ChainError(ChainErrorCode.GENESIS_INVALID, `invalid genesis: ${problems.join('; ')}`, {
    problems,
  })
}

/** JSON with object keys sorted at every level: one byte string per genesis. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

/** sha256 of the canonical JSON of a validated genesis; block 1's previous hash. */
export function genesisHash(g: Genesis): Uint8Array {
  return createHash('sha256').update(canonicalJson(g)).digest()
}

/** Genesis time in unix milliseconds. */
export function genesisTimeMs(g: Genesis): number {
  return Date.parse(g.genesisTime)
}
