import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { SEALED_CONTENT_TYPE } from '../../modules/messaging/groupchain/sealed.js'
import {
  ACTIVITY_CONTENT_TYPE,
  checkPostContent,
  encodeNote,
  type GroupAction,
  MAX_ADMINS,
  MAX_POST_BYTES,
  MAX_RULES_CHARS,
  type Note,
  type NoteAttachment,
  noteOf,
  signGroupTx,
} from '../../modules/messaging/groupchain/tx.js'
import type { GatherClient, GroupAccountView, GroupMessageView } from '../../rpc/client.js'
import {
  type GroupAccount,
  groupKeysOf,
  keyRecipients,
  openMessage,
  rotationTxs,
  sealedPostTx,
  shareTxs,
} from '../../rpc/privateGroups.js'
import { parseAddressArg, parseWhole } from '../args.js'
import { columnTable, keyValueTable, output, printJson } from '../format.js'
import { defaultHome } from '../home.js'
import { clientOf, examples, homeOption, jsonOption, passphraseOption, rpcOption } from '../options.js'
import { unlockKey } from '../prompt.js'
import { groupIdArg } from './messaging.js'

// `gather group …`: a group chain's messages and moderation, through the node's group runtime
// (docs/rpc.md, "Groups"). Arguments are checked before a key is unlocked or the node is asked,
// so a mistyped command sends nothing.

/** Options of every `gather group` subcommand. */
interface GroupOptions {
  rpc: string
  json?: boolean
}

/** Options of the subcommands that sign (and of those that may: `admins`). */
interface SigningOptions extends GroupOptions {
  home: string
  from?: string
  passphraseFile?: string
}

interface PostOptions extends SigningOptions {
  replyTo?: string
  attach?: string[]
  contentType?: string
  file?: string
}

interface MuteOptions extends SigningOptions {
  until?: string
  for?: string
  off?: boolean
}

interface RulesOptions extends SigningOptions {
  text?: string
  retentionDays?: string
  shareHistory?: string
}

/** What a signing subcommand sends: a group, one action, and the rows shown with its id. */
interface GroupTxPlan {
  groupId: number
  action: GroupAction
  summary: [string, string][]
}

const collect = (v: string, all: string[]): string[] => [...all, v]

/** A time for people and for the node's own messages: ISO 8601, whole seconds without `.000`. */
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z')

/**
 * Text of others, on one line and harmless to a terminal: control characters (escape sequences,
 * line breaks) and bidirectional overrides become spaces.
 */
const oneLine = (s: string): string => s.replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, ' ')

const MESSAGE_ID = /^[0-9a-fA-F]{64}$/

function messageIdArg(v: string | undefined, what: string): string {
  if (v === undefined || !MESSAGE_ID.test(v))
    throw new Error(`${what} "${v ?? ''}" must be a message id: 64 hex characters (gather group read --ids)`)
  return v.toLowerCase()
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Longest mute a duration may ask for: ten years. */
const MAX_DURATION_MS = 3650 * UNIT_MS.d!

/** `--for`: `10m`, `2h`, `1h30m`, `7d` (s, m, h, d, w) in milliseconds. */
export function parseDuration(v: string): number {
  if (!/^(?:[0-9]{1,6}[smhdw])+$/.test(v))
    throw new Error(`--for must be a duration like 10m, 2h, 1h30m or 7d (units s, m, h, d, w), got "${v}"`)
  let ms = 0
  for (const [, n, unit] of v.matchAll(/([0-9]+)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit!]!
  if (ms === 0) throw new Error(`--for must be longer than 0, got "${v}"`)
  if (ms > MAX_DURATION_MS) throw new Error(`--for must be at most 3650d (ten years), got "${v}"`)
  return ms
}

const ISO_TIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,3})?)?(?:Z|[+-][0-9]{2}:[0-9]{2}))?$/

/** `--until`: an ISO 8601 time with `Z` or an offset (`2026-12-02T10:00:00Z`), or a date (its midnight UTC). */
export function parseUntil(v: string): number {
  const m = ISO_TIME.exec(v)
  const ms = Date.parse(v)
  // Date.parse takes 2026-02-30 for March 2nd: the calendar day is checked apart
  const day = m === null ? undefined : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  if (
    m === null ||
    Number.isNaN(ms) ||
    day?.getUTCDate() !== Number(m[3]) ||
    day.getUTCMonth() !== Number(m[2]) - 1
  )
    throw new Error(
      `--until must be a time like 2026-12-02T10:00:00Z (ISO 8601, with Z or an offset such as +02:00) or a date, got "${v}"`,
    )
  return ms
}

/** The end of a mute from `--until`, `--for` or (mute-all) `--off`: exactly one of them. */
function muteEnd(o: MuteOptions, offAllowed: boolean): number {
  const given = [o.until, o.for, o.off === true ? 'off' : undefined].filter((v) => v !== undefined)
  if (given.length !== 1)
    throw new Error(
      offAllowed
        ? 'give one of --until TIME, --for DURATION or --off'
        : 'give --until TIME or --for DURATION (one of them)',
    )
  if (o.off === true) return 0
  const now = Date.now()
  const until = o.until !== undefined ? parseUntil(o.until) : now + parseDuration(o.for!)
  if (until <= now)
    throw new Error(
      `--until ${o.until} is in the past: ${offAllowed ? '--off lifts the mute' : 'gather group unmute lifts a mute'}`,
    )
  return until
}

/**
 * An address argument, in lower case: bech32 in capitals is the same address, but the group
 * state keys addresses by their text.
 */
const addressArg = (v: string | undefined, what: string): string => parseAddressArg(v, what).toLowerCase()

/** A `<member>` argument. */
const memberArg = (v: string | undefined): string => addressArg(v, '<member>')

/** The post's action: a Note from the text (with replies and attachments), or raw content from a file. */
async function postAction(text: string | undefined, o: PostOptions): Promise<GroupAction> {
  const raw = o.contentType !== undefined || o.file !== undefined
  const attach = o.attach ?? []
  if (raw) {
    if (o.contentType === undefined || o.file === undefined)
      throw new Error('--content-type and --file go together: the file is the content, sent as it is')
    if (text !== undefined) throw new Error('give <text> or --file, not both')
    if (o.replyTo !== undefined || attach.length > 0)
      throw new Error(
        '--reply-to and --attach build a Note from <text>; with --file, put them in the content',
      )
    if (o.contentType.length === 0 || o.contentType.length > 128)
      throw new Error('--content-type must be 1 to 128 characters')
    let content: Uint8Array
    try {
      content = new Uint8Array(await readFile(o.file))
    } catch (e) {
      throw new Error(`cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    return {
      kind: 'post',
      contentType: o.contentType,
      content: checkedContent(o.contentType, content, o.file),
    }
  }
  if (text === undefined) throw new Error('give <text>, or --content-type and --file for raw content')
  if (attach.length > 16) throw new Error('--attach may be given at most 16 times')
  const attachment: NoteAttachment[] = attach.map((url) => {
    let ok = url.length <= 2048
    try {
      new URL(url)
    } catch {
      ok = false
    }
    if (!ok)
      throw new Error(
        `--attach "${url.slice(0, 100)}" must be a URL (https://…, ipfs://…) of at most 2048 characters`,
      )
    return { type: 'Link', url }
  })
  const content = encodeNote({
    content: text,
    ...(o.replyTo === undefined ? {} : { inReplyTo: messageIdArg(o.replyTo, '--reply-to') }),
    ...(attachment.length === 0 ? {} : { attachment }),
  })
  return {
    kind: 'post',
    contentType: ACTIVITY_CONTENT_TYPE,
    content: checkedContent(ACTIVITY_CONTENT_TYPE, content),
  }
}

/** The content if the node would take it: its size, and for a Note its shape. */
function checkedContent(contentType: string, content: Uint8Array, file?: string): Uint8Array {
  const where = file === undefined ? 'the post' : file
  if (content.length > MAX_POST_BYTES)
    throw new Error(
      `${where} is ${content.length} bytes, above the limit of ${MAX_POST_BYTES} (GROUP_POST_TOO_LARGE)`,
    )
  try {
    checkPostContent(contentType, content)
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`)
  }
  return content
}

/**
 * Why the group would refuse the action, from what it says of the author (`group_getMember`),
 * in the words the group runtime uses; undefined when nothing here says it would. Only state
 * facts are checked: everything else (a full group, the holder gate, a deleted message) is the
 * node's to say.
 */
export function refusalOf(action: GroupAction, a: GroupAccountView, nowMs: number): string | undefined {
  const banned = a.banned === null ? undefined : `banned by ${a.banned.by} (GROUP_BANNED)`
  const notMember = `${a.address} is not a member of group ${a.groupId}: join it first (gather group join ${a.groupId}) (GROUP_NOT_MEMBER)`
  switch (action.kind) {
    case 'join':
      if (banned !== undefined) return banned
      if (a.member) return `${a.address} is already a member of group ${a.groupId} (GROUP_ALREADY_MEMBER)`
      return undefined
    case 'post':
      if (banned !== undefined) return banned
      if (!a.member) return notMember
      if (a.admin) return undefined
      if (a.mutedUntil !== null && a.mutedUntil > nowMs)
        return `muted until ${iso(a.mutedUntil)} (GROUP_MUTED)`
      if (a.muteAllUntil !== null && a.muteAllUntil > nowMs)
        return `the group is muted for everyone but its admins until ${iso(a.muteAllUntil)} (GROUP_MUTED_ALL)`
      return undefined
    case 'leave':
      if (a.owner) return 'the owner is always a member of its group (GROUP_OWNER_STAYS)'
      if (!a.member) return `${a.address} is not a member of group ${a.groupId} (GROUP_NOT_MEMBER)`
      return undefined
    case 'setAdmins':
      return a.owner ? undefined : `only the owner of group ${a.groupId} sets its admins (GROUP_NOT_OWNER)`
    case 'delete':
      // an author deletes its own messages, an admin anyone's: the node knows whose it is
      return undefined
    default:
      return a.admin ? undefined : `${a.address} is not an admin of group ${a.groupId} (GROUP_NOT_ADMIN)`
  }
}

/** Signs the plan with `--from`'s key (nonce from group_getMember, chain id from chain_getStatus) and sends it with group_post. */
async function signAndPost(o: SigningOptions, plan: GroupTxPlan): Promise<GroupAccount> {
  if (o.from === undefined)
    throw new Error('--from <key> is required: the keystore key that signs (gather keys list shows them)')
  const client = clientOf(o.rpc)
  const { key } = await unlockKey(o.home, o.from, o)
  const account = await client.getGroupMember(plan.groupId, key.address)
  const refusal = refusalOf(plan.action, account, Date.now())
  if (refusal !== undefined) throw new Error(refusal)
  const { chainId } = await client.getStatus()
  const nonce = account.nextNonce
  const tx = signGroupTx(
    chainId,
    { groupId: plan.groupId, publicKey: key.publicKey, nonce, action: plan.action },
    key.privateKey,
  )
  const r = await client.postGroupTx(tx)
  output(o.json, { ...r, groupId: plan.groupId, author: key.address, nonce, action: plan.action.kind }, () =>
    keyValueTable([
      ['id', r.id],
      ['group', plan.groupId],
      ['from', `${key.address} (${o.from})`],
      ...plan.summary,
      ['nonce', nonce],
      ['status', 'accepted by the node: it goes into one of the next group blocks'],
    ]),
  )
  return key
}

/** Whether a group is private (its posts sealed under key epochs). */
async function isPrivate(client: GatherClient, groupId: number): Promise<boolean> {
  return (await client.getGroup(groupId)).policy.private
}

/** The --from key, unlocked. */
async function signerOf(o: SigningOptions): Promise<GroupAccount> {
  if (o.from === undefined)
    throw new Error('--from <key> is required: the keystore key that signs (gather keys list shows them)')
  return (await unlockKey(o.home, o.from, o)).key
}

/** Sends signed group transactions in order; their ids. */
async function sendAll(client: GatherClient, txs: readonly Uint8Array[]): Promise<string[]> {
  const ids: string[] = []
  for (const tx of txs) ids.push((await client.postGroupTx(tx)).id)
  return ids
}

/**
 * A new key epoch for the members but `exclude`, by the admin `key`: after a kick, a ban or a
 * leave, for newcomers of a group that does not share history, or a private group's first.
 */
async function rotate(
  client: GatherClient,
  groupId: number,
  key: GroupAccount,
  exclude: string[],
): Promise<{ epoch: number; key: Uint8Array; recipients: number; ids: string[] }> {
  const { chainId } = await client.getStatus()
  const r = await rotationTxs(client, chainId, groupId, key, exclude)
  return { epoch: r.epoch, key: r.key, recipients: r.recipients, ids: await sendAll(client, r.txs) }
}

/** Posts a Note sealed under the group's current epoch (opening the first epoch when an admin posts first). */
async function postSealed(o: SigningOptions, groupId: number, note: Uint8Array): Promise<void> {
  const client = clientOf(o.rpc)
  const key = await signerOf(o)
  const account = await client.getGroupMember(groupId, key.address)
  const refusal = refusalOf(
    { kind: 'post', contentType: SEALED_CONTENT_TYPE, content: note },
    account,
    Date.now(),
  )
  if (refusal !== undefined) throw new Error(refusal)
  const { chainId } = await client.getStatus()
  let held = await groupKeysOf(client, chainId, groupId, key)
  let opened: number | undefined
  if (held.epoch === 0) {
    if (!account.admin)
      throw new Error(
        `group ${groupId} has no key epoch yet: an admin opens one (gather group rotate ${groupId}) (GROUP_UNKNOWN_EPOCH)`,
      )
    const r = await rotate(client, groupId, key, [])
    held = { epoch: r.epoch, keys: new Map([[r.epoch, r.key]]) }
    opened = r.epoch
  }
  const parsed = noteOf(ACTIVITY_CONTENT_TYPE, note)!
  const tx = await sealedPostTx(client, chainId, groupId, key, parsed, held)
  const r = await client.postGroupTx(tx)
  output(
    o.json,
    { ...r, groupId, author: key.address, action: 'post', sealed: true, epoch: held.epoch },
    () =>
      keyValueTable([
        ['id', r.id],
        ['group', groupId],
        ['from', `${key.address} (${o.from})`],
        ['action', 'post'],
        [
          'content',
          `sealed under key epoch ${held.epoch}${opened === undefined ? '' : ' (opened now: the group had none)'}`,
        ],
        ['status', 'accepted by the node: it goes into one of the next group blocks'],
      ]),
  )
}

const COMMON_HELP = `The node (--rpc) must host the group's chain; one that runs no group chains answers
GROUP_NOT_HOSTED. --json prints the node's answer.`

const SIGNING_HELP = `Signs with the keystore key --from NAME of --home (passphrase: --passphrase-file, else
$GATHER_PASSPHRASE, else a prompt). The nonce is read with group_getMember (it counts this node's
pending transactions, so several can be sent in a row) and the chain id with chain_getStatus;
the transaction goes to group_post. A refusal (muted, banned, not a member, not an admin…) is one
line, exit status 1; what the node already says of you is checked before signing.`

/** Adds one `gather group <spec>` subcommand with --rpc and --json (and the signing options when `signing`). */
function groupCommand(
  parent: Command,
  spec: string,
  description: string,
  o: { examples: string[]; notes?: string; signing: boolean },
): Command {
  const cmd = parent.command(spec).description(description)
  cmd.addHelpText(
    'after',
    [
      examples(...o.examples),
      ...(o.notes === undefined ? [] : [o.notes]),
      o.signing ? SIGNING_HELP : '',
      COMMON_HELP,
    ]
      .filter((s) => s !== '')
      .join('\n\n'),
  )
  if (o.signing) {
    cmd.option('--from <key>', 'the keystore key that signs: its address is the author')
    homeOption(cmd)
    passphraseOption(cmd)
  }
  rpcOption(cmd)
  return jsonOption(cmd)
}

/** One message as `gather group read` prints it: `[time] author: text`; a sealed one opened with `keys` when given. */
export function messageLine(
  m: GroupMessageView,
  withId: boolean,
  opened?: { note?: Note; epoch?: number; error?: string },
): string {
  let text: string
  const bytes = m.content === null ? undefined : Buffer.from(m.content, 'base64')
  if (m.deleted)
    text = m.deletedBy === undefined || m.deletedBy === m.author ? '(deleted)' : `(deleted by ${m.deletedBy})`
  else if (bytes === undefined)
    text = m.pruned ? '(pruned: older than the group keeps content)' : '(no content)'
  else if (m.contentType === SEALED_CONTENT_TYPE && opened?.note === undefined) {
    const why = opened?.error === undefined ? 'give --from to open it' : opened.error
    text = `(encrypted, ${bytes.length} bytes: ${why})`
  } else if (m.contentType !== ACTIVITY_CONTENT_TYPE && m.contentType !== SEALED_CONTENT_TYPE)
    text = `(${m.contentType}, ${bytes.length} bytes)`
  else {
    const note = opened?.note ?? noteOf(m.contentType, bytes)
    if (note === undefined || typeof note.content !== 'string')
      text = `(unreadable note, ${bytes.length} bytes)`
    else {
      const reply = typeof note.inReplyTo === 'string' ? ` (reply to ${note.inReplyTo.slice(0, 16)}…)` : ''
      const links = Array.isArray(note.attachment)
        ? note.attachment.map((a) => (typeof a?.url === 'string' ? a.url : '')).filter((u) => u !== '')
        : []
      text = `${note.content}${reply}${links.length === 0 ? '' : ` [${links.join(' ')}]`}`
    }
  }
  return oneLine(`${withId ? `${m.id} ` : ''}[${iso(m.timeMs)}] ${m.author}: ${text}`)
}

/** `gather group post|join|leave|mute|unmute|mute-all|kick|ban|unban|rotate|share|delete|admins|rules|read|members|head|proof`. */
export function registerGroup(program: Command): void {
  const group = program
    .command('group')
    .description(
      "a group chain's messages and moderation: post, read, join, mute, ban… (the node's group runtime)",
    )
    .addHelpText(
      'after',
      `${examples(
        'gather group join 1 --from alice',
        'gather group post 1 "hello, town hall" --from alice',
        'gather group read 1 --limit 20 --from alice',
        'gather group mute 1 gat1... --for 2h --from alice',
        'gather group proof 1 <message-id> --out proof.json && gather verify-inclusion --proof proof.json',
      )}

Groups are created and configured on the main chain (gather tx create-group, gather query group);
their messages live on the group's own chain, served by the nodes that host it. In a private group
(the default) posts are sealed and opened here with your key (post, read --from): the nodes hold
ciphertext only; kick, ban, rotate and share manage its key epochs.`,
    )

  groupCommand(
    group,
    'post <group-id> [text]',
    'post a message: a Note with the text, or raw content from a file',
    {
      examples: [
        'gather group post 1 "hello, town hall" --from alice',
        'gather group post 1 "agreed" --reply-to <message-id> --from alice',
        'gather group post 1 "the minutes" --attach https://example.org/minutes.pdf --from alice',
        'gather group post 2 --content-type application/vnd.gather.sealed --file sealed.bin --from alice',
      ],
      notes: `In a private group the Note is sealed here, under the group's current key epoch, before it leaves:
the node only sees ciphertext (an admin posting first opens the first epoch).
<text> becomes an ActivityStreams Note (application/activity+json) with --reply-to ID (a message
id, gather group read --ids) and --attach URL (repeatable, up to 16 links). --content-type T with
--file F sends the file's bytes as they are (a private group's ciphertext, or a Note you wrote).
At most ${MAX_POST_BYTES / 1024} KiB of content.`,
      signing: true,
    },
  )
    .option('--reply-to <message-id>', 'the message this one answers')
    .option('--attach <url>', 'a link attached to the Note (repeatable)', collect, [])
    .option('--content-type <type>', 'raw content: its media type (with --file)')
    .option('--file <file>', 'raw content: the file holding it (with --content-type)')
    .action(async (id: string, text: string | undefined, o: PostOptions) => {
      const groupId = groupIdArg(id)
      const action = await postAction(text, o)
      if (
        action.kind === 'post' &&
        action.contentType === ACTIVITY_CONTENT_TYPE &&
        (await isPrivate(clientOf(o.rpc), groupId))
      ) {
        await postSealed(o, groupId, action.content)
        return
      }
      await signAndPost(o, {
        groupId,
        action,
        summary: [
          ['action', 'post'],
          ['content', action.kind === 'post' ? `${action.contentType}, ${action.content.length} bytes` : ''],
        ],
      })
    })

  for (const kind of ['join', 'leave'] as const) {
    groupCommand(
      group,
      `${kind} <group-id>`,
      kind === 'join' ? 'become a member of a group' : 'stop being a member of a group (its owner cannot)',
      {
        examples: [`gather group ${kind} 1 --from alice`, `gather group ${kind} 1 --from alice --json`],
        ...(kind === 'join'
          ? {
              notes:
                'Refused when the group is full, when you are banned, or when a holder-gated group needs more GAT than you hold.',
            }
          : {}),
        signing: true,
      },
    ).action(async (id: string, o: SigningOptions) => {
      await signAndPost(o, { groupId: groupIdArg(id), action: { kind }, summary: [['action', kind]] })
    })
  }

  groupCommand(group, 'mute <group-id> <member>', 'keep a member from posting until a time (admins)', {
    examples: [
      'gather group mute 1 gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267 --for 2h --from alice',
      'gather group mute 1 gat1... --until 2026-12-02T10:00:00Z --from alice',
    ],
    notes: `--for DURATION (10m, 2h, 1h30m, 7d; units s, m, h, d, w) or --until TIME (ISO 8601 with Z or an
offset, or a date). Admins cannot be muted. gather group unmute lifts it.`,
    signing: true,
  })
    .option('--until <time>', 'muted until this time (2026-12-02T10:00:00Z)')
    .option('--for <duration>', 'muted for this long from now (10m, 2h, 7d)')
    .action(async (id: string, memberText: string, o: MuteOptions) => {
      const groupId = groupIdArg(id)
      const member = memberArg(memberText)
      const untilMs = muteEnd(o, false)
      await signAndPost(o, {
        groupId,
        action: { kind: 'mute', member, untilMs },
        summary: [
          ['action', 'mute'],
          ['member', member],
          ['until', iso(untilMs)],
        ],
      })
    })

  groupCommand(group, 'unmute <group-id> <member>', "lift a member's mute (admins)", {
    examples: ['gather group unmute 1 gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267 --from alice'],
    signing: true,
  }).action(async (id: string, memberText: string, o: SigningOptions) => {
    const groupId = groupIdArg(id)
    const member = memberArg(memberText)
    await signAndPost(o, {
      groupId,
      action: { kind: 'mute', member, untilMs: 0 },
      summary: [
        ['action', 'unmute'],
        ['member', member],
      ],
    })
  })

  groupCommand(
    group,
    'mute-all <group-id>',
    'keep everyone but the admins from posting until a time, or lift it (admins)',
    {
      examples: [
        'gather group mute-all 1 --for 30m --from alice',
        'gather group mute-all 1 --until 2026-12-02T10:00:00Z --from alice',
        'gather group mute-all 1 --off --from alice',
      ],
      notes: 'One of --for DURATION (10m, 2h, 7d), --until TIME (ISO 8601) or --off.',
      signing: true,
    },
  )
    .option('--until <time>', 'until this time (2026-12-02T10:00:00Z)')
    .option('--for <duration>', 'for this long from now (10m, 2h, 7d)')
    .option('--off', 'lift the group-wide mute')
    .action(async (id: string, o: MuteOptions) => {
      const groupId = groupIdArg(id)
      const untilMs = muteEnd(o, true)
      await signAndPost(o, {
        groupId,
        action: { kind: 'muteAll', untilMs },
        summary: [
          ['action', 'mute-all'],
          ['until', untilMs === 0 ? '(lifted)' : iso(untilMs)],
        ],
      })
    })

  const moderation = {
    kick: 'remove a member; it may join again (admins)',
    ban: 'remove a member and keep it from joining again (admins)',
    unban: 'let a banned address join again (admins)',
  } as const
  for (const [kind, description] of Object.entries(moderation) as [keyof typeof moderation, string][]) {
    groupCommand(group, `${kind} <group-id> <member>`, description, {
      examples: [`gather group ${kind} 1 gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267 --from alice`],
      ...(kind === 'unban'
        ? {}
        : { notes: 'Admins cannot be removed this way: the owner takes them off the admins first.' }),
      signing: true,
    })
      .option('--no-rotate', 'in a private group, do not open a new key epoch for the remaining members')
      .action(async (id: string, memberText: string, o: SigningOptions & { rotate?: boolean }) => {
        const groupId = groupIdArg(id)
        const member = memberArg(memberText)
        const key = await signAndPost(o, {
          groupId,
          action: { kind, member },
          summary: [
            ['action', kind],
            ['member', member],
          ],
        })
        const client = clientOf(o.rpc)
        if (kind === 'unban' || o.rotate === false || !(await isPrivate(client, groupId))) return
        const r = await rotate(client, groupId, key, [member])
        output(o.json, { groupId, rotated: { epoch: r.epoch, recipients: r.recipients, ids: r.ids } }, () =>
          keyValueTable([
            ['rotated', `key epoch ${r.epoch} for ${r.recipients} members (not ${member})`],
            ['ids', r.ids.join(', ')],
          ]),
        )
      })
  }

  groupCommand(group, 'rotate <group-id>', "open a private group's next key epoch for its members (admins)", {
    examples: ['gather group rotate 1 --from alice', 'gather group rotate 1 --exclude gat1... --from alice'],
    notes: `A fresh random group key, wrapped for each member's account key (those that sent a group
transaction; newcomers have: joining is one). Posts from then on are sealed under it; a member
left out (--exclude ADDRESS, repeatable) cannot read them. kick and ban rotate by themselves; do
it after a leave, or to let newcomers in when the group does not share history. 10,000 members
take 25 transactions of 400 keys.`,
    signing: true,
  })
    .option('--exclude <address>', 'a member not to wrap the key for (repeatable)', collect, [])
    .action(async (id: string, o: SigningOptions & { exclude: string[] }) => {
      const groupId = groupIdArg(id)
      const exclude = o.exclude.map((a) => addressArg(a, '--exclude'))
      const client = clientOf(o.rpc)
      if (!(await isPrivate(client, groupId)))
        throw new Error(`group ${groupId} is public: its posts are not encrypted (GROUP_PRIVACY_MISMATCH)`)
      const key = await signerOf(o)
      const account = await client.getGroupMember(groupId, key.address)
      if (!account.admin)
        throw new Error(`${key.address} is not an admin of group ${groupId} (GROUP_NOT_ADMIN)`)
      const r = await rotate(client, groupId, key, exclude)
      output(o.json, { groupId, epoch: r.epoch, recipients: r.recipients, ids: r.ids }, () =>
        keyValueTable([
          ['group', groupId],
          ['epoch', r.epoch],
          ['wrapped for', `${r.recipients} members`],
          ['transactions', r.ids.join(', ')],
        ]),
      )
    })

  groupCommand(
    group,
    'share <group-id> <member...>',
    "give members the keys of every epoch you hold: a private group's history (admins)",
    {
      examples: ['gather group share 1 gat1... --from alice'],
      notes: `Only a group whose rules share history (gather group rules --share-history true) accepts it;
otherwise newcomers get keys with the next epoch (gather group rotate).`,
      signing: true,
    },
  ).action(async (id: string, members: string[], o: SigningOptions) => {
    const groupId = groupIdArg(id)
    const wanted = new Set(members.map((m) => memberArg(m)))
    const client = clientOf(o.rpc)
    const key = await signerOf(o)
    const recipients = (await keyRecipients(client, groupId)).filter((r) => wanted.has(r.address))
    const missing = [...wanted].filter((a) => !recipients.some((r) => r.address === a))
    if (missing.length > 0)
      throw new Error(
        `${missing.join(', ')}: not a member with a known account key (GROUP_KEY_FOR_NON_MEMBER)`,
      )
    const { chainId } = await client.getStatus()
    const ids = await sendAll(client, await shareTxs(client, chainId, groupId, key, recipients))
    output(o.json, { groupId, members: [...wanted], ids }, () =>
      keyValueTable([
        ['group', groupId],
        ['shared with', [...wanted].join(', ')],
        ['transactions', ids.join(', ')],
      ]),
    )
  })

  groupCommand(
    group,
    'delete <group-id> <message-id>',
    'replace a message with a tombstone (its author, or an admin)',
    {
      examples: ['gather group delete 1 <message-id> --from alice'],
      notes: `The content is dropped; the message's hash stays in its block, so the chain still verifies. Message
ids: gather group read <group-id> --ids.`,
      signing: true,
    },
  ).action(async (id: string, messageText: string, o: SigningOptions) => {
    const groupId = groupIdArg(id)
    const messageId = messageIdArg(messageText, '<message-id>')
    await signAndPost(o, {
      groupId,
      action: { kind: 'delete', messageId },
      summary: [
        ['action', 'delete'],
        ['message', messageId],
      ],
    })
  })

  groupCommand(group, 'admins <group-id> [address...]', "print a group's admins, or set them (the owner)", {
    examples: [
      'gather group admins 1',
      'gather group admins 1 gat1... gat1... --from alice',
      'gather group admins 1 --set --from alice          # no admins but the owner',
    ],
    notes: `With addresses, they replace the admin list (members only, at most ${MAX_ADMINS}; the owner is always
an admin); --set without addresses clears it. Without either, prints the owner and the admins.`,
    signing: true,
  })
    .option('--set', 'set the admins to the addresses given (none: clear the list)')
    .action(async (id: string, addresses: string[], opts: SigningOptions & { set?: boolean }) => {
      const groupId = groupIdArg(id)
      if (addresses.length === 0 && opts.set !== true) {
        const client = clientOf(opts.rpc)
        const m = await client.getGroupMembers(groupId, { limit: 1 })
        output(opts.json, { groupId, owner: m.owner, admins: m.admins }, () =>
          keyValueTable([
            ['group', groupId],
            ['owner', m.owner],
            ['admins', m.admins.length === 0 ? '(the owner only)' : m.admins.join(', ')],
          ]),
        )
        return
      }
      const admins = addresses.map((a) => addressArg(a, '<address>'))
      if (admins.length > MAX_ADMINS) throw new Error(`at most ${MAX_ADMINS} admins, got ${admins.length}`)
      const twice = admins.find((a, i) => admins.indexOf(a) !== i)
      if (twice !== undefined) throw new Error(`${twice} is given twice`)
      await signAndPost(opts, {
        groupId,
        action: { kind: 'setAdmins', admins },
        summary: [
          ['action', 'set admins'],
          ['admins', admins.length === 0 ? '(none: the owner only)' : admins.join(', ')],
        ],
      })
    })

  groupCommand(
    group,
    'rules <group-id>',
    "set a group's rules: text, retention and history sharing (admins)",
    {
      examples: [
        'gather group rules 1 --text "be kind" --retention-days 0 --share-history true --from alice',
        'gather group rules 1 --text "" --retention-days 30 --share-history false --from alice',
      ],
      notes: `A rules transaction replaces all three, and the node does not serve the current rules yet: give
--text T (up to ${MAX_RULES_CHARS} characters), --retention-days N (0: keep content forever; older
content is dropped, its hash kept) and --share-history true|false (whether new members see earlier
messages) together.`,
      signing: true,
    },
  )
    .option('--text <text>', 'the rules, shown to members')
    .option('--retention-days <n>', 'days content is kept (0: forever)')
    .option('--share-history <bool>', 'whether new members see the history: true or false')
    .action(async (id: string, o: RulesOptions) => {
      const groupId = groupIdArg(id)
      const missing = [
        o.text === undefined ? '--text' : undefined,
        o.retentionDays === undefined ? '--retention-days' : undefined,
        o.shareHistory === undefined ? '--share-history' : undefined,
      ].filter((f) => f !== undefined)
      if (missing.length === 3)
        throw new Error(
          "this node does not serve a group's rules yet; to set them give --text, --retention-days and --share-history",
        )
      if (missing.length > 0)
        throw new Error(
          `give ${missing.join(' and ')} too: a rules transaction replaces the text, the retention and the history sharing together`,
        )
      const text = o.text!
      if ([...text].length > MAX_RULES_CHARS)
        throw new Error(`--text is longer than ${MAX_RULES_CHARS} characters`)
      const retentionDays = parseWhole(o.retentionDays!, '--retention-days', 0, 0xffff_ffff)
      if (o.shareHistory !== 'true' && o.shareHistory !== 'false')
        throw new Error(`--share-history must be true or false, got "${o.shareHistory}"`)
      const shareHistory = o.shareHistory === 'true'
      await signAndPost(o, {
        groupId,
        action: { kind: 'setRules', text, retentionDays, shareHistory },
        summary: [
          ['action', 'set rules'],
          ['text', text === '' ? '(none)' : oneLine(text)],
          ['retention', retentionDays === 0 ? 'forever' : `${retentionDays} days`],
          ['share history', String(shareHistory)],
        ],
      })
    })

  groupCommand(group, 'read <group-id>', "a group's messages, one line each: [time] author: text", {
    examples: [
      'gather group read 1',
      'gather group read 1 --limit 200 --before 120 --ids',
      'gather group read 1 --json',
    ],
    notes: `The newest messages (--limit N, 1 to 200, default 50; --before H: of group blocks below height H),
printed oldest first. A Note shows its text; a deleted message "(deleted)"; other content types
(a private group's ciphertext) "(encrypted, N bytes…)": --from KEY opens them with the group keys
wrapped for that account, on this machine. --ids starts each line with the message id.
--json prints the node's answer (newest first, content in base64).`,
    signing: false,
  })
    .option('--limit <n>', 'at most this many messages, 1 to 200 (default 50)')
    .option('--before <height>', 'only messages of group blocks below this height')
    .option('--ids', 'start each line with the message id')
    .option('--from <key>', "a private group: the member's keystore key that opens the posts")
    .option('--home <dir>', 'home of the keystore (with --from)', defaultHome())
    .option('--passphrase-file <file>', "the key's passphrase (with --from)")
    .action(async (id: string, o: SigningOptions & { limit?: string; before?: string; ids?: boolean }) => {
      const groupId = groupIdArg(id)
      const limit = o.limit === undefined ? undefined : parseWhole(o.limit, '--limit', 1, 200)
      const before =
        o.before === undefined
          ? undefined
          : parseWhole(o.before, '--before (a group height)', 1, Number.MAX_SAFE_INTEGER)
      const r = await clientOf(o.rpc).getGroupMessages(groupId, {
        ...(limit === undefined ? {} : { limit }),
        ...(before === undefined ? {} : { before }),
      })
      let keys: ReadonlyMap<number, Uint8Array> | undefined
      let chainId = ''
      if (o.from !== undefined) {
        const client = clientOf(o.rpc)
        chainId = (await client.getStatus()).chainId
        keys = (await groupKeysOf(client, chainId, groupId, await signerOf(o))).keys
      }
      const opened = r.messages.map((m) =>
        keys === undefined ? undefined : openMessage(chainId, groupId, m, keys),
      )
      output(
        o.json,
        keys === undefined
          ? r
          : {
              ...r,
              messages: r.messages.map((m, i) => ({
                ...m,
                ...(opened[i]?.note === undefined ? {} : { note: opened[i]!.note }),
                ...(opened[i]?.error === undefined ? {} : { openError: opened[i]!.error }),
              })),
            },
        () =>
          r.messages.length === 0
            ? '(no messages)'
            : r.messages
                .map((m, i) => messageLine(m, o.ids === true, opened[i]))
                .reverse()
                .join('\n'),
      )
    })

  groupCommand(
    group,
    'members <group-id>',
    "a group's members: owner, admins, when each joined, mutes; paged",
    {
      examples: ['gather group members 1', 'gather group members 1 --offset 100 --limit 100 --json'],
      signing: false,
    },
  )
    .option('--offset <n>', 'skip this many (default 0)')
    .option('--limit <n>', 'at most this many, 1 to 1000 (default 100)')
    .action(async (id: string, o: GroupOptions & { offset?: string; limit?: string }) => {
      const groupId = groupIdArg(id)
      const offset =
        o.offset === undefined ? undefined : parseWhole(o.offset, '--offset', 0, Number.MAX_SAFE_INTEGER)
      const limit = o.limit === undefined ? undefined : parseWhole(o.limit, '--limit', 1, 1000)
      const r = await clientOf(o.rpc).getGroupMembers(groupId, {
        ...(offset === undefined ? {} : { offset }),
        ...(limit === undefined ? {} : { limit }),
      })
      output(o.json, r, () =>
        [
          r.members.length === 0
            ? '(none)'
            : columnTable(
                ['ADDRESS', 'ROLE', 'JOINED AT', 'MUTED UNTIL'],
                r.members.map((m) => [
                  m.address,
                  m.address === r.owner ? 'owner' : m.admin ? 'admin' : 'member',
                  m.joinedAt === 0 ? '-' : String(m.joinedAt),
                  m.mutedUntil === undefined ? '-' : iso(m.mutedUntil),
                ]),
              ),
          `${r.members.length} of ${r.total} (offset ${offset ?? 0})`,
        ].join('\n'),
      )
    })

  groupCommand(
    group,
    'head <group-id>',
    "a group chain's head on this node: height, producer, roots, members, pending",
    {
      examples: ['gather group head 1', 'gather group head 1 --json'],
      signing: false,
    },
  ).action(async (id: string, o: GroupOptions) => {
    const h = await clientOf(o.rpc).getGroupHead(groupIdArg(id))
    output(o.json, h, () =>
      keyValueTable([
        ['group', h.groupId],
        ['height', h.height],
        ['hash', h.hash],
        ['time', h.height === 0 ? '-' : iso(h.timeMs)],
        ['producer', h.height === 0 ? '-' : `${h.producer} (round ${h.round})`],
        ['main chain height', h.mainHeight],
        ['state root', h.stateRoot],
        ['accumulator root', h.accumulatorRoot],
        ['members', h.members],
        ['last checkpoint', h.lastCheckpointHeight === 0 ? 'none' : h.lastCheckpointHeight],
        ['pending', h.pending],
        ['this node produces it', h.producing ? 'yes' : 'no'],
      ]),
    )
  })

  groupCommand(
    group,
    'proof <group-id> <message-id>',
    'an inclusion proof of a message, for gather verify-inclusion',
    {
      examples: [
        'gather group proof 1 <message-id> --out proof.json',
        'gather verify-inclusion --proof proof.json',
        'gather group proof 1 <message-id> > proof.json',
      ],
      notes: `The proof ends at the lowest anchored checkpoint at or above the message's block: none exists until
such a checkpoint is anchored (gather query checkpoints <group-id>). It is written as JSON to
--out FILE (else printed), the form gather verify-inclusion --proof FILE and group_verifyInclusion read.`,
      signing: false,
    },
  )
    .option('--out <file>', 'write the proof to FILE instead of printing it')
    .action(async (id: string, messageText: string, o: GroupOptions & { out?: string }) => {
      const groupId = groupIdArg(id)
      const messageId = messageIdArg(messageText, '<message-id>')
      const proof = await clientOf(o.rpc).getGroupMessageProof(groupId, messageId)
      if (o.out === undefined) {
        printJson(proof)
        return
      }
      try {
        await writeFile(o.out, `${JSON.stringify(proof, null, 2)}\n`)
      } catch (e) {
        throw new Error(`cannot write ${o.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
      }
      output(o.json, { file: o.out, groupId, messageId, checkpointHeight: proof.checkpointHeight }, () =>
        keyValueTable([
          ['wrote', o.out!],
          ['message', messageId],
          ['checkpoint', `group ${groupId} height ${proof.checkpointHeight}`],
          ['verify', `gather verify-inclusion --proof ${o.out}`],
        ]),
      )
    })
}
