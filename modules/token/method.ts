import { ChainError } from '../../chain/errors.js'
import type { AccountInfo, ExecContext } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { TokenErrorCode } from './errors.js'
import {
  accountStore,
  balanceStore,
  burnedStore,
  gmtIssuedStore,
  gmtStore,
  nextAccountNumberStore,
  rewardPoolStore,
} from './stores/index.js'

/** GMT cap: one per device, 10,000,000 devices. */
export const GMT_CAP = 10_000_000n
/** ugat issuance may mint over the chain's life: 90,000,000 GAT (SPEC §3). */
export const MINT_CAP_UGAT = 90_000_000n * 1_000_000n
/** The GAT cap in ugat: 100,000,000 GAT. */
export const GAT_CAP_UGAT = 100_000_000n * 1_000_000n

/**
 * The token module's surface for other modules and the state machine: balances, accounts and
 * burns. Every change to a balance goes through here.
 */
export const tokenMethod = {
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
    if (balance === amount) balanceStore.delete(state, address)
    else balanceStore.set(state, address, balance - amount)
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

  /** Burns ugat from an address (fees and paid features). */
  burn(ctx: ExecContext, address: string, amount: bigint, reason: string): void {
    if (amount === 0n) return
    tokenMethod.debit(ctx.state, address, amount)
    burnedStore.set(ctx.state, (burnedStore.get(ctx.state) ?? 0n) + amount)
    ctx.emit('token.burn', { address, amount: amount.toString(), reason })
  },
}
