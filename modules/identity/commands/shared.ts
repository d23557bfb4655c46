import { u64ToBigInt } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import { IdentityErrorCode } from '../errors.js'

/** A decoded uint64 GID field as bigint (0 stays 0: "the next free one" where allowed). */
export function decodeGid(value: unknown, allowZero: boolean): bigint {
  const gid = u64ToBigInt(value as never)
  if (gid === 0n && !allowZero)
    throw new ChainError(IdentityErrorCode.INVALID_GID, 'gid must be a GID number from 1')
  return gid
}
