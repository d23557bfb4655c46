import { ChainError } from '../../chain/errors.js'
import type { ExecContext } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { TokenErrorCode } from './errors.js'
import { tokenEvents } from './events.js'
import { dayOfHeight } from './logic/emission.js'
import {
  allocate,
  type Position,
  pendingOf,
  type Stream,
  settle,
  splitByBlocks,
  splitDay,
} from './logic/rewards.js'
import { tokenMethod } from './method.js'
import { getBlocksPerDay, getSuperNodeRewardLockDays } from './params.js'
import {
  nodeStreamStore,
  nodesWaitingStore,
  type RewardAccountRecord,
  type RewardStreamRecord,
  rewardAccountStore,
  rewardPoolStore,
  rewardsOutstandingStore,
  rewardsSuperLockedStore,
  rewardsUnclaimedStore,
  stakerStreamStore,
  stakersWaitingStore,
} from './stores/index.js'

/** A producer of the day's blocks and the account its super-node reward goes to. */
export interface DayProducer {
  nodeId: string
  owner: string
  blocks: bigint
}

/** An account's rewards as the chain holds them, decoded. */
export interface RewardAccount {
  stake: Position
  nodes: Position
  unclaimed: bigint
  superLocked: bigint
}

const EMPTY_STREAM: Stream = { acc: 0n, carry: 0n, totalShares: 0n }
const emptyPosition = (): Position => ({ shares: 0n, debt: 0n, frac: 0n })

function decodeStream(r: RewardStreamRecord | undefined): Stream {
  return r === undefined
    ? EMPTY_STREAM
    : { acc: BigInt(r.acc), carry: BigInt(r.carry), totalShares: BigInt(r.totalShares) }
}

function encodeStream(s: Stream): RewardStreamRecord {
  return { acc: s.acc.toString(), carry: s.carry.toString(), totalShares: s.totalShares.toString() }
}

function decodeAccount(r: RewardAccountRecord | undefined): RewardAccount {
  if (r === undefined)
    return { stake: emptyPosition(), nodes: emptyPosition(), unclaimed: 0n, superLocked: 0n }
  return {
    stake: { shares: BigInt(r.stakeShares), debt: BigInt(r.stakeDebt), frac: BigInt(r.stakeFrac) },
    nodes: { shares: BigInt(r.nodeShares), debt: BigInt(r.nodeDebt), frac: BigInt(r.nodeFrac) },
    unclaimed: BigInt(r.unclaimed),
    superLocked: BigInt(r.superLocked),
  }
}

function isEmpty(a: RewardAccount): boolean {
  return (
    a.stake.shares === 0n &&
    a.stake.frac === 0n &&
    a.nodes.shares === 0n &&
    a.nodes.frac === 0n &&
    a.unclaimed === 0n &&
    a.superLocked === 0n
  )
}

function writeAccount(state: StateWriter, address: string, a: RewardAccount): void {
  if (isEmpty(a)) {
    rewardAccountStore.delete(state, address)
    return
  }
  rewardAccountStore.set(state, address, {
    stakeShares: a.stake.shares.toString(),
    stakeDebt: a.stake.debt.toString(),
    stakeFrac: a.stake.frac.toString(),
    nodeShares: a.nodes.shares.toString(),
    nodeDebt: a.nodes.debt.toString(),
    nodeFrac: a.nodes.frac.toString(),
    unclaimed: a.unclaimed.toString(),
    superLocked: a.superLocked.toString(),
  })
}

const addTo = (state: StateWriter, store: typeof rewardsUnclaimedStore, delta: bigint): void => {
  const next = (store.get(state) ?? 0n) + delta
  if (next < 0n) throw new Error(`${store.key} would go negative`)
  if (next === 0n) store.delete(state)
  else store.set(state, next)
}

/**
 * Rewards (docs/protocol/economics.md): the end-of-day split of the reward pool, the two reward-per-share streams,
 * super-node rewards and claims. Every operation is O(1) in the number of nodes and stakers;
 * the end of a day is O(producers of that day).
 */
export const rewardsMethod = {
  nodeStream: (state: StateReader): Stream => decodeStream(nodeStreamStore.get(state)),
  stakerStream: (state: StateReader): Stream => decodeStream(stakerStreamStore.get(state)),
  account: (state: StateReader, address: string): RewardAccount =>
    decodeAccount(rewardAccountStore.get(state, address)),
  outstanding: (state: StateReader): bigint => rewardsOutstandingStore.get(state) ?? 0n,
  unclaimedTotal: (state: StateReader): bigint => rewardsUnclaimedStore.get(state) ?? 0n,
  superLockedTotal: (state: StateReader): bigint => rewardsSuperLockedStore.get(state) ?? 0n,
  /** The part of the reward pool waiting for a stream with shares (see nodesWaitingStore). */
  waiting: (state: StateReader): { nodes: bigint; stakers: bigint } => ({
    nodes: nodesWaitingStore.get(state) ?? 0n,
    stakers: stakersWaitingStore.get(state) ?? 0n,
  }),

  /** The first day on which locked super-node rewards can be claimed. */
  lockDays: (state: StateReader): number => getSuperNodeRewardLockDays(state),

  /** Moves what the account earned in both streams into its `unclaimed`; returns the record. */
  settleAccount(state: StateWriter, address: string): RewardAccount {
    const a = rewardsMethod.account(state, address)
    const s = settle(a.stake, rewardsMethod.stakerStream(state).acc)
    const n = settle(a.nodes, rewardsMethod.nodeStream(state).acc)
    const owed = s.owed + n.owed
    const settled = { ...a, stake: s.position, nodes: n.position, unclaimed: a.unclaimed + owed }
    if (owed > 0n) {
      addTo(state, rewardsOutstandingStore, -owed)
      addTo(state, rewardsUnclaimedStore, owed)
    }
    return settled
  },

  /** The account's locked ugat changes by `delta` (settles first: past rewards at the old stake). */
  changeStake(state: StateWriter, address: string, delta: bigint): void {
    if (delta === 0n) return
    const a = rewardsMethod.settleAccount(state, address)
    const shares = a.stake.shares + delta
    if (shares < 0n) throw new Error(`stake shares of ${address} would go negative`)
    writeAccount(state, address, { ...a, stake: { ...a.stake, shares } })
    const stream = rewardsMethod.stakerStream(state)
    stakerStreamStore.set(state, encodeStream({ ...stream, totalShares: stream.totalShares + delta }))
  },

  /** The number of active nodes the account owns changes by `delta` (settles first). */
  changeActiveNodes(state: StateWriter, owner: string, delta: bigint): void {
    if (delta === 0n) return
    const a = rewardsMethod.settleAccount(state, owner)
    const shares = a.nodes.shares + delta
    if (shares < 0n) throw new Error(`active nodes of ${owner} would go negative`)
    writeAccount(state, owner, { ...a, nodes: { ...a.nodes, shares } })
    const stream = rewardsMethod.nodeStream(state)
    nodeStreamStore.set(state, encodeStream({ ...stream, totalShares: stream.totalShares + delta }))
  },

  /** True when the block at `height` is the last of its day: the day's rewards are distributed after it. */
  isLastBlockOfDay(state: StateReader, height: number): boolean {
    return height > 0 && height % getBlocksPerDay(state) === 0
  },

  /**
   * The end of a day: the day's fresh issuance in the reward pool is split 30/65/5. The nodes'
   * and stakers' parts go to their streams, with whatever earlier days left waiting for them; a
   * stream without shares (no active node, nothing locked) keeps its part waiting in the pool. The
   * super nodes' part is divided by blocks produced among `producers` and credited to their
   * owners, locked before the lock day; its rounding stays in the pool for the next day.
   */
  distributeDay(ctx: ExecContext, producers: readonly DayProducer[]): void {
    const { state } = ctx
    const day = dayOfHeight(ctx.block.height, getBlocksPerDay(state))
    const pool = tokenMethod.getRewardPool(state)
    const waitingNodes = nodesWaitingStore.get(state) ?? 0n
    const waitingStakers = stakersWaitingStore.get(state) ?? 0n
    const split = splitDay(pool - waitingNodes - waitingStakers)
    const toStream = (
      stream: Stream,
      store: typeof nodeStreamStore,
      waitingStore: typeof nodesWaitingStore,
      amount: bigint,
    ): bigint => {
      if (stream.totalShares > 0n && amount > 0n) {
        store.set(state, encodeStream(allocate(stream, amount)))
        waitingStore.delete(state)
        return amount
      }
      if (amount === 0n) waitingStore.delete(state)
      else waitingStore.set(state, amount)
      return 0n
    }
    const nodes = rewardsMethod.nodeStream(state)
    const stakers = rewardsMethod.stakerStream(state)
    const toNodes = toStream(nodes, nodeStreamStore, nodesWaitingStore, split.nodes + waitingNodes)
    const toStakers = toStream(
      stakers,
      stakerStreamStore,
      stakersWaitingStore,
      split.stakers + waitingStakers,
    )
    addTo(state, rewardsOutstandingStore, toNodes + toStakers)

    const locked = day < rewardsMethod.lockDays(state)
    const { shares } = splitByBlocks(split.superNodes, producers)
    let superPaid = 0n
    for (const p of shares) {
      if (p.amount === 0n) continue
      const a = rewardsMethod.account(state, p.owner)
      writeAccount(
        state,
        p.owner,
        locked
          ? { ...a, superLocked: a.superLocked + p.amount }
          : { ...a, unclaimed: a.unclaimed + p.amount },
      )
      superPaid += p.amount
      tokenEvents.emit(ctx, 'token.super_node_reward', {
        day: String(day),
        node_id: p.nodeId,
        owner: p.owner,
        blocks: p.blocks.toString(),
        amount: p.amount.toString(),
        locked: String(locked),
      })
    }
    addTo(state, locked ? rewardsSuperLockedStore : rewardsUnclaimedStore, superPaid)
    const left = pool - toNodes - toStakers - superPaid
    if (left === 0n) rewardPoolStore.delete(state)
    else rewardPoolStore.set(state, left)
    tokenEvents.emit(ctx, 'token.rewards_distributed', {
      day: String(day),
      issued: (split.nodes + split.stakers + split.superNodes).toString(),
      nodes: toNodes.toString(),
      active_nodes: nodes.totalShares.toString(),
      stakers: toStakers.toString(),
      locked_ugat: stakers.totalShares.toString(),
      super_nodes: superPaid.toString(),
      pool_left: left.toString(),
    })
  },

  /**
   * What the account could claim now and what waits: pending stream rewards, settled unclaimed,
   * and super-node rewards (claimable from the lock day on).
   */
  rewardsOf(state: StateReader, address: string, height: number) {
    const a = rewardsMethod.account(state, address)
    const stake = pendingOf(a.stake, rewardsMethod.stakerStream(state).acc)
    const nodes = pendingOf(a.nodes, rewardsMethod.nodeStream(state).acc)
    const lockDays = rewardsMethod.lockDays(state)
    const unlocked = dayOfHeight(height, getBlocksPerDay(state)) >= lockDays
    return {
      address,
      stakePending: stake,
      nodePending: nodes,
      unclaimed: a.unclaimed,
      superNodeLocked: a.superLocked,
      superNodeUnlockDay: lockDays,
      claimable: stake + nodes + a.unclaimed + (unlocked ? a.superLocked : 0n),
      lockedStake: a.stake.shares,
      activeNodes: a.nodes.shares,
    }
  },

  /** ugat `address` would receive by claiming in a block at `height`. */
  claimableAt(state: StateReader, address: string, height: number): bigint {
    return rewardsMethod.rewardsOf(state, address, height).claimable
  },

  /**
   * Pays the account everything claimable into its balance; throws TOKEN_NOTHING_TO_CLAIM when
   * that is 0 (the settlement it wrote is undone with the failed transaction). Returns the amount
   * paid.
   */
  claim(ctx: ExecContext, address: string): bigint {
    const { state } = ctx
    // settling writes; when nothing turns out claimable the throw reverts them with the transaction
    const a = rewardsMethod.settleAccount(state, address)
    const day = dayOfHeight(ctx.block.height, getBlocksPerDay(state))
    const unlocked = day >= rewardsMethod.lockDays(state)
    const fromSuper = unlocked ? a.superLocked : 0n
    const paid = a.unclaimed + fromSuper
    if (paid === 0n) throw nothingToClaim(state, address, ctx.block.height)
    writeAccount(state, address, { ...a, unclaimed: 0n, superLocked: a.superLocked - fromSuper })
    addTo(state, rewardsUnclaimedStore, -a.unclaimed)
    addTo(state, rewardsSuperLockedStore, -fromSuper)
    tokenMethod.credit(state, address, paid)
    tokenEvents.emit(ctx, 'token.rewards_claimed', { address, amount: paid.toString() })
    return paid
  },
}

/** The error of a claim with nothing to pay, naming locked super-node rewards if any. */
export function nothingToClaim(state: StateReader, address: string, height: number): ChainError {
  const r = rewardsMethod.rewardsOf(state, address, height)
  const locked =
    r.superNodeLocked > 0n
      ? `; ${r.superNodeLocked} ugat of super-node rewards are locked until day ${r.superNodeUnlockDay}`
      : ''
  return new ChainError(TokenErrorCode.NOTHING_TO_CLAIM, `${address} has no rewards to claim${locked}`, {
    superNodeLocked: r.superNodeLocked.toString(),
  })
}
