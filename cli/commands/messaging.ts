import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { hex } from '../../chain/hex.js'
import { statePath, stateValueHash } from '../../chain/store/committedState.js'
import { proofFromJson as smtProofFromJson, verifyProof } from '../../chain/store/smt.js'
import {
  decodeAnchoredCheckpoint,
  type GroupCheckpoint,
  signCheckpoint,
} from '../../modules/messaging/groupchain/checkpoint.js'
import { proofFromJson, verifyInclusion } from '../../modules/messaging/groupchain/proof.js'
import { openPost, SEALED_CONTENT_TYPE } from '../../modules/messaging/groupchain/sealed.js'
import { decodeGroupTx } from '../../modules/messaging/groupchain/tx.js'
import { checkpointKey } from '../../modules/messaging/method.js'
import type { CheckpointView, GroupView } from '../../rpc/client.js'
import { groupKeysOf } from '../../rpc/privateGroups.js'
import { parseCliAmount } from '../amount.js'
import { parseAddressArg } from '../args.js'
import { columnTable, formatUgat, keyValueTable, output } from '../format.js'
import { defaultHome, readNodeKeyFile } from '../home.js'
import { clientOf, examples, jsonOption, rpcOption } from '../options.js'
import { unlockKey } from '../prompt.js'
import {
  anchorCheckpointMessage,
  createGroupMessage,
  type GroupPolicyFields,
  registerGidMessage,
  transferGidMessage,
  updateGroupMessage,
} from '../txMessages.js'
import { type QueryOptions, queryCommand } from './query.js'
import { type TxOptions, txCommand } from './tx.js'

/** Options of the group transactions (on top of the shared ones). */
interface GroupTxOptions extends TxOptions {
  producer?: string[]
  threshold?: string
  maxMembers?: string
  checkpointInterval?: string
  minGat?: string
  parent?: string
  befriend?: boolean
  name?: string
  newOwner?: string
  ownerProduces?: boolean
  checkpoint?: string
  signWith?: string[]
  public?: boolean
}

/** Options of the paged group queries. */
interface PagedQueryOptions extends QueryOptions {
  owner?: string
  parent?: string
  offset?: string
  limit?: string
}

const collect = (v: string, all: string[]): string[] => [...all, v]

function wholeNumber(v: string | undefined, what: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  if (!/^[0-9]{1,16}$/.test(v) || Number(v) < min || Number(v) > max)
    throw new Error(`${what} must be a whole number from ${min} to ${max}, got "${v}"`)
  return Number(v)
}

/** A `<group-id>` argument: a whole number from 1. */
export function groupIdArg(v: string | undefined): number {
  return wholeNumber(v ?? '', '<group-id>', 1, Number.MAX_SAFE_INTEGER)!
}

function producerKeys(list: string[] | undefined): string[] {
  return (list ?? []).map((p) => {
    if (!/^[0-9a-fA-F]{64}$/.test(p))
      throw new Error(`--producer "${p}" must be an ed25519 public key as 64 hex characters (a node id)`)
    return p.toLowerCase()
  })
}

/** The policy options given, or undefined when none was. */
function policyOf(o: GroupTxOptions): GroupPolicyFields | undefined {
  const p: GroupPolicyFields = {}
  const maxMembers = wholeNumber(o.maxMembers, '--max-members', 1, 10_000)
  if (maxMembers !== undefined) p.maxMembers = maxMembers
  if (o.minGat !== undefined) p.minGatBalance = parseCliAmount(o.minGat, '--min-gat')
  const parent = wholeNumber(o.parent, '--parent', 0, Number.MAX_SAFE_INTEGER)
  if (parent !== undefined) p.parentGroup = parent
  if (o.befriend !== undefined) p.membersMayBefriend = o.befriend
  const interval = wholeNumber(o.checkpointInterval, '--checkpoint-interval', 1, 100_000)
  if (interval !== undefined) p.checkpointInterval = interval
  return Object.keys(p).length === 0 ? undefined : p
}

const POLICY_HELP = `Policy: --max-members N (1 to 10,000; default 10,000), --min-gat AMOUNT (a holder-gated group:
accounts holding at least AMOUNT are members, and leave when their balance falls below), --parent
GROUP-ID (a group of groups: only the parent's owner may place groups under it), --befriend
(members may add each other as friends), --checkpoint-interval N (the producers anchor a
checkpoint every N group blocks; 1 to 100,000, default 100).`

const CHECKPOINT_HELP = `The checkpoint file is JSON, as a group chain's producers write it:
  { "groupId": 1, "height": 8, "blockHash": "<64 hex>", "stateRoot": "<64 hex>",
    "accumulatorRoot": "<64 hex>", "signatures": [{ "producer": "<64 hex>", "signature": "<128 hex>" }] }
--sign-with FILE (repeatable) adds the signature of a node key file ({ publicKey, privateKey } in
hex, as config/node_key.json) over the checkpoint and the node's chain id. At least the group's
threshold of its current producers must sign; a group without producers is anchored by its owner
without signatures.`

const HEX32 = /^[0-9a-fA-F]{64}$/

async function readCheckpointFile(file: string): Promise<{
  checkpoint: GroupCheckpoint
  signatures: { producer: string; signature: Uint8Array }[]
}> {
  let j: Record<string, unknown>
  try {
    j = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
  } catch (e) {
    throw new Error(`cannot read checkpoint file ${file}: ${(e as Error).message}`)
  }
  const num = (k: string): number => {
    const v = j[k]
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw new Error(`${file}: ${k} must be a whole number from 1`)
    return v
  }
  const hash = (k: string): Uint8Array => {
    const v = j[k]
    if (typeof v !== 'string' || !HEX32.test(v)) throw new Error(`${file}: ${k} must be 64 hex characters`)
    return Uint8Array.from(Buffer.from(v, 'hex'))
  }
  const sigs = j.signatures ?? []
  if (!Array.isArray(sigs)) throw new Error(`${file}: signatures must be a list`)
  return {
    checkpoint: {
      groupId: num('groupId'),
      height: num('height'),
      blockHash: hash('blockHash'),
      stateRoot: hash('stateRoot'),
      accumulatorRoot: hash('accumulatorRoot'),
    },
    signatures: sigs.map((s: { producer?: unknown; signature?: unknown }, i) => {
      if (typeof s?.producer !== 'string' || !HEX32.test(s.producer))
        throw new Error(`${file}: signatures[${i}].producer must be 64 hex characters`)
      if (typeof s.signature !== 'string' || !/^[0-9a-fA-F]{128}$/.test(s.signature))
        throw new Error(`${file}: signatures[${i}].signature must be 128 hex characters`)
      return {
        producer: s.producer.toLowerCase(),
        signature: Uint8Array.from(Buffer.from(s.signature, 'hex')),
      }
    }),
  }
}

/** `gather tx register-gid|transfer-gid|create-group|update-group|anchor-checkpoint`. */
export function registerMessagingTx(tx: Command): void {
  txCommand(tx, {
    spec: 'register-gid <owner-key> [gid]',
    description:
      'register a GID (a unique number bound to your address): the one you choose, or the next free one',
    examples: ['gather tx register-gid alice', 'gather tx register-gid alice 8888 --json'],
    notes: `Registration burns the GID fee (1 GAT by default) on top of the transaction fee. An address
holds one GID; gather query gid <gid-or-address> resolves it.`,
    signerRole: 'owner',
    plan: ([gidArg]) => {
      if (gidArg !== undefined && !/^[1-9][0-9]{0,19}$/.test(gidArg))
        throw new Error(
          `[gid] "${gidArg}" must be a whole number from 1 (leave it out for the next free one)`,
        )
      const gid = gidArg === undefined ? 0n : BigInt(gidArg)
      if (gid > (1n << 64n) - 1n) throw new Error(`[gid] ${gid} is above the largest GID, 2^64-1`)
      return (owner) => ({
        messages: [registerGidMessage(owner, gid)],
        summary: [['gid', gid === 0n ? '(next free)' : gid.toString()]],
      })
    },
  })

  txCommand(tx, {
    spec: 'transfer-gid <owner-key> <gid> <new-owner>',
    description: 'hand your GID to another address (which must not hold one)',
    examples: ['gather tx transfer-gid alice 8888 gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'],
    signerRole: 'owner',
    plan: ([gidArg, newOwnerArg]) => {
      if (gidArg === undefined || !/^[1-9][0-9]{0,19}$/.test(gidArg))
        throw new Error(`<gid> "${gidArg ?? ''}" must be a whole number from 1`)
      const newOwner = parseAddressArg(newOwnerArg, '<new-owner>')
      return (owner) => ({
        messages: [transferGidMessage(owner, BigInt(gidArg), newOwner)],
        summary: [
          ['gid', gidArg],
          ['new owner', newOwner],
        ],
      })
    },
  })

  txCommand(tx, {
    spec: 'create-group <owner-key> <name>',
    description: 'create a group: its group chain producers, signature threshold and policy',
    examples: [
      'gather tx create-group alice gardeners',
      'gather tx create-group alice council --producer <node-id> --producer <node-id> --producer <node-id> --threshold 2',
      'gather tx create-group alice holders --min-gat 100gat --max-members 500 --befriend',
      'gather tx create-group alice seeds --parent 1 --json',
      'gather tx create-group alice square --public',
    ],
    notes: `Groups are private unless --public is given: their posts are end-to-end encrypted under key
epochs that admins wrap for each member's account key (gather group rotate), so the nodes that
produce and relay the group chain hold ciphertext only. Privacy is chosen here and never changes.
Creating a group burns the creation fee (10 GAT by default). --producer KEY (repeatable) names the
ed25519 keys (node ids) that produce its group chain and sign its checkpoints; without any, the
owner produces it and anchors its checkpoints itself. --threshold N: signatures a checkpoint
needs, more than half of the producers (default: a majority).
${POLICY_HELP}`,
    options: (cmd) =>
      cmd
        .option('--producer <node-id>', 'a producer of the group chain (repeatable)', collect, [])
        .option('--threshold <n>', 'checkpoint signatures needed (default: a majority of the producers)')
        .option('--max-members <n>', 'member cap, 1 to 10,000 (default 10,000)')
        .option(
          '--checkpoint-interval <n>',
          'group blocks between anchored checkpoints, 1 to 100,000 (default 100)',
        )
        .option('--min-gat <amount>', 'holder gate: members hold at least this much GAT')
        .option('--parent <group-id>', 'the parent group (you must manage it)')
        .option('--befriend', 'members may add each other as friends')
        .option('--public', 'a public group: posts in the clear (default: private, end-to-end encrypted)'),
    signerRole: 'owner',
    plan: ([name], opts) => {
      const o = opts as GroupTxOptions
      if (name === undefined || name.length === 0 || name.length > 64)
        throw new Error('<name> must be 1 to 64 characters')
      const producers = producerKeys(o.producer)
      const threshold = wholeNumber(o.threshold, '--threshold', 1, 100) ?? 0
      const policy = { ...(policyOf(o) ?? {}), private: o.public !== true }
      return async (owner) => {
        // no --producer: the node this command talks to produces the group chain
        if (producers.length === 0) {
          const nodeId = (await clientOf(o.rpc).getStatus()).nodeId
          if (nodeId !== null) producers.push(nodeId)
        }
        return {
          messages: [createGroupMessage(owner, { name, producers, threshold, policy })],
          summary: [
            ['name', name],
            ['privacy', policy.private ? 'private (end-to-end encrypted posts)' : 'public'],
            ['producers', producers.length === 0 ? '(the owner)' : producers.join(', ')],
            ['threshold', threshold === 0 ? '(a majority)' : String(threshold)],
            ['max members', String(policy.maxMembers ?? 10_000)],
            ['holder gate', policy.minGatBalance === undefined ? 'none' : formatUgat(policy.minGatBalance)],
            ['parent', String(policy.parentGroup ?? 'none')],
          ],
        }
      }
    },
  })

  txCommand(tx, {
    spec: 'update-group <owner-key> <group-id>',
    description:
      "change a group's name, producers, threshold, policy or owner (its owner or a parent group's owner)",
    examples: [
      'gather tx update-group alice 1 --name "town hall"',
      'gather tx update-group alice 1 --producer <id> --producer <id> --producer <id> --threshold 2',
      'gather tx update-group alice 1 --min-gat 50gat',
      'gather tx update-group alice 4 --new-owner gat1... --json',
    ],
    notes: `Only what you pass changes. Policy options replace the whole policy: those you leave out are
read from the group first. New --producer keys replace the producer set (this is how the owner
unfreezes a group after conflicting checkpoints: leave out every producer that signed both);
--owner-produces makes the owner the only producer again.
${POLICY_HELP}`,
    options: (cmd) =>
      cmd
        .option('--name <name>', 'a new name')
        .option('--producer <node-id>', 'a producer of the new set (repeatable)', collect, [])
        .option('--threshold <n>', 'checkpoint signatures needed')
        .option('--owner-produces', 'the owner becomes the only producer')
        .option('--max-members <n>', 'member cap, 1 to 10,000')
        .option('--checkpoint-interval <n>', 'group blocks between anchored checkpoints, 1 to 100,000')
        .option('--min-gat <amount>', 'holder gate (0 removes it)')
        .option('--parent <group-id>', 'a new parent group (0: none)')
        .option('--befriend', 'members may add each other as friends')
        .option('--no-befriend', 'members may not add each other as friends')
        .option('--new-owner <address>', 'hand the group to another address'),
    signerRole: 'owner',
    plan: ([idArg], opts) => {
      const o = opts as GroupTxOptions
      const groupId = groupIdArg(idArg)
      const producers = producerKeys(o.producer)
      const threshold = wholeNumber(o.threshold, '--threshold', 1, 100) ?? 0
      const given = policyOf(o)
      const newOwner = o.newOwner === undefined ? undefined : parseAddressArg(o.newOwner, '--new-owner')
      if (o.name !== undefined && (o.name.length === 0 || o.name.length > 64))
        throw new Error('--name must be 1 to 64 characters')
      return async (owner) => {
        let policy: GroupPolicyFields | undefined
        if (given !== undefined) {
          const current = (await clientOf(o.rpc).getGroup(groupId)).policy
          policy = {
            maxMembers: current.maxMembers,
            minGatBalance: BigInt(current.minGatBalance),
            parentGroup: current.parentGroup,
            membersMayBefriend: current.membersMayBefriend,
            checkpointInterval: current.checkpointInterval,
            private: current.private,
            ...given,
          }
        }
        return {
          messages: [
            updateGroupMessage(owner, groupId, {
              ...(o.name === undefined ? {} : { name: o.name }),
              ...(producers.length === 0 ? {} : { producers }),
              threshold,
              ...(policy === undefined ? {} : { policy }),
              ...(newOwner === undefined ? {} : { newOwner }),
              ...(o.ownerProduces === true ? { ownerProduces: true } : {}),
            }),
          ],
          summary: [
            ['group', String(groupId)],
            ...(o.name === undefined ? [] : ([['name', o.name]] as [string, string][])),
            ...(producers.length === 0 ? [] : ([['producers', producers.join(', ')]] as [string, string][])),
            ...(o.ownerProduces === true ? ([['producers', '(the owner)']] as [string, string][]) : []),
            ...(newOwner === undefined ? [] : ([['new owner', newOwner]] as [string, string][])),
          ],
        }
      }
    },
  })

  txCommand(tx, {
    spec: 'anchor-checkpoint <submitter-key>',
    description: "anchor a group chain checkpoint signed by the group's producers",
    examples: [
      'gather tx anchor-checkpoint alice --checkpoint cp.json',
      'gather tx anchor-checkpoint alice --checkpoint cp.json --sign-with ~/.gather/config/node_key.json',
    ],
    notes: `Anyone may submit a checkpoint; the signatures make it valid. Heights must increase. A
checkpoint that contradicts an anchored one at the same height is evidence: it freezes the group
until its owner rotates the producers that signed both (gather tx update-group --producer ...).
${CHECKPOINT_HELP}`,
    options: (cmd) =>
      cmd
        .requiredOption('--checkpoint <file>', 'the checkpoint, JSON (see below)')
        .option(
          '--sign-with <node-key-file>',
          'add a signature with this node key (repeatable)',
          collect,
          [],
        ),
    signerRole: 'submitter',
    plan: (_args, opts) => {
      const o = opts as GroupTxOptions
      return async (submitter) => {
        const { checkpoint, signatures } = await readCheckpointFile(o.checkpoint!)
        const chainId = o.chainId ?? (await clientOf(o.rpc).getStatus()).chainId
        for (const f of o.signWith ?? [])
          signatures.push(signCheckpoint(chainId, checkpoint, await readNodeKeyFile(f)))
        return {
          messages: [anchorCheckpointMessage(submitter, checkpoint, signatures)],
          summary: [
            ['group', String(checkpoint.groupId)],
            ['height', String(checkpoint.height)],
            ['block hash', hex(checkpoint.blockHash)],
            ['signatures', signatures.map((s) => s.producer).join(', ') || '(none: the owner anchors)'],
          ],
        }
      }
    },
  })
}

function groupRows(g: GroupView): [string, string | number | boolean][] {
  return [
    ['id', g.id],
    ['name', g.name],
    ['owner', g.owner],
    ['producers', g.ownerProduces ? '(the owner)' : g.producers.join(', ')],
    ['threshold', `${g.threshold} of ${g.ownerProduces ? 1 : g.producers.length}`],
    ['max members', g.policy.maxMembers],
    ['holder gate', g.policy.holderGated ? formatUgat(g.policy.minGatBalance) : 'none'],
    ['parent', g.policy.parentGroup === 0 ? 'none' : g.policy.parentGroup],
    ['members befriend', g.policy.membersMayBefriend],
    ['frozen', g.frozen],
    ['checkpoints', `${g.checkpointCount} (last at height ${g.lastCheckpointHeight})`],
    ['created at', g.createdHeight],
  ]
}

function pageOf(o: PagedQueryOptions): { offset?: number; limit?: number } {
  const offset = wholeNumber(o.offset, '--offset', 0, Number.MAX_SAFE_INTEGER)
  const limit = wholeNumber(o.limit, '--limit', 1, 100)
  return { ...(offset === undefined ? {} : { offset }), ...(limit === undefined ? {} : { limit }) }
}

function checkpointRows(list: readonly CheckpointView[]): string {
  if (list.length === 0) return '(none)'
  return columnTable(
    ['HEIGHT', 'BLOCK HASH', 'SIGNERS', 'ANCHORED AT'],
    list.map((c) => [String(c.height), c.blockHash, String(c.signers.length), String(c.anchoredHeight)]),
  )
}

/** `gather query gid|group|groups|checkpoints|member`. */
export function registerMessagingQuery(query: Command): void {
  queryCommand(
    query,
    'gid <gid-or-address>',
    'the address a GID is bound to, or the GID of an address',
    ['gather query gid 8888', 'gather query gid gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267 --json'],
    async (c, [ref], o) => {
      let by: { gid: string } | { address: string }
      if (ref !== undefined && /^[1-9][0-9]{0,19}$/.test(ref)) by = { gid: ref }
      else by = { address: parseAddressArg(ref, '<gid-or-address>') }
      const r = await c.resolveIdentity(by)
      output(o.json, r, () =>
        keyValueTable([
          ['gid', r.gid],
          ['address', r.address],
          ['registered at', r.registeredHeight],
          ['transferred at', r.transferredHeight === 0 ? 'never' : r.transferredHeight],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'group <group-id>',
    'a group: owner, producers, threshold, policy, frozen, last checkpoint',
    ['gather query group 1', 'gather query group 1 --json'],
    async (c, [id], o) => {
      const g = await c.getGroup(groupIdArg(id))
      output(o.json, g, () =>
        [
          keyValueTable([
            ...groupRows(g),
            ['child groups', g.children],
            [
              'last checkpoint',
              g.lastCheckpoint === null ? 'none' : `${g.lastCheckpoint.height} ${g.lastCheckpoint.blockHash}`,
            ],
          ]),
          ...g.evidence.map(
            (e) =>
              `evidence: conflicting checkpoints at height ${e.height} (main height ${e.mainHeight}); culprits ${e.culprits.join(', ')}; ${e.resolved ? 'resolved' : 'unresolved: the group is frozen'}`,
          ),
        ].join('\n'),
      )
    },
  )

  const groups = queryCommand(
    query,
    'groups',
    "groups by id: all, an owner's (--owner) or a parent's children (--parent); paged",
    [
      'gather query groups',
      'gather query groups --owner gat1... --limit 10',
      'gather query groups --parent 1 --json',
    ],
    async (c, _args, opts) => {
      const o = opts as PagedQueryOptions
      if (o.owner !== undefined && o.parent !== undefined)
        throw new Error('give --owner or --parent, not both')
      const r = await c.listGroups({
        ...(o.owner === undefined ? {} : { owner: parseAddressArg(o.owner, '--owner') }),
        ...(o.parent === undefined ? {} : { parent: groupIdArg(o.parent) }),
        ...pageOf(o),
      })
      output(o.json, r, () =>
        [
          r.groups.length === 0
            ? '(none)'
            : columnTable(
                ['ID', 'NAME', 'OWNER', 'PRODUCERS', 'PARENT', 'FROZEN'],
                r.groups.map((g) => [
                  String(g.id),
                  g.name,
                  g.owner,
                  g.ownerProduces ? 'owner' : `${g.threshold} of ${g.producers.length}`,
                  g.policy.parentGroup === 0 ? '-' : String(g.policy.parentGroup),
                  g.frozen ? 'yes' : 'no',
                ]),
              ),
          `${r.groups.length} of ${r.total} (offset ${r.offset})`,
        ].join('\n'),
      )
    },
  )
  groups
    .option('--owner <address>', "only this address's groups")
    .option('--parent <group-id>', "only this group's children")
    .option('--offset <n>', 'skip this many (default 0)')
    .option('--limit <n>', 'at most this many, 1 to 100 (default 50)')

  queryCommand(
    query,
    'member <group-id> <address>',
    "holder gate: whether an address's GAT balance makes it a member of a holder-gated group",
    [
      'gather query member 1 gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267',
      'gather query member 1 gat1... --json',
    ],
    async (c, [id, addr], o) => {
      const r = await c.isGroupMember(groupIdArg(id), parseAddressArg(addr, '<address>'))
      output(o.json, r, () =>
        keyValueTable([
          ['group', r.groupId],
          ['address', r.address],
          [
            'member',
            r.member === null
              ? 'decided on the group chain (the group is not holder-gated)'
              : r.member
                ? 'yes'
                : 'no',
          ],
          ['balance', formatUgat(r.balance)],
          ['holder gate', r.holderGated ? formatUgat(r.minGatBalance) : 'none'],
          ['at height', r.height],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'checkpoints <group-id>',
    "a group's anchored checkpoints, newest first; paged",
    ['gather query checkpoints 1', 'gather query checkpoints 1 --limit 5 --offset 5 --json'],
    async (c, [id], opts) => {
      const o = opts as PagedQueryOptions
      const r = await c.getCheckpoints(groupIdArg(id), pageOf(o))
      output(
        o.json,
        r,
        () => `${checkpointRows(r.checkpoints)}\n${r.checkpoints.length} of ${r.total} (offset ${r.offset})`,
      )
    },
  )
    .option('--offset <n>', 'skip this many (default 0)')
    .option('--limit <n>', 'at most this many, 1 to 100 (default 50)')
}

/**
 * `gather verify-inclusion --proof FILE`: checks a message inclusion proof locally, trusting
 * only the main chain: the anchored checkpoint is read with `state_getProof` and checked against
 * the state root of a block header, then the proof is verified against that checkpoint alone.
 */
export function registerVerifyInclusion(program: Command): void {
  const cmd = program
    .command('verify-inclusion')
    .description('verify that a message was published in a group chain, against its anchored checkpoint')
    .requiredOption('--proof <file>', 'the inclusion proof, JSON (as group_verifyInclusion takes it)')
    .addHelpText(
      'after',
      `${examples('gather verify-inclusion --proof proof.json', 'gather verify-inclusion --proof proof.json --json')}

The proof is checked here, not by the node: the checkpoint is read from the node with a state
proof, which is checked against the state root of the block header it names; then the message is
followed to the block's tx root, the block hash, the checkpoint's accumulator and the anchored
checkpoint. Exit status 1 when the proof does not verify, with the reason.

A private group's post is proven as ciphertext. --from KEY (a member's keystore key, with --home
and --passphrase-file) then opens it with the group keys wrapped for that account: the
XChaCha20-Poly1305 tag checks that this plaintext is what the proven bytes hold.`,
    )
    .option('--from <key>', "a private group: the member's keystore key that opens the proven post")
    .option('--home <dir>', 'home of the keystore (with --from)', defaultHome())
    .option('--passphrase-file <file>', "the key's passphrase (with --from)")
  rpcOption(cmd)
  jsonOption(cmd).action(
    async (o: {
      proof: string
      rpc: string
      json?: boolean
      from?: string
      home: string
      passphraseFile?: string
    }) => {
      let json: unknown
      try {
        json = JSON.parse(await readFile(o.proof, 'utf8'))
      } catch (e) {
        throw new Error(`cannot read proof file ${o.proof}: ${(e as Error).message}`)
      }
      let proof: ReturnType<typeof proofFromJson>
      try {
        proof = proofFromJson(json)
      } catch (e) {
        throw new Error(`${o.proof} is not an inclusion proof: ${(e as Error).message}`)
      }
      const client = clientOf(o.rpc)
      const key = checkpointKey(proof.groupId, proof.checkpointHeight)
      const sp = await client.getProof(key)
      if (sp.value === null)
        throw new Error(
          `group ${proof.groupId} has no checkpoint anchored at height ${proof.checkpointHeight} (gather query checkpoints ${proof.groupId})`,
        )
      const header = await client.getBlock({ height: sp.height })
      if (header.header.stateRoot !== sp.stateRoot)
        throw new Error(
          `the node's state proof is for root ${sp.stateRoot}, but block ${sp.height} has ${header.header.stateRoot}`,
        )
      const value = Buffer.from(sp.value, 'base64')
      const check = verifyProof(
        Buffer.from(sp.stateRoot, 'hex'),
        statePath(key),
        stateValueHash(value),
        smtProofFromJson(sp.proof),
      )
      if (!check.ok)
        throw new Error(`the node's state proof of the checkpoint does not verify: ${check.reason}`)
      await untilFinal(client, sp.height, header.hash)
      const checkpoint = decodeAnchoredCheckpoint(value)
      const r = verifyInclusion(proof, checkpoint)
      let opened: { epoch: number; note: unknown } | undefined
      if (r.valid && o.from !== undefined) {
        const tx = decodeGroupTx(proof.message)
        if (tx.body.action.kind !== 'post' || tx.body.action.contentType !== SEALED_CONTENT_TYPE)
          throw new Error('the proven message is not a sealed post: there is nothing to open')
        const { key } = await unlockKey(o.home, o.from, o)
        const { chainId } = await client.getStatus()
        const { keys } = await groupKeysOf(client, chainId, proof.groupId, key)
        const { epoch, plaintext } = openPost(chainId, proof.groupId, tx.author, tx.body.action.content, keys)
        opened = { epoch, note: JSON.parse(new TextDecoder().decode(plaintext)) }
      }
      const result = {
        ...r,
        ...(opened === undefined ? {} : { opened }),
        checkpoint: {
          groupId: checkpoint.groupId,
          height: checkpoint.height,
          blockHash: hex(checkpoint.blockHash),
          accumulatorRoot: hex(checkpoint.accumulatorRoot),
          signers: checkpoint.signers,
        },
        mainChain: { height: sp.height, blockHash: header.hash, stateRoot: sp.stateRoot },
      }
      output(o.json, result, () =>
        keyValueTable([
          ['valid', r.valid ? 'yes' : 'NO'],
          ...(r.valid
            ? ([
                [
                  'message',
                  `transaction ${r.txIndex} of group ${r.groupId} block ${r.height} (${r.blockHash})`,
                ],
                ...(opened === undefined
                  ? []
                  : [
                      [
                        'plaintext',
                        `${String((opened.note as { content?: unknown }).content)} (opened with the key of epoch ${opened.epoch}: the AEAD tag ties it to the proven bytes)`,
                      ] as [string, string],
                    ]),
              ] as [string, string][])
            : ([
                ['code', r.code],
                ['reason', r.reason],
              ] as [string, string][])),
          [
            'checkpoint',
            `group ${checkpoint.groupId} height ${checkpoint.height}, signed by ${checkpoint.signers.join(', ')}`,
          ],
          [
            'main chain',
            `final block ${sp.height} ${header.hash}, state root ${sp.stateRoot} (state proof checked)`,
          ],
        ]),
      )
      if (!r.valid) throw new Error(`the proof does not verify (${r.code}): ${r.reason}`)
    },
  )
}

/** How long verify-inclusion waits for the main-chain block its state proof is against to become final. */
const FINALITY_WAIT_MS = 30_000

/**
 * Waits until main-chain block `height` is final and still the block `hash` (a state proof
 * against a head that a fork could revert proves nothing); throws when it does not become final.
 */
async function untilFinal(client: ReturnType<typeof clientOf>, height: number, hash: string): Promise<void> {
  const deadline = Date.now() + FINALITY_WAIT_MS
  for (;;) {
    const status = await client.getStatus()
    if (status.finalHeight >= height) {
      const b = await client.getBlock({ height })
      if (b.hash !== hash)
        throw new Error(
          `main-chain block ${height} was replaced before it became final: run the command again`,
        )
      return
    }
    if (Date.now() > deadline)
      throw new Error(
        `main-chain block ${height} is not final after ${FINALITY_WAIT_MS / 1000} s (final height ${status.finalHeight}): the proof is only checked against a final block`,
      )
    await new Promise((r) => setTimeout(r, 200))
  }
}
