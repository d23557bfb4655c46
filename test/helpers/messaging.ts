import { expect } from '@jest/globals'
import type { ChainEvent } from '../../chain/codec/block.js'
import { ChainError } from '../../chain/errors.js'
import { transferMessage } from '../../chain/tx/signTx.js'
import type { AnyMessage } from '../../cli/txMessages.js'
import type { DevnetKeys } from '../../genesis/devnet.js'
import type { GatherNode } from '../../node/index.js'
import { signNext } from './devnet.js'
import type { AccountSigner } from './staking.js'

/** One committed block as the messaging tests read it. */
export interface BlockOutcome {
  height: number
  /** per transaction: code (0 ok), codespace and its events as `type k=v ...` */
  txs: { code: number; codespace: string; log: string; events: string[] }[]
  /** block events (`type k=v ...`) */
  events: string[]
}

const line = (e: ChainEvent): string =>
  `${e.type} ${e.attributes.map((a) => `${a.key}=${a.value}`).join(' ')}`

/** Signs and submits transactions on an in-process devnet node; produces blocks on demand. */
export class TxDriver {
  /** every block this driver produced, encoded, in order (for a follower to import) */
  readonly blocks: Uint8Array[] = []

  constructor(
    readonly node: GatherNode,
    readonly chainId: string,
  ) {}

  /** The signed bytes of `msgs` with the signer's next sequence (counting its pending txs). */
  sign(signer: AccountSigner, msgs: AnyMessage[], fee = 1_000n): Uint8Array {
    return signNext(this.node, signer, msgs, fee)
  }

  /** Submits to the mempool; throws the node's ChainError when refused. */
  send(signer: AccountSigner, msgs: AnyMessage[], fee = 1_000n): string {
    return this.node.submitTx(this.sign(signer, msgs, fee)).hash
  }

  /** The code of the refusal of `msgs` (throws if they are admitted). */
  refusal(signer: AccountSigner, msgs: AnyMessage[]): { code: string; message: string } {
    try {
      this.send(signer, msgs)
    } catch (e) {
      if (e instanceof ChainError) return { code: e.code, message: e.message }
      throw e
    }
    throw new Error('the transaction was admitted')
  }

  /** Produces a block with the mempool's transactions. */
  async block(): Promise<BlockOutcome> {
    const c = await this.node.produceBlock()
    this.blocks.push(c.bytes)
    return {
      height: c.block.header.height,
      txs: c.results.map((r) => ({
        code: r.code,
        codespace: r.codespace,
        log: r.log,
        events: r.events.map(line),
      })),
      events: c.blockEvents.map(line),
    }
  }

  /** Sends `msgs`, produces a block, and expects every transaction in it to succeed. */
  async commit(signer: AccountSigner, msgs: AnyMessage[], fee = 1_000n): Promise<BlockOutcome> {
    this.send(signer, msgs, fee)
    const b = await this.block()
    for (const t of b.txs) expect({ code: t.code, log: t.log }).toEqual({ code: 0, log: '' })
    return b
  }

  /** Imports every block produced so far into `follower` (same genesis); expects the same state root. */
  async replay(follower: GatherNode): Promise<void> {
    for (const b of this.blocks) await follower.importBlock(b)
    expect(Buffer.from(follower.chain.head.stateRoot).toString('hex')).toBe(
      Buffer.from(this.node.chain.head.stateRoot).toString('hex'),
    )
  }

  /** ugat balance. */
  balance(address: string): bigint {
    return BigInt(this.node.query.token.getAccount({ address: address }).balance.ugat)
  }

  /** Funds accounts from the faucet. */
  async fund(keys: DevnetKeys, accounts: AccountSigner[], ugat: bigint): Promise<void> {
    await this.commit(
      keys.faucet,
      accounts.map((a) => transferMessage(keys.faucet.address, a.address, ugat)),
    )
  }
}
