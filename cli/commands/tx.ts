import type { Command } from 'commander'
import { isValidAddress } from '../../chain/crypto/address.js'
import { signTx, transferMessage } from '../../chain/tx/signTx.js'
import { parseCliAmount, parsePositiveCliAmount } from '../amount.js'
import { formatUgat, keyValueTable, output } from '../format.js'
import { Keystore, keystoreDir } from '../keystore.js'
import { clientOf, examples, homeOption, jsonOption, passphraseOption, rpcOption } from '../options.js'
import { getPassphrase } from '../prompt.js'

interface TransferOptions {
  home: string
  rpc: string
  json?: boolean
  passphraseFile?: string
  fee: string
  memo: string
  chainId?: string
  async?: boolean
  timeoutMs?: string
}

/** `gather tx transfer`: sign with a keystore key and submit over JSON-RPC. */
export function registerTx(program: Command): void {
  const tx = program
    .command('tx')
    .description('sign transactions with a keystore key and submit them to a node')
    .addHelpText('after', examples('gather tx transfer alice gat1... 1.5gat'))

  const transfer = tx
    .command('transfer <from-key> <to-address> <amount>')
    .description('send GAT from a keystore key to an address')
    .option('--fee <amount>', 'fee, burned (1.5gat, 1000ugat or a whole number of ugat)', '1000ugat')
    .option('--memo <text>', 'memo stored with the transaction', '')
    .option('--chain-id <id>', 'chain id to sign for (default: asked from the node)')
    .option(
      '--async',
      'return once the node admits the transaction (tx_broadcast), not once it is in a block',
    )
    .addHelpText(
      'after',
      `${examples(
        'gather tx transfer alice gat1erxf3sa9q2j4vgseu7jq4a258ckmk7cy2ry267 1.5gat',
        'gather tx transfer alice gat1... 2500000ugat --fee 2000 --memo "rent" --json',
        'gather tx transfer faucet gat1... 10gat --home ~/.gather-devnet --passphrase-file pass.txt --async',
      )}

<amount> is 1.5gat / 1.5GAT (up to 6 decimals), 1500000ugat, or a whole number of ugat.
The account number and sequence are read with account_get; the exit status is 1 when the node
rejects the transaction or its result code is not 0.`,
    )
  homeOption(transfer)
  rpcOption(transfer)
  passphraseOption(transfer)
  jsonOption(transfer).action(async (fromKey: string, to: string, amountText: string, o: TransferOptions) => {
    if (!isValidAddress(to)) throw new Error(`<to-address> "${to}" is not a gat address`)
    const amount = parsePositiveCliAmount(amountText, 'amount')
    const fee = parseCliAmount(o.fee, '--fee')
    const client = clientOf(o.rpc)
    const store = new Keystore(keystoreDir(o.home))
    await store.show(fromKey)
    const passphrase = await getPassphrase(o, { keyName: fromKey, confirm: false })
    const { key } = await store.unlock(fromKey, passphrase)
    const chainId = o.chainId ?? (await client.getStatus()).chainId
    const account = await client.getAccount(key.address)
    if (!account.exists)
      throw new Error(
        `account ${key.address} (key ${fromKey}) does not exist on chain ${chainId}: fund it first`,
      )
    const raw = signTx(
      {
        messages: [transferMessage(key.address, to, amount)],
        chainId,
        accountNumber: BigInt(account.accountNumber),
        sequence: BigInt(account.sequence),
        fee,
        memo: o.memo,
      },
      key.privateKey,
      key.publicKey,
    )
    const summary: [string, string][] = [
      ['from', `${key.address} (${fromKey})`],
      ['to', to],
      ['amount', formatUgat(amount)],
      ['fee', formatUgat(fee)],
    ]
    if (o.async === true) {
      const r = await client.broadcast(raw)
      output(o.json, r, () => keyValueTable([['hash', r.hash], ...summary, ['status', 'in the mempool']]))
      return
    }
    const r = await client.broadcastCommit(raw)
    output(o.json, r, () =>
      keyValueTable([
        ['hash', r.hash],
        ['height', r.height],
        ['code', r.code === 0 ? '0 (success)' : `${r.code} (${r.codespace})`],
        ...summary,
        ...(r.log === '' ? [] : ([['log', r.log]] as [string, string][])),
      ]),
    )
    if (r.code !== 0)
      throw new Error(`transaction ${r.hash} failed in block ${r.height} with code ${r.code}: ${r.log}`)
  })
}
