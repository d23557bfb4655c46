import { type ChildProcess, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { GatherClient, type StatusResult } from '../../rpc/client.js'

/** The built CLI (npm test builds before jest). */
export const CLI = join(process.cwd(), 'dist/cli/index.js')

/** An environment for CLI processes without the GATHER_* variables of the caller. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GATHER_')) env[k] = v
  delete env.NODE_OPTIONS
  return { ...env, ...extra }
}

/**
 * Starts `gather <args>` as a long-running process (with `env` added to a clean environment);
 * `output()` is its stdout and stderr so far, interleaved.
 */
export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const collect = (d: Buffer): void => {
    out += d.toString()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  return { child, output: () => out }
}

/** Runs `gather <args>` to completion. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A CLI wallet of test keys, and `gather` run against a node with it. */
export interface TestWallet {
  home: string
  passphraseFile: string
  /** `gather <args> --rpc <rpc>`, with the wallet's --home and --passphrase-file when it signs (`--from`, `tx`) */
  run(args: string[], rpc: string): Promise<{ code: number | null; stdout: string; stderr: string }>
  /** {@link TestWallet.run} that must succeed: its stdout, else an error with its stderr */
  ok(args: string[], rpc: string): Promise<string>
}

/**
 * A CLI wallet under `dir`: a passphrase file and the test mnemonic's accounts imported by name
 * (`keys`: name → HD index), as `gather keys import` does it.
 */
export async function testWallet(dir: string, keys: Record<string, number>): Promise<TestWallet> {
  const home = join(dir, 'wallet')
  const passphraseFile = join(dir, 'pass.txt')
  await writeFile(passphraseFile, 'correct horse battery staple\n', { mode: 0o600 })
  const mnemonic = join(dir, 'mnemonic.txt')
  await writeFile(mnemonic, 'test test test test test test test test test test test junk\n', { mode: 0o600 })
  for (const [name, index] of Object.entries(keys)) {
    const r = await runCli([
      'keys',
      'import',
      name,
      '--index',
      String(index),
      '--mnemonic-file',
      mnemonic,
      '--home',
      home,
      '--passphrase-file',
      passphraseFile,
    ])
    if (r.code !== 0) throw new Error(`gather keys import ${name} failed: ${r.stderr}`)
  }
  const run = (args: string[], rpc: string) =>
    runCli([
      ...args,
      '--rpc',
      rpc,
      ...(args.includes('--from') || args[0] === 'tx'
        ? ['--home', home, '--passphrase-file', passphraseFile]
        : []),
    ])
  const ok = async (args: string[], rpc: string): Promise<string> => {
    const r = await run(args, rpc)
    if (r.code !== 0) throw new Error(`gather ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
    return r.stdout
  }
  return { home, passphraseFile, run, ok }
}

/**
 * Stops a child process this test started: SIGTERM, then SIGKILL if it has not closed within
 * 5 s; resolves once it closed (at once if it already exited).
 */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const closed = new Promise<void>((r) => child.once('close', () => r()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await closed
  clearTimeout(timer)
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** A `gather devnet` child process with its RPC URL. */
export interface DevnetProcess {
  child: ChildProcess
  rpc: string
  client: GatherClient
  output: () => string
  stop: () => Promise<void>
}

/**
 * Spawns `gather devnet` on a free port (plus `extraArgs`, e.g. `--unbonding-blocks 10`, and
 * `env`) and waits until `chain_getStatus` answers with a block.
 */
export async function startDevnet(
  home: string,
  blockTimeMs = 200,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<DevnetProcess> {
  const port = await freePort()
  const rpc = `http://127.0.0.1:${port}/`
  const { child, output } = spawnCli(
    [
      'devnet',
      '--home',
      home,
      '--block-time',
      String(blockTimeMs),
      '--rpc-listen',
      `127.0.0.1:${port}`,
      '--log-level',
      'warn',
      ...extraArgs,
    ],
    env,
  )
  const stop = (): Promise<void> => stopChild(child)
  const client = new GatherClient(rpc, { timeoutMs: 5000 })
  const deadline = Date.now() + 30_000
  let status: StatusResult | undefined
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      status = await client.getStatus()
      if (status.height >= 1) break
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  if (status === undefined || status.height < 1) {
    await stop()
    throw new Error(`gather devnet did not come up on ${rpc}: ${output()}`)
  }
  return { child, rpc, client, output, stop }
}
