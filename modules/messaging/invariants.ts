import type { Invariant } from '../../chain/invariants.js'
import { paddedId } from '../../chain/store/typedStore.js'
import type { StateReader } from '../../chain/store/types.js'
import { messagingMethod } from './method.js'
import {
  checkpointStore,
  gatedStore,
  groupByOwnerStore,
  groupByParentStore,
  groupStore,
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
      // per group: how many checkpoints are stored and the highest height (keys only, no decoding)
      const checkpoints = new Map<string, { count: number; top: number }>()
      for (const k of state.keys(checkpointStore.prefix)) {
        const [g, h] = k.slice(checkpointStore.prefix.length).split('/')
        const c = checkpoints.get(g!) ?? { count: 0, top: 0 }
        checkpoints.set(g!, { count: c.count + 1, top: Math.max(c.top, Number(h)) })
      }
      for (const [id, g] of groupStore.entries(state)) {
        if (!owners.delete(`${g.owner}/${id}`))
          problems.push(`group ${g.id} is missing from its owner's index`)
        if (g.policy.parentGroup !== '0') {
          if (!parents.delete(`${paddedId(g.policy.parentGroup)}/${id}`))
            problems.push(`group ${g.id} is missing from its parent's index`)
          if (messagingMethod.getGroup(state, g.policy.parentGroup) === undefined)
            problems.push(`group ${g.id} names parent ${g.policy.parentGroup}, which does not exist`)
        }
        const min = BigInt(g.policy.minGatBalance)
        if ((gated.get(id) ?? 0n) !== min)
          problems.push(`group ${g.id} gates at ${min} but the index says ${gated.get(id) ?? 'nothing'}`)
        gated.delete(id)
        const { count, top } = checkpoints.get(id) ?? { count: 0, top: 0 }
        checkpoints.delete(id)
        if (top !== Number(g.lastCheckpointHeight) || count !== Number(g.checkpointCount))
          problems.push(
            `group ${g.id} records ${g.checkpointCount} checkpoints up to ${g.lastCheckpointHeight}, ${count} are stored up to ${top}`,
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
      for (const [id, c] of checkpoints)
        problems.push(`${c.count} checkpoints are stored for group ${BigInt(id)}, which does not exist`)
      return listed(problems)
    },
  },
]
