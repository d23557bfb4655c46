#!/usr/bin/env node
import '../chain/polyfills.js'
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { registerDevnet } from './commands/devnet.js'

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string
}

const program = new Command()
  .name('gather')
  .description('Gather Chain node and command-line client')
  .version(pkg.version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

registerDevnet(program)

try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode)
  process.stderr.write(`error: ${(e as Error).message}\n`)
  process.exit(1)
}
