import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { type IdentityParams, identityParams } from './params.js'
import {
  type GidRecord,
  gidByAddressStore,
  gidCountStore,
  gidId,
  gidStore,
  nextGidStore,
  paramsStore,
} from './stores/index.js'

/** The largest GID: the uint64 range of the wire format. */
export const MAX_GID = (1n << 64n) - 1n

/** Reads and changes identity state; shared by commands, endpoints and other modules. */
export const identityMethod = {
  getParams(state: StateReader): IdentityParams {
    return identityParams.parse(paramsStore.get(state))
  },

  /** Writes the params (a governance change, already validated by `identityParams.change`). */
  setParams(state: StateWriter, p: IdentityParams): void {
    paramsStore.set(state, identityParams.toJson(identityParams.validate(p)))
  },

  /** The binding of a GID, or undefined. */
  getGid(state: StateReader, gid: bigint): GidRecord | undefined {
    return gidStore.get(state, gidId(gid))
  },

  /** The GID an address holds, or undefined. */
  gidOf(state: StateReader, address: string): bigint | undefined {
    return gidByAddressStore.get(state, address)
  },

  /**
   * The lowest free GID at or above the stored starting point. The start only moves up and a
   * taken number is skipped once, so the search is O(1) amortised.
   */
  nextFreeGid(state: StateReader): bigint {
    let n = nextGidStore.get(state) ?? 1n
    while (gidStore.has(state, gidId(n))) n++
    return n
  },

  /** Binds a free GID to an address that holds none. */
  bind(state: StateWriter, gid: bigint, owner: string, height: number): void {
    gidStore.set(state, gidId(gid), {
      gid: gid.toString(),
      owner,
      registeredHeight: height.toString(),
      transferredHeight: '0',
    })
    gidByAddressStore.set(state, owner, gid)
    gidCountStore.set(state, (gidCountStore.get(state) ?? 0n) + 1n)
    if (gid === (nextGidStore.get(state) ?? 1n)) nextGidStore.set(state, identityMethod.nextFreeGid(state))
  },

  /** Moves a GID to a new owner (who holds none). */
  move(state: StateWriter, gid: bigint, to: string, height: number): void {
    const r = gidStore.get(state, gidId(gid))
    if (r === undefined) throw new Error(`no GID ${gid}`)
    gidByAddressStore.delete(state, r.owner)
    gidByAddressStore.set(state, to, gid)
    gidStore.set(state, gidId(gid), { ...r, owner: to, transferredHeight: height.toString() })
  },

  /** Number of registered GIDs. */
  count(state: StateReader): bigint {
    return gidCountStore.get(state) ?? 0n
  },
}
