import { defineEndpoint } from '../../chain/endpoint.js'
import { identityMethod } from './method.js'
import { identityParams } from './params.js'
import { identityQueries } from './queries.js'
import type { GidRecord } from './stores/index.js'

function view(r: GidRecord) {
  return {
    gid: r.gid,
    address: r.owner,
    registeredHeight: Number(r.registeredHeight),
    transferredHeight: Number(r.transferredHeight),
  }
}

/** The identity module's queries (queries.ts declares them). */
export const identityEndpoint = defineEndpoint(identityQueries, {
  /** GID → address, or address → GID; undefined when nothing is bound. */
  resolve(ctx, by) {
    const gid = 'gid' in by ? by.gid : identityMethod.gidOf(ctx.state, by.address)
    if (gid === undefined) return undefined
    const r = identityMethod.getGid(ctx.state, gid)
    return r === undefined ? undefined : view(r)
  },

  /** Params, the number of registered GIDs and the next free one. */
  getInfo(ctx) {
    return {
      ...identityParams.toJson(identityMethod.getParams(ctx.state)),
      registered: identityMethod.count(ctx.state).toString(),
      nextFreeGid: identityMethod.nextFreeGid(ctx.state).toString(),
    }
  },
})
