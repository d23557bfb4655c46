import { describe, expect, test } from '@jest/globals'
import { CommittedState } from './committedState.js'
import { StateOverlay } from './overlay.js'

const utf8 = new TextEncoder()
const text = new TextDecoder()
const v = (s: string): Uint8Array => utf8.encode(s)

/** The value under `key` as a string, or undefined. */
function read(o: StateOverlay, key: string): string | undefined {
  const b = o.get(key)
  return b === undefined ? undefined : text.decode(b)
}

/** The net changes as a plain object: value strings, null for deletions. */
function changesOf(o: StateOverlay): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const [k, b] of o.changes()) out[k] = b === null ? null : text.decode(b)
  return out
}

function baseState(): CommittedState {
  return CommittedState.fromEntries([
    ['a/1', v('base-a1')],
    ['a/2', v('base-a2')],
    ['b/1', v('base-b1')],
  ])
}

describe('StateOverlay', () => {
  test('reads fall through to the base until a key is written', () => {
    const o = new StateOverlay(baseState())
    expect(read(o, 'a/1')).toBe('base-a1')
    expect(read(o, 'missing')).toBeUndefined()
    o.set('a/1', v('new'))
    expect(read(o, 'a/1')).toBe('new')
    expect(o.size).toBe(1)
  })

  test('nested snapshots restore back to each point, innermost first', () => {
    const o = new StateOverlay(baseState())
    o.set('a/1', v('x1'))
    const s1 = o.snapshot()
    o.set('a/1', v('x2'))
    o.set('c/1', v('c1'))
    const s2 = o.snapshot()
    o.set('a/1', v('x3'))
    o.delete('a/2')
    o.set('c/2', v('c2'))
    const s3 = o.snapshot()
    o.set('c/3', v('c3'))

    o.restore(s3)
    expect(changesOf(o)).toEqual({ 'a/1': 'x3', 'a/2': null, 'c/1': 'c1', 'c/2': 'c2' })

    o.restore(s2)
    expect(changesOf(o)).toEqual({ 'a/1': 'x2', 'c/1': 'c1' })
    expect(read(o, 'a/2')).toBe('base-a2')
    expect(read(o, 'c/2')).toBeUndefined()

    o.restore(s1)
    // The write made before the first snapshot survives; the base value does not come back.
    expect(changesOf(o)).toEqual({ 'a/1': 'x1' })
    expect(read(o, 'a/1')).toBe('x1')
    expect(read(o, 'c/1')).toBeUndefined()

    o.restore(0)
    expect(changesOf(o)).toEqual({})
    expect(read(o, 'a/1')).toBe('base-a1')
  })

  test('restoring the same snapshot twice is a no-op the second time, and writes can resume after it', () => {
    const o = new StateOverlay(baseState())
    const s = o.snapshot()
    o.set('a/1', v('x'))
    o.restore(s)
    o.restore(s)
    expect(changesOf(o)).toEqual({})
    o.set('a/1', v('y'))
    expect(changesOf(o)).toEqual({ 'a/1': 'y' })
  })

  test('a snapshot that no longer exists is refused', () => {
    const o = new StateOverlay(baseState())
    o.set('a/1', v('x'))
    const s = o.snapshot()
    o.set('a/2', v('y'))
    o.restore(0)
    expect(() => o.restore(s)).toThrow(RangeError)
    expect(() => o.restore(-1)).toThrow(RangeError)
    expect(changesOf(o)).toEqual({})
  })

  test('delete hides a base key and restore brings it back', () => {
    const base = baseState()
    const o = new StateOverlay(base)
    const s = o.snapshot()
    o.delete('a/1')
    expect(read(o, 'a/1')).toBeUndefined()
    expect(o.keys('a/')).toEqual(['a/2'])
    expect(changesOf(o)).toEqual({ 'a/1': null })
    o.restore(s)
    expect(read(o, 'a/1')).toBe('base-a1')
    expect(o.keys('a/')).toEqual(['a/1', 'a/2'])
    expect(changesOf(o)).toEqual({})
    // The base is never touched.
    expect(text.decode(base.get('a/1')!)).toBe('base-a1')
  })

  test('set after delete, and delete after set, keep the last write', () => {
    const o = new StateOverlay(baseState())
    o.delete('a/1')
    o.set('a/1', v('again'))
    o.set('c/1', v('temp'))
    o.delete('c/1')
    expect(read(o, 'a/1')).toBe('again')
    expect(read(o, 'c/1')).toBeUndefined()
    // Deleting a key the base never had is still reported (the committer skips it).
    expect(changesOf(o)).toEqual({ 'a/1': 'again', 'c/1': null })
  })

  test('keys(prefix) merges base and writes, sorted, without deleted keys or other prefixes', () => {
    const o = new StateOverlay(baseState())
    o.set('a/3', v('a3'))
    o.set('a/0', v('a0'))
    o.delete('a/2')
    o.set('b/2', v('b2'))
    o.set('ab', v('not under a/'))
    expect(o.keys('a/')).toEqual(['a/0', 'a/1', 'a/3'])
    expect(o.keys('b/')).toEqual(['b/1', 'b/2'])
    expect(o.keys('a')).toEqual(['a/0', 'a/1', 'a/3', 'ab'])
    expect(o.keys('z/')).toEqual([])
    expect(o.keys('')).toEqual(['a/0', 'a/1', 'a/3', 'ab', 'b/1', 'b/2'])
  })

  test('changes() is the net effect against the base, and leaves nothing after a full restore', () => {
    const o = new StateOverlay(baseState())
    o.set('a/1', v('first'))
    o.set('a/1', v('second'))
    o.delete('b/1')
    o.set('c/1', v('c1'))
    expect(changesOf(o)).toEqual({ 'a/1': 'second', 'b/1': null, 'c/1': 'c1' })
    expect(o.size).toBe(3)
    o.restore(0)
    expect(o.changes().size).toBe(0)
    expect(o.size).toBe(0)
  })

  test('an overlay over an overlay sees the lower one and writes only to itself', () => {
    const lower = new StateOverlay(baseState())
    lower.set('a/1', v('lower'))
    lower.delete('b/1')
    const upper = new StateOverlay(lower)
    expect(read(upper, 'a/1')).toBe('lower')
    expect(read(upper, 'b/1')).toBeUndefined()
    upper.set('a/1', v('upper'))
    expect(read(lower, 'a/1')).toBe('lower')
    expect(upper.keys('')).toEqual(['a/1', 'a/2'])
    expect(changesOf(upper)).toEqual({ 'a/1': 'upper' })
  })
})

describe('CommittedState.keys', () => {
  test('scans by store and stays exact as keys are added and deleted', async () => {
    const { CommittedState } = await import('./committedState.js')
    const v = new Uint8Array([1])
    const state = CommittedState.fromEntries([
      ['a/x/1', v],
      ['a/x/2', v],
      ['a/y/1', v],
      ['a/xx/1', v],
      ['b/x/1', v],
      ['top', v],
    ])
    expect(state.keys('a/x/')).toEqual(['a/x/1', 'a/x/2'])
    expect(state.keys('a/x')).toEqual(['a/x/1', 'a/x/2', 'a/xx/1'])
    expect(state.keys('a/')).toEqual(['a/x/1', 'a/x/2', 'a/xx/1', 'a/y/1'])
    expect(state.keys('')).toHaveLength(6)
    const changes = new Map<string, Uint8Array | null>([
      ['a/x/3', v],
      ['a/x/1', null],
      ['a/x/9/deep', v],
      ['b/x/1', null],
    ])
    state.apply(changes, state.treeWith(changes))
    expect(state.keys('a/x/')).toEqual(['a/x/2', 'a/x/3', 'a/x/9/deep'])
    expect(state.keys('a/x/9/')).toEqual(['a/x/9/deep'])
    expect(state.keys('b/')).toEqual([])
    expect(state.keys('b/x/')).toEqual([])
  })
})
