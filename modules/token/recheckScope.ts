import type { RecheckScope, TxFootprint } from '../../chain/mempool/mempool.js'
import type { PreparedTx } from '../../chain/stateMachine.js'
import type { StateReader, StateWriter } from '../../chain/store/types.js'
import { sendCommand } from './commands/send.js'
import { type Transfer, transferCommand } from './commands/transfer.js'
import { tokenMethod } from './method.js'
import {
  accountStore,
  balanceStore,
  burnedStore,
  mintedStore,
  rewardPoolStore,
  TOKEN_MODULE,
  vestingStore,
} from './stores/index.js'

const TOKEN_PREFIX = `${TOKEN_MODULE}/`
const TRANSFERS = new Set([transferCommand.typeUrl, sendCommand.typeUrl])

/** State keys scoped to one account: the account record, its balance and its vesting schedule. */
const ACCOUNT_PREFIXES = [accountStore.key(''), balanceStore.key(''), vestingStore.key('')]

/**
 * Supply counters a block may write that no transfer's check reads to decide anything: a fee
 * burn only adds to `supply/burned`; `supply/minted` and the reward pool are written by the
 * block's issuance, never by a transfer. Keys outside `token/` (staking's per-block producer
 * counts, the super node set, ...) are never read by a transfer's check at all: the ante step
 * (`tokenAuthenticator`) and the transfer commands read only the token module's stores.
 */
const UNREAD_KEYS = new Set([burnedStore.key, mintedStore.key, rewardPoolStore.key])

/**
 * What the mempool may recheck by account after a block (docs/adr/014-admission-pipeline.md):
 * a transfer's check (ante: account, sequence, signature, fee, spendable balance; then the
 * transfer) reads and writes only its signer's account keys, adds the amounts to its
 * recipients' balances (which cannot fail: they exist), and adds the fee to the burned counter. Everything else is "may read anything", and makes the mempool recheck in full:
 * another message type, a recipient that does not exist yet (its account number comes from the
 * global counter), a block that wrote a token key other than account keys and the supply
 * counters (the minimum fee, the next account number, reward records). A timeout height or a vesting signer depends on
 * the block height, so such a transaction is rechecked after every block.
 */
export const tokenRecheckScope: RecheckScope = {
  footprint(p: PreparedTx, state: StateReader): TxFootprint | undefined {
    const credits: { to: string; amount: bigint }[] = []
    for (const { command, msg } of p.messages) {
      if (!TRANSFERS.has(command.typeUrl)) return undefined
      const { to, amount } = msg as Transfer
      if (!accountStore.has(state, to)) return undefined
      credits.push({ to, amount })
    }
    const everyBlock = p.tx.timeoutHeight !== 0n || vestingStore.has(state, p.tx.signer)
    return { signer: p.tx.signer, credits, everyBlock }
  },

  // what transferCommand.execute does to the recipient
  credit(state: StateWriter, to: string, amount: bigint): void {
    tokenMethod.credit(state, to, amount)
  },

  accountOfKey(key: string): string | null | undefined {
    if (!key.startsWith(TOKEN_PREFIX)) return null
    for (const prefix of ACCOUNT_PREFIXES) if (key.startsWith(prefix)) return key.slice(prefix.length)
    return UNREAD_KEYS.has(key) ? null : undefined
  },
}
