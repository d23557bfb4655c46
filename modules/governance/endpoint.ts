import { defineEndpoint } from '../../chain/endpoint.js'
import type { ReadContext } from '../../chain/stateMachine.js'
import { computeOutcome } from './logic/tally.js'
import { governanceMethod, type ProposalKind, type ProposalStatus } from './method.js'
import { governanceParams } from './params.js'
import { governanceQueries } from './queries.js'
import { depositStore, type ProposalRecord, proposalId, proposalStore, voteStore } from './stores/index.js'
import type { GovernanceStakingView } from './types.js'

const DEFAULT_LIMIT = 20

function summary(p: ProposalRecord) {
  return {
    id: Number(p.id),
    proposer: p.proposer,
    kind: p.kind as ProposalKind,
    title: p.title,
    status: p.status as ProposalStatus,
    submitHeight: Number(p.submitHeight),
    depositEndHeight: Number(p.depositEndHeight),
    votingStartHeight: Number(p.votingStartHeight),
    votingEndHeight: Number(p.votingEndHeight),
    totalDeposit: p.totalDeposit,
  }
}

/** What the endpoint reads besides governance's state: the voters' locks, and the block time. */
export interface GovernanceEndpointDeps {
  staking: GovernanceStakingView
  blockTimeMs: number
}

/** The governance module's queries (queries.ts declares them). */
export function createGovernanceEndpoint(deps: GovernanceEndpointDeps) {
  const weightWhileVoting = (ctx: ReadContext, p: ProposalRecord | undefined, voter: string) =>
    p?.status === 'voting' ? { weight: deps.staking.lockedOf(ctx.state, voter).toString() } : {}

  return defineEndpoint(governanceQueries, {
    /** Linear in the proposals (a query, not a hot path). */
    getProposals(ctx, { status, offset = 0, limit = DEFAULT_LIMIT }) {
      const all = proposalStore
        .entries(ctx.state)
        .map(([, p]) => p)
        .filter((p) => status === undefined || p.status === status)
        .reverse()
      return { total: all.length, proposals: all.slice(offset, offset + limit).map(summary) }
    },

    getProposal(ctx, { proposalId: id }) {
      const p = governanceMethod.getProposal(ctx.state, BigInt(id))
      if (p === undefined) return undefined
      const open = p.status === 'deposit' || p.status === 'voting'
      const tally = governanceMethod.tallyOf(ctx.state, p)
      const totalLocked = open ? deps.staking.totalLocked(ctx.state) : BigInt(p.totalLocked)
      const end =
        p.status === 'deposit'
          ? Number(p.depositEndHeight)
          : p.status === 'voting'
            ? Number(p.votingEndHeight)
            : 0
      // the head is ctx.block.height; the next block is head + 1, and the period ends at `end`
      const blocksLeft = open ? Math.max(0, end - ctx.block.height) : 0
      const outcome =
        p.status === 'voting'
          ? `if the voting ended now: ${computeOutcome(tally, totalLocked, governanceMethod.getParams(ctx.state)).outcome}`
          : p.status === 'deposit'
            ? `waiting for deposits: ${p.totalDeposit} of ${governanceMethod.getParams(ctx.state).minDeposit} ugat`
            : p.outcome
      const prefix = `${proposalId(id)}/`
      const deposits = depositStore
        .entries(ctx.state)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, amount]) => ({ depositor: k.slice(prefix.length), amount: amount.toString() }))
      return {
        ...summary(p),
        description: p.description,
        changes: p.changes.map((c) => ({ module: c.module, key: c.key, value: c.value })),
        upgrade:
          p.kind === 'software-upgrade' || p.kind === 'cancel-upgrade'
            ? { name: p.upgradeName, height: Number(p.upgradeHeight) }
            : null,
        tally: {
          yes: tally.yes.toString(),
          no: tally.no.toString(),
          abstain: tally.abstain.toString(),
          veto: tally.veto.toString(),
        },
        totalLocked: totalLocked.toString(),
        outcome,
        blocksLeft,
        msLeft: blocksLeft * deps.blockTimeMs,
        deposits,
      }
    },

    /** A scan of the vote store (a query, not a hot path). */
    getVotes(ctx, { proposalId: id, offset = 0, limit = DEFAULT_LIMIT }) {
      const p = governanceMethod.getProposal(ctx.state, BigInt(id))
      if (p === undefined) return undefined
      const prefix = `${voteStore.prefix}${proposalId(id)}/`
      const keys = ctx.state.keys(prefix)
      const votes = keys.slice(offset, offset + limit).map((k) => {
        const voter = k.slice(prefix.length)
        return {
          proposalId: id,
          voter,
          option: voteStore.get(ctx.state, k.slice(voteStore.prefix.length)) as
            | 'yes'
            | 'no'
            | 'abstain'
            | 'veto',
          ...weightWhileVoting(ctx, p, voter),
        }
      })
      return { proposalId: id, total: keys.length, votes }
    },

    getVote(ctx, { proposalId: id, voter }) {
      const option = governanceMethod.getVote(ctx.state, BigInt(id), voter)
      if (option === undefined) return undefined
      const p = governanceMethod.getProposal(ctx.state, BigInt(id))
      return { proposalId: id, voter, option, ...weightWhileVoting(ctx, p, voter) }
    },

    getParams(ctx) {
      return governanceParams.toJson(governanceMethod.getParams(ctx.state))
    },
  })
}
