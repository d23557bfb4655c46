import { encodeSecp256k1Pubkey, makeCosmoshubPath } from '@cosmjs/amino'
import {
  DirectSecp256k1HdWallet,
  encodePubkey,
  makeAuthInfoBytes,
  makeSignDoc,
  Registry,
} from '@cosmjs/proto-signing'
import { describe, expect, test } from '@jest/globals'
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { messageTypes } from '../chain/codec/index.js'
import { TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { openDevnetNode } from './helpers/devnet.js'

describe('chain core end to end', () => {
  test('a transfer signed by cosmjs DirectSecp256k1HdWallet is admitted, included and applied', async () => {
    const { node, keys, genesis, close } = await openDevnetNode()
    try {
      const wallet = await DirectSecp256k1HdWallet.fromMnemonic(TEST_MNEMONIC, {
        prefix: 'gat',
        hdPaths: [makeCosmoshubPath(1)],
      })
      const [account] = await wallet.getAccounts()
      expect(account!.address).toBe(keys.faucet.address)

      const registry = new Registry([...messageTypes()] as never)
      const recipient = keys.validator.address
      const bodyBytes = registry.encode({
        typeUrl: '/cosmos.tx.v1beta1.TxBody',
        value: {
          messages: [
            {
              typeUrl: '/gather.token.v1.MsgTransfer',
              value: { fromAddress: account!.address, toAddress: recipient, amount: '2500000' },
            },
          ],
          memo: 'hello from cosmjs',
        },
      })
      const before = node.query.token.getAccount({ address: account!.address })
      const authInfoBytes = makeAuthInfoBytes(
        [{ pubkey: encodePubkey(encodeSecp256k1Pubkey(account!.pubkey)), sequence: Number(before.sequence) }],
        [{ denom: 'ugat', amount: '5000' }],
        200000,
        undefined,
        undefined,
      )
      const signDoc = makeSignDoc(bodyBytes, authInfoBytes, genesis.chainId, Number(before.accountNumber))
      const { signed, signature } = await wallet.signDirect(account!.address, signDoc)
      const raw = TxRaw.encode({
        bodyBytes: signed.bodyBytes,
        authInfoBytes: signed.authInfoBytes,
        signatures: [Buffer.from(signature.signature, 'base64')],
      }).finish()

      const { hash } = node.submitTx(raw)
      expect(node.mempool.size).toBe(1)
      const committed = await node.produceBlock()
      expect(committed.block.txs).toHaveLength(1)
      expect(committed.results[0]!.code).toBe(0)
      expect(node.mempool.size).toBe(0)

      const after = node.query.token.getAccount({ address: account!.address })
      expect(BigInt(after.balance.ugat)).toBe(BigInt(before.balance.ugat) - 2_500_000n - 5_000n)
      expect(after.sequence).toBe('1')
      // the validator's owner locked 1,000 GAT of its 10,000 on its node at genesis
      expect(node.query.token.getAccount({ address: recipient }).balance.ugat).toBe(
        (10_000_000_000n - 1_000_000_000n + 2_500_000n).toString(),
      )
      expect(node.query.token.getSupply({}).burned).toBe('5000')

      const found = await node.getTx(hash)
      expect(found).toMatchObject({ height: 1, index: 0, result: { code: 0 } })
      expect(found!.result.events.map((e) => e.type)).toEqual(['token.burn', 'token.transfer'])
    } finally {
      await close()
    }
  })
})

describe('block contents do not depend on timing', () => {
  test('a proposer that is a voter of its head carries its own vote for it, however soon the next block follows', async () => {
    // The badInput flake: the node's vote for block h was signed asynchronously (after the
    // double-sign guard's write), so block h+1 carried it or not depending on which finished first.
    const d = await openDevnetNode()
    try {
      for (let i = 0; i < 20; i++) {
        const parent = await d.node.produceBlock()
        const child = await d.node.produceBlock()
        expect({
          height: child.block.header.height,
          votes: child.block.header.lastCommit.map((v) => [
            v.height,
            Buffer.from(v.blockHash).toString('hex'),
          ]),
        }).toEqual({
          height: parent.block.header.height + 1,
          votes: [[parent.block.header.height, Buffer.from(parent.hash).toString('hex')]],
        })
      }
    } finally {
      await d.close()
    }
  })
})
