import { parseAmount } from '../../../chain/amount.js'
import { protoType, typeUrlOf, u64ToSafeNumber } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command, ReadContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { GovernanceErrorCode } from '../errors.js'
import { governanceEvents } from '../events.js'
import { addDeposit, changedParams, targetsOf } from '../lifecycle.js'
import { governanceMethod, PROPOSAL_KINDS, type ProposalKind } from '../method.js'
import type { ParamChangeRecord, ProposalRecord } from '../stores/index.js'
import type { GovernanceDeps } from '../types.js'

const MsgSubmitProposalType = protoType('gather.governance.v1.MsgSubmitProposal')

/** Longest title, in characters. */
export const MAX_TITLE_CHARS = 140
/** Longest description, in characters. */
export const MAX_DESCRIPTION_CHARS = 10_000
/** Most param changes in one proposal. */
export const MAX_PARAM_CHANGES = 16
/** Longest JSON value of one param change, in characters. */
export const MAX_PARAM_VALUE_CHARS = 1_024
/** What an upgrade's name looks like: a release name (`v2`, `gather-1.4.0`). */
export const UPGRADE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** A decoded MsgSubmitProposal. */
export interface SubmitProposal {
  proposer: string
  kind: ProposalKind
  title: string
  description: string
  changes: ParamChangeRecord[]
  upgradeHeight: number
  upgradeName: string
  deposit: bigint
}

function invalid(message: string): ChainError {
  return new ChainError(GovernanceErrorCode.INVALID_PROPOSAL, message)
}

const chars = (s: string): number => [...s].length

/** The stateless checks of a proposal: kind, lengths, and the fields each kind takes. */
function decodeProposal(value: Uint8Array): SubmitProposal {
  const m = MsgSubmitProposalType.decode(value) as unknown as {
    proposer: string
    kind: string
    title: string
    description: string
    changes: { module: string; key: string; value: string }[]
    upgradeHeight: unknown
    upgradeName: string
    deposit: string
  }
  const proposer = checkAddress(m.proposer, 'proposer')
  if (!(PROPOSAL_KINDS as readonly string[]).includes(m.kind))
    throw invalid(`kind must be one of ${PROPOSAL_KINDS.join(', ')}, not ${JSON.stringify(m.kind)}`)
  const kind = m.kind as ProposalKind
  if (m.title.trim() === '') throw invalid('title is required')
  if (chars(m.title) > MAX_TITLE_CHARS)
    throw invalid(`title has ${chars(m.title)} characters; at most ${MAX_TITLE_CHARS}`)
  if (chars(m.description) > MAX_DESCRIPTION_CHARS)
    throw invalid(`description has ${chars(m.description)} characters; at most ${MAX_DESCRIPTION_CHARS}`)
  const changes = m.changes.map((c) => ({ module: c.module, key: c.key, value: c.value }))
  if (kind === 'param-change') {
    if (changes.length === 0) throw invalid('a param-change proposal needs at least one change')
    if (changes.length > MAX_PARAM_CHANGES)
      throw invalid(`${changes.length} changes; a proposal carries at most ${MAX_PARAM_CHANGES}`)
    changes.forEach((c, i) => {
      if (c.module === '' || c.key === '') throw invalid(`changes[${i}]: module and key are required`)
      if (c.value.length > MAX_PARAM_VALUE_CHARS)
        throw invalid(
          `changes[${i}]: the value has ${c.value.length} characters; at most ${MAX_PARAM_VALUE_CHARS}`,
        )
    })
  } else if (changes.length > 0) throw invalid(`a ${kind} proposal carries no param changes`)
  let upgradeHeight: number
  try {
    upgradeHeight = u64ToSafeNumber(m.upgradeHeight as number, 'upgrade_height')
  } catch (e) {
    throw invalid((e as Error).message)
  }
  const upgradeName = m.upgradeName
  if (kind === 'software-upgrade' || kind === 'cancel-upgrade') {
    if (!UPGRADE_NAME.test(upgradeName))
      throw invalid(
        `upgrade_name must be 1-64 letters, digits, dots, dashes or underscores (a release name like v2), got ${JSON.stringify(upgradeName)}`,
      )
    if (kind === 'software-upgrade' && upgradeHeight === 0) throw invalid('upgrade_height is required')
    if (kind === 'cancel-upgrade' && upgradeHeight !== 0)
      throw invalid('a cancel-upgrade proposal names the plan only (upgrade_height must be 0)')
  } else if (upgradeName !== '' || upgradeHeight !== 0)
    throw invalid(`a ${kind} proposal carries no upgrade plan`)
  return {
    proposer,
    kind,
    title: m.title,
    description: m.description,
    changes,
    upgradeHeight,
    upgradeName,
    deposit: parseAmount(m.deposit === '' ? '0' : m.deposit, 'deposit'),
  }
}

/** The checks against state; throws the precise refusal. Never writes. */
function check(ctx: ReadContext, deps: GovernanceDeps, msg: SubmitProposal): void {
  const params = governanceMethod.getParams(ctx.state)
  const open = governanceMethod.openCount(ctx.state)
  if (open >= params.maxActiveProposals)
    throw new ChainError(
      GovernanceErrorCode.TOO_MANY_PROPOSALS,
      `${open} proposals are open, the most maxActiveProposals allows; submit once one ends`,
    )
  const needed = (params.minDeposit * BigInt(params.minInitialDepositRatioBps) + 9_999n) / 10_000n
  if (msg.deposit < needed)
    throw new ChainError(
      GovernanceErrorCode.INITIAL_DEPOSIT_TOO_LOW,
      `the initial deposit of ${msg.deposit} ugat is below ${needed} ugat, ${params.minInitialDepositRatioBps / 100} % of minDeposit (${params.minDeposit} ugat)`,
      { needed: needed.toString() },
    )
  if (msg.deposit > 0n)
    deps.token.checkSpendable(ctx.state, msg.proposer, msg.deposit, ctx.block.height, 'deposit')
  if (msg.kind === 'param-change') changedParams(ctx.state, targetsOf(deps), msg.changes)
  if (msg.kind === 'software-upgrade') {
    const earliest = ctx.block.height + params.votingPeriodBlocks + params.upgradeMarginBlocks
    if (msg.upgradeHeight < earliest)
      throw new ChainError(
        GovernanceErrorCode.UPGRADE_TOO_SOON,
        `upgrade height ${msg.upgradeHeight} is too soon: the voting ends at ${ctx.block.height + params.votingPeriodBlocks} at the earliest, and the plan must lie upgradeMarginBlocks (${params.upgradeMarginBlocks}) after it, at ${earliest} or later`,
        { earliest },
      )
    const done = governanceMethod.upgradeDoneAt(ctx.state, msg.upgradeName)
    if (done !== undefined)
      throw new ChainError(
        GovernanceErrorCode.UPGRADE_DONE,
        `upgrade ${msg.upgradeName} already ran at height ${done}`,
      )
  }
}

/**
 * `/gather.governance.v1.MsgSubmitProposal`: a text, param-change, software-upgrade or
 * cancel-upgrade proposal with its initial deposit (at least minInitialDepositRatioBps of
 * minDeposit). A param change is checked by its module's own rules now, so an invalid one is
 * refused with the reason.
 */
export function submitProposalCommand(deps: GovernanceDeps): Command<SubmitProposal> {
  return {
    typeUrl: typeUrlOf(MsgSubmitProposalType),
    decode: decodeProposal,
    signer: (msg) => msg.proposer,

    verify(ctx, msg) {
      check(ctx, deps, msg)
    },

    // the state machine runs verify first, in the same state
    execute(ctx, msg) {
      const { state } = ctx
      const { height } = ctx.block
      const params = governanceMethod.getParams(state)
      const id = governanceMethod.takeProposalId(state)
      const depositEnd = height + params.depositPeriodBlocks
      const p: ProposalRecord = {
        id: id.toString(),
        proposer: msg.proposer,
        kind: msg.kind,
        title: msg.title,
        description: msg.description,
        changes: msg.changes,
        upgradeHeight: msg.upgradeHeight.toString(),
        upgradeName: msg.upgradeName,
        status: 'deposit',
        submitHeight: height.toString(),
        depositEndHeight: depositEnd.toString(),
        votingStartHeight: '0',
        votingEndHeight: '0',
        totalDeposit: '0',
        finalTally: null,
        totalLocked: '0',
        outcome: '',
      }
      governanceMethod.setProposal(state, p)
      governanceMethod.queueEnd(state, depositEnd, id)
      governanceMethod.changeOpenCount(state, 1)
      governanceEvents.emit(ctx, 'governance.proposal_submitted', {
        proposal_id: p.id,
        proposer: p.proposer,
        kind: p.kind,
        title: p.title,
        deposit_end_height: p.depositEndHeight,
      })
      if (msg.deposit > 0n) addDeposit(ctx, deps, p, msg.proposer, msg.deposit)
    },
  }
}
