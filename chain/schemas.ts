import { z } from 'zod'
import { isValidAddress } from './crypto/address.js'

// The zod pieces every query declaration uses (modules/*/queries.ts, rpc/api.ts): params as a
// caller sends them, results as the node answers.

/** A gat bech32 account address. */
export const addressSchema = z
  .string()
  .max(128)
  .refine((a) => isValidAddress(a), 'must be a gat bech32 address (gat1...)')

/** A 32-byte hash as 64 hex characters (either case). */
export const hashHexSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (a 32-byte hash)')

/** A node id: the node's ed25519 public key as 64 lower-case hex characters. */
export const nodeIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be the node's ed25519 public key as 64 lower-case hex characters")

/** A whole number in JavaScript's safe range, from `min`. */
export function safeInt(min = 0) {
  return z.number().int('must be a whole number').min(min).max(Number.MAX_SAFE_INTEGER)
}

/** A group id. */
export const groupIdSchema = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be a group id from 1')
  .max(Number.MAX_SAFE_INTEGER)

/** Paging of list queries: offset from 0, limit 1..100 (the handler's default applies without). */
export const pageSchema = {
  offset: safeInt(0).optional(),
  limit: z.number().int().min(1).max(100, 'must be at most 100 per page').optional(),
}

/** A params object with no fields. */
export const noParams = z.object({}).strict()

/** An amount or a uint64 counter as a decimal string (results: bigints do not survive JSON). */
export const decimalSchema = z.string().regex(/^[0-9]+$/, 'must be a decimal string')
