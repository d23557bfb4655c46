import type { Command } from 'commander'
import { formatGat } from '../../chain/amount.js'
import { TEST_MNEMONIC } from '../../chain/crypto/hd.js'
import { createLogger, type Logger } from '../../chain/logger.js'
import { buildDevnetGenesis, DEVNET_FAUCET_UGAT, devnetKeys } from '../../genesis/devnet.js'
import { MAX_BLOCKS_PER_DAY } from '../../modules/token/params.js'
import { parseWhole } from '../args.js'
import { defaultDevnetHome, hasGenesis, homePaths, readGenesis, readNodeKey, writeHome } from '../home.js'
import {
  governancePeriodOptions,
  maxFinalityLagOption,
  parseGovernancePeriods,
  parseMaxFinalityLag,
} from '../options.js'
import { MNEMONIC_ENV, readSecretFile } from '../prompt.js'
import { parseRpcServerFlags, type RpcServerFlags, rpcServerOptions } from '../rpcServerFlags.js'

interface DevnetOptions extends RpcServerFlags {
  home: string
  mnemonic?: string
  mnemonicFile?: string
  blockTime: string
  logLevel: string
  rpcListen: string
  unbondingBlocks?: string
  electionRounds?: string
  blocksPerDay?: string
  checkInvariants?: boolean
  maxFinalityLag?: string
  depositPeriodBlocks?: string
  votingPeriodBlocks?: string
  upgradeMarginBlocks?: string
}

function parseBlockTime(v: string): number {
  return parseWhole(v, '--block-time (milliseconds)', 100, 60_000)
}

/** `gather devnet`: create (if needed) and run a single-validator devnet. */
export function registerDevnet(program: Command): void {
  const devnet = program
    .command('devnet')
    .description('create (if needed) and run a single-validator devnet with the default genesis')
    .option('--home <dir>', 'home folder of the devnet (config and data)', defaultDevnetHome())
    .option(
      '--mnemonic-file <file>',
      `read the mnemonic of the validator (account 0) and faucet (account 1) keys from FILE (else $${MNEMONIC_ENV}, else the public test mnemonic)`,
    )
    .option(
      '--mnemonic <words>',
      'the mnemonic on the command line: every local user can read it (ps); prefer --mnemonic-file',
    )
    .option(
      '--block-time <ms>',
      'block time in milliseconds (100 to 60000); used when the devnet is created',
      '2000',
    )
    .option(
      '--unbonding-blocks <n>',
      'blocks between an unlock and the return of the coins (default 302400, 7 days of 2 s blocks); used when the devnet is created',
    )
    .option(
      '--election-rounds <n>',
      'rounds (of 21 slots) per election period (default 1); used when the devnet is created',
    )
    .option(
      '--blocks-per-day <n>',
      'blocks per issuance day (default 43200, one day of 2 s blocks); used when the devnet is created',
    )
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent', 'info')
    .option('--rpc-listen <host:port>', 'JSON-RPC, WebSocket and metrics address', '127.0.0.1:26657')
    .option(
      '--check-invariants',
      'check the supply and staking invariants before each commit; halt (exit 1) rather than commit a block that breaks them',
    )
    .option(...maxFinalityLagOption)
  governancePeriodOptions(devnet)
  rpcServerOptions(devnet)
    .addHelpText(
      'after',
      `
Examples:
  $ gather devnet                         # run (creating ~/.gather-devnet on first use)
  $ gather devnet --home /tmp/dn --block-time 500
  $ gather devnet --mnemonic-file ./words.txt    # a file only you can read (chmod 600)
  $ gather devnet --home /tmp/dn --block-time 200 --unbonding-blocks 10   # quick unlocks for tests
  $ gather devnet --home /tmp/dn --block-time 200 --blocks-per-day 50     # a GAT "day" every 10 s
  $ gather devnet --home /tmp/dn --block-time 200 --deposit-period-blocks 20 --voting-period-blocks 20
                                          # proposals decided in seconds (gather tx propose, vote)
  $ gather devnet --check-invariants      # verify supply conservation after every block
  $ gather devnet --max-finality-lag 21   # /health answers 503 once finality is a round behind
  $ gather devnet --rpc-rate-limit 0      # no per-client rate limit (load tests)
  $ gather devnet --cors-origin https://dapp.example.org   # a hosted page may open WebSockets

--block-time, --unbonding-blocks, --election-rounds, --blocks-per-day and the governance periods
(--deposit-period-blocks, --voting-period-blocks, --upgrade-margin-blocks) go into the genesis, so
they only count when the devnet is created; with an existing home they are ignored (use a new
--home). --max-finality-lag counts at every start.

A node you register and lock GAT on becomes a super node at the next election. If no process
runs it, it misses its slots, and since this devnet's validator alone is short of the 2n/3+1 vote
quorum, finality stops: GET /health answers 503 and the node warns. Unlock all its GAT (gather tx
unlock) and the next election drops it.

Keys come from the public test mnemonic "${TEST_MNEMONIC}"
unless --mnemonic-file or $${MNEMONIC_ENV} gives another: never send real value to them.

The gateway's limits, timeouts and WebSocket checks are described in docs/rpc.md.`,
    )
    .action(async (opts: DevnetOptions) => {
      const rpc = parseRpcServerFlags(opts)
      const log = createLogger({ level: opts.logLevel })
      const mnemonic = await devnetMnemonic(opts, log)
      const paths = homePaths(opts.home)
      const blockTimeMs = parseBlockTime(opts.blockTime)
      const maxFinalityLagBlocks = parseMaxFinalityLag(opts.maxFinalityLag)
      const staking = {
        ...(opts.unbondingBlocks === undefined
          ? {}
          : { unbondingBlocks: parseWhole(opts.unbondingBlocks, '--unbonding-blocks', 1, 100_000_000) }),
        ...(opts.electionRounds === undefined
          ? {}
          : { electionPeriodRounds: parseWhole(opts.electionRounds, '--election-rounds', 1, 1_000_000) }),
      }
      const governance = parseGovernancePeriods(opts)
      const blocksPerDay =
        opts.blocksPerDay === undefined
          ? undefined
          : parseWhole(opts.blocksPerDay, '--blocks-per-day', 1, MAX_BLOCKS_PER_DAY)
      if (!(await hasGenesis(paths))) {
        const { genesis, keys } = await buildDevnetGenesis({
          ...(mnemonic === undefined ? {} : { mnemonic }),
          blockTimeMs,
          staking,
          ...(blocksPerDay === undefined ? {} : { blocksPerDay }),
          ...(governance === undefined ? {} : { governance }),
        })
        await writeHome(paths, genesis, keys.nodeKey)
        log.info({ home: paths.home, chainId: genesis.chainId }, 'devnet created')
      } else if (
        opts.unbondingBlocks !== undefined ||
        opts.electionRounds !== undefined ||
        opts.blocksPerDay !== undefined ||
        governance !== undefined
      ) {
        log.warn(
          { home: paths.home },
          '--unbonding-blocks, --election-rounds, --blocks-per-day and the governance periods only apply when a devnet is created; this home keeps the genesis it has',
        )
      }
      const genesis = await readGenesis(paths)
      const nodeKey = await readNodeKey(paths)
      const keys = await devnetKeys(mnemonic)
      if (genesis.validators[0]?.owner !== keys.validator.address) {
        throw new Error(
          `${paths.home} was created with a different mnemonic than the one given now; give the same mnemonic or use another --home`,
        )
      }
      if (mnemonic === undefined) {
        log.warn(
          'using the PUBLIC test mnemonic: anyone can spend from these accounts; never use them outside a devnet',
        )
      }
      log.info(
        {
          validator: keys.validator.address,
          faucet: keys.faucet.address,
          faucetBalance: `${formatGat(DEVNET_FAUCET_UGAT)} GAT`,
        },
        "devnet accounts (m/44'/118'/0'/0/0 and /1)",
      )
      const { runNode } = await import('../run.js')
      await runNode({
        dataDir: paths.data,
        home: paths.home,
        genesis,
        nodeKey,
        rpcListen: opts.rpcListen,
        rpc,
        log,
        checkInvariants: opts.checkInvariants === true,
        ...(maxFinalityLagBlocks === undefined ? {} : { maxFinalityLagBlocks }),
        // the devnet's one node hosts every group, produces those naming its node key (what
        // `gather tx create-group` names by default) and anchors them with the validator account
        groups: { follow: 'all', serve: [], anchorSigner: keys.validator },
      })
    })
}

/**
 * The devnet's mnemonic: `--mnemonic-file`, else `$GATHER_MNEMONIC`, else `--mnemonic` (kept for
 * old scripts, with a warning: a command line is visible to every local user), else undefined
 * (the public test mnemonic).
 */
async function devnetMnemonic(opts: DevnetOptions, log: Logger): Promise<string | undefined> {
  if (opts.mnemonicFile !== undefined && opts.mnemonic !== undefined) {
    throw new Error('give either --mnemonic-file or --mnemonic, not both')
  }
  if (opts.mnemonicFile !== undefined) return readSecretFile(opts.mnemonicFile, 'mnemonic')
  const env = process.env[MNEMONIC_ENV]
  if (env !== undefined && env.trim() !== '') return env.trim()
  if (opts.mnemonic !== undefined) {
    log.warn(
      `--mnemonic puts the mnemonic on the command line, where every local user can read it (ps, /proc); use --mnemonic-file FILE or $${MNEMONIC_ENV}`,
    )
    return opts.mnemonic
  }
  return undefined
}
