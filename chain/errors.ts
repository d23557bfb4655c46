/**
 * The one error class of the chain. `code` is a stable string (`TOKEN_INSUFFICIENT_BALANCE`) that
 * RPC maps to a JSON-RPC error and that transaction results record; `message` is for a person.
 */
export class ChainError extends Error {
  /** Stable machine-readable code, `MODULE_REASON`. */
  readonly code: string
  /** Optional structured details (expected and actual values). */
  readonly data?: Record<string, unknown>

  constructor(code: string, message: string, data?: Record<string, unknown>) {
    super(message)
    this.name = 'ChainError'
    this.code = code
    if (data !== undefined) this.data = data
  }
}

/** Codes raised by the chain core itself; modules list theirs in their own `errors.ts`. */
export const ChainErrorCode = {
  TX_MALFORMED: 'TX_MALFORMED',
  TX_TOO_LARGE: 'TX_TOO_LARGE',
  TX_UNKNOWN_MESSAGE: 'TX_UNKNOWN_MESSAGE',
  TX_WRONG_SIGNER: 'TX_WRONG_SIGNER',
  TX_SIGNATURE_INVALID: 'TX_SIGNATURE_INVALID',
  TX_SIGNATURE_HIGH_S: 'TX_SIGNATURE_HIGH_S',
  TX_BAD_SEQUENCE: 'TX_BAD_SEQUENCE',
  TX_FEE_TOO_LOW: 'TX_FEE_TOO_LOW',
  TX_FEE_DENOM: 'TX_FEE_DENOM',
  TX_ALREADY_KNOWN: 'TX_ALREADY_KNOWN',
  TX_TIMEOUT: 'TX_TIMEOUT',
  /** a journaled transaction older than the mempool's ttlBlocks when the node restarted */
  TX_EXPIRED: 'TX_EXPIRED',
  /** the transaction journal could not be written (disk full, I/O error): not accepted */
  TX_JOURNAL_FAILED: 'TX_JOURNAL_FAILED',
  /** the node's admission queue is full (back-pressure): retry shortly */
  TX_ADMISSION_BUSY: 'TX_ADMISSION_BUSY',
  ACCOUNT_NOT_FOUND: 'ACCOUNT_NOT_FOUND',
  MEMPOOL_FULL: 'MEMPOOL_FULL',
  BLOCK_INVALID: 'BLOCK_INVALID',
  BLOCK_FINAL: 'BLOCK_FINAL',
  DOUBLE_SIGN: 'DOUBLE_SIGN',
  GENESIS_INVALID: 'GENESIS_INVALID',
  /** a param value (a change to a module's params) that the module's rules refuse */
  PARAMS_INVALID: 'PARAMS_INVALID',
  STATE_CORRUPT: 'STATE_CORRUPT',
  INVARIANT_BROKEN: 'INVARIANT_BROKEN',
  NODE_HALTED: 'NODE_HALTED',
  INVALID_AMOUNT: 'INVALID_AMOUNT',
  INVALID_ADDRESS: 'INVALID_ADDRESS',
} as const

/** True for errors raised deliberately by chain code (as opposed to bugs). */
export function isChainError(e: unknown): e is ChainError {
  return e instanceof ChainError
}
