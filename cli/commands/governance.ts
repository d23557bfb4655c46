import type { Command } from 'commander'
import type { ParamsSpec } from '../../chain/params.js'
import { governanceParams } from '../../modules/governance/params.js'
import { identityParams } from '../../modules/identity/params.js'
import { messagingParams } from '../../modules/messaging/params.js'
import { stakingParams } from '../../modules/staking/params.js'
import { tokenParams } from '../../modules/token/params.js'
import type { GatherClient, ProposalResult } from '../../rpc/client.js'
import { parseCliAmount, parsePositiveCliAmount } from '../amount.js'
import { parseWhole } from '../args.js'
import { columnTable, formatUgat, keyValueTable, output } from '../format.js'
import { examples } from '../options.js'
import { depositMessage, type ProposalFields, submitProposalMessage, voteMessage } from '../txMessages.js'
import { type QueryOptions, queryCommand } from './query.js'
import { AMOUNT_HELP, type TxOptions, txCommand } from './tx.js'

const VOTE_OPTIONS = ['yes', 'no', 'abstain', 'veto']
const STATUSES = ['deposit', 'voting', 'passed', 'rejected', 'vetoed', 'expired']

/** The params governance can change, by module: their kinds tell how a value on the command line is meant. */
const MODULE_PARAMS: Record<string, ParamsSpec<object>> = {
  token: tokenParams as unknown as ParamsSpec<object>,
  staking: stakingParams as unknown as ParamsSpec<object>,
  governance: governanceParams as unknown as ParamsSpec<object>,
  identity: identityParams as unknown as ParamsSpec<object>,
  messaging: messagingParams as unknown as ParamsSpec<object>,
}

function parseProposalId(v: string | undefined): bigint {
  if (v === undefined || !/^[1-9][0-9]{0,15}$/.test(v))
    throw new Error(`<proposal-id> must be a proposal number from 1, got "${v ?? ''}"`)
  return BigInt(v)
}

/**
 * `--change module.key=value`: the value in the JSON form the module's params take. An amount
 * param (ugat) takes a whole number or 1.5gat / 1500000ugat; any other value is read as JSON
 * (20, true) and else as a string. The chain checks it with the module's own rules.
 */
export function parseChange(text: string): { module: string; key: string; value: string } {
  const m = /^([a-z]+)\.([A-Za-z0-9]+)=(.*)$/s.exec(text)
  if (m === null)
    throw new Error(`--change must be module.key=value (e.g. staking.unbondingBlocks=100), got "${text}"`)
  const [, module = '', key = '', raw = ''] = m
  const spec = MODULE_PARAMS[module]
  if (spec === undefined)
    throw new Error(
      `--change ${text}: governance changes the params of ${Object.keys(MODULE_PARAMS).join(', ')}`,
    )
  const field = (spec.fields as Record<string, { kind: string } | undefined>)[key]
  if (field === undefined)
    throw new Error(
      `--change ${text}: ${module} has no param "${key}" (its params: ${Object.keys(spec.fields).join(', ')})`,
    )
  if (field.kind === 'bigint')
    return { module, key, value: JSON.stringify(parseCliAmount(raw, `--change ${module}.${key}`).toString()) }
  try {
    JSON.parse(raw)
    return { module, key, value: raw }
  } catch {
    return { module, key, value: JSON.stringify(raw) }
  }
}

/** The initial deposit: `--deposit`, else the whole minimum deposit (voting opens at once). */
async function depositOf(o: TxOptions, client: GatherClient): Promise<bigint> {
  if (o.deposit !== undefined) return parseCliAmount(o.deposit, '--deposit')
  return BigInt((await client.getGovParams()).minDeposit)
}

/** `gather tx propose text|param-change|upgrade|cancel-upgrade`, `gather tx deposit`, `gather tx vote`. */
export function registerGovernanceTx(tx: Command): void {
  const propose = tx
    .command('propose')
    .description(
      'submit a governance proposal with its initial deposit (text, param-change, upgrade, cancel-upgrade)',
    )
    .addHelpText(
      'after',
      examples(
        'gather tx propose text alice --title "Adopt the roadmap" --description "..."',
        'gather tx propose param-change alice --title "Shorter unbonding" --change staking.unbondingBlocks=43200',
        'gather tx propose upgrade alice --title "v2" --name v2 --height 1000000',
      ),
    )
  const common = (cmd: Command): void => {
    cmd
      .requiredOption('--title <text>', 'title, up to 140 characters')
      .option('--description <text>', 'description, up to 10,000 characters', '')
      .option(
        '--deposit <amount>',
        'initial deposit, at least minInitialDepositRatioBps of minDeposit (default: the whole minDeposit, so voting opens at once)',
      )
  }
  const DEPOSIT_HELP = `${AMOUNT_HELP}
Deposits are refunded when the proposal passes or is rejected, and burned when it is vetoed, misses
quorum or never reaches minDeposit (gather query gov-params shows them).`
  const plan =
    (fields: (o: TxOptions) => ProposalFields) => (_args: (string | undefined)[], o: TxOptions) => {
      const p = fields(o)
      return async (proposer: string, client: GatherClient) => {
        const deposit = await depositOf(o, client)
        return {
          messages: [submitProposalMessage(proposer, p, deposit)],
          summary: [
            ['kind', p.kind],
            ['title', p.title],
            ...(p.changes ?? []).map((c): [string, string] => [
              'change',
              `${c.module}.${c.key} = ${c.value}`,
            ]),
            ...(p.upgrade === undefined
              ? []
              : [
                  [
                    'upgrade',
                    `${p.upgrade.name}${p.upgrade.height === undefined ? '' : ` at height ${p.upgrade.height}`}`,
                  ] as [string, string],
                ]),
            ['deposit', formatUgat(deposit)],
          ] as [string, string][],
        }
      }
    }

  txCommand(propose, {
    spec: 'text <proposer-key>',
    description: 'a proposal that changes nothing on chain: the vote is the record',
    examples: ['gather tx propose text alice --title "Adopt the roadmap" --description "https://…"'],
    notes: DEPOSIT_HELP,
    signerRole: 'proposer',
    options: common,
    plan: plan((o) => ({ kind: 'text', title: o.title ?? '', description: o.description ?? '' })),
  })

  txCommand(propose, {
    spec: 'param-change <proposer-key>',
    description: "change modules' params when the proposal passes (checked by each module's rules now)",
    examples: [
      'gather tx propose param-change alice --title "Shorter unbonding" --change staking.unbondingBlocks=43200',
      'gather tx propose param-change alice --title "Fees" --change token.minFee=2000ugat --change identity.registrationFee=2gat',
    ],
    notes: `--change module.key=value, repeatable; modules: ${Object.keys(MODULE_PARAMS).join(', ')} (their params: gather query
staking-params, gov-params…). Amount params take 1.5gat / 1500000ugat. An invalid value is refused at
submission with the module's reason; the changes apply together at the end of a passed vote.
${DEPOSIT_HELP}`,
    signerRole: 'proposer',
    options: (cmd) => {
      common(cmd)
      cmd.option(
        '--change <module.key=value>',
        'a param change (repeatable)',
        (v: string, prev: string[]) => [...prev, v],
        [] as string[],
      )
    },
    plan: plan((o) => {
      const changes = (o.change ?? []).map(parseChange)
      if (changes.length === 0) throw new Error('give at least one --change module.key=value')
      return { kind: 'param-change', title: o.title ?? '', description: o.description ?? '', changes }
    }),
  })

  txCommand(propose, {
    spec: 'upgrade <proposer-key>',
    description: 'schedule a software upgrade: at --height every node stops unless its release knows --name',
    examples: ['gather tx propose upgrade alice --title "Release v2" --name v2 --height 1000000'],
    notes: `--height must lie at least upgradeMarginBlocks after the end of the voting. A node whose release
has no handler for --name stops before that block (exit status 3, data intact); restart it with a
release that knows it. gather query status shows a pending upgrade.
${DEPOSIT_HELP}`,
    signerRole: 'proposer',
    options: (cmd) => {
      common(cmd)
      cmd.requiredOption('--name <name>', 'the upgrade plan name (the release that knows it)')
      cmd.requiredOption('--height <height>', 'the block height the upgrade takes effect at')
    },
    plan: plan((o) => ({
      kind: 'software-upgrade',
      title: o.title ?? '',
      description: o.description ?? '',
      upgrade: {
        name: o.name ?? '',
        height: parseWhole(o.height ?? '', '--height', 1, Number.MAX_SAFE_INTEGER),
      },
    })),
  })

  txCommand(propose, {
    spec: 'cancel-upgrade <proposer-key>',
    description: 'cancel a pending software upgrade when the proposal passes',
    examples: ['gather tx propose cancel-upgrade alice --title "Not yet" --name v2'],
    notes: DEPOSIT_HELP,
    signerRole: 'proposer',
    options: (cmd) => {
      common(cmd)
      cmd.requiredOption('--name <name>', 'the name of the plan to cancel')
    },
    plan: plan((o) => ({
      kind: 'cancel-upgrade',
      title: o.title ?? '',
      description: o.description ?? '',
      upgrade: { name: o.name ?? '' },
    })),
  })

  txCommand(tx, {
    spec: 'deposit <depositor-key> <proposal-id> <amount>',
    description: 'add GAT to an open proposal; voting opens once the deposits reach minDeposit',
    examples: ['gather tx deposit bob 1 500gat'],
    notes: DEPOSIT_HELP,
    signerRole: 'depositor',
    plan: ([idArg, amountArg]) => {
      const id = parseProposalId(idArg)
      const amount = parsePositiveCliAmount(amountArg ?? '', 'amount')
      return (depositor) => ({
        messages: [depositMessage(depositor, id, amount)],
        summary: [
          ['proposal', id.toString()],
          ['amount', formatUgat(amount)],
        ],
      })
    },
  })

  txCommand(tx, {
    spec: 'vote <voter-key> <proposal-id> <option>',
    description: 'vote yes, no, abstain or veto, weighted by your locked GAT (vote again to change it)',
    examples: ['gather tx vote alice 1 yes', 'gather tx vote bob 1 veto --json'],
    notes: `The vote weighs the GAT you have locked on nodes (gather tx lock) as it stands when the voting
ends: locking or unlocking later moves your vote's weight. A later vote replaces the earlier one
until the end. veto: against, and burns the deposits if veto exceeds vetoThresholdBps.`,
    signerRole: 'voter',
    plan: ([idArg, optionArg]) => {
      const id = parseProposalId(idArg)
      const option = optionArg ?? ''
      if (!VOTE_OPTIONS.includes(option))
        throw new Error(`<option> must be one of ${VOTE_OPTIONS.join(', ')}, got "${option}"`)
      return (voter) => ({
        messages: [voteMessage(voter, id, option)],
        summary: [
          ['proposal', id.toString()],
          ['option', option],
        ],
      })
    },
  })
}

function tallyRows(p: ProposalResult): [string, string][] {
  return [
    ['yes', formatUgat(p.tally.yes)],
    ['no', formatUgat(p.tally.no)],
    ['abstain', formatUgat(p.tally.abstain)],
    ['veto', formatUgat(p.tally.veto)],
    ['total locked', formatUgat(p.totalLocked)],
  ]
}

function parsePage(o: QueryOptions): { offset?: number; limit?: number } {
  return {
    ...(o.offset === undefined
      ? {}
      : { offset: parseWhole(o.offset, '--offset', 0, Number.MAX_SAFE_INTEGER) }),
    ...(o.limit === undefined ? {} : { limit: parseWhole(o.limit, '--limit', 1, 100) }),
  }
}

/** `gather query proposals|proposal|votes|vote|gov-params`. */
export function registerGovernanceQuery(query: Command): void {
  const paged = (cmd: Command): Command =>
    cmd
      .option('--offset <n>', 'skip this many (default 0)')
      .option('--limit <n>', 'at most this many, 1 to 100 (default 20)')

  paged(
    queryCommand(
      query,
      'proposals',
      'governance proposals, newest first (--status deposit|voting|passed|rejected|vetoed|expired)',
      ['gather query proposals', 'gather query proposals --status voting --json'],
      async (c, _args, o) => {
        if (o.status !== undefined && !STATUSES.includes(o.status))
          throw new Error(`--status must be one of ${STATUSES.join(', ')}, got "${o.status}"`)
        const r = await c.getProposals({
          ...(o.status === undefined ? {} : { status: o.status as 'voting' }),
          ...parsePage(o),
        })
        output(o.json, r, () =>
          r.proposals.length === 0
            ? '(no proposals)'
            : `${columnTable(
                ['ID', 'KIND', 'STATUS', 'TITLE', 'DEPOSIT', 'VOTING ENDS'],
                r.proposals.map((p) => [
                  String(p.id),
                  p.kind,
                  p.status,
                  p.title,
                  formatUgat(p.totalDeposit),
                  p.votingEndHeight === 0 ? '-' : String(p.votingEndHeight),
                ]),
              )}\n${r.proposals.length} of ${r.total}`,
        )
      },
    ),
  ).option('--status <status>', 'only proposals of this status')

  queryCommand(
    query,
    'proposal <proposal-id>',
    'one proposal with its live tally (final once ended), how it would end now, and the time left',
    ['gather query proposal 1', 'gather query proposal 1 --json'],
    async (c, [idArg], o) => {
      const p = await c.getProposal(Number(parseProposalId(idArg)))
      output(o.json, p, () =>
        keyValueTable([
          ['id', p.id],
          ['kind', p.kind],
          ['title', p.title],
          ['status', p.status],
          ['proposer', p.proposer],
          ['submitted at', p.submitHeight],
          ['deposit', formatUgat(p.totalDeposit)],
          ['deposit ends', p.depositEndHeight],
          [
            'voting',
            p.votingStartHeight === 0 ? '-' : `${p.votingStartHeight} to ${p.votingEndHeight} (exclusive)`,
          ],
          ...p.changes.map((ch): [string, string] => ['change', `${ch.module}.${ch.key} = ${ch.value}`]),
          ...(p.upgrade === null
            ? []
            : [['upgrade', `${p.upgrade.name} at height ${p.upgrade.height}`] as [string, string]]),
          ...tallyRows(p),
          ['outcome', p.outcome],
          [
            'time left',
            p.blocksLeft === 0 ? '-' : `${p.blocksLeft} blocks (~${Math.round(p.msLeft / 1000)} s)`,
          ],
        ]),
      )
    },
  )

  paged(
    queryCommand(
      query,
      'votes <proposal-id>',
      "a proposal's votes, by voter (with their weight while it votes)",
      ['gather query votes 1', 'gather query votes 1 --limit 100 --offset 100 --json'],
      async (c, [idArg], o) => {
        const r = await c.getVotes(Number(parseProposalId(idArg)), parsePage(o))
        output(o.json, r, () =>
          r.votes.length === 0
            ? '(no votes)'
            : `${columnTable(
                ['VOTER', 'OPTION', 'WEIGHT'],
                r.votes.map((v) => [v.voter, v.option, v.weight === undefined ? '-' : formatUgat(v.weight)]),
              )}\n${r.votes.length} of ${r.total}`,
        )
      },
    ),
  )

  queryCommand(
    query,
    'gov-params',
    'governance parameters: periods, minimum deposit, quorum and thresholds, upgrade margin',
    ['gather query gov-params', 'gather query gov-params --json'],
    async (c, _args, o) => {
      const p = await c.getGovParams()
      const pct = (bps: number): string => `${bps / 100} %`
      output(o.json, p, () =>
        keyValueTable([
          ['deposit period', `${p.depositPeriodBlocks} blocks`],
          ['voting period', `${p.votingPeriodBlocks} blocks`],
          ['min deposit', formatUgat(p.minDeposit)],
          ['min initial deposit', pct(p.minInitialDepositRatioBps)],
          ['quorum', pct(p.quorumBps)],
          ['pass threshold', pct(p.passThresholdBps)],
          ['veto threshold', pct(p.vetoThresholdBps)],
          ['max active proposals', p.maxActiveProposals],
          ['upgrade margin', `${p.upgradeMarginBlocks} blocks`],
        ]),
      )
    },
  )
}
