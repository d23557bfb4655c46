import type { Invariant } from '../../chain/invariants.js'
import type { StateReader } from '../../chain/store/types.js'
import { messagingMethod } from './method.js'
import {
  checkpointStore,
  gatedStore,
  groupByOwnerStore,
  groupByParentStore,
  groupStore,
  pad20,
} from './stores/index.js'

const MAX_LISTED = 5

function listed(problems: string[]): string[] {
  return [
    ...problems.slice(0, MAX_LISTED),
    ...(problems.length > MAX_LISTED ? [`and ${problems.length - MAX_LISTED} more`] : []),
  ]
}

/**
 * Groups agree with their indexes (owner, parent, holder gate) and their checkpoints: the last
 * checkpoint height is the highest stored, the count is the number stored, a group is frozen
 * exactly when it has unresolved evidence, and thresholds are a majority of the producers.
 */
export const messagingInvariants: readonly Invariant[] = [
  {
    name: 'messaging.groups',
    check(state: StateReader): string[] {
      const problems: string[] = []
      const owners = new Set(groupByOwnerStore.entries(state).map(([k]) => k))
      const parents = new Set(groupByParentStore.entries(state).map(([k]) => k))
      const gated = new Map(gatedStore.entries(state))
      const checkpoints = new Map<string, number[]>()
      for (const [k] of checkpointStore.entries(state)) {
        const [g, h] = k.split('/')
        checkpoints.set(g!, [...(checkpoints.get(g!) ?? []), Number(h)])
      }
      for (const [id, g] of groupStore.entries(state)) {
        if (!owners.delete(`${g.owner}/${id}`))
          problems.push(`group ${g.id} is missing from its owner's index`)
        if (g.policy.parentGroup !== '0') {
          if (!parents.delete(`${pad20(g.policy.parentGroup)}/${id}`))
            problems.push(`group ${g.id} is missing from its parent's index`)
          if (messagingMethod.getGroup(state, g.policy.parentGroup) === undefined)
            problems.push(`group ${g.id} names parent ${g.policy.parentGroup}, which does not exist`)
        }
        const min = BigInt(g.policy.minGatBalance)
        if ((gated.get(id) ?? 0n) !== min)
          problems.push(`group ${g.id} gates at ${min} but the index says ${gated.get(id) ?? 'nothing'}`)
        gated.delete(id)
        const heights = checkpoints.get(id) ?? []
        const top = heights.length === 0 ? 0 : Math.max(...heights)
        if (top !== Number(g.lastCheckpointHeight) || heights.length !== Number(g.checkpointCount))
          problems.push(
            `group ${g.id} records ${g.checkpointCount} checkpoints up to ${g.lastCheckpointHeight}, ${heights.length} are stored up to ${top}`,
          )
        const unresolved = messagingMethod.evidenceOf(state, id).some((e) => !e.resolved)
        if (unresolved !== g.frozen)
          problems.push(`group ${g.id} frozen=${g.frozen} but unresolved evidence=${unresolved}`)
        const n = g.producers.length
        if (n === 0 ? g.threshold !== 1 : g.threshold * 2 <= n || g.threshold > n)
          problems.push(`group ${g.id} has threshold ${g.threshold} for ${n} producers`)
      }
      for (const k of owners) problems.push(`owner index entry ${k} names no group`)
      for (const k of parents) problems.push(`parent index entry ${k} names no group`)
      for (const [id] of gated) problems.push(`holder-gate entry ${id} names no gated group`)
      return listed(problems)
    },
  },
]
