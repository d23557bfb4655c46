import type { Command } from 'commander'
import { formatGat } from '../../chain/amount.js'
import type { GatherClient, StakingNodeView } from '../../rpc/client.js'
import { parseAddressArg, parseNodeIdArg } from '../args.js'
import { columnTable, formatUgat, keyValueTable, output } from '../format.js'
import { clientOf, examples, jsonOption, rpcOption } from '../options.js'
import { registerGovernanceQuery } from './governance.js'

export interface QueryOptions {
  rpc: string
  json?: boolean
  /** `query emission --day N` */
  day?: string
  /** `query proposals --status S`; paging of `query proposals|votes` */
  status?: string
  offset?: string
  limit?: string
}

/** Adds one `gather query <what>` subcommand with --rpc and --json. */
export function queryCommand(
  parent: Command,
  spec: string,
  description: string,
  helpExamples: string[],
  run: (client: GatherClient, args: string[], o: QueryOptions) => Promise<void>,
): Command {
  const cmd = parent
    .command(spec)
    .description(description)
    .addHelpText('after', examples(...helpExamples))
  rpcOption(cmd)
  jsonOption(cmd).action(async (...all: unknown[]) => {
    const o = all[all.length - 2] as QueryOptions
    const args = all.slice(0, -2).filter((a): a is string => typeof a === 'string')
    await run(clientOf(o.rpc), args, o)
  })
  return cmd
}

const HASH = /^[0-9a-fA-F]{64}$/

/** `--day`: a whole day number from 0 (the genesis day). */
function parseDayOption(v: string): number {
  if (!/^(0|[1-9][0-9]{0,8})$/.test(v)) {
    throw new Error(`--day must be a whole number from 0 to 999999999 (days from genesis), got "${v}"`)
  }
  return Number(v)
}

/** A ranked list of nodes as a table. */
function nodesTable(nodes: readonly StakingNodeView[]): string {
  if (nodes.length === 0) return '(none)'
  return columnTable(
    ['RANK', 'NODE ID', 'MONIKER', 'OWNER', 'POWER (GAT)', 'STATUS'],
    nodes.map((n) => [
      String(n.rank ?? ''),
      n.nodeId,
      n.moniker,
      n.owner,
      formatGat(BigInt(n.power)),
      n.status,
    ]),
  )
}

/** `gather query status|block|tx|account|supply|emission|rewards|proof|super-nodes|node|locks|unbonding|staking-params` over JSON-RPC. */
export function registerQuery(program: Command): void {
  const query = program
    .command('query')
    .alias('q')
    .description('read chain state from a node over JSON-RPC (tables; --json for the raw result)')
    .addHelpText('after', examples('gather query status', 'gather query account gat1... --json'))

  queryCommand(
    query,
    'status',
    'chain id, head height and hash, final height and finality lag, mempool',
    ['gather query status', 'gather query status --rpc http://127.0.0.1:26667/ --json'],
    async (c, _args, o) => {
      const s = await c.getStatus()
      output(o.json, s, () =>
        keyValueTable([
          ['chain id', s.chainId],
          ['height', s.height],
          ['head hash', s.headHash],
          ['head time', s.headTime],
          ['final height', s.finalHeight],
          ['finality lag', `${s.finalityLag} blocks`],
          ['state root', s.stateRoot],
          ['genesis hash', s.genesisHash],
          ['block time', `${s.blockTimeMs} ms`],
          ['mempool', `${s.mempool.txs} txs, ${s.mempool.bytes} bytes`],
          ['syncing', s.syncing],
          [
            'pending upgrade',
            s.pendingUpgrade === null
              ? '(none)'
              : `${s.pendingUpgrade.name} at height ${s.pendingUpgrade.height} (proposal ${s.pendingUpgrade.proposalId})`,
          ],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'block [height-or-hash]',
    'a block by height or hash (the latest without an argument)',
    ['gather query block', 'gather query block 42', 'gather query block 9f86d08188…(64 hex) --json'],
    async (c, [ref], o) => {
      let by: { height?: number; hash?: string } = {}
      if (ref !== undefined) {
        if (HASH.test(ref)) by = { hash: ref }
        else if (/^[1-9][0-9]{0,15}$/.test(ref)) by = { height: Number(ref) }
        else throw new Error(`"${ref}" is neither a block height nor a 64-hex-character block hash`)
      }
      const b = await c.getBlock(by)
      output(o.json, b, () =>
        keyValueTable([
          ['height', b.height],
          ['hash', b.hash],
          ['time', b.header.time],
          ['slot', b.header.slot],
          ['proposer', b.header.proposer],
          ['previous hash', b.header.previousHash],
          ['state root', b.header.stateRoot],
          ['tx root', b.header.txRoot],
          ['txs', b.txs.length],
          ['block events', b.events.length],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'tx <hash>',
    'a committed transaction by hash: height, result code, log, events',
    ['gather query tx 3A5F…(64 hex)', 'gather query tx 3A5F… --json'],
    async (c, [hash], o) => {
      if (hash === undefined || !HASH.test(hash))
        throw new Error(`<hash> must be 64 hex characters, got "${hash ?? ''}"`)
      const t = await c.getTx(hash)
      output(o.json, t, () =>
        keyValueTable([
          ['hash', t.hash],
          ['height', t.height],
          ['index', t.index],
          ['code', t.code === 0 ? '0 (success)' : `${t.code} (${t.codespace})`],
          ['log', t.log],
          ['events', t.events.map((e) => e.type).join(', ')],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'account <address>',
    'balances, account number and sequence of an address',
    [
      'gather query account gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267',
      'gather query account gat1... --json',
    ],
    async (c, [address], o) => {
      const a = await c.getAccount(parseAddressArg(address))
      output(o.json, a, () =>
        keyValueTable([
          ['address', a.address],
          ['exists', a.exists],
          ['account number', a.accountNumber],
          ['sequence', a.sequence],
          ['GAT', formatUgat(a.balance.ugat)],
          ['spendable', formatUgat(a.spendable)],
          ['GMT', `${a.balance.gmt} (${a.gmtBound} bound to nodes)`],
          ...(a.vesting === undefined
            ? []
            : ([
                ['vesting', `${formatUgat(a.vesting.original)} from genesis`],
                ['  unvested', formatUgat(a.vesting.unvested)],
                ['  locked in balance', formatUgat(a.vesting.lockedInBalance)],
                ['  staked from vesting', formatUgat(a.vesting.delegatedVesting)],
                [
                  '  schedule (heights)',
                  `start ${a.vesting.startHeight}, cliff ${a.vesting.cliffHeight}, end ${a.vesting.endHeight}`,
                ],
              ] as [string, string][])),
        ]),
      )
    },
  )

  queryCommand(
    query,
    'supply',
    'GAT supply (cap, genesis, minted, burned, total, staked, unbonding, reward pool, rewards, vesting, circulating) and GMT (cap, issued, issuer)',
    ['gather query supply', 'gather query supply --json'],
    async (c, _args, o) => {
      const s = await c.getSupply()
      output(o.json, s, () =>
        keyValueTable([
          ['cap', formatUgat(s.cap)],
          ['genesis', formatUgat(s.genesis)],
          ['minted', formatUgat(s.minted)],
          ['burned', formatUgat(s.burned)],
          ['total', formatUgat(s.total)],
          ['staked', formatUgat(s.staked)],
          ['unbonding', formatUgat(s.unbonding)],
          ['reward pool', formatUgat(s.rewardPool)],
          ['rewards outstanding', formatUgat(s.rewardsOutstanding)],
          ['rewards unclaimed', formatUgat(s.rewardsUnclaimed)],
          ['  of which locked', formatUgat(s.superNodeRewardsLocked)],
          ['vesting locked', formatUgat(s.vestingLocked)],
          ['vesting unvested', formatUgat(s.vestingUnvested)],
          ['circulating', formatUgat(s.circulating)],
          ['GMT cap', s.gmt.cap],
          ['GMT issued', s.gmt.issued],
          ['GMT issuer', s.gmt.issuer ?? '(none)'],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'rewards <address>',
    "an account's rewards: claimable now, pending from locked GAT and active nodes, locked super-node rewards",
    [
      'gather query rewards gat15yk64u7zc9g9k2yr2wmzeva5qgwxps6yr03wyz',
      'gather query rewards gat1... --json',
    ],
    async (c, [address], o) => {
      const r = await c.getRewards(parseAddressArg(address))
      output(o.json, r, () =>
        keyValueTable([
          ['address', r.address],
          ['height', r.height],
          ['claimable', formatUgat(r.claimable)],
          ['from locked GAT (65 %)', formatUgat(r.stakePending)],
          ['from active nodes (30 %)', formatUgat(r.nodePending)],
          ['settled, unclaimed', formatUgat(r.unclaimed)],
          ['super node (5 %), locked', `${formatUgat(r.superNodeLocked)} until day ${r.superNodeUnlockDay}`],
          ['locked GAT', formatUgat(r.lockedStake)],
          ['active nodes', r.activeNodes],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'emission',
    "GAT issuance: a day's amount (default today), the total through it, the last issuance day, minted so far",
    ['gather query emission', 'gather query emission --day 1460', 'gather query emission --json'],
    async (c, _args, o) => {
      const e = await c.getEmission(o.day === undefined ? undefined : parseDayOption(o.day))
      output(o.json, e, () =>
        keyValueTable([
          ['day', e.day],
          ['amount', formatUgat(e.amount)],
          ['total through day', formatUgat(e.totalMintedThroughDay)],
          ['last issuance day', e.lastDay],
          ['today', e.today],
          ['today amount', formatUgat(e.todayAmount)],
          ['blocks per day', e.blocksPerDay],
          ['height', e.height],
          ['minted', formatUgat(e.minted)],
          ['reward pool', formatUgat(e.rewardPool)],
        ]),
      )
    },
  ).option('--day <n>', 'the day to show, from 0 (the genesis day); default: today')

  queryCommand(
    query,
    'proof <key>',
    'a state key with its value and a sparse Merkle proof against the head state root',
    ['gather query proof <state-key>', 'gather query proof <state-key> --json'],
    async (c, [key], o) => {
      const p = await c.getProof(key ?? '')
      output(o.json, p, () =>
        keyValueTable([
          ['key', p.key],
          ['value (base64)', p.value ?? '(absent)'],
          ['height', p.height],
          ['state root', p.stateRoot],
          ['proof', `${JSON.stringify(p.proof).length} bytes of JSON (use --json to see it)`],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'super-nodes',
    'the super nodes of the current period, and who an election now would pick next',
    ['gather query super-nodes', 'gather query super-nodes --json'],
    async (c, _args, o) => {
      const r = await c.getSuperNodes()
      output(o.json, r, () =>
        [
          keyValueTable([
            ['period', r.period],
            ['slots per period', r.periodSlots],
            ['next election at slot', r.nextElectionSlot],
          ]),
          '',
          `current (${r.current.length}):`,
          nodesTable(r.current),
          '',
          `next, if elected now (${r.next.length}):`,
          nodesTable(r.next),
        ].join('\n'),
      )
    },
  )

  queryCommand(
    query,
    'node <node-id>',
    'a registered node: owner, moniker, power (GAT locked on it), status',
    [
      'gather query node 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29',
      'gather query node <node-id> --json',
    ],
    async (c, [id], o) => {
      const n = await c.getNode(parseNodeIdArg(id))
      output(o.json, n, () =>
        keyValueTable([
          ['node id', n.nodeId],
          ['owner', n.owner],
          ['moniker', n.moniker],
          ['power', formatUgat(n.power)],
          ['status', n.status],
          ['super node', n.superNode],
          ['registered at', n.registeredHeight],
          ['jailed until', n.jailedUntil === 0 ? '-' : n.jailedUntil],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'locks <address>',
    'the GAT an account has locked, per node',
    ['gather query locks gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267', 'gather query locks gat1... --json'],
    async (c, [address], o) => {
      const r = await c.getLocks(parseAddressArg(address))
      output(o.json, r, () =>
        [
          keyValueTable([
            ['address', r.address],
            ['total locked', formatUgat(r.total)],
          ]),
          '',
          r.locks.length === 0
            ? '(no locks)'
            : columnTable(
                ['NODE ID', 'AMOUNT (GAT)'],
                r.locks.map((l) => [l.nodeId, formatGat(BigInt(l.amount))]),
              ),
        ].join('\n'),
      )
    },
  )

  queryCommand(
    query,
    'unbonding <address>',
    "an account's pending unlocks and the heights at which they return",
    [
      'gather query unbonding gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267',
      'gather query unbonding gat1... --json',
    ],
    async (c, [address], o) => {
      const r = await c.getUnbonding(parseAddressArg(address))
      output(o.json, r, () =>
        [
          keyValueTable([
            ['address', r.address],
            ['total unbonding', formatUgat(r.total)],
          ]),
          '',
          r.entries.length === 0
            ? '(nothing unbonding)'
            : columnTable(
                ['NODE ID', 'AMOUNT (GAT)', 'RELEASE HEIGHT'],
                r.entries.map((e) => [e.nodeId, formatGat(BigInt(e.amount)), String(e.releaseHeight)]),
              ),
        ].join('\n'),
      )
    },
  )

  queryCommand(
    query,
    'staking-params',
    'staking parameters: super nodes, node lock bounds, unbonding period, election period',
    ['gather query staking-params', 'gather query staking-params --json'],
    async (c, _args, o) => {
      const p = await c.getStakingParams()
      output(o.json, p, () =>
        keyValueTable([
          ['max super nodes', p.maxSuperNodes],
          ['min node lock', formatUgat(p.minNodeLock)],
          ['max node lock', formatUgat(p.maxNodeLock)],
          ['unbonding blocks', p.unbondingBlocks],
          ['election period', `${p.electionPeriodRounds} round(s)`],
          ['jail', `${p.jailBlocks} blocks`],
          ['slash fraction', `${p.slashFractionBps} bps`],
          ['evidence max age', `${p.evidenceMaxAgeBlocks} blocks`],
        ]),
      )
    },
  )

  registerGovernanceQuery(query)
}
