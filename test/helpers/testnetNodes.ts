import { type ChildProcess, spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { signTx } from '../../chain/tx/signTx.js'
import type { TestnetManifest } from '../../cli/commands/testnet.js'
import type { AnyMessage } from '../../cli/txMessages.js'
import { GatherClient } from '../../rpc/client.js'
import { CLI, cleanEnv, runCli } from './cli.js'
import { tempDir } from './devnet.js'
import { freePortRange } from './ports.js'
import { waitFor } from './wait.js'

interface Proc {
  child: ChildProcess
  out: () => string
  exited: Promise<void>
}

/**
 * A testnet written by `gather testnet --init-only`, its nodes run one `gather start` process
 * each with the arguments `gather testnet` gives them (anchor key, bootstrap peers) plus `extra`,
 * so that a test can stop, restart or kill one node. `init` adds flags to `gather testnet
 * --init-only` (e.g. `--voting-period-blocks 12`).
 */
export class TestnetNodes {
  readonly procs: (Proc | undefined)[] = []
  clients: GatherClient[] = []
  /** each node's output of the runs before its current one (restarts, kills) */
  private readonly earlier: string[] = []

  private constructor(
    readonly tmp: { dir: string; cleanup: () => Promise<void> },
    readonly manifest: TestnetManifest,
    private readonly extra: string[],
    private readonly extraOf: (i: number) => string[] = () => [],
  ) {}

  /**
   * @param o.extra - arguments every node starts with; `o.extraOf(i)` adds node i's own;
   *   `o.init` goes to `gather testnet --init-only`
   */
  static async create(
    n: number,
    o: { blockTimeMs: number; extra?: string[]; extraOf?: (i: number) => string[]; init?: string[] },
  ): Promise<TestnetNodes> {
    const tmp = await tempDir('gather-testnet-nodes-')
    const dir = join(tmp.dir, 'tn')
    const base = await freePortRange(2 * n)
    const init = await runCli([
      'testnet',
      '--validators',
      String(n),
      '--dir',
      dir,
      '--block-time',
      String(o.blockTimeMs),
      '--base-port',
      String(base),
      '--init-only',
      ...(o.init ?? []),
    ])
    if (init.code !== 0) throw new Error(`gather testnet --init-only failed: ${init.stderr}`)
    const manifest = JSON.parse(await readFile(join(dir, 'testnet.json'), 'utf8')) as TestnetManifest
    const t = new TestnetNodes(tmp, manifest, o.extra ?? [], o.extraOf)
    t.clients = manifest.nodes.map((x) => new GatherClient(x.rpc))
    return t
  }

  start(i: number): void {
    const n = this.manifest.nodes[i]!
    const bootstrap = this.manifest.nodes.filter((o) => o.index !== i).map((o) => o.p2p)
    const child = spawn(
      process.execPath,
      [
        CLI,
        'start',
        '--home',
        n.home,
        '--rpc-listen',
        n.rpcListen,
        '--p2p-listen',
        n.p2pListen,
        ...(bootstrap.length > 0 ? ['--bootstrap', bootstrap.join(',')] : []),
        '--anchor-key',
        'anchor',
        '--passphrase-file',
        join(n.home, 'anchor.pass'),
        '--log-level',
        'info',
        ...this.extra,
        ...this.extraOf(i),
      ],
      { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    const collect = (d: Buffer): void => {
      out += d.toString()
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    this.procs[i] = { child, out: () => out, exited }
  }

  startAll(): void {
    for (let i = 0; i < this.manifest.nodes.length; i++) this.start(i)
  }

  /** Stops node i (SIGTERM: a clean stop; SIGKILL: a crash) and waits for its exit. */
  async stop(i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.procs[i]
    if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return
    p.child.kill(signal)
    await p.exited
    this.earlier[i] = `${this.output(i)}--- stopped by ${signal}\n`
    this.procs[i] = undefined
  }

  /** Waits until every node answers and has made `height` final. */
  async untilFinal(height: number, timeoutMs = 90_000): Promise<void> {
    await waitFor(
      'the testnet to make final blocks',
      async () => {
        try {
          return (await Promise.all(this.clients.map((c) => c.getStatus()))).every(
            (s) => s.finalHeight >= height,
          )
        } catch {
          return false
        }
      },
      timeoutMs,
    )
  }

  /** The output of node i so far, across its restarts. */
  output(i: number): string {
    return (this.earlier[i] ?? '') + (this.procs[i]?.out() ?? '')
  }

  /** Stops every node; the last lines of a node that died on its own go to stderr. */
  async close(): Promise<void> {
    for (const [i, p] of this.procs.entries()) {
      if (p !== undefined && p.child.exitCode !== null)
        process.stderr.write(
          `node ${i} exited (${p.child.exitCode}):\n${p.out().split('\n').slice(-30).join('\n')}\n`,
        )
      // GATHER_KEEP_LOGS=PREFIX keeps every node's output, one file per testnet and node
      if (process.env.GATHER_KEEP_LOGS !== undefined)
        await writeFile(`${process.env.GATHER_KEEP_LOGS}-${basename(this.tmp.dir)}-${i}.log`, this.output(i))
    }
    for (let i = 0; i < this.manifest.nodes.length; i++) await this.stop(i)
    await this.tmp.cleanup()
  }
}

/**
 * Signs `msgs` from `signer` with its next sequence, sends them with `tx_broadcastCommit` and
 * returns the result (code 0: included and successful).
 */
export async function commitMain(
  client: GatherClient,
  chainId: string,
  signer: { address: string; privateKey: Uint8Array; publicKey: Uint8Array },
  msgs: AnyMessage[],
  timeoutMs?: number,
): Promise<{ code: number; log: string; height: number }> {
  const acc = await client.getAccount(signer.address)
  const raw = signTx(
    {
      messages: msgs,
      chainId,
      accountNumber: BigInt(acc.accountNumber),
      sequence: BigInt(acc.nextSequence),
      fee: 1_000n,
    },
    signer.privateKey,
    signer.publicKey,
  )
  return client.broadcastCommit(raw, timeoutMs)
}
