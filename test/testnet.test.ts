import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { peerIdFromSeed } from '../chain/p2p/identity.js'
import type { TestnetManifest } from '../cli/commands/testnet.js'
import { genesisHash, parseGenesis } from '../genesis/schema.js'
import { GatherClient } from '../rpc/client.js'
import { CLI, cleanEnv, runCli } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { close, freePortRange, listen } from './helpers/ports.js'
import { waitFor as waitUntil } from './helpers/wait.js'

function readManifest(dir: string): Promise<TestnetManifest> {
  return readFile(join(dir, 'testnet.json'), 'utf8').then((t) => JSON.parse(t) as TestnetManifest)
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/** The pids of a process's direct children (Linux /proc). */
function childPids(pid: number): number[] {
  const out: number[] = []
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
    if (text !== '') out.push(...text.split(/\s+/).map(Number))
  }
  return out
}

/** A running `gather testnet` with its output so far. */
interface TestnetProcess {
  child: ChildProcess
  out: () => string
  err: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function startTestnet(args: string[], env: Record<string, string> = {}): TestnetProcess {
  const child = spawn(process.execPath, [CLI, 'testnet', ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  )
  return { child, out: () => out, err: () => err, exit }
}

async function waitFor(what: string, cond: () => boolean, p: TestnetProcess, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline || p.child.exitCode !== null)
      throw new Error(`${what} did not happen; stdout: ${p.out()} stderr: ${p.err()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

type NodeStatus = Awaited<ReturnType<GatherClient['getStatus']>>

/** Polls every node's status until `done` holds for all of them (or `what` fails); returns them. */
async function untilEvery(
  clients: GatherClient[],
  what: string,
  done: (s: NodeStatus) => boolean,
  ms = 60_000,
): Promise<NodeStatus[]> {
  let st: NodeStatus[] = []
  await waitUntil(
    what,
    async () => {
      st = await Promise.all(clients.map((c) => c.getStatus()))
      return st.every(done)
    },
    ms,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify(st)}`)
  })
  return st
}

describe('`gather testnet`', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  /** node processes seen in tests, ended in afterAll if a failed test left one running */
  const nodePids = new Set<number>()
  const testnets: ChildProcess[] = []

  beforeAll(async () => {
    expect(existsSync(CLI)).toBe(true) // built by `npm test` (npm run build) before jest
    tmp = await tempDir('gather-testnet-')
  })
  afterAll(async () => {
    for (const t of testnets) if (t.exitCode === null && t.signalCode === null) t.kill('SIGKILL')
    for (const pid of nodePids) {
      // only a process still running a node of this test's folder
      const cmd = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : ''
      if (cmd.includes(tmp.dir)) process.kill(pid, 'SIGKILL')
    }
    await tmp.cleanup()
  })

  test('--init-only writes N homes sharing one genesis, 0600 node keys matching it, distinct ports and peer ids; a second run reuses them', async () => {
    const dir = join(tmp.dir, 'four')
    const base = 31_000
    const r = await runCli([
      'testnet',
      '--validators',
      '4',
      '--dir',
      dir,
      '--block-time',
      '500',
      '--base-port',
      String(base),
      '--init-only',
    ])
    expect(r.stderr).toMatch(/testnet written to/)
    expect(r.code).toBe(0)

    const manifest = await readManifest(dir)
    expect(manifest.chainId).toBe('gather-testnet-1')
    expect(manifest.nodes).toHaveLength(4)
    const genesisText = await readFile(join(dir, 'node-0', 'config', 'genesis.json'), 'utf8')
    const genesis = parseGenesis(JSON.parse(genesisText))
    expect(genesis.chainId).toBe('gather-testnet-1')
    expect(genesis.params.blockTimeMs).toBe(500)
    expect(genesis.validators).toHaveLength(4)
    expect(genesis.modules.staking?.params?.maxSuperNodes).toBe(21)
    expect(manifest.genesisHash).toBe(Buffer.from(genesisHash(genesis)).toString('hex'))

    const accounts = await Promise.all([0, 1, 2, 3, 4].map((i) => deriveAccountKey(TEST_MNEMONIC, i)))
    expect(genesis.modules.token.gmtIssuer).toBe(accounts[0]?.address)
    expect(manifest.faucet).toEqual({ index: 4, address: accounts[4]?.address })
    const balances = new Map(genesis.modules.token.accounts.map((a) => [a.address, BigInt(a.ugat)]))
    expect(balances.get(accounts[4]?.address as string)).toBeGreaterThan(0n)

    const ports = new Set<string>()
    for (const [i, node] of manifest.nodes.entries()) {
      const home = join(dir, `node-${i}`)
      expect(node.index).toBe(i)
      expect(node.home).toBe(home)
      expect(await readFile(join(home, 'config', 'genesis.json'), 'utf8')).toBe(genesisText)
      const keyFile = join(home, 'config', 'node_key.json')
      expect({ i, mode: (await stat(keyFile)).mode & 0o777 }).toEqual({ i, mode: 0o600 })
      const key = JSON.parse(await readFile(keyFile, 'utf8')) as {
        type: string
        publicKey: string
        privateKey: string
      }
      expect(key.type).toBe('ed25519')
      const v = genesis.validators[i]
      expect({ i, nodeKey: v?.nodeKey, owner: v?.owner }).toEqual({
        i,
        nodeKey: key.publicKey,
        owner: accounts[i]?.address,
      })
      expect(BigInt(v?.selfLock ?? '0')).toBeGreaterThan(0n)
      expect(balances.get(accounts[i]?.address as string)).toBeGreaterThan(BigInt(v?.selfLock ?? '0'))
      expect(node.nodeId).toBe(key.publicKey)
      expect(node.owner).toBe(accounts[i]?.address)
      const peerId = await peerIdFromSeed(Buffer.from(key.privateKey, 'hex'))
      expect(node.rpc).toBe(`http://127.0.0.1:${base + 2 * i}/`)
      expect(node.p2p).toBe(`/ip4/127.0.0.1/tcp/${base + 2 * i + 1}/p2p/${peerId}`)
      ports.add(node.rpc.split(':')[2] as string)
      ports.add(node.p2p.split('/')[4] as string)
    }
    expect(ports.size).toBe(8)

    // run again: the same testnet, nothing regenerated
    const again = await runCli(['testnet', '--validators', '4', '--dir', dir, '--init-only'])
    expect(again.code).toBe(0)
    expect(again.stderr).toMatch(/reusing the testnet/)
    const manifest2 = await readManifest(dir)
    expect(manifest2.genesisHash).toBe(manifest.genesisHash)
    expect(manifest2.nodes.map((n) => n.p2p)).toEqual(manifest.nodes.map((n) => n.p2p))

    // another validator count on the same folder is refused
    const other = await runCli(['testnet', '--validators', '3', '--dir', dir, '--init-only'])
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/^error: .* holds a testnet of 4 validator\(s\); pass --validators 4/)
  })

  test('a non-empty folder that is not a testnet of this command is refused and left alone', async () => {
    const foreign = join(tmp.dir, 'foreign')
    await mkdir(foreign)
    await writeFile(join(foreign, 'notes.txt'), 'mine')
    const r = await runCli(['testnet', '--validators', '2', '--dir', foreign, '--init-only'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: --dir .*foreign is not empty and holds no testnet\.json; refusing/)
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(existsSync(join(foreign, 'node-0'))).toBe(false)

    await writeFile(join(foreign, 'testnet.json'), '{"chainId":"x"}')
    const r2 = await runCli(['testnet', '--validators', '2', '--dir', foreign, '--init-only'])
    expect(r2.code).toBe(1)
    expect(r2.stderr).toMatch(/not written by `gather testnet`/)
  })

  test('bad arguments and a busy port are one-line errors with status 1', async () => {
    const dir = join(tmp.dir, 'bad')
    const cases: [string[], RegExp][] = [
      [['--validators', '0'], /--validators must be a whole number from 1 to 21, got "0"/],
      [['--validators', '22'], /--validators must be a whole number from 1 to 21, got "22"/],
      [['--validators', 'three'], /--validators must be a whole number from 1 to 21, got "three"/],
      [['--validators', '2.5'], /--validators must be a whole number/],
      [[], /required option '--validators <n>' not specified/],
      [['--validators', '2', '--block-time', '50'], /--block-time \(milliseconds\) must be a whole number/],
      [['--validators', '2', '--base-port', 'x'], /--base-port must be a whole number/],
      [
        ['--validators', '2', '--base-port', '65534'],
        /--base-port must be a whole number from 1024 to 65532/,
      ],
      [['--validators', '2', '--log-level', 'loud'], /--log-level must be one of/],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(['testnet', '--dir', dir, ...args])
      expect({ args, code: r.code }).toEqual({ args, code: 1 })
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: expect.stringMatching(message) })
      expect({ args, lines: r.stderr.trimEnd().split('\n').length }).toEqual({ args, lines: 1 })
    }
    expect(existsSync(dir)).toBe(false)

    // a port the testnet needs is taken: named, and nothing is written or started
    const base = await freePortRange(4)
    const busy = await listen(base + 3)
    try {
      const r = await runCli(['testnet', '--validators', '2', '--dir', dir, '--base-port', String(base)])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(
        new RegExp(`^error: port ${base + 3} \\(node-1 p2p\\) on 127\\.0\\.0\\.1 is not free .*--base-port`),
      )
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(existsSync(dir)).toBe(false)
    } finally {
      await close(busy)
    }
  })

  test('`gather start` checks --p2p-listen and --bootstrap before anything else (one-line errors)', async () => {
    const home = join(tmp.dir, 'no-home')
    const peer = '/ip4/127.0.0.1/tcp/26701/p2p/12D3KooWEHVsD61oY9hUSkjM3BbDZUfcm95Hhz6Fekg5V1Q9FcXS'
    const cases: [string[], RegExp][] = [
      [['--p2p-listen', '127.0.0.1'], /--p2p-listen must be host:port/],
      [['--p2p-listen', '127.0.0.1:70000'], /--p2p-listen must be host:port/],
      [['--bootstrap', peer], /--bootstrap needs --p2p-listen/],
      [
        ['--p2p-listen', '127.0.0.1:1', '--bootstrap', '/ip4/127.0.0.1/tcp/26701'],
        /--bootstrap entries must look like/,
      ],
      [
        ['--p2p-listen', '127.0.0.1:1', '--bootstrap', `${peer},/dns4/x/p2p/abc`],
        /got "\/dns4\/x\/p2p\/abc"/,
      ],
      [['--p2p-listen', '127.0.0.1:1', '--bootstrap', peer.replace('26701', '99999')], /--bootstrap entries/],
      [
        ['--p2p-mesh', '4,3,6,3'],
        /--p2p-mesh, --p2p-heartbeat, --p2p-dht-alpha and --p2p-ping-interval need --p2p-listen/,
      ],
      [['--p2p-listen', '127.0.0.1:1', '--p2p-mesh', '8,3,6,3'], /--p2p-mesh needs Dlo <= D <= Dhi/],
      [['--p2p-listen', '127.0.0.1:1', '--p2p-heartbeat', '50'], /--p2p-heartbeat \(milliseconds\) must be/],
      // valid options: the next complaint is the missing home
      [['--p2p-listen', '127.0.0.1:1', '--bootstrap', `${peer},${peer}`], /no genesis at /],
      [
        [
          '--p2p-listen',
          '127.0.0.1:1',
          '--p2p-mesh',
          '6,4,12,6',
          '--p2p-heartbeat',
          '700',
          '--p2p-dht-alpha',
          '10',
        ],
        /no genesis at /,
      ],
    ]
    for (const [args, message] of cases) {
      const r = await runCli(['start', '--home', home, ...args])
      expect({ args, code: r.code }).toEqual({ args, code: 1 })
      expect({ args, stderr: r.stderr }).toEqual({ args, stderr: expect.stringMatching(message) })
      expect({ args, lines: r.stderr.trimEnd().split('\n').length }).toEqual({ args, lines: 1 })
    }
  })

  test('a 3-node testnet agrees on its blocks and finalises them; SIGINT stops every node; a restart reuses it (on libsodium.js) and finalises on, and a node that dies stops the rest', async () => {
    const dir = join(tmp.dir, 'three')
    const base = await freePortRange(6)
    const args = ['--validators', '3', '--dir', dir, '--base-port', String(base), '--block-time', '300']
    const tn = startTestnet([...args, '--log-level', 'warn'])
    testnets.push(tn.child)
    await waitFor('the RPC table', () => tn.out().includes('Ctrl-C stops every node'), tn)

    const manifest = await readManifest(dir)
    const pids = childPids(tn.child.pid as number)
    expect(pids).toHaveLength(3)
    for (const pid of pids) nodePids.add(pid)
    for (const node of manifest.nodes) {
      expect(tn.out()).toContain(node.rpc)
      const status = await new GatherClient(node.rpc, { timeoutMs: 5000 }).getStatus()
      expect({ node: node.index, chainId: status.chainId }).toEqual({
        node: node.index,
        chainId: 'gather-testnet-1',
      })
      expect(status.height).toBeGreaterThanOrEqual(0)
    }
    for (const pid of pids) expect(tn.out()).toMatch(new RegExp(`node-\\d\\s+${pid}\\s`))

    // the three processes form one network: they agree on every block and finalise them
    const clients = manifest.nodes.map((n) => new GatherClient(n.rpc, { timeoutMs: 5000 }))
    await untilEvery(clients, 'common finality', (x) => x.finalHeight >= 6 && x.peers === 2)
    for (let h = 1; h <= 6; h++) {
      const hashes = new Set(
        await Promise.all(clients.map(async (c) => (await c.getBlock({ height: h })).hash)),
      )
      expect({ height: h, hashes: hashes.size }).toEqual({ height: h, hashes: 1 })
    }
    const round = await clients[0]!.getRound()
    expect([...round.order].sort()).toEqual(manifest.nodes.map((n) => n.nodeId).sort())

    const finalBefore = Math.min(
      ...(await Promise.all(clients.map(async (c) => (await c.getStatus()).finalHeight))),
    )

    process.kill(tn.child.pid as number, 'SIGINT')
    expect(await tn.exit).toEqual({ code: 0, signal: null })
    for (const pid of pids) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false })
    expect(tn.err()).toMatch(/SIGINT: stopping 3 node\(s\)/)

    // started again: the same testnet (its data kept), this time verifying ed25519 (blocks,
    // votes) on libsodium.js, as where the native libsodium cannot load: every node says so and
    // they go on finalising together; a node killed under it stops the others
    const again = startTestnet(args, { GATHER_ED25519_BACKEND: 'libsodium.js' })
    testnets.push(again.child)
    await waitFor('the RPC table again', () => again.out().includes('Ctrl-C stops every node'), again)
    expect(again.err()).toMatch(/reusing the testnet/)
    expect((await readManifest(dir)).genesisHash).toBe(manifest.genesisHash)
    const pids2 = childPids(again.child.pid as number)
    expect(pids2).toHaveLength(3)
    for (const pid of pids2) nodePids.add(pid)
    const onWasm = await untilEvery(
      clients,
      'finality on libsodium.js',
      (x) => x.finalHeight >= finalBefore + 4,
    )
    for (const x of onWasm) {
      expect(x.signatureVerification).toMatchObject({
        ed25519: 'libsodium.js',
        warning: expect.stringContaining('the native libsodium is not in use'),
      })
    }
    const victim = manifest.nodes[1] as TestnetManifest['nodes'][number]
    const row = /^node-1\s+(\d+)\s/m.exec(again.out())
    const victimPid = Number(row?.[1])
    expect(pids2).toContain(victimPid)
    process.kill(victimPid, 'SIGKILL')
    expect(await again.exit).toEqual({ code: 1, signal: null })
    expect(again.err()).toMatch(
      new RegExp(
        `error: node-1 \\(pid ${victimPid}\\) was killed by SIGKILL; last lines of .*node-1/node\\.log`,
      ),
    )
    expect(again.err()).toContain(victim.rpc) // the log's tail: the node said where it listened
    for (const pid of pids2) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false })
  }, 150_000)
})
