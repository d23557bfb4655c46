import { checkSum, type Invariant } from '../../chain/invariants.js'
import type { StateReader } from '../../chain/store/types.js'
import { emptyTally, VOTE_OPTIONS, type VoteOption } from './logic/tally.js'
import { GOVERNANCE_ACCOUNT, governanceMethod } from './method.js'
import {
  depositStore,
  depositsHeldStore,
  endsAtStore,
  heightId,
  proposalId,
  proposalStore,
  tallyStore,
  voterOpenStore,
  voteStore,
} from './stores/index.js'
import type { GovernanceStakingView } from './types.js'

/** At most this many mismatches are listed. */
const MAX_LISTED = 5

const listed = (bad: string[]): string[] => [
  ...bad.slice(0, MAX_LISTED),
  ...(bad.length > MAX_LISTED ? [`and ${bad.length - MAX_LISTED} more`] : []),
]

/**
 * The governance rules over its own stores, reading the voters' locks through `staking` and the
 * module account's balance through `balanceOf`: the deposits held are the sum over the open
 * proposals, and the module account holds them; each running tally is a full recount of its
 * votes × the voters' locks now; the open proposals are counted and queued. Linear in the
 * governance state.
 */
export function governanceInvariants(
  staking: GovernanceStakingView,
  balanceOf: (state: StateReader, address: string) => bigint,
): Invariant[] {
  return [
    {
      name: 'governance.deposits',
      check(state: StateReader): string[] {
        const held = depositsHeldStore.get(state) ?? 0n
        const records = depositStore.entries(state).reduce((s, [, a]) => s + a, 0n)
        const bad: string[] = []
        let proposals = 0n
        const byProposal = new Map<string, bigint>()
        for (const [id, a] of depositStore.entries(state)) {
          const p = id.slice(0, id.indexOf('/'))
          byProposal.set(p, (byProposal.get(p) ?? 0n) + a)
        }
        for (const [id, p] of proposalStore.entries(state)) {
          if (p.status !== 'deposit' && p.status !== 'voting') {
            if (byProposal.has(id)) bad.push(`proposal ${p.id} ended (${p.status}) but still holds deposits`)
            continue
          }
          proposals += BigInt(p.totalDeposit)
          const own = byProposal.get(id) ?? 0n
          if (own !== BigInt(p.totalDeposit))
            bad.push(
              `proposal ${p.id} records ${p.totalDeposit} ugat deposited but its deposits sum to ${own} ugat`,
            )
        }
        const balance = balanceOf(state, GOVERNANCE_ACCOUNT)
        if (balance < held)
          bad.push(
            `the governance account ${GOVERNANCE_ACCOUNT} holds ${balance} ugat, less than the ${held} ugat of deposits`,
          )
        return [
          ...checkSum({ depositsHeld: held }, { 'sum of deposits': records }, 'ugat'),
          ...checkSum({ depositsHeld: held }, { "sum of open proposals' deposits": proposals }, 'ugat'),
          ...listed(bad),
        ]
      },
    },
    {
      name: 'governance.tally',
      check(state: StateReader): string[] {
        const bad: string[] = []
        const recount = new Map<string, Record<VoteOption, bigint>>()
        for (const [id] of tallyStore.entries(state)) recount.set(id, emptyTally())
        for (const [key, option] of voteStore.entries(state)) {
          const cut = key.indexOf('/')
          const t = recount.get(key.slice(0, cut))
          if (t === undefined) continue
          const voter = key.slice(cut + 1)
          t[option as VoteOption] += staking.lockedOf(state, voter)
          // a lock change finds the proposals to adjust through the voter's list
          if (!(voterOpenStore.get(state, voter)?.ids ?? []).includes(BigInt(key.slice(0, cut)).toString()))
            bad.push(
              `${voter} voted on proposal ${BigInt(key.slice(0, cut))} but it is not in the voter's open votes`,
            )
        }
        for (const [id, counted] of recount) {
          const running = governanceMethod.getTally(state, BigInt(id))
          for (const o of VOTE_OPTIONS)
            if (running[o] !== counted[o])
              bad.push(
                `proposal ${BigInt(id)} tallies ${running[o]} ugat ${o} but its votes × locks recount to ${counted[o]} ugat`,
              )
          if (governanceMethod.getProposal(state, BigInt(id))?.status !== 'voting')
            bad.push(`proposal ${BigInt(id)} has a running tally but is not voting`)
        }
        return listed(bad)
      },
    },
    {
      name: 'governance.open',
      check(state: StateReader): string[] {
        const bad: string[] = []
        let open = 0
        for (const [, p] of proposalStore.entries(state)) {
          const end =
            p.status === 'deposit'
              ? Number(p.depositEndHeight)
              : p.status === 'voting'
                ? Number(p.votingEndHeight)
                : -1
          if (end < 0) continue
          open++
          if (!(endsAtStore.get(state, heightId(end))?.ids ?? []).includes(p.id))
            bad.push(`proposal ${p.id} (${p.status}) ends at ${end} but is not queued there`)
          if (p.status === 'voting' && !tallyStore.has(state, proposalId(p.id)))
            bad.push(`proposal ${p.id} is voting without a running tally`)
        }
        const counted = governanceMethod.openCount(state)
        if (counted !== open) bad.push(`openCount is ${counted} but ${open} proposals are open`)
        return listed(bad)
      },
    },
  ]
}
