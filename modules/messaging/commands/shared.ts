import { parseAmount } from '../../../chain/amount.js'
import { u64ToSafeNumber } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import { MessagingErrorCode } from '../errors.js'
import {
  DEFAULT_CHECKPOINT_INTERVAL,
  MAX_CHECKPOINT_INTERVAL,
  MAX_MEMBERS_LIMIT,
  MAX_PRODUCERS_HARD,
} from '../params.js'
import type { PolicyRecord } from '../stores/index.js'

/** A uint64 id or height that must be from 1 (and fit a safe integer); `code` is raised otherwise. */
export function decodeId(
  value: unknown,
  field: string,
  allowZero = false,
  code: string = MessagingErrorCode.INVALID_GROUP,
): number {
  let n: number
  try {
    n = u64ToSafeNumber(value as never, field)
  } catch (e) {
    throw new ChainError(code, (e as Error).message)
  }
  if (n === 0 && !allowZero) throw new ChainError(code, `${field} must be from 1`)
  return n
}

/** A group name: 1-64 characters, no control characters. */
export function checkName(name: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (typeof name !== 'string' || name.length < 1 || name.length > 64 || /[\u0000-\u001f\u007f]/.test(name))
    throw new ChainError(
      MessagingErrorCode.INVALID_NAME,
      'name must be 1 to 64 characters without control characters',
    )
  return name
}

/** Producer keys: distinct ed25519 public keys as 64 lower-case hex characters. */
export function checkProducers(value: unknown): string[] {
  if (!Array.isArray(value))
    throw new ChainError(MessagingErrorCode.INVALID_PRODUCERS, 'producers must be a list')
  if (value.length > MAX_PRODUCERS_HARD)
    throw new ChainError(MessagingErrorCode.TOO_MANY_PRODUCERS, `at most ${MAX_PRODUCERS_HARD} producers`)
  const seen = new Set<string>()
  for (const [i, p] of value.entries()) {
    if (typeof p !== 'string' || !/^[0-9a-f]{64}$/.test(p))
      throw new ChainError(
        MessagingErrorCode.INVALID_PRODUCERS,
        `producers[${i}] must be an ed25519 public key as 64 lower-case hex characters`,
      )
    if (seen.has(p))
      throw new ChainError(MessagingErrorCode.INVALID_PRODUCERS, `producers[${i}] is listed twice`)
    seen.add(p)
  }
  return value as string[]
}

/**
 * The threshold for `n` producers: 0 asks for the default, a majority (n/2 rounded down, + 1).
 * It must be more than half, so two conflicting checkpoints always share a signer, and at most
 * n. Without producers the owner produces and the threshold is 1.
 */
export function resolveThreshold(threshold: number, n: number): number {
  if (n === 0) {
    if (threshold > 1)
      throw new ChainError(
        MessagingErrorCode.INVALID_THRESHOLD,
        'a group without producers is produced by its owner: threshold must be 0 or 1',
      )
    return 1
  }
  if (threshold === 0) return Math.floor(n / 2) + 1
  if (threshold * 2 <= n || threshold > n)
    throw new ChainError(
      MessagingErrorCode.INVALID_THRESHOLD,
      `threshold ${threshold} for ${n} producers must be more than half of them and at most all (${Math.floor(n / 2) + 1} to ${n}), so two conflicting checkpoints always share a signer`,
    )
  return threshold
}

/** A policy from its decoded protobuf form (absent: the defaults). */
export function decodePolicy(p: Record<string, unknown> | null | undefined): PolicyRecord {
  const maxMembers = Number(p?.maxMembers ?? 0)
  if (maxMembers > MAX_MEMBERS_LIMIT)
    throw new ChainError(
      MessagingErrorCode.MAX_MEMBERS_EXCEEDED,
      `max_members ${maxMembers} is above the limit of ${MAX_MEMBERS_LIMIT} members per group`,
      { limit: MAX_MEMBERS_LIMIT },
    )
  const interval = Number(p?.checkpointInterval ?? 0)
  if (!Number.isSafeInteger(interval) || interval > MAX_CHECKPOINT_INTERVAL)
    throw new ChainError(
      MessagingErrorCode.INVALID_CHECKPOINT_INTERVAL,
      `checkpoint_interval ${interval} is above ${MAX_CHECKPOINT_INTERVAL} group blocks`,
      { limit: MAX_CHECKPOINT_INTERVAL },
    )
  const rawMin = p?.minGatBalance
  const min =
    rawMin === undefined || rawMin === null || rawMin === '' ? 0n : parseAmount(rawMin, 'min_gat_balance')
  return {
    maxMembers: maxMembers === 0 ? MAX_MEMBERS_LIMIT : maxMembers,
    minGatBalance: min.toString(),
    parentGroup: decodeId(p?.parentGroup ?? 0, 'parent_group', true).toString(),
    membersMayBefriend: p?.membersMayBefriend === true,
    checkpointInterval: interval === 0 ? DEFAULT_CHECKPOINT_INTERVAL : interval,
    private: p?.private === true,
  }
}
