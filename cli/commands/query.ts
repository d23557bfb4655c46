import type { Command } from 'commander'
import { isValidAddress } from '../../chain/crypto/address.js'
import type { GatherClient } from '../../rpc/client.js'
import { formatUgat, keyValueTable, output } from '../format.js'
import { clientOf, examples, jsonOption, rpcOption } from '../options.js'

interface QueryOptions {
  rpc: string
  json?: boolean
}

/** Adds one `gather query <what>` subcommand with --rpc and --json. */
function queryCommand(
  parent: Command,
  spec: string,
  description: string,
  helpExamples: string[],
  run: (client: GatherClient, args: string[], o: QueryOptions) => Promise<void>,
): void {
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
}

const HASH = /^[0-9a-fA-F]{64}$/

/** `gather query status|block|tx|account|supply|proof` over JSON-RPC. */
export function registerQuery(program: Command): void {
  const query = program
    .command('query')
    .alias('q')
    .description('read chain state from a node over JSON-RPC (tables; --json for the raw result)')
    .addHelpText('after', examples('gather query status', 'gather query account gat1... --json'))

  queryCommand(
    query,
    'status',
    'chain id, head height and hash, final height, mempool',
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
          ['state root', s.stateRoot],
          ['genesis hash', s.genesisHash],
          ['block time', `${s.blockTimeMs} ms`],
          ['mempool', `${s.mempool.txs} txs, ${s.mempool.bytes} bytes`],
          ['syncing', s.syncing],
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
      if (address === undefined || !isValidAddress(address))
        throw new Error(`<address> "${address ?? ''}" is not a gat address`)
      const a = await c.getAccount(address)
      output(o.json, a, () =>
        keyValueTable([
          ['address', a.address],
          ['exists', a.exists],
          ['account number', a.accountNumber],
          ['sequence', a.sequence],
          ['GAT', formatUgat(a.balance.ugat)],
          ['GMT', a.balance.gmt],
        ]),
      )
    },
  )

  queryCommand(
    query,
    'supply',
    'GAT supply: cap, genesis, minted, burned, total',
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
        ]),
      )
    },
  )

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
}
