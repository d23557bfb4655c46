import { paddedId } from '../../chain/store/typedStore.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { type MessagingParams, messagingParams } from './params.js'
import {
  type CheckpointRecord,
  checkpointStore,
  type EvidenceRecord,
  evidenceStore,
  type GroupRecord,
  gatedStore,
  groupByOwnerStore,
  groupByParentStore,
  groupStore,
  nextGroupIdStore,
  paramsStore,
} from './stores/index.js'

/**
 * The state key of a group's checkpoint at a height: what a light client proves against a main
 * chain header with `state_getProof` (`gather verify-inclusion`). Published here so that no
 * reader outside the module depends on its stores.
 */
export { checkpointKey } from './stores/index.js'

/** Parent links followed at most this far, whatever the params say (a guard, not a rule). */
const MAX_WALK = 64

/** Reads and changes messaging state; shared by commands, hooks and endpoints. */
export const messagingMethod = {
  getParams(state: StateReader): MessagingParams {
    return messagingParams.parse(paramsStore.get(state))
  },

  /** Writes the params (a governance change, already validated by `messagingParams.change`). */
  setParams(state: StateWriter, p: MessagingParams): void {
    paramsStore.set(state, messagingParams.toJson(messagingParams.validate(p)))
  },

  getGroup(state: StateReader, id: number | string): GroupRecord | undefined {
    return groupStore.get(state, paddedId(id))
  },

  /** The ids of a group's ancestors, nearest first. */
  ancestors(state: StateReader, group: GroupRecord): string[] {
    const out: string[] = []
    let parent = group.policy.parentGroup
    while (parent !== '0' && out.length < MAX_WALK) {
      out.push(parent)
      parent = messagingMethod.getGroup(state, parent)?.policy.parentGroup ?? '0'
    }
    return out
  },

  /** True when `address` owns the group or any group above it (a parent's owner manages its children). */
  manages(state: StateReader, address: string, group: GroupRecord): boolean {
    if (group.owner === address) return true
    return messagingMethod
      .ancestors(state, group)
      .some((id) => messagingMethod.getGroup(state, id)?.owner === address)
  },

  /** Stores a new group with the next id and indexes it; returns the id. */
  addGroup(state: StateWriter, g: Omit<GroupRecord, 'id'>): string {
    const id = (nextGroupIdStore.get(state) ?? 1n).toString()
    nextGroupIdStore.set(state, BigInt(id) + 1n)
    const record = { ...g, id }
    groupStore.set(state, paddedId(id), record)
    messagingMethod.index(state, undefined, record)
    return id
  },

  /** Writes a changed group and moves its index entries (owner, parent, holder gate). */
  putGroup(state: StateWriter, before: GroupRecord, after: GroupRecord): void {
    groupStore.set(state, paddedId(after.id), after)
    messagingMethod.index(state, before, after)
  },

  index(state: StateWriter, before: GroupRecord | undefined, after: GroupRecord): void {
    const id = paddedId(after.id)
    const empty = new Uint8Array(0)
    if (before?.owner !== after.owner) {
      if (before !== undefined) groupByOwnerStore.delete(state, `${before.owner}/${id}`)
      groupByOwnerStore.set(state, `${after.owner}/${id}`, empty)
    }
    if (before?.policy.parentGroup !== after.policy.parentGroup) {
      if (before !== undefined && before.policy.parentGroup !== '0')
        groupByParentStore.delete(state, `${paddedId(before.policy.parentGroup)}/${id}`)
      if (after.policy.parentGroup !== '0')
        groupByParentStore.set(state, `${paddedId(after.policy.parentGroup)}/${id}`, empty)
    }
    const min = BigInt(after.policy.minGatBalance)
    if (min > 0n) gatedStore.set(state, id, min)
    else if (before !== undefined && BigInt(before.policy.minGatBalance) > 0n) gatedStore.delete(state, id)
  },

  getCheckpoint(
    state: StateReader,
    groupId: number | string,
    height: number | string,
  ): CheckpointRecord | undefined {
    return checkpointStore.get(state, `${paddedId(groupId)}/${paddedId(height)}`)
  },

  putCheckpoint(state: StateWriter, cp: CheckpointRecord): void {
    checkpointStore.set(state, `${paddedId(cp.groupId)}/${paddedId(cp.height)}`, cp)
  },

  /** Evidence records of a group, by height (a key scan of that group's evidence). */
  evidenceOf(state: StateReader, groupId: number | string): EvidenceRecord[] {
    const prefix = `${evidenceStore.prefix}${paddedId(groupId)}/`
    return state.keys(prefix).map((k) => evidenceStore.get(state, k.slice(evidenceStore.prefix.length))!)
  },

  /** Stores evidence under its group, group height and main-chain height (one per conflict found). */
  putEvidence(state: StateWriter, e: EvidenceRecord): void {
    evidenceStore.set(state, `${paddedId(e.groupId)}/${paddedId(e.height)}/${paddedId(e.mainHeight)}`, e)
  },

  /** Producers that must leave before a frozen group may anchor again. */
  culpritsOf(state: StateReader, groupId: number | string): string[] {
    return [
      ...new Set(
        messagingMethod
          .evidenceOf(state, groupId)
          .filter((e) => !e.resolved)
          .flatMap((e) => e.culprits),
      ),
    ]
  },

  /** Holder-gated groups with their thresholds (a scan of the gate index). */
  gatedGroups(state: StateReader): [string, bigint][] {
    return gatedStore.entries(state)
  },
}
