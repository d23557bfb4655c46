import { createHash } from 'node:crypto'
import { afterEach, describe, expect, test } from '@jest/globals'
import { MsgSend } from 'cosmjs-types/cosmos/bank/v1beta1/tx'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing'
import { AuthInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { merkleRoot } from '../chain/block/merkle.js'
import { type Block, decodeBlock, encodeBlock, encodeTxResult, headerHash } from '../chain/codec/block.js'
import { protoType } from '../chain/codec/index.js'
import { addressFromPubkey } from '../chain/crypto/address.js'
import { nodeKeyFromSeed, signEd25519 } from '../chain/crypto/ed25519.js'
import { malleateSignature, publicKeyFromPrivateKey, signDirect } from '../chain/crypto/secp256k1.js'
import { ChainError } from '../chain/errors.js'
import { SECP256K1_PUBKEY_URL } from '../chain/tx/decodeTx.js'
import { claimRewardsMessage } from '../cli/txMessages.js'
import type { DevnetKeys } from '../genesis/devnet.js'
import type { GatherNode } from '../node/index.js'
import { openDevnetNode, transferTx } from './helpers/devnet.js'

/** An account key able to sign transactions. */
interface AccountSigner {
  address: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

interface Coin {
  denom: string
  amount: string
}

interface AnyMsg {
  typeUrl: string
  value: Uint8Array
}

const MsgTransfer = protoType('gather.token.v1.MsgTransfer')
const TRANSFER_URL = '/gather.token.v1.MsgTransfer'

/** A MsgTransfer with the amount as a raw wire string, so invalid amounts can be encoded. */
function transferAny(from: string, to: string, amount: string): AnyMsg {
  return {
    typeUrl: TRANSFER_URL,
    value: MsgTransfer.encode(MsgTransfer.fromObject({ fromAddress: from, toAddress: to, amount })).finish(),
  }
}

/** A deterministic key that no genesis account holds. */
function freshSigner(label: string): AccountSigner {
  const privateKey = new Uint8Array(createHash('sha256').update(`gather-bad-input:${label}`).digest())
  const publicKey = publicKeyFromPrivateKey(privateKey)
  return { address: addressFromPubkey(publicKey), privateKey, publicKey }
}

/** Deterministic pseudo-random bytes (so a failure is reproducible). */
function pseudoRandomBytes(n: number, seed: string): Uint8Array {
  const out = new Uint8Array(n)
  let block = createHash('sha256').update(seed).digest()
  for (let i = 0; i < n; i += 32) {
    out.set(block.subarray(0, Math.min(32, n - i)), i)
    block = createHash('sha256').update(block).digest()
  }
  return out
}

/** The parts of a transaction built by hand, for variants `signTx` would never produce. */
interface TxSpec {
  messages: AnyMsg[]
  sequence: bigint
  accountNumber: bigint
  chainId: string
  fee?: Coin[]
  memo?: string
  signMode?: SignMode
}

/** Builds body and auth info like a cosmjs wallet and signs them with our `signDirect`. */
function buildSigned(
  signer: AccountSigner,
  spec: TxSpec,
): { bodyBytes: Uint8Array; authInfoBytes: Uint8Array; signature: Uint8Array } {
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({ messages: spec.messages, memo: spec.memo ?? '' }),
  ).finish()
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: {
            typeUrl: SECP256K1_PUBKEY_URL,
            value: PubKey.encode({ key: signer.publicKey }).finish(),
          },
          modeInfo: { single: { mode: spec.signMode ?? SignMode.SIGN_MODE_DIRECT } },
          sequence: spec.sequence,
        },
      ],
      fee: { amount: spec.fee ?? [{ denom: 'ugat', amount: '1000' }], gasLimit: 200_000n },
    }),
  ).finish()
  const signBytes = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: spec.chainId,
    accountNumber: spec.accountNumber,
  }).finish()
  return { bodyBytes, authInfoBytes, signature: signDirect(signer.privateKey, signBytes) }
}

function encodeRaw(bodyBytes: Uint8Array, authInfoBytes: Uint8Array, signatures: Uint8Array[]): Uint8Array {
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures }).finish()
}

/** A subject node that receives the bad input and a control node that never sees it, on one genesis. */
interface Harness {
  subject: GatherNode
  control: GatherNode
  keys: DevnetKeys
  chainId: string
  /** account number and sequence of `address` on the subject */
  counters(address: string): { accountNumber: bigint; sequence: bigint }
  /** the sequence `address`'s next transaction needs: committed plus its pending ones */
  nextSequence(address: string): bigint
  /** a well-formed transfer from `from` with its next sequence */
  transfer(
    from: AccountSigner,
    to: string,
    amount: bigint,
    o?: { fee?: bigint; sequence?: bigint },
  ): Uint8Array
  /** submits good bytes to both nodes */
  good(raw: Uint8Array): void
  /** produces the next block on both nodes, in the same slot */
  block(): Promise<void>
  close(): Promise<void>
}

async function openHarness(): Promise<Harness> {
  const s = await openDevnetNode()
  const c = await openDevnetNode()
  const h: Harness = {
    subject: s.node,
    control: c.node,
    keys: s.keys,
    chainId: s.genesis.chainId,
    counters(address) {
      const a = s.node.query.token.getAccount({ address: address })
      return { accountNumber: BigInt(a.accountNumber), sequence: BigInt(a.sequence) }
    },
    nextSequence: (address) => s.node.nextAccount(address)?.sequence ?? 0n,
    transfer(from, to, amount, o = {}) {
      return transferTx(from, to, amount, {
        chainId: h.chainId,
        accountNumber: h.counters(from.address).accountNumber,
        sequence: o.sequence ?? h.nextSequence(from.address),
        fee: o.fee ?? 1000n,
      })
    },
    good(raw) {
      h.subject.submitTx(raw)
      h.control.submitTx(raw)
    },
    async block() {
      const slot = h.subject.chain.head.slot + 1
      await h.subject.produceBlock(slot)
      await h.control.produceBlock(slot)
    },
    async close() {
      await s.close()
      await c.close()
    },
  }
  return h
}

/** Everything a bad transaction could have touched, for comparing subject and control. */
function observable(node: GatherNode, addresses: string[]) {
  const status = node.getStatus()
  return {
    height: status.height,
    headHash: status.headHash,
    stateRoot: status.stateRoot,
    mempool: status.mempool,
    supply: node.query.token.getSupply({}),
    accounts: addresses.map((a) => node.query.token.getAccount({ address: a })),
  }
}

interface BadTxCase {
  name: string
  code: string
  /** the message must tell a person what is wrong (and ideally what is expected); a function sees the state after setup */
  message: RegExp | ((h: Harness) => RegExp)
  /** structured details the error must carry */
  data?: Record<string, unknown> | ((h: Harness) => Record<string, unknown>)
  /** good traffic before the bad transaction, given to both nodes */
  setup?: (h: Harness) => Promise<void>
  build: (h: Harness) => Uint8Array
}

const faucetOf = (h: Harness): AccountSigner => h.keys.faucet
const recipientOf = (h: Harness): string => h.keys.validator.address

/** A valid transfer from the faucet, re-encoded through `edit`. */
function editedTransfer(h: Harness, edit: (tx: TxRaw) => TxRaw): Uint8Array {
  const raw = h.transfer(faucetOf(h), recipientOf(h), 1_000n)
  return TxRaw.encode(edit(TxRaw.decode(raw))).finish()
}

/** A hand-built faucet transaction with current counters, fields overridden by `spec`. */
function faucetTx(h: Harness, spec: Partial<TxSpec>): Uint8Array {
  const f = faucetOf(h)
  const c = h.counters(f.address)
  const parts = buildSigned(f, {
    messages: [transferAny(f.address, recipientOf(h), '1000')],
    chainId: h.chainId,
    ...c,
    ...spec,
  })
  return encodeRaw(parts.bodyBytes, parts.authInfoBytes, [parts.signature])
}

const amountCase = (name: string, amount: string, message: RegExp): BadTxCase => ({
  name,
  code: 'INVALID_AMOUNT',
  message,
  build: (h) => faucetTx(h, { messages: [transferAny(faucetOf(h).address, recipientOf(h), amount)] }),
})

const NOT_WHOLE = /amount ".*" is not a non-negative whole number in base units/

const BAD_TXS: BadTxCase[] = [
  {
    name: 'wrong chain id',
    code: 'TX_SIGNATURE_INVALID',
    message: /expects chain id "gather-devnet-1"/,
    build: (h) => {
      const f = faucetOf(h)
      const c = h.counters(f.address)
      return transferTx(f, recipientOf(h), 1_000n, { ...c, chainId: 'gather-devnet-2' })
    },
  },
  {
    name: 'wrong account number',
    code: 'TX_SIGNATURE_INVALID',
    message: /account number 1\b/,
    build: (h) => {
      const f = faucetOf(h)
      const c = h.counters(f.address)
      return transferTx(f, recipientOf(h), 1_000n, {
        chainId: h.chainId,
        sequence: c.sequence,
        accountNumber: 7n,
      })
    },
  },
  {
    name: 'reused sequence (already consumed by a committed block)',
    code: 'TX_BAD_SEQUENCE',
    message: (h) =>
      new RegExp(`sequence mismatch .*expected ${h.counters(h.keys.faucet.address).sequence}, got 0`),
    data: (h) => ({ expected: h.counters(h.keys.faucet.address).sequence.toString(), got: '0' }),
    setup: async (h) => {
      h.good(h.transfer(faucetOf(h), recipientOf(h), 5_000n))
      await h.block()
    },
    // a new transaction (other amount), not a replay of the same bytes
    build: (h) => h.transfer(faucetOf(h), recipientOf(h), 6_000n, { sequence: 0n }),
  },
  {
    name: 'future sequence (gap)',
    code: 'TX_BAD_SEQUENCE',
    message: (h) => {
      const s = h.counters(h.keys.faucet.address).sequence
      return new RegExp(`expected ${s}, got ${s + 5n}`)
    },
    data: (h) => {
      const s = h.counters(h.keys.faucet.address).sequence
      return { expected: s.toString(), got: (s + 5n).toString() }
    },
    build: (h) =>
      h.transfer(faucetOf(h), recipientOf(h), 1_000n, {
        sequence: h.counters(h.keys.faucet.address).sequence + 5n,
      }),
  },
  {
    name: 'bad signature (one byte of r flipped)',
    code: 'TX_SIGNATURE_INVALID',
    message: /signature verification failed for gat1/,
    build: (h) =>
      editedTransfer(h, (tx) => {
        const sig = Uint8Array.from(tx.signatures[0]!)
        sig[10] = sig[10]! ^ 0x01
        return { ...tx, signatures: [sig] }
      }),
  },
  {
    name: 'high-S twin of a valid signature',
    code: 'TX_SIGNATURE_HIGH_S',
    message: /high S value; sign with a library that normalises to low S/,
    build: (h) => editedTransfer(h, (tx) => ({ ...tx, signatures: [malleateSignature(tx.signatures[0]!)] })),
  },
  {
    name: 'malformed: random bytes',
    code: 'TX_MALFORMED',
    message: /^malformed transaction: /,
    build: () => pseudoRandomBytes(200, 'random tx'),
  },
  {
    name: 'malformed: empty',
    code: 'TX_MALFORMED',
    message: /malformed transaction: empty/,
    build: () => new Uint8Array(0),
  },
  {
    name: 'malformed: truncated TxRaw',
    code: 'TX_MALFORMED',
    message: /^malformed transaction: /,
    build: (h) => h.transfer(faucetOf(h), recipientOf(h), 1_000n).slice(0, -10),
  },
  {
    name: 'malformed: unknown field appended to TxRaw (non-canonical)',
    code: 'TX_MALFORMED',
    message: /not canonically encoded TxRaw/,
    build: (h) => {
      const raw = h.transfer(faucetOf(h), recipientOf(h), 1_000n)
      // field 9, wire type 2 (length-delimited), 3 bytes: skipped by a lenient decoder
      return Uint8Array.from([...raw, (9 << 3) | 2, 3, 1, 2, 3])
    },
  },
  {
    name: 'malformed: two signatures',
    code: 'TX_MALFORMED',
    message: /expected exactly 1 signature, got 2/,
    build: (h) => editedTransfer(h, (tx) => ({ ...tx, signatures: [tx.signatures[0]!, tx.signatures[0]!] })),
  },
  {
    name: 'malformed: no messages',
    code: 'TX_MALFORMED',
    message: /no messages/,
    build: (h) => faucetTx(h, { messages: [] }),
  },
  {
    name: 'malformed: sign mode other than DIRECT',
    code: 'TX_MALFORMED',
    message: /sign mode must be SIGN_MODE_DIRECT/,
    build: (h) => faucetTx(h, { signMode: SignMode.SIGN_MODE_LEGACY_AMINO_JSON }),
  },
  {
    name: 'oversized: memo pushing the tx above maxTxBytes',
    code: 'TX_TOO_LARGE',
    message: /transaction is \d+ bytes, the limit is 65536/,
    build: (h) => faucetTx(h, { memo: 'x'.repeat(70_000) }),
  },
  {
    name: 'oversized: memo above the memo limit',
    code: 'TX_MALFORMED',
    message: /memo longer than 256 characters/,
    build: (h) => faucetTx(h, { memo: 'x'.repeat(257) }),
  },
  amountCase('negative amount', '-5', NOT_WHOLE),
  amountCase('overflowing amount 2^200', (2n ** 200n).toString(), NOT_WHOLE),
  amountCase(
    'amount 2^127 (just above the maximum)',
    (2n ** 127n).toString(),
    /exceeds the maximum amount 2\^127-1/,
  ),
  amountCase('exponent amount "1e6"', '1e6', NOT_WHOLE),
  amountCase('hex amount "0x10"', '0x10', NOT_WHOLE),
  amountCase('amount with whitespace " 5"', ' 5', NOT_WHOLE),
  amountCase('fractional amount "1.5"', '1.5', NOT_WHOLE),
  amountCase('leading zero "05"', '05', NOT_WHOLE),
  amountCase('empty amount', '', NOT_WHOLE),
  amountCase('zero amount', '0', /amount must be greater than zero/),
  {
    name: 'insufficient balance',
    code: 'TOKEN_INSUFFICIENT_BALANCE',
    message: (h) => {
      const balance = BigInt(
        h.subject.query.token.getAccount({ address: h.keys.validator.address }).balance.ugat,
      )
      return new RegExp(`has ${balance - 1000n} ugat after fees, cannot send ${balance} ugat`)
    },
    // the whole balance: affordable without the fee, not with it
    build: (h) =>
      h.transfer(
        h.keys.validator,
        h.keys.faucet.address,
        BigInt(h.subject.query.token.getAccount({ address: h.keys.validator.address }).balance.ugat),
      ),
  },
  {
    name: 'insufficient balance for the fee',
    code: 'TOKEN_INSUFFICIENT_FEE_BALANCE',
    message: (h) => {
      const balance = BigInt(
        h.subject.query.token.getAccount({ address: h.keys.validator.address }).balance.ugat,
      )
      return new RegExp(`can spend ${balance} ugat, the fee is ${balance + 1n} ugat`)
    },
    build: (h) => {
      const balance = BigInt(
        h.subject.query.token.getAccount({ address: h.keys.validator.address }).balance.ugat,
      )
      return h.transfer(h.keys.validator, h.keys.faucet.address, 1n, { fee: balance + 1n })
    },
  },
  {
    name: 'fee below the minimum',
    code: 'TX_FEE_TOO_LOW',
    message: /fee 999 ugat is below the minimum of 1000 ugat/,
    data: { minFee: '1000' },
    build: (h) => h.transfer(faucetOf(h), recipientOf(h), 1_000n, { fee: 999n }),
  },
  {
    name: 'fee in another denom',
    code: 'TX_FEE_DENOM',
    message: /fee must be paid in ugat, got "uatom"/,
    build: (h) => faucetTx(h, { fee: [{ denom: 'uatom', amount: '5000' }] }),
  },
  {
    name: 'fee amount not a decimal',
    code: 'INVALID_AMOUNT',
    message: /fee amount "-1000" is not a non-negative whole number/,
    build: (h) => faucetTx(h, { fee: [{ denom: 'ugat', amount: '-1000' }] }),
  },
  {
    name: 'unknown message type',
    code: 'TX_UNKNOWN_MESSAGE',
    message:
      /unknown message type "\/cosmos.staking.v1beta1.MsgDelegate"; this chain accepts .*\/gather.token.v1.MsgTransfer/,
    build: (h) =>
      faucetTx(h, {
        messages: [{ typeUrl: '/cosmos.staking.v1beta1.MsgDelegate', value: new Uint8Array(0) }],
      }),
  },
  {
    name: 'MsgSend of a denom other than ugat',
    code: 'TOKEN_INVALID_DENOM',
    message: /MsgSend can only move ugat, got "uatom"/,
    build: (h) =>
      faucetTx(h, {
        messages: [
          {
            typeUrl: '/cosmos.bank.v1beta1.MsgSend',
            value: MsgSend.encode({
              fromAddress: h.keys.faucet.address,
              toAddress: h.keys.validator.address,
              amount: [{ denom: 'uatom', amount: '1' }],
            }).finish(),
          },
        ],
      }),
  },
  {
    name: 'MsgSend of two coins',
    code: 'TOKEN_INVALID_DENOM',
    message: /exactly one ugat coin, got 2 coins/,
    build: (h) =>
      faucetTx(h, {
        messages: [
          {
            typeUrl: '/cosmos.bank.v1beta1.MsgSend',
            value: MsgSend.encode({
              fromAddress: h.keys.faucet.address,
              toAddress: h.keys.validator.address,
              amount: [
                { denom: 'ugat', amount: '1' },
                { denom: 'ugat', amount: '1' },
              ],
            }).finish(),
          },
        ],
      }),
  },
  {
    name: 'wrong signer (from_address is not the signer)',
    code: 'TX_WRONG_SIGNER',
    message: /message 0 must be signed by gat1\w+, but the transaction is signed by gat1\w+/,
    build: (h) =>
      faucetTx(h, { messages: [transferAny(h.keys.validator.address, h.keys.faucet.address, '1000')] }),
  },
  {
    name: 'bad recipient address (checksum)',
    code: 'INVALID_ADDRESS',
    message: /to_address: invalid address "gat1\w+": bad checksum/,
    build: (h) => {
      const good = recipientOf(h)
      const last = good.endsWith('q') ? 'p' : 'q'
      return faucetTx(h, {
        messages: [transferAny(faucetOf(h).address, `${good.slice(0, -1)}${last}`, '1000')],
      })
    },
  },
  {
    name: 'bad recipient address (other chain prefix)',
    code: 'INVALID_ADDRESS',
    message: /to_address: .*wrong prefix "cosmos", expected "gat"/,
    build: (h) =>
      faucetTx(h, {
        messages: [
          transferAny(faucetOf(h).address, addressFromPubkey(h.keys.validator.publicKey, 'cosmos'), '1000'),
        ],
      }),
  },
  {
    name: 'claim with nothing to claim (the faucet neither stakes nor owns a node)',
    code: 'TOKEN_NOTHING_TO_CLAIM',
    message: /gat1\w+ has no rewards to claim$/,
    build: (h) => faucetTx(h, { messages: [claimRewardsMessage(faucetOf(h).address)] }),
  },
  {
    name: 'claim for another account (address is not the signer)',
    code: 'TX_WRONG_SIGNER',
    message: /message 0 must be signed by gat1\w+, but the transaction is signed by gat1\w+/,
    build: (h) => faucetTx(h, { messages: [claimRewardsMessage(h.keys.validator.address)] }),
  },
  {
    name: 'claim with a malformed address',
    code: 'INVALID_ADDRESS',
    message: /address: invalid address "gat1nope"/,
    build: (h) => faucetTx(h, { messages: [claimRewardsMessage('gat1nope')] }),
  },
  {
    name: 'missing recipient address',
    code: 'INVALID_ADDRESS',
    message: /to_address is required/,
    build: (h) => faucetTx(h, { messages: [transferAny(faucetOf(h).address, '', '1000')] }),
  },
  {
    name: 'unfunded account (fresh key)',
    code: 'ACCOUNT_NOT_FOUND',
    message: /account gat1\w+ does not exist yet; it must receive GAT/,
    build: (h) => {
      const fresh = freshSigner('unfunded')
      return transferTx(fresh, recipientOf(h), 1_000n, {
        chainId: h.chainId,
        accountNumber: 0n,
        sequence: 0n,
      })
    },
  },
  {
    name: 'duplicate submission',
    code: 'TX_ALREADY_KNOWN',
    message: /transaction [0-9A-F]{64} is already pending/,
    setup: async (h) => {
      duplicateOf.set(h, h.transfer(faucetOf(h), recipientOf(h), 7_000n))
      h.good(duplicateOf.get(h)!)
    },
    build: (h) => duplicateOf.get(h)!,
  },
]

/** The good transaction the duplicate case submits twice, per harness. */
const duplicateOf = new WeakMap<Harness, Uint8Array>()

/** What a case expects, resolved against the state after its setup. */
interface Expected {
  name: string
  code: string
  message: RegExp
  data: Record<string, unknown> | undefined
}

/** Runs the setup, submits the bad bytes to the subject; returns what was thrown and what was expected. */
async function submitBad(h: Harness, c: BadTxCase): Promise<{ thrown: unknown; expected: Expected }> {
  await c.setup?.(h)
  const expected: Expected = {
    name: c.name,
    code: c.code,
    message: typeof c.message === 'function' ? c.message(h) : c.message,
    data: typeof c.data === 'function' ? c.data(h) : c.data,
  }
  const raw = c.build(h)
  const sizeBefore = h.subject.mempool.size
  const bytesBefore = h.subject.mempool.sizeBytes
  let thrown: unknown
  try {
    h.subject.submitTx(raw)
  } catch (e) {
    thrown = e
  }
  expect({ case: c.name, mempool: [h.subject.mempool.size, h.subject.mempool.sizeBytes] }).toEqual({
    case: c.name,
    mempool: [sizeBefore, bytesBefore],
  })
  return { thrown, expected }
}

function expectRefusal({ thrown, expected: c }: { thrown: unknown; expected: Expected }): void {
  expect({ case: c.name, isChainError: thrown instanceof ChainError }).toEqual({
    case: c.name,
    isChainError: true,
  })
  const e = thrown as ChainError
  expect({ case: c.name, code: e.code }).toEqual({ case: c.name, code: c.code })
  expect({ case: c.name, message: e.message }).toEqual({
    case: c.name,
    message: expect.stringMatching(c.message),
  })
  if (c.data !== undefined) {
    expect({ case: c.name, data: e.data }).toEqual({ case: c.name, data: expect.objectContaining(c.data) })
  }
}

describe('bad transactions: a clear error, nothing written, the node keeps running (docs/protocol/transactions.md)', () => {
  let open: Harness | undefined
  afterEach(async () => {
    await open?.close()
    open = undefined
  })

  test.each(BAD_TXS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const h = await openHarness()
    open = h
    const watched = [h.keys.faucet.address, h.keys.validator.address, freshSigner('unfunded').address]
    expectRefusal(await submitBad(h, c))

    // Nothing leaked into the mempool's check state either: both accounts' next transactions are admitted.
    h.good(h.transfer(h.keys.validator, h.keys.faucet.address, 11n))
    h.good(h.transfer(h.keys.faucet, h.keys.validator.address, 22n))
    const slot = h.subject.chain.head.slot + 1
    const committed = await h.subject.produceBlock(slot)
    await h.control.produceBlock(slot)
    expect({ case: c.name, codes: committed.results.map((r) => r.code) }).toEqual({
      case: c.name,
      codes: committed.block.txs.map(() => 0),
    })
    // The subject's block is the very block the control makes without the bad tx.
    expect({ case: c.name, ...observable(h.subject, watched) }).toEqual({
      case: c.name,
      ...observable(h.control, watched),
    })
  })

  test('after every bad submission in a row the node still includes a good transfer', async () => {
    const h = await openHarness()
    open = h
    const watched = [h.keys.faucet.address, h.keys.validator.address]
    for (const c of BAD_TXS) expectRefusal(await submitBad(h, c))
    // The duplicate case left its good transaction pending; the next ones queue behind it.
    expect(h.subject.mempool.size).toBe(1)

    const faucetBefore = h.subject.query.token.getAccount({ address: h.keys.faucet.address })
    const validatorBefore = h.subject.query.token.getAccount({ address: h.keys.validator.address })
    h.good(h.transfer(h.keys.faucet, h.keys.validator.address, 123_456n, { fee: 2_000n }))
    h.good(h.transfer(h.keys.validator, h.keys.faucet.address, 1_000n))
    const slot = h.subject.chain.head.slot + 1
    const committed = await h.subject.produceBlock(slot)
    await h.control.produceBlock(slot)
    expect(committed.results.map((r) => r.code)).toEqual([0, 0, 0])
    const faucetAfter = h.subject.query.token.getAccount({ address: h.keys.faucet.address })
    const validatorAfter = h.subject.query.token.getAccount({ address: h.keys.validator.address })
    // pending duplicate-case transfer (7,000 + fee 1,000), then 123,456 + fee 2,000 out, 1,000 in
    expect(BigInt(faucetAfter.balance.ugat)).toBe(
      BigInt(faucetBefore.balance.ugat) - 8_000n - 125_456n + 1_000n,
    )
    expect(BigInt(faucetAfter.sequence)).toBe(BigInt(faucetBefore.sequence) + 2n)
    expect(BigInt(validatorAfter.balance.ugat)).toBe(
      BigInt(validatorBefore.balance.ugat) + 7_000n + 123_456n - 2_000n,
    )
    expect(BigInt(validatorAfter.sequence)).toBe(BigInt(validatorBefore.sequence) + 1n)
    expect(observable(h.subject, watched)).toEqual(observable(h.control, watched))
  })
})

/** Re-signs a block with a node key after its header was edited, so only the edited rule can fail. */
function resign(block: Block, privateKey: Uint8Array): Uint8Array {
  return encodeBlock({ ...block, signature: signEd25519(privateKey, headerHash(block.header)) })
}

interface BadBlockCase {
  name: string
  message: RegExp
  tamper: (
    block: Block,
    bytes: Uint8Array,
    ctx: { keys: DevnetKeys; chainId: string; badTx: Uint8Array },
  ) => Uint8Array
}

const flip = (b: Uint8Array, i = 0): Uint8Array => {
  const out = Uint8Array.from(b)
  out[i] = out[i]! ^ 0x01
  return out
}

const BAD_BLOCKS: BadBlockCase[] = [
  {
    name: 'garbage bytes',
    message: /cannot decode/,
    tamper: () => pseudoRandomBytes(300, 'random block'),
  },
  {
    name: 'state root changed, signature kept',
    message: /bad proposer signature/,
    tamper: (b) => encodeBlock({ ...b, header: { ...b.header, stateRoot: flip(b.header.stateRoot) } }),
  },
  {
    name: 'signature flipped',
    message: /bad proposer signature/,
    tamper: (b) => encodeBlock({ ...b, signature: flip(b.signature, 5) }),
  },
  {
    name: 'state root changed and re-signed',
    message: /state root [0-9a-f]{64} does not match execution \([0-9a-f]{64}\)/,
    tamper: (b, _bytes, { keys }) =>
      resign({ ...b, header: { ...b.header, stateRoot: flip(b.header.stateRoot) } }, keys.nodeKey.privateKey),
  },
  {
    name: 'transaction list emptied and re-signed',
    message: /tx root does not match the transactions/,
    tamper: (b, _bytes, { keys }) => resign({ ...b, txs: [] }, keys.nodeKey.privateKey),
  },
  {
    name: 'transaction list with a replayed transaction, roots recomputed and re-signed',
    message: /transaction [0-9A-F]{64}: account sequence mismatch .*expected 1, got 0/,
    tamper: (b, _bytes, { keys }) => {
      const txs = [b.txs[0]!, b.txs[0]!]
      const txRoot = merkleRoot(txs.map((t) => createHash('sha256').update(t).digest()))
      return resign({ ...b, txs, header: { ...b.header, txRoot } }, keys.nodeKey.privateKey)
    },
  },
  {
    name: 'a transaction that fails the ante (bad signature), re-signed',
    message: /transaction [0-9A-F]{64}: signature verification failed/,
    tamper: (b, _bytes, { keys, badTx }) => {
      const txs = [badTx]
      const txRoot = merkleRoot(txs.map((t) => createHash('sha256').update(t).digest()))
      const resultRoot = merkleRoot([encodeTxResult({ code: 0, codespace: '', log: '', events: [] })])
      return resign({ ...b, txs, header: { ...b.header, txRoot, resultRoot } }, keys.nodeKey.privateKey)
    },
  },
  {
    name: 'a transaction that does not decode, re-signed',
    message: /transaction 0: malformed transaction/,
    tamper: (b, _bytes, { keys }) => resign({ ...b, txs: [flip(b.txs[0]!, 0)] }, keys.nodeKey.privateKey),
  },
  {
    name: 'wrong height, re-signed',
    message: /height 2, expected 1/,
    tamper: (b, _bytes, { keys }) =>
      resign({ ...b, header: { ...b.header, height: 2 } }, keys.nodeKey.privateKey),
  },
  {
    name: 'wrong chain id, re-signed',
    message: /chain id "gather-devnet-2", expected "gather-devnet-1"/,
    tamper: (b, _bytes, { keys }) =>
      resign({ ...b, header: { ...b.header, chainId: 'gather-devnet-2' } }, keys.nodeKey.privateKey),
  },
  {
    name: 'previous hash not the head, re-signed',
    message: /previous hash [0-9a-f]{64} is not the head/,
    tamper: (b, _bytes, { keys }) =>
      resign(
        { ...b, header: { ...b.header, previousHash: flip(b.header.previousHash) } },
        keys.nodeKey.privateKey,
      ),
  },
  {
    name: 'time not matching the slot, re-signed',
    message: /time \d+ does not match slot \d+/,
    tamper: (b, _bytes, { keys }) =>
      resign({ ...b, header: { ...b.header, timeMs: b.header.timeMs + 1 } }, keys.nodeKey.privateKey),
  },
  {
    name: 'signed by a node key that is not scheduled',
    message: /proposer [0-9a-f]{64} is not scheduled for slot \d+/,
    tamper: (b) => {
      const stranger = nodeKeyFromSeed(pseudoRandomBytes(32, 'stranger node key'))
      return resign({ ...b, header: { ...b.header, proposer: stranger.publicKey } }, stranger.privateKey)
    },
  },
]

describe('bad blocks: refused on import, nothing written', () => {
  test('tampered blocks are BLOCK_INVALID and leave the importer untouched; the original imports to the same state', async () => {
    const genesisTime = new Date('2026-02-01T00:00:00Z')
    const a = await openDevnetNode({ genesisTime })
    const b = await openDevnetNode({ genesisTime })
    try {
      const { keys } = a
      const chainId = a.genesis.chainId
      const faucet = a.node.query.token.getAccount({ address: keys.faucet.address })
      a.node.submitTx(
        transferTx(keys.faucet, keys.validator.address, 250_000n, {
          chainId,
          accountNumber: BigInt(faucet.accountNumber),
          sequence: BigInt(faucet.sequence),
        }),
      )
      const committed = await a.node.produceBlock(a.node.chain.head.slot + 1)
      expect(committed.block.txs).toHaveLength(1)
      const badTx = transferTx(keys.faucet, keys.validator.address, 1n, {
        chainId: 'another-chain',
        accountNumber: BigInt(faucet.accountNumber),
        sequence: 0n,
      })

      const statusBefore = b.node.getStatus()
      const watched = [keys.faucet.address, keys.validator.address]
      const viewBefore = observable(b.node, watched)
      for (const c of BAD_BLOCKS) {
        const bytes = c.tamper(decodeBlock(committed.bytes), committed.bytes, { keys, chainId, badTx })
        let thrown: unknown
        try {
          await b.node.importBlock(bytes)
        } catch (e) {
          thrown = e
        }
        expect({ case: c.name, code: (thrown as ChainError | undefined)?.code }).toEqual({
          case: c.name,
          code: 'BLOCK_INVALID',
        })
        expect({ case: c.name, message: (thrown as Error).message }).toEqual({
          case: c.name,
          message: expect.stringMatching(c.message),
        })
        expect({ case: c.name, ...observable(b.node, watched) }).toEqual({ case: c.name, ...viewBefore })
        expect({ case: c.name, stored: await b.node.getBlock(1) }).toEqual({
          case: c.name,
          stored: undefined,
        })
      }
      expect(b.node.getStatus().headHash).toBe(statusBefore.headHash)

      const imported = await b.node.importBlock(committed.bytes)
      expect(Buffer.from(imported.hash).toString('hex')).toBe(a.node.getStatus().headHash)
      expect(b.node.getStatus().stateRoot).toBe(a.node.getStatus().stateRoot)
      expect(observable(b.node, watched)).toEqual(observable(a.node, watched))
      // The same block a second time is no longer the next one.
      await expect(b.node.importBlock(committed.bytes)).rejects.toMatchObject({
        code: 'BLOCK_INVALID',
        message: expect.stringMatching(/height 1, expected 2/),
      })
    } finally {
      await a.close()
      await b.close()
    }
  })
})
