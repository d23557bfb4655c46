/** MsgBurn on real blocks: anyone burns their own ugat; refusals write nothing. */
import { afterEach, describe, expect, test } from '@jest/globals'
import { findViolations } from '../chain/invariants.js'
import { signTx } from '../chain/tx/signTx.js'
import { type AnyMessage, burnMessage, encodeMessage } from '../cli/txMessages.js'
import { chainInvariants } from '../node/index.js'
import { openDevnetNode } from './helpers/devnet.js'

const FEE = 1_000n

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

async function open() {
  const net = await openDevnetNode({ node: { checkInvariants: true } })
  close = net.close
  const { node, keys, genesis } = net
  const faucet = keys.faucet
  const sign = (messages: AnyMessage[]): Uint8Array => {
    const acc = node.query.token.getAccount({ address: faucet.address })
    return signTx(
      {
        messages,
        chainId: genesis.chainId,
        accountNumber: BigInt(acc.accountNumber),
        sequence: BigInt(acc.sequence),
        fee: FEE,
      },
      faucet.privateKey,
      faucet.publicKey,
    )
  }
  const balance = (): bigint => BigInt(node.query.token.getAccount({ address: faucet.address }).balance.ugat)
  return { net, node, faucet, sign, balance }
}

describe('MsgBurn', () => {
  test('burns reduce the balance and the total, count in supply.burned, and emit token.burn', async () => {
    const { node, faucet, sign, balance } = await open()
    const before = node.query.token.getSupply({})
    const bal = balance()
    node.submitTx(sign([burnMessage(faucet.address, 2_500_000n)]))
    const c = await node.produceBlock(1)
    expect(c.results[0]).toMatchObject({ code: 0 })
    expect(
      c.results[0]!.events.map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))),
    ).toEqual([
      { address: faucet.address, amount: '1000', reason: 'fee' },
      { address: faucet.address, amount: '2500000', reason: 'burn' },
    ])
    const after = node.query.token.getSupply({})
    expect(balance()).toBe(bal - 2_500_000n - FEE)
    expect(BigInt(after.burned) - BigInt(before.burned)).toBe(2_500_000n + FEE)
    // the total moves by what was burned and by what issuance minted in the block
    expect(BigInt(after.total)).toBe(
      BigInt(before.total) - 2_500_000n - FEE + (BigInt(after.minted) - BigInt(before.minted)),
    )
    expect(BigInt(after.total)).toBe(BigInt(after.genesis) + BigInt(after.minted) - BigInt(after.burned))
    expect(findViolations(node.chain.state, chainInvariants())).toEqual([])

    // a follower replays it to the same state
    const follower = await openDevnetNode()
    try {
      await follower.node.importBlock(c.bytes)
      expect(follower.node.chain.head.stateRoot).toEqual(node.chain.head.stateRoot)
    } finally {
      await follower.close()
    }
  })

  test('burning more than the balance is refused at admission and writes nothing', async () => {
    const { node, faucet, sign, balance } = await open()
    const bal = balance()
    const supply = node.query.token.getSupply({})
    const root = Buffer.from(node.chain.state.root).toString('hex')
    // the fee comes first: the whole balance is more than is left for the burn
    expect(() => node.submitTx(sign([burnMessage(faucet.address, bal)]))).toThrow(
      expect.objectContaining({
        code: 'TOKEN_INSUFFICIENT_BALANCE',
        message: `insufficient balance: ${faucet.address} has ${bal - FEE} ugat after fees, cannot burn ${bal} ugat`,
      }),
    )
    expect(node.mempool.size).toBe(0)
    expect(Buffer.from(node.chain.state.root).toString('hex')).toBe(root)
    expect(node.query.token.getSupply({})).toEqual(supply)
    expect(balance()).toBe(bal)
  })

  test('in a block anyway, it fails: only the fee is burned, the burn is reverted', async () => {
    const { net, node, faucet, sign, balance } = await open()
    const bal = balance()
    const burnedBefore = BigInt(node.query.token.getSupply({}).burned)
    const prepared = node.chain.machine.prepare(sign([burnMessage(faucet.address, bal)]))
    // a proposer that includes it anyway (the mempool would not)
    const c = await node.chain.propose(1, net.keys.nodeKey, [prepared])
    expect(c.results[0]).toMatchObject({ code: 1, codespace: 'TOKEN_INSUFFICIENT_BALANCE' })
    expect(c.results[0]!.events.map((e) => e.attributes.find((a) => a.key === 'reason')?.value)).toEqual([
      'fee',
    ])
    expect(balance()).toBe(bal - FEE)
    expect(BigInt(node.query.token.getSupply({}).burned)).toBe(burnedBefore + FEE)
  })

  test.each([
    { amount: '0', code: 'INVALID_AMOUNT', message: /amount must be greater than zero/ },
    { amount: '-5', code: 'INVALID_AMOUNT', message: /not a non-negative whole number/ },
    { amount: '1.5', code: 'INVALID_AMOUNT', message: /not a non-negative whole number/ },
    { amount: '', code: 'INVALID_AMOUNT', message: /not a non-negative whole number/ },
  ])('a bad amount "$amount" is refused ($code)', async ({ amount, code, message }) => {
    const { node, faucet, sign } = await open()
    const msg = encodeMessage('gather.token.v1.MsgBurn', { fromAddress: faucet.address, amount })
    expect(() => node.submitTx(sign([msg]))).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    )
    expect(node.mempool.size).toBe(0)
  })

  test("nobody burns another account's coins; a malformed address is refused", async () => {
    const { net, node, sign } = await open()
    expect(() => node.submitTx(sign([burnMessage(net.keys.validator.address, 1n)]))).toThrow(
      expect.objectContaining({ code: 'TX_WRONG_SIGNER' }),
    )
    const bad = encodeMessage('gather.token.v1.MsgBurn', { fromAddress: 'gat1nope', amount: '1' })
    expect(() => node.submitTx(sign([bad]))).toThrow(expect.objectContaining({ code: 'INVALID_ADDRESS' }))
  })
})
