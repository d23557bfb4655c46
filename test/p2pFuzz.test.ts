import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { GatherClient } from '../rpc/client.js'
import { freePort, runCli, spawnCli } from './helpers/cli.js'
import { tempDir } from './helpers/devnet.js'
import { Rng, testSeed } from './helpers/rng.js'
import { waitFor } from './helpers/wait.js'
import { logProblems, rawExchange, waitForNewBlock } from './helpers/wire.js'

/**
 * The peer-to-peer listener of a real `gather start --p2p-listen` against what a hostile or
 * broken peer can send below libp2p's own checks: random bytes, multistream-select headers
 * followed by garbage, protocol proposals cut short, resets mid-handshake, idle sockets.
 * GATHER_P2P_FUZZ_SEED=<n> replays a run.
 */
const SEED = testSeed('GATHER_P2P_FUZZ_SEED')
const CASES = 400
const PARALLEL = 16

const MULTISTREAM = '/multistream/1.0.0\n'
/** a multistream-select message: varint length, then the text */
function msMessage(text: string): Buffer {
  const body = Buffer.from(text)
  return Buffer.concat([Buffer.from([body.length]), body])
}

/** One malformed exchange: what to write, in pieces, and how to leave. */
function fuzzCase(r: Rng): { data: Buffer[]; end?: boolean; resetAfterMs?: number; waitMs: number } {
  const garbage = (): Buffer => r.bytes(1 + r.int(r.chance(0.1) ? 64 * 1024 : 512))
  const leave = r.pick([{ end: true }, { resetAfterMs: r.int(50) }, {}])
  switch (r.int(6)) {
    case 0:
      return { data: [garbage()], ...leave, waitMs: 300 }
    case 1:
      // a correct multistream header, then nonsense where a protocol proposal should be
      return { data: [msMessage(MULTISTREAM), garbage()], ...leave, waitMs: 300 }
    case 2:
      // proposes noise, then sends a broken handshake
      return { data: [msMessage(MULTISTREAM), msMessage('/noise\n'), garbage()], ...leave, waitMs: 300 }
    case 3:
      // a length prefix promising more than ever comes
      return { data: [Buffer.from([0xff, 0xff, 0xff, 0x0f]), garbage()], ...leave, waitMs: 300 }
    case 4:
      // the header cut in the middle, then a reset
      return {
        data: [msMessage(MULTISTREAM).subarray(0, 1 + r.int(18))],
        resetAfterMs: r.int(20),
        waitMs: 300,
      }
    default:
      // connect and say nothing
      return { data: [Buffer.alloc(0)], waitMs: 200 + r.int(300) }
  }
}

describe(`the p2p listener survives malformed connections (seed ${SEED}; GATHER_P2P_FUZZ_SEED replays)`, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let node: { child: ReturnType<typeof spawnCli>['child']; output: () => string } | undefined
  let client: GatherClient
  let p2pPort: number

  beforeAll(async () => {
    tmp = await tempDir('gather-p2p-fuzz-')
    const home = join(tmp.dir, 'node')
    const env = { GATHER_PASSPHRASE: 'passphrase1' }
    expect((await runCli(['keys', 'add', 'owner', '--home', home], env)).code).toBe(0)
    const init = await runCli(['init', '--home', home, '--validator-key', 'owner', '--block-time', '300'])
    expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: '' })
    const rpcPort = await freePort()
    p2pPort = await freePort()
    node = spawnCli([
      'start',
      '--home',
      home,
      '--rpc-listen',
      `127.0.0.1:${rpcPort}`,
      '--p2p-listen',
      `127.0.0.1:${p2pPort}`,
      '--log-level',
      'warn',
    ])
    client = new GatherClient(`http://127.0.0.1:${rpcPort}/`, { timeoutMs: 5000 })
    await waitFor(
      'the node to produce its first blocks',
      async () => (await client.getStatus().catch(() => undefined))?.height !== undefined,
      30_000,
    )
    await waitForNewBlock(client)
  })

  afterAll(async () => {
    const child = node?.child
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((r) => child.once('close', r))
      child.kill('SIGTERM')
      await closed
    }
    await tmp?.cleanup()
  })

  test(`${CASES} malformed connections: the node stays up, keeps producing and logs no error`, async () => {
    const r = new Rng(SEED)
    const cases = Array.from({ length: CASES }, () => fuzzCase(r))
    for (let i = 0; i < cases.length; i += PARALLEL) {
      await Promise.all(cases.slice(i, i + PARALLEL).map((c) => rawExchange(p2pPort, c.data, c)))
      expect({ seed: SEED, afterCase: i, alive: node!.child.exitCode === null }).toEqual({
        seed: SEED,
        afterCase: i,
        alive: true,
      })
    }
    await waitForNewBlock(client)
    expect({ seed: SEED, problems: logProblems(node!.output()) }).toEqual({ seed: SEED, problems: [] })
  })
})
