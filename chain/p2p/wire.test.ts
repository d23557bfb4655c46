import { describe, expect, test } from '@jest/globals'
import {
  decodeBlocksByRange,
  decodeGroupBlocksByRange,
  decodeResponseChunk,
  decodeStatus,
  directTopic,
  encodeBlocksByRange,
  encodeErrorChunk,
  encodeFrame,
  encodeGroupBlocksByRange,
  encodeStatus,
  errorCodeOfResponse,
  FrameDecoder,
  gossipTopic,
  groupTopic,
  isGroupId,
  isVoteInboxTopic,
  protocolIds,
  ResponseCode,
  sameChain,
  voteInboxTopic,
} from './wire.js'

const status = {
  chainId: 'gather-1',
  genesisHash: 'aa'.repeat(32),
  headHeight: 12,
  headHash: 'bb'.repeat(32),
  finalHeight: 10,
}

describe('names', () => {
  test('topics and protocols carry the chain id', () => {
    expect(gossipTopic('gather-1', 'tx')).toBe('/gather/gather-1/tx/1')
    expect(gossipTopic('gather-1', 'block')).toBe('/gather/gather-1/block/1')
    expect(gossipTopic('gather-1', 'vote')).toBe('/gather/gather-1/vote/2')
    expect(directTopic('gather-1', 'tx')).toBe('/gather/gather-1/tx/direct/1')
    expect(directTopic('gather-1', 'vote')).toBe('/gather/gather-1/vote/direct/2')
    const peer = '12D3KooWGRUVh6wJ1hWxAqpWXx6ELM43D6wuWmMq5hS8mQRMVk7v'
    expect(voteInboxTopic('gather-1', peer)).toBe(`/gather/gather-1/vote/to/${peer}/2`)
    expect(isVoteInboxTopic('gather-1', voteInboxTopic('gather-1', peer))).toBe(true)
    for (const other of [
      voteInboxTopic('gather-2', peer), // another chain's
      `/gather/gather-1/vote/to/${peer}/1`, // another version
      '/gather/gather-1/vote/to//2',
      '/gather/gather-1/vote/to/not a peer id at all, far too long and with spaces/2',
      `/gather/gather-1/vote/to/${peer}0OIl/2`, // not base58
      gossipTopic('gather-1', 'vote'),
    ])
      expect(isVoteInboxTopic('gather-1', other)).toBe(false)
    expect(groupTopic('gather-1', 7)).toBe('/gather/gather-1/group/7/1')
    expect(groupTopic('gather-1', 0)).toBe('/gather/gather-1/group/0/1')
    expect(protocolIds('gather-1')).toEqual({
      status: '/gather/gather-1/req/status/1',
      blocksByRange: '/gather/gather-1/req/blocks-by-range/1',
      groupBlocksByRange: '/gather/gather-1/req/group-blocks/1',
    })
  })

  test.each([
    [0, true],
    [7, true],
    [Number.MAX_SAFE_INTEGER, true],
    [-1, false],
    [1.5, false],
    [2 ** 53, false],
    [Number.NaN, false],
  ])('group id %d is valid: %s', (n, ok) => {
    expect(isGroupId(n)).toBe(ok)
  })
})

describe('frames', () => {
  test.each([0, 1, 127, 128, 300, 16_384, 70_000])('a frame of %i bytes round-trips, byte by byte', (n) => {
    const payload = Uint8Array.from({ length: n }, (_, i) => i % 251)
    const wire = encodeFrame(payload)
    const decoder = new FrameDecoder(100_000)
    const frames: Uint8Array[] = []
    for (const byte of wire) frames.push(...decoder.push(Uint8Array.of(byte)))
    expect(frames).toHaveLength(1)
    expect(frames[0]).toEqual(payload)
    expect(decoder.isEmpty).toBe(true)
    expect(() => decoder.end()).not.toThrow()
  })

  test('several frames in one chunk come out in order', () => {
    const wire = Uint8Array.from([...encodeFrame(Uint8Array.of(1)), ...encodeFrame(Uint8Array.of(2, 3))])
    expect(new FrameDecoder(10).push(wire)).toEqual([Uint8Array.of(1), Uint8Array.of(2, 3)])
  })

  const bad: [string, number[], string][] = [
    ['oversized length', [0x81, 0x01], 'frame of 129 bytes exceeds the limit of 100'],
    ['prefix too long', [0xff, 0xff, 0xff, 0xff, 0x7f], 'length prefix too long'],
    ['non-minimal prefix', [0x80, 0x00], 'non-minimal length prefix'],
  ]
  test.each(bad)('%s is refused before buffering the body', (_name, bytes, message) => {
    expect(() => new FrameDecoder(100).push(Uint8Array.from(bytes))).toThrow(message)
  })

  test('a stream ending inside a frame is an error', () => {
    const decoder = new FrameDecoder(100)
    expect(decoder.push(Uint8Array.of(5, 1, 2))).toEqual([])
    expect(() => decoder.end()).toThrow('stream ended inside a frame (3 bytes left over)')
  })
})

describe('response chunks', () => {
  test('ok and error chunks', () => {
    expect(decodeResponseChunk(Uint8Array.of(0, 7, 8))).toEqual({ code: 0, body: Uint8Array.of(7, 8) })
    const err = decodeResponseChunk(encodeErrorChunk(ResponseCode.RATE_LIMITED, 'slow down'))
    expect(err.code).toBe(3)
    expect(new TextDecoder().decode(err.body)).toBe('slow down')
    expect(() => decodeResponseChunk(new Uint8Array(0))).toThrow('empty response chunk')
  })

  test.each([
    [ResponseCode.INVALID_REQUEST, 'P2P_INVALID_REQUEST'],
    [ResponseCode.SERVER_ERROR, 'P2P_SERVER_ERROR'],
    [ResponseCode.RATE_LIMITED, 'P2P_RATE_LIMITED'],
    [ResponseCode.WRONG_CHAIN, 'P2P_WRONG_CHAIN'],
    [99, 'P2P_BAD_RESPONSE'],
  ])('response code %i maps to %s', (code, name) => {
    expect(errorCodeOfResponse(code)).toBe(name)
  })
})

describe('status', () => {
  test('round-trips and compares chains', () => {
    expect(decodeStatus(encodeStatus(status))).toEqual(status)
    expect(sameChain(status, { ...status, headHeight: 99, finalHeight: 50 })).toEqual({ ok: true })
    expect(sameChain(status, { ...status, chainId: 'other' })).toEqual({
      ok: false,
      reason: 'chain id other, expected gather-1',
    })
    expect(sameChain(status, { ...status, genesisHash: 'cc'.repeat(32) }).ok).toBe(false)
  })

  const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
  const bad: [string, Uint8Array, string][] = [
    ['not JSON', new TextEncoder().encode('{{'), 'status is not JSON'],
    ['not UTF-8', Uint8Array.of(0xff, 0xfe), 'status is not JSON'],
    ['an array', enc([1]), 'bad status: chainId'],
    ['null', enc(null), 'bad status: not an object'],
    ['no chain id', enc({ ...status, chainId: '' }), 'chainId must be a string'],
    ['short genesis', enc({ ...status, genesisHash: 'aa' }), 'genesisHash must be 32-byte hex'],
    ['upper-case hash', enc({ ...status, headHash: 'BB'.repeat(32) }), 'headHash must be 32-byte hex'],
    ['negative height', enc({ ...status, headHeight: -1 }), 'headHeight must be a non-negative integer'],
    ['fractional height', enc({ ...status, finalHeight: 1.5 }), 'finalHeight must be a non-negative integer'],
    ['final above head', enc({ ...status, finalHeight: 13 }), 'finalHeight is above headHeight'],
    ['too large', new Uint8Array(2000), 'status of 2000 bytes is too large'],
  ]
  test.each(bad)('%s is refused', (_name, bytes, message) => {
    expect(() => decodeStatus(bytes)).toThrow(message)
  })
})

describe('blocks-by-range request', () => {
  test('round-trips', () => {
    expect(decodeBlocksByRange(encodeBlocksByRange(123_456_789_012, 64), 64)).toEqual({
      from: 123_456_789_012,
      count: 64,
    })
  })

  const range = (from: bigint, count: number): Uint8Array => {
    const b = new Uint8Array(12)
    new DataView(b.buffer).setBigUint64(0, from)
    new DataView(b.buffer).setUint32(8, count)
    return b
  }
  const bad: [string, Uint8Array, string][] = [
    ['short', new Uint8Array(11), '11 bytes, expected 12'],
    ['long', new Uint8Array(13), '13 bytes, expected 12'],
    ['count 0', range(1n, 0), 'count 0 is not in 1..64'],
    ['count above max', range(1n, 65), 'count 65 is not in 1..64'],
    ['height beyond 2^53', range(2n ** 60n, 1), 'from height is too large'],
  ]
  test.each(bad)('%s is refused', (_name, bytes, message) => {
    expect(() => decodeBlocksByRange(bytes, 64)).toThrow(message)
  })
})

describe('group-blocks request', () => {
  test('round-trips, also through a frame fed byte by byte', () => {
    const max = Number.MAX_SAFE_INTEGER
    expect(decodeGroupBlocksByRange(encodeGroupBlocksByRange(7, 1, 1), 64)).toEqual({
      groupId: 7,
      from: 1,
      count: 1,
    })
    expect(decodeGroupBlocksByRange(encodeGroupBlocksByRange(max, max, 64), 64)).toEqual({
      groupId: max,
      from: max,
      count: 64,
    })
    const wire = encodeFrame(encodeGroupBlocksByRange(0, 123_456_789_012, 3))
    expect(wire).toHaveLength(21)
    const decoder = new FrameDecoder(1024)
    const frames: Uint8Array[] = []
    for (const byte of wire) frames.push(...decoder.push(Uint8Array.of(byte)))
    expect(frames).toHaveLength(1)
    expect(decodeGroupBlocksByRange(frames[0]!, 64)).toEqual({ groupId: 0, from: 123_456_789_012, count: 3 })
  })

  test('a frame cut short is an error at the end of the stream', () => {
    const wire = encodeFrame(encodeGroupBlocksByRange(7, 1, 8))
    const decoder = new FrameDecoder(1024)
    expect(decoder.push(wire.subarray(0, 15))).toEqual([])
    expect(() => decoder.end()).toThrow('stream ended inside a frame (15 bytes left over)')
  })

  const request = (groupId: bigint, from: bigint, count: number, length = 20): Uint8Array => {
    const b = new Uint8Array(Math.max(length, 20))
    const view = new DataView(b.buffer)
    view.setBigUint64(0, groupId)
    view.setBigUint64(8, from)
    view.setUint32(16, count)
    return b.subarray(0, length)
  }
  const bad: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(0), '0 bytes, expected 20'],
    ['truncated', request(7n, 1n, 1, 19), '19 bytes, expected 20'],
    ['a blocks-by-range body', new Uint8Array(12), '12 bytes, expected 20'],
    ['oversized', Uint8Array.from([...request(7n, 1n, 1), 0]), '21 bytes, expected 20'],
    ['from 0', request(7n, 0n, 1), 'from height must be at least 1'],
    ['count 0', request(7n, 1n, 0), 'count 0 is not in 1..64'],
    ['count above max', request(7n, 1n, 65), 'count 65 is not in 1..64'],
    ['group id beyond 2^53', request(2n ** 60n, 1n, 1), 'group id is too large'],
    ['height beyond 2^53', request(7n, 2n ** 60n, 1), 'from height is too large'],
  ]
  test.each(bad)('%s is refused', (_name, bytes, message) => {
    expect(() => decodeGroupBlocksByRange(bytes, 64)).toThrow(message)
    expect(() => decodeGroupBlocksByRange(bytes, 64)).toThrow(
      expect.objectContaining({ code: 'P2P_INVALID_REQUEST' }),
    )
  })
})
