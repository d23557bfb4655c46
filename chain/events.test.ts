import { describe, expect, test } from '@jest/globals'
import type { ChainEvent } from './codec/block.js'
import { type DeclaredEvent, defineEvents, type EventSink } from './events.js'

const demo = defineEvents('demo', {
  'demo.moved': ['from', 'to', 'amount'],
  'demo.caught': ['who', 'slot?', 'height'],
})

function sink(): EventSink & { events: ChainEvent[] } {
  const events: ChainEvent[] = []
  return { events, emit: (e) => events.push(e) }
}

describe('defineEvents', () => {
  test('emit records the declared attributes in declared order, whatever the order they are given in', () => {
    const s = sink()
    demo.emit(s, 'demo.moved', { amount: '5', to: 'b', from: 'a' })
    expect(s.events).toEqual([
      {
        type: 'demo.moved',
        attributes: [
          { key: 'from', value: 'a' },
          { key: 'to', value: 'b' },
          { key: 'amount', value: '5' },
        ],
      },
    ])
  })

  test('an optional attribute left undefined is left out; given, it takes its declared place', () => {
    const keys = (e: ChainEvent): string[] => e.attributes.map((a) => a.key)
    expect(keys(demo.event('demo.caught', { who: 'x', height: '3' }))).toEqual(['who', 'height'])
    expect(keys(demo.event('demo.caught', { who: 'x', slot: undefined, height: '3' }))).toEqual([
      'who',
      'height',
    ])
    expect(keys(demo.event('demo.caught', { height: '3', slot: '7', who: 'x' }))).toEqual([
      'who',
      'slot',
      'height',
    ])
  })

  test('types lists the declaration; what only a cast can get past the type check throws', () => {
    expect(demo.types).toEqual(['demo.moved', 'demo.caught'])
    expect(demo.module).toBe('demo')
    const untyped = demo.event as unknown as (type: string, a: Record<string, string>) => DeclaredEvent
    expect(() => untyped('demo.nope', {})).toThrow('event demo.nope is not declared by module demo')
    expect(() => untyped('demo.moved', { from: 'a', to: 'b' })).toThrow(
      'event demo.moved: attribute amount is missing',
    )
    expect(() => untyped('demo.moved', { from: 'a', to: 'b', amount: '1', memo: 'm' })).toThrow(
      'event demo.moved: attribute memo is not declared',
    )
  })

  test('a type outside the module prefix, or an attribute named twice, is refused at declaration', () => {
    // @ts-expect-error: a module's events start with `<module>.`
    expect(() => defineEvents('demo', { 'other.thing': ['a'] })).toThrow(
      'event other.thing of module demo must start with "demo."',
    )
    expect(() => defineEvents('demo', { 'demo.twice': ['a', 'a?'] })).toThrow(
      'event demo.twice lists an attribute twice',
    )
  })

  test('misspelt types and missing, extra or non-string attributes fail the type check', () => {
    // Checked by tsc (`npm run typecheck` compiles the tests): each marked line must be a type
    // error, else its expect-error directive is one. Never called.
    const mistakes = (s: EventSink): void => {
      // @ts-expect-error: no such event
      demo.emit(s, 'demo.movd', { from: 'a', to: 'b', amount: '1' })
      // @ts-expect-error: `amount` is missing
      demo.emit(s, 'demo.moved', { from: 'a', to: 'b' })
      // @ts-expect-error: `memo` is not an attribute of demo.moved
      demo.emit(s, 'demo.moved', { from: 'a', to: 'b', amount: '1', memo: 'm' })
      // @ts-expect-error: values are strings on the wire
      demo.emit(s, 'demo.moved', { from: 'a', to: 'b', amount: 1n })
      // @ts-expect-error: a context takes declared events only, not a hand-made one
      s.emit({ type: 'demo.moved', attributes: [] })
    }
    expect(typeof mistakes).toBe('function')
  })
})
