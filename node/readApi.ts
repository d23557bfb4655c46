import { EventEmitter } from 'node:events'
import type { Blockchain } from '../chain/blockchain.js'
import { type Block, decodeTxResult, type TxResult } from '../chain/codec/block.js'
import { type BlockView, blockView } from '../chain/codec/blockView.js'
import { type Ed25519Backend, ed25519Backend, ed25519BackendError } from '../chain/crypto/ed25519.js'
import { type Secp256k1Backend, secp256k1Backend, secp256k1BackendError } from '../chain/crypto/secp256k1.js'
import { type BoundEndpoint, bindEndpoint } from '../chain/endpoint.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { hex } from '../chain/hex.js'
import type { Mempool } from '../chain/mempool/mempool.js'
import type { PeerView } from '../chain/p2p/types.js'
import type { BlockInfo } from '../chain/stateMachine.js'
import { proofToJson, type SmtProofJson } from '../chain/store/smt.js'
import { ROUND_SLOTS, roundOf, roundOrder, slotAt } from '../consensus/schedule.js'
import { type ChainEndpoints, chainEndpoints, pendingUpgrade } from './wiring.js'

export { type BlockView, blockView }

/** What the node shows of an attached network (node/nodeNetwork.ts implements it). */
export interface NodeNetworkView {
  sync(): { syncing: boolean; targetHeight: number; peers: number; productionHold: string | null }
  peerId(): string
  addresses(): string[]
  peers(): PeerView[]
}

/** Info of the block the next transaction on `chain` would be executed in. */
export function nextBlockInfo(chain: Blockchain): BlockInfo {
  const head = chain.head
  return {
    chainId: chain.chainId,
    height: head.height + 1,
    slot: head.slot + 1,
    timeMs: head.timeMs + chain.clock.blockTimeMs,
    proposer: new Uint8Array(0),
  }
}

/** The modules' queries bound to the head state: `node.query.token.getAccount({ address })`. */
export type NodeQueries = {
  readonly [M in keyof ChainEndpoints]: BoundEndpoint<ChainEndpoints[M]['queries']>
}

/**
 * The node's queries, what the RPC methods read: the module endpoints at the head (`query`),
 * blocks, transactions and state proofs, the round, status and peers. Nothing here writes.
 * `GatherNode` extends it; it is an EventEmitter only because `GatherNode` is one and a class
 * has one parent.
 */
export class NodeReadApi extends EventEmitter {
  /** the network attached to this node (sync state, peers), for status queries */
  private network: NodeNetworkView | undefined
  /** the modules' endpoints (what `query` binds) */
  readonly endpoints: ChainEndpoints
  /** every module query, answered at the head */
  readonly query: NodeQueries

  constructor(
    readonly chain: Blockchain,
    readonly mempool: Mempool,
  ) {
    super()
    this.endpoints = chainEndpoints({ blockTimeMs: chain.clock.blockTimeMs })
    const head = () => ({ block: this.chain.headInfo(), state: this.chain.state })
    const e = this.endpoints
    this.query = {
      token: bindEndpoint(e.token, head),
      staking: bindEndpoint(e.staking, head),
      governance: bindEndpoint(e.governance, head),
      identity: bindEndpoint(e.identity, head),
      messaging: bindEndpoint(e.messaging, head),
    }
  }

  /** Attaches (or detaches) the network's views for `chain_getStatus` and `net_getPeers`. */
  attachNetwork(view: NodeNetworkView | undefined): void {
    this.network = view
  }

  /** Peers of the attached network (`net_getPeers`); empty without one. */
  getPeers() {
    return {
      peerId: this.network?.peerId() ?? null,
      addresses: this.network?.addresses() ?? [],
      peers: this.network?.peers() ?? [],
    }
  }

  /**
   * The current round (`consensus_getRound`): the slot after the head, its round, the round's
   * proposer order, and, for the round so far on this chain, which slots got blocks and which
   * producers missed theirs.
   */
  async getRound() {
    const head = this.chain.head
    const slot = Math.max(head.slot + 1, slotAt(this.chain.clock, Date.now()))
    const round = roundOf(slot)
    const first = round * ROUND_SLOTS
    const superNodes = this.chain.superNodesAt(slot)
    const order = superNodes.length <= 1 ? superNodes : roundOrder(superNodes, this.chain.roundSeedFor(slot))
    const produced = new Map<number, string>()
    for (let h = head.height; h > 0; h--) {
      const b = await this.chain.getBlock(h)
      if (b === undefined || b.block.header.slot < first) break
      produced.set(b.block.header.slot, hex(b.block.header.proposer))
    }
    const slots = []
    for (let s = first; s < first + ROUND_SLOTS; s++) {
      const proposer = hex(order[(s % ROUND_SLOTS) % order.length]!)
      const status: 'produced' | 'missed' | 'pending' = produced.has(s)
        ? 'produced'
        : s <= head.slot
          ? 'missed'
          : s < slot
            ? 'missed'
            : 'pending'
      slots.push({ slot: s, proposer, status })
    }
    return {
      slot,
      round,
      roundStartSlot: first,
      headHeight: head.height,
      headSlot: head.slot,
      order: order.map(hex),
      slots,
      missed: slots.filter((x) => x.status === 'missed').map((x) => ({ slot: x.slot, proposer: x.proposer })),
    }
  }

  /** Info of the block the next transaction would be executed in. */
  nextBlockInfo(): BlockInfo {
    return nextBlockInfo(this.chain)
  }

  /** This node's key, if it has one (GatherNode's). */
  get nodeKey(): { publicKey: Uint8Array } | undefined {
    return undefined
  }

  /** Head, finality and mempool in one object (`chain_getStatus`). */
  getStatus() {
    const head = this.chain.head
    const net = this.network?.sync()
    const finalHeight = this.chain.finalBlock.height
    return {
      chainId: this.chain.chainId,
      genesisHash: hex(this.chain.genesisHash),
      height: head.height,
      headHash: hex(head.hash),
      stateRoot: hex(head.stateRoot),
      headTime: new Date(head.timeMs).toISOString(),
      finalHeight,
      finalityLag: head.height - finalHeight,
      mempool: { txs: this.mempool.size, bytes: this.mempool.sizeBytes },
      blockTimeMs: this.chain.clock.blockTimeMs,
      syncing: net?.syncing ?? false,
      targetHeight: net?.targetHeight ?? head.height,
      peers: net?.peers ?? 0,
      productionHold: net?.productionHold ?? null,
      nodeId: this.nodeKey === undefined ? null : hex(this.nodeKey.publicKey),
      signatureVerification: signatureVerificationStatus(),
      pendingUpgrade: pendingUpgrade(this.chain.state),
    }
  }

  /**
   * The account number and the sequence an account's next transaction needs: its committed
   * sequence plus its transactions pending in the mempool. Undefined for an unknown account.
   */
  nextAccount(address: string): { accountNumber: bigint; sequence: bigint } | undefined {
    return this.mempool.nextAccount(address)
  }

  /** A proof of a state key's value or absence against the head's state root (`state_getProof`). */
  getProof(key: string): {
    key: string
    value: string | null
    height: number
    stateRoot: string
    proof: SmtProofJson
  } {
    const p = this.chain.state.prove(key)
    return {
      key,
      value: p.value === undefined ? null : Buffer.from(p.value).toString('base64'),
      height: this.chain.head.height,
      stateRoot: hex(p.root),
      proof: proofToJson(p.proof),
    }
  }

  /** A block by height, with its transactions' results and its block events. */
  async getBlock(height: number): Promise<BlockView | undefined> {
    const b = await this.chain.getBlock(height)
    return b === undefined ? undefined : this.blockView(b.block, b.hash)
  }

  /** A block by hash (hex), with its transactions' results and its block events. */
  async getBlockByHash(hashHex: string): Promise<BlockView | undefined> {
    if (!/^[0-9a-fA-F]{64}$/.test(hashHex)) return undefined
    const b = await this.chain.getBlockByHash(Buffer.from(hashHex, 'hex'))
    return b === undefined ? undefined : this.blockView(b.block, b.hash)
  }

  /**
   * A committed block's view: its results and block events are written in the block's batch,
   * so one missing means a database from before they were (or a damaged one).
   */
  private async blockView(block: Block, hash: Uint8Array): Promise<BlockView> {
    const height = block.header.height
    const [results, events] = await Promise.all([
      this.chain.db.getBlockResultBytes(height, block.txs.length),
      this.chain.db.getBlockEvents(height),
    ])
    const missing =
      events === undefined ? 'its block events' : results.includes(undefined) ? 'a result' : undefined
    if (missing !== undefined) {
      throw new ChainError(
        ChainErrorCode.STATE_CORRUPT,
        `block ${height} is stored without ${missing}: this database predates stored block events or is damaged; start from a fresh --home`,
      )
    }
    return blockView(block, hash, { results: results.map((r) => decodeTxResult(r!)), events: events! })
  }

  /** A transaction by hash (hex): where it landed and its result. */
  async getTx(hashHex: string): Promise<
    | {
        hash: string
        height: number
        index: number
        result: TxResult
        tx: string
      }
    | undefined
  > {
    if (!/^[0-9a-fA-F]{64}$/.test(hashHex)) return undefined
    const loc = await this.chain.db.getTxLocation(Buffer.from(hashHex, 'hex'))
    if (loc === undefined) return undefined
    const [b, r] = await Promise.all([
      this.chain.getBlock(loc.height),
      this.chain.db.getTxResultBytes(loc.height, loc.index),
    ])
    if (b === undefined || r === undefined) return undefined
    return {
      hash: hashHex.toUpperCase(),
      height: loc.height,
      index: loc.index,
      result: decodeTxResult(r),
      tx: Buffer.from(b.block.txs[loc.index]!).toString('base64'),
    }
  }
}

/** The secp256k1 and ed25519 backends in use, and a warning when either is the slower fallback. */
export function signatureVerificationStatus(): {
  backend: Secp256k1Backend
  ed25519: Ed25519Backend
  warning: string | null
} {
  const backend = secp256k1Backend()
  const ed25519 = ed25519Backend()
  const warnings: string[] = []
  if (backend !== 'libsecp256k1')
    warnings.push(
      `libsecp256k1 is not in use (${secp256k1BackendError() ?? 'unknown reason'}); secp256k1 signatures are verified with node:crypto, about 5x slower`,
    )
  if (ed25519 !== 'libsodium')
    warnings.push(
      `the native libsodium is not in use (${ed25519BackendError() ?? 'unknown reason'}); ed25519 signatures (blocks, votes) are verified with libsodium.js (WebAssembly), about 2x slower`,
    )
  return { backend, ed25519, warning: warnings.length === 0 ? null : warnings.join('; ') }
}
