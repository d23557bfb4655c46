import { protoType } from '../../../chain/codec/index.js'
import {
  bigintCodec,
  paddedId,
  protoCodec,
  SingletonStore,
  TypedStore,
} from '../../../chain/store/typedStore.js'
import { type IdentityParamsJson, identityParams } from '../params.js'

/** Module name and key prefix. */
export const IDENTITY_MODULE = 'identity'

/** A GID binding as stored (numbers as decimal strings). */
export interface GidRecord {
  gid: string
  owner: string
  registeredHeight: string
  transferredHeight: string
}

/** `identity/gid/<gid, 20 digits>` → the binding. */
export const gidStore = new TypedStore<GidRecord>(
  IDENTITY_MODULE,
  'gid',
  protoCodec(protoType('gather.identity.v1.GidRecord')),
)
/** `identity/byAddress/<address>` → the address's GID (one per address). */
export const gidByAddressStore = new TypedStore<bigint>(IDENTITY_MODULE, 'byAddress', bigintCodec)
/** Where the search for the next free GID starts: every GID below it is taken. */
export const nextGidStore = new SingletonStore<bigint>(IDENTITY_MODULE, 'nextGid', bigintCodec)
/** How many GIDs are registered. */
export const gidCountStore = new SingletonStore<bigint>(IDENTITY_MODULE, 'count', bigintCodec)
/** Parameters. */
export const paramsStore = new SingletonStore<Required<IdentityParamsJson>>(
  IDENTITY_MODULE,
  'params',
  identityParams.codec,
)

/** The store id of a GID: zero-padded to 20 digits so ids sort by number. */
export function gidId(gid: bigint): string {
  return paddedId(gid)
}
