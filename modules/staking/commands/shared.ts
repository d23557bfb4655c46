import { ChainError } from '../../../chain/errors.js'
import { StakingErrorCode } from '../errors.js'

/** Checks a node id field: 32 bytes as 64 lower-case hex characters (an ed25519 public key). */
export function checkNodeId(value: unknown, field = 'node_id'): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
    throw new ChainError(
      StakingErrorCode.INVALID_NODE_ID,
      `${field} must be the node's ed25519 public key as 64 lower-case hex characters`,
    )
  }
  return value
}
