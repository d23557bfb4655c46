import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { generateNodeKey } from '../../chain/crypto/ed25519.js'
import { TEST_MNEMONIC } from '../../chain/crypto/hd.js'
import { hex } from '../../chain/hex.js'
import { peerIdFromSeed } from '../../chain/p2p/identity.js'
import type { GovernancePeriods } from '../../genesis/devnet.js'
import { type Genesis, genesisHash } from '../../genesis/schema.js'
import { buildTestnetGenesis, TESTNET_MAX_VALIDATORS } from '../../genesis/testnet.js'
import { GatherClient } from '../../rpc/client.js'
import { parseWhole } from '../args.js'
import { columnTable } from '../format.js'
import { homePaths, readGenesis, readNodeKey, writeHome } from '../home.js'
import { Keystore, keystoreDir } from '../keystore.js'
import { examples, parseGovernancePeriods } from '../options.js'
import { parseFollowGroups } from './node.js'

/** What `testnet.json` says; `createdBy` marks a folder this command made (and may reuse). */
export interface TestnetManifest {
  createdBy: 'gather testnet'
  chainId: string
  genesisHash: string
  basePort: number
  faucet: { index: number; address: string }
  nodes: TestnetNode[]
}

/** One node of a testnet, as written to `testnet.json`. */
export interface TestnetNode {
  index: number
  home: string
  /** the node key's ed25519 public key, hex */
  nodeId: string
  owner: string
  rpc: string
  rpcListen: string
  p2pListen: string
  /** `/ip4/127.0.0.1/tcp/<port>/p2p/<peerId>`: another node's `--bootstrap` entry */
  p2p: string
}

interface TestnetOptions {
  validators: string
  dir: string
  blockTime?: string
  basePort?: string
  initOnly?: boolean
  logLevel: string
  followGroup: string[]
  depositPeriodBlocks?: string
  votingPeriodBlocks?: string
  upgradeMarginBlocks?: string
  cpuProfNode?: string
  cpuProfDir?: string
}

const MANIFEST = 'testnet.json'
const CREATED_BY = 'gather testnet'
const HOST = '127.0.0.1'
const DEFAULT_BASE_PORT = 26_700
const DEFAULT_BLOCK_TIME_MS = 1000
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent']
/** How long the nodes get to answer `chain_getStatus` after starting (21 take ~20 s on a quiet machine). */
function readyTimeoutMs(nodes: number): number {
  return 30_000 + 5_000 * nodes
}
/** How long a node gets to stop after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 15_000

/** Node i's ports: RPC `base + 2i`, p2p `base + 2i + 1`. */
export function testnetPorts(base: number, i: number): { rpc: number; p2p: number } {
  return { rpc: base + 2 * i, p2p: base + 2 * i + 1 }
}

function nodeDir(dir: string, i: number): string {
  return join(dir, `node-${i}`)
}

/** A node's entry at `base`, with its peer id. */
function nodeEntry(dir: string, i: number, base: number, nodeId: string, owner: string, peerId: string) {
  const ports = testnetPorts(base, i)
  return {
    index: i,
    home: nodeDir(dir, i),
    nodeId,
    owner,
    rpc: `http://${HOST}:${ports.rpc}/`,
    rpcListen: `${HOST}:${ports.rpc}`,
    p2pListen: `${HOST}:${ports.p2p}`,
    p2p: `/ip4/${HOST}/tcp/${ports.p2p}/p2p/${peerId}`,
  } satisfies TestnetNode
}

/**
 * What DIR holds: nothing (a new testnet goes there), a testnet this command made, or something
 * else (refused).
 */
async function inspectDir(dir: string): Promise<TestnetManifest | undefined> {
  let entries: string[]
  try {
    const s = await stat(dir)
    if (!s.isDirectory()) throw new Error(`--dir ${dir} is not a folder`)
    entries = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  if (entries.length === 0) return undefined
  const refuse = (why: string): Error =>
    new Error(`--dir ${dir} ${why}; refusing to use it (give an empty or new folder)`)
  if (!entries.includes(MANIFEST)) throw refuse(`is not empty and holds no ${MANIFEST}`)
  let manifest: TestnetManifest
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as TestnetManifest
  } catch (e) {
    throw refuse(`has a ${MANIFEST} that is not valid JSON (${(e as Error).message})`)
  }
  if (manifest?.createdBy !== CREATED_BY || !Array.isArray(manifest.nodes) || manifest.nodes.length === 0)
    throw refuse(`has a ${MANIFEST} not written by \`gather testnet\``)
  return manifest
}

/** The keystore key each testnet node anchors its groups' checkpoints with: its owner's account. */
const ANCHOR_KEY = 'anchor'
const ANCHOR_PASSPHRASE_FILE = 'anchor.pass'

/** Puts the node owner's account (index i of the test mnemonic) in the node's keystore as `anchor`. */
async function writeAnchorKey(home: string, index: number): Promise<void> {
  const passphrase = randomBytes(18).toString('base64url')
  await writeFile(join(home, ANCHOR_PASSPHRASE_FILE), `${passphrase}\n`, { mode: 0o600 })
  await new Keystore(keystoreDir(home)).add(
    ANCHOR_KEY,
    { type: 'mnemonic', mnemonic: TEST_MNEMONIC, index },
    passphrase,
  )
}

/** The start arguments that unlock a node's anchor key, when its home has one (testnets before it have none). */
async function anchorArgs(home: string): Promise<string[]> {
  const file = join(home, ANCHOR_PASSPHRASE_FILE)
  try {
    await stat(file)
  } catch {
    return []
  }
  return ['--anchor-key', ANCHOR_KEY, '--passphrase-file', file]
}

/** Writes N node homes (fresh node keys, one shared genesis) and the manifest. */
async function createTestnet(
  dir: string,
  n: number,
  blockTimeMs: number,
  base: number,
  governance: GovernancePeriods | undefined,
): Promise<{ manifest: TestnetManifest; genesis: Genesis }> {
  const nodeKeys = Array.from({ length: n }, () => generateNodeKey())
  const { genesis, owners, faucet } = await buildTestnetGenesis({
    nodePublicKeys: nodeKeys.map((k) => k.publicKey),
    blockTimeMs,
    // the first slot after every node has started and met its peers (21 take ~20 s)
    genesisTime: new Date(Date.now() + 5_000 + 1_500 * nodeKeys.length),
    ...(governance === undefined ? {} : { governance }),
  })
  const nodes: TestnetNode[] = []
  for (const [i, key] of nodeKeys.entries()) {
    await writeHome(homePaths(nodeDir(dir, i)), genesis, key)
    await writeAnchorKey(nodeDir(dir, i), i)
    nodes.push(
      nodeEntry(
        dir,
        i,
        base,
        hex(key.publicKey),
        owners[i]?.address ?? '',
        await peerIdFromSeed(key.privateKey),
      ),
    )
  }
  const manifest: TestnetManifest = {
    createdBy: CREATED_BY,
    chainId: genesis.chainId,
    genesisHash: hex(genesisHash(genesis)),
    basePort: base,
    faucet: { index: n, address: faucet.address },
    nodes,
  }
  await writeManifest(dir, manifest)
  return { manifest, genesis }
}

/**
 * Checks the homes of an existing testnet against its manifest (same genesis everywhere, node
 * keys as listed) and rewrites the manifest for `dir` and `base`.
 */
async function reuseTestnet(
  dir: string,
  old: TestnetManifest,
  base: number,
): Promise<{ manifest: TestnetManifest; genesis: Genesis }> {
  let genesis: Genesis | undefined
  const nodes: TestnetNode[] = []
  for (let i = 0; i < old.nodes.length; i++) {
    const paths = homePaths(nodeDir(dir, i))
    const g = await readGenesis(paths)
    const hash = hex(genesisHash(g))
    if (hash !== old.genesisHash)
      throw new Error(`${paths.genesis} is not the genesis of ${join(dir, MANIFEST)} (hash ${hash})`)
    const key = await readNodeKey(paths)
    const nodeId = hex(key.publicKey)
    const validator = g.validators[i]
    if (validator?.nodeKey !== nodeId)
      throw new Error(`${paths.nodeKey} is not the key of validator ${i} of the testnet's genesis`)
    nodes.push(nodeEntry(dir, i, base, nodeId, validator.owner, await peerIdFromSeed(key.privateKey)))
    genesis = g
  }
  const manifest: TestnetManifest = { ...old, basePort: base, nodes }
  await writeManifest(dir, manifest)
  return { manifest, genesis: genesis as Genesis }
}

async function writeManifest(dir: string, manifest: TestnetManifest): Promise<void> {
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
}

/** Resolves when `port` can be bound on 127.0.0.1, rejects with the listen error otherwise. */
function tryListen(port: number): Promise<void> {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.once('error', rej)
    srv.listen({ host: HOST, port, exclusive: true }, () => srv.close(() => res()))
  })
}

/** Throws naming the first port of the testnet that something else holds. */
async function checkPortsFree(base: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const ports = testnetPorts(base, i)
    for (const [role, port] of [
      ['RPC', ports.rpc],
      ['p2p', ports.p2p],
    ] as const) {
      try {
        await tryListen(port)
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message
        throw new Error(
          `port ${port} (node-${i} ${role}) on ${HOST} is not free (${code}); stop what uses it or pick another --base-port`,
        )
      }
    }
  }
}

/** The last `lines` lines of a log file (empty when it cannot be read). */
async function tail(path: string, lines = 15): Promise<string[]> {
  try {
    const text = await readFile(path, 'utf8')
    return text.trimEnd().split('\n').slice(-lines)
  } catch {
    return []
  }
}

interface RunningNode {
  node: TestnetNode
  child: ChildProcess
  log: string
  exit?: { code: number | null; signal: NodeJS.Signals | null }
  exited: Promise<void>
}

function describeExit(exit: RunningNode['exit']): string {
  if (exit === undefined) return 'is still running'
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`
}

/**
 * Starts one `gather start` per node (the same node binary and CLI as this process), waits
 * until each answers `chain_getStatus`, prints the table, and supervises them: Ctrl-C (SIGINT)
 * or SIGTERM stops them all (exit 0); a node that exits on its own stops the rest (exit 1).
 */
async function runTestnet(
  dir: string,
  manifest: TestnetManifest,
  logLevel: string,
  follow: readonly string[],
  cpuProf?: { node: number; dir: string },
): Promise<number> {
  const cli = fileURLToPath(new URL('../index.js', import.meta.url))
  const running: RunningNode[] = []
  let stopping = false
  let finish: (code: number) => void = () => {}
  const finished = new Promise<number>((r) => {
    finish = r
  })

  const stopAll = async (): Promise<void> => {
    const alive = running.filter((r) => r.exit === undefined && r.child.pid !== undefined)
    for (const r of alive) process.kill(r.child.pid as number, 'SIGTERM')
    const timer = setTimeout(() => {
      for (const r of alive) {
        if (r.exit !== undefined) continue
        process.stderr.write(`node-${r.node.index} (pid ${r.child.pid}) did not stop in time: SIGKILL\n`)
        process.kill(r.child.pid as number, 'SIGKILL')
      }
    }, STOP_TIMEOUT_MS)
    await Promise.all(alive.map((r) => r.exited))
    clearTimeout(timer)
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return
    stopping = true
    process.stderr.write(`${signal}: stopping ${running.length} node(s)\n`)
    void stopAll().then(() => {
      process.stderr.write('testnet stopped\n')
      finish(0)
    })
  }
  const onUnexpectedExit = async (r: RunningNode): Promise<void> => {
    if (stopping) return
    stopping = true
    const lines = await tail(r.log)
    process.stderr.write(
      `error: node-${r.node.index} (pid ${r.child.pid}) ${describeExit(r.exit)}; last lines of ${r.log}:\n${lines.map((l) => `  ${l}`).join('\n')}\nstopping the other nodes\n`,
    )
    await stopAll()
    finish(1)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Last resort (an exception in this process): leave no node behind.
  process.on('exit', () => {
    for (const r of running) if (r.exit === undefined && r.child.pid !== undefined) r.child.kill('SIGKILL')
  })

  for (const node of manifest.nodes) {
    const log = join(node.home, 'node.log')
    const fd = openSync(log, 'a')
    const bootstrap = manifest.nodes.filter((o) => o.index !== node.index).map((o) => o.p2p)
    const args = [
      cli,
      'start',
      '--home',
      node.home,
      '--rpc-listen',
      node.rpcListen,
      '--p2p-listen',
      node.p2pListen,
      ...(bootstrap.length > 0 ? ['--bootstrap', bootstrap.join(',')] : []),
      '--log-level',
      logLevel,
      ...(await anchorArgs(node.home)),
      ...follow.flatMap((g) => ['--follow-group', g]),
    ]
    // V8 writes the profile when the node exits (it does on SIGTERM, after a clean stop)
    const nodeArgs = cpuProf?.node === node.index ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf.dir}`] : []
    const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', fd, fd] })
    closeSync(fd)
    const r: RunningNode = { node, child, log, exited: Promise.resolve() }
    r.exited = new Promise((res) => {
      child.once('exit', (code, signal) => {
        r.exit = { code, signal }
        res()
        void onUnexpectedExit(r)
      })
    })
    child.once('error', (e) => {
      process.stderr.write(`error: cannot start node-${node.index}: ${e.message}\n`)
    })
    running.push(r)
  }

  process.stderr.write(`starting ${running.length} node(s); waiting for their RPC to answer\n`)
  const ready = await Promise.race([waitReady(manifest.nodes, () => stopping), finished.then(() => false)])
  if (stopping) return finished
  if (!ready) {
    process.stderr.write(
      `error: not every node answered chain_getStatus within ${readyTimeoutMs(manifest.nodes.length) / 1000} s (see the node.log files); stopping them\n`,
    )
    stopping = true
    await stopAll()
    return 1
  }
  process.stdout.write(
    `${[
      `${manifest.chainId}: ${manifest.nodes.length} validator(s), genesis ${manifest.genesisHash}`,
      '',
      columnTable(
        ['node', 'pid', 'rpc', 'p2p', 'owner (keys import --index)'],
        running.map((r) => [
          `node-${r.node.index}`,
          String(r.child.pid),
          r.node.rpc,
          r.node.p2p,
          `${r.node.owner} (${r.node.index})`,
        ]),
      ),
      '',
      `faucet: ${manifest.faucet.address} (gather keys import faucet --index ${manifest.faucet.index})`,
      `logs: ${join(dir, 'node-<i>', 'node.log')}; details: ${join(dir, MANIFEST)}`,
      'Ctrl-C stops every node.',
    ].join('\n')}\n`,
  )
  return finished
}

/** Polls every node's `chain_getStatus` until all answer (true) or the timeout (false). */
async function waitReady(nodes: readonly TestnetNode[], abandoned: () => boolean): Promise<boolean> {
  const deadline = Date.now() + readyTimeoutMs(nodes.length)
  const pending = new Set(nodes)
  while (pending.size > 0 && Date.now() < deadline && !abandoned()) {
    for (const node of [...pending]) {
      const ok = await new GatherClient(node.rpc, { timeoutMs: 2000 }).getStatus().then(
        () => true,
        () => false,
      )
      if (ok) pending.delete(node)
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 200))
  }
  return pending.size === 0
}

/** `gather testnet`: a local network of N super nodes on loopback. */
export function registerTestnet(program: Command): void {
  program
    .command('testnet')
    .description(
      `write (if needed) and run a local testnet of N super nodes (1 to ${TESTNET_MAX_VALIDATORS}), one \`gather start\` process each`,
    )
    .requiredOption('--validators <n>', `number of super nodes, 1 to ${TESTNET_MAX_VALIDATORS}`)
    .option('--dir <dir>', 'folder of the testnet: node-<i>/ homes and testnet.json', './testnet')
    .option(
      '--block-time <ms>',
      `block time, 100 to 60000 ms (default ${DEFAULT_BLOCK_TIME_MS}); used when the testnet is created`,
    )
    .option(
      '--base-port <port>',
      `node i listens on 127.0.0.1: RPC base+2i, p2p base+2i+1 (default ${DEFAULT_BASE_PORT}, or the testnet's)`,
    )
    .option('--init-only', 'write the testnet and exit without starting the nodes')
    .option(
      '--deposit-period-blocks <n>',
      'blocks a proposal has to reach its minimum deposit (default 302400); used when the testnet is created',
    )
    .option(
      '--voting-period-blocks <n>',
      'blocks of voting (default 302400); used when the testnet is created',
    )
    .option(
      '--upgrade-margin-blocks <n>',
      'blocks a software upgrade must lie after its voting (default 43200); used when the testnet is created',
    )
    .option(
      '--cpu-prof-node <i>',
      'run node i under node --cpu-prof: a V8 CPU profile (.cpuprofile) written to --cpu-prof-dir when the testnet stops',
    )
    .option('--cpu-prof-dir <dir>', 'where --cpu-prof-node writes its profile', './testnet-profile')
    .option('--log-level <level>', "the nodes' log level: trace, debug, info, warn, error or silent", 'info')
    .option(
      '--follow-group <id|all>',
      'every node hosts this group chain too (repeatable; all: every group), as gather start --follow-group',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addHelpText(
      'after',
      `${examples(
        'gather testnet --validators 4                      # ./testnet, ports 26700-26707, Ctrl-C stops all',
        'gather testnet --validators 21 --dir /tmp/tn21 --block-time 500 --base-port 30000',
        'gather testnet --validators 3 --init-only          # write homes, genesis and testnet.json only',
        'gather testnet --validators 3                      # again: restarts the same testnet with its data',
        'gather keys import faucet --index 4 --home ./wallet   # the faucet of a 4-node testnet',
      )}

Writes one genesis (chain id gather-testnet-1) with N super nodes: node i gets a fresh ed25519
node key (DIR/node-<i>/config/node_key.json, mode 0600) and is owned by account i of the public
test mnemonic "${TEST_MNEMONIC}"
(10,000 GAT, 1,000 of them locked on the node); account N is a faucet with 1,000,000 GAT; account
0 issues GMT. DIR/testnet.json lists each node's RPC URL, p2p address (/p2p/<peer id>), node id
and owner. Each node logs to DIR/node-<i>/node.log. Each node's keystore holds its owner's account
as key "anchor" (passphrase in DIR/node-<i>/anchor.pass), which the node starts with as
--anchor-key: the group chains a node produces anchor their checkpoints out of the box.

A DIR made by this command is reused (its nodes restart with their data; --block-time is then
ignored); any other non-empty DIR is refused. Never send real value to these accounts.`,
    )
    .action(async (o: TestnetOptions) => {
      const n = parseWhole(o.validators, '--validators', 1, TESTNET_MAX_VALIDATORS)
      const blockTimeMs =
        o.blockTime === undefined
          ? DEFAULT_BLOCK_TIME_MS
          : parseWhole(o.blockTime, '--block-time (milliseconds)', 100, 60_000)
      if (!LOG_LEVELS.includes(o.logLevel))
        throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${o.logLevel}"`)
      const dir = resolve(o.dir)
      const existing = await inspectDir(dir)
      if (existing !== undefined && existing.nodes.length !== n)
        throw new Error(
          `${dir} holds a testnet of ${existing.nodes.length} validator(s); pass --validators ${existing.nodes.length} or use another --dir`,
        )
      const maxBase = 65_535 - (2 * n - 1)
      const base =
        o.basePort === undefined
          ? (existing?.basePort ?? DEFAULT_BASE_PORT)
          : parseWhole(o.basePort, '--base-port', 1024, maxBase)
      if (o.initOnly !== true) await checkPortsFree(base, n)

      let manifest: TestnetManifest
      if (existing === undefined) {
        await mkdir(dir, { recursive: true })
        manifest = (await createTestnet(dir, n, blockTimeMs, base, parseGovernancePeriods(o))).manifest
        process.stderr.write(`testnet written to ${dir} (${n} validator(s), block time ${blockTimeMs} ms)\n`)
      } else {
        const reused = await reuseTestnet(dir, existing, base)
        manifest = reused.manifest
        if (o.blockTime !== undefined && reused.genesis.params.blockTimeMs !== blockTimeMs)
          process.stderr.write(
            `warning: --block-time only applies when a testnet is created; ${dir} keeps ${reused.genesis.params.blockTimeMs} ms\n`,
          )
        process.stderr.write(`reusing the testnet in ${dir}\n`)
      }
      process.stderr.write(
        `warning: accounts come from the PUBLIC test mnemonic: anyone can spend them; never use them outside a testnet\n`,
      )
      if (o.initOnly === true) {
        process.stdout.write(
          `${columnTable(
            ['node', 'home', 'rpc', 'p2p'],
            manifest.nodes.map((x) => [`node-${x.index}`, x.home, x.rpc, x.p2p]),
          )}\n\nstart it with: gather testnet --validators ${n} --dir ${dir}\n`,
        )
        return
      }
      parseFollowGroups(o.followGroup)
      const cpuProf =
        o.cpuProfNode === undefined
          ? undefined
          : {
              node: parseWhole(o.cpuProfNode, '--cpu-prof-node', 0, n - 1),
              dir: resolve(o.cpuProfDir ?? './testnet-profile'),
            }
      if (cpuProf !== undefined) await mkdir(cpuProf.dir, { recursive: true })
      process.exit(await runTestnet(dir, manifest, o.logLevel, o.followGroup, cpuProf))
    })
}
