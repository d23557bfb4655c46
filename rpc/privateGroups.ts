import { fromBase64 } from '@cosmjs/encoding'
import {
  type KeyPlan,
  type KeyRecipient,
  type KeySigner,
  keyEpochTxs,
  keyPlan,
  keyShareTxs,
} from '../modules/messaging/groupchain/keyEpochs.js'
import {
  openPost,
  SEALED_CONTENT_TYPE,
  sealPost,
  unwrapGroupKey,
} from '../modules/messaging/groupchain/sealed.js'
import {
  ACTIVITY_CONTENT_TYPE,
  encodeNote,
  type Note,
  noteOf,
  signGroupTx,
} from '../modules/messaging/groupchain/tx.js'
import type { GatherClient, GroupMessageView } from './client.js'

/**
 * A member's side of a private group, for apps and the CLI: the keys its account can unwrap,
 * sealing a post and opening messages, and an admin's key epochs and shares. Everything runs on
 * the client: a node only ever sees ciphertext (docs/adr/011-private-groups.md).
 *
 * ```ts
 * const keys = await groupKeysOf(client, chainId, groupId, me)
 * await client.postGroupTx(await sealedPostTx(client, chainId, groupId, me, { content: 'hello' }, keys))
 * for (const m of (await client.getGroupMessages(groupId)).messages) console.log(openMessage(chainId, groupId, m, keys))
 * ```
 */

/** An account's keys: it signs as the author and unwraps the group keys wrapped for it. */
export type GroupAccount = KeySigner

/** The group keys `account` can unwrap, by epoch, and the group's current epoch. */
export async function groupKeysOf(
  client: GatherClient,
  chainId: string,
  groupId: number,
  account: GroupAccount,
): Promise<{ epoch: number; keys: Map<number, Uint8Array> }> {
  const r = await client.getGroupKeys(groupId, account.address)
  const keys = new Map<number, Uint8Array>()
  for (const k of r.keys) {
    keys.set(
      k.epoch,
      unwrapGroupKey(chainId, groupId, account, {
        epoch: k.epoch,
        ephemeralKey: Uint8Array.from(Buffer.from(k.ephemeralKey, 'hex')),
        nonce: fromBase64(k.nonce),
        ciphertext: fromBase64(k.ciphertext),
      }),
    )
  }
  return { epoch: r.epoch, keys }
}

/**
 * A signed post of a Note sealed under the group's current epoch.
 *
 * @throws Error when the account holds no key of the current epoch (not wrapped for it yet)
 */
export async function sealedPostTx(
  client: GatherClient,
  chainId: string,
  groupId: number,
  author: GroupAccount,
  note: Omit<Note, 'type'>,
  held?: { epoch: number; keys: Map<number, Uint8Array> },
): Promise<Uint8Array> {
  const { epoch, keys } = held ?? (await groupKeysOf(client, chainId, groupId, author))
  const key = keys.get(epoch)
  if (epoch === 0)
    throw new Error(`group ${groupId} has no key epoch yet: an admin opens one (gather group rotate)`)
  if (key === undefined)
    throw new Error(
      `${author.address} holds no key of group ${groupId}'s epoch ${epoch} yet: an admin wraps it for new members`,
    )
  const { nextNonce } = await client.getGroupMember(groupId, author.address)
  const content = sealPost(chainId, groupId, author.address, epoch, key, encodeNote(note))
  return signGroupTx(
    chainId,
    {
      groupId,
      publicKey: author.publicKey,
      nonce: nextNonce,
      action: { kind: 'post', contentType: SEALED_CONTENT_TYPE, content },
    },
    author.privateKey,
  )
}

/** A message as a member reads it: the Note when it opens, else why not. */
export interface OpenedMessage {
  message: GroupMessageView
  /** the epoch it was sealed under (sealed posts only) */
  epoch?: number
  note?: Note
  /** why the content could not be read (no key of its epoch, changed bytes…) */
  error?: string
}

/** Opens one message with the keys held (a plain Note is read as it is). */
export function openMessage(
  chainId: string,
  groupId: number,
  message: GroupMessageView,
  keys: ReadonlyMap<number, Uint8Array>,
): OpenedMessage {
  if (message.content === null) return { message }
  const bytes = fromBase64(message.content)
  if (message.contentType === ACTIVITY_CONTENT_TYPE) {
    const note = noteOf(message.contentType, bytes)
    return note === undefined ? { message, error: 'not a Note' } : { message, note }
  }
  if (message.contentType !== SEALED_CONTENT_TYPE)
    return { message, error: `content of type ${message.contentType}` }
  try {
    const { epoch, plaintext } = openPost(chainId, groupId, message.author, bytes, keys)
    const note = noteOf(ACTIVITY_CONTENT_TYPE, plaintext)
    return note === undefined
      ? { message, epoch, error: 'the plaintext is not a Note' }
      : { message, epoch, note }
  } catch (e) {
    return { message, error: (e as Error).message }
  }
}

/** Every member with a known account key (the ones a key can be wrapped for), paging `group_getMembers`. */
export async function keyRecipients(client: GatherClient, groupId: number): Promise<KeyRecipient[]> {
  const out: KeyRecipient[] = []
  for (let offset = 0; ; ) {
    const page = await client.getGroupMembers(groupId, { offset, limit: 1000 })
    for (const m of page.members)
      if (m.publicKey !== null)
        out.push({ address: m.address, publicKey: Uint8Array.from(Buffer.from(m.publicKey, 'hex')) })
    offset += page.members.length
    if (page.members.length === 0 || offset >= page.total) return out
  }
}

/**
 * A new key epoch for the members (less `exclude`, plus the admin itself), signed by `admin`:
 * what follows a kick, a ban or a leave, or opens a private group's first epoch.
 */
export async function rotationTxs(
  client: GatherClient,
  chainId: string,
  groupId: number,
  admin: GroupAccount,
  exclude: readonly string[] = [],
): Promise<{ epoch: number; key: Uint8Array; recipients: number; txs: Uint8Array[] }> {
  const [head, member, members] = await Promise.all([
    client.getGroupHead(groupId),
    client.getGroupMember(groupId, admin.address),
    keyRecipients(client, groupId),
  ])
  const out = new Set(exclude)
  const recipients = members.filter((m) => !out.has(m.address) && m.address !== admin.address)
  recipients.unshift({ address: admin.address, publicKey: admin.publicKey })
  const epoch = head.epoch + 1
  const { key, txs } = keyEpochTxs(chainId, groupId, admin, member.nextNonce, epoch, recipients)
  return { epoch, key, recipients: recipients.length, txs }
}

/** Key shares of every epoch the admin holds, for `newcomers` (a group that shares history). */
export async function shareTxs(
  client: GatherClient,
  chainId: string,
  groupId: number,
  admin: GroupAccount,
  newcomers: readonly KeyRecipient[],
): Promise<Uint8Array[]> {
  const [{ keys }, member] = await Promise.all([
    groupKeysOf(client, chainId, groupId, admin),
    client.getGroupMember(groupId, admin.address),
  ])
  const epochs = [...keys].map(([epoch, key]) => ({ epoch, key }))
  return keyShareTxs(chainId, groupId, admin, member.nextNonce, epochs, newcomers)
}

export { type KeyPlan, keyPlan }
