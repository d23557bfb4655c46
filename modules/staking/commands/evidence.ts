import { protoType, typeUrlOf } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import type { Command, ReadContext } from '../../../chain/stateMachine.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { verifyDoubleProposal, verifyDoubleVote } from '../../../consensus/evidence.js'
import { StakingErrorCode } from '../errors.js'
import { stakingEvents } from '../events.js'
import { stakingMethod } from '../method.js'
import type { NodeRecord } from '../stores/index.js'
import type { StakingDeps } from '../types.js'

const MsgSubmitEvidenceType = protoType('gather.staking.v1.MsgSubmitEvidence')

/** The kinds of evidence `MsgSubmitEvidence` carries. */
export const EVIDENCE_KINDS = ['double-proposal', 'double-vote'] as const
/** One of `EVIDENCE_KINDS`. */
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number]

/** A decoded MsgSubmitEvidence. */
export interface SubmitEvidence {
  submitter: string
  kind: EvidenceKind
  first: Uint8Array
  second: Uint8Array
}

/** An offence proven by evidence, as staking records it. */
interface Offence {
  offender: string
  /** slot for a double proposal, height for a double vote: what makes the offence one */
  at: number
  height: number
  slot?: number
  id: string
  node: NodeRecord
}

/** Checks the evidence against the chain and the state; throws the precise refusal. Never writes. */
function offenceOf(ctx: ReadContext, msg: SubmitEvidence): Offence {
  const chainId = ctx.block.chainId
  let proven: { offender: string; height: number }
  let slot: number | undefined
  if (msg.kind === 'double-proposal') {
    const p = verifyDoubleProposal(chainId, msg.first, msg.second)
    proven = p
    slot = p.slot
  } else {
    proven = verifyDoubleVote(chainId, msg.first, msg.second)
  }
  const at = slot ?? proven.height
  const node = stakingMethod.getNode(ctx.state, proven.offender)
  if (node === undefined)
    throw new ChainError(
      StakingErrorCode.UNKNOWN_NODE,
      `evidence names node ${proven.offender}, which is not registered`,
    )
  const params = stakingMethod.getParams(ctx.state)
  const age = ctx.block.height - proven.height
  if (age > params.evidenceMaxAgeBlocks)
    throw new ChainError(
      StakingErrorCode.EVIDENCE_TOO_OLD,
      `evidence of height ${proven.height} is ${age} blocks old; evidence older than ${params.evidenceMaxAgeBlocks} blocks is refused`,
      { height: proven.height, age, maxAge: params.evidenceMaxAgeBlocks },
    )
  const id = stakingMethod.offenceId(proven.offender, msg.kind, at)
  const seen = stakingMethod.getEvidence(ctx.state, id)
  if (seen !== undefined)
    throw new ChainError(
      StakingErrorCode.EVIDENCE_DUPLICATE,
      `this ${msg.kind} of node ${proven.offender} at ${slot === undefined ? 'height' : 'slot'} ${at} was already punished (evidence included at height ${seen})`,
      { includedAt: seen.toString() },
    )
  return {
    offender: proven.offender,
    at,
    height: proven.height,
    ...(slot === undefined ? {} : { slot }),
    id,
    node,
  }
}

/**
 * `/gather.staking.v1.MsgSubmitEvidence`: any account proves that a registered node key signed
 * two headers for one slot or two votes at one height. The node is jailed for `jailBlocks`,
 * loses its blocks of the current reward day, and `slashFractionBps` of every lock on it is burned.
 * Each offence (offender, kind, slot or height) is punished once, within `evidenceMaxAgeBlocks`.
 */
export function submitEvidenceCommand(token: StakingDeps): Command<SubmitEvidence> {
  return {
    typeUrl: typeUrlOf(MsgSubmitEvidenceType),

    decode(value) {
      const m = MsgSubmitEvidenceType.decode(value) as unknown as {
        submitter: string
        kind: string
        first?: Uint8Array
        second?: Uint8Array
      }
      const kind = m.kind as EvidenceKind
      if (!EVIDENCE_KINDS.includes(kind))
        throw new ChainError(
          StakingErrorCode.EVIDENCE_UNKNOWN_KIND,
          `kind must be one of ${EVIDENCE_KINDS.join(', ')}, not ${JSON.stringify(m.kind)}`,
        )
      return {
        submitter: checkAddress(m.submitter, 'submitter'),
        kind,
        first: m.first instanceof Uint8Array ? m.first : new Uint8Array(0),
        second: m.second instanceof Uint8Array ? m.second : new Uint8Array(0),
      }
    },

    signer: (msg) => msg.submitter,

    verify(ctx, msg) {
      offenceOf(ctx, msg)
    },

    execute(ctx, msg) {
      const o = offenceOf(ctx, msg)
      const { height } = ctx.block
      const params = stakingMethod.getParams(ctx.state)
      stakingMethod.recordEvidence(ctx.state, o.id, height)
      const until = stakingMethod.jail(ctx.state, token, o.offender, height, height + params.jailBlocks)
      stakingEvents.emit(ctx, 'staking.jailed', {
        node_id: o.offender,
        owner: o.node.owner,
        until: until.toString(),
      })
      let burned = 0n
      for (const cut of stakingMethod.slash(ctx.state, token, o.offender, params.slashFractionBps, height)) {
        burned += cut.amount
        stakingEvents.emit(ctx, 'staking.slashed', {
          node_id: o.offender,
          staker: cut.staker,
          amount: cut.amount.toString(),
        })
      }
      stakingEvents.emit(ctx, 'staking.evidence', {
        submitter: msg.submitter,
        kind: msg.kind,
        node_id: o.offender,
        height: o.height.toString(),
        slot: o.slot?.toString(),
        jailed_until: until.toString(),
        burned: burned.toString(),
      })
    },
  }
}
