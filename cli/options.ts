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
