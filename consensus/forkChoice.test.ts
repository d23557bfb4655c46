import { describe, expect, test } from '@jest/globals'
import { type ForkChoiceDecision, forkChoice, type OurChain, type PeerBranch } from './forkChoice.js'

/** Our chain: final block 10, head 20. */
const ours: OurChain = { finalHeight: 10, finalHash: new Uint8Array(32).fill(0xab), headHeight: 20 }

interface Case {
  name: string
  theirs: PeerBranch
  ours?: Partial<OurChain>
  want: ForkChoiceDecision['decision']
  /** for a switch: the height our chain is reverted to */
  revertTo?: number
  /** a part of the reason */
  because: string
}

const CASES: Case[] = [
  {
    name: 'longer branch, nobody final above the fork: switch',
    theirs: { forkHeight: 15, finalHeight: 10, headHeight: 21 },
    want: 'switch',
    revertTo: 15,
    because: 'longer',
  },
  {
    name: 'shorter branch whose final block is above the fork: switch (ours can never be final)',
    theirs: { forkHeight: 15, finalHeight: 16, headHeight: 18 },
    want: 'switch',
    revertTo: 15,
    because: 'above the fork',
  },
  {
    name: 'branch parting exactly at our final block, longer: switch, reverting down to it',
    theirs: { forkHeight: 10, finalHeight: 10, headHeight: 25 },
    want: 'switch',
    revertTo: 10,
    because: 'longer',
  },
  {
    name: 'branch that extends our head (fork at the head), longer: switch with nothing to revert',
    theirs: { forkHeight: 20, finalHeight: 10, headHeight: 22 },
    want: 'switch',
    revertTo: 20,
    because: 'longer',
  },
  {
    name: 'as long as ours, final block at the fork: stay',
    theirs: { forkHeight: 15, finalHeight: 15, headHeight: 20 },
    want: 'stay',
    because: 'not better',
  },
  {
    name: 'shorter, final block below the fork: stay',
    theirs: { forkHeight: 15, finalHeight: 12, headHeight: 17 },
    want: 'stay',
    because: 'not better',
  },
  {
    name: 'a peer that is behind, on our final block: stay',
    theirs: { forkHeight: 10, finalHeight: 0, headHeight: 11 },
    want: 'stay',
    because: 'not better',
  },
  {
    name: 'branch parting below our final block: refuse, however long',
    theirs: { forkHeight: 9, finalHeight: 9, headHeight: 100 },
    want: 'refuse',
    because: 'below our final block 10 (abababababababab…)',
  },
  {
    name: 'no common block at or above our final block: refuse, even with a higher final block',
    theirs: { forkHeight: undefined, finalHeight: 50, headHeight: 60 },
    want: 'refuse',
    because: 'a final block is never reverted',
  },
  {
    name: 'fresh chain (final block genesis): a longer branch from genesis is taken',
    ours: { finalHeight: 0, headHeight: 3 },
    theirs: { forkHeight: 0, finalHeight: 0, headHeight: 4 },
    want: 'switch',
    revertTo: 0,
    because: 'longer',
  },
]

describe('forkChoice', () => {
  test.each(CASES)('$name', (c) => {
    const d = forkChoice({ ...ours, ...c.ours }, c.theirs)
    expect(d.decision).toBe(c.want)
    expect(d.reason).toContain(c.because)
    if (d.decision === 'switch') expect(d.revertTo).toBe(c.revertTo)
  })

  test('below our final block: always refused; a switch reverts to the fork; staying means not better', () => {
    for (let fork = 0; fork <= 20; fork++) {
      for (let theirFinal = 0; theirFinal <= 25; theirFinal += 5) {
        for (let theirHead = fork; theirHead <= 25; theirHead++) {
          const d = forkChoice(ours, { forkHeight: fork, finalHeight: theirFinal, headHeight: theirHead })
          const at = `fork ${fork}, their final ${theirFinal}, their head ${theirHead}`
          if (fork < ours.finalHeight) expect({ at, d: d.decision }).toEqual({ at, d: 'refuse' })
          if (d.decision === 'switch') expect({ at, revertTo: d.revertTo }).toEqual({ at, revertTo: fork })
          if (d.decision === 'stay') {
            expect({ at, better: theirFinal > fork || theirHead > ours.headHeight }).toEqual({
              at,
              better: false,
            })
          }
        }
      }
    }
  })
})
