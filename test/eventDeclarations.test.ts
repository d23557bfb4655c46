/**
 * Each module declares its events once (modules/<m>/events.ts); its README's Events section
 * lists the same types with the same attributes in the same (wire) order, and a misspelt event
 * fails the type check.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import type { EventDeclaration, EventSink } from '../chain/events.js'
import { governanceEvents } from '../modules/governance/events.js'
import { identityEvents } from '../modules/identity/events.js'
import { messagingEvents } from '../modules/messaging/events.js'
import { stakingEvents } from '../modules/staking/events.js'
import { tokenEvents } from '../modules/token/events.js'
import { chainModules } from '../node/wiring.js'

const declarations: EventDeclaration[] = [
  tokenEvents,
  stakingEvents,
  governanceEvents,
  identityEvents,
  messagingEvents,
]

/**
 * The events a README lists: `` `type { a, b?, c }` `` entries of its `## Events` section, where
 * `messaging.holder_joined|holder_left { … }` stands for two types with the same attributes.
 */
function readmeEvents(module: string): Map<string, string[]> {
  const text = readFileSync(new URL(`../modules/${module}/README.md`, import.meta.url), 'utf8')
  const section = /^## Events\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(text)?.[1] ?? ''
  const out = new Map<string, string[]>()
  for (const m of section.replace(/\n\s*/g, ' ').matchAll(/`([a-z_.|]+) \{ ([^}`]*) \}`/g)) {
    const [first, ...more] = m[1]!.split('|')
    const prefix = first!.slice(0, first!.indexOf('.') + 1)
    const attrs = m[2]!.split(',').map((a) => a.trim())
    for (const type of [first!, ...more.map((t) => prefix + t)]) out.set(type, attrs)
  }
  return out
}

describe('event declarations', () => {
  test.each(declarations.map((d) => [d.module, d] as const))(
    "%s: the README's Events section lists every declared event with its attributes in wire order",
    (module, d) => {
      const listed = readmeEvents(module)
      for (const type of d.types) {
        expect({ type, attributes: listed.get(type) }).toEqual({
          type,
          attributes: [...d.definitions[type]!],
        })
      }
      const own = [...listed.keys()].filter((t) => t.startsWith(`${module}.`))
      expect(own.sort()).toEqual([...d.types].sort())
    },
  )

  test('every chain module hands its declaration to the state machine', () => {
    const byName = new Map(chainModules().map((m) => [m.name, m.events]))
    for (const d of declarations) expect(byName.get(d.module)).toBe(d)
  })

  test('a misspelt event name or attribute of a real module fails the type check', () => {
    // Checked by tsc, which compiles test/: each marked line must be a type error, else its
    // expect-error directive is one. Never called.
    const mistakes = (ctx: EventSink): void => {
      messagingEvents.emit(ctx, 'messaging.holder_joined', {
        group_id: '1',
        address: 'gat1…',
        balance: '5',
        min_gat_balance: '5',
      })
      // @ts-expect-error: holder_joind is not a messaging event
      messagingEvents.emit(ctx, 'messaging.holder_joind', {
        group_id: '1',
        address: 'gat1…',
        balance: '5',
        min_gat_balance: '5',
      })
      // @ts-expect-error: staking.lockd is not a staking event
      stakingEvents.emit(ctx, 'staking.lockd', { staker: 'gat1…', node_id: 'ab', amount: '1' })
      // @ts-expect-error: a module emits only its own events
      tokenEvents.emit(ctx, 'staking.locked', { staker: 'gat1…', node_id: 'ab', amount: '1' })
      messagingEvents.emit(ctx, 'messaging.holder_left', {
        group_id: '1',
        address: 'a',
        balance: '5',
        min_gat_balance: '5',
        // @ts-expect-error: not an attribute of messaging.holder_left
        minGatBalance: '5',
      })
    }
    expect(typeof mistakes).toBe('function')
  })
})
