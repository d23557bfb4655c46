#!/usr/bin/env node
import '../chain/polyfills.js'
import { CommanderError } from 'commander'
import { createProgram, oneLine } from './program.js'

try {
  const program = await createProgram(process.argv.slice(2))
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode)
  let message = e instanceof Error ? e.message : String(e)
  // loaded already when the command made RPC calls
  const { RpcClientError } = await import('../rpc/client.js')
  if (e instanceof RpcClientError && e.chainCode !== undefined) message = `${message} (${e.chainCode})`
  // never a bare "error:": an error without a message still says what it was
  if (message.trim() === '') message = e instanceof Error ? `${e.name} without a message` : 'unknown error'
  process.stderr.write(`error: ${oneLine(message)}\n`)
  process.exit(1)
}
