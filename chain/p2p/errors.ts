import { ChainError } from '../errors.js'

/** Codes raised by the p2p adapter; `P2pError.code` is one of these. */
export const P2pErrorCode = {
  /** the peer is not connected (requests go to connected peers only) */
  P2P_NOT_CONNECTED: 'P2P_NOT_CONNECTED',
  /** the network is not started, or is stopping */
  P2P_NOT_STARTED: 'P2P_NOT_STARTED',
  /** the request did not complete within the request timeout */
  P2P_TIMEOUT: 'P2P_TIMEOUT',
  /** the peer answered with the rate-limit error */
  P2P_RATE_LIMITED: 'P2P_RATE_LIMITED',
  /** the peer said our request was invalid */
  P2P_INVALID_REQUEST: 'P2P_INVALID_REQUEST',
  /** the peer failed to serve the request (its handler threw) */
  P2P_SERVER_ERROR: 'P2P_SERVER_ERROR',
  /** the peer is on another chain (chain id or genesis hash differ) */
  P2P_WRONG_CHAIN: 'P2P_WRONG_CHAIN',
  /** the peer's answer broke the protocol (bad frame, too many blocks, undecodable status) */
  P2P_BAD_RESPONSE: 'P2P_BAD_RESPONSE',
  /** a local argument is out of range (count above the maximum, message too large) */
  P2P_BAD_ARGUMENT: 'P2P_BAD_ARGUMENT',
  /** the stream failed (reset, closed, dial refused) */
  P2P_STREAM_FAILED: 'P2P_STREAM_FAILED',
  /** the peer is banned */
  P2P_PEER_BANNED: 'P2P_PEER_BANNED',
} as const

/** One of {@link P2pErrorCode}. */
export type P2pErrorCodeName = (typeof P2pErrorCode)[keyof typeof P2pErrorCode]

/** Error raised by the p2p adapter: a {@link ChainError} with a `P2P_*` code. */
export class P2pError extends ChainError {
  constructor(code: P2pErrorCodeName, message: string, data?: Record<string, unknown>) {
    super(code, message, data)
    this.name = 'P2pError'
  }
}
