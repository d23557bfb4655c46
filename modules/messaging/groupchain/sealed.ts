import { randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { protoType } from '../../../chain/codec/index.js'
import { ecdhSecp256k1, publicKeyFromPrivateKey } from '../../../chain/crypto/secp256k1.js'
import { ChainError } from '../../../chain/errors.js'
import { GroupErrorCode } from './errors.js'

/**
 * End-to-end encryption of private groups (docs/adr/011-private-groups.md). A key epoch is a
 * random 256-bit group key; it reaches each member wrapped for the member's account key (ECIES
 * on secp256k1: ECDH with an ephemeral key, HKDF-SHA256, XChaCha20-Poly1305), and posts are
 * sealed under it with XChaCha20-Poly1305. Every primitive comes from @noble/ciphers,
 * @noble/hashes and libsecp256k1/OpenSSL (ECDH); nothing here is a cipher of its own. The
 * associated data binds each ciphertext to the chain, the group, the epoch and the member or
 * author, so a ciphertext moved anywhere else fails to open.
 */

/** The content type of a private group's post: a `GroupSealed` protobuf. */
export const SEALED_CONTENT_TYPE = 'application/vnd.gather.sealed+protobuf'

/** Bytes of a group key. */
export const GROUP_KEY_BYTES = 32
/** Bytes of an XChaCha20-Poly1305 nonce. */
export const NONCE_BYTES = 24
/** Bytes of a Poly1305 tag. */
export const TAG_BYTES = 16
/** Bytes of a wrapped group key's ciphertext: the key and the tag. */
export const WRAPPED_KEY_BYTES = GROUP_KEY_BYTES + TAG_BYTES

const SealedType = protoType('gather.messaging.v1.GroupSealed')
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A group key wrapped for one member. */
export interface WrappedKey {
  member: string
  nonce: Uint8Array
  ciphertext: Uint8Array
}

/** A member's wrapped key of one epoch as a client reads it (`group_getKeys`). */
export interface MemberKey {
  epoch: number
  /** the ephemeral public key of the part that wrapped it */
  ephemeralKey: Uint8Array
  nonce: Uint8Array
  ciphertext: Uint8Array
}

/** A private group's post content. */
export interface Sealed {
  epoch: number
  nonce: Uint8Array
  ciphertext: Uint8Array
}

/** Why a client could not decrypt: a key that is not its, a tampered or moved ciphertext. */
export class DecryptError extends ChainError {
  constructor(message: string) {
    super(GroupErrorCode.DECRYPT_FAILED, message)
  }
}

/** What a wrapped key is bound to (HKDF info and AEAD associated data). */
function wrapContext(chainId: string, groupId: number, epoch: number, member: string): Uint8Array {
  return utf8(`gather/group-key/v1\n${chainId}\n${groupId}\n${epoch}\n${member}`)
}

/** What a sealed post is bound to (AEAD associated data). */
function postContext(chainId: string, groupId: number, epoch: number, author: string): Uint8Array {
  return utf8(`gather/group-post/v1\n${chainId}\n${groupId}\n${epoch}\n${author}`)
}

/** The AEAD key for one member: HKDF-SHA256 over the ECDH secret, salted with both public keys. */
function wrapKeyFor(
  secret: Uint8Array,
  ephemeralKey: Uint8Array,
  memberKey: Uint8Array,
  info: Uint8Array,
): Uint8Array {
  const salt = new Uint8Array(ephemeralKey.length + memberKey.length)
  salt.set(ephemeralKey, 0)
  salt.set(memberKey, ephemeralKey.length)
  return hkdf(sha256, secret, salt, info, 32)
}

/** A fresh random group key (the CSPRNG of node:crypto). */
export function newGroupKey(): Uint8Array {
  return new Uint8Array(randomBytes(GROUP_KEY_BYTES))
}

/**
 * Wraps `groupKey` of `epoch` for each member's account key with one fresh ephemeral key.
 *
 * @returns the ephemeral public key (goes in the transaction) and one wrapped key per member
 */
export function wrapGroupKey(
  chainId: string,
  groupId: number,
  epoch: number,
  groupKey: Uint8Array,
  members: readonly { address: string; publicKey: Uint8Array }[],
): { ephemeralKey: Uint8Array; keys: WrappedKey[] } {
  if (groupKey.length !== GROUP_KEY_BYTES) throw new Error('a group key is 32 bytes')
  let ephemeral: Uint8Array
  for (;;) {
    ephemeral = new Uint8Array(randomBytes(32))
    try {
      publicKeyFromPrivateKey(ephemeral)
      break
    } catch {
      // a scalar out of range (probability ~2^-128): draw again
    }
  }
  const ephemeralKey = publicKeyFromPrivateKey(ephemeral)
  const keys = members.map((m) => {
    const info = wrapContext(chainId, groupId, epoch, m.address)
    const key = wrapKeyFor(ecdhSecp256k1(ephemeral, m.publicKey), ephemeralKey, m.publicKey, info)
    const nonce = new Uint8Array(randomBytes(NONCE_BYTES))
    return { member: m.address, nonce, ciphertext: xchacha20poly1305(key, nonce, info).encrypt(groupKey) }
  })
  ephemeral.fill(0)
  return { ephemeralKey, keys }
}

/**
 * Unwraps a member's group key of one epoch with the member's account key.
 *
 * @throws DecryptError (`GROUP_DECRYPT_FAILED`) when the key was not wrapped for this account
 *   or the wrapped bytes were changed
 */
export function unwrapGroupKey(
  chainId: string,
  groupId: number,
  member: { address: string; privateKey: Uint8Array; publicKey: Uint8Array },
  wrapped: MemberKey,
): Uint8Array {
  const info = wrapContext(chainId, groupId, wrapped.epoch, member.address)
  try {
    const secret = ecdhSecp256k1(member.privateKey, wrapped.ephemeralKey)
    const key = wrapKeyFor(secret, wrapped.ephemeralKey, member.publicKey, info)
    const out = xchacha20poly1305(key, wrapped.nonce, info).decrypt(wrapped.ciphertext)
    if (out.length !== GROUP_KEY_BYTES) throw new Error('not a group key')
    return out
  } catch {
    throw new DecryptError(`the key of epoch ${wrapped.epoch} does not open with ${member.address}'s key`)
  }
}

/** Encodes a sealed post's content. */
export function encodeSealed(s: Sealed): Uint8Array {
  return SealedType.encode(SealedType.fromObject(s)).finish()
}

/**
 * Decodes a sealed post's content and checks its form (epoch ≥ 1, a 24-byte nonce, a ciphertext
 * at least a tag long, canonical encoding). Throws ChainError `GROUP_TX_MALFORMED`.
 */
export function decodeSealed(content: Uint8Array): Sealed {
  const bad = (why: string) => new ChainError(GroupErrorCode.MALFORMED, `malformed group transaction: ${why}`)
  let m: Record<string, unknown>
  try {
    m = SealedType.decode(content) as unknown as Record<string, unknown>
  } catch (e) {
    throw bad(`sealed post: ${(e as Error).message}`)
  }
  const epoch = Number(m.epoch ?? 0)
  const nonce = (m.nonce as Uint8Array | undefined) ?? new Uint8Array(0)
  const ciphertext = (m.ciphertext as Uint8Array | undefined) ?? new Uint8Array(0)
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw bad('sealed post epoch must be at least 1')
  if (nonce.length !== NONCE_BYTES) throw bad(`sealed post nonce must be ${NONCE_BYTES} bytes`)
  if (ciphertext.length < TAG_BYTES) throw bad('sealed post ciphertext is shorter than its tag')
  const s = { epoch, nonce, ciphertext }
  if (!Buffer.from(encodeSealed(s)).equals(Buffer.from(content)))
    throw bad('sealed post is not in canonical encoding')
  return s
}

/** Seals a post's plaintext (a Note's bytes) by `author` under the epoch's group key. */
export function sealPost(
  chainId: string,
  groupId: number,
  author: string,
  epoch: number,
  groupKey: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES))
  const aad = postContext(chainId, groupId, epoch, author)
  return encodeSealed({
    epoch,
    nonce,
    ciphertext: xchacha20poly1305(groupKey, nonce, aad).encrypt(plaintext),
  })
}

/**
 * Opens a sealed post with the group keys a member holds (by epoch). Success is the AEAD's
 * proof that this plaintext is what the author sealed in these exact content bytes.
 *
 * @throws DecryptError (`GROUP_DECRYPT_FAILED`) without the epoch's key, or when the content,
 *   the author or the group is not the one it was sealed for
 */
export function openPost(
  chainId: string,
  groupId: number,
  author: string,
  content: Uint8Array,
  keys: ReadonlyMap<number, Uint8Array>,
): { epoch: number; plaintext: Uint8Array } {
  const s = decodeSealed(content)
  const key = keys.get(s.epoch)
  if (key === undefined)
    throw new DecryptError(`no key of epoch ${s.epoch}: it was not wrapped for this account`)
  try {
    const aad = postContext(chainId, groupId, s.epoch, author)
    return { epoch: s.epoch, plaintext: xchacha20poly1305(key, s.nonce, aad).decrypt(s.ciphertext) }
  } catch {
    throw new DecryptError(
      `the post does not open with the key of epoch ${s.epoch}: changed or sealed elsewhere`,
    )
  }
}
