#!/usr/bin/env node
import '../chain/polyfills.js'
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { RpcClientError } from '../rpc/client.js'
import { registerChainInfo } from './commands/chainInfo.js'
import { registerDevnet } from './commands/devnet.js'
import { registerGroup } from './commands/group.js'
import { registerKeys } from './commands/keys.js'
import { registerMessagingQuery, registerMessagingTx, registerVerifyInclusion } from './commands/messaging.js'
import { registerNode } from './commands/node.js'
import { registerQuery } from './commands/query.js'
import { registerTestnet } from './commands/testnet.js'
import { registerTx } from './commands/tx.js'
import { examples } from './options.js'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

/** One line, whatever the message holds. */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim()
}

const program = new Command()
  .name('gather')
  .description('Gather Chain node and command-line client')
  .version(pkg.version)
  .exitOverride()
  // Usage errors print as one line, like every other error.
  .configureOutput({
    outputError: (str, write) => write(`${oneLine(str)} (see --help)\n`),
  })
  .addHelpText(
    'after',
    `${examples(
      'gather devnet                                  # a local single-validator chain',
      'gather testnet --validators 4                  # four super nodes on 127.0.0.1',
      'gather keys import faucet --index 1 --home ~/.gather-devnet',
      'gather tx transfer faucet gat1... 1.5gat --home ~/.gather-devnet',
      'gather query account gat1... --json',
      'gather group post 1 "hello" --from alice          # a message on group 1\'s chain',
    )}

Homes: \`gather devnet\` uses $GATHER_HOME or ~/.gather-devnet; init, start, keys and tx use
$GATHER_HOME or ~/.gather. Pass --home to choose. Queries and transactions go to --rpc
($GATHER_RPC or http://127.0.0.1:26657/).`,
  )

registerDevnet(program)
registerNode(program)
registerTestnet(program)
registerKeys(program)
registerTx(program)
registerQuery(program)
// groups, GIDs and checkpoints join the tx and query commands
registerMessagingTx(program.commands.find((c) => c.name() === 'tx')!)
registerMessagingQuery(program.commands.find((c) => c.name() === 'query')!)
registerVerifyInclusion(program)
registerGroup(program)
registerChainInfo(program)

try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode)
  let message = e instanceof Error ? e.message : String(e)
  if (e instanceof RpcClientError && e.chainCode !== undefined) message = `${message} (${e.chainCode})`
  // never a bare "error:": an error without a message still says what it was
  if (message.trim() === '') message = e instanceof Error ? `${e.name} without a message` : 'unknown error'
  process.stderr.write(`error: ${oneLine(message)}\n`)
  process.exit(1)
}
