import { describe, expect, test } from '@jest/globals'
import { CommittedState } from '../../chain/store/committedState.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import { identityInvariants } from './invariants.js'
import { identityMethod } from './method.js'
import { identityParams } from './params.js'
import { gidByAddressStore, nextGidStore } from './stores/index.js'

const check = (state: StateOverlay): string[] => identityInvariants.flatMap((i) => i.check(state))

describe('identity state', () => {
  test('the next free GID steps over numbers taken by choice, and its start only moves up', () => {
    const state = new StateOverlay(CommittedState.empty())
    expect(identityMethod.nextFreeGid(state)).toBe(1n)
    // chosen numbers ahead of the start: 2, 3 and 5
    identityMethod.bind(state, 2n, 'gat1a', 1)
    identityMethod.bind(state, 3n, 'gat1b', 1)
    identityMethod.bind(state, 5n, 'gat1c', 1)
    expect(nextGidStore.get(state)).toBeUndefined() // 1 is still free: the start has not moved
    expect(identityMethod.nextFreeGid(state)).toBe(1n)
    identityMethod.bind(state, 1n, 'gat1d', 2)
    // binding the start walks it past 2 and 3 once; 4 is next
    expect(nextGidStore.get(state)).toBe(4n)
    expect(identityMethod.nextFreeGid(state)).toBe(4n)
    identityMethod.bind(state, 4n, 'gat1e', 2)
    expect(nextGidStore.get(state)).toBe(6n)
    expect(identityMethod.count(state)).toBe(5n)
    expect(check(state)).toEqual([])
  })

  test('a move re-indexes the address; the invariant sees a broken index', () => {
    const state = new StateOverlay(CommittedState.empty())
    identityMethod.bind(state, 7n, 'gat1a', 1)
    identityMethod.move(state, 7n, 'gat1b', 3)
    expect(identityMethod.gidOf(state, 'gat1a')).toBeUndefined()
    expect(identityMethod.gidOf(state, 'gat1b')).toBe(7n)
    expect(identityMethod.getGid(state, 7n)).toMatchObject({
      owner: 'gat1b',
      registeredHeight: '1',
      transferredHeight: '3',
    })
    expect(check(state)).toEqual([])
    gidByAddressStore.set(state, 'gat1c', 7n)
    expect(check(state)).toEqual(['the index gives gat1c GID 7, which it does not own'])
  })

  test('params: 1 GAT by default; a negative fee is refused', () => {
    expect(identityParams.defaults()).toEqual({ registrationFee: 1_000_000n })
    expect(identityParams.parse(identityParams.toJson(identityParams.defaults()))).toEqual(
      identityParams.defaults(),
    )
    expect(() => identityParams.parse({ registrationFee: '-1' })).toThrow(/registrationFee/)
  })
})
