import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import { examples } from './options.js'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

/** One line, whatever the message holds. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim()
}

/** The subcommand of `program` named `name` (registered by an earlier step). */
function sub(program: Command, name: string): Command {
  return program.commands.find((c) => c.name() === name)!
}

/**
 * The top-level commands in `--help` order, each with its names (and aliases) and the step that
 * imports and registers it. A command's modules are imported only when it runs (docs/adr/018):
 * `gather keys show` never loads libp2p, the node or the RPC server.
 */
export const COMMAND_GROUPS: readonly {
  names: readonly string[]
  register: (program: Command) => Promise<void>
}[] = [
  {
    names: ['devnet'],
    register: async (p) => (await import('./commands/devnet.js')).registerDevnet(p),
  },
  {
    names: ['init', 'start'],
    register: async (p) => (await import('./commands/node.js')).registerNode(p),
  },
  {
    names: ['testnet'],
    register: async (p) => (await import('./commands/testnet.js')).registerTestnet(p),
  },
  {
    names: ['keys'],
    register: async (p) => (await import('./commands/keys.js')).registerKeys(p),
  },
  {
    names: ['tx'],
    register: async (p) => {
      // one import after the other: Node 20 can fail a require() of an ES module that two
      // concurrent import()s are loading (@cosmjs/crypto's of @noble/ciphers)
      const { registerTx } = await import('./commands/tx.js')
      const { registerMessagingTx } = await import('./commands/messaging.js')
      registerTx(p)
      // groups, GIDs and checkpoints join the tx commands
      registerMessagingTx(sub(p, 'tx'))
    },
  },
  {
    names: ['query', 'q'],
    register: async (p) => {
      // one import after the other: Node 20 can fail a require() of an ES module that two
      // concurrent import()s are loading (@cosmjs/crypto's of @noble/ciphers)
      const { registerQuery } = await import('./commands/query.js')
      const { registerMessagingQuery } = await import('./commands/messaging.js')
      registerQuery(p)
      registerMessagingQuery(sub(p, 'query'))
    },
  },
  {
    names: ['verify-inclusion'],
    register: async (p) => (await import('./commands/messaging.js')).registerVerifyInclusion(p),
  },
  {
    names: ['group'],
    register: async (p) => (await import('./commands/group.js')).registerGroup(p),
  },
  {
    names: ['chain-info'],
    register: async (p) => (await import('./commands/chainInfo.js')).registerChainInfo(p),
  },
]

/**
 * `gather` with the commands `args` (process.argv without node and the script) may run: only the
 * command its first word names, else (`--help`, `help`, no command, an unknown one) every command,
 * so the program's help and commander's "unknown command" suggestions see them all.
 */
export async function createProgram(args: readonly string[]): Promise<Command> {
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
  const first = args[0]
  const named = COMMAND_GROUPS.find((g) => first !== undefined && g.names.includes(first))
  if (named !== undefined) await named.register(program)
  else for (const g of COMMAND_GROUPS) await g.register(program)
  return program
}
