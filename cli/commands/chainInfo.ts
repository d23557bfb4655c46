import type { Command } from 'commander'
import { formatGat } from '../../chain/amount.js'
import { BECH32_CONFIG, keplrChainInfo } from '../../rpc/keplr.js'
import { keyValueTable, output } from '../format.js'
import { clientOf, examples, jsonOption, rpcOption } from '../options.js'

interface ChainInfoOptions {
  rpc: string
  rest?: string
  keplr?: boolean
  json?: boolean
}

/** A URL without its trailing slash, as wallets join paths to it. */
function bare(url: string): string {
  return url.replace(/\/+$/, '')
}

/** `gather chain-info [--keplr]`: what a Cosmos wallet needs to know about the chain a node serves. */
export function registerChainInfo(program: Command): void {
  const cmd = program
    .command('chain-info')
    .description(
      "the chain as Cosmos wallets see it: chain id, RPC and REST address, bech32 prefixes, GAT's denom and decimals, gas prices; --keplr prints Keplr's suggest-chain JSON",
    )
    .option('--keplr', "print the chain's Keplr suggest-chain JSON (window.keplr.experimentalSuggestChain)")
    .option(
      '--rest <url>',
      'the REST address wallets should use (default: the --rpc address: one listener serves both)',
    )
    .addHelpText(
      'after',
      examples(
        'gather chain-info',
        'gather chain-info --keplr > gather-devnet.json',
        'gather chain-info --keplr --rpc https://rpc.example.org/ --rest https://rest.example.org/',
      ),
    )
  rpcOption(cmd)
  jsonOption(cmd).action(async (o: ChainInfoOptions) => {
    const client = clientOf(o.rpc)
    const [status, fee] = await Promise.all([client.getStatus(), client.getMinFee()])
    const info = keplrChainInfo({
      chainId: status.chainId,
      rpc: bare(o.rpc),
      rest: bare(o.rest ?? o.rpc),
      minFeeUgat: BigInt(fee.minFee),
    })
    if (o.keplr === true) {
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`)
      return
    }
    const steps = info.feeCurrencies[0]!.gasPriceStep
    output(o.json, info, () =>
      keyValueTable([
        ['chain id', info.chainId],
        ['rpc (CometBFT + JSON-RPC)', info.rpc],
        ['rest (Cosmos SDK routes)', info.rest],
        ['bip44 coin type', String(info.bip44.coinType)],
        ['bech32 prefixes', Object.values(BECH32_CONFIG).join(', ')],
        ['currency', 'GAT = 1,000,000 ugat (6 decimals): stake, fee and currency'],
        ['minimum fee', `${formatGat(BigInt(fee.minFee))} GAT (${fee.minFee} ugat) per transaction`],
        ['gas prices (low / average / high)', `${steps.low} / ${steps.average} / ${steps.high} ugat`],
      ]),
    )
  })
}
