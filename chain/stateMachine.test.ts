import { describe, expect, test } from '@jest/globals'
import { openDevnetNode } from '../test/helpers/devnet.js'
import { signTx, transferMessage } from './tx/signTx.js'

describe('state machine: failed transactions', () => {
  test("a failing message reverts its transaction's writes, still pays the fee, and is recorded as failed", async () => {
    const { node, keys, genesis, close } = await openDevnetNode()
    try {
      const faucet = keys.faucet
      const recipient = keys.validator.address
      const before = node.query.token.getAccount({ address: faucet.address })
      const recipientBefore = node.query.token.getAccount({ address: recipient }).balance.ugat
      // Message 0 succeeds on its own, message 1 overdraws: the whole transaction must revert.
      const raw = signTx(
        {
          messages: [
            transferMessage(faucet.address, recipient, 1_000_000n),
            transferMessage(faucet.address, recipient, 10n ** 20n),
          ],
          chainId: genesis.chainId,
          accountNumber: BigInt(before.accountNumber),
          sequence: BigInt(before.sequence),
          fee: 7_000n,
        },
        faucet.privateKey,
        faucet.publicKey,
      )
      // The mempool refuses it outright, writing nothing...
      expect(() => node.submitTx(raw)).toThrow(
        expect.objectContaining({ code: 'TOKEN_INSUFFICIENT_BALANCE' }),
      )
      expect(node.mempool.size).toBe(0)
      // ...but a proposer that includes it anyway records a failed transaction.
      const prepared = node.chain.machine.prepare(raw)
      const committed = await node.chain.propose(node.chain.head.slot + 1, keys.nodeKey, [prepared])
      expect(committed.results).toHaveLength(1)
      expect(committed.results[0]).toMatchObject({ code: 1, codespace: 'TOKEN_INSUFFICIENT_BALANCE' })
      expect(committed.results[0]!.log).toMatch(/insufficient balance/)
      expect(committed.results[0]!.events.map((e) => e.type)).toEqual(['token.burn'])

      const after = node.query.token.getAccount({ address: faucet.address })
      expect(BigInt(after.balance.ugat)).toBe(BigInt(before.balance.ugat) - 7_000n)
      expect(after.sequence).toBe((BigInt(before.sequence) + 1n).toString())
      expect(node.query.token.getAccount({ address: recipient }).balance.ugat).toBe(recipientBefore)
      expect(node.query.token.getSupply({}).burned).toBe('7000')

      const tx = await node.getTx(prepared.tx.hashHex)
      expect(tx?.result).toMatchObject({ code: 1, codespace: 'TOKEN_INSUFFICIENT_BALANCE' })

      // A follower importing that block reaches the same state root.
      const follower = await openDevnetNode()
      try {
        await follower.node.importBlock(committed.bytes)
        expect(Buffer.from(follower.node.chain.head.stateRoot)).toEqual(
          Buffer.from(node.chain.head.stateRoot),
        )
      } finally {
        await follower.close()
      }
    } finally {
      await close()
    }
  })

  test("a block may be empty; it changes only what issuance and the producer's block count write", async () => {
    const { node, close } = await openDevnetNode()
    try {
      const dump = (): Map<string, string> =>
        new Map(
          node.chain.state.keys('').map((k) => [k, Buffer.from(node.chain.state.get(k)!).toString('hex')]),
        )
      const before = dump()
      const c = await node.produceBlock(5)
      expect(c.block.txs).toHaveLength(0)
      expect(c.block.header.slot).toBe(5)
      const after = dump()
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
        (k) => before.get(k) !== after.get(k),
      )
      const producer = `staking/dayBlocks/${Buffer.from(c.block.header.proposer).toString('hex')}`
      expect(changed.sort()).toEqual([producer, 'token/rewardPool', 'token/supply/minted'])
      expect(c.blockEvents.map((e) => e.type)).toEqual(['token.minted'])
      await expect(node.produceBlock(5)).rejects.toThrow(/slot 5 is not after/)
    } finally {
      await close()
    }
  })
})
