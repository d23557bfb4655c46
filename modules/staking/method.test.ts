import { describe, expect, test } from '@jest/globals'
import { CommittedState } from '../../chain/store/committedState.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import { stakingMethod } from './method.js'
import { periodSlots, stakingParams } from './params.js'
import {
  nodeStore,
  paramsStore,
  superNodesStore,
  totalLockedStore,
  unbondingAtStore,
  unbondingByStakerStore,
  unbondingCountStore,
} from './stores/index.js'

const GAT = 1_000_000n
const id = (n: number): string => n.toString(16).padStart(2, '0').repeat(32)
const STAKER = 'gat1staker'
const OTHER = 'gat1other'

/** A staking state with params and nodes written directly (no transactions). */
function stateWith(
  nodes: { n: number; locked: bigint; height?: number; jailedUntil?: number }[],
  params: Partial<ReturnType<typeof stakingParams.defaults>> = {},
): StateOverlay {
  const state = new StateOverlay(CommittedState.empty())
  paramsStore.set(state, stakingParams.toJson({ ...stakingParams.defaults(), ...params }))
  for (const x of nodes) {
    nodeStore.set(state, id(x.n), {
      nodeId: id(x.n),
      owner: 'gat1owner',
      moniker: `n${x.n}`,
      registeredHeight: String(x.height ?? 0),
      locked: '0',
      jailedUntil: String(x.jailedUntil ?? 0),
    })
    if (x.locked > 0n) stakingMethod.changeLock(state, 'gat1owner', id(x.n), x.locked)
  }
  return state
}

describe('stakingMethod.elect over state', () => {
  test('caps at maxSuperNodes, ranks by stake, excludes inactive and jailed (jailed judged at the height)', () => {
    const state = stateWith(
      [
        { n: 1, locked: 5n * GAT },
        { n: 2, locked: 9n * GAT, jailedUntil: 100 },
        { n: 3, locked: GAT - 1n },
        { n: 4, locked: 7n * GAT },
        { n: 5, locked: 6n * GAT },
        { n: 6, locked: 6n * GAT, height: 3 },
      ],
      { maxSuperNodes: 3 },
    )
    expect(stakingMethod.elect(state, 99)).toEqual([id(4), id(5), id(6)])
    // jailed until height 100 (exclusive): from 100 on it counts again
    expect(stakingMethod.elect(state, 100)).toEqual([id(2), id(4), id(5)])
    const n2 = stakingMethod.getNode(state, id(2))!
    const p = stakingMethod.getParams(state)
    expect(stakingMethod.statusOf(n2, 99, p)).toBe('jailed')
    expect(stakingMethod.statusOf(n2, 100, p)).toBe('active')
    expect(stakingMethod.statusOf(stakingMethod.getNode(state, id(3))!, 0, p)).toBe('inactive')
  })

  test('superNodesFor: the stored set within a period, a fresh election at a new one, the old set if nobody is electable', () => {
    const state = stateWith([{ n: 1, locked: 2n * GAT }], { maxSuperNodes: 3, electionPeriodRounds: 2 })
    expect(periodSlots(stakingMethod.getParams(state))).toBe(6)
    superNodesStore.set(state, { period: '0', nodeIds: [id(1)] })
    // a bigger node appears: not before slot 6
    nodeStore.set(state, id(2), {
      nodeId: id(2),
      owner: 'gat1owner',
      moniker: '',
      registeredHeight: '4',
      locked: '0',
      jailedUntil: '0',
    })
    stakingMethod.changeLock(state, STAKER, id(2), 3n * GAT)
    for (const slot of [0, 5]) {
      expect(stakingMethod.periodOf(state, slot)).toBe(0)
      expect(stakingMethod.superNodesFor(state, 5, slot)).toEqual({
        period: 0,
        nodeIds: [id(1)],
        elected: false,
      })
    }
    expect(stakingMethod.superNodesFor(state, 5, 6)).toEqual({
      period: 1,
      nodeIds: [id(2), id(1)],
      elected: true,
    })
    // slots skipped past several periods: still one election, for the slot's period
    expect(stakingMethod.superNodesFor(state, 5, 20).period).toBe(3)
    // nobody electable: keep the old set rather than halt
    stakingMethod.changeLock(state, STAKER, id(2), -3n * GAT)
    stakingMethod.changeLock(state, 'gat1owner', id(1), -2n * GAT)
    expect(stakingMethod.superNodesFor(state, 5, 6)).toEqual({ period: 1, nodeIds: [id(1)], elected: false })
  })
})

describe('stakingMethod locks and unbonding queue', () => {
  test('changeLock keeps staker lock, node total and the global total in step; a zero lock is deleted', () => {
    const state = stateWith([{ n: 1, locked: 0n }])
    stakingMethod.changeLock(state, STAKER, id(1), 5n * GAT)
    stakingMethod.changeLock(state, OTHER, id(1), 2n * GAT)
    expect(stakingMethod.getLock(state, STAKER, id(1))).toBe(5n * GAT)
    expect(stakingMethod.getNode(state, id(1))!.locked).toBe((7n * GAT).toString())
    expect(totalLockedStore.get(state)).toBe(7n * GAT)
    stakingMethod.changeLock(state, STAKER, id(1), -5n * GAT)
    expect(stakingMethod.getLock(state, STAKER, id(1))).toBe(0n)
    expect(state.get(`staking/lock/${STAKER}/${id(1)}`)).toBeUndefined()
    expect(() => stakingMethod.changeLock(state, STAKER, id(1), -1n)).toThrow(/negative lock/)
    expect(() => stakingMethod.changeLock(state, STAKER, id(9), 1n)).toThrow(/no node/)
  })

  test('changeLock keeps the per-node index of lockers that slashing reads', () => {
    const state = stateWith([
      { n: 1, locked: 0n },
      { n: 2, locked: 0n },
    ])
    stakingMethod.changeLock(state, STAKER, id(1), 5n * GAT)
    stakingMethod.changeLock(state, OTHER, id(1), 2n * GAT)
    stakingMethod.changeLock(state, OTHER, id(2), 3n * GAT)
    expect(stakingMethod.lockersOf(state, id(1))).toEqual([
      [OTHER, 2n * GAT],
      [STAKER, 5n * GAT],
    ])
    stakingMethod.changeLock(state, OTHER, id(1), -2n * GAT)
    stakingMethod.changeLock(state, STAKER, id(1), GAT)
    expect(stakingMethod.lockersOf(state, id(1))).toEqual([[STAKER, 6n * GAT]])
    expect(state.get(`staking/lockByNode/${id(1)}/${OTHER}`)).toBeUndefined()
    expect(stakingMethod.lockersOf(state, id(2))).toEqual([[OTHER, 3n * GAT]])
  })

  test('queuing an unlock writes a constant number of keys however many share its release height', () => {
    const state = stateWith([{ n: 1, locked: 0n }])
    const entry = { staker: STAKER, nodeId: id(1), amount: '1', releaseHeight: '50' }
    for (let i = 0; i < 1_000; i++) stakingMethod.addUnbonding(state, entry)
    const before = state.snapshot()
    stakingMethod.addUnbonding(state, entry)
    // the entry, the staker's copy, the height's counter and the total: nothing is re-written
    expect(state.snapshot() - before).toBe(4)
    expect(stakingMethod.getTotalUnbonding(state)).toBe(1_001n)
    expect(stakingMethod.unbondingsOf(state, STAKER)).toHaveLength(1_001)
    expect(stakingMethod.takeDueUnbondings(state, 50)).toHaveLength(1_001)
    expect(stakingMethod.getTotalUnbonding(state)).toBe(0n)
  })

  test('unbondings are released at exactly their height, each once, also from the staker list', () => {
    const state = stateWith([
      { n: 1, locked: 0n },
      { n: 2, locked: 0n },
    ])
    const e = (staker: string, n: number, amount: bigint, h: number) => ({
      staker,
      nodeId: id(n),
      amount: amount.toString(),
      releaseHeight: String(h),
    })
    stakingMethod.addUnbonding(state, e(STAKER, 1, 5n, 10))
    stakingMethod.addUnbonding(state, e(STAKER, 1, 5n, 10)) // an identical twin
    stakingMethod.addUnbonding(state, e(STAKER, 2, 7n, 11))
    stakingMethod.addUnbonding(state, e(OTHER, 1, 3n, 10))
    expect(stakingMethod.getTotalUnbonding(state)).toBe(20n)
    expect(stakingMethod.takeDueUnbondings(state, 9)).toEqual([])
    expect(stakingMethod.takeDueUnbondings(state, 10)).toEqual([
      e(STAKER, 1, 5n, 10),
      e(STAKER, 1, 5n, 10),
      e(OTHER, 1, 3n, 10),
    ])
    expect(stakingMethod.getTotalUnbonding(state)).toBe(7n)
    expect(stakingMethod.takeDueUnbondings(state, 10)).toEqual([])
    expect(stakingMethod.unbondingsOf(state, STAKER)).toEqual([e(STAKER, 2, 7n, 11)])
    expect(stakingMethod.unbondingsOf(state, OTHER)).toEqual([])
    expect(stakingMethod.takeDueUnbondings(state, 11)).toEqual([e(STAKER, 2, 7n, 11)])
    expect(stakingMethod.unbondingsOf(state, STAKER)).toEqual([])
    expect(stakingMethod.getTotalUnbonding(state)).toBe(0n)
    // every key of the queue is gone: no leftovers in the state
    expect(unbondingAtStore.entries(state)).toEqual([])
    expect(unbondingByStakerStore.entries(state)).toEqual([])
    expect(unbondingCountStore.entries(state)).toEqual([])
  })
})

describe('staking params', () => {
  test('defaults follow docs/protocol/consensus.md and bad values are refused naming the field', () => {
    const d = stakingParams.defaults()
    expect(d).toMatchObject({
      maxSuperNodes: 21,
      minNodeLock: GAT,
      maxNodeLock: 2_000n * GAT,
      electionPeriodRounds: 1,
    })
    expect(d.unbondingBlocks).toBe(7 * 43_200)
    expect(stakingParams.parse(stakingParams.toJson(d))).toEqual(d)
    expect(() => stakingParams.parse({ maxSuperNodes: 0 })).toThrow(/modules\.staking\.params\.maxSuperNodes/)
    expect(() => stakingParams.parse({ minNodeLock: '5', maxNodeLock: '4' })).toThrow(/maxNodeLock/)
    expect(() => stakingParams.parse({ unbondingBlocks: 0 })).toThrow(/unbondingBlocks/)
    expect(() => stakingParams.parse({ electionPeriodRounds: 1.5 })).toThrow(/electionPeriodRounds/)
  })

  test('evidence params: 7 days of jail, 5 % slashed, evidence up to a day old; bad values refused', () => {
    expect(stakingParams.defaults()).toMatchObject({
      jailBlocks: 7 * 43_200,
      slashFractionBps: 500,
      evidenceMaxAgeBlocks: 43_200,
    })
    expect(stakingParams.parse({ slashFractionBps: 0 }).slashFractionBps).toBe(0)
    expect(stakingParams.parse({ slashFractionBps: 10_000 }).slashFractionBps).toBe(10_000)
    for (const [raw, field] of [
      [{ jailBlocks: 0 }, 'jailBlocks'],
      [{ jailBlocks: 2.5 }, 'jailBlocks'],
      [{ slashFractionBps: -1 }, 'slashFractionBps'],
      [{ slashFractionBps: 10_001 }, 'slashFractionBps'],
      [{ slashFractionBps: 0.5 }, 'slashFractionBps'],
      [{ evidenceMaxAgeBlocks: 0 }, 'evidenceMaxAgeBlocks'],
    ] as const) {
      expect(() => stakingParams.parse(raw)).toThrow(new RegExp(`modules\\.staking\\.params\\.${field}`))
    }
  })
})
