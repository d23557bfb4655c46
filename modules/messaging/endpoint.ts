import { defineEndpoint } from '../../chain/endpoint.js'
import { hex } from '../../chain/hex.js'
import type { ReadContext } from '../../chain/stateMachine.js'
import { paddedId } from '../../chain/store/typedStore.js'
import type { GroupCheckpoint } from './groupchain/checkpoint.js'
import { InclusionErrorCode, type InclusionProof, verifyInclusion } from './groupchain/proof.js'
import { messagingMethod } from './method.js'
import { messagingParams } from './params.js'
import { messagingQueries } from './queries.js'
import {
  type CheckpointRecord,
  checkpointKey,
  checkpointStore,
  type EvidenceRecord,
  type GroupRecord,
  groupByOwnerStore,
  groupByParentStore,
  groupStore,
} from './stores/index.js'
import type { MessagingTokenMethod, Page } from './types.js'

/** A checkpoint as queries show it (hashes in hex; `key` is its state key, for `state_getProof`). */
export function checkpointView(c: CheckpointRecord) {
  return {
    groupId: Number(c.groupId),
    height: Number(c.height),
    blockHash: hex(c.blockHash),
    stateRoot: hex(c.stateRoot),
    accumulatorRoot: hex(c.accumulatorRoot),
    signers: c.signers,
    anchoredHeight: Number(c.anchoredHeight),
    submitter: c.submitter,
    key: checkpointKey(c.groupId, c.height),
  }
}

function evidenceView(e: EvidenceRecord) {
  return {
    height: Number(e.height),
    anchored: checkpointView(e.anchored),
    conflicting: checkpointView(e.conflicting),
    culprits: e.culprits,
    mainHeight: Number(e.mainHeight),
    resolved: e.resolved,
  }
}

/** A group as queries show it. */
export function groupView(g: GroupRecord) {
  return {
    id: Number(g.id),
    owner: g.owner,
    name: g.name,
    producers: g.producers,
    ownerProduces: g.producers.length === 0,
    threshold: g.threshold,
    policy: {
      maxMembers: g.policy.maxMembers,
      minGatBalance: g.policy.minGatBalance,
      holderGated: BigInt(g.policy.minGatBalance) > 0n,
      parentGroup: Number(g.policy.parentGroup),
      membersMayBefriend: g.policy.membersMayBefriend,
      checkpointInterval: g.policy.checkpointInterval,
      private: g.policy.private,
    },
    createdHeight: Number(g.createdHeight),
    updatedHeight: Number(g.updatedHeight),
    frozen: g.frozen,
    lastCheckpointHeight: Number(g.lastCheckpointHeight),
    checkpointCount: Number(g.checkpointCount),
  }
}

function page<T>(all: readonly T[], p: Page): { total: number; offset: number; limit: number; items: T[] } {
  const offset = p.offset ?? 0
  const limit = p.limit ?? 50
  return { total: all.length, offset, limit, items: all.slice(offset, offset + limit) }
}

/** The messaging module's queries (queries.ts declares them); `token` answers balances. */
export function createMessagingEndpoint(token: Pick<MessagingTokenMethod, 'getBalance'>) {
  return defineEndpoint(messagingQueries, {
    getGroup: (ctx, p) => groupDetail(ctx, p.groupId),
    listGroups: (ctx, p) => listGroups(ctx, p),
    getCheckpoints: (ctx, p) => checkpointsOf(ctx, p.groupId, p),
    isMember: (ctx, p) => membership(ctx, token, p.groupId, p.address),
    verifyInclusion: (ctx, p) => verifyAgainstAnchored(ctx, p.proof),
    getParams: (ctx) => messagingParams.toJson(messagingMethod.getParams(ctx.state)),
  })
}

/** The messaging module's endpoint type. */
export type MessagingEndpoint = ReturnType<typeof createMessagingEndpoint>

/** A group with its children count, last checkpoint and evidence; undefined if unknown. */
function groupDetail(ctx: ReadContext, id: number) {
  const g = messagingMethod.getGroup(ctx.state, id)
  if (g === undefined) return undefined
  const last = Number(g.lastCheckpointHeight)
  const cp = last === 0 ? undefined : messagingMethod.getCheckpoint(ctx.state, id, last)
  return {
    ...groupView(g),
    children: ctx.state.keys(`${groupByParentStore.prefix}${paddedId(id)}/`).length,
    lastCheckpoint: cp === undefined ? null : checkpointView(cp),
    evidence: messagingMethod.evidenceOf(ctx.state, id).map(evidenceView),
  }
}

/** Groups by id: all, an owner's, or a parent's children; paged. */
function listGroups(
  ctx: ReadContext,
  by: { owner?: string | undefined; parent?: number | undefined } & Page,
) {
  let ids: string[]
  if (by.owner !== undefined) {
    const prefix = `${groupByOwnerStore.prefix}${by.owner}/`
    ids = ctx.state.keys(prefix).map((k) => k.slice(prefix.length))
  } else if (by.parent !== undefined) {
    const prefix = `${groupByParentStore.prefix}${paddedId(by.parent)}/`
    ids = ctx.state.keys(prefix).map((k) => k.slice(prefix.length))
  } else {
    ids = ctx.state.keys(groupStore.prefix).map((k) => k.slice(groupStore.prefix.length))
  }
  const p = page(ids, by)
  return {
    ...(by.owner === undefined ? {} : { owner: by.owner }),
    ...(by.parent === undefined ? {} : { parent: by.parent }),
    total: p.total,
    offset: p.offset,
    limit: p.limit,
    groups: p.items.map((id) => groupView(groupStore.get(ctx.state, id)!)),
  }
}

/** A group's anchored checkpoints, newest first, paged; undefined if the group is unknown. */
function checkpointsOf(ctx: ReadContext, groupId: number, p: Page) {
  if (messagingMethod.getGroup(ctx.state, groupId) === undefined) return undefined
  const prefix = `${checkpointStore.prefix}${paddedId(groupId)}/`
  const keys = ctx.state.keys(prefix).reverse()
  const pg = page(keys, p)
  return {
    groupId,
    total: pg.total,
    offset: pg.offset,
    limit: pg.limit,
    checkpoints: pg.items.map((k) =>
      checkpointView(checkpointStore.get(ctx.state, k.slice(checkpointStore.prefix.length))!),
    ),
  }
}

/**
 * Holder gate: for a holder-gated group, whether `address` holds at least `minGatBalance` ugat
 * (its spendable balance on the main chain). Other groups decide membership on their group
 * chain: `member` is then null. Undefined if the group is unknown.
 */
function membership(
  ctx: ReadContext,
  token: Pick<MessagingTokenMethod, 'getBalance'>,
  groupId: number,
  address: string,
) {
  const g = messagingMethod.getGroup(ctx.state, groupId)
  if (g === undefined) return undefined
  const min = BigInt(g.policy.minGatBalance)
  const balance = token.getBalance(ctx.state, address)
  return {
    groupId,
    address,
    holderGated: min > 0n,
    member: min > 0n ? balance >= min : null,
    balance: balance.toString(),
    minGatBalance: min.toString(),
    height: ctx.block.height,
  }
}

/**
 * Verifies an inclusion proof against the checkpoint anchored at its `checkpointHeight`: the
 * same pure `verifyInclusion` a client runs with only the checkpoint.
 */
function verifyAgainstAnchored(ctx: ReadContext, proof: InclusionProof) {
  const g = messagingMethod.getGroup(ctx.state, proof.groupId)
  if (g === undefined)
    return {
      valid: false as const,
      code: InclusionErrorCode.UNKNOWN_GROUP,
      reason: `group ${proof.groupId} does not exist`,
      checkpoint: null,
    }
  const c = messagingMethod.getCheckpoint(ctx.state, proof.groupId, proof.checkpointHeight)
  if (c === undefined)
    return {
      valid: false as const,
      code: InclusionErrorCode.NO_CHECKPOINT,
      reason: `group ${proof.groupId} has no anchored checkpoint at height ${proof.checkpointHeight} (last: ${g.lastCheckpointHeight})`,
      checkpoint: null,
    }
  const cp: GroupCheckpoint = {
    groupId: Number(c.groupId),
    height: Number(c.height),
    blockHash: c.blockHash,
    stateRoot: c.stateRoot,
    accumulatorRoot: c.accumulatorRoot,
  }
  return { ...verifyInclusion(proof, cp), checkpoint: checkpointView(c) }
}
