import { JSONRPCErrorException } from 'json-rpc-2.0'
import { ChainError } from '../chain/errors.js'

/**
 * JSON-RPC error codes. The standard ones for malformed requests; ours in the -32000 range for
 * domain errors, with the chain's string code in `data.code`.
 */
export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** a domain error not listed below */
  SERVER_ERROR: -32000,
  /** block, transaction or key not found */
  NOT_FOUND: -32001,
  /** the transaction was refused by the mempool (data.code says why) */
  TX_REJECTED: -32002,
  /** tx_broadcastCommit gave up waiting */
  TIMEOUT: -32003,
  /** too many requests from this client */
  RATE_LIMITED: -32005,
  /** a size or count limit (batch, subscriptions, connections) */
  LIMIT_EXCEEDED: -32006,
  /** the method exists but not on this transport (subscriptions need /ws) */
  WRONG_TRANSPORT: -32007,
} as const

/** Throws a JSON-RPC error with a code and optional data. */
export function rpcError(code: number, message: string, data?: unknown): JSONRPCErrorException {
  return new JSONRPCErrorException(message, code, data)
}

/** Maps a ChainError raised while submitting a transaction to a JSON-RPC error. */
export function txRejected(e: ChainError): JSONRPCErrorException {
  return rpcError(RpcErrorCode.TX_REJECTED, e.message, { code: e.code, ...(e.data ?? {}) })
}

/** Maps any error from a handler to a JSON-RPC error; internal details are not leaked. */
export function toRpcError(e: unknown): JSONRPCErrorException {
  if (e instanceof JSONRPCErrorException) return e
  if (e instanceof ChainError)
    return rpcError(RpcErrorCode.SERVER_ERROR, e.message, { code: e.code, ...(e.data ?? {}) })
  return rpcError(RpcErrorCode.INTERNAL_ERROR, 'internal error')
}
