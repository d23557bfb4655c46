import { protoType } from '../../../chain/codec/index.js'
import {
  bigintCodec,
  paddedId,
  protoCodec,
  SingletonStore,
  stringCodec,
  TypedStore,
} from '../../../chain/store/typedStore.js'
import { type GovernanceParamsJson, governanceParams } from '../params.js'

/** Module name and key prefix. */
export const GOVERNANCE_MODULE = 'governance'

/** One change of a param-change proposal: the module, the param, its new value as JSON. */
export interface ParamChangeRecord {
  module: string
  key: string
  value: string
}

/** ugat behind each option, as decimal strings. */
export interface TallyRecord {
  yes: string
  no: string
  abstain: string
  veto: string
}

/** A proposal as stored (numbers as decimal strings). */
export interface ProposalRecord {
  id: string
  proposer: string
  kind: string
  title: string
  description: string
  changes: ParamChangeRecord[]
  upgradeHeight: string
  upgradeName: string
  status: string
  submitHeight: string
  depositEndHeight: string
  votingStartHeight: string
  votingEndHeight: string
  totalDeposit: string
  /** set once the voting ended */
  finalTally?: TallyRecord | null
  totalLocked: string
  outcome: string
}

/** A pending software upgrade. */
export interface UpgradePlanRecord {
  name: string
  height: string
  proposalId: string
}

const idsCodec = protoCodec<{ ids: string[] }>(protoType('gather.governance.v1.ProposalIds'))

/** A proposal id as a store id: zero-padded, so proposals sort by id. */
export function proposalId(id: bigint | number | string): string {
  return paddedId(id)
}

/** A height as a store id: zero-padded, so queues sort by height. */
export function heightId(height: number): string {
  return paddedId(height, 12)
}

/** Parameters. */
export const paramsStore = new SingletonStore<Required<GovernanceParamsJson>>(
  GOVERNANCE_MODULE,
  'params',
  governanceParams.codec,
)
/** `governance/proposal/<id, 20 digits>` → the proposal. */
export const proposalStore = new TypedStore<ProposalRecord>(
  GOVERNANCE_MODULE,
  'proposal',
  protoCodec(protoType('gather.governance.v1.Proposal')),
)
/** The id the next proposal gets (from 1). */
export const nextProposalIdStore = new SingletonStore<bigint>(
  GOVERNANCE_MODULE,
  'nextProposalId',
  bigintCodec,
)
/** How many proposals are open (in their deposit or voting period). */
export const openCountStore = new SingletonStore<bigint>(GOVERNANCE_MODULE, 'openCount', bigintCodec)
/**
 * `governance/deposit/<id>/<depositor>` → ugat the depositor put on an open proposal. Deleted when
 * the proposal ends (refunded or burned), so the store holds only open proposals' deposits.
 */
export const depositStore = new TypedStore<bigint>(GOVERNANCE_MODULE, 'deposit', bigintCodec)
/** ugat of every open proposal's deposits, held in the module account. */
export const depositsHeldStore = new SingletonStore<bigint>(GOVERNANCE_MODULE, 'depositsHeld', bigintCodec)
/** `governance/vote/<id>/<voter>` → the voter's option. Kept after the end (the record of the vote). */
export const voteStore = new TypedStore<string>(GOVERNANCE_MODULE, 'vote', stringCodec)
/** `governance/tally/<id>` → the running tally of a proposal in its voting period. */
export const tallyStore = new TypedStore<TallyRecord>(
  GOVERNANCE_MODULE,
  'tally',
  protoCodec(protoType('gather.governance.v1.Tally')),
)
/**
 * `governance/voterOpen/<voter>` → the proposals the voter voted on that may still be voting:
 * one key per voter, so a lock change reads it in O(1) and adjusts at most maxActiveProposals
 * tallies. Ended proposals are pruned on the voter's next vote or lock change.
 */
export const voterOpenStore = new TypedStore<{ ids: string[] }>(GOVERNANCE_MODULE, 'voterOpen', idsCodec)
/** `governance/endsAt/<height, 12 digits>` → proposals whose deposit or voting period ends at that height. */
export const endsAtStore = new TypedStore<{ ids: string[] }>(GOVERNANCE_MODULE, 'endsAt', idsCodec)
/** The pending software upgrade, if any. */
export const upgradePlanStore = new SingletonStore<UpgradePlanRecord>(
  GOVERNANCE_MODULE,
  'upgradePlan',
  protoCodec(protoType('gather.governance.v1.UpgradePlan')),
)
/** `governance/upgradeDone/<name>` → the height the upgrade's handler ran at. */
export const upgradeDoneStore = new TypedStore<bigint>(GOVERNANCE_MODULE, 'upgradeDone', bigintCodec)
