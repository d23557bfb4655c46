import { UGAT_PER_GAT } from '../../chain/amount.js'
import { ChainError } from '../../chain/errors.js'
import type { AccountInfo, ExecContext } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { TokenErrorCode } from './errors.js'
import { tokenEvents } from './events.js'
import {
  lockedInBalance,
  trackBurn,
  trackLock,
  trackUnlock,
  unvestedAt,
  type Vesting,
} from './logic/vesting.js'
import { getBlocksPerDay, getSuperNodeRewardLockDays, type TokenParams, tokenParams } from './params.js'
import {
  accountStore,
  balanceStore,
  blocksPerDayStore,
  burnedStore,
  gmtIssuedStore,
  gmtStore,
  minFeeStore,
  nextAccountNumberStore,
  rewardPoolStore,
  superNodeLockDaysStore,
  type VestingRecord,
  vestingStore,
} from './stores/index.js'

function decodeVesting(r: VestingRecord): Vesting {
  return {
    original: BigInt(r.originalVesting),
    start: Number(r.startHeight),
    cliff: Number(r.cliffHeight),
    end: Number(r.endHeight),
    delegatedVesting: BigInt(r.delegatedVesting),
    delegatedFree: BigInt(r.delegatedFree),
  }
}

function encodeVesting(v: Vesting): VestingRecord {
  return {
    originalVesting: v.original.toString(),
    startHeight: String(v.start),
    cliffHeight: String(v.cliff),
    endHeight: String(v.end),
    delegatedVesting: v.delegatedVesting.toString(),
    delegatedFree: v.delegatedFree.toString(),
  }
}

/** Writes a balance; a zero balance is no key at all. */
function setBalance(state: StateWriter, address: string, balance: bigint): void {
  if (balance === 0n) balanceStore.delete(state, address)
  else balanceStore.set(state, address, balance)
}

/** GMT cap: one per device, 10,000,000 devices. */
export const GMT_CAP = 10_000_000n
/** ugat issuance may mint over the chain's life: 90,000,000 GAT (the invariants check the schedule against it). */
export const MINT_CAP_UGAT = 90_000_000n * UGAT_PER_GAT

/**
 * The token module's surface for other modules and the state machine: balances, accounts and
 * burns. Every change to a balance goes through here.
 */
export const tokenMethod = {
  /** The params, each read from its own key (`token/params/<name>`). */
  getParams(state: StateReader): TokenParams {
    return {
      minFee: minFeeStore.get(state) ?? tokenParams.defaults().minFee,
      blocksPerDay: getBlocksPerDay(state),
      superNodeRewardLockDays: getSuperNodeRewardLockDays(state),
    }
  },

  /** Writes the params (a governance change, already validated by `tokenParams.change`). */
  setParams(state: StateWriter, p: TokenParams): void {
    tokenParams.validate(p)
    minFeeStore.set(state, p.minFee)
    blocksPerDayStore.set(state, BigInt(p.blocksPerDay))
    superNodeLockDaysStore.set(state, BigInt(p.superNodeRewardLockDays))
  },

  /** ugat balance of an address (0 if unknown). */
  getBalance(state: StateReader, address: string): bigint {
    return balanceStore.get(state, address) ?? 0n
  },

  /** Account number and sequence, or undefined when the account was never created. */
  getAccount(state: StateReader, address: string): AccountInfo | undefined {
    const a = accountStore.get(state, address)
    return a === undefined
      ? undefined
      : { accountNumber: BigInt(a.accountNumber), sequence: BigInt(a.sequence) }
  },

  /** Minted ugat waiting in the reward pool (not in any balance yet). */
  getRewardPool(state: StateReader): bigint {
    return rewardPoolStore.get(state) ?? 0n
  },

  /** Creates the account record if it does not exist; returns its number. */
  ensureAccount(state: StateWriter, address: string): bigint {
    const existing = accountStore.get(state, address)
    if (existing !== undefined) return BigInt(existing.accountNumber)
    const n = nextAccountNumberStore.get(state) ?? 0n
    accountStore.set(state, address, { address, accountNumber: n.toString(), sequence: '0' })
    nextAccountNumberStore.set(state, n + 1n)
    return n
  },

  /** Sets an account's sequence. */
  setSequence(state: StateWriter, address: string, sequence: bigint): void {
    const a = accountStore.get(state, address)
    if (a === undefined) throw new Error(`no account ${address}`)
    accountStore.set(state, address, { ...a, sequence: sequence.toString() })
  },

  /** Adds ugat to an address, creating its account. */
  credit(state: StateWriter, address: string, amount: bigint): void {
    if (amount < 0n) throw new Error('negative credit')
    tokenMethod.ensureAccount(state, address)
    balanceStore.set(state, address, tokenMethod.getBalance(state, address) + amount)
  },

  /** Removes ugat from an address; throws TOKEN_INSUFFICIENT_BALANCE naming both amounts. */
  debit(state: StateWriter, address: string, amount: bigint): void {
    const balance = tokenMethod.getBalance(state, address)
    if (balance < amount) {
      throw new ChainError(
        TokenErrorCode.INSUFFICIENT_BALANCE,
        `insufficient balance: ${address} has ${balance} ugat, needs ${amount} ugat`,
        { balance: balance.toString(), needed: amount.toString() },
      )
    }
    setBalance(state, address, balance - amount)
  },

  /** GMT held by an address: total, and bound to registered nodes. */
  getGmt(state: StateReader, address: string): { total: bigint; bound: bigint } {
    const g = gmtStore.get(state, address)
    return g === undefined ? { total: 0n, bound: 0n } : { total: BigInt(g.total), bound: BigInt(g.bound) }
  },

  /** Mints GMT to an address (the issuer's command checks who may); enforces the cap. */
  mintGmt(state: StateWriter, to: string, amount: bigint): void {
    const issued = gmtIssuedStore.get(state) ?? 0n
    if (issued + amount > GMT_CAP) {
      throw new ChainError(
        TokenErrorCode.GMT_CAP_EXCEEDED,
        `issuing ${amount} GMT would exceed the cap of ${GMT_CAP} (${issued} issued, ${GMT_CAP - issued} left)`,
      )
    }
    gmtIssuedStore.set(state, issued + amount)
    tokenMethod.ensureAccount(state, to)
    const g = tokenMethod.getGmt(state, to)
    gmtStore.set(state, to, { total: (g.total + amount).toString(), bound: g.bound.toString() })
  },

  /** Binds one of the owner's free GMT to a node being registered. */
  bindGmt(state: StateWriter, owner: string): void {
    const g = tokenMethod.getGmt(state, owner)
    if (g.total - g.bound < 1n) {
      throw new ChainError(
        TokenErrorCode.NO_FREE_GMT,
        `${owner} holds ${g.total} GMT, all bound to nodes; registering a node needs one free GMT (one per device)`,
      )
    }
    gmtStore.set(state, owner, { total: g.total.toString(), bound: (g.bound + 1n).toString() })
  },

  /** Moves one bound GMT with its node to a new owner: the only way GMT changes hands. */
  moveBoundGmt(state: StateWriter, from: string, to: string): void {
    const f = tokenMethod.getGmt(state, from)
    if (f.bound < 1n) throw new Error(`${from} has no bound GMT`)
    gmtStore.set(state, from, { total: (f.total - 1n).toString(), bound: (f.bound - 1n).toString() })
    tokenMethod.ensureAccount(state, to)
    const t = tokenMethod.getGmt(state, to)
    gmtStore.set(state, to, { total: (t.total + 1n).toString(), bound: (t.bound + 1n).toString() })
  },

  /** The vesting schedule of a genesis allocation account, or undefined for any other account. */
  getVesting(state: StateReader, address: string): Vesting | undefined {
    const r = vestingStore.get(state, address)
    return r === undefined ? undefined : decodeVesting(r)
  },

  /** Records a vesting schedule (genesis). */
  setVesting(state: StateWriter, address: string, v: Vesting): void {
    vestingStore.set(state, address, encodeVesting(v))
  },

  /** ugat of the balance that cannot be spent at `height`: still-vesting coins not locked on nodes. */
  getVestingLocked(state: StateReader, address: string, height: number): bigint {
    const v = tokenMethod.getVesting(state, address)
    return v === undefined ? 0n : lockedInBalance(v, height)
  },

  /**
   * ugat the address can spend (transfer, burn, pay fees with) in a block at `height`;
   * `balance`: its balance, when the caller has just read it.
   */
  getSpendable(state: StateReader, address: string, height: number, balance?: bigint): bigint {
    const b = balance ?? tokenMethod.getBalance(state, address)
    const locked = tokenMethod.getVestingLocked(state, address, height)
    return b > locked ? b - locked : 0n
  },

  /**
   * Throws unless `address` can spend `amount` at `height`: TOKEN_INSUFFICIENT_BALANCE, or
   * TOKEN_VESTING_LOCKED when the balance is there but part of it still vests. `what` names the
   * spend in the message ("send", "burn"). Returns the balance it read.
   */
  checkSpendable(state: StateReader, address: string, amount: bigint, height: number, what: string): bigint {
    const balance = tokenMethod.getBalance(state, address)
    if (balance < amount) {
      throw new ChainError(
        TokenErrorCode.INSUFFICIENT_BALANCE,
        `insufficient balance: ${address} has ${balance} ugat after fees, cannot ${what} ${amount} ugat`,
        { balance: balance.toString(), needed: amount.toString() },
      )
    }
    const spendable = tokenMethod.getSpendable(state, address, height, balance)
    if (spendable < amount) {
      const v = tokenMethod.getVesting(state, address)!
      throw new ChainError(
        TokenErrorCode.VESTING_LOCKED,
        `${address} has ${balance} ugat but ${balance - spendable} ugat of it still vest (fully vested at height ${v.end}); at most ${spendable} ugat can be spent, cannot ${what} ${amount} ugat (vesting coins can be locked on nodes)`,
        { balance: balance.toString(), spendable: spendable.toString(), needed: amount.toString() },
      )
    }
    return balance
  },

  /** Debits ugat the address may spend at `height` (vesting coins excluded); errors as checkSpendable. */
  spend(state: StateWriter, height: number, address: string, amount: bigint, what = 'spend'): void {
    const balance = tokenMethod.checkSpendable(state, address, amount, height, what)
    setBalance(state, address, balance - amount)
  },

  /** Moves ugat out of the balance into a lock on a node: vesting coins may be locked. */
  debitForLock(state: StateWriter, height: number, address: string, amount: bigint): void {
    const v = tokenMethod.getVesting(state, address)
    if (v !== undefined) tokenMethod.setVesting(state, address, trackLock(v, height, amount))
    tokenMethod.debit(state, address, amount)
  },

  /** Locked ugat return to the balance (end of unbonding): vesting ones are locked again while they vest. */
  creditFromLock(state: StateWriter, address: string, amount: bigint): void {
    const v = tokenMethod.getVesting(state, address)
    if (v !== undefined) tokenMethod.setVesting(state, address, trackUnlock(v, amount))
    tokenMethod.credit(state, address, amount)
  },

  /** Slashing: ugat of a lock are destroyed and counted as burned; vesting tracking follows (`trackBurn`). */
  burnFromLock(state: StateWriter, address: string, amount: bigint): void {
    if (amount < 0n) throw new Error('negative burn')
    if (amount === 0n) return
    const v = tokenMethod.getVesting(state, address)
    if (v !== undefined) tokenMethod.setVesting(state, address, trackBurn(v, amount))
    burnedStore.set(state, (burnedStore.get(state) ?? 0n) + amount)
  },

  /** Every vesting account's still-vesting ugat at `height` (linear in vesting accounts: genesis only). */
  totalUnvested(state: StateReader, height: number): bigint {
    return vestingStore.entries(state).reduce((s, [, r]) => s + unvestedAt(decodeVesting(r), height), 0n)
  },

  /** Every vesting account's balance that cannot be spent at `height`. */
  totalVestingLocked(state: StateReader, height: number): bigint {
    return vestingStore.entries(state).reduce((s, [, r]) => s + lockedInBalance(decodeVesting(r), height), 0n)
  },

  /** Burns ugat from an address (fees and paid features); vesting coins cannot be burned. */
  burn(ctx: ExecContext, address: string, amount: bigint, reason: string): void {
    if (amount === 0n) return
    tokenMethod.spend(ctx.state, ctx.block.height, address, amount, 'burn')
    burnedStore.set(ctx.state, (burnedStore.get(ctx.state) ?? 0n) + amount)
    tokenEvents.emit(ctx, 'token.burn', { address, amount: amount.toString(), reason })
  },
}
