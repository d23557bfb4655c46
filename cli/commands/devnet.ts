import type { Command } from 'commander'
import { formatGat } from '../../chain/amount.js'
import { TEST_MNEMONIC } from '../../chain/crypto/hd.js'
import { createLogger } from '../../chain/logger.js'
import { buildDevnetGenesis, DEVNET_FAUCET_UGAT, devnetKeys } from '../../genesis/devnet.js'
import { defaultDevnetHome, hasGenesis, homePaths, readGenesis, readNodeKey, writeHome } from '../home.js'
import { runNode } from '../run.js'

interface DevnetOptions {
  home: string
  mnemonic?: string
  blockTime: string
  logLevel: string
  rpcListen: string
}

function parseBlockTime(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 100 || n > 60_000) {
    throw new Error(`--block-time must be a whole number of milliseconds from 100 to 60000, got "${v}"`)
  }
  return n
}

/** `gather devnet`: create (if needed) and run a single-validator devnet. */
export function registerDevnet(program: Command): void {
  program
    .command('devnet')
    .description('create (if needed) and run a single-validator devnet with the default genesis')
    .option('--home <dir>', 'home folder of the devnet (config and data)', defaultDevnetHome())
    .option('--mnemonic <words>', 'mnemonic for the validator (account 0) and faucet (account 1) keys')
    .option(
      '--block-time <ms>',
      'block time in milliseconds (100 to 60000); used when the devnet is created',
      '2000',
    )
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent', 'info')
    .option('--rpc-listen <host:port>', 'JSON-RPC, WebSocket and metrics address', '127.0.0.1:26657')
    .addHelpText(
      'after',
      `
Examples:
  $ gather devnet                         # run (creating ~/.gather-devnet on first use)
  $ gather devnet --home /tmp/dn --block-time 500
  $ gather devnet --mnemonic "word1 ... word24"

Keys come from the public test mnemonic "${TEST_MNEMONIC}"
unless --mnemonic is given: never send real value to them.`,
    )
    .action(async (opts: DevnetOptions) => {
      const log = createLogger({ level: opts.logLevel })
      const paths = homePaths(opts.home)
      const blockTimeMs = parseBlockTime(opts.blockTime)
      if (!(await hasGenesis(paths))) {
        const { genesis, keys } = await buildDevnetGenesis({
          ...(opts.mnemonic === undefined ? {} : { mnemonic: opts.mnemonic }),
          blockTimeMs,
        })
        await writeHome(paths, genesis, keys.nodeKey)
        log.info({ home: paths.home, chainId: genesis.chainId }, 'devnet created')
      }
      const genesis = await readGenesis(paths)
      const nodeKey = await readNodeKey(paths)
      const keys = await devnetKeys(opts.mnemonic)
      if (genesis.validators[0]?.owner !== keys.validator.address) {
        throw new Error(
          `${paths.home} was created with a different mnemonic than the one given now; pass the same --mnemonic or use another --home`,
        )
      }
      if (opts.mnemonic === undefined) {
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
      await runNode({
        dataDir: paths.data,
        home: paths.home,
        genesis,
        nodeKey,
        rpcListen: opts.rpcListen,
        log,
      })
    })
}
