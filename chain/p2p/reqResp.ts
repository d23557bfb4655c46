import type { Connection, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import { P2pError, P2pErrorCode } from './errors.js'
import type { PeerManager } from './peers.js'
import type { RateLimiter } from './rateLimiter.js'
import type { P2pRuntime } from './runtime.js'
import type { Status } from './types.js'
import {
  decodeBlocksByRange,
  decodeGroupBlocksByRange,
  decodeResponseChunk,
  decodeStatus,
  encodeBlocksByRange,
  encodeErrorChunk,
  encodeFrame,
  encodeGroupBlocksByRange,
  encodeResponseChunk,
  encodeStatus,
  errorCodeOfResponse,
  FrameDecoder,
  isGroupId,
  protocolIds,
  ResponseCode,
  type ResponseCodeValue,
  sameChain,
} from './wire.js'

/** Largest request frame: a status (≤ 1 KiB of JSON), a 12-byte range or a 20-byte group range. */
const MAX_REQUEST_BYTES = 1024

/** The request/response protocols, by the key of their id in {@link protocolIds}. */
type Protocol = 'status' | 'blocksByRange' | 'groupBlocksByRange'

/**
 * The request/response protocols of a P2pNetwork, both sides: `status` (exchanged on every
 * connection; a peer of another chain is banned), `blocks-by-range` and `group-blocks` (a group
 * chain's blocks by range), with per-peer rate limits, timeouts and a penalty for every
 * malformed frame.
 */
export class ReqResp {
  private readonly protocols: Record<Protocol, string>

  constructor(
    private readonly rt: P2pRuntime,
    private readonly peers: PeerManager,
    private readonly limiters: Record<Protocol, RateLimiter>,
  ) {
    this.protocols = protocolIds(rt.opts.chainId)
  }

  /** Serves the protocols on `node` (before it starts). */
  async handle(node: Libp2p): Promise<void> {
    await node.handle(
      this.protocols.status,
      (stream, conn) => this.rt.track(this.serveStatus(stream, conn)),
      {
        maxInboundStreams: 4,
      },
    )
    await node.handle(
      this.protocols.blocksByRange,
      (stream, conn) => this.rt.track(this.serveBlocksByRange(stream, conn)),
      { maxInboundStreams: 8 },
    )
    await node.handle(
      this.protocols.groupBlocksByRange,
      (stream, conn) => this.rt.track(this.serveGroupBlocksByRange(stream, conn)),
      { maxInboundStreams: 8 },
    )
  }

  /** Forgets the rate-limit buckets of peers idle long enough (the maintenance tick). */
  prune(): void {
    this.limiters.status.prune()
    this.limiters.blocksByRange.prune()
    this.limiters.groupBlocksByRange.prune()
  }

  /**
   * Asks a connected peer for its status (sending ours). A peer of another chain is banned and
   * disconnected, and the call fails with `P2P_WRONG_CHAIN`.
   */
  async requestStatus(peerId: string): Promise<Status> {
    const ours = await this.rt.deps.getStatus()
    let chunks: Uint8Array[]
    try {
      chunks = await this.request(peerId, 'status', encodeStatus(ours), 1, MAX_REQUEST_BYTES)
    } catch (e) {
      // the peer found our chain different: it is not one of ours either
      if (e instanceof P2pError && e.code === P2pErrorCode.P2P_WRONG_CHAIN) {
        this.peers.banPeer(peerId, `wrong chain: ${e.message}`)
      }
      throw e
    }
    const [body, ...rest] = chunks
    if (body === undefined || rest.length > 0) {
      throw this.badResponse(peerId, 'status', 'expected exactly one status chunk')
    }
    let theirs: Status
    try {
      theirs = decodeStatus(body)
    } catch (e) {
      throw this.badResponse(peerId, 'status', (e as Error).message)
    }
    const same = sameChain(ours, theirs)
    if (!same.ok) {
      this.peers.banPeer(peerId, `wrong chain: ${same.reason}`)
      throw new P2pError(P2pErrorCode.P2P_WRONG_CHAIN, `peer ${peerId} is on another chain: ${same.reason}`)
    }
    this.peers.recordStatus(peerId, theirs)
    return theirs
  }

  /**
   * Asks a connected peer for blocks `from .. from+count-1` (`1 ≤ count ≤ maxBlocksPerRequest`).
   * Returns the encoded blocks it sent (possibly fewer than asked, never more).
   */
  async requestBlocks(peerId: string, from: number, count: number): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(from) || from < 0) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `from height must be a non-negative integer, got ${from}`,
      )
    }
    this.checkCount(count)
    return this.request(
      peerId,
      'blocksByRange',
      encodeBlocksByRange(from, count),
      count,
      this.rt.opts.maxBlockBytes,
    )
  }

  /**
   * Asks a connected peer for blocks `from .. from+count-1` of group chain `groupId` (`from ≥ 1`,
   * `1 ≤ count ≤ maxBlocksPerRequest`). Returns the encoded group blocks it sent (possibly fewer
   * than asked, never more).
   */
  async requestGroupBlocks(
    peerId: string,
    groupId: number,
    from: number,
    count: number,
  ): Promise<Uint8Array[]> {
    if (!isGroupId(groupId)) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `group id must be an integer in 0..2^53-1, got ${groupId}`,
      )
    }
    if (!Number.isSafeInteger(from) || from < 1) {
      throw new P2pError(
        P2pErrorCode.P2P_BAD_ARGUMENT,
        `from height must be a positive integer (group chains start at 1), got ${from}`,
      )
    }
    this.checkCount(count)
    return this.request(
      peerId,
      'groupBlocksByRange',
      encodeGroupBlocksByRange(groupId, from, count),
      count,
      this.rt.opts.maxBlockBytes,
    )
  }

  private checkCount(count: number): void {
    const max = this.rt.opts.maxBlocksPerRequest
    if (!Number.isSafeInteger(count) || count < 1 || count > max) {
      throw new P2pError(P2pErrorCode.P2P_BAD_ARGUMENT, `count must be an integer in 1..${max}, got ${count}`)
    }
  }

  // -- client ---------------------------------------------------------------------------------

  private async request(
    peerId: string,
    protocol: Protocol,
    payload: Uint8Array,
    maxChunks: number,
    maxChunkBytes: number,
  ): Promise<Uint8Array[]> {
    const node = this.rt.runningNode()
    if (this.peers.isBanned(peerId))
      throw new P2pError(P2pErrorCode.P2P_PEER_BANNED, `peer ${peerId} is banned`)
    const conn = node.getConnections().find((c) => c.remotePeer.toString() === peerId)
    if (conn === undefined)
      throw new P2pError(P2pErrorCode.P2P_NOT_CONNECTED, `peer ${peerId} is not connected`)
    const name = protocolLabel(protocol)
    const timeoutMs = this.rt.opts.requestTimeoutMs
    const signal = AbortSignal.timeout(timeoutMs)
    let stream: Stream | undefined
    try {
      stream = await node.dialProtocol(conn.remotePeer, this.protocols[protocol], { signal })
      const opened = stream
      signal.addEventListener('abort', () => opened.abort(new Error('request timed out')), { once: true })
      // start reading before sending: a fast answer then finds our listener already there
      const reading = readResponse(stream, peerId, name, maxChunks, maxChunkBytes)
      const sending = writeAll(stream, encodeFrame(payload), signal).then(() => opened.close({ signal }))
      const [chunks] = await Promise.all([reading, sending])
      this.rt.deps.metrics?.reqResp?.(name, 'outbound', 'ok')
      return chunks
    } catch (e) {
      stream?.abort(e as Error)
      const err = this.clientError(e, peerId, name, signal.aborted, timeoutMs)
      this.rt.deps.metrics?.reqResp?.(name, 'outbound', err.code)
      if (err.code === P2pErrorCode.P2P_BAD_RESPONSE) {
        this.peers.reportPeer(peerId, this.rt.opts.penalties.malformedFrame, `bad ${name} response`)
      }
      throw err
    }
  }

  private clientError(
    e: unknown,
    peerId: string,
    name: string,
    timedOut: boolean,
    timeoutMs: number,
  ): P2pError {
    if (timedOut) {
      return new P2pError(
        P2pErrorCode.P2P_TIMEOUT,
        `${name} request to ${peerId} timed out after ${timeoutMs} ms`,
      )
    }
    if (e instanceof P2pError) {
      if (e.code === P2pErrorCode.P2P_BAD_RESPONSE) {
        return new P2pError(e.code, `bad ${name} response from ${peerId}: ${e.message}`, { peer: peerId })
      }
      return e
    }
    return new P2pError(
      P2pErrorCode.P2P_STREAM_FAILED,
      `${name} request to ${peerId} failed: ${(e as Error).message}`,
    )
  }

  private badResponse(peerId: string, name: string, why: string): P2pError {
    this.peers.reportPeer(peerId, this.rt.opts.penalties.malformedFrame, `bad ${name} response`)
    return new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, `bad ${name} response from ${peerId}: ${why}`, {
      peer: peerId,
    })
  }

  // -- server ---------------------------------------------------------------------------------

  private async serveStatus(stream: Stream, conn: Connection): Promise<void> {
    const peerId = conn.remotePeer.toString()
    const request = await this.readRequest(stream, peerId, 'status')
    if (request === undefined) return
    let theirs: Status
    try {
      theirs = decodeStatus(request)
    } catch (e) {
      return this.refuseMalformed(stream, peerId, 'status', (e as Error).message)
    }
    if (!this.limiters.status.allow(peerId)) return this.refuseRateLimited(stream, peerId, 'status')
    let ours: Status
    try {
      ours = await this.rt.deps.getStatus()
    } catch (e) {
      return this.refuse(stream, peerId, 'status', ResponseCode.SERVER_ERROR, (e as Error).message)
    }
    const same = sameChain(ours, theirs)
    if (!same.ok) {
      await this.refuse(stream, peerId, 'status', ResponseCode.WRONG_CHAIN, same.reason)
      this.peers.banPeer(peerId, `wrong chain: ${same.reason}`)
      return
    }
    this.peers.recordStatus(peerId, theirs)
    await this.respond(stream, peerId, 'status', [encodeStatus(ours)])
  }

  private async serveBlocksByRange(stream: Stream, conn: Connection): Promise<void> {
    const peerId = conn.remotePeer.toString()
    const name = 'blocks_by_range'
    const request = await this.readRequest(stream, peerId, name)
    if (request === undefined) return
    let range: { from: number; count: number }
    try {
      range = decodeBlocksByRange(request, this.rt.opts.maxBlocksPerRequest)
    } catch (e) {
      return this.refuseMalformed(stream, peerId, name, (e as Error).message)
    }
    if (!this.limiters.blocksByRange.allow(peerId, range.count))
      return this.refuseRateLimited(stream, peerId, name)
    await this.serveBlocks(stream, peerId, name, range, 'getBlocksByRange', () =>
      this.rt.deps.getBlocksByRange(range.from, range.count),
    )
  }

  private async serveGroupBlocksByRange(stream: Stream, conn: Connection): Promise<void> {
    const peerId = conn.remotePeer.toString()
    const name = 'group_blocks_by_range'
    const request = await this.readRequest(stream, peerId, name)
    if (request === undefined) return
    let range: { groupId: number; from: number; count: number }
    try {
      range = decodeGroupBlocksByRange(request, this.rt.opts.maxBlocksPerRequest)
    } catch (e) {
      return this.refuseMalformed(stream, peerId, name, (e as Error).message)
    }
    if (!this.limiters.groupBlocksByRange.allow(peerId, range.count))
      return this.refuseRateLimited(stream, peerId, name)
    const getGroupBlocks = this.rt.deps.getGroupBlocks
    if (getGroupBlocks === undefined) {
      // as blocks-by-range says it cannot read blocks: an error, so that the client asks another
      // peer instead of taking an empty answer for "this group has no blocks here"
      return this.refuse(stream, peerId, name, ResponseCode.SERVER_ERROR, 'this node serves no group blocks')
    }
    await this.serveBlocks(stream, peerId, name, range, 'getGroupBlocks', () =>
      getGroupBlocks(range.groupId, range.from, range.count),
    )
  }

  /**
   * Reads the blocks of a range request through the node's callback (`what`, for the log) and
   * sends at most `count` of them; a server error if the callback throws or a block is larger
   * than `maxBlockBytes`.
   */
  private async serveBlocks(
    stream: Stream,
    peerId: string,
    name: string,
    range: { count: number } & Record<string, number>,
    what: string,
    read: () => Uint8Array[] | Promise<Uint8Array[]>,
  ): Promise<void> {
    let blocks: Uint8Array[]
    try {
      blocks = await read()
    } catch (e) {
      this.rt.log.error({ err: (e as Error).message, ...range }, `${what} failed`)
      return this.refuse(stream, peerId, name, ResponseCode.SERVER_ERROR, 'could not read blocks')
    }
    const limit = this.rt.opts.maxBlockBytes
    const served = blocks.slice(0, range.count)
    if (served.some((b) => b.length > limit)) {
      this.rt.log.error({ ...range, limit }, 'a block is larger than maxBlockBytes; not serving the range')
      return this.refuse(
        stream,
        peerId,
        name,
        ResponseCode.SERVER_ERROR,
        'block larger than the response limit',
      )
    }
    await this.respond(stream, peerId, name, served)
  }

  /** Reads the single request frame; on any fault answers, penalises and returns undefined. */
  private async readRequest(stream: Stream, peerId: string, name: string): Promise<Uint8Array | undefined> {
    if (this.peers.isBanned(peerId)) {
      stream.abort(new Error('banned'))
      return undefined
    }
    const readTimeoutMs = this.rt.opts.serverReadTimeoutMs
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      stream.abort(new Error(`no request within ${readTimeoutMs} ms`))
    }, readTimeoutMs)
    const decoder = new FrameDecoder(MAX_REQUEST_BYTES)
    try {
      for await (const data of stream) {
        const [frame, ...extra] = decoder.push(data.subarray())
        if (frame === undefined) continue
        if (extra.length > 0) {
          await this.refuseMalformed(stream, peerId, name, 'more than one request frame')
          return undefined
        }
        return frame
      }
      if (timedOut || stream.status !== 'open') {
        this.rt.deps.metrics?.reqResp?.(name, 'inbound', timedOut ? 'timeout' : 'stream_failed')
        return undefined
      }
      await this.refuseMalformed(
        stream,
        peerId,
        name,
        decoder.isEmpty ? 'stream closed before a request' : 'stream ended inside a frame',
      )
    } catch (e) {
      if (e instanceof P2pError) {
        await this.refuseMalformed(stream, peerId, name, e.message)
      } else {
        // a mute or vanished client: not worth a penalty (the stream slot limit bounds it)
        this.rt.deps.metrics?.reqResp?.(name, 'inbound', timedOut ? 'timeout' : 'stream_failed')
        stream.abort(e as Error)
      }
    } finally {
      clearTimeout(timer)
    }
    return undefined
  }

  private async refuseMalformed(stream: Stream, peerId: string, name: string, why: string): Promise<void> {
    await this.refuse(stream, peerId, name, ResponseCode.INVALID_REQUEST, why)
    this.peers.reportPeer(peerId, this.rt.opts.penalties.malformedFrame, `malformed ${name} request`)
  }

  private async refuseRateLimited(stream: Stream, peerId: string, name: string): Promise<void> {
    await this.refuse(stream, peerId, name, ResponseCode.RATE_LIMITED, 'rate limit exceeded, retry later')
    this.peers.reportPeer(peerId, this.rt.opts.penalties.rateLimited, `${name} rate limit`)
  }

  private async refuse(
    stream: Stream,
    peerId: string,
    name: string,
    code: ResponseCodeValue,
    why: string,
  ): Promise<void> {
    this.rt.log.debug({ peer: peerId, protocol: name, code, why }, 'request refused')
    this.rt.deps.metrics?.reqResp?.(name, 'inbound', errorCodeOfResponse(code))
    await this.sendChunks(stream, [encodeFrame(encodeErrorChunk(code, why))])
  }

  private async respond(stream: Stream, peerId: string, name: string, bodies: Uint8Array[]): Promise<void> {
    const ok = await this.sendChunks(
      stream,
      bodies.map((b) => encodeFrame(encodeResponseChunk(ResponseCode.OK, b))),
    )
    this.rt.deps.metrics?.reqResp?.(name, 'inbound', ok ? 'ok' : 'stream_failed')
    if (!ok) this.rt.log.debug({ peer: peerId, protocol: name }, 'could not send the response')
  }

  /** Writes frames and closes our end; false if the stream failed (the peer left, a timeout). */
  private async sendChunks(stream: Stream, frames: Uint8Array[]): Promise<boolean> {
    const signal = AbortSignal.timeout(this.rt.opts.requestTimeoutMs)
    try {
      for (const frame of frames) await writeAll(stream, frame, signal)
      await stream.close({ signal })
      return true
    } catch (e) {
      stream.abort(e as Error)
      return false
    }
  }
}

/** The protocol's name in metrics and messages. */
function protocolLabel(protocol: Protocol): string {
  if (protocol === 'status') return 'status'
  return protocol === 'blocksByRange' ? 'blocks_by_range' : 'group_blocks_by_range'
}

async function writeAll(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal })
}

/** Reads response chunks until the peer closes its end; throws on an error chunk or a bad frame. */
async function readResponse(
  stream: Stream,
  peerId: string,
  name: string,
  maxChunks: number,
  maxChunkBytes: number,
): Promise<Uint8Array[]> {
  const decoder = new FrameDecoder(maxChunkBytes + 1)
  const chunks: Uint8Array[] = []
  for await (const data of stream) {
    for (const frame of decoder.push(data.subarray())) {
      const { code, body } = decodeResponseChunk(frame)
      if (code !== ResponseCode.OK) {
        const message = new TextDecoder().decode(body)
        throw new P2pError(errorCodeOfResponse(code), `peer ${peerId} refused ${name}: ${message}`, {
          peer: peerId,
        })
      }
      chunks.push(body)
      if (chunks.length > maxChunks) {
        throw new P2pError(P2pErrorCode.P2P_BAD_RESPONSE, `more than ${maxChunks} response chunks`)
      }
    }
  }
  decoder.end()
  return chunks
}
