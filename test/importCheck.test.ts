import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'

/** scripts/checkImports.js (the import rules of ARCHITECTURE.md, run by `npm test`). */
const SCRIPT = join(process.cwd(), 'scripts', 'checkImports.js')

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** A fixture tree: a file per forbidden import, and allowed ones that look close to them. */
const FIXTURE: Record<string, string> = {
  'chain/store/db.ts': 'export const db = 1\n',
  // chain-floor: a multi-line type import of a module
  'chain/pipeline.ts':
    "import type {\n  Thing,\n} from '../modules/b/types.js'\nimport { db } from './store/db.js'\n",
  // a test beside chain code may build its fixture from above
  'chain/pipeline.test.ts': "import { openNode } from '../node/index.js'\n",
  // module-to-module, as a re-export
  'modules/a/commands/send.ts': "export { checkB } from '../../b/method.js'\n",
  'modules/a/types.ts': "import type { StateReader } from '../../chain/store/db.js'\n",
  'modules/b/method.ts': 'export const checkB = 1\n',
  'modules/b/types.ts': 'export type Thing = number\n',
  'modules/b/stores/index.ts': 'export const key = 1\n',
  // cli-stores, through a folder import; the published surface is fine
  'cli/query.ts':
    "import { key } from '../modules/b/stores'\nimport { checkB } from '../modules/b/method.js'\n",
  // client-node
  'rpc/client.ts': "import type { View } from '../node/readApi.js'\n",
  // p2p-adapter, both ways; node/ may import it, cli/ its identity.ts
  'rpc/methods.ts':
    "import type { Node } from '../node/index.js'\nimport { P2p } from '../chain/p2p/index.js'\n",
  'chain/p2p/index.ts': "import { db } from '../store/db.js'\nimport { log } from '../logger.js'\n",
  'chain/p2p/identity.ts': 'export const peerIdFromSeed = 1\n',
  'chain/logger.ts': 'export const log = 1\n',
  'cli/testnet.ts': "import { peerIdFromSeed } from '../chain/p2p/identity.js'\n",
  'node/index.ts':
    "export * from './readApi.js'\nimport { pipeline } from '../chain/pipeline.js'\nimport '../chain/p2p/index.js'\n",
  // one-importer: only chain/metrics.ts imports prom-client
  'chain/metrics.ts': "import { Registry } from 'prom-client'\n",
  'rpc/server.ts': "import { Counter } from 'prom-client'\n",
  // layers: consensus is below the modules
  'consensus/rules.ts': "import { checkB } from '../modules/b/method.js'\n",
  'node/readApi.ts': 'export type View = 1\n',
  // code in a string is not an import
  'cli/help.ts': `export const example = "import { key } from '../modules/b/stores/index.js'"\n`,
  'node_modules/pkg/index.ts': "import '../../modules/b/method.js'\n",
}

describe('scripts/checkImports.js', () => {
  let root: string

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gather-imports-'))
    for (const [path, text] of Object.entries(FIXTURE)) {
      await mkdir(dirname(join(root, path)), { recursive: true })
      await writeFile(join(root, path), text)
    }
  })

  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  test('passes on this repository, with nothing on the allow-list', () => {
    const r = run([])
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' })
    expect(r.stdout).toContain('imports ok')
    expect(r.stdout).not.toContain('allowed (known')
  })

  test("ARCHITECTURE.md's graph is the one --graph prints for this repository", async () => {
    const doc = await readFile(join(process.cwd(), 'ARCHITECTURE.md'), 'utf8')
    const block = /<!-- import-graph[^>]*-->\n```\n([\s\S]*?)```\n<!-- \/import-graph -->/.exec(doc)
    expect(block).not.toBeNull()
    const r = run(['--graph'])
    expect(r.code).toBe(0)
    expect(block![1]).toBe(r.stdout)
  })

  test('fails on each forbidden import of a fixture, naming file, line, import and rule', () => {
    const r = run(['--root', root])
    expect(r.code).toBe(1)
    const lines = r.stderr.trim().split('\n')
    const expected = [
      "chain/p2p/index.ts:1: import '../store/db.js' (chain/store/db.ts) breaks p2p-adapter",
      "chain/pipeline.ts:3: import '../modules/b/types.js' (modules/b/types.ts) breaks chain-floor",
      "cli/query.ts:1: import '../modules/b/stores' (modules/b/stores/index.ts) breaks cli-stores",
      "consensus/rules.ts:1: import '../modules/b/method.js' (modules/b/method.ts) breaks layers",
      "modules/a/commands/send.ts:1: import '../../b/method.js' (modules/b/method.ts) breaks module-to-module",
      "rpc/client.ts:1: import '../node/readApi.js' (node/readApi.ts) breaks client-node",
      "rpc/methods.ts:2: import '../chain/p2p/index.js' (chain/p2p/index.ts) breaks p2p-adapter",
      "rpc/server.ts:1: import 'prom-client' (prom-client) breaks one-importer",
    ]
    // one line per violation, sorted by file and line, then the count
    expect(lines.slice(0, -1).map((l, i) => l.slice(0, expected[i]?.length))).toEqual(expected)
    expect(lines.at(-1)).toBe(`${expected.length} forbidden import(s); the rules are in ARCHITECTURE.md`)
    expect(lines).toHaveLength(expected.length + 1)
    // each line says the rule in words too
    expect(r.stderr).toContain('chain/ imports only chain/, nothing above it')
  })

  test('--graph prints the folder-level graph, tests and node_modules left out', () => {
    const r = run(['--graph', '--root', root])
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual([
      'chain -> modules/b',
      'chain/p2p -> chain',
      'cli -> chain/p2p, modules/b',
      'consensus -> modules/b',
      'modules/a -> chain, modules/b',
      'modules/b -> (nothing)',
      'node -> chain, chain/p2p',
      'rpc -> chain/p2p, node',
    ])
  })
})
