/**
 * Sums a V8 CPU profile (`node --cpu-prof`'s .cpuprofile) by self time: per function, per file
 * and per package, as Markdown tables (bench/results/testnet-profile.md records them).
 *
 * Usage: `node dist/bench/network/cpuProfile.js FILE.cpuprofile [--top N] [--last S]` (`--last`:
 * only the samples of the profile's last S seconds, e.g. the idle window before the node stopped)
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

/** One row of a summary: a name and its self time. */
export interface SelfTime {
  name: string
  ms: number
  /** share of the profile's whole time, idle included */
  share: number
}

/**
 * Subsystems counted by inclusive time: a sample counts for each whose code is on its stack
 * (so they overlap: the transport runs under gossip and the DHT alike).
 */
export const SUBSYSTEMS: readonly { name: string; matches: (f: CallFrame) => boolean }[] = [
  { name: 'kad-dht', matches: (f) => f.url.includes('/@libp2p/kad-dht/') },
  { name: 'peer store', matches: (f) => f.url.includes('/@libp2p/peer-store/') },
  { name: 'gossipsub', matches: (f) => f.url.includes('/@libp2p/gossipsub/') },
  {
    name: 'gossipsub heartbeat',
    matches: (f) => f.functionName === 'heartbeat' && f.url.includes('gossipsub'),
  },
  { name: 'noise (encryption)', matches: (f) => f.url.includes('/@chainsafe/libp2p-noise/') },
  { name: 'yamux (streams)', matches: (f) => f.url.includes('/@chainsafe/libp2p-yamux/') },
  { name: 'identify', matches: (f) => f.url.includes('/@libp2p/identify/') },
  { name: 'ping', matches: (f) => f.url.includes('/@libp2p/ping/') || f.url.includes('connection-monitor') },
  { name: 'gather chain/p2p', matches: (f) => f.url.includes('/dist/chain/p2p/') },
  { name: 'gather node/nodeNetwork', matches: (f) => f.url.includes('/dist/node/nodeNetwork') },
  {
    name: 'gather finality (votes)',
    matches: (f) => f.url.includes('/dist/node/finality') || f.url.includes('/dist/consensus/finality'),
  },
  { name: 'gather block import / store', matches: (f) => /\/dist\/chain\/(blockchain|store\/)/.test(f.url) },
  { name: 'gather groups', matches: (f) => f.url.includes('/dist/node/groups/') },
  { name: '(garbage collector)', matches: (f) => f.functionName === '(garbage collector)' },
]

export interface ProfileSummary {
  /** the profile's wall time, ms */
  totalMs: number
  /** time not idle (everything but V8's `(idle)`), ms */
  busyMs: number
  functions: SelfTime[]
  files: SelfTime[]
  packages: SelfTime[]
  /** inclusive time per {@link SUBSYSTEMS} entry; `share` of the busy time */
  subsystems: SelfTime[]
}

/** Where a script comes from: an npm package, our own code (dist/…), Node itself or V8. */
export function packageOf(url: string): string {
  if (url === '') return '(V8 / native)'
  if (url.startsWith('node:')) return 'node (internal)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/')
    return parts[0]?.startsWith('@') === true ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url)
  }
  const dist = url.indexOf('/dist/')
  if (dist >= 0) return `gather: ${url.slice(dist + '/dist/'.length).split('/')[0]}/`
  return url
}

/** A short form of a script's address: from its package (or dist/) on. */
export function shortFile(url: string): string {
  if (url === '') return '(V8 / native)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length)
  const dist = url.indexOf('/dist/')
  if (dist >= 0) return url.slice(dist + 1)
  return url
}

/**
 * Sums self time per function, file and package; rows sorted by time, largest first.
 * `lastSeconds`: only the samples of the profile's last seconds.
 */
export function summarizeProfile(p: CpuProfile, lastSeconds?: number): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // per node: the subsystems on its stack (itself and its callers)
  const onStack = new Map<number, Set<number>>()
  const subsystemsOf = (id: number): Set<number> => {
    const known = onStack.get(id)
    if (known !== undefined) return known
    const up = parent.get(id)
    const set = new Set(up === undefined ? [] : subsystemsOf(up))
    const f = byId.get(id)?.callFrame
    if (f !== undefined) {
      for (const [i, sub] of SUBSYSTEMS.entries()) if (sub.matches(f)) set.add(i)
    }
    onStack.set(id, set)
    return set
  }
  const self = new Map<number, number>()
  const from = lastSeconds === undefined ? p.startTime : Math.max(p.startTime, p.endTime - lastSeconds * 1e6)
  let at = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!
    const delta = p.timeDeltas[i] ?? 0
    at += delta
    if (at < from) continue
    self.set(id, (self.get(id) ?? 0) + delta)
  }
  const totalUs = p.endTime - from
  const fn = new Map<string, number>()
  const file = new Map<string, number>()
  const pkg = new Map<string, number>()
  let idleUs = 0
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame
    if (f === undefined) continue
    if (f.functionName === '(idle)') {
      idleUs += us
      continue
    }
    const where = f.url === '' ? '' : ` ${shortFile(f.url)}:${f.lineNumber + 1}`
    const name = `${f.functionName || '(anonymous)'}${where}`
    fn.set(name, (fn.get(name) ?? 0) + us)
    file.set(shortFile(f.url), (file.get(shortFile(f.url)) ?? 0) + us)
    pkg.set(packageOf(f.url), (pkg.get(packageOf(f.url)) ?? 0) + us)
  }
  const rows = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .map(([name, us]) => ({ name, ms: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }))
      .sort((a, b) => b.ms - a.ms)
  const inclusive = SUBSYSTEMS.map(() => 0)
  for (const [id, us] of self) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue
    for (const i of subsystemsOf(id)) inclusive[i] = (inclusive[i] ?? 0) + us
  }
  const busyUs = totalUs - idleUs
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    functions: rows(fn),
    files: rows(file),
    packages: rows(pkg),
    subsystems: SUBSYSTEMS.map((sub, i) => ({
      name: sub.name,
      ms: (inclusive[i] ?? 0) / 1000,
      share: busyUs > 0 ? (inclusive[i] ?? 0) / busyUs : 0,
    })),
  }
}

/** Markdown tables of a summary's top rows. */
export function profileMarkdown(s: ProfileSummary, top = 15): string {
  const table = (title: string, rows: SelfTime[]): string[] => [
    `| ${title} | self ms | % of wall time |`,
    '| --- | ---: | ---: |',
    ...rows
      .slice(0, top)
      .map(
        (r) => `| \`${r.name.replace(/\|/g, '\\|')}\` | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(2)} |`,
      ),
  ]
  return [
    `Wall time ${(s.totalMs / 1000).toFixed(1)} s, busy (not \`(idle)\`) ${(s.busyMs / 1000).toFixed(1)} s of samples.`,
    '',
    '| subsystem (inclusive: on the stack) | ms | % of busy samples |',
    '| --- | ---: | ---: |',
    ...s.subsystems.map((r) => `| ${r.name} | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} |`),
    '',
    ...table('package', s.packages),
    '',
    ...table('function', s.functions),
    '',
    ...table('file', s.files),
  ].join('\n')
}

async function main(argv: string[]): Promise<void> {
  const file = argv[0]
  if (file === undefined || file.startsWith('-')) {
    console.error('usage: node dist/bench/network/cpuProfile.js FILE.cpuprofile [--top N]')
    process.exit(2)
  }
  const topAt = argv.indexOf('--top')
  const top = topAt >= 0 ? Number(argv[topAt + 1]) : 15
  const lastAt = argv.indexOf('--last')
  const last = lastAt >= 0 ? Number(argv[lastAt + 1]) : undefined
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  console.log(profileMarkdown(summarizeProfile(profile, last), top))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2))
