import { describe, expect, test } from '@jest/globals'
import type { ExecContext } from '../../../chain/stateMachine.js'
import { CommittedState } from '../../../chain/store/committedState.js'
import { StateOverlay } from '../../../chain/store/overlay.js'
import { tokenGenesisSchema } from '../genesis.js'
import {
  blockMint,
  dayOfHeight,
  LAST_ISSUANCE_DAY,
  TOTAL_ISSUANCE,
  totalMintedThroughDay,
  totalMintedThroughHeight,
} from '../logic/emission.js'
import { MINT_CAP_UGAT, tokenMethod } from '../method.js'
import { tokenModule } from '../module.js'
import { getBlocksPerDay, tokenParams } from '../params.js'
import { blocksPerDayStore, mintedStore, rewardPoolStore } from '../stores/index.js'
import { applyBlockMint } from './mint.js'

type Event = { type: string; attributes: Record<string, string> }

/** A fresh state after the token genesis with `blocksPerDay`. */
function genesisState(blocksPerDay?: number): StateOverlay {
  const state = new StateOverlay(CommittedState.empty())
  tokenModule.initGenesis!(
    { chainId: 'test', genesisTimeMs: 0, state, emit: () => {} },
    { params: blocksPerDay === undefined ? {} : { blocksPerDay }, accounts: [] },
    {},
  )
  return state
}

/** Runs the token module's afterTransactions hook for `height`; returns its events. */
function runBlock(state: StateOverlay, height: number): Event[] {
  const events: Event[] = []
  const ctx: ExecContext = {
    block: { chainId: 'test', height, slot: height, timeMs: 0, proposer: new Uint8Array(0) },
    state,
    emit: (e) =>
      events.push({
        type: e.type,
        attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])),
      }),
  }
  tokenModule.afterTransactions!(ctx)
  return events
}

/** Puts the counters where the chain would be after block `height` (a jump, not millions of blocks). */
function jumpTo(state: StateOverlay, height: number, blocksPerDay: number): void {
  const minted = totalMintedThroughHeight(height, blocksPerDay)
  mintedStore.set(state, minted)
  rewardPoolStore.set(state, minted)
}

describe('minting in block execution', () => {
  test('genesis stores blocksPerDay (default 43,200) and zero counters', () => {
    expect(getBlocksPerDay(genesisState())).toBe(43_200)
    expect(getBlocksPerDay(genesisState(5))).toBe(5)
    expect(blocksPerDayStore.key).toBe('token/params/blocksPerDay')
    expect(mintedStore.get(genesisState())).toBe(0n)
    expect(tokenMethod.getRewardPool(genesisState())).toBe(0n)
    // A state written before the parameter existed reads the default.
    expect(getBlocksPerDay(new StateOverlay(CommittedState.empty()))).toBe(43_200)
  })

  test('the reward pool the hook writes is the one the token method (supply, invariants) reads', () => {
    const state = genesisState(5)
    runBlock(state, 1)
    expect(rewardPoolStore.key).toBe('token/rewardPool')
    expect(tokenMethod.getRewardPool(state)).toBe(rewardPoolStore.get(state))
    expect(TOTAL_ISSUANCE).toBe(MINT_CAP_UGAT)
  })

  test.each([43_200, 7, 1])(
    'blocks around the day boundaries (%i blocks a day) mint their share',
    (blocksPerDay) => {
      for (const day of [0, 1, 1_459, 1_460, 2_920, 4_380, LAST_ISSUANCE_DAY]) {
        const first = day * blocksPerDay + 1
        const state = genesisState(blocksPerDay)
        jumpTo(state, Math.max(first - 2, 0), blocksPerDay)
        for (let h = Math.max(1, first - 1); h <= first + 1; h++) {
          const before = mintedStore.get(state)!
          const events = runBlock(state, h)
          const amount = blockMint(h, blocksPerDay)
          // Nothing minted (after the last day): no event either.
          const expected =
            amount === 0n
              ? []
              : [
                  {
                    type: 'token.minted',
                    attributes: {
                      height: String(h),
                      day: String(dayOfHeight(h, blocksPerDay)),
                      amount: amount.toString(),
                    },
                  },
                ]
          expect({ h, events }).toEqual({ h, events: expected })
          expect({ h, minted: mintedStore.get(state) }).toEqual({ h, minted: before + amount })
          expect({ h, pool: rewardPoolStore.get(state) }).toEqual({ h, pool: before + amount })
          expect({ h, minted: mintedStore.get(state) }).toEqual({
            h,
            minted: totalMintedThroughHeight(h, blocksPerDay),
          })
        }
      }
    },
  )

  test('the last block of the last day reaches exactly 90,000,000 GAT; later blocks mint nothing and write nothing', () => {
    const blocksPerDay = 43_200
    const lastBlock = (LAST_ISSUANCE_DAY + 1) * blocksPerDay
    const state = genesisState(blocksPerDay)
    jumpTo(state, lastBlock - 2, blocksPerDay)
    expect(runBlock(state, lastBlock - 1)).toHaveLength(1)
    expect(mintedStore.get(state)).toBeLessThan(TOTAL_ISSUANCE)
    expect(runBlock(state, lastBlock)[0]?.attributes.day).toBe(String(LAST_ISSUANCE_DAY))
    expect(mintedStore.get(state)).toBe(TOTAL_ISSUANCE)
    expect(mintedStore.get(state)).toBe(totalMintedThroughDay(LAST_ISSUANCE_DAY))
    for (const h of [lastBlock + 1, lastBlock + blocksPerDay, lastBlock * 3]) {
      const mark = state.snapshot()
      expect({ h, events: runBlock(state, h) }).toEqual({ h, events: [] })
      expect({ h, writes: state.snapshot() - mark }).toEqual({ h, writes: 0 })
    }
    expect(mintedStore.get(state)).toBe(TOTAL_ISSUANCE)
    expect(rewardPoolStore.get(state)).toBe(TOTAL_ISSUANCE)
  })

  test('the cap holds even if the counter is ahead of the schedule', () => {
    const state = genesisState(1)
    mintedStore.set(state, TOTAL_ISSUANCE - 5n)
    const events = runBlock(state, 1) // the schedule says 20,000 GAT
    expect(events[0]?.attributes.amount).toBe('5')
    expect(mintedStore.get(state)).toBe(TOTAL_ISSUANCE)
    expect(runBlock(state, 2)).toEqual([])
    expect(
      applyBlockMint({
        block: { chainId: 't', height: 3, slot: 3, timeMs: 0, proposer: new Uint8Array(0) },
        state,
        emit: () => {},
      }),
    ).toBe(0n)
    expect(mintedStore.get(state)).toBe(TOTAL_ISSUANCE)
  })
})

describe('the blocksPerDay parameter', () => {
  test.each([0, -1, 1.5, 1_000_000_001])('genesis refuses blocksPerDay %p', (blocksPerDay) => {
    expect(() => tokenParams.parse({ blocksPerDay })).toThrow(
      expect.objectContaining({
        code: 'GENESIS_INVALID',
        message: expect.stringMatching(/modules\.token\.params\.blocksPerDay/),
      }),
    )
    expect(tokenGenesisSchema.safeParse({ params: { blocksPerDay }, accounts: [] }).success).toBe(false)
  })

  test('genesis accepts 1 and the maximum, and exports what it stored', () => {
    expect(tokenParams.parse({ blocksPerDay: 1 }).blocksPerDay).toBe(1)
    expect(tokenParams.parse({ blocksPerDay: 1_000_000_000 }).blocksPerDay).toBe(1_000_000_000)
    expect(tokenParams.parse(undefined)).toEqual({
      minFee: 1_000n,
      blocksPerDay: 43_200,
      superNodeRewardLockDays: 730,
    })
    expect(tokenGenesisSchema.safeParse({ params: { blocksPerDay: 5 }, accounts: [] }).success).toBe(true)
    const exported = tokenModule.exportGenesis!(genesisState(5)) as { params: { blocksPerDay: number } }
    expect(exported.params.blocksPerDay).toBe(5)
  })
})
