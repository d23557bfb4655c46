import { newGroupKey, wrapGroupKey } from './sealed.js'
import { MAX_EPOCH_PARTS, signGroupTx } from './tx.js'

/** A member's address and account key: what a group key is wrapped for. */
export interface KeyRecipient {
  address: string
  publicKey: Uint8Array
}

/** An admin's account key, signing key-epoch and key-share transactions. */
export interface KeySigner {
  address: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** Wrapped keys per key-epoch or key-share transaction (each about 124 bytes: 400 fit well in 64 KiB). */
export const KEYS_PER_TX = 400

/** The most members one key epoch can reach (its parts × the keys per part). */
export const MAX_EPOCH_RECIPIENTS = MAX_EPOCH_PARTS * KEYS_PER_TX

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}

/**
 * A new key epoch: a fresh group key wrapped for every recipient, in parts of {@link KEYS_PER_TX}
 * (10,000 members take 25 transactions), signed by `admin` with nonces from `firstNonce` on.
 * Submit them in order: part 0 opens the epoch, each next part continues it.
 */
export function keyEpochTxs(
  chainId: string,
  groupId: number,
  admin: KeySigner,
  firstNonce: number,
  epoch: number,
  recipients: readonly KeyRecipient[],
): { key: Uint8Array; txs: Uint8Array[] } {
  if (recipients.length === 0) throw new Error('a key epoch needs at least one recipient')
  if (recipients.length > MAX_EPOCH_RECIPIENTS)
    throw new Error(`a key epoch reaches at most ${MAX_EPOCH_RECIPIENTS} members`)
  const key = newGroupKey()
  const parts = chunks(recipients, KEYS_PER_TX)
  const txs = parts.map((part, i) => {
    const { ephemeralKey, keys } = wrapGroupKey(chainId, groupId, epoch, key, part)
    return signGroupTx(
      chainId,
      {
        groupId,
        publicKey: admin.publicKey,
        nonce: firstNonce + i,
        action: { kind: 'keyEpoch', epoch, part: i, parts: parts.length, ephemeralKey, keys },
      },
      admin.privateKey,
    )
  })
  return { key, txs }
}

/**
 * Key shares: each of `epochs` (their keys, as the admin unwrapped them) wrapped for the
 * recipients, signed by `admin` with nonces from `firstNonce` on. Only a group whose rules
 * share history accepts them.
 */
export function keyShareTxs(
  chainId: string,
  groupId: number,
  admin: KeySigner,
  firstNonce: number,
  epochs: readonly { epoch: number; key: Uint8Array }[],
  recipients: readonly KeyRecipient[],
): Uint8Array[] {
  const txs: Uint8Array[] = []
  for (const { epoch, key } of epochs) {
    for (const part of chunks(recipients, KEYS_PER_TX)) {
      const { ephemeralKey, keys } = wrapGroupKey(chainId, groupId, epoch, key, part)
      txs.push(
        signGroupTx(
          chainId,
          {
            groupId,
            publicKey: admin.publicKey,
            nonce: firstNonce + txs.length,
            action: { kind: 'keyShare', epoch, ephemeralKey, keys },
          },
          admin.privateKey,
        ),
      )
    }
  }
  return txs
}

/** What an admin (or the node's key service) should do about a private group's keys now. */
export type KeyPlan =
  | { kind: 'none' }
  /** a new epoch for every member: the first one, or after a removal, or a newcomer without shared history */
  | { kind: 'rotate'; reason: 'first' | 'removed' | 'joined' }
  /** the earlier epochs' keys for newcomers (the group shares history) */
  | { kind: 'share'; to: string[] }

/**
 * The key plan of a private group from its state: members (with account keys), the holders of
 * the current epoch's key, and whether the rules share history. Pure.
 */
export function keyPlan(o: {
  epoch: number
  members: readonly string[]
  holders: readonly string[]
  shareHistory: boolean
}): KeyPlan {
  if (o.members.length === 0) return { kind: 'none' }
  if (o.epoch === 0) return { kind: 'rotate', reason: 'first' }
  const members = new Set(o.members)
  const holders = new Set(o.holders)
  if (o.holders.some((h) => !members.has(h))) return { kind: 'rotate', reason: 'removed' }
  const missing = o.members.filter((m) => !holders.has(m))
  if (missing.length === 0) return { kind: 'none' }
  return o.shareHistory ? { kind: 'share', to: missing } : { kind: 'rotate', reason: 'joined' }
}
