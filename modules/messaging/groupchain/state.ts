import { protoType } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import { StateOverlay } from '../../../chain/store/overlay.js'
import {
  bigintCodec,
  bytesCodec,
  paddedId,
  protoCodec,
  SingletonStore,
  TypedStore,
} from '../../../chain/store/typedStore.js'
import type { StateReader, StateWriter } from '../../../chain/store/types.js'
import type { PrunedTx } from './block.js'
import { GroupErrorCode } from './errors.js'
import { decodeSealed, SEALED_CONTENT_TYPE, type WrappedKey } from './sealed.js'
import type { GroupTx } from './tx.js'

/**
 * A group chain's own state and its rules: members, admins, mutes, bans, rules, each author's
 * last nonce and account key, and a private group's key epochs and wrapped keys, as keys under
 * `group/` (committed by the group block's state root, a sparse Merkle
 * tree over them like the main chain's). Pure: the main chain's facts come in a {@link GroupView},
 * earlier messages through a {@link MessageIndex}.
 */
const G = 'group'

/** `group/member/<address>` → the group height the member joined at. */
export const memberStore = new TypedStore<bigint>(G, 'member', bigintCodec)
/** `group/memberCount` → the number of members (the owner is a member without a key). */
export const memberCountStore = new SingletonStore<bigint>(G, 'memberCount', bigintCodec)
/** `group/admin/<address>` → empty: an admin named by the owner. */
export const adminStore = new TypedStore<Uint8Array>(G, 'admin', bytesCodec)
/** `group/mute/<address>` → muted until (ms since the epoch). */
export const muteStore = new TypedStore<bigint>(G, 'mute', bigintCodec)
/** `group/muteAll` → every non-admin muted until (ms). */
export const muteAllStore = new SingletonStore<bigint>(G, 'muteAll', bigintCodec)
/** `group/ban/<address>` → who banned it, when. */
export const banStore = new TypedStore<BanRecord>(
  G,
  'ban',
  protoCodec(protoType('gather.messaging.v1.GroupBanRecord')),
)
/** `group/rules` → the rules. */
export const rulesStore = new SingletonStore<GroupRules>(
  G,
  'rules',
  protoCodec(protoType('gather.messaging.v1.GroupRules')),
)
/** `group/nonce/<address>` → the author's last nonce in this group. */
export const nonceStore = new TypedStore<bigint>(G, 'nonce', bigintCodec)
/** `group/pubkey/<address>` → the account key (33 bytes) of an author, recorded with its first transaction. */
export const pubkeyStore = new TypedStore<Uint8Array>(G, 'pubkey', bytesCodec)
/** `group/epoch` → a private group's current key epoch (absent: none yet). */
export const epochStore = new SingletonStore<bigint>(G, 'epoch', bigintCodec)
/** `group/epochs/<padded epoch>` → who opened a key epoch, in how many parts, how many came. */
export const epochRecordStore = new TypedStore<EpochRecord>(
  G,
  'epochs',
  protoCodec(protoType('gather.messaging.v1.GroupEpochRecord')),
)
/** `group/key/<padded epoch>/<address>` → a member's wrapped group key of that epoch. */
export const keyStore = new TypedStore<KeyRecord>(
  G,
  'key',
  protoCodec(protoType('gather.messaging.v1.GroupKeyRecord')),
)

/** A key epoch as held in state. */
export interface EpochRecord {
  author: string
  parts: number
  partsSeen: number
  /** uint64 as a decimal string: the group height it was opened at */
  openedAt: string
}

/** A member's wrapped key of one epoch as held in state. */
export interface KeyRecord {
  ephemeralKey: Uint8Array
  nonce: Uint8Array
  ciphertext: Uint8Array
}

const epochKey = (epoch: number, address: string): string => `${paddedId(epoch)}/${address}`

/** A ban as held in state. */
export interface BanRecord {
  by: string
  /** uint64 as a decimal string */
  atMs: string
}

/** A group's rules. */
export interface GroupRules {
  text: string
  /** 0: content kept forever */
  retentionDays: number
  shareHistory: boolean
}

/** The rules of a new group. */
export const DEFAULT_RULES: GroupRules = { text: '', retentionDays: 0, shareHistory: true }

/** What the main chain says of the group, at the main height a group block names. */
export interface GroupView {
  owner: string
  /** 1..10,000 */
  maxMembers: number
  /** holder-gated: joining needs `holds(address)` */
  gated: boolean
  /** posts are sealed under key epochs */
  private: boolean
  frozen: boolean
  /** whether the address holds at least the gate's balance (asked only when gated) */
  holds(address: string): boolean
}

/** Earlier messages of the group (the store's index); the block being applied adds its own. */
export interface MessageIndex {
  get(id: string): { author: string; deleted: boolean } | undefined
}

/** What one accepted transaction did, for the message index and subscribers. */
export type GroupEffect =
  | { kind: 'post'; id: string; author: string }
  | { kind: 'delete'; id: string; by: string }
  | { kind: 'joined'; member: string }
  | { kind: 'left'; member: string; reason: 'leave' | 'kick' | 'ban' | 'holder_left' }
  | { kind: 'other' }

/** Everything a transaction's rules need besides the state. */
export interface ApplyContext {
  /** the block's time: mutes are compared with it */
  timeMs: number
  /** the block's height (recorded as a member's join height) */
  height: number
  group: GroupView
  messages: MessageIndex
}

const refuse = (code: string, message: string, data?: Record<string, unknown>): never => {
  throw new ChainError(code, message, data)
}

const iso = (ms: bigint | number): string => new Date(Number(ms)).toISOString().replace('.000Z', 'Z')

/** Read-only questions about a group state. */
export const groupState = {
  isMember(state: StateReader, group: GroupView, address: string): boolean {
    return address === group.owner || memberStore.has(state, address)
  },
  isAdmin(state: StateReader, group: GroupView, address: string): boolean {
    return address === group.owner || adminStore.has(state, address)
  },
  memberCount(state: StateReader): number {
    return Number(memberCountStore.get(state) ?? 0n)
  },
  /** The author's last nonce (0 before the first). */
  lastNonce(state: StateReader, address: string): number {
    return Number(nonceStore.get(state, address) ?? 0n)
  },
  rules(state: StateReader): GroupRules {
    return rulesStore.get(state) ?? DEFAULT_RULES
  },
  mutedUntil(state: StateReader, address: string): number {
    return Number(muteStore.get(state, address) ?? 0n)
  },
  muteAllUntil(state: StateReader): number {
    return Number(muteAllStore.get(state) ?? 0n)
  },
  ban(state: StateReader, address: string): BanRecord | undefined {
    return banStore.get(state, address)
  },
  admins(state: StateReader): string[] {
    return adminStore.entries(state).map(([a]) => a)
  },
  members(state: StateReader): { address: string; joinedAt: number }[] {
    return memberStore.entries(state).map(([address, h]) => ({ address, joinedAt: Number(h) }))
  },
  /** An author's account key, once it sent a transaction to the group. */
  publicKey(state: StateReader, address: string): Uint8Array | undefined {
    return pubkeyStore.get(state, address)
  },
  /** The current key epoch (0: none). */
  epoch(state: StateReader): number {
    return Number(epochStore.get(state) ?? 0n)
  },
  epochRecord(state: StateReader, epoch: number): EpochRecord | undefined {
    return epochRecordStore.get(state, paddedId(epoch))
  },
  /** A member's wrapped key of one epoch. */
  wrappedKey(state: StateReader, epoch: number, address: string): KeyRecord | undefined {
    return keyStore.get(state, epochKey(epoch, address))
  },
  /** The addresses holding a wrapped key of `epoch`. */
  keyHolders(state: StateReader, epoch: number): string[] {
    const prefix = keyStore.key(`${paddedId(epoch)}/`)
    return state.keys(prefix).map((k) => k.slice(prefix.length))
  },
  /** Every wrapped key of an address, by epoch (ascending). */
  wrappedKeysOf(state: StateReader, address: string): { epoch: number; key: KeyRecord }[] {
    const out: { epoch: number; key: KeyRecord }[] = []
    for (let e = 1; e <= groupState.epoch(state); e++) {
      const key = groupState.wrappedKey(state, e, address)
      if (key !== undefined) out.push({ epoch: e, key })
    }
    return out
  },
}

/** Stores the wrapped keys of one key-epoch or key-share transaction. */
function putWrappedKeys(
  state: StateWriter,
  ctx: ApplyContext,
  epoch: number,
  ephemeralKey: Uint8Array,
  keys: readonly WrappedKey[],
): void {
  for (const k of keys) {
    if (!groupState.isMember(state, ctx.group, k.member))
      refuse(
        GroupErrorCode.KEY_FOR_NON_MEMBER,
        `a key of epoch ${epoch} is wrapped for ${k.member}, not a member`,
      )
    if (keyStore.has(state, epochKey(epoch, k.member)))
      refuse(GroupErrorCode.KEY_ALREADY_WRAPPED, `${k.member} already holds a key of epoch ${epoch}`)
    keyStore.set(state, epochKey(epoch, k.member), { ephemeralKey, nonce: k.nonce, ciphertext: k.ciphertext })
  }
}

function requirePrivate(ctx: ApplyContext, what: string): void {
  if (!ctx.group.private)
    refuse(GroupErrorCode.PRIVACY_MISMATCH, `${what}: this group is public, its posts are not encrypted`)
}

/** A post's form against the group's privacy and current epoch. */
function checkPostPrivacy(
  state: StateReader,
  ctx: ApplyContext,
  contentType: string,
  content: Uint8Array,
): void {
  const sealed = contentType === SEALED_CONTENT_TYPE
  if (!ctx.group.private) {
    if (sealed) requirePrivate(ctx, 'a sealed post')
    return
  }
  if (!sealed)
    refuse(
      GroupErrorCode.PRIVACY_MISMATCH,
      'this group is private: a post must be sealed under its current key epoch',
    )
  const { epoch } = decodeSealed(content)
  const current = groupState.epoch(state)
  if (current === 0)
    refuse(GroupErrorCode.UNKNOWN_EPOCH, 'the group has no key epoch yet: an admin opens one first', {
      epoch: 0,
    })
  if (epoch < current)
    refuse(
      GroupErrorCode.STALE_EPOCH,
      `sealed under epoch ${epoch}, but the group is at epoch ${current}: seal it again with the new key`,
      { epoch: current },
    )
  if (epoch > current)
    refuse(GroupErrorCode.UNKNOWN_EPOCH, `epoch ${epoch} is not open: the group is at epoch ${current}`, {
      epoch: current,
    })
}

function addMember(state: StateWriter, address: string, height: number): void {
  memberStore.set(state, address, BigInt(height))
  memberCountStore.set(state, BigInt(groupState.memberCount(state) + 1))
}

/** Removes a member (and its admin and mute entries); false when it was not one. */
function removeMember(state: StateWriter, address: string): boolean {
  if (!memberStore.has(state, address)) return false
  memberStore.delete(state, address)
  memberCountStore.set(state, BigInt(groupState.memberCount(state) - 1))
  adminStore.delete(state, address)
  muteStore.delete(state, address)
  return true
}

function requireAdmin(state: StateReader, ctx: ApplyContext, author: string): void {
  if (!groupState.isAdmin(state, ctx.group, author))
    refuse(GroupErrorCode.NOT_ADMIN, `${author} is not an admin of this group`)
}

function requireNotAdmin(state: StateReader, ctx: ApplyContext, target: string): void {
  if (groupState.isAdmin(state, ctx.group, target))
    refuse(
      GroupErrorCode.TARGET_IS_ADMIN,
      `${target} is an admin of this group: the owner removes admins first`,
    )
}

function requirePostingMember(state: StateReader, ctx: ApplyContext, author: string): void {
  const ban = groupState.ban(state, author)
  if (ban !== undefined) refuse(GroupErrorCode.BANNED, `banned by ${ban.by}`, { by: ban.by })
  if (!groupState.isMember(state, ctx.group, author))
    refuse(GroupErrorCode.NOT_MEMBER, `${author} is not a member of this group: join it first`)
  const admin = groupState.isAdmin(state, ctx.group, author)
  const until = groupState.mutedUntil(state, author)
  if (!admin && until > ctx.timeMs)
    refuse(GroupErrorCode.MUTED, `muted until ${iso(until)}`, { until: iso(until) })
  const all = groupState.muteAllUntil(state)
  if (!admin && all > ctx.timeMs)
    refuse(GroupErrorCode.MUTED_ALL, `the group is muted for everyone but its admins until ${iso(all)}`, {
      until: iso(all),
    })
}

/**
 * Checks one transaction against the group's rules and applies it to `state`; throws ChainError
 * with a `GROUP_*` code (and writes nothing that the caller keeps: run it on an overlay and drop
 * it on failure). The signature is checked before (`verifyGroupTxSignature`), the nonce here.
 */
export function applyGroupTx(state: StateWriter, tx: GroupTx, ctx: ApplyContext): GroupEffect {
  const { author } = tx
  const { action, nonce } = tx.body
  if (ctx.group.frozen)
    refuse(
      GroupErrorCode.FROZEN,
      'the group is frozen: it accepts nothing until its owner rotates its producers',
    )
  const last = groupState.lastNonce(state, author)
  if (nonce <= last)
    refuse(
      GroupErrorCode.BAD_NONCE,
      `nonce ${nonce} is not above ${author}'s last nonce ${last} in this group`,
      {
        last,
      },
    )
  nonceStore.set(state, author, BigInt(nonce))
  if (!pubkeyStore.has(state, author)) pubkeyStore.set(state, author, tx.body.publicKey)
  switch (action.kind) {
    case 'post':
      requirePostingMember(state, ctx, author)
      checkPostPrivacy(state, ctx, action.contentType, action.content)
      return { kind: 'post', id: tx.id, author }
    case 'keyEpoch': {
      requireAdmin(state, ctx, author)
      requirePrivate(ctx, 'a key epoch')
      const current = groupState.epoch(state)
      if (action.part === 0) {
        if (action.epoch !== current + 1)
          refuse(
            GroupErrorCode.BAD_KEY_EPOCH,
            `a new key epoch must be ${current + 1}, not ${action.epoch}`,
            {
              epoch: current,
            },
          )
        epochStore.set(state, BigInt(action.epoch))
        epochRecordStore.set(state, paddedId(action.epoch), {
          author,
          parts: action.parts,
          partsSeen: 1,
          openedAt: String(ctx.height),
        })
      } else {
        const rec = groupState.epochRecord(state, current)
        if (
          rec === undefined ||
          action.epoch !== current ||
          rec.author !== author ||
          rec.parts !== action.parts ||
          action.part !== rec.partsSeen
        )
          refuse(
            GroupErrorCode.BAD_KEY_EPOCH,
            `part ${action.part} of epoch ${action.epoch} does not continue epoch ${current}` +
              (rec === undefined ? '' : ` (${rec.partsSeen} of ${rec.parts} parts by ${rec.author})`),
            { epoch: current },
          )
        epochRecordStore.set(state, paddedId(current), { ...rec!, partsSeen: rec!.partsSeen + 1 })
      }
      putWrappedKeys(state, ctx, action.epoch, action.ephemeralKey, action.keys)
      return { kind: 'other' }
    }
    case 'keyShare': {
      requireAdmin(state, ctx, author)
      requirePrivate(ctx, 'a key share')
      const current = groupState.epoch(state)
      if (action.epoch > current)
        refuse(
          GroupErrorCode.UNKNOWN_EPOCH,
          `epoch ${action.epoch} is not open: the group is at epoch ${current}`,
          {
            epoch: current,
          },
        )
      if (!groupState.rules(state).shareHistory)
        refuse(
          GroupErrorCode.HISTORY_NOT_SHARED,
          'the group does not share history: a newcomer gets keys only with a new epoch',
        )
      putWrappedKeys(state, ctx, action.epoch, action.ephemeralKey, action.keys)
      return { kind: 'other' }
    }
    case 'join': {
      const ban = groupState.ban(state, author)
      if (ban !== undefined) refuse(GroupErrorCode.BANNED, `banned by ${ban.by}`, { by: ban.by })
      if (groupState.isMember(state, ctx.group, author))
        refuse(GroupErrorCode.ALREADY_MEMBER, `${author} is already a member`)
      // the owner is a member without joining: it counts towards the cap
      if (groupState.memberCount(state) + 1 >= ctx.group.maxMembers)
        refuse(
          GroupErrorCode.FULL,
          `the group is full (${ctx.group.maxMembers.toLocaleString('en-US')} members)`,
          { maxMembers: ctx.group.maxMembers },
        )
      if (ctx.group.gated && !ctx.group.holds(author))
        refuse(
          GroupErrorCode.BELOW_GATE,
          `${author} holds less GAT than the group's gate on the final main-chain state`,
        )
      addMember(state, author, ctx.height)
      return { kind: 'joined', member: author }
    }
    case 'leave':
      if (author === ctx.group.owner)
        refuse(GroupErrorCode.OWNER_STAYS, 'the owner is always a member of its group')
      if (!removeMember(state, author)) refuse(GroupErrorCode.NOT_MEMBER, `${author} is not a member`)
      return { kind: 'left', member: author, reason: 'leave' }
    case 'mute':
      requireAdmin(state, ctx, author)
      requireNotAdmin(state, ctx, action.member)
      if (!groupState.isMember(state, ctx.group, action.member))
        refuse(GroupErrorCode.NOT_MEMBER, `${action.member} is not a member`)
      if (action.untilMs <= ctx.timeMs) muteStore.delete(state, action.member)
      else muteStore.set(state, action.member, BigInt(action.untilMs))
      return { kind: 'other' }
    case 'muteAll':
      requireAdmin(state, ctx, author)
      if (action.untilMs <= ctx.timeMs) muteAllStore.delete(state)
      else muteAllStore.set(state, BigInt(action.untilMs))
      return { kind: 'other' }
    case 'kick':
      requireAdmin(state, ctx, author)
      requireNotAdmin(state, ctx, action.member)
      if (!removeMember(state, action.member))
        refuse(GroupErrorCode.NOT_MEMBER, `${action.member} is not a member`)
      return { kind: 'left', member: action.member, reason: 'kick' }
    case 'ban':
      requireAdmin(state, ctx, author)
      requireNotAdmin(state, ctx, action.member)
      if (groupState.ban(state, action.member) !== undefined)
        refuse(GroupErrorCode.BANNED, `${action.member} is already banned`)
      banStore.set(state, action.member, { by: author, atMs: String(ctx.timeMs) })
      if (removeMember(state, action.member)) return { kind: 'left', member: action.member, reason: 'ban' }
      return { kind: 'other' }
    case 'unban':
      requireAdmin(state, ctx, author)
      if (groupState.ban(state, action.member) === undefined)
        refuse(GroupErrorCode.NOT_BANNED, `${action.member} is not banned`)
      banStore.delete(state, action.member)
      return { kind: 'other' }
    case 'delete': {
      const m = ctx.messages.get(action.messageId)
      if (m === undefined)
        refuse(GroupErrorCode.UNKNOWN_MESSAGE, `no message ${action.messageId} in this group`)
      if (m!.deleted) refuse(GroupErrorCode.MESSAGE_DELETED, `message ${action.messageId} is already deleted`)
      if (m!.author !== author) requireAdmin(state, ctx, author)
      return { kind: 'delete', id: action.messageId, by: author }
    }
    case 'setAdmins': {
      if (author !== ctx.group.owner) refuse(GroupErrorCode.NOT_OWNER, 'only the group owner sets the admins')
      for (const a of groupState.admins(state)) adminStore.delete(state, a)
      for (const a of action.admins) {
        if (a === ctx.group.owner) continue
        if (!memberStore.has(state, a)) refuse(GroupErrorCode.NOT_MEMBER, `admin ${a} is not a member`)
        adminStore.set(state, a, new Uint8Array(0))
      }
      return { kind: 'other' }
    }
    case 'setRules':
      requireAdmin(state, ctx, author)
      rulesStore.set(state, {
        text: action.text,
        retentionDays: action.retentionDays,
        shareHistory: action.shareHistory,
      })
      return { kind: 'other' }
  }
}

/** A pruned transaction's nonce (all of its state that remains); refused when not increasing. */
function applyPrunedNonce(state: StateWriter, p: PrunedTx): void {
  const last = groupState.lastNonce(state, p.author)
  if (p.nonce <= last)
    refuse(
      GroupErrorCode.BAD_NONCE,
      `pruned transaction ${p.index}: nonce ${p.nonce} is not above ${p.author}'s last ${last}`,
    )
  nonceStore.set(state, p.author, BigInt(p.nonce))
}

/** A transaction refused while a block was built or checked, with its reason. */
export interface Refusal {
  tx: GroupTx
  code: string
  reason: string
}

/** What a block's transactions did to a group state. */
export interface BlockOutcome {
  /** the state changes of the block (an overlay's `changes()`), to commit in one batch */
  overlay: StateOverlay
  effects: GroupEffect[]
  /** the transactions kept, in order (pruned ones as they came) */
  applied: (GroupTx | PrunedTx)[]
  /** those refused (only when building: checking a block refuses the whole block) */
  refused: Refusal[]
}

/**
 * Applies a block's work to `base`: first the members whose GAT fell below a holder gate
 * (`holderLeft`, from the main chain's holder-left events between the parent's and this block's
 * main height), then the transactions in order. `mode: 'build'` drops a refused transaction and
 * goes on (a producer assembling a block); `mode: 'check'` throws at the first one (a block
 * that holds a refused transaction is invalid).
 */
export function applyGroupBlock(
  base: StateReader,
  txs: readonly (GroupTx | PrunedTx)[],
  ctx: ApplyContext,
  holderLeft: readonly string[],
  mode: 'build' | 'check',
): BlockOutcome {
  const overlay = new StateOverlay(base)
  const effects: GroupEffect[] = []
  for (const address of holderLeft) {
    if (address === ctx.group.owner) continue
    if (removeMember(overlay, address)) effects.push({ kind: 'left', member: address, reason: 'holder_left' })
  }
  // messages of this block, so a delete may follow its post in the same block
  const local = new Map<string, { author: string; deleted: boolean }>()
  const messages: MessageIndex = { get: (id) => local.get(id) ?? ctx.messages.get(id) }
  const txCtx: ApplyContext = { ...ctx, messages }
  const applied: (GroupTx | PrunedTx)[] = []
  const refused: Refusal[] = []
  for (const tx of txs) {
    if ('leafHash' in tx) {
      // content dropped (tombstone, retention): only its nonce is state
      applyPrunedNonce(overlay, tx)
      continue
    }
    const snap = overlay.snapshot()
    try {
      const effect = applyGroupTx(overlay, tx, txCtx)
      if (effect.kind === 'post') local.set(effect.id, { author: effect.author, deleted: false })
      if (effect.kind === 'delete')
        local.set(effect.id, { author: messages.get(effect.id)!.author, deleted: true })
      effects.push(effect)
      applied.push(tx)
    } catch (e) {
      overlay.restore(snap)
      if (mode === 'check' || !(e instanceof ChainError)) throw e
      refused.push({ tx, code: e.code, reason: e.message })
    }
  }
  return { overlay, effects, applied, refused }
}
