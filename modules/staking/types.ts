import type { StateReader, StateWriter } from '../../chain/store/types.js'

/** What staking needs from the token module (wired in chain/node.ts). */
export interface StakingTokenMethod {
  getBalance(state: StateReader, address: string): bigint
  getGmt(state: StateReader, address: string): { total: bigint; bound: bigint }
  debit(state: StateWriter, address: string, amount: bigint): void
  credit(state: StateWriter, address: string, amount: bigint): void
  mintGmt(state: StateWriter, to: string, amount: bigint): void
  bindGmt(state: StateWriter, owner: string): void
  moveBoundGmt(state: StateWriter, from: string, to: string): void
}

/** A genesis validator entry, as the chain-level genesis lists it. */
export interface GenesisValidator {
  name: string
  nodeKey: string
  owner: string
  selfLock?: string
}
