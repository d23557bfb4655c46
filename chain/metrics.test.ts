import { describe, expect, test } from '@jest/globals'
import { EVENT_LOOP_SAMPLE_MS, NodeMetrics } from './metrics.js'

/** One scrape's event-loop delay figures in seconds (a scrape also resets the histogram). */
async function scrapeLag(m: NodeMetrics): Promise<{ mean: number; max: number }> {
  const all = await m.registry.getMetricsAsJSON()
  const value = (name: string) => Number(all.find((f) => f.name === name)?.values[0]?.value)
  return { mean: value('nodejs_eventloop_lag_mean_seconds'), max: value('nodejs_eventloop_lag_max_seconds') }
}

/** Waits longer than one sampling interval, so that the next scrape has samples. */
const interval = () => new Promise((r) => setTimeout(r, 2 * EVENT_LOOP_SAMPLE_MS))

describe('NodeMetrics: the event-loop delay histogram', () => {
  test('a blocked event loop still shows in nodejs_eventloop_lag_max_seconds at the coarser sampling', async () => {
    const m = new NodeMetrics()
    // the sampler's first samples (its first interval only starts its clock)
    const deadline = Date.now() + 10_000
    while (!((await scrapeLag(m)).mean > 0) && Date.now() < deadline) await interval()
    // a scrape resets the histogram and its clock: the interval after it only restarts the clock
    await interval()
    const blockMs = 4 * EVENT_LOOP_SAMPLE_MS
    // a synchronous block, as a long handler would make: the sampler's timer falls due during
    // it and fires late by about its length
    const until = performance.now() + blockMs
    while (performance.now() < until) {}
    let max = 0
    while (max < (blockMs - EVENT_LOOP_SAMPLE_MS) / 1000 && Date.now() < deadline) {
      await interval()
      max = Math.max(max, (await scrapeLag(m)).max)
    }
    expect(max).toBeGreaterThanOrEqual((blockMs - EVENT_LOOP_SAMPLE_MS) / 1000)
  })
})
