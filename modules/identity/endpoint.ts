import type { ReadContext } from '../../chain/stateMachine.js'
import { identityMethod } from './method.js'
import { identityParams } from './params.js'
import type { GidRecord } from './stores/index.js'

function view(r: GidRecord) {
  return {
    gid: r.gid,
    address: r.owner,
    registeredHeight: Number(r.registeredHeight),
    transferredHeight: Number(r.transferredHeight),
  }
}

/** Read-only queries of the identity module (RPC `identity_resolve`). */
export const identityEndpoint = {
  /** GID → address, or address → GID; undefined when nothing is bound. */
  resolve(ctx: ReadContext, by: { gid?: bigint; address?: string }) {
    const gid = by.gid ?? (by.address === undefined ? undefined : identityMethod.gidOf(ctx.state, by.address))
    if (gid === undefined) return undefined
    const r = identityMethod.getGid(ctx.state, gid)
    return r === undefined ? undefined : view(r)
  },

  /** Params, the number of registered GIDs and the next free one. */
  getInfo(ctx: ReadContext) {
    return {
      ...identityParams.toJson(identityMethod.getParams(ctx.state)),
      registered: identityMethod.count(ctx.state).toString(),
      nextFreeGid: identityMethod.nextFreeGid(ctx.state).toString(),
    }
  },
}
