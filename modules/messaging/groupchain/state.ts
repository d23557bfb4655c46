import { protoType } from '../../../chain/codec/index.js'
import { ChainError } from '../../../chain/errors.js'
import { StateOverlay } from '../../../chain/store/overlay.js'
import {
  bigintCodec,
  bytesCodec,
  protoCodec,
  SingletonStore,
  TypedStore,
} from '../../../chain/store/typedStore.js'
import type { StateReader, StateWriter } from '../../../chain/store/types.js'
import { GroupErrorCode } from './errors.js'
import type { GroupTx } from './tx.js'

/**
 * A group chain's own state and its rules: members, admins, mutes, bans, rules and each author's
 * last nonce, as keys under `group/` (committed by the group block's state root, a sparse Merkle
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
export const banStore = new TypedStore<BanRecord>(G, 'ban', protoCodec(protoType('gather.messaging.v1.GroupBanRecord')))
/** `group/rules` → the rules. */
export const rulesStore = new SingletonStore<GroupRules>(G, 'rules', protoCodec(protoType('gather.messaging.v1.GroupRules')))
/** `group/nonce/<address>` → the author's last nonce in this group. */
export const nonceStore = new TypedStore<bigint>(G, 'nonce', bigintCodec)

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
    refuse(GroupErrorCode.TARGET_IS_ADMIN, `${target} is an admin of this group: the owner removes admins first`)
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
  if (ctx.group.frozen) refuse(GroupErrorCode.FROZEN, 'the group is frozen: it accepts nothing until its owner rotates its producers')
  const last = groupState.lastNonce(state, author)
  if (nonce <= last)
    refuse(GroupErrorCode.BAD_NONCE, `nonce ${nonce} is not above ${author}'s last nonce ${last} in this group`, {
      last,
    })
  nonceStore.set(state, author, BigInt(nonce))
  switch (action.kind) {
    case 'post':
      requirePostingMember(state, ctx, author)
      return { kind: 'post', id: tx.id, author }
    case 'join': {
      const ban = groupState.ban(state, author)
      if (ban !== undefined) refuse(GroupErrorCode.BANNED, `banned by ${ban.by}`, { by: ban.by })
      if (groupState.isMember(state, ctx.group, author))
        refuse(GroupErrorCode.ALREADY_MEMBER, `${author} is already a member`)
      if (groupState.memberCount(state) >= ctx.group.maxMembers)
        refuse(
          GroupErrorCode.FULL,
          `the group is full (${ctx.group.maxMembers.toLocaleString('en-US')} members)`,
          { maxMembers: ctx.group.maxMembers },
        )
      if (ctx.group.gated && !ctx.group.holds(author))
        refuse(GroupErrorCode.BELOW_GATE, `${author} holds less GAT than the group's gate on the final main-chain state`)
      addMember(state, author, ctx.height)
      return { kind: 'joined', member: author }
    }
    case 'leave':
      if (author === ctx.group.owner) refuse(GroupErrorCode.OWNER_STAYS, 'the owner is always a member of its group')
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
      if (!removeMember(state, action.member)) refuse(GroupErrorCode.NOT_MEMBER, `${action.member} is not a member`)
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
      if (m === undefined) refuse(GroupErrorCode.UNKNOWN_MESSAGE, `no message ${action.messageId} in this group`)
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
  /** the transactions kept, in order */
  applied: GroupTx[]
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
  txs: readonly GroupTx[],
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
  const applied: GroupTx[] = []
  const refused: Refusal[] = []
  for (const tx of txs) {
    const snap = overlay.snapshot()
    try {
      const effect = applyGroupTx(overlay, tx, txCtx)
      if (effect.kind === 'post') local.set(effect.id, { author: effect.author, deleted: false })
      if (effect.kind === 'delete') local.set(effect.id, { author: messages.get(effect.id)!.author, deleted: true })
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
