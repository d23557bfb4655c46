import { defineEndpoint } from '../../chain/endpoint.js'
import type { ReadContext } from '../../chain/stateMachine.js'
import { stakingMethod } from './method.js'
import { stakingParams } from './params.js'
import { stakingQueries } from './queries.js'
import { lockStore, nodeStore, superNodesStore } from './stores/index.js'

function nodeView(ctx: ReadContext, nodeId: string, rank?: number) {
  const n = nodeStore.get(ctx.state, nodeId)
  if (n === undefined) return undefined
  const params = stakingMethod.getParams(ctx.state)
  const current = superNodesStore.get(ctx.state)?.nodeIds ?? []
  return {
    nodeId: n.nodeId,
    owner: n.owner,
    moniker: n.moniker,
    power: n.locked,
    locked: n.locked,
    registeredHeight: Number(n.registeredHeight),
    status: stakingMethod.statusOf(n, ctx.block.height, params),
    jailedUntil: Number(n.jailedUntil),
    superNode: current.includes(n.nodeId),
    ...(rank === undefined ? {} : { rank }),
  }
}

/** The staking module's queries (queries.ts declares them). */
export const stakingEndpoint = defineEndpoint(stakingQueries, {
  /** The current super nodes, and the set an election over the current state would give next. */
  getSuperNodes(ctx) {
    const stored = superNodesStore.get(ctx.state)
    const params = stakingMethod.getParams(ctx.state)
    const next = stakingMethod.elect(ctx.state, ctx.block.height)
    return {
      period: Number(stored?.period ?? 0),
      periodSlots: params.maxSuperNodes * params.electionPeriodRounds,
      nextElectionSlot:
        (Number(stored?.period ?? 0) + 1) * params.maxSuperNodes * params.electionPeriodRounds,
      current: (stored?.nodeIds ?? []).map((id, i) => nodeView(ctx, id, i + 1)!),
      next: next.map((id, i) => nodeView(ctx, id, i + 1)!),
    }
  },

  getNode: (ctx, p) => nodeView(ctx, p.nodeId),

  /** An account's locks (linear in the state; a query, not a hot path). */
  getLocks(ctx, { address }) {
    const prefix = `${address}/`
    const locks = lockStore
      .entries(ctx.state)
      .filter(([id]) => id.startsWith(prefix))
      .map(([id, amount]) => ({ nodeId: id.slice(prefix.length), amount: amount.toString() }))
    const total = locks.reduce((s, l) => s + BigInt(l.amount), 0n)
    return { address, total: total.toString(), locks }
  },

  getUnbonding(ctx, { address }) {
    const entries = stakingMethod.unbondingsOf(ctx.state, address)
    return {
      address,
      total: entries.reduce((s, e) => s + BigInt(e.amount), 0n).toString(),
      entries: entries.map((e) => ({
        nodeId: e.nodeId,
        amount: e.amount,
        releaseHeight: Number(e.releaseHeight),
      })),
    }
  },

  getParams(ctx) {
    return stakingParams.toJson(stakingMethod.getParams(ctx.state))
  },
})
