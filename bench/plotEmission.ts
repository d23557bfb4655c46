/**
 * `npm run plot:emission`: draws docs/emission.svg, GAT issuance per day (steps) and in total
 * (line), from the chain's own emission functions. A hand-written SVG: no plotting dependency.
 *
 * Usage: `node dist/bench/plotEmission.js [output.svg]` (default: docs/emission.svg).
 */

import { writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UGAT_PER_GAT } from '../chain/amount.js'
import {
  dailyEmission,
  LAST_ISSUANCE_DAY,
  TOTAL_ISSUANCE,
  totalMintedThroughDay,
} from '../modules/token/logic/emission.js'

/** The plotted range of days. */
const MAX_DAY = 20_000

const W = 960
const H = 540
const M = { left: 90, right: 110, top: 60, bottom: 70 }
const PW = W - M.left - M.right
const PH = H - M.top - M.bottom
/** Left axis: GAT per day; right axis: GAT in total. */
const DAILY_MAX = 22_000
const TOTAL_MAX = 100_000_000

const DAILY_COLOUR = '#1f77b4'
const TOTAL_COLOUR = '#d62728'

// Plotting only: GAT as numbers is exact here (integers far below 2^53), and never feeds consensus.
const gat = (ugat: bigint): number => Number(ugat / UGAT_PER_GAT)
const x = (day: number): number => M.left + (day / MAX_DAY) * PW
const yDaily = (g: number): number => M.top + PH - (g / DAILY_MAX) * PH
const yTotal = (g: number): number => M.top + PH - (g / TOTAL_MAX) * PH
const f = (n: number): string => n.toFixed(1)
const grouped = (n: number): string => n.toLocaleString('en-US')

/** Days where the daily amount changes (day 0 included): the corners of both curves. */
function breakpoints(): number[] {
  const out = [0]
  for (let day = 1; day <= MAX_DAY; day++) {
    if (dailyEmission(day) !== dailyEmission(day - 1)) out.push(day)
  }
  return out
}

/** The SVG text of the emission plot. Deterministic: the same bytes every run. */
export function renderEmissionSvg(): string {
  const corners = breakpoints()
  // Daily: a step function, flat over [start, next start).
  const steps: string[] = []
  corners.forEach((day, i) => {
    const end = corners[i + 1] ?? MAX_DAY
    const y = yDaily(gat(dailyEmission(day)))
    steps.push(`${i === 0 ? 'M' : 'L'}${f(x(day))},${f(y)}`, `L${f(x(end))},${f(y)}`)
  })
  // Cumulative at the end of each day: linear between corners, since the daily amount is constant there.
  const totalPoints = [`${f(x(0))},${f(yTotal(0))}`]
  for (const day of [...corners.slice(1), MAX_DAY]) {
    totalPoints.push(`${f(x(day))},${f(yTotal(gat(totalMintedThroughDay(day - 1))))}`)
  }

  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<title>GAT issuance: daily amount and total minted, days 0 to 20,000</title>',
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-size="17" font-weight="bold">GAT issuance: ${grouped(gat(TOTAL_ISSUANCE))} GAT over ${grouped(LAST_ISSUANCE_DAY + 1)} days</text>`,
  )

  // Grid and x axis: a tick every 2,000 days.
  for (let day = 0; day <= MAX_DAY; day += 2_000) {
    out.push(
      `<line x1="${f(x(day))}" y1="${M.top}" x2="${f(x(day))}" y2="${M.top + PH}" stroke="#eeeeee"/>`,
      `<text x="${f(x(day))}" y="${M.top + PH + 18}" text-anchor="middle">${grouped(day)}</text>`,
    )
  }
  out.push(
    `<text x="${M.left + PW / 2}" y="${H - 22}" text-anchor="middle" font-size="13">day (day 0 = genesis day; a day is blocksPerDay blocks)</text>`,
  )

  // Left axis: GAT per day.
  for (let g = 0; g <= 20_000; g += 5_000) {
    out.push(
      `<line x1="${M.left}" y1="${f(yDaily(g))}" x2="${M.left + PW}" y2="${f(yDaily(g))}" stroke="#eeeeee"/>`,
      `<text x="${M.left - 8}" y="${f(yDaily(g) + 4)}" text-anchor="end" fill="${DAILY_COLOUR}">${grouped(g)}</text>`,
    )
  }
  out.push(
    `<text transform="translate(24 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle" font-size="13" fill="${DAILY_COLOUR}">GAT minted per day</text>`,
  )

  // Right axis: GAT in total, in millions.
  for (let g = 0; g <= TOTAL_MAX; g += 20_000_000) {
    out.push(
      `<text x="${M.left + PW + 8}" y="${f(yTotal(g) + 4)}" fill="${TOTAL_COLOUR}">${g / 1_000_000}M</text>`,
    )
  }
  out.push(
    `<text transform="translate(${W - 30} ${M.top + PH / 2}) rotate(90)" text-anchor="middle" font-size="13" fill="${TOTAL_COLOUR}">GAT minted in total</text>`,
  )

  // The cap and the corners (halvings, the end of issuance).
  const cap = gat(TOTAL_ISSUANCE)
  out.push(
    `<line x1="${M.left}" y1="${f(yTotal(cap))}" x2="${M.left + PW}" y2="${f(yTotal(cap))}" stroke="${TOTAL_COLOUR}" stroke-dasharray="4 4" stroke-width="1"/>`,
    `<text x="${M.left + PW + 8}" y="${f(yTotal(cap) + 4)}" fill="${TOTAL_COLOUR}" font-weight="bold">90M</text>`,
  )
  for (const day of corners.slice(1)) {
    out.push(
      `<line x1="${f(x(day))}" y1="${M.top}" x2="${f(x(day))}" y2="${M.top + PH}" stroke="#999999" stroke-dasharray="3 3"/>`,
    )
  }
  // Short amount labels on the steps; the day ranges go in the legend, clear of the curves.
  for (const day of corners) {
    const amount = gat(dailyEmission(day))
    if (amount === 0) continue
    out.push(
      `<text x="${f(x(day) + 5)}" y="${f(yDaily(amount) - 6)}" fill="${DAILY_COLOUR}">${grouped(amount)}</text>`,
    )
  }
  out.push(
    `<text x="${f(x(LAST_ISSUANCE_DAY) - 6)}" y="${f(yTotal(cap) - 10)}" text-anchor="end" fill="${TOTAL_COLOUR}">${grouped(cap)} GAT at the end of day ${grouped(LAST_ISSUANCE_DAY)}</text>`,
    `<text x="${f(x(LAST_ISSUANCE_DAY) - 6)}" y="${f(yDaily(0) - 6)}" text-anchor="end" fill="#555555">last issuance day ${grouped(LAST_ISSUANCE_DAY)}; nothing after</text>`,
  )

  // The curves, then the frame on top.
  out.push(
    `<path d="${steps.join(' ')}" fill="none" stroke="${DAILY_COLOUR}" stroke-width="2.5"/>`,
    `<polyline points="${totalPoints.join(' ')}" fill="none" stroke="${TOTAL_COLOUR}" stroke-width="2.5"/>`,
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#333333"/>`,
  )

  // Legend, with the schedule: one line per era.
  const eras = corners.flatMap((day, i) => {
    const amount = gat(dailyEmission(day))
    const last = (corners[i + 1] ?? MAX_DAY + 1) - 1
    return amount === 0 ? [] : [`${grouped(amount)} GAT / day on days ${grouped(day)}–${grouped(last)}`]
  })
  const lx = M.left + PW - 270
  const ly = M.top + 150
  out.push(
    `<rect x="${lx}" y="${ly}" width="256" height="${56 + 16 * eras.length}" fill="#ffffff" stroke="#cccccc"/>`,
    `<line x1="${lx + 10}" y1="${ly + 17}" x2="${lx + 40}" y2="${ly + 17}" stroke="${DAILY_COLOUR}" stroke-width="2.5"/>`,
    `<text x="${lx + 48}" y="${ly + 21}">GAT per day (left axis)</text>`,
    `<line x1="${lx + 10}" y1="${ly + 36}" x2="${lx + 40}" y2="${ly + 36}" stroke="${TOTAL_COLOUR}" stroke-width="2.5"/>`,
    `<text x="${lx + 48}" y="${ly + 40}">GAT minted in total (right axis)</text>`,
    ...eras.map((t, i) => `<text x="${lx + 10}" y="${ly + 62 + 16 * i}" fill="#333333">${t}</text>`),
    '</svg>',
  )
  return `${out.join('\n')}\n`
}

/** The repository's docs/emission.svg, from dist/bench/ or bench/. */
export function defaultEmissionSvgPath(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const root = here.includes(`${join('dist', 'bench')}`) ? resolve(here, '..', '..') : resolve(here, '..')
  return join(root, 'docs', 'emission.svg')
}

if (process.argv[1]?.endsWith('plotEmission.js') === true) {
  const target = process.argv[2] ?? defaultEmissionSvgPath()
  await writeFile(target, renderEmissionSvg())
  process.stdout.write(`wrote ${target}\n`)
}
