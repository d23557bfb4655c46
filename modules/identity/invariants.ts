import type { Invariant } from '../../chain/invariants.js'
import type { StateReader } from '../../chain/store/types.js'
import { identityMethod } from './method.js'
import { gidByAddressStore, gidId, gidStore, nextGidStore } from './stores/index.js'

const MAX_LISTED = 5

/**
 * Every GID and its address index agree (each binding indexed once under its owner, nothing
 * else indexed), the count matches, and every GID below the next-free start is taken.
 */
export const identityInvariants: readonly Invariant[] = [
  {
    name: 'identity.gids',
    check(state: StateReader): string[] {
      const problems: string[] = []
      const gids = gidStore.entries(state)
      const index = new Map(gidByAddressStore.entries(state))
      for (const [, r] of gids) {
        const indexed = index.get(r.owner)
        if (indexed?.toString() !== r.gid)
          problems.push(`GID ${r.gid} belongs to ${r.owner}, whose index entry says ${indexed ?? 'nothing'}`)
        index.delete(r.owner)
      }
      for (const [address, gid] of index)
        problems.push(`the index gives ${address} GID ${gid}, which it does not own`)
      const count = identityMethod.count(state)
      if (count !== BigInt(gids.length)) problems.push(`count is ${count} but ${gids.length} GIDs are stored`)
      const start = nextGidStore.get(state) ?? 1n
      if (start > 1n && !gidStore.has(state, gidId(start - 1n)))
        problems.push(`the next-free search starts at ${start} but GID ${start - 1n} is free`)
      return [
        ...problems.slice(0, MAX_LISTED),
        ...(problems.length > MAX_LISTED ? [`and ${problems.length - MAX_LISTED} more`] : []),
      ]
    },
  },
]
