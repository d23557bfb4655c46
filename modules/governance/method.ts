import { moduleAddress } from '../../chain/crypto/address.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { emptyTally, type Tally, VOTE_OPTIONS, type VoteOption } from './logic/tally.js'
import { type GovernanceParams, governanceParams } from './params.js'
import {
  endsAtStore,
  GOVERNANCE_MODULE,
  heightId,
  nextProposalIdStore,
  openCountStore,
  type ProposalRecord,
  paramsStore,
  proposalId,
  proposalStore,
  type TallyRecord,
  tallyStore,
  type UpgradePlanRecord,
  upgradeDoneStore,
  upgradePlanStore,
  voterOpenStore,
  voteStore,
} from './stores/index.js'

/** The account that holds the deposits of open proposals (no key signs for it). */
export const GOVERNANCE_ACCOUNT = moduleAddress(GOVERNANCE_MODULE)

/** The kinds of proposal. */
export const PROPOSAL_KINDS = ['text', 'param-change', 'software-upgrade', 'cancel-upgrade'] as const
/** One of {@link PROPOSAL_KINDS}. */
export type ProposalKind = (typeof PROPOSAL_KINDS)[number]

/** Where a proposal is in its life. */
export const PROPOSAL_STATUSES = ['deposit', 'voting', 'passed', 'rejected', 'vetoed', 'expired'] as const
/** One of {@link PROPOSAL_STATUSES}. */
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number]

/** A pending software upgrade. */
export interface UpgradePlan {
  name: string
  height: number
  proposalId: bigint
}

function tallyOf(r: TallyRecord | undefined | null): Tally {
  if (r === undefined || r === null) return emptyTally()
  return { yes: BigInt(r.yes), no: BigInt(r.no), abstain: BigInt(r.abstain), veto: BigInt(r.veto) }
}

/** A tally in its stored form. */
export function tallyRecord(t: Tally): TallyRecord {
  return {
    yes: t.yes.toString(),
    no: t.no.toString(),
    abstain: t.abstain.toString(),
    veto: t.veto.toString(),
  }
}

/** Reads and changes governance state; shared by commands, hooks, endpoints and the wiring. */
export const governanceMethod = {
  getParams(state: StateReader): GovernanceParams {
    return governanceParams.parse(paramsStore.get(state))
  },

  /** Writes the params (a governance change, already validated by `governanceParams.change`). */
  setParams(state: StateWriter, p: GovernanceParams): void {
    paramsStore.set(state, governanceParams.toJson(governanceParams.validate(p)))
  },

  getProposal(state: StateReader, id: bigint): ProposalRecord | undefined {
    return proposalStore.get(state, proposalId(id))
  },

  setProposal(state: StateWriter, p: ProposalRecord): void {
    proposalStore.set(state, proposalId(p.id), p)
  },

  /** The id the next proposal gets (from 1). */
  takeProposalId(state: StateWriter): bigint {
    const id = nextProposalIdStore.get(state) ?? 1n
    nextProposalIdStore.set(state, id + 1n)
    return id
  },

  /** Proposals in their deposit or voting period. */
  openCount(state: StateReader): number {
    return Number(openCountStore.get(state) ?? 0n)
  },

  changeOpenCount(state: StateWriter, delta: number): void {
    openCountStore.set(state, BigInt(governanceMethod.openCount(state) + delta))
  },

  /** The running tally of a proposal in its voting period (empty before any vote). */
  getTally(state: StateReader, id: bigint): Tally {
    return tallyOf(tallyStore.get(state, proposalId(id)))
  },

  /** The tally of an ended proposal as it stood at the end, or the running one. */
  tallyOf(state: StateReader, p: ProposalRecord): Tally {
    return p.status === 'voting' || p.status === 'deposit'
      ? governanceMethod.getTally(state, BigInt(p.id))
      : tallyOf(p.finalTally)
  },

  /** The voter's option on a proposal, or undefined. */
  getVote(state: StateReader, id: bigint, voter: string): VoteOption | undefined {
    return voteStore.get(state, `${proposalId(id)}/${voter}`) as VoteOption | undefined
  },

  /**
   * Records a vote with its weight (the voter's locked ugat now) in the running tally, replacing
   * the voter's earlier option; returns that option. O(maxActiveProposals).
   */
  recordVote(
    state: StateWriter,
    id: bigint,
    voter: string,
    option: VoteOption,
    weight: bigint,
  ): VoteOption | undefined {
    const previous = governanceMethod.getVote(state, id, voter)
    const t = governanceMethod.getTally(state, id)
    if (previous !== undefined) t[previous] -= weight
    t[option] += weight
    tallyStore.set(state, proposalId(id), tallyRecord(t))
    voteStore.set(state, `${proposalId(id)}/${voter}`, option)
    const open = governanceMethod.openVotesOf(state, voter)
    if (!open.includes(id)) open.push(id)
    voterOpenStore.set(state, voter, { ids: open.map(String) })
    return previous
  },

  /**
   * The proposals still voting that the voter voted on (ended ones are dropped from the stored
   * list here, each once). At most maxActiveProposals.
   */
  openVotesOf(state: StateWriter, voter: string): bigint[] {
    const stored = voterOpenStore.get(state, voter)
    if (stored === undefined) return []
    // a running tally exists exactly while a proposal votes (cheaper than decoding the proposal)
    const open = stored.ids.map(BigInt).filter((id) => tallyStore.has(state, proposalId(id)))
    if (open.length !== stored.ids.length) {
      if (open.length === 0) voterOpenStore.delete(state, voter)
      else voterOpenStore.set(state, voter, { ids: open.map(String) })
    }
    return open
  },

  /**
   * Staking's lock listener: `staker`'s locked ugat changed by `delta`, so each running tally it
   * voted in moves by `delta` on its option. O(maxActiveProposals): no scan of votes or voters.
   */
  lockChanged(state: StateWriter, staker: string, delta: bigint): void {
    if (delta === 0n) return
    for (const id of governanceMethod.openVotesOf(state, staker)) {
      const option = governanceMethod.getVote(state, id, staker)
      if (option === undefined) continue
      const t = governanceMethod.getTally(state, id)
      t[option] += delta
      tallyStore.set(state, proposalId(id), tallyRecord(t))
    }
  },

  /** Opens a proposal's running tally (empty): it exists exactly while the proposal votes. */
  openTally(state: StateWriter, id: bigint): void {
    tallyStore.set(state, proposalId(id), tallyRecord(emptyTally()))
  },

  /** Drops a proposal's running tally (its final one is in the proposal). */
  deleteTally(state: StateWriter, id: bigint): void {
    tallyStore.delete(state, proposalId(id))
  },

  /** Queues a proposal's end (of its deposit or voting period) at `height`. */
  queueEnd(state: StateWriter, height: number, id: bigint): void {
    const q = endsAtStore.get(state, heightId(height))?.ids ?? []
    endsAtStore.set(state, heightId(height), { ids: [...q, id.toString()] })
  },

  /** Takes a proposal out of the queue at `height`. */
  unqueueEnd(state: StateWriter, height: number, id: bigint): void {
    const q = (endsAtStore.get(state, heightId(height))?.ids ?? []).filter((x) => x !== id.toString())
    if (q.length === 0) endsAtStore.delete(state, heightId(height))
    else endsAtStore.set(state, heightId(height), { ids: q })
  },

  /** Removes and returns the proposals whose period ends at `height`, in queue order. */
  takeEnds(state: StateWriter, height: number): bigint[] {
    const q = endsAtStore.get(state, heightId(height))
    if (q === undefined) return []
    endsAtStore.delete(state, heightId(height))
    return q.ids.map(BigInt)
  },

  getUpgradePlan(state: StateReader): UpgradePlan | undefined {
    const r = upgradePlanStore.get(state)
    return r === undefined
      ? undefined
      : { name: r.name, height: Number(r.height), proposalId: BigInt(r.proposalId) }
  },

  setUpgradePlan(state: StateWriter, plan: UpgradePlan | undefined): void {
    if (plan === undefined) upgradePlanStore.delete(state)
    else {
      const r: UpgradePlanRecord = {
        name: plan.name,
        height: plan.height.toString(),
        proposalId: plan.proposalId.toString(),
      }
      upgradePlanStore.set(state, r)
    }
  },

  /** The height an upgrade's handler ran at, or undefined. */
  upgradeDoneAt(state: StateReader, name: string): number | undefined {
    const h = upgradeDoneStore.get(state, name)
    return h === undefined ? undefined : Number(h)
  },

  markUpgradeDone(state: StateWriter, name: string, height: number): void {
    upgradeDoneStore.set(state, name, BigInt(height))
  },
}

/** Whether `s` is a vote option. */
export function isVoteOption(s: string): s is VoteOption {
  return (VOTE_OPTIONS as readonly string[]).includes(s)
}
