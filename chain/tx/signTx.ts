import { PubKey } from 'cosmjs-types/cosmos/crypto/secp256k1/keys'
import { SignMode } from 'cosmjs-types/cosmos/tx/signing/v1beta1/signing'
import { AuthInfo, SignDoc, TxBody, TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx'
import { protoType } from '../codec/index.js'
import { signDirect } from '../crypto/secp256k1.js'
import { FEE_DENOM, SECP256K1_PUBKEY_URL } from './decodeTx.js'

/** An unsigned transaction: messages already encoded as `Any`, plus the signer's counters. */
export interface UnsignedTx {
  messages: { typeUrl: string; value: Uint8Array }[]
  chainId: string
  accountNumber: bigint
  sequence: bigint
  /** ugat */
  fee: bigint
  gasLimit?: bigint
  memo?: string
  timeoutHeight?: bigint
}

/**
 * Builds and signs a SIGN_MODE_DIRECT transaction with a secp256k1 key, byte-compatible with
 * what a cosmjs wallet produces; returns TxRaw bytes. Used by the CLI, tests and benchmarks.
 */
export function signTx(tx: UnsignedTx, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const bodyBytes = TxBody.encode(
    TxBody.fromPartial({ messages: tx.messages, memo: tx.memo ?? '', timeoutHeight: tx.timeoutHeight ?? 0n }),
  ).finish()
  const authInfoBytes = AuthInfo.encode(
    AuthInfo.fromPartial({
      signerInfos: [
        {
          publicKey: { typeUrl: SECP256K1_PUBKEY_URL, value: PubKey.encode({ key: publicKey }).finish() },
          modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } },
          sequence: tx.sequence,
        },
      ],
      fee: { amount: [{ denom: FEE_DENOM, amount: tx.fee.toString() }], gasLimit: tx.gasLimit ?? 200_000n },
    }),
  ).finish()
  const signBytes = SignDoc.encode({
    bodyBytes,
    authInfoBytes,
    chainId: tx.chainId,
    accountNumber: tx.accountNumber,
  }).finish()
  const signature = signDirect(privateKey, signBytes)
  return TxRaw.encode({ bodyBytes, authInfoBytes, signatures: [signature] }).finish()
}

const MsgTransferType = protoType('gather.token.v1.MsgTransfer')

/** Encodes a MsgTransfer as an `Any`. */
export function transferMessage(
  from: string,
  to: string,
  amount: bigint,
): { typeUrl: string; value: Uint8Array } {
  return {
    typeUrl: '/gather.token.v1.MsgTransfer',
    value: MsgTransferType.encode(
      MsgTransferType.fromObject({ fromAddress: from, toAddress: to, amount: amount.toString() }),
    ).finish(),
  }
}
