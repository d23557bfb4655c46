import { spawnSync } from 'node:child_process'
import { describe, expect, test } from '@jest/globals'
import { transferTx } from './helpers/devnet.js'
import { call, startRpcNode } from './helpers/rpcNode.js'

/** One sample line of the exposition. */
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

interface Family {
  help?: string
  type?: string
  samples: Sample[]
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"'
// NaN in any case: prom-client writes `Nan` (for an empty event-loop histogram) and Prometheus
// parses values with Go's case-insensitive strconv.ParseFloat.
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (-?(?:[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\\.[0-9]+)|[Nn][Aa][Nn]|[+-]Inf)(?: -?[0-9]+)?$`,
)
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`)
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)

function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of (s ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!
  return out
}

/**
 * Parses Prometheus text exposition 0.0.4, failing on any line that is not a HELP, TYPE, other
 * comment, blank, or `name{labels} value [timestamp]` line, and on samples of undeclared families.
 */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const family = (name: string): Family => {
    let f = families.get(name)
    if (f === undefined) {
      f = { samples: [] }
      families.set(name, f)
    }
    return f
  }
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue
    const help = HELP.exec(line)
    if (help !== null) {
      family(help[1]!).help = help[2]
      continue
    }
    const type = TYPE.exec(line)
    if (type !== null) {
      family(type[1]!).type = type[2]
      continue
    }
    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (m === null) throw new Error(`line ${i + 1} is not a sample: ${JSON.stringify(line)}`)
    const name = m[1]!
    const raw = m[3]!
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw)
    const base = [name, name.replace(/_(bucket|sum|count)$/, '')].find((b) => families.get(b)?.type)
    if (base === undefined) throw new Error(`line ${i + 1}: sample ${name} has no # TYPE before it`)
    family(base).samples.push({ name, labels: parseLabels(m[2]), value })
  }
  return families
}

/** Checks every histogram: buckets ascending in `le`, counts never decreasing, +Inf = _count. */
function checkHistograms(families: Map<string, Family>): number {
  let checked = 0
  for (const [name, f] of families) {
    if (f.type !== 'histogram') continue
    const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>()
    for (const s of f.samples) {
      const { le, ...rest } = s.labels
      const key = JSON.stringify(rest)
      const entry = series.get(key) ?? { buckets: [] }
      series.set(key, entry)
      if (s.name === `${name}_bucket`) {
        expect(le).toBeDefined()
        entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value])
      } else if (s.name === `${name}_count`) entry.count = s.value
      else if (s.name === `${name}_sum`) entry.sum = s.value
      else throw new Error(`${s.name} in histogram ${name}`)
    }
    for (const [key, e] of series) {
      const where = `${name}${key}`
      expect({ where, hasCount: e.count !== undefined, hasSum: e.sum !== undefined }).toEqual({
        where,
        hasCount: true,
        hasSum: true,
      })
      const les = e.buckets.map(([le]) => le)
      expect(les).toEqual([...les].sort((a, b) => a - b))
      expect(les[les.length - 1]).toBe(Infinity)
      for (let i = 1; i < e.buckets.length; i++) {
        expect(e.buckets[i]![1]).toBeGreaterThanOrEqual(e.buckets[i - 1]![1])
      }
      expect({ where, inf: e.buckets[e.buckets.length - 1]![1] }).toEqual({ where, inf: e.count })
      checked++
    }
  }
  return checked
}

/** Our own families (prom-client's default process_* and nodejs_* metrics are not). */
function isOurs(name: string): boolean {
  return name.startsWith('gather_')
}

/** The exposition with only our families (what we hand to promtool). */
function onlyOurs(text: string): string {
  return text
    .split('\n')
    .filter((l) => {
      const name = l.startsWith('# ') ? l.split(' ')[2] : l.split(/[{ ]/)[0]
      return l === '' || (name !== undefined && isOurs(name.replace(/_(bucket|sum|count)$/, '')))
    })
    .join('\n')
}

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0

function sampleValue(f: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const base = name.replace(/_(bucket|sum|count)$/, '')
  const fam = f.get(name) ?? f.get(base)
  const s = fam?.samples.find(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  )
  return s?.value ?? 0
}

async function scrape(url: string): Promise<{ contentType: string | null; text: string }> {
  const res = await fetch(new URL('/metrics', url))
  expect(res.status).toBe(200)
  return { contentType: res.headers.get('content-type'), text: await res.text() }
}

const OUR_METRICS = [
  ['gather_block_height', 'gauge'],
  ['gather_final_height', 'gauge'],
  ['gather_block_apply_seconds', 'histogram'],
  ['gather_block_transactions', 'histogram'],
  ['gather_mempool_transactions', 'gauge'],
  ['gather_mempool_bytes', 'gauge'],
  ['gather_rpc_requests_total', 'counter'],
  ['gather_rpc_request_duration_seconds', 'histogram'],
  ['gather_finality_lag_blocks', 'gauge'],
  ['gather_missed_slots_total', 'counter'],
  ['gather_health_ok', 'gauge'],
  ['gather_tx_journal_appends_total', 'counter'],
  ['gather_tx_journal_syncs_total', 'counter'],
  ['gather_tx_journal_sync_seconds', 'histogram'],
  ['gather_tx_journal_records', 'gauge'],
  ['gather_tx_journal_errors_total', 'counter'],
  ['gather_tx_journal_replayed_total', 'counter'],
] as const

describe('GET /metrics and /health', () => {
  test(`/metrics is well-formed Prometheus text (structural check always; promtool check metrics ${promtool ? 'too' : 'skipped: promtool is not installed'})`, async () => {
    const n = await startRpcNode()
    try {
      for (let i = 0; i < 3; i++) await n.node.produceBlock()
      await call(n.url, 'chain_getStatus', {})
      await call(n.url, 'account_get', { address: 'nope' })
      await call(n.url, 'no_such_method', {})
      const { contentType, text } = await scrape(n.url)
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/)

      const families = parseExposition(text)
      for (const [name, type] of OUR_METRICS) {
        const f = families.get(name)
        expect({ name, type: f?.type, help: (f?.help ?? '').length > 0 }).toEqual({ name, type, help: true })
      }
      // every family of ours has HELP and TYPE and at least one sample
      for (const [name, f] of families) {
        if (!isOurs(name)) continue
        expect({ name, help: f.help !== undefined, type: f.type !== undefined }).toEqual({
          name,
          help: true,
          type: true,
        })
      }
      expect(checkHistograms(families)).toBeGreaterThanOrEqual(3)

      // prom-client's default metrics keep their standard names, which Node.js dashboards query
      for (const name of [
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_heap_size_used_bytes',
        'nodejs_eventloop_lag_seconds',
      ])
        expect({ name, present: families.has(name) }).toEqual({ name, present: true })
      expect(text).not.toMatch(/^gather_(nodejs|process)_/m)

      // promtool, on our own families (its lint flags prom-client's default nodejs gauges)
      const ours = onlyOurs(text)
      expect(ours).toContain('gather_rpc_requests_total')
      if (promtool) {
        const r = spawnSync('promtool', ['check', 'metrics'], { input: ours, encoding: 'utf8' })
        expect({ status: r.status, output: `${r.stdout}${r.stderr}` }).toEqual({ status: 0, output: '' })
        // on the whole exposition, its only complaint is prom-client's three `_total` gauges
        const all = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
        const complaints = `${all.stdout}${all.stderr}`.split('\n').filter((l) => l.trim() !== '')
        expect(complaints.map((l) => l.split(' ')[0]).sort()).toEqual([
          'nodejs_active_handles_total',
          'nodejs_active_requests_total',
          'nodejs_active_resources_total',
        ])
      } else {
        console.warn('promtool is not installed: only the structural check of /metrics ran')
      }
    } finally {
      await n.close()
    }
  })

  test('the block height gauge follows the chain; RPC counters and latency grow by method and outcome', async () => {
    const n = await startRpcNode()
    try {
      let f = parseExposition((await scrape(n.url)).text)
      expect(sampleValue(f, 'gather_block_height')).toBe(0)
      for (let i = 0; i < 3; i++) await n.node.produceBlock()
      await n.node.settled() // the validator's own vote finalises each block (1 of 1)
      f = parseExposition((await scrape(n.url)).text)
      expect(sampleValue(f, 'gather_block_height')).toBe(n.node.chain.head.height)
      expect(sampleValue(f, 'gather_block_height')).toBe(3)
      expect(sampleValue(f, 'gather_final_height')).toBe(3)
      expect(sampleValue(f, 'gather_finality_lag_blocks')).toBe(0)
      expect(sampleValue(f, 'gather_health_ok')).toBe(1)
      expect(sampleValue(f, 'gather_block_apply_seconds_count')).toBe(3)
      expect(sampleValue(f, 'gather_block_transactions_bucket', { le: '0' })).toBe(3)

      const before = {
        ok: sampleValue(f, 'gather_rpc_requests_total', { method: 'chain_getStatus', outcome: 'ok' }),
        err: sampleValue(f, 'gather_rpc_requests_total', { method: 'chain_getBlock', outcome: 'error' }),
        bad: sampleValue(f, 'gather_rpc_requests_total', { method: 'account_get', outcome: 'rejected' }),
        unknown: sampleValue(f, 'gather_rpc_requests_total', { method: 'unknown', outcome: 'rejected' }),
        latency: sampleValue(f, 'gather_rpc_request_duration_seconds_count', { method: 'chain_getStatus' }),
      }
      for (let i = 0; i < 4; i++) await call(n.url, 'chain_getStatus', {})
      await call(n.url, 'chain_getBlock', { height: 99 })
      await call(n.url, 'account_get', { address: 'not an address' })
      await call(n.url, 'made_up', {})
      await fetch(n.url, { method: 'POST', body: '{' })
      f = parseExposition((await scrape(n.url)).text)
      expect(sampleValue(f, 'gather_rpc_requests_total', { method: 'chain_getStatus', outcome: 'ok' })).toBe(
        before.ok + 4,
      )
      expect(
        sampleValue(f, 'gather_rpc_requests_total', { method: 'chain_getBlock', outcome: 'error' }),
      ).toBe(before.err + 1)
      expect(
        sampleValue(f, 'gather_rpc_requests_total', { method: 'account_get', outcome: 'rejected' }),
      ).toBe(before.bad + 1)
      // an unknown method name and unparsable JSON are folded into method="unknown"
      expect(sampleValue(f, 'gather_rpc_requests_total', { method: 'unknown', outcome: 'rejected' })).toBe(
        before.unknown + 2,
      )
      expect(sampleValue(f, 'gather_rpc_request_duration_seconds_count', { method: 'chain_getStatus' })).toBe(
        before.latency + 4,
      )
      expect(
        sampleValue(f, 'gather_rpc_request_duration_seconds_sum', { method: 'chain_getStatus' }),
      ).toBeGreaterThan(0)
      // no label value comes from the caller
      const methods = new Set(f.get('gather_rpc_requests_total')?.samples.map((s) => s.labels.method) ?? [])
      expect(methods.has('made_up')).toBe(false)

      // the mempool gauges follow submissions
      expect(sampleValue(f, 'gather_mempool_transactions')).toBe(0)

      // a tx_broadcast is journaled (one write + fsync round) before its answer; its block
      // compacts the record away
      const { faucet, validator } = n.keys
      const raw = transferTx(faucet, validator.address, 1_000n, {
        chainId: n.genesis.chainId,
        accountNumber: BigInt(n.node.query.token.getAccount({ address: faucet.address }).accountNumber),
        sequence: 0n,
      })
      const broadcast = await call(n.url, 'tx_broadcast', { tx: Buffer.from(raw).toString('base64') })
      expect(broadcast.reply.error).toBeUndefined()
      f = parseExposition((await scrape(n.url)).text)
      expect(sampleValue(f, 'gather_mempool_transactions')).toBe(1)
      expect(sampleValue(f, 'gather_tx_journal_appends_total')).toBe(1)
      expect(sampleValue(f, 'gather_tx_journal_syncs_total')).toBe(1)
      expect(sampleValue(f, 'gather_tx_journal_sync_seconds_count')).toBe(1)
      expect(sampleValue(f, 'gather_tx_journal_records')).toBe(1)
      await n.node.produceBlock()
      await n.node.journal?.flush()
      f = parseExposition((await scrape(n.url)).text)
      expect(sampleValue(f, 'gather_mempool_transactions')).toBe(0)
      expect(sampleValue(f, 'gather_tx_journal_records')).toBe(0)
      expect(sampleValue(f, 'gather_tx_journal_errors_total')).toBe(0)
    } finally {
      await n.close()
    }
  })

  test('/health: 503 while the head is stale, 200 with the height once a fresh block is committed', async () => {
    // genesis far in the past and no block yet: the head is years old
    const n = await startRpcNode({ genesisTime: new Date('2020-01-01T00:00:00Z') })
    try {
      const stale = await fetch(new URL('/health', n.url))
      expect(stale.status).toBe(503)
      expect(await stale.json()).toMatchObject({
        status: 'stale',
        height: 0,
        reasons: [expect.stringMatching(/^the head block 0 is \d+(\.\d)? s old \(limit 60 s\)/)],
      })
      expect(sampleValue(parseExposition((await scrape(n.url)).text), 'gather_health_ok')).toBe(0)

      await n.node.produceBlock()
      await n.node.settled() // its own vote finalises it
      const fresh = await fetch(new URL('/health', n.url))
      expect(fresh.status).toBe(200)
      const body = (await fresh.json()) as { status: string; height: number; headAgeMs: number }
      expect(body).toMatchObject({
        status: 'ok',
        reasons: [],
        height: 1,
        finalHeight: 1,
        finalityLag: 0,
        database: 'open',
      })
      expect(body.headAgeMs).toBeLessThan(60_000)
      // /metrics and /health are GET only; POST falls through to 404 (JSON-RPC lives on /)
      expect((await fetch(new URL('/health', n.url), { method: 'POST', body: '{}' })).status).toBe(404)
    } finally {
      await n.close()
    }
  })
})
