import { z } from 'zod'
import { defineQueries, lookup, query } from '../../chain/endpoint.js'
import { addressSchema, decimalSchema, noParams, pageSchema, safeInt } from '../../chain/schemas.js'
import { PROPOSAL_KINDS, PROPOSAL_STATUSES } from './method.js'
import { governanceParams } from './params.js'

// The governance module's queries: what each takes and answers (ugat as decimal strings).
// endpoint.ts answers them; the RPC server and the TypeScript client read their types from here.

const voteOptionSchema = z.enum(['yes', 'no', 'abstain', 'veto'])

/** ugat behind each option. */
export const tallyView = z
  .object({ yes: decimalSchema, no: decimalSchema, abstain: decimalSchema, veto: decimalSchema })
  .strict()

/** A proposal as the lists show it. */
export const proposalSummaryView = z
  .object({
    id: z.number(),
    proposer: z.string(),
    kind: z.enum(PROPOSAL_KINDS),
    title: z.string(),
    status: z.enum(PROPOSAL_STATUSES),
    submitHeight: z.number(),
    depositEndHeight: z.number(),
    /** 0 until the deposit reached minDeposit */
    votingStartHeight: z.number(),
    /** the first height at which votes are no longer taken (the end-of-voting block); 0 before voting */
    votingEndHeight: z.number(),
    totalDeposit: decimalSchema,
  })
  .strict()

/** One proposal with its tally: running while it votes, final after. */
export const proposalView = proposalSummaryView
  .extend({
    description: z.string(),
    changes: z.array(z.object({ module: z.string(), key: z.string(), value: z.string() }).strict()),
    upgrade: z.object({ name: z.string(), height: z.number() }).strict().nullable(),
    tally: tallyView,
    /** all ugat locked: now while it votes, at the end after */
    totalLocked: decimalSchema,
    /** how it ended (or, while it votes, how it would end now) */
    outcome: z.string(),
    /** blocks until its current period ends (0 once ended) */
    blocksLeft: z.number(),
    /** milliseconds until then at the chain's block time, if no slot is missed */
    msLeft: z.number(),
    /** the open proposal's deposits by depositor (empty once refunded or burned) */
    deposits: z.array(z.object({ depositor: z.string(), amount: decimalSchema }).strict()),
  })
  .strict()

/** A vote; `weight` (the voter's locked ugat now) while the proposal votes. */
export const voteView = z
  .object({
    proposalId: z.number(),
    voter: z.string(),
    option: voteOptionSchema,
    weight: decimalSchema.optional(),
  })
  .strict()

const proposalIdSchema = safeInt(1)

/** The governance module's queries. */
export const governanceQueries = defineQueries({
  getProposals: query({
    summary: 'Proposals, newest first, all or those of one status; paged (offset, limit ≤ 100).',
    params: z.object({ status: z.enum(PROPOSAL_STATUSES).optional(), ...pageSchema }).strict(),
    result: z.object({ total: z.number(), proposals: z.array(proposalSummaryView) }).strict(),
  }),
  getProposal: lookup({
    summary:
      'A proposal with its live tally (final once ended), the ugat locked, how it ends if voting stopped now, its deposits and the time left.',
    params: z.object({ proposalId: proposalIdSchema }).strict(),
    result: proposalView,
    notFound: (p) => `proposal ${p.proposalId}`,
  }),
  getVotes: lookup({
    summary: "A proposal's votes by voter; paged (offset, limit ≤ 100).",
    params: z.object({ proposalId: proposalIdSchema, ...pageSchema }).strict(),
    result: z.object({ proposalId: z.number(), total: z.number(), votes: z.array(voteView) }).strict(),
    notFound: (p) => `proposal ${p.proposalId}`,
  }),
  getVote: lookup({
    summary: "One voter's option on a proposal (and its weight while the proposal votes).",
    params: z.object({ proposalId: proposalIdSchema, voter: addressSchema }).strict(),
    result: voteView,
    notFound: (p) => `vote of ${p.voter} on proposal ${p.proposalId}`,
  }),
  getParams: query({
    summary:
      'Governance parameters: deposit and voting periods, minDeposit and the initial ratio, quorum and thresholds, maxActiveProposals, upgrade margin.',
    params: noParams,
    result: governanceParams.jsonSchema(),
  }),
})
