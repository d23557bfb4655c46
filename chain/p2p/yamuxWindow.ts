import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { P2pError, P2pErrorCode } from './errors.js'

/**
 * Yamux window updates at half a window (docs/adr/019-yamux-window-updates.md).
 *
 * @chainsafe/libp2p-yamux 8.0 answers every data frame it receives with a window-update frame,
 * so each small gossip message (a vote, an IHAVE) costs its receiver a second frame back: a
 * yamux header encrypted by noise, two socket writes, and a decrypt and decode at the sender.
 * On an idle 21-validator testnet that was half of every node's outgoing frames. The yamux
 * specification leaves the moment of the update to the receiver, and the Go and Rust
 * implementations (hashicorp/yamux, go-yamux) send it once at least half of the receive window
 * has been consumed. This does the same on an established stream: the update is skipped while
 * less than half the window is used, and everything else (the SYN and ACK flags of a stream's
 * first frames, a paused stream, the window growth) is the library's own code.
 *
 * The sender can always send the other half of its window meanwhile, so a stream never waits
 * for an update that is not coming; the update it does get restores the full window.
 */
export function installYamuxWindowUpdates(): void {
  const proto = YamuxStream.prototype as unknown as YamuxStreamInternals
  if (proto[PATCHED] === true) return
  if (typeof proto.sendWindowUpdate !== 'function' || StreamState.Established !== 3) {
    throw new P2pError(
      P2pErrorCode.P2P_NOT_STARTED,
      'this @chainsafe/libp2p-yamux lacks YamuxStream.sendWindowUpdate or StreamState.Established (needs 8.0)',
    )
  }
  const original = proto.sendWindowUpdate
  proto.sendWindowUpdate = function sendWindowUpdate(this: YamuxStreamInternals): void {
    if (
      this.state === StreamState.Established &&
      this.recvWindow - this.recvWindowCapacity < this.recvWindow / 2
    ) {
      return
    }
    original.call(this)
  }
  proto[PATCHED] = true
}

const PATCHED = Symbol.for('gather.yamuxWindowUpdates')

/** The members of @chainsafe/libp2p-yamux 8.0's stream that the window rule reads. */
interface YamuxStreamInternals {
  state: StreamState
  /** bytes the remote may send in a full window */
  recvWindow: number
  /** bytes the remote may still send before it needs an update */
  recvWindowCapacity: number
  sendWindowUpdate(): void
  [PATCHED]?: boolean
}
