import { protoType, u64ToSafeNumber } from '../../../chain/codec/index.js'
import { addressFromPubkey } from '../../../chain/crypto/address.js'
import { sha256 } from '../../../chain/crypto/hash.js'
import {
  isLowS,
  isWellFormedSecp256k1,
  SECP256K1_PUBKEY_LENGTH,
  SECP256K1_SIGNATURE_LENGTH,
  signDirect,
  verifyWellFormedSecp256k1,
} from '../../../chain/crypto/secp256k1.js'
import { ChainError } from '../../../chain/errors.js'
import { hex } from '../../../chain/hex.js'
import { checkAddress } from '../../../chain/tx/checkAddress.js'
import { GroupErrorCode } from './errors.js'
import {
  decodeSealed,
  NONCE_BYTES,
  SEALED_CONTENT_TYPE,
  WRAPPED_KEY_BYTES,
  type WrappedKey,
} from './sealed.js'

const TxType = protoType('gather.messaging.v1.GroupTx')
const BodyType = protoType('gather.messaging.v1.GroupTxBody')
const SignDocType = protoType('gather.messaging.v1.GroupTxSignDoc')

/** Domain of group-transaction signatures: an account key signs nothing else with this prefix. */
export const GROUP_TX_DOMAIN = 'gather/group-tx/v1'

/** Largest post content (the ActivityStreams object, or its ciphertext). */
export const MAX_POST_BYTES = 64 * 1024

/** Largest group transaction: a maximal post and room for its envelope. */
export const MAX_GROUP_TX_BYTES = MAX_POST_BYTES + 1024

/** The content type of a plain post: an ActivityStreams 2.0 object. */
export const ACTIVITY_CONTENT_TYPE = 'application/activity+json'

/** Most admins a group may name besides its owner. */
export const MAX_ADMINS = 32

/** Longest rules text, in characters. */
export const MAX_RULES_CHARS = 4096

/** What a group transaction does. */
export type GroupAction =
  | { kind: 'post'; contentType: string; content: Uint8Array }
  | { kind: 'join' }
  | { kind: 'leave' }
  | { kind: 'mute'; member: string; untilMs: number }
  | { kind: 'muteAll'; untilMs: number }
  | { kind: 'kick'; member: string }
  | { kind: 'ban'; member: string }
  | { kind: 'unban'; member: string }
  | { kind: 'delete'; messageId: string }
  | { kind: 'setAdmins'; admins: string[] }
  | { kind: 'setRules'; text: string; retentionDays: number; shareHistory: boolean }
  | {
      kind: 'keyEpoch'
      epoch: number
      part: number
      parts: number
      ephemeralKey: Uint8Array
      keys: WrappedKey[]
    }
  | { kind: 'keyShare'; epoch: number; ephemeralKey: Uint8Array; keys: WrappedKey[] }

/** The kinds of group actions. */
export type GroupActionKind = GroupAction['kind']

/** What an author signs: a group, the author's key, a nonce and one action. */
export interface GroupTxBody {
  groupId: number
  /** 33-byte compressed secp256k1 key: the account key of the author */
  publicKey: Uint8Array
  /** above the author's last nonce in this group */
  nonce: number
  action: GroupAction
}

/** A decoded group transaction: what it says, who signed it, and its id. */
export interface GroupTx {
  body: GroupTxBody
  /** the author's `gat1…` address (from the public key) */
  author: string
  bodyBytes: Uint8Array
  signature: Uint8Array
  /** the transaction's bytes as received: what the block's tx root is over */
  bytes: Uint8Array
  /** sha256 of `bytes`, 64 hex characters: the message id of a post */
  id: string
}

function actionObject(a: GroupAction): Record<string, unknown> {
  switch (a.kind) {
    case 'post':
      return { post: { contentType: a.contentType, content: a.content } }
    case 'join':
    case 'leave':
      return { [a.kind]: {} }
    case 'mute':
      return { mute: { member: a.member, untilMs: a.untilMs } }
    case 'muteAll':
      return { muteAll: { untilMs: a.untilMs } }
    case 'kick':
    case 'ban':
    case 'unban':
      return { [a.kind]: { member: a.member } }
    case 'delete':
      return { delete: { messageId: a.messageId } }
    case 'setAdmins':
      return { setAdmins: { admins: a.admins } }
    case 'setRules':
      return {
        setRules: { text: a.text, retentionDays: a.retentionDays, shareHistory: a.shareHistory },
      }
    case 'keyEpoch':
      return {
        keyEpoch: {
          epoch: a.epoch,
          part: a.part,
          parts: a.parts,
          ephemeralKey: a.ephemeralKey,
          keys: a.keys,
        },
      }
    case 'keyShare':
      return { keyShare: { epoch: a.epoch, ephemeralKey: a.ephemeralKey, keys: a.keys } }
  }
}

/** Wrapped keys in one key-epoch or key-share transaction, at most. */
export const MAX_KEYS_PER_TX = 500

/** Parts of one key epoch, at most (10,000 members in parts of 400 take 25). */
export const MAX_EPOCH_PARTS = 64

function ephemeralKeyOf(v: unknown, field: string): Uint8Array {
  const k = (v as Uint8Array | undefined) ?? new Uint8Array(0)
  if (k.length !== SECP256K1_PUBKEY_LENGTH || (k[0] !== 2 && k[0] !== 3))
    throw malformed(`${field} must be a 33-byte compressed secp256k1 key`)
  return k
}

function wrappedKeys(v: unknown, field: string): WrappedKey[] {
  const list = (v as Record<string, unknown>[] | undefined) ?? []
  if (list.length === 0) throw malformed(`${field} is empty`)
  if (list.length > MAX_KEYS_PER_TX) throw malformed(`${field} holds more than ${MAX_KEYS_PER_TX} keys`)
  const seen = new Set<string>()
  return list.map((k, i) => {
    const m = address(k.member, `${field}[${i}].member`)
    if (seen.has(m)) throw malformed(`${field} wraps a key for ${m} twice`)
    seen.add(m)
    const nonce = (k.nonce as Uint8Array | undefined) ?? new Uint8Array(0)
    const ciphertext = (k.ciphertext as Uint8Array | undefined) ?? new Uint8Array(0)
    if (nonce.length !== NONCE_BYTES) throw malformed(`${field}[${i}].nonce must be ${NONCE_BYTES} bytes`)
    if (ciphertext.length !== WRAPPED_KEY_BYTES)
      throw malformed(`${field}[${i}].ciphertext must be ${WRAPPED_KEY_BYTES} bytes`)
    return { member: m, nonce, ciphertext }
  })
}

/** The canonical bytes of a body. */
export function encodeGroupTxBody(body: GroupTxBody): Uint8Array {
  return BodyType.encode(
    BodyType.fromObject({
      groupId: body.groupId,
      publicKey: body.publicKey,
      nonce: body.nonce,
      ...actionObject(body.action),
    }),
  ).finish()
}

/** The bytes an author signs (hashed with sha256 by the signature): domain, chain id, body. */
export function groupTxSignBytes(chainId: string, bodyBytes: Uint8Array): Uint8Array {
  return SignDocType.encode(
    SignDocType.fromObject({ domain: GROUP_TX_DOMAIN, chainId, body: bodyBytes }),
  ).finish()
}

/** Signs a body with the author's account key; returns the transaction's bytes. */
export function signGroupTx(chainId: string, body: GroupTxBody, privateKey: Uint8Array): Uint8Array {
  const bodyBytes = encodeGroupTxBody(body)
  const signature = signDirect(privateKey, groupTxSignBytes(chainId, bodyBytes))
  return TxType.encode(TxType.fromObject({ body: bodyBytes, signature })).finish()
}

const malformed = (why: string): ChainError =>
  new ChainError(GroupErrorCode.MALFORMED, `malformed group transaction: ${why}`)

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

function safeU64(v: unknown, field: string): number {
  try {
    return u64ToSafeNumber(v as never, field)
  } catch (e) {
    throw malformed((e as Error).message)
  }
}

/** An address field: valid bech32 and lower case (group state keys addresses by their text). */
function address(v: unknown, field: string): string {
  let a: string
  try {
    a = checkAddress(v, field)
  } catch (e) {
    throw malformed((e as Error).message)
  }
  if (a !== a.toLowerCase()) throw malformed(`${field} must be in lower case`)
  return a
}

function member(m: Record<string, unknown> | undefined, field: string): string {
  return address(m?.member, `${field}.member`)
}

function decodeAction(m: Record<string, unknown>): GroupAction {
  const kind = m.action as string | undefined
  const v = (kind === undefined ? undefined : m[kind]) as Record<string, unknown> | undefined
  switch (kind) {
    case 'post':
      return {
        kind: 'post',
        contentType: String(v?.contentType ?? ''),
        content: (v?.content as Uint8Array | undefined) ?? new Uint8Array(0),
      }
    case 'join':
    case 'leave':
      return { kind }
    case 'mute':
      return { kind, member: member(v, kind), untilMs: safeU64(v?.untilMs, 'mute.until_ms') }
    case 'muteAll':
      return { kind, untilMs: safeU64(v?.untilMs, 'mute_all.until_ms') }
    case 'kick':
    case 'ban':
    case 'unban':
      return { kind, member: member(v, kind) }
    case 'delete': {
      const messageId = String(v?.messageId ?? '')
      if (!/^[0-9a-f]{64}$/.test(messageId))
        throw malformed('delete.message_id must be 64 lower-case hex characters')
      return { kind, messageId }
    }
    case 'setAdmins': {
      const list = (v?.admins as unknown[] | undefined) ?? []
      if (list.length > MAX_ADMINS) throw malformed(`set_admins names more than ${MAX_ADMINS} admins`)
      const admins = list.map((a, i) => address(a, `set_admins.admins[${i}]`))
      if (new Set(admins).size !== admins.length) throw malformed('set_admins names an admin twice')
      return { kind, admins }
    }
    case 'setRules': {
      const text = String(v?.text ?? '')
      if ([...text].length > MAX_RULES_CHARS)
        throw malformed(`rules text is longer than ${MAX_RULES_CHARS} characters`)
      return {
        kind,
        text,
        retentionDays: Number(v?.retentionDays ?? 0),
        shareHistory: v?.shareHistory === true,
      }
    }
    case 'keyEpoch': {
      const epoch = safeU64(v?.epoch, 'key_epoch.epoch')
      const part = Number(v?.part ?? 0)
      const parts = Number(v?.parts ?? 0)
      if (epoch < 1) throw malformed('key_epoch.epoch must be at least 1')
      if (parts < 1 || parts > MAX_EPOCH_PARTS)
        throw malformed(`key_epoch.parts must be 1 to ${MAX_EPOCH_PARTS}`)
      if (part >= parts) throw malformed('key_epoch.part must be below key_epoch.parts')
      return {
        kind,
        epoch,
        part,
        parts,
        ephemeralKey: ephemeralKeyOf(v?.ephemeralKey, 'key_epoch.ephemeral_key'),
        keys: wrappedKeys(v?.keys, 'key_epoch.keys'),
      }
    }
    case 'keyShare': {
      const epoch = safeU64(v?.epoch, 'key_share.epoch')
      if (epoch < 1) throw malformed('key_share.epoch must be at least 1')
      return {
        kind,
        epoch,
        ephemeralKey: ephemeralKeyOf(v?.ephemeralKey, 'key_share.ephemeral_key'),
        keys: wrappedKeys(v?.keys, 'key_share.keys'),
      }
    }
    default:
      throw malformed('the body has no action')
  }
}

/**
 * Decodes a group transaction and checks its form: canonical encoding (one byte string per
 * transaction), a well-formed key and low-S signature, one action with valid fields. It does not
 * verify the signature (`verifyGroupTxSignature`) nor the group's rules (`group state`).
 * Throws ChainError `GROUP_TX_MALFORMED`, `GROUP_TX_TOO_LARGE` or `GROUP_POST_TOO_LARGE`.
 */
export function decodeGroupTx(bytes: Uint8Array): GroupTx {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw malformed('empty')
  if (bytes.length > MAX_GROUP_TX_BYTES)
    throw new ChainError(
      GroupErrorCode.TX_TOO_LARGE,
      `group transaction of ${bytes.length} bytes is above ${MAX_GROUP_TX_BYTES}`,
    )
  let outer: Record<string, unknown>
  let m: Record<string, unknown>
  try {
    outer = TxType.decode(bytes) as unknown as Record<string, unknown>
    m = BodyType.decode((outer.body as Uint8Array | undefined) ?? new Uint8Array(0)) as unknown as Record<
      string,
      unknown
    >
  } catch (e) {
    throw malformed((e as Error).message)
  }
  const bodyBytes = (outer.body as Uint8Array | undefined) ?? new Uint8Array(0)
  const signature = (outer.signature as Uint8Array | undefined) ?? new Uint8Array(0)
  const publicKey = (m.publicKey as Uint8Array | undefined) ?? new Uint8Array(0)
  if (publicKey.length !== SECP256K1_PUBKEY_LENGTH) throw malformed('public_key must be 33 bytes')
  if (signature.length !== SECP256K1_SIGNATURE_LENGTH) throw malformed('signature must be 64 bytes')
  if (!isLowS(signature)) throw malformed('signature is not in low-S form')
  if (!isWellFormedSecp256k1(publicKey, signature))
    throw malformed('public key or signature is not well formed')
  const body: GroupTxBody = {
    groupId: safeU64(m.groupId, 'group_id'),
    publicKey,
    nonce: safeU64(m.nonce, 'nonce'),
    action: decodeAction(m),
  }
  if (body.groupId < 1) throw malformed('group_id must be at least 1')
  if (body.nonce < 1) throw malformed('nonce must be at least 1')
  if (body.action.kind === 'post') {
    if (body.action.content.length > MAX_POST_BYTES)
      throw new ChainError(
        GroupErrorCode.POST_TOO_LARGE,
        `post of ${body.action.content.length} bytes is above ${MAX_POST_BYTES}`,
      )
    checkPostContent(body.action.contentType, body.action.content)
  }
  // canonical: the body and the envelope re-encode to the bytes received
  if (!sameBytes(encodeGroupTxBody(body), bodyBytes)) throw malformed('body is not in canonical encoding')
  if (!sameBytes(TxType.encode(TxType.fromObject({ body: bodyBytes, signature })).finish(), bytes))
    throw malformed('transaction is not in canonical encoding')
  return {
    body,
    author: addressFromPubkey(publicKey),
    bodyBytes,
    signature,
    bytes,
    id: hex(sha256(bytes)),
  }
}

/** True when the transaction's signature is its author's over this chain's sign doc. Never throws. */
export function verifyGroupTxSignature(chainId: string, tx: GroupTx): boolean {
  return verifyWellFormedSecp256k1(tx.body.publicKey, groupTxSignBytes(chainId, tx.bodyBytes), tx.signature)
}

/** An attachment reference of a Note: a link to content stored elsewhere. */
export interface NoteAttachment {
  type: 'Link' | 'Document' | 'Image' | 'Video' | 'Audio'
  url: string
  mediaType?: string
  name?: string
}

/** The ActivityStreams 2.0 Note of a plain post. */
export interface Note {
  type: 'Note'
  content: string
  /** the id of the message replied to */
  inReplyTo?: string
  attachment?: NoteAttachment[]
}

const ATTACHMENT_TYPES = new Set(['Link', 'Document', 'Image', 'Video', 'Audio'])

/** The bytes of a Note as a post carries them (JSON with the ActivityStreams context). */
export function encodeNote(note: Omit<Note, 'type'>): Uint8Array {
  const obj: Record<string, unknown> = {
    '@context': 'https://www.w3.org/ns/activitystreams',
    type: 'Note',
    content: note.content,
  }
  if (note.inReplyTo !== undefined) obj.inReplyTo = note.inReplyTo
  if (note.attachment !== undefined && note.attachment.length > 0) obj.attachment = note.attachment
  return new TextEncoder().encode(JSON.stringify(obj))
}

/**
 * Checks a plain post's content: an ActivityStreams 2.0 Note (JSON object, `type: "Note"`, a
 * string `content`, optional `inReplyTo` message id, optional `attachment` references with a
 * `url`). Other content types are opaque here (ciphertext of a private group). Throws
 * `GROUP_TX_MALFORMED`.
 */
export function checkPostContent(contentType: string, content: Uint8Array): void {
  if (contentType === '' || contentType.length > 128)
    throw malformed('post content_type must be 1-128 characters')
  if (contentType === SEALED_CONTENT_TYPE) {
    decodeSealed(content)
    return
  }
  if (contentType !== ACTIVITY_CONTENT_TYPE) return
  let note: unknown
  try {
    note = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content))
  } catch {
    throw malformed('post content is not UTF-8 JSON')
  }
  if (typeof note !== 'object' || note === null || Array.isArray(note))
    throw malformed('post content is not a JSON object')
  const n = note as Record<string, unknown>
  if (n.type !== 'Note') throw malformed('post content must be an ActivityStreams Note (type "Note")')
  if (typeof n.content !== 'string') throw malformed('a Note needs a string content')
  if (n.inReplyTo !== undefined && (typeof n.inReplyTo !== 'string' || !/^[0-9a-f]{64}$/.test(n.inReplyTo)))
    throw malformed('inReplyTo must be a message id (64 lower-case hex characters)')
  if (n.attachment !== undefined) {
    if (!Array.isArray(n.attachment) || n.attachment.length > 16)
      throw malformed('attachment must be a list of at most 16 references')
    for (const a of n.attachment as unknown[]) {
      const r = a as Record<string, unknown> | null
      if (
        typeof r !== 'object' ||
        r === null ||
        !ATTACHMENT_TYPES.has(r.type as string) ||
        typeof r.url !== 'string' ||
        r.url.length === 0 ||
        r.url.length > 2048
      )
        throw malformed('an attachment needs a type (Link, Document, Image, Video, Audio) and a url')
    }
  }
}

/** The Note of a plain post's content, or undefined for opaque content. */
export function noteOf(contentType: string, content: Uint8Array): Note | undefined {
  if (contentType !== ACTIVITY_CONTENT_TYPE) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(content)) as Note
  } catch {
    return undefined
  }
}

/** Signs a post (a Note's bytes, or other content such as ciphertext) by `key` into group `groupId`. */
export function signPost(
  chainId: string,
  groupId: number,
  key: { privateKey: Uint8Array; publicKey: Uint8Array },
  nonce: number,
  post: { contentType: string; content: Uint8Array },
): Uint8Array {
  return signGroupTx(
    chainId,
    { groupId, publicKey: key.publicKey, nonce, action: { kind: 'post', ...post } },
    key.privateKey,
  )
}
