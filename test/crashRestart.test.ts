import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { buildDevnetGenesis } from '../genesis/devnet.js'
import { GatherNode } from '../node/index.js'
import { tempDir } from './helpers/devnet.js'
import { Rng, testSeed } from './helpers/rng.js'

const FIXTURE = join(process.cwd(), 'dist/test/fixtures/commitLoop.js')
/** The kill moments' seed, in the test's name: `GATHER_CRASH_SEED=<seed>` replays a failed run. */
const CRASH_SEED = testSeed('GATHER_CRASH_SEED')

/**
 * Runs the commit loop (its transfers from `seed`) and kills it with SIGKILL `killAfterMs` after
 * its `afterCommits`-th commit since it opened its database: a moment somewhere in a later
 * block's admission, execution or write, and progress in every round however slow the machine.
 */
function runAndKill(
  dataDir: string,
  seed: number,
  afterCommits: number,
  killAfterMs: number,
): Promise<{ lastPrinted: number }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [FIXTURE, dataDir, String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let lastPrinted = -1
    let opened = false
    let commits = 0
    let buffer = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) {
        const [kind, h] = line.split(' ')
        if (kind === 'committed') {
          lastPrinted = Number(h)
          if (opened && ++commits === afterCommits) setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        }
        if (kind === 'opened' && !opened) {
          opened = true
          lastPrinted = Number(h)
        }
      }
    })
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`commit loop exited without being killed: ${stderr}`))
      else resolve({ lastPrinted })
    })
  })
}

describe('crash safety', () => {
  test(`kill -9 at random moments of a commit loop: the node resumes at a committed height whose state equals a replay from genesis (seed ${CRASH_SEED}; GATHER_CRASH_SEED replays)`, async () => {
    expect(existsSync(FIXTURE)).toBe(true) // built by `npm test` (npm run build) before jest
    const { dir, cleanup } = await tempDir()
    const dataDir = join(dir, 'data')
    const { genesis, keys } = await buildDevnetGenesis({
      blockTimeMs: 100,
      genesisTime: new Date('2026-01-01T00:00:00Z'),
    })
    try {
      const seed = CRASH_SEED
      const killAt = new Rng(seed)
      let previousHeight = 0
      let committedAtLeast = 0
      const rounds = 12
      for (let round = 0; round < rounds; round++) {
        const afterCommits = 1 + killAt.int(4)
        const killAfterMs = killAt.int(80)
        committedAtLeast += afterCommits
        const { lastPrinted } = await runAndKill(dataDir, round + 1, afterCommits, killAfterMs)
        // Reopening checks the state rebuilt from disk against the head's committed root.
        const node = await GatherNode.open({ dataDir, genesis, nodeKey: keys.nodeKey, produce: false })
        try {
          const h = node.chain.head.height
          expect({ seed, round, afterCommits, killAfterMs, resumedAtLeastPrinted: h >= lastPrinted }).toEqual(
            {
              seed,
              round,
              afterCommits,
              killAfterMs,
              resumedAtLeastPrinted: true,
            },
          )
          expect({ seed, round, neverBackwards: h >= previousHeight }).toEqual({
            seed,
            round,
            neverBackwards: true,
          })
          previousHeight = h
        } finally {
          await node.stop()
        }
      }
      // every round committed at least its `afterCommits` blocks before the kill
      expect(previousHeight).toBeGreaterThanOrEqual(committedAtLeast)

      // Replay every stored block from genesis on a fresh database and compare state roots.
      const crashed = await GatherNode.open({ dataDir, genesis, nodeKey: keys.nodeKey, produce: false })
      const replayDir = await tempDir()
      const replay = await GatherNode.open({ dataDir: join(replayDir.dir, 'data'), genesis, produce: false })
      try {
        for (let h = 1; h <= crashed.chain.head.height; h++) {
          const b = await crashed.chain.getBlock(h)
          expect({ h, stored: b !== undefined }).toEqual({ h, stored: true })
          await replay.importBlock(b!.bytes)
        }
        expect(replay.chain.head.height).toBe(crashed.chain.head.height)
        expect(Buffer.from(replay.chain.head.stateRoot).toString('hex')).toBe(
          Buffer.from(crashed.chain.head.stateRoot).toString('hex'),
        )
        expect(Buffer.from(replay.chain.state.root).toString('hex')).toBe(
          Buffer.from(crashed.chain.state.root).toString('hex'),
        )
        expect(replay.query.token.getAccount({ address: keys.faucet.address })).toEqual(
          crashed.query.token.getAccount({ address: keys.faucet.address }),
        )
      } finally {
        await crashed.stop()
        await replay.stop()
        await replayDir.cleanup()
      }
    } finally {
      await cleanup()
    }
  }, 120_000)
})
