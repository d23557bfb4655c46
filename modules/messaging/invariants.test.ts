import { describe, expect, test } from '@jest/globals'
import { CommittedState } from '../../chain/store/committedState.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import { paddedId } from '../../chain/store/typedStore.js'
import { messagingInvariants } from './invariants.js'
import { messagingMethod } from './method.js'
import { type GroupRecord, gatedStore, groupByOwnerStore, groupStore } from './stores/index.js'

const check = (state: StateOverlay): string[] => messagingInvariants.flatMap((i) => i.check(state))

function group(over: Partial<GroupRecord> = {}): Omit<GroupRecord, 'id'> {
  return {
    owner: 'gat1owner',
    name: 'g',
    producers: ['aa'.repeat(32), 'bb'.repeat(32), 'cc'.repeat(32)],
    threshold: 2,
    policy: {
      maxMembers: 100,
      minGatBalance: '0',
      parentGroup: '0',
      membersMayBefriend: false,
      checkpointInterval: 100,
      private: false,
    },
    createdHeight: '1',
    updatedHeight: '1',
    frozen: false,
    lastCheckpointHeight: '0',
    checkpointCount: '0',
    ...over,
  }
}

describe('messaging invariants', () => {
  test('hold for groups, children, gates and checkpoints written through messagingMethod', () => {
    const state = new StateOverlay(CommittedState.empty())
    const a = messagingMethod.addGroup(state, group())
    const b = messagingMethod.addGroup(
      state,
      group({
        policy: {
          maxMembers: 5,
          minGatBalance: '7',
          parentGroup: a,
          membersMayBefriend: true,
          checkpointInterval: 100,
          private: false,
        },
      }),
    )
    const cp = (h: number) => ({
      groupId: b,
      height: String(h),
      blockHash: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      accumulatorRoot: new Uint8Array(32),
      signers: ['aa'.repeat(32)],
      anchoredHeight: '3',
      submitter: 'gat1s',
    })
    messagingMethod.putCheckpoint(state, cp(4))
    messagingMethod.putCheckpoint(state, cp(9))
    const gb = messagingMethod.getGroup(state, b)!
    messagingMethod.putGroup(state, gb, { ...gb, lastCheckpointHeight: '9', checkpointCount: '2' })
    expect(check(state)).toEqual([])
    // moving b to the root and un-gating it keeps the indexes right
    const gb2 = messagingMethod.getGroup(state, b)!
    messagingMethod.putGroup(state, gb2, {
      ...gb2,
      owner: 'gat1new',
      policy: { ...gb2.policy, parentGroup: '0', minGatBalance: '0' },
    })
    expect(check(state)).toEqual([])
    expect(gatedStore.entries(state)).toEqual([])
  })

  test('name each broken rule', () => {
    const state = new StateOverlay(CommittedState.empty())
    const a = messagingMethod.addGroup(state, group())
    groupByOwnerStore.delete(state, `gat1owner/${paddedId(a)}`)
    gatedStore.set(state, paddedId(a), 5n)
    const g = groupStore.get(state, paddedId(a))!
    groupStore.set(state, paddedId(a), { ...g, threshold: 1, frozen: true, lastCheckpointHeight: '3' })
    expect(check(state)).toEqual([
      "group 1 is missing from its owner's index",
      'group 1 gates at 0 but the index says 5',
      'group 1 records 0 checkpoints up to 3, 0 are stored up to 0',
      'group 1 frozen=true but unresolved evidence=false',
      'group 1 has threshold 1 for 3 producers',
    ])
  })
})
