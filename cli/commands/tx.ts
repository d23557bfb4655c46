import type { Command } from 'commander'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import type { GatherClient } from '../../rpc/client.js'
import { parseCliAmount, parsePositiveCliAmount } from '../amount.js'
import { parseAddressArg, parseNodeIdArg } from '../args.js'
import { formatUgat, keyValueTable, output } from '../format.js'
import { clientOf, examples, homeOption, jsonOption, passphraseOption, rpcOption } from '../options.js'
import { unlockKey } from '../prompt.js'
import {
  type AnyMessage,
  burnMessage,
  claimRewardsMessage,
  issueDeviceMessage,
  lockMessage,
  registerNodeMessage,
  transferNodeMessage,
} from '../txMessages.js'
import { registerGovernanceTx } from './governance.js'

export interface TxOptions {
  home: string
  rpc: string
  json?: boolean
  passphraseFile?: string
  fee: string
  memo: string
  chainId?: string
  async?: boolean
  moniker?: string
  /** `tx propose` */
  title?: string
  description?: string
  deposit?: string
  change?: string[]
  name?: string
  height?: string
}

/** The messages of a transaction and the summary rows shown with its result, for the signer's address. */
export type TxBuilder = (
  signer: string,
  client: GatherClient,
) =>
  | { messages: AnyMessage[]; summary: [string, string][] }
  | Promise<{ messages: AnyMessage[]; summary: [string, string][] }>

/** One `gather tx <name>` subcommand. */
export interface TxSpec {
  /** commander spec, e.g. `lock <staker-key> <node-id> <amount>` */
  spec: string
  description: string
  examples: string[]
  /** more help after the examples */
  notes?: string
  /** what the signer (the first argument, a keystore key) is called in the output */
  signerRole:
    | 'from'
    | 'issuer'
    | 'owner'
    | 'staker'
    | 'address'
    | 'submitter'
    | 'proposer'
    | 'depositor'
    | 'voter'
  /** extra options of this subcommand */
  options?: (cmd: Command) => void
  /** checks the arguments after the key (before the key is unlocked) and returns what to sign */
  plan(args: (string | undefined)[], o: TxOptions): TxBuilder
}

export const AMOUNT_HELP =
  '<amount> is 1.5gat / 1.5GAT (up to 6 decimals), 1500000ugat, or a whole number of ugat.'
const COMMON_HELP = `The account number and sequence are read with account_get; the exit status is 1 when the node
rejects the transaction or its result code is not 0. Common options: --fee (default 1000ugat,
burned), --memo, --chain-id (default: the node's), --async (return once admitted to the mempool).`

/** Signs what `build` makes with the keystore key `keyName` and submits it; prints the result. */
async function signAndSubmit(
  keyName: string,
  signerRole: string,
  build: TxBuilder,
  o: TxOptions,
): Promise<void> {
  const fee = parseCliAmount(o.fee, '--fee')
  const client = clientOf(o.rpc)
  const { key } = await unlockKey(o.home, keyName, o)
  const chainId = o.chainId ?? (await client.getStatus()).chainId
  const account = await client.getAccount(key.address)
  if (!account.exists)
    throw new Error(
      `account ${key.address} (key ${keyName}) does not exist on chain ${chainId}: fund it first`,
    )
  const { messages, summary: rows } = await build(key.address, client)
  const raw = signTx(
    {
      messages,
      chainId,
      accountNumber: BigInt(account.accountNumber),
      // after this account's transactions still pending on the node, so several can be sent in a row
      sequence: BigInt(account.nextSequence),
      fee,
      memo: o.memo,
    },
    key.privateKey,
    key.publicKey,
  )
  const summary: [string, string][] = [
    [signerRole, `${key.address} (${keyName})`],
    ...rows,
    ['fee', formatUgat(fee)],
  ]
  if (o.async === true) {
    const r = await client.broadcast(raw)
    output(o.json, r, () => keyValueTable([['hash', r.hash], ...summary, ['status', 'in the mempool']]))
    return
  }
  const r = await client.broadcastCommit(raw)
  output(o.json, r, () =>
    keyValueTable([
      ['hash', r.hash],
      ['height', r.height],
      ['code', r.code === 0 ? '0 (success)' : `${r.code} (${r.codespace})`],
      ...summary,
      ...(r.log === '' ? [] : ([['log', r.log]] as [string, string][])),
    ]),
  )
  if (r.code !== 0)
    throw new Error(`transaction ${r.hash} failed in block ${r.height} with code ${r.code}: ${r.log}`)
}

/** Adds one `gather tx <name>` subcommand with the shared signing options. */
export function txCommand(parent: Command, s: TxSpec): void {
  const cmd = parent
    .command(s.spec)
    .description(s.description)
    .option('--fee <amount>', 'fee, burned (1.5gat, 1000ugat or a whole number of ugat)', '1000ugat')
    .option('--memo <text>', 'memo stored with the transaction', '')
    .option('--chain-id <id>', 'chain id to sign for (default: asked from the node)')
    .option(
      '--async',
      'return once the node admits the transaction (tx_broadcast), not once it is in a block',
    )
  s.options?.(cmd)
  cmd.addHelpText(
    'after',
    [examples(...s.examples), ...(s.notes === undefined ? [] : [s.notes]), COMMON_HELP].join('\n\n'),
  )
  homeOption(cmd)
  rpcOption(cmd)
  passphraseOption(cmd)
  jsonOption(cmd).action(async (...all: unknown[]) => {
    const o = all[all.length - 2] as TxOptions
    const args = all.slice(0, -2).filter((a): a is string => typeof a === 'string')
    const [keyName = '', ...rest] = args
    await signAndSubmit(keyName, s.signerRole, s.plan(rest, o), o)
  })
}

/** `gather tx transfer|burn|issue-device|register-node|transfer-node|lock|unlock`: sign with a keystore key and submit over JSON-RPC. */
export function registerTx(program: Command): void {
  const tx = program
    .command('tx')
    .description('sign transactions with a keystore key and submit them to a node')
    .addHelpText(
      'after',
      examples(
        'gather tx transfer alice gat1... 1.5gat',
        'gather tx lock alice <node-id> 100gat',
        'gather tx register-node alice <node-id> --moniker my-box',
        'gather tx vote alice 1 yes',
      ),
    )

  txCommand(tx, {
    spec: 'transfer <from-key> <to-address> <amount>',
    description: 'send GAT from a keystore key to an address',
    examples: [
      'gather tx transfer alice gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267 1.5gat',
      'gather tx transfer alice gat1... 2500000ugat --fee 2000 --memo "rent" --json',
      'gather tx transfer faucet gat1... 10gat --home ~/.gather-devnet --passphrase-file pass.txt --async',
    ],
    notes: AMOUNT_HELP,
    signerRole: 'from',
    plan: ([toArg, amountArg]) => {
      const to = parseAddressArg(toArg, '<to-address>')
      const amount = parsePositiveCliAmount(amountArg ?? '', 'amount')
      return (from) => ({
        messages: [transferMessage(from, to, amount)],
        summary: [
          ['to', to],
          ['amount', formatUgat(amount)],
        ],
      })
    },
  })

  txCommand(tx, {
    spec: 'burn <from-key> <amount>',
    description: "destroy GAT of a keystore key's own balance (counted in the supply's burned)",
    examples: ['gather tx burn alice 1.5gat', 'gather tx burn alice 2500000ugat --json'],
    notes: `${AMOUNT_HELP}
Burned GAT is gone for good: it leaves the total supply (gather query supply shows burned).`,
    signerRole: 'from',
    plan: ([amountArg]) => {
      const amount = parsePositiveCliAmount(amountArg ?? '', 'amount')
      return (from) => ({
        messages: [burnMessage(from, amount)],
        summary: [['burned', formatUgat(amount)]],
      })
    },
  })

  txCommand(tx, {
    spec: 'claim-rewards <key>',
    description: "pay a keystore key's claimable rewards into its balance",
    examples: ['gather tx claim-rewards alice', 'gather tx claim-rewards validator --json'],
    notes: `Claims what the account's locked GAT (65 %) and active nodes (30 %) earned, and its
super-node rewards (5 %) once their lock day has come (gather query rewards shows each part).
With nothing claimable the command stops before signing; the chain would refuse the transaction.`,
    signerRole: 'address',
    plan: () => async (address, client) => {
      const r = await client.getRewards(address)
      if (BigInt(r.claimable) === 0n) {
        const locked =
          BigInt(r.superNodeLocked) > 0n
            ? `; ${formatUgat(r.superNodeLocked)} of super-node rewards unlock on day ${r.superNodeUnlockDay}`
            : ''
        throw new Error(`${address} has no rewards to claim${locked}`)
      }
      return {
        messages: [claimRewardsMessage(address)],
        summary: [['claiming', formatUgat(r.claimable)]],
      }
    },
  })

  txCommand(tx, {
    spec: 'issue-device <issuer-key> <to-address> [count]',
    description: 'mint GMT to an address, one per device sold (only the genesis GMT issuer may)',
    examples: [
      'gather tx issue-device validator gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267',
      'gather tx issue-device issuer gat1... 10 --json',
    ],
    notes: `[count] is a whole number of GMT (default 1). On a devnet the issuer is the validator's
owner, account 0 of the mnemonic (gather keys import validator --index 0).`,
    signerRole: 'issuer',
    plan: ([toArg, countArg]) => {
      const to = parseAddressArg(toArg, '<to-address>')
      const countText = countArg ?? '1'
      if (!/^[1-9][0-9]{0,7}$/.test(countText))
        throw new Error(`[count] "${countText}" must be a whole number of GMT from 1 to 10000000`)
      const count = BigInt(countText)
      return (issuer) => ({
        messages: [issueDeviceMessage(issuer, to, count)],
        summary: [
          ['to', to],
          ['GMT', count.toString()],
        ],
      })
    },
  })

  txCommand(tx, {
    spec: 'register-node <owner-key> <node-id>',
    description: "register a node: bind one of the owner's free GMT to the node's key",
    examples: [
      'gather tx register-node alice 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29',
      'gather tx register-node alice <node-id> --moniker living-room --json',
    ],
    notes: `<node-id> is the node's ed25519 public key, 64 hex characters (the publicKey of
config/node_key.json in the node's home). Each key registers once; the owner needs a GMT that is
not yet bound to a node (gather query account shows GMT; tx issue-device mints them).`,
    options: (cmd) => cmd.option('--moniker <name>', 'a name for the node, up to 64 characters', ''),
    signerRole: 'owner',
    plan: ([nodeIdArg], o) => {
      const nodeId = parseNodeIdArg(nodeIdArg)
      const moniker = o.moniker ?? ''
      if (moniker.length > 64) throw new Error('--moniker is longer than 64 characters')
      return (owner) => ({
        messages: [registerNodeMessage(owner, nodeId, moniker)],
        summary: [
          ['node id', nodeId],
          ['moniker', moniker === '' ? '(none)' : moniker],
        ],
      })
    },
  })

  txCommand(tx, {
    spec: 'transfer-node <owner-key> <node-id> <new-owner>',
    description: 'give a registered node, and the GMT bound to it, to another account',
    examples: ['gather tx transfer-node alice <node-id> gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267'],
    notes: 'This is the only way GMT moves. GAT locked on the node stays with its stakers.',
    signerRole: 'owner',
    plan: ([nodeIdArg, newOwnerArg]) => {
      const nodeId = parseNodeIdArg(nodeIdArg)
      const newOwner = parseAddressArg(newOwnerArg, '<new-owner>')
      return (owner) => ({
        messages: [transferNodeMessage(owner, nodeId, newOwner)],
        summary: [
          ['node id', nodeId],
          ['new owner', newOwner],
        ],
      })
    },
  })

  for (const kind of ['lock', 'unlock'] as const) {
    txCommand(tx, {
      spec: `${kind} <staker-key> <node-id> <amount>`,
      description:
        kind === 'lock'
          ? 'lock GAT on a registered node (any account, any node; up to the per-node cap)'
          : 'start unbonding GAT locked on a node; it returns after the unbonding period',
      examples: [
        `gather tx ${kind} alice <node-id> 100gat`,
        `gather tx ${kind} faucet <node-id> 2500000ugat --home ~/.gather-devnet --json`,
      ],
      notes:
        kind === 'lock'
          ? `${AMOUNT_HELP}
All stakers together may lock at most the per-node cap (2,000 GAT by default) on one node; a node
needs at least 1 GAT to be active. See them with gather query staking-params.`
          : `${AMOUNT_HELP}
The coins come back at the release height (now + the unbonding period); gather query unbonding
<address> shows pending unlocks.`,
      signerRole: 'staker',
      plan: ([nodeIdArg, amountArg]) => {
        const nodeId = parseNodeIdArg(nodeIdArg)
        const amount = parsePositiveCliAmount(amountArg ?? '', 'amount')
        return (staker) => ({
          messages: [lockMessage(kind, staker, nodeId, amount)],
          summary: [
            ['node id', nodeId],
            ['amount', formatUgat(amount)],
          ],
        })
      },
    })
  }

  registerGovernanceTx(tx)
}
