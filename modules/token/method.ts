import { ChainError } from '../../chain/errors.js'
import type { AccountInfo, ExecContext } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { TokenErrorCode } from './errors.js'
import { accountStore, balanceStore, burnedStore, nextAccountNumberStore } from './stores/index.js'

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

  /** Burns ugat from an address (fees and paid features). */
  burn(ctx: ExecContext, address: string, amount: bigint, reason: string): void {
    if (amount === 0n) return
    tokenMethod.debit(ctx.state, address, amount)
    burnedStore.set(ctx.state, (burnedStore.get(ctx.state) ?? 0n) + amount)
    ctx.emit('token.burn', { address, amount: amount.toString(), reason })
  },
}
