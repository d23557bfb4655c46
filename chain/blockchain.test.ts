import { join } from 'node:path'
import { describe, expect, test } from '@jest/globals'
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { GatherNode } from '../node/gatherNode.js'
import { openDevnetNode, signNext, tempDir } from '../test/helpers/devnet.js'
import { merkleRoot } from './block/merkle.js'
import { type CommittedBlock, receiveBlock } from './blockchain.js'
import { type Block, decodeBlock, decodeReceivedBlock, encodeBlock, headerHash } from './codec/block.js'
import { signEd25519 } from './crypto/ed25519.js'
import { isChainError } from './errors.js'
import { hex } from './hex.js'
import { txId } from './tx/decodeTx.js'
import { transferMessage } from './tx/signTx.js'

/** A block of `n` transfers from the faucet, produced by a fresh devnet node. */
async function producedBlock(n: number): Promise<{ committed: CommittedBlock; raws: Uint8Array[] }> {
  const p = await openDevnetNode()
  try {
    const raws: Uint8Array[] = []
    for (let i = 0; i < n; i++) {
      const raw = signNext(p.node, p.keys.faucet, [
        transferMessage(p.keys.faucet.address, p.keys.validator.address, 1_000n + BigInt(i)),
      ])
      p.node.submitTx(raw)
      raws.push(raw)
    }
    const committed = await p.node.produceBlock()
    expect(committed.block.txs).toHaveLength(n)
    return { committed, raws }
  } finally {
    await p.close()
  }
}

describe('block import: one decode per block', () => {
  test('a block decoded on receipt is imported as it is: its received bytes stored byte for byte, its hash computed once, its transactions known by id and signer', async () => {
    const { committed: produced, raws } = await producedBlock(3)
    // what a follower's network layer gets (a copy: nothing may lean on the producer's buffer)
    const gossiped = Uint8Array.from(produced.bytes)
    const received = decodeReceivedBlock(gossiped)
    const f = await openDevnetNode()
    try {
      const c = await f.node.importBlock(received)
      // the pipeline kept what it was handed: a second decode, a re-encode or a second header
      // hash would each give a new object here
      expect(c.block).toBe(received.block)
      expect(c.bytes).toBe(gossiped)
      expect(c.hash).toBe(received.hash)
      expect(hex(c.hash)).toBe(hex(produced.hash))
      expect(hex(f.node.chain.head.hash)).toBe(hex(produced.hash))
      const stored = await f.node.chain.db.getBlockBytes(1)
      expect(Buffer.from(stored!).equals(Buffer.from(gossiped))).toBe(true)
      // the same block the producer stored and served: the received bytes are canonical
      expect(Buffer.from(encodeBlock(decodeBlock(stored!))).equals(Buffer.from(gossiped))).toBe(true)
      expect((await f.node.chain.getBlock(1))?.bytes).toEqual(stored)
      // ids and signers as admission knew them, in block order, for the RPC's `txs` subscribers
      const expected = raws.map((raw) => {
        const id = txId(raw)
        return { hash: hex(id.hash), hashHex: id.hashHex, signer: f.keys.faucet.address }
      })
      const view = (x: CommittedBlock) =>
        x.txs.map((t) => ({ hash: hex(t.hash), hashHex: t.hashHex, signer: t.signer }))
      expect(view(c)).toEqual(expected)
      expect(view(produced)).toEqual(expected)
      expect(c.txs.map((t) => t.hashHex)).toEqual(c.txs.map((t) => hex(t.hash).toUpperCase()))
      expect(
        Buffer.from(f.node.chain.head.stateRoot).equals(Buffer.from(produced.block.header.stateRoot)),
      ).toBe(true)
    } finally {
      await f.close()
    }
  })

  test('received bytes are never re-encoded: a field this codec skips is stored and served as it came, the hash is the header’s', async () => {
    const { committed: produced } = await producedBlock(1)
    // field 15, length-delimited, 3 bytes: valid protobuf that decodeBlock skips
    const padded = Buffer.concat([
      Buffer.from(produced.bytes),
      Buffer.from([(15 << 3) | 2, 3, 0x61, 0x62, 0x63]),
    ])
    const f = await openDevnetNode()
    try {
      // the bytes path (blocks-by-range hands the network layer bytes too)
      const c = await f.node.importBlock(padded)
      expect(hex(c.hash)).toBe(hex(produced.hash))
      const stored = await f.node.chain.db.getBlockBytes(1)
      expect(Buffer.from(stored!).equals(padded)).toBe(true)
      // what a re-encode would have stored instead
      expect(Buffer.from(encodeBlock(decodeBlock(padded))).equals(Buffer.from(produced.bytes))).toBe(true)
      expect(stored!.length).toBe(produced.bytes.length + 5)
    } finally {
      await f.close()
    }
  })

  test('bytes that do not decode are refused as before: BLOCK_INVALID, "cannot decode"', async () => {
    expect(() => receiveBlock(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(
      expect.objectContaining({
        code: 'BLOCK_INVALID',
        message: expect.stringMatching(/^invalid block: cannot decode: /),
      }),
    )
    const f = await openDevnetNode()
    try {
      await expect(f.node.importBlock(new Uint8Array([0xff, 0xff, 0xff]))).rejects.toMatchObject({
        code: 'BLOCK_INVALID',
        message: expect.stringMatching(/^invalid block: cannot decode: /),
      })
      expect(f.node.chain.head.height).toBe(0)
    } finally {
      await f.close()
    }
  })
})

/** A transaction with one bit of its signature's r flipped: it decodes, and fails verification. */
function badSignature(raw: Uint8Array): Uint8Array {
  const tx = TxRaw.decode(raw)
  const sig = Uint8Array.from(tx.signatures[0]!)
  sig[3] = sig[3]! ^ 0x01
  return TxRaw.encode({ ...tx, signatures: [sig] }).finish()
}

describe('block import: signatures verified on the workers while the block executes', () => {
  test('bad signatures among 200 transactions are refused with the error a check in order gives, naming the first failing transaction; nothing is written, and the original block imports', async () => {
    const { committed } = await producedBlock(200)
    const original = decodeBlock(committed.bytes)
    const p = await openDevnetNode()
    const nodeKey = p.keys.nodeKey
    await p.close()
    // the same results and state as the original: only a signature (or a sequence) is wrong;
    // `failing` is the transaction the error must name, `error` what it must say
    const variant = (name: string, change: (txs: Uint8Array[]) => void, failing: number, error: string) => {
      const txs = [...original.txs]
      change(txs)
      const txRoot = merkleRoot(txs.map((t) => txId(t).hash))
      const block: Block = { ...original, txs, header: { ...original.header, txRoot } }
      return {
        name,
        bytes: encodeBlock({
          ...block,
          signature: signEd25519(nodeKey.privateKey, headerHash(block.header)),
        }),
        message: new RegExp(`transaction ${txId(txs[failing]!).hashHex}: ${error}`),
      }
    }
    const cases = [
      variant(
        'tx 150 badly signed',
        (txs) => {
          txs[150] = badSignature(txs[150]!)
        },
        150,
        'signature verification failed',
      ),
      variant(
        'txs 60 and 150 badly signed',
        (txs) => {
          txs[60] = badSignature(txs[60]!)
          txs[150] = badSignature(txs[150]!)
        },
        60,
        'signature verification failed',
      ),
      variant(
        'tx 150 badly signed, tx 170 a replay',
        (txs) => {
          txs[150] = badSignature(txs[150]!)
          txs[170] = txs[10]!
        },
        150,
        'signature verification failed',
      ),
      variant(
        'tx 40 a replay, tx 150 badly signed',
        (txs) => {
          txs[40] = txs[10]!
          txs[150] = badSignature(txs[150]!)
        },
        40,
        'account sequence mismatch',
      ),
    ]
    // one worker thread whatever the machine, so the signatures are checked off this thread
    const f = await openDevnetNode({ node: { verifyThreads: 1 } })
    try {
      for (const c of cases) {
        let thrown: unknown
        try {
          await f.node.importBlock(c.bytes)
        } catch (e) {
          thrown = e
        }
        expect({ case: c.name, code: isChainError(thrown) ? thrown.code : String(thrown) }).toEqual({
          case: c.name,
          code: 'BLOCK_INVALID',
        })
        expect((thrown as Error).message).toMatch(c.message)
        expect({ case: c.name, height: f.node.chain.head.height }).toEqual({ case: c.name, height: 0 })
        expect(await f.node.chain.db.getBlockBytes(1)).toBeUndefined()
      }
      const c = await f.node.importBlock(committed.bytes)
      expect(hex(c.hash)).toBe(hex(committed.hash))
      expect(c.results.every((r) => r.code === 0)).toBe(true)
    } finally {
      await f.close()
    }
  })
})

describe('markFinal', () => {
  test('finalises the head or a block below it by its hash; a quorum for a hash this chain does not hold there is refused and writes nothing', async () => {
    // blocks proposed straight on the producer's chain, with no votes in their headers, for a
    // follower without a node key: nothing becomes final unless the test says so
    const p = await openDevnetNode()
    const tmp = await tempDir()
    const follower = await GatherNode.open({
      dataDir: join(tmp.dir, 'f'),
      genesis: p.genesis,
      produce: false,
    })
    try {
      const chain = follower.chain
      const blocks: CommittedBlock[] = []
      for (let i = 0; i < 4; i++) {
        const made = await p.node.chain.propose(p.node.chain.head.slot + 1, p.keys.nodeKey, [])
        blocks.push(await follower.importBlock(made.bytes))
      }
      const other = Uint8Array.from(blocks[2]!.hash)
      other[0]! ^= 0xff
      // below the head: block 3's hash at height 2, and a hash no block has
      for (const [height, hash] of [
        [2, blocks[2]!.hash],
        [2, other],
        [4, blocks[2]!.hash],
      ] as const) {
        const e = await chain.markFinal(height, hash).catch((err: unknown) => err)
        expect({ height, code: isChainError(e) ? e.code : e }).toEqual({ height, code: 'BLOCK_INVALID' })
        expect((e as Error).message).toContain(`this chain holds ${hex(blocks[height - 1]!.hash)} there`)
      }
      expect(chain.finalBlock.height).toBe(0)
      expect(await chain.db.getFinal()).toBeUndefined()
      // ours below the head, then the head itself
      expect(await chain.markFinal(2, blocks[1]!.hash)).toBe(true)
      expect(await chain.db.getFinal()).toEqual({ height: 2, hash: Buffer.from(blocks[1]!.hash) })
      expect(await chain.markFinal(4, blocks[3]!.hash)).toBe(true)
      expect({ height: chain.finalBlock.height, hash: hex(chain.finalBlock.hash) }).toEqual({
        height: 4,
        hash: hex(blocks[3]!.hash),
      })
      // at or below the final block: nothing to do
      expect(await chain.markFinal(3, blocks[2]!.hash)).toBe(false)
    } finally {
      await follower.stop()
      await p.close()
      await tmp.cleanup()
    }
  })
})
