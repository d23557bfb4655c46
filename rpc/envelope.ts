import {
  createJSONRPCErrorResponse,
  type JSONRPCID,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from 'json-rpc-2.0'
import { z } from 'zod'
import { RpcErrorCode } from './errors.js'

/**
 * Deepest nesting of arrays and objects a request may have. The deepest real request (an
 * inclusion proof) nests 5 levels; anything near V8's recursion limits (JSON.stringify, zod) is
 * refused long before it is walked.
 */
export const MAX_JSON_DEPTH = 64

/** Longest method name; ours are under 30 characters. */
export const MAX_METHOD_CHARS = 128

const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Whether JSON text nests arrays and objects deeper than `max`, by one pass over the characters
 * (brackets inside strings do not count). Never recursive, so any input is safe to scan; the
 * text need not be valid JSON.
 */
export function jsonDepthExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

const jsonRpcId = z.union([z.string(), z.number(), z.null()])

/** A JSON-RPC 2.0 request as we accept it: checked before json-rpc-2.0 sees it. */
const requestEnvelope = z.object({
  jsonrpc: z.literal('2.0', { error: 'jsonrpc must be "2.0"' }),
  method: z
    .string({ error: 'method must be a string' })
    .max(MAX_METHOD_CHARS, `method must be at most ${MAX_METHOD_CHARS} characters`),
  id: jsonRpcId.optional(),
  params: z
    .union([z.array(z.unknown()), z.record(z.string(), z.unknown())], {
      error: 'params must be an object (or an array) when present',
    })
    .optional(),
})

/** The outcome of checking one call of a body: a request to dispatch, or its -32600 response. */
export type EnvelopeCheck = { ok: true; request: JSONRPCRequest } | { ok: false; response: JSONRPCResponse }

function invalidRequest(id: JSONRPCID, why: string): JSONRPCResponse {
  return createJSONRPCErrorResponse(id, RpcErrorCode.INVALID_REQUEST, `Invalid Request: ${why}`)
}

/**
 * Checks the envelope of one call (`jsonrpc`, `method`, `id`, `params`): a request, or the
 * -32600 response naming what is wrong (with the call's id when that id is usable, else null).
 */
export function checkEnvelope(value: unknown): EnvelopeCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      response: invalidRequest(null, 'a request must be a JSON object (or a batch: an array of them)'),
    }
  }
  const rawId: unknown = Object.hasOwn(value, 'id') ? (value as { id: unknown }).id : undefined
  const id = jsonRpcId.safeParse(rawId)
  if (rawId !== undefined && !id.success) {
    return { ok: false, response: invalidRequest(null, 'id must be a string, a number or null') }
  }
  const usableId = id.success ? (id.data ?? null) : null
  if (Object.hasOwn(value, 'result') || Object.hasOwn(value, 'error')) {
    return {
      ok: false,
      response: invalidRequest(usableId, 'a request has no result or error (that is a response)'),
    }
  }
  const r = requestEnvelope.safeParse(value)
  if (!r.success) {
    const why = r.error.issues[0]?.message ?? 'not a JSON-RPC 2.0 request'
    return { ok: false, response: invalidRequest(usableId, why) }
  }
  return { ok: true, request: value as JSONRPCRequest }
}
