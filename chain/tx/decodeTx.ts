import { hash } from 'node:crypto'
import { BinaryReader } from 'cosmjs-types/binary'
import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing'
import { AuthInfo, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { utf8Read } from 'cosmjs-types/utf8'
import protobuf from 'protobufjs'
import { parseAmount } from '../amount.js'
import { asciiText } from '../ascii.js'
import { addressFromPubkey } from '../crypto/address.js'
import { ChainError, ChainErrorCode } from '../errors.js'

/** The only public key type accepted for accounts. */
export const SECP256K1_PUBKEY_URL = '/cosmos.crypto.secp256k1.PubKey'
/** The fee denom; fees are burned. */
export const FEE_DENOM = 'ugat'
/** Upper bounds that keep a single transaction cheap to check. */
export const TX_LIMITS = { maxMessages: 32, maxMemoChars: 256 }

/** One message of a transaction, still encoded. */
export interface TxMessage {
  typeUrl: string
  value: Uint8Array
}

/** A structurally valid Cosmos transaction (signature not yet checked: that needs state). */
export interface DecodedTx {
  /** sha256 of the raw TxRaw bytes, the transaction's id. */
  hash: Uint8Array
  /** Upper-case hex of `hash`, as Cosmos explorers show it. */
  hashHex: string
  raw: Uint8Array
  bodyBytes: Uint8Array
  authInfoBytes: Uint8Array
  signature: Uint8Array
  messages: TxMessage[]
  memo: string
  timeoutHeight: bigint
  /** compressed secp256k1 key of the single signer */
  pubkey: Uint8Array
  /** bech32 address derived from `pubkey` */
  signer: string
  sequence: bigint
  /** ugat */
  fee: bigint
  gasLimit: bigint
}

/** How `decodeTx` reads its input. */
export interface DecodeTxOptions {
  /**
   * A simulation (cosmos.tx.v1beta1.Service/Simulate): the transaction is never signed, so an
   * empty or missing signature, any sign mode and a non-canonical encoding are accepted. Such a
   * decoded transaction must only be run through `StateMachine.simulateTx`.
   */
  simulate?: boolean
}

function malformed(reason: string): ChainError {
  return new ChainError(ChainErrorCode.TX_MALFORMED, `malformed transaction: ${reason}`)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/**
 * cosmjs-types' reader with one change: a string of ASCII bytes is read by Buffer's latin1
 * decoder. cosmjs-types' `utf8Read` builds every string as an array of char codes passed to
 * `String.fromCharCode`; for a byte below 0x80 it takes the char code of the byte itself, which
 * is exactly what latin1 gives, so the string is the same. Any other string still goes through
 * the very `utf8Read` cosmjs-types uses, with its leniency (no check of continuation bytes,
 * overlong forms or surrogates). Every nested message is decoded with the reader it was given,
 * so this one reads each string of TxRaw, TxBody, AuthInfo and PubKey. Type URLs, denoms,
 * amounts and most memos are ASCII: the fast case. `decodeTx.test.ts` compares it with
 * cosmjs-types' own decoders on seeded random and mutated encodings.
 */
class TxReader extends BinaryReader {
  override string(): string {
    const bytes = this.bytes()
    return asciiText(bytes) ?? utf8Read(bytes, 0, bytes.length)
  }
}

/**
 * A cosmjs-types reader over `bytes` itself. Its constructor copies what it is given into a new
 * ArrayBuffer, which cost one allocation per nested message (four per transaction); decodeTx
 * instead copies the transaction's bytes once, into a plain Uint8Array as that constructor
 * would, and reads the nested messages inside that private copy in place. The decoded fields
 * are then what they were: plain Uint8Array views of a copy no caller holds, so nothing decoded
 * from a transaction keeps the caller's buffer (a whole block's bytes) alive or changes with it.
 */
export function readerOf(bytes: Uint8Array): BinaryReader {
  const r = new TxReader()
  r.buf = bytes
  r.len = bytes.length
  return r
}

/** A transaction's id: sha256 of its raw TxRaw bytes. */
export function txHash(raw: Uint8Array): Buffer {
  // the one-shot hash: no Hash object per transaction (the same digest)
  return hash('sha256', raw, 'buffer')
}

/** A transaction's id in both forms a `DecodedTx` carries. */
export interface TxId {
  hash: Buffer
  /** upper-case hex of `hash` */
  hashHex: string
}

/** The id of raw TxRaw bytes: hashed once, its hex upper-cased once (the only place it is). */
export function txId(raw: Uint8Array): TxId {
  const hash = txHash(raw)
  return { hash, hashHex: hash.toString('hex').toUpperCase() }
}

/** Hex of a transaction hash, upper case. */
export function txHashHex(raw: Uint8Array): string {
  return txId(raw).hashHex
}

/**
 * Decodes and structurally checks TxRaw bytes: canonical encoding (so a transaction has one
 * hash), one SIGN_MODE_DIRECT secp256k1 signer, a fee in ugat, bounded messages and memo.
 * Stateless, so its result can be cached by hash; it never reads or writes state. `id` is
 * `txId(raw)` when the caller already computed it (block import looks the mempool up by it),
 * so the transaction is not hashed twice.
 */
export function decodeTx(
  raw: Uint8Array,
  maxTxBytes: number,
  id?: TxId,
  opts: DecodeTxOptions = {},
): DecodedTx {
  const simulate = opts.simulate === true
  if (!(raw instanceof Uint8Array) || raw.length === 0) throw malformed('empty')
  if (raw.length > maxTxBytes) {
    throw new ChainError(
      ChainErrorCode.TX_TOO_LARGE,
      `transaction is ${raw.length} bytes, the limit is ${maxTxBytes}`,
    )
  }
  let txRaw: TxRaw
  let body: TxBody
  let authInfo: AuthInfo
  try {
    txRaw = TxRaw.decode(readerOf(new Uint8Array(raw)))
    if (!simulate && !sameBytes(encodeTxRaw(txRaw), raw)) throw new Error('not canonically encoded TxRaw')
    body = TxBody.decode(readerOf(txRaw.bodyBytes))
    authInfo = AuthInfo.decode(readerOf(txRaw.authInfoBytes))
  } catch (e) {
    if (e instanceof ChainError) throw e
    throw malformed((e as Error).message)
  }
  // a simulation carries no signature (cosmjs sends one empty one), so it may have none
  if (txRaw.signatures.length !== 1 && !(simulate && txRaw.signatures.length === 0))
    throw malformed(`expected exactly 1 signature, got ${txRaw.signatures.length}`)
  const signature = txRaw.signatures[0] ?? new Uint8Array(0)
  if (signature.length !== 64 && !(simulate && signature.length === 0))
    throw malformed(`signature must be 64 bytes (r||s), got ${signature.length}`)

  if (body.messages.length === 0) throw malformed('no messages')
  if (body.messages.length > TX_LIMITS.maxMessages) {
    throw malformed(`${body.messages.length} messages, at most ${TX_LIMITS.maxMessages}`)
  }
  if (body.memo.length > TX_LIMITS.maxMemoChars)
    throw malformed(`memo longer than ${TX_LIMITS.maxMemoChars} characters`)
  if (body.extensionOptions.length > 0) throw malformed('extension options are not supported')
  if (body.unordered) throw malformed('unordered transactions are not supported; use the account sequence')

  if (authInfo.signerInfos.length !== 1) {
    throw malformed(`expected exactly 1 signer, got ${authInfo.signerInfos.length}`)
  }
  const si = authInfo.signerInfos[0]!
  if (si.publicKey === undefined || si.publicKey.typeUrl !== SECP256K1_PUBKEY_URL) {
    throw malformed(`signer public key must be ${SECP256K1_PUBKEY_URL}`)
  }
  let pubkey: Uint8Array
  try {
    pubkey = PubKey.decode(readerOf(si.publicKey.value)).key
  } catch (e) {
    throw malformed(`public key: ${(e as Error).message}`)
  }
  if (pubkey.length !== 33 || (pubkey[0] !== 2 && pubkey[0] !== 3)) {
    throw malformed('public key must be a 33-byte compressed secp256k1 key')
  }
  if (!simulate && si.modeInfo?.single?.mode !== SignMode.SIGN_MODE_DIRECT)
    throw malformed('sign mode must be SIGN_MODE_DIRECT')

  const feeCoins = authInfo.fee?.amount ?? []
  if (feeCoins.length > 1) throw malformed('fee must be a single ugat coin')
  let fee = 0n
  const coin = feeCoins[0]
  if (coin !== undefined) {
    if (coin.denom !== FEE_DENOM) {
      throw new ChainError(
        ChainErrorCode.TX_FEE_DENOM,
        `fee must be paid in ${FEE_DENOM}, got "${coin.denom}"`,
      )
    }
    fee = parseAmount(coin.amount, 'fee amount')
  }
  if (authInfo.fee?.payer || authInfo.fee?.granter) throw malformed('fee payer and granter are not supported')

  const { hash, hashHex } = id ?? txId(raw)
  return {
    hash,
    hashHex,
    raw,
    bodyBytes: txRaw.bodyBytes,
    authInfoBytes: txRaw.authInfoBytes,
    signature,
    messages: body.messages.map((m) => ({ typeUrl: m.typeUrl, value: m.value })),
    memo: body.memo,
    timeoutHeight: body.timeoutHeight,
    pubkey,
    signer: addressFromPubkey(pubkey),
    sequence: si.sequence,
    fee,
    gasLimit: authInfo.fee?.gasLimit ?? 0n,
  }
}

/*
 * TxRaw and SignDoc are encoded here with protobufjs's Writer, field by field, exactly as
 * cosmjs-types (ts-proto) encodes them: proto3 defaults (empty bytes and strings, a zero
 * number) left out, fields in number order. cosmjs-types' own encoder allocates an 8 KiB slab
 * for every message it finishes, which made these two encodes (one per transaction each) the
 * largest source of garbage in block import. `decodeTx.test.ts` checks both byte for byte
 * against cosmjs-types.
 */

/** cosmos.tx.v1beta1.TxRaw { body_bytes = 1; auth_info_bytes = 2; repeated signatures = 3 }. */
export function encodeTxRaw(m: {
  bodyBytes: Uint8Array
  authInfoBytes: Uint8Array
  signatures: readonly Uint8Array[]
}): Uint8Array {
  const w = protobuf.Writer.create()
  if (m.bodyBytes.length !== 0) w.uint32(10).bytes(m.bodyBytes)
  if (m.authInfoBytes.length !== 0) w.uint32(18).bytes(m.authInfoBytes)
  for (const s of m.signatures) w.uint32(26).bytes(s)
  return w.finish()
}

/** cosmos.tx.v1beta1.SignDoc { body_bytes = 1; auth_info_bytes = 2; chain_id = 3; account_number = 4 }. */
export function encodeSignDoc(m: {
  bodyBytes: Uint8Array
  authInfoBytes: Uint8Array
  chainId: string
  accountNumber: bigint
}): Uint8Array {
  const w = protobuf.Writer.create()
  if (m.bodyBytes.length !== 0) w.uint32(10).bytes(m.bodyBytes)
  if (m.authInfoBytes.length !== 0) w.uint32(18).bytes(m.authInfoBytes)
  if (m.chainId !== '') w.uint32(26).string(m.chainId)
  if (m.accountNumber !== 0n) {
    const n = m.accountNumber
    w.uint32(32).uint64(n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString())
  }
  return w.finish()
}

/** The SIGN_MODE_DIRECT bytes the signer signed, rebuilt with the chain's id and its account number. */
export function signBytesOf(tx: DecodedTx, chainId: string, accountNumber: bigint): Uint8Array {
  return encodeSignDoc({
    bodyBytes: tx.bodyBytes,
    authInfoBytes: tx.authInfoBytes,
    chainId,
    accountNumber,
  })
}
