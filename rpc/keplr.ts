// The chain as Keplr's `experimentalSuggestChain` wants it described, from a few facts about the
// node. Pure: `gather chain-info --keplr` fills it from a node's status and minimum fee.

/** Flat gas a simulation reports (rpc/cosmos.ts): gas prices are the minimum fee over it. */
export const KEPLR_SIMULATED_GAS = 100_000

/** GAT as Keplr lists a currency: 6 decimals over ugat. */
const GAT = { coinDenom: 'GAT', coinMinimalDenom: 'ugat', coinDecimals: 6 } as const

/** The bech32 prefixes of every key kind, all from `gat` as the Cosmos SDK derives them. */
export const BECH32_CONFIG = {
  bech32PrefixAccAddr: 'gat',
  bech32PrefixAccPub: 'gatpub',
  bech32PrefixValAddr: 'gatvaloper',
  bech32PrefixValPub: 'gatvaloperpub',
  bech32PrefixConsAddr: 'gatvalcons',
  bech32PrefixConsPub: 'gatvalconspub',
} as const

/**
 * Keplr's ChainInfo for this chain: RPC and REST (one listener serves both), BIP-44 coin type
 * 118 (the Cosmos Hub's, which `gather keys` derives with), GAT as stake, fee and currency.
 * The gas price steps are the minimum fee per transaction over the flat simulated gas, times
 * 1, 2.5 and 4, so even "low" with cosmjs's 1.3 gas multiplier pays at least the minimum.
 */
export function keplrChainInfo(o: { chainId: string; rpc: string; rest: string; minFeeUgat: bigint }) {
  const low = Number(o.minFeeUgat) / KEPLR_SIMULATED_GAS
  const round = (v: number) => Number(v.toPrecision(6))
  return {
    chainId: o.chainId,
    chainName: `Gather Chain (${o.chainId})`,
    rpc: o.rpc,
    rest: o.rest,
    bip44: { coinType: 118 },
    bech32Config: BECH32_CONFIG,
    currencies: [GAT],
    feeCurrencies: [
      { ...GAT, gasPriceStep: { low: round(low), average: round(low * 2.5), high: round(low * 4) } },
    ],
    stakeCurrency: GAT,
    features: [] as string[],
  }
}
