import { describe, expect, test } from '@jest/globals'
import { generateNodeKey } from '../chain/crypto/ed25519.js'
import { signVote, VotePool } from './finality.js'

describe('VotePool.has', () => {
  test('knows a counted vote by validator, height, block and signature, and nothing else', () => {
    const pool = new VotePool()
    const key = generateNodeKey()
    const other = generateNodeKey()
    const block = new Uint8Array(32).fill(7)
    const vote = signVote('gather-test', 5, block, key)
    expect(pool.has(vote)).toBe(false)
    expect(pool.add(vote)).toBe(true)
    // a copy (what a relayed duplicate decodes to)
    expect(pool.has({ ...vote, signature: Uint8Array.from(vote.signature) })).toBe(true)
    // the same vote with another signature, another validator, height or block
    const badSig = Uint8Array.from(vote.signature)
    badSig[0] = badSig[0]! ^ 1
    expect(pool.has({ ...vote, signature: badSig })).toBe(false)
    expect(pool.has(signVote('gather-test', 5, block, other))).toBe(false)
    expect(pool.has(signVote('gather-test', 6, block, key))).toBe(false)
    expect(pool.has(signVote('gather-test', 5, new Uint8Array(32).fill(8), key))).toBe(false)
  })
})
