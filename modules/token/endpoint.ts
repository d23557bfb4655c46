import type { ReadContext } from '../../chain/stateMachine.js'
import { GMT_CAP, tokenMethod } from './method.js'
import {
  burnedStore,
  genesisSupplyStore,
  gmtIssuedStore,
  gmtIssuerStore,
  minFeeStore,
  mintedStore,
} from './stores/index.js'

/** Read-only queries of the token module (RPC `account_get`, `token_getSupply`). */
export const tokenEndpoint = {
  /** An account's counters and balances; counters and amounts as decimal strings. */
  getAccount(ctx: ReadContext, address: string) {
    const account = tokenMethod.getAccount(ctx.state, address)
    return {
      address,
      exists: account !== undefined,
      accountNumber: (account?.accountNumber ?? 0n).toString(),
      sequence: (account?.sequence ?? 0n).toString(),
      balance: {
        ugat: tokenMethod.getBalance(ctx.state, address).toString(),
        gmt: tokenMethod.getGmt(ctx.state, address).total.toString(),
      },
      gmtBound: tokenMethod.getGmt(ctx.state, address).bound.toString(),
    }
  },

  /** Supply counters in ugat. */
  getSupply(ctx: ReadContext) {
    const genesis = genesisSupplyStore.get(ctx.state) ?? 0n
    const minted = mintedStore.get(ctx.state) ?? 0n
    const burned = burnedStore.get(ctx.state) ?? 0n
    return {
      denom: 'ugat',
      cap: (100_000_000n * 1_000_000n).toString(),
      genesis: genesis.toString(),
      minted: minted.toString(),
      burned: burned.toString(),
      total: (genesis + minted - burned).toString(),
      gmt: {
        cap: GMT_CAP.toString(),
        issued: (gmtIssuedStore.get(ctx.state) ?? 0n).toString(),
        issuer: gmtIssuerStore.get(ctx.state) ?? null,
      },
    }
  },

  /** The minimum fee per transaction, ugat. */
  getMinFee(ctx: ReadContext): string {
    return (minFeeStore.get(ctx.state) ?? 0n).toString()
  },
}
