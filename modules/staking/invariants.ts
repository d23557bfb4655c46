import { checkSum, type Invariant } from '../../chain/invariants.js'
import type { StateReader } from '../../chain/store/types.js'
import { stakingMethod } from './method.js'
import {
  heightId,
  jailExpiryStore,
  lockByNodeStore,
  lockedByStore,
  lockStore,
  nodeStore,
  unbondingAtStore,
  unbondingByStakerStore,
} from './stores/index.js'

/** At most this many per-node mismatches are listed; the totals already carry the size. */
const MAX_LISTED = 5

/**
 * The staking totals agree with the records they summarise: `totalLocked` with every node's
 * `locked` and every lock entry (and each node with its own locks); `totalUnbonding` with the
 * release queue and the per-staker index; each staker's `lockedBy` total with its locks. Linear in the staking state.
 */
export const stakingInvariants: readonly Invariant[] = [
  {
    name: 'staking.locked',
    check(state: StateReader): string[] {
      const total = stakingMethod.getTotalLocked(state)
      const byNode = new Map<string, bigint>()
      let locks = 0n
      for (const [id, amount] of lockStore.entries(state)) {
        const nodeId = id.slice(id.lastIndexOf('/') + 1)
        byNode.set(nodeId, (byNode.get(nodeId) ?? 0n) + amount)
        locks += amount
      }
      let nodes = 0n
      const mismatches: string[] = []
      for (const [nodeId, n] of nodeStore.entries(state)) {
        const locked = BigInt(n.locked)
        nodes += locked
        const own = byNode.get(nodeId) ?? 0n
        byNode.delete(nodeId)
        if (locked !== own)
          mismatches.push(
            `node ${nodeId} records ${locked} ugat locked but its lock entries sum to ${own} ugat`,
          )
      }
      for (const [nodeId, own] of byNode)
        mismatches.push(`lock entries of ${own} ugat name node ${nodeId}, which is not registered`)
      // The per-node index (slashing reads it) mirrors the lock entries exactly.
      const index = new Map(lockByNodeStore.entries(state))
      for (const [id, amount] of lockStore.entries(state)) {
        const cut = id.lastIndexOf('/')
        const key = `${id.slice(cut + 1)}/${id.slice(0, cut)}`
        if (index.get(key) !== amount)
          mismatches.push(
            `lock ${id} of ${amount} ugat is indexed as ${index.get(key) ?? 'absent'} under lockByNode/${key}`,
          )
        index.delete(key)
      }
      for (const [key, amount] of index)
        mismatches.push(`lockByNode/${key} holds ${amount} ugat but there is no such lock`)
      // Each staker's total (a voter's weight) is the sum of its locks.
      const byStaker = new Map<string, bigint>()
      for (const [id, amount] of lockStore.entries(state)) {
        const staker = id.slice(0, id.lastIndexOf('/'))
        byStaker.set(staker, (byStaker.get(staker) ?? 0n) + amount)
      }
      for (const [staker, recorded] of lockedByStore.entries(state)) {
        const own = byStaker.get(staker) ?? 0n
        byStaker.delete(staker)
        if (recorded !== own)
          mismatches.push(`lockedBy/${staker} records ${recorded} ugat but its locks sum to ${own} ugat`)
      }
      for (const [staker, own] of byStaker)
        mismatches.push(`${staker} has ${own} ugat in locks but no lockedBy total`)
      return [
        ...checkSum({ totalLocked: total }, { 'sum of node locked': nodes }, 'ugat'),
        ...checkSum({ totalLocked: total }, { 'sum of lock entries': locks }, 'ugat'),
        ...mismatches.slice(0, MAX_LISTED),
        ...(mismatches.length > MAX_LISTED ? [`and ${mismatches.length - MAX_LISTED} more nodes`] : []),
      ]
    },
  },
  {
    name: 'staking.unbonding',
    check(state: StateReader): string[] {
      const sum = (entries: [string, { amount: string }][]): bigint =>
        entries.reduce((s, [, e]) => s + BigInt(e.amount), 0n)
      const total = stakingMethod.getTotalUnbonding(state)
      return [
        ...checkSum(
          { totalUnbonding: total },
          { 'sum of queued unlocks': sum(unbondingAtStore.entries(state)) },
          'ugat',
        ),
        ...checkSum(
          { totalUnbonding: total },
          { "sum of stakers' unlocks": sum(unbondingByStakerStore.entries(state)) },
          'ugat',
        ),
      ]
    },
  },
  {
    name: 'staking.jail',
    check(state: StateReader, height?: number): string[] {
      // Every jail still running has its end queued, so the node rejoins the active ones on time.
      const bad: string[] = []
      for (const [nodeId, n] of nodeStore.entries(state)) {
        const until = Number(n.jailedUntil)
        if (height === undefined || until <= height) continue
        if (jailExpiryStore.get(state, `${heightId(until)}/${nodeId}`) === undefined)
          bad.push(`node ${nodeId} is jailed until ${until} but that end is not queued`)
      }
      return [
        ...bad.slice(0, MAX_LISTED),
        ...(bad.length > MAX_LISTED ? [`and ${bad.length - MAX_LISTED} more nodes`] : []),
      ]
    },
  },
]
