import { z } from 'zod'
import { defineQueries, lookup, query } from '../../chain/endpoint.js'
import {
  addressSchema,
  decimalSchema,
  groupIdSchema,
  noParams,
  pageSchema,
  safeInt,
} from '../../chain/schemas.js'
import { InclusionErrorCode, PROOF_LIMITS, proofFromJson } from './groupchain/proof.js'
import { messagingParams } from './params.js'

// The messaging module's queries: what each takes and answers (ugat as decimal strings, hashes
// in hex). endpoint.ts answers them; the RPC server and the TypeScript client read their types
// from here.

/** An anchored checkpoint; `key` is its state key, for `state_getProof`. */
export const checkpointView = z
  .object({
    groupId: z.number(),
    height: z.number(),
    blockHash: z.string(),
    stateRoot: z.string(),
    accumulatorRoot: z.string(),
    signers: z.array(z.string()),
    anchoredHeight: z.number(),
    submitter: z.string(),
    key: z.string(),
  })
  .strict()

/** A group as `getGroup` and `listGroups` show it. */
export const groupView = z
  .object({
    id: z.number(),
    owner: z.string(),
    name: z.string(),
    /** hex ed25519 keys of the group chain's producers; empty when the owner produces */
    producers: z.array(z.string()),
    ownerProduces: z.boolean(),
    threshold: z.number(),
    policy: z
      .object({
        maxMembers: z.number(),
        minGatBalance: decimalSchema,
        holderGated: z.boolean(),
        /** 0: none */
        parentGroup: z.number(),
        membersMayBefriend: z.boolean(),
        /** group blocks between anchored checkpoints */
        checkpointInterval: z.number(),
        /** posts are end-to-end encrypted under key epochs */
        private: z.boolean(),
      })
      .strict(),
    createdHeight: z.number(),
    updatedHeight: z.number(),
    frozen: z.boolean(),
    lastCheckpointHeight: z.number(),
    checkpointCount: z.number(),
  })
  .strict()

/** A group with its children count, last checkpoint and the evidence against its producers. */
export const groupResult = groupView
  .extend({
    children: z.number(),
    lastCheckpoint: checkpointView.nullable(),
    evidence: z.array(
      z
        .object({
          height: z.number(),
          anchored: checkpointView,
          conflicting: checkpointView,
          culprits: z.array(z.string()),
          mainHeight: z.number(),
          resolved: z.boolean(),
        })
        .strict(),
    ),
  })
  .strict()

/** A page of groups. */
export const groupListResult = z
  .object({
    owner: z.string().optional(),
    parent: z.number().optional(),
    total: z.number(),
    offset: z.number(),
    limit: z.number(),
    groups: z.array(groupView),
  })
  .strict()

/** A page of a group's checkpoints, newest first. */
export const checkpointsResult = z
  .object({
    groupId: z.number(),
    total: z.number(),
    offset: z.number(),
    limit: z.number(),
    checkpoints: z.array(checkpointView),
  })
  .strict()

/** Holder-gate membership; `member` is null for groups that are not holder-gated. */
export const membershipResult = z
  .object({
    groupId: z.number(),
    address: z.string(),
    holderGated: z.boolean(),
    member: z.boolean().nullable(),
    balance: decimalSchema,
    minGatBalance: decimalSchema,
    height: z.number(),
  })
  .strict()

/** The outcome of verifying an inclusion proof, with the checkpoint it was checked against. */
export const inclusionResult = z.discriminatedUnion('valid', [
  z
    .object({
      valid: z.literal(true),
      groupId: z.number(),
      height: z.number(),
      txIndex: z.number(),
      checkpointHeight: z.number(),
      blockHash: z.string(),
      checkpoint: checkpointView,
    })
    .strict(),
  z
    .object({
      valid: z.literal(false),
      code: z.enum(InclusionErrorCode),
      reason: z.string(),
      checkpoint: checkpointView.nullable(),
    })
    .strict(),
])

const proofBase64 = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil((maxBytes * 4) / 3) + 4, `is longer than ${maxBytes} bytes`)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
const hashes = z
  .array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters'))
  .max(PROOF_LIMITS.maxPath)

/** The JSON form of an inclusion proof, parsed into an `InclusionProof`. */
const inclusionProof = z
  .object({
    groupId: groupIdSchema,
    checkpointHeight: safeInt(1),
    message: proofBase64(PROOF_LIMITS.maxMessageBytes),
    leafHash: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/)
      .optional(),
    blockHeader: proofBase64(PROOF_LIMITS.maxHeaderBytes),
    txIndex: safeInt(0),
    txPath: hashes,
    accumulator: z
      .object({ leafIndex: safeInt(0), size: safeInt(1), path: hashes, peaks: hashes })
      .strict()
      .optional(),
    checkpointHeader: proofBase64(PROOF_LIMITS.maxHeaderBytes).optional(),
  })
  .strict()
  .transform((json, ctx) => {
    try {
      return proofFromJson(json)
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message })
      return z.NEVER
    }
  })

/** The messaging module's queries. */
export const messagingQueries = defineQueries({
  getGroup: lookup({
    summary:
      'A group: owner, name, producers and threshold, policy, frozen, last checkpoint, evidence, number of child groups.',
    params: z.object({ groupId: groupIdSchema }).strict(),
    result: groupResult,
    notFound: (p) => `group ${p.groupId}`,
  }),
  listGroups: query({
    summary:
      "Groups by id: all of them, an owner's, or a parent group's children; paged (offset, limit ≤ 100).",
    params: z
      .object({ owner: addressSchema.optional(), parent: groupIdSchema.optional(), ...pageSchema })
      .strict()
      .refine((p) => p.owner === undefined || p.parent === undefined, 'give owner or parent, not both'),
    result: groupListResult,
  }),
  getCheckpoints: lookup({
    summary: "A group's anchored checkpoints, newest first; paged (offset, limit ≤ 100).",
    params: z.object({ groupId: groupIdSchema, ...pageSchema }).strict(),
    result: checkpointsResult,
    notFound: (p) => `group ${p.groupId}`,
  }),
  isMember: lookup({
    summary:
      "Holder gate: whether an address's GAT balance reaches a holder-gated group's minGatBalance (member null for groups that are not holder-gated).",
    params: z.object({ groupId: groupIdSchema, address: addressSchema }).strict(),
    result: membershipResult,
    notFound: (p) => `group ${p.groupId}`,
  }),
  verifyInclusion: query({
    summary:
      'Verifies a message inclusion proof against the checkpoint anchored at its checkpointHeight: { valid } or { valid: false, code, reason }.',
    params: z.object({ proof: inclusionProof }).strict(),
    result: inclusionResult,
  }),
  getParams: query({
    summary: 'Messaging parameters.',
    params: noParams,
    result: messagingParams.jsonSchema(),
  }),
})
