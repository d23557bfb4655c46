import { hex } from '../../chain/hex.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { type ElectionCandidate, electSuperNodes } from '../../consensus/election.js'
import { periodSlots, type StakingParams, stakingParams } from './params.js'
import {
  dayBlocksStore,
  evidenceStore,
  heightId,
  jailExpiryStore,
  lockByNodeStore,
  lockedByStore,
  lockStore,
  type NodeRecord,
  nodeStore,
  paramsStore,
  superNodesStore,
  totalLockedStore,
  totalUnbondingStore,
  type UnbondingRecord,
  unbondingAtStore,
  unbondingByStakerStore,
  unbondingCountStore,
  unbondingId,
} from './stores/index.js'
import type { DayProducer, StakingLockListener, StakingTokenMethod } from './types.js'

/** A node's status at a height. */
export type NodeStatus = 'active' | 'inactive' | 'jailed'

/** Reads and changes staking state; shared by commands, hooks, endpoints and the schedule. */
export const stakingMethod = {
  getParams(state: StateReader): StakingParams {
    return stakingParams.parse(paramsStore.get(state))
  },

  /** Writes the params (a governance change, already validated by `stakingParams.change`). */
  setParams(state: StateWriter, p: StakingParams): void {
    paramsStore.set(state, stakingParams.toJson(stakingParams.validate(p)))
  },

  getNode(state: StateReader, nodeId: string): NodeRecord | undefined {
    return nodeStore.get(state, nodeId)
  },

  /** active: at least the minimum locked and not jailed; jailed: until `jailedUntil`. */
  statusOf(node: NodeRecord, height: number, params: StakingParams): NodeStatus {
    if (BigInt(node.jailedUntil) > BigInt(height)) return 'jailed'
    return BigInt(node.locked) >= params.minNodeLock ? 'active' : 'inactive'
  },

  getLock(state: StateReader, staker: string, nodeId: string): bigint {
    return lockStore.get(state, `${staker}/${nodeId}`) ?? 0n
  },

  /** ugat the staker has locked on all nodes. O(1). */
  getLockedBy(state: StateReader, staker: string): bigint {
    return lockedByStore.get(state, staker) ?? 0n
  },

  /** Adds to (or, negative, removes from) a staker's lock on a node and the node's total. */
  changeLock(state: StateWriter, staker: string, nodeId: string, delta: bigint): void {
    const node = nodeStore.get(state, nodeId)
    if (node === undefined) throw new Error(`no node ${nodeId}`)
    const lock = stakingMethod.getLock(state, staker, nodeId) + delta
    if (lock < 0n) throw new Error('negative lock')
    if (lock === 0n) {
      lockStore.delete(state, `${staker}/${nodeId}`)
      lockByNodeStore.delete(state, `${nodeId}/${staker}`)
    } else {
      lockStore.set(state, `${staker}/${nodeId}`, lock)
      lockByNodeStore.set(state, `${nodeId}/${staker}`, lock)
    }
    const total = stakingMethod.getLockedBy(state, staker) + delta
    if (total === 0n) lockedByStore.delete(state, staker)
    else lockedByStore.set(state, staker, total)
    nodeStore.set(state, nodeId, { ...node, locked: (BigInt(node.locked) + delta).toString() })
    totalLockedStore.set(state, (totalLockedStore.get(state) ?? 0n) + delta)
  },

  /**
   * A staker's lock changes by `delta` with everything that follows from it: the lock and node
   * totals, the staker's reward shares, and the owner's active-node count when the node crosses
   * the minimum lock, and the lock listener (governance's tallies). Money moves (balance ↔ lock)
   * are the caller's.
   */
  applyLockChange(
    state: StateWriter,
    token: Pick<StakingTokenMethod, 'changeStake' | 'changeActiveNodes'> & Partial<StakingLockListener>,
    staker: string,
    nodeId: string,
    delta: bigint,
    height: number,
  ): void {
    const params = stakingMethod.getParams(state)
    const before = nodeStore.get(state, nodeId)
    if (before === undefined) throw new Error(`no node ${nodeId}`)
    const wasActive = stakingMethod.statusOf(before, height, params) === 'active'
    stakingMethod.changeLock(state, staker, nodeId, delta)
    const isActive = stakingMethod.statusOf(nodeStore.get(state, nodeId)!, height, params) === 'active'
    token.changeStake(state, staker, delta)
    if (wasActive !== isActive) token.changeActiveNodes(state, before.owner, isActive ? 1n : -1n)
    token.lockChanged?.(state, staker, delta)
  },

  /**
   * Counts a block for its producer (node key) in the current day. O(1). A jailed producer (one
   * still in the period's set, or the offender of evidence in its own block) earns nothing.
   */
  countProducedBlock(state: StateWriter, proposer: Uint8Array, height: number): void {
    if (proposer.length === 0) return
    const id = hex(proposer)
    const node = nodeStore.get(state, id)
    if (node !== undefined && BigInt(node.jailedUntil) > BigInt(height)) return
    dayBlocksStore.set(state, id, (dayBlocksStore.get(state, id) ?? 0n) + 1n)
  },

  /** The day's producers with their blocks and owners, by node id; clears the counts. O(producers). */
  takeDayProducers(state: StateWriter): DayProducer[] {
    return dayBlocksStore.entries(state).map(([nodeId, blocks]) => {
      dayBlocksStore.delete(state, nodeId)
      const node = nodeStore.get(state, nodeId)
      if (node === undefined) throw new Error(`producer ${nodeId} is not a registered node`)
      return { nodeId, owner: node.owner, blocks }
    })
  },

  /** The stakers of a node and their locks, by staker (a scan of the per-node index: for slashing, not the hot path). */
  lockersOf(state: StateReader, nodeId: string): [string, bigint][] {
    const prefix = `${lockByNodeStore.prefix}${nodeId}/`
    return state
      .keys(prefix)
      .map((k) => [
        k.slice(prefix.length),
        lockByNodeStore.get(state, k.slice(lockByNodeStore.prefix.length))!,
      ])
  },

  /** The id under which an offence is recorded: offender, kind, and its slot or height. */
  offenceId(offender: string, kind: string, at: number): string {
    return `${offender}/${kind}/${heightId(at)}`
  },

  /** The height evidence for this offence was included at, or undefined. */
  getEvidence(state: StateReader, offenceId: string): bigint | undefined {
    return evidenceStore.get(state, offenceId)
  },

  /** Records that evidence for the offence was included at `height`. */
  recordEvidence(state: StateWriter, offenceId: string, height: number): void {
    evidenceStore.set(state, offenceId, BigInt(height))
  },

  /**
   * Jails a node from `height` until `until` (or longer if it already is): out of elections and of
   * the active nodes' reward stream; the jail's end is queued (`takeJailExpiries`). The node's
   * blocks of the current reward day are forgotten: no super-node reward for them. Returns the
   * height the jail ends.
   */
  jail(
    state: StateWriter,
    token: Pick<StakingTokenMethod, 'changeActiveNodes'>,
    nodeId: string,
    height: number,
    until: number,
  ): number {
    const params = stakingMethod.getParams(state)
    const node = nodeStore.get(state, nodeId)
    if (node === undefined) throw new Error(`no node ${nodeId}`)
    const wasActive = stakingMethod.statusOf(node, height, params) === 'active'
    const end = Math.max(Number(node.jailedUntil), until)
    if (end > Number(node.jailedUntil)) {
      nodeStore.set(state, nodeId, { ...node, jailedUntil: end.toString() })
      jailExpiryStore.set(state, `${heightId(end)}/${nodeId}`, BigInt(height))
    }
    if (wasActive) token.changeActiveNodes(state, node.owner, -1n)
    dayBlocksStore.delete(state, nodeId)
    return end
  },

  /**
   * Burns `bps` / 10,000 of every staker's lock on the node (each rounded down), through the same
   * lock change as an unlock (reward shares settle first), and returns each staker's cut.
   * Linear in the node's stakers after a scan of the per-node index.
   */
  slash(
    state: StateWriter,
    token: Pick<StakingTokenMethod, 'changeStake' | 'changeActiveNodes' | 'burnFromLock'> &
      Partial<StakingLockListener>,
    nodeId: string,
    bps: number,
    height: number,
  ): { staker: string; amount: bigint }[] {
    const cuts: { staker: string; amount: bigint }[] = []
    for (const [staker, lock] of stakingMethod.lockersOf(state, nodeId)) {
      const amount = (lock * BigInt(bps)) / 10_000n
      if (amount === 0n) continue
      stakingMethod.applyLockChange(state, token, staker, nodeId, -amount, height)
      token.burnFromLock(state, staker, amount)
      cuts.push({ staker, amount })
    }
    return cuts
  },

  /**
   * The nodes whose jail ends at `height` (removed from the queue). A node jailed again for
   * longer meanwhile has a later entry and is skipped here. Each one active from this height
   * gets its owner's share of the active nodes' stream back.
   */
  takeJailExpiries(
    state: StateWriter,
    token: Pick<StakingTokenMethod, 'changeActiveNodes'>,
    height: number,
  ): { nodeId: string; status: NodeStatus }[] {
    const prefix = `${jailExpiryStore.prefix}${heightId(height)}/`
    const keys = state.keys(prefix)
    if (keys.length === 0) return []
    const params = stakingMethod.getParams(state)
    const ended: { nodeId: string; status: NodeStatus }[] = []
    for (const key of keys) {
      const nodeId = key.slice(prefix.length)
      state.delete(key)
      const node = nodeStore.get(state, nodeId)
      if (node === undefined || Number(node.jailedUntil) !== height) continue
      const status = stakingMethod.statusOf(node, height, params)
      if (status === 'active') token.changeActiveNodes(state, node.owner, 1n)
      ended.push({ nodeId, status })
    }
    return ended
  },

  /** ugat locked on all nodes. */
  getTotalLocked(state: StateReader): bigint {
    return totalLockedStore.get(state) ?? 0n
  },

  /** ugat unlocked and waiting to return to balances. */
  getTotalUnbonding(state: StateReader): bigint {
    return totalUnbondingStore.get(state) ?? 0n
  },

  /** Queues an unlock for release at `releaseHeight`: O(1), whatever else is queued. */
  addUnbonding(state: StateWriter, entry: UnbondingRecord): void {
    const height = Number(entry.releaseHeight)
    const at = heightId(height)
    const index = unbondingCountStore.get(state, at) ?? 0n
    const id = unbondingId(height, index)
    unbondingAtStore.set(state, id, entry)
    unbondingByStakerStore.set(state, `${entry.staker}/${id}`, entry)
    unbondingCountStore.set(state, at, index + 1n)
    totalUnbondingStore.set(state, stakingMethod.getTotalUnbonding(state) + BigInt(entry.amount))
  },

  /** Removes and returns the unlocks due at `height` (also from each staker's list), in queue order. */
  takeDueUnbondings(state: StateWriter, height: number): UnbondingRecord[] {
    const at = heightId(height)
    const count = unbondingCountStore.get(state, at) ?? 0n
    if (count === 0n) return []
    const due: UnbondingRecord[] = []
    let released = 0n
    for (let i = 0n; i < count; i++) {
      const id = unbondingId(height, i)
      const e = unbondingAtStore.get(state, id)
      if (e === undefined) throw new Error(`unbonding ${id} missing`)
      due.push(e)
      released += BigInt(e.amount)
      unbondingAtStore.delete(state, id)
      unbondingByStakerStore.delete(state, `${e.staker}/${id}`)
    }
    unbondingCountStore.delete(state, at)
    totalUnbondingStore.set(state, stakingMethod.getTotalUnbonding(state) - released)
    return due
  },

  /** A staker's pending unlocks by release height (a key scan: for queries, not the hot path). */
  unbondingsOf(state: StateReader, staker: string): UnbondingRecord[] {
    const prefix = `${unbondingByStakerStore.prefix}${staker}/`
    return state
      .keys(prefix)
      .map((k) => unbondingByStakerStore.get(state, k.slice(unbondingByStakerStore.prefix.length))!)
  },

  /** How many nodes are registered (a key scan: for invariants, not the hot path). */
  countNodes(state: StateReader): bigint {
    return BigInt(state.keys(nodeStore.prefix).length)
  },

  /** How many nodes are active at `height` (a scan of every node: for invariants, not the hot path). */
  countActiveNodes(state: StateReader, height: number): bigint {
    const params = stakingMethod.getParams(state)
    let n = 0n
    for (const [, node] of nodeStore.entries(state)) {
      if (stakingMethod.statusOf(node, height, params) === 'active') n++
    }
    return n
  },

  /** Every registered node as an election candidate, judged at `height`. Linear in the state. */
  candidates(state: StateReader, height: number): ElectionCandidate[] {
    return nodeStore.entries(state).map(([, n]) => ({
      nodeId: n.nodeId,
      stake: BigInt(n.locked),
      registeredHeight: Number(n.registeredHeight),
      jailed: BigInt(n.jailedUntil) > BigInt(height),
    }))
  },

  /** The election over `state` for `height`: node ids in rank order. */
  elect(state: StateReader, height: number): string[] {
    const p = stakingMethod.getParams(state)
    return electSuperNodes(stakingMethod.candidates(state, height), {
      maxSuperNodes: p.maxSuperNodes,
      minStake: p.minNodeLock,
    }).map((c) => c.nodeId)
  },

  /** The election period a slot belongs to. */
  periodOf(state: StateReader, slot: number): number {
    return Math.floor(slot / periodSlots(stakingMethod.getParams(state)))
  },

  /**
   * The super nodes that schedule a block at `slot` whose parent state is `state`: the stored set
   * while the period lasts; at a new period, a fresh election over the parent state (the
   * snapshot at the end of the previous period). If nobody is electable the old set stays, so
   * the chain never loses its producers.
   */
  superNodesFor(
    state: StateReader,
    height: number,
    slot: number,
  ): { period: number; nodeIds: string[]; elected: boolean } {
    const stored = superNodesStore.get(state)
    const period = stakingMethod.periodOf(state, slot)
    const storedPeriod = stored === undefined ? -1 : Number(stored.period)
    if (period <= storedPeriod && stored !== undefined)
      return { period: storedPeriod, nodeIds: stored.nodeIds, elected: false }
    const elected = stakingMethod.elect(state, height)
    if (elected.length === 0) return { period, nodeIds: stored?.nodeIds ?? [], elected: false }
    return { period, nodeIds: elected, elected: true }
  },
}
