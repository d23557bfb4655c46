import { protoType } from '../../../chain/codec/index.js'
import {
  bigintCodec,
  protoCodec,
  SingletonStore,
  stringCodec,
  TypedStore,
} from '../../../chain/store/typedStore.js'

/** Module name, also the state key prefix. */
export const TOKEN_MODULE = 'token'

/** Auth record of an account, as stored. */
export interface AccountRecord {
  address: string
  accountNumber: string
  sequence: string
}

/** `token/account/<address>` → account number and sequence. */
export const accountStore = new TypedStore<AccountRecord>(
  TOKEN_MODULE,
  'account',
  protoCodec(protoType('gather.token.v1.Account')),
)
/** `token/balance/<address>` → ugat. */
export const balanceStore = new TypedStore<bigint>(TOKEN_MODULE, 'balance', bigintCodec)
/** The next account number to assign. */
export const nextAccountNumberStore = new SingletonStore<bigint>(
  TOKEN_MODULE,
  'nextAccountNumber',
  bigintCodec,
)
/** ugat created at genesis. */
export const genesisSupplyStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/genesis', bigintCodec)
/** ugat minted by issuance since genesis. */
export const mintedStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/minted', bigintCodec)
/** ugat burned (fees and paid features). */
export const burnedStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/burned', bigintCodec)
/** Parameters, stored so that governance can change them later. */
export const minFeeStore = new SingletonStore<bigint>(TOKEN_MODULE, 'params/minFee', bigintCodec)

/** GMT of an account as stored (decimal strings). */
export interface GmtRecord {
  total: string
  bound: string
}

/** `token/gmt/<address>` → GMT held, and how many are bound to registered nodes. */
export const gmtStore = new TypedStore<GmtRecord>(
  TOKEN_MODULE,
  'gmt',
  protoCodec(protoType('gather.token.v1.GmtHolding')),
)
/** GMT issued so far (cap 10,000,000). */
export const gmtIssuedStore = new SingletonStore<bigint>(TOKEN_MODULE, 'supply/gmtIssued', bigintCodec)
/** The only account allowed to issue GMT (genesis parameter; absent: nobody). */
export const gmtIssuerStore = new SingletonStore<string>(TOKEN_MODULE, 'params/gmtIssuer', stringCodec)

/** `token/params/blocksPerDay`: blocks per issuance day (genesis parameter). */
export const blocksPerDayStore = new SingletonStore<bigint>(TOKEN_MODULE, 'params/blocksPerDay', bigintCodec)
/** `token/rewardPool`: minted ugat not yet distributed (absent means 0). */
export const rewardPoolStore = new SingletonStore<bigint>(TOKEN_MODULE, 'rewardPool', bigintCodec)
