import { describe, expect, test } from '@jest/globals'
import { CommittedState } from '../../chain/store/committedState.js'
import { StateOverlay } from '../../chain/store/overlay.js'
import { GMT_CAP, tokenMethod } from './method.js'
import { gmtIssuedStore } from './stores/index.js'

const A = 'gat1a'
const B = 'gat1b'

const fresh = (): StateOverlay => new StateOverlay(CommittedState.empty())

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn()
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

describe('GMT in the token method', () => {
  test('mintGmt counts issuance against the 10,000,000 cap; a mint over it changes nothing', () => {
    const s = fresh()
    tokenMethod.mintGmt(s, A, GMT_CAP - 1n)
    expect(gmtIssuedStore.get(s)).toBe(GMT_CAP - 1n)
    const before = new Map(s.changes())
    expect(codeOf(() => tokenMethod.mintGmt(s, B, 2n))).toBe('TOKEN_GMT_CAP_EXCEEDED')
    expect(() => tokenMethod.mintGmt(s, B, 2n)).toThrow(/cap of 10000000 \(9999999 issued, 1 left\)/)
    expect(new Map(s.changes())).toEqual(before)
    expect(tokenMethod.getAccount(s, B)).toBeUndefined()
    tokenMethod.mintGmt(s, B, 1n)
    expect(gmtIssuedStore.get(s)).toBe(GMT_CAP)
    expect(tokenMethod.getGmt(s, B)).toEqual({ total: 1n, bound: 0n })
    expect(codeOf(() => tokenMethod.mintGmt(s, B, 1n))).toBe('TOKEN_GMT_CAP_EXCEEDED')
  })

  test('bindGmt binds one free GMT per node and refuses when none is free', () => {
    const s = fresh()
    expect(codeOf(() => tokenMethod.bindGmt(s, A))).toBe('TOKEN_NO_FREE_GMT')
    tokenMethod.mintGmt(s, A, 2n)
    tokenMethod.bindGmt(s, A)
    tokenMethod.bindGmt(s, A)
    expect(tokenMethod.getGmt(s, A)).toEqual({ total: 2n, bound: 2n })
    expect(() => tokenMethod.bindGmt(s, A)).toThrow(/holds 2 GMT, all bound to nodes/)
  })

  test('moveBoundGmt moves one bound GMT (total and bound) and nothing else', () => {
    const s = fresh()
    tokenMethod.mintGmt(s, A, 3n)
    tokenMethod.bindGmt(s, A)
    tokenMethod.moveBoundGmt(s, A, B)
    expect(tokenMethod.getGmt(s, A)).toEqual({ total: 2n, bound: 0n })
    expect(tokenMethod.getGmt(s, B)).toEqual({ total: 1n, bound: 1n })
    expect(gmtIssuedStore.get(s)).toBe(3n)
    expect(tokenMethod.getBalance(s, B)).toBe(0n)
    expect(() => tokenMethod.moveBoundGmt(s, A, B)).toThrow(/no bound GMT/)
  })

  test('ugat credit and debit never touch GMT', () => {
    const s = fresh()
    tokenMethod.mintGmt(s, A, 1n)
    tokenMethod.credit(s, A, 500n)
    tokenMethod.debit(s, A, 200n)
    expect(tokenMethod.getGmt(s, A)).toEqual({ total: 1n, bound: 0n })
    expect(tokenMethod.getBalance(s, A)).toBe(300n)
    expect(codeOf(() => tokenMethod.debit(s, A, 301n))).toBe('TOKEN_INSUFFICIENT_BALANCE')
  })
})
