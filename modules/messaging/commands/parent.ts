import { ChainError } from '../../../chain/errors.js'
import type { StateReader } from '../../../chain/store/types.js'
import { MessagingErrorCode } from '../errors.js'
import { messagingMethod } from '../method.js'

/**
 * Checks that `signer` may place a group (`selfId`, or a new one) under `parentId`: the parent
 * exists, the signer manages it, no cycle forms and the depth stays within `maxGroupDepth`.
 */
export function checkParent(state: StateReader, signer: string, parentId: string, selfId?: string): void {
  const parent = messagingMethod.getGroup(state, parentId)
  if (parent === undefined)
    throw new ChainError(MessagingErrorCode.UNKNOWN_PARENT, `parent group ${parentId} does not exist`)
  if (!messagingMethod.manages(state, signer, parent))
    throw new ChainError(
      MessagingErrorCode.NOT_GROUP_MANAGER,
      `${signer} does not own parent group ${parentId} or any group above it (owner ${parent.owner}); only they may add groups under it`,
    )
  const above = messagingMethod.ancestors(state, parent)
  if (selfId !== undefined && (parentId === selfId || above.includes(selfId)))
    throw new ChainError(
      MessagingErrorCode.PARENT_CYCLE,
      `group ${parentId} is group ${selfId} or below it: a group cannot be its own ancestor`,
    )
  const depth = above.length + 1
  const max = messagingMethod.getParams(state).maxGroupDepth
  if (depth > max)
    throw new ChainError(
      MessagingErrorCode.TOO_DEEP,
      `group ${parentId} already has ${above.length} levels above it; groups nest at most ${max} levels deep`,
    )
}
