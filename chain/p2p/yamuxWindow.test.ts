import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { beforeAll, describe, expect, test } from '@jest/globals'
import { Uint8ArrayList } from 'uint8arraylist'
import { installYamuxWindowUpdates } from './yamuxWindow.js'

// yamux wire constants (the specification's frame types and flags)
const DATA = 0
const WINDOW_UPDATE = 1
const ACK = 2
const WINDOW = 256 * 1024 // yamux's initial stream window

interface Frame {
  header: { type: number; flag: number; streamID: number; length: number }
  data?: Uint8ArrayList
}

interface Internals {
  recvWindow: number
  recvWindowCapacity: number
  state: StreamState
  handleData(frame: Frame): void
  sendPause(): void
  sendResume(): void
}

const log = Object.assign(() => undefined, { trace: () => undefined, error: () => undefined, enabled: false })

/** A stream as the muxer makes it, its outgoing frames recorded. */
function stream(state: StreamState): { s: Internals; sent: Frame['header'][] } {
  const sent: Frame['header'][] = []
  const s = new YamuxStream({
    id: '1',
    streamId: 1,
    state,
    direction: 'inbound',
    log,
    getRTT: () => -1,
    sendFrame: (header: Frame['header']) => {
      sent.push(header)
    },
    // biome-ignore lint/suspicious/noExplicitAny: the muxer's init, of which the stream reads these
  } as any) as unknown as Internals
  return { s, sent }
}

const data = (n: number): Frame => ({
  header: { type: DATA, flag: 0, streamID: 1, length: n },
  data: new Uint8ArrayList(new Uint8Array(n)),
})

describe('yamux window updates at half a window (docs/adr/019)', () => {
  beforeAll(() => installYamuxWindowUpdates())

  test('installing twice wraps once', () => {
    installYamuxWindowUpdates()
    const { s, sent } = stream(StreamState.Established)
    for (let i = 0; i < 10; i++) s.handleData(data(100))
    expect(sent).toEqual([])
  })

  test('an established stream sends no update until half the window is consumed, then one for all of it', () => {
    const { s, sent } = stream(StreamState.Established)
    const frame = 1_000
    const below = Math.ceil(WINDOW / 2 / frame) - 1 // frames that leave less than half consumed
    for (let i = 0; i < below; i++) s.handleData(data(frame))
    expect(sent).toEqual([])
    expect(s.recvWindowCapacity).toBe(WINDOW - below * frame)
    s.handleData(data(frame))
    expect(sent).toEqual([{ type: WINDOW_UPDATE, flag: 0, streamID: 1, length: (below + 1) * frame }])
    expect(s.recvWindowCapacity).toBe(WINDOW)
  })

  test("a stream's first frames still carry their flags: the ACK goes out with the first data", () => {
    const { s, sent } = stream(StreamState.SYNReceived)
    s.handleData(data(10))
    expect(sent).toEqual([{ type: WINDOW_UPDATE, flag: ACK, streamID: 1, length: 10 }])
    expect(s.state).toBe(StreamState.Established)
  })

  test('a paused stream sends no update; resuming sends the one owed', () => {
    const { s, sent } = stream(StreamState.Established)
    s.sendPause()
    s.handleData(data(WINDOW - 1))
    expect(sent).toEqual([])
    s.sendResume()
    expect(sent).toEqual([{ type: WINDOW_UPDATE, flag: 0, streamID: 1, length: WINDOW - 1 }])
  })

  test('a sender never stalls: 8 MiB in frames of every size reaches the receiver, about one update per half window', () => {
    const seed = 17
    let x = seed
    const rand = (): number => {
      x = (x * 1103515245 + 12345) % 2 ** 31
      return x / 2 ** 31
    }
    const { s, sent } = stream(StreamState.Established)
    let sendWindow = WINDOW
    let delivered = 0
    const total = 8 * 1024 * 1024
    while (delivered < total) {
      // the sender sends what its window allows, in frames of 1 byte .. 64 KiB
      const n = Math.min(sendWindow, total - delivered, 1 + Math.floor(rand() * 65_536))
      if (n === 0) throw new Error(`seed ${seed}: the sender stalled after ${delivered} bytes with no window`)
      sendWindow -= n
      s.handleData(data(n))
      delivered += n
      // each update the receiver sends gives the sender its window back
      for (const u of sent.splice(0)) {
        expect(u.type).toBe(WINDOW_UPDATE)
        sendWindow += u.length
      }
      expect(sendWindow).toBe(s.recvWindowCapacity)
      expect(sendWindow).toBeGreaterThan(WINDOW / 2 - 65_536)
    }
    expect(delivered).toBe(total)
  })
})
