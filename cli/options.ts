import { type Command, Option } from 'commander'
import { GatherClient } from '../rpc/client.js'
import { parseWhole } from './args.js'
import { defaultHome } from './home.js'

/** The default JSON-RPC address: $GATHER_RPC or http://127.0.0.1:26657/. */
export function defaultRpc(): string {
  return process.env.GATHER_RPC ?? 'http://127.0.0.1:26657/'
}

/** Adds `--home` (keystore and node files). */
export function homeOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--home <dir>', 'home folder: keys/, config/, data/ ($GATHER_HOME, else ~/.gather)').default(
      defaultHome(),
      '$GATHER_HOME or ~/.gather',
    ),
  )
}

/** Adds `--rpc` (the node's JSON-RPC address). */
export function rpcOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--rpc <url>', "the node's JSON-RPC address ($GATHER_RPC)").default(
      defaultRpc(),
      '$GATHER_RPC or http://127.0.0.1:26657/',
    ),
  )
}

/** Adds `--json` (machine-readable output). */
export function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print JSON instead of a table')
}

/** Adds `--passphrase-file`. */
export function passphraseOption(cmd: Command): Command {
  return cmd.option(
    '--passphrase-file <file>',
    'read the keystore passphrase from FILE (else $GATHER_PASSPHRASE, else a prompt)',
  )
}

/** `--max-finality-lag` of `gather devnet` and `gather start`: `.option(...maxFinalityLagOption)`. */
export const maxFinalityLagOption = [
  '--max-finality-lag <blocks>',
  'GET /health answers 503 (degraded) and the node warns when the final block trails the head by more blocks (default 42: two rounds)',
] as const

/** `--max-finality-lag` as a number of blocks, or undefined for the node's default. */
export function parseMaxFinalityLag(v: string | undefined): number | undefined {
  return v === undefined ? undefined : parseWhole(v, '--max-finality-lag (blocks)', 1, 100_000_000)
}

/** A client of `--rpc`, after checking it is an http(s) URL. */
export function clientOf(rpc: string): GatherClient {
  let url: URL
  try {
    url = new URL(rpc)
  } catch {
    throw new Error(`--rpc must be a URL like http://127.0.0.1:26657/, got "${rpc}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`--rpc must be an http:// or https:// URL, got "${rpc}"`)
  return new GatherClient(url.toString())
}

/** Help text listing examples, for `addHelpText('after', ...)`. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`
}

/** `--deposit-period-blocks`, `--voting-period-blocks`, `--upgrade-margin-blocks` (into the genesis). */
export function governancePeriodOptions(cmd: Command): Command {
  return cmd
    .option(
      '--deposit-period-blocks <n>',
      'blocks a proposal has to reach its minimum deposit (default 302400, 7 days of 2 s blocks); used when the chain is created',
    )
    .option(
      '--voting-period-blocks <n>',
      'blocks of voting on a proposal (default 302400, 7 days of 2 s blocks); used when the chain is created',
    )
    .option(
      '--upgrade-margin-blocks <n>',
      'blocks a software upgrade must lie at least after the end of its voting (default 43200); used when the chain is created',
    )
}

/** The governance periods given on the command line (undefined: none given). */
export function parseGovernancePeriods(o: {
  depositPeriodBlocks?: string
  votingPeriodBlocks?: string
  upgradeMarginBlocks?: string
}): { depositPeriodBlocks?: number; votingPeriodBlocks?: number; upgradeMarginBlocks?: number } | undefined {
  const out: { depositPeriodBlocks?: number; votingPeriodBlocks?: number; upgradeMarginBlocks?: number } = {}
  if (o.depositPeriodBlocks !== undefined)
    out.depositPeriodBlocks = parseWhole(o.depositPeriodBlocks, '--deposit-period-blocks', 1, 100_000_000)
  if (o.votingPeriodBlocks !== undefined)
    out.votingPeriodBlocks = parseWhole(o.votingPeriodBlocks, '--voting-period-blocks', 1, 100_000_000)
  if (o.upgradeMarginBlocks !== undefined)
    out.upgradeMarginBlocks = parseWhole(o.upgradeMarginBlocks, '--upgrade-margin-blocks', 1, 100_000_000)
  return Object.keys(out).length === 0 ? undefined : out
}
