import { ChainError } from '../../chain/errors.js'
import type {
  ExecContext,
  GenesisContext,
  Module,
  ReadContext,
  TxAuthenticator,
} from '../../chain/stateMachine.js'
import type { StateReader } from '../../chain/store/types.js'
import { burnCommand } from './commands/burn.js'
import { claimRewardsCommand } from './commands/claimRewards.js'
import { issueDeviceCommand } from './commands/issueDevice.js'
import { sendCommand } from './commands/send.js'
import { transferCommand } from './commands/transfer.js'
import { TokenErrorCode } from './errors.js'
import { tokenEvents } from './events.js'
import type { TokenGenesis } from './genesis.js'
import { applyBlockMint } from './hooks/mint.js'
import { tokenMethod } from './method.js'
import { getBlocksPerDay, getSuperNodeRewardLockDays, tokenParams } from './params.js'
import {
  balanceStore,
  blocksPerDayStore,
  burnedStore,
  genesisSupplyStore,
  gmtIssuerStore,
  minFeeStore,
  mintedStore,
  superNodeLockDaysStore,
  TOKEN_MODULE,
} from './stores/index.js'

/** Accounts, sequences and fees for the state machine's ante step. */
export const tokenAuthenticator: TxAuthenticator = {
  getAccount: (state, address) => tokenMethod.getAccount(state, address),

  checkFee(ctx: ReadContext, tx) {
    const minFee = minFeeStore.get(ctx.state) ?? 0n
    if (tx.fee < minFee) {
      throw new ChainError(
        TokenErrorCode.FEE_TOO_LOW,
        `fee ${tx.fee} ugat is below the minimum of ${minFee} ugat`,
        {
          minFee: minFee.toString(),
        },
      )
    }
    const balance = tokenMethod.getBalance(ctx.state, tx.signer)
    const spendable = tokenMethod.getSpendable(ctx.state, tx.signer, ctx.block.height, balance)
    if (spendable < tx.fee) {
      const vesting = spendable < balance ? ` (${balance - spendable} ugat of its ${balance} still vest)` : ''
      throw new ChainError(
        TokenErrorCode.INSUFFICIENT_FEE_BALANCE,
        `insufficient balance for the fee: ${tx.signer} can spend ${spendable} ugat${vesting}, the fee is ${tx.fee} ugat`,
      )
    }
  },

  chargeFee(ctx, tx, account) {
    tokenMethod.burn(ctx, tx.signer, tx.fee, 'fee')
    tokenMethod.setSequence(ctx.state, tx.signer, account.sequence + 1n)
  },
}

/** The token module: ugat balances, accounts, transfers, fees burned, supply counters. */
export const tokenModule: Module = {
  name: TOKEN_MODULE,
  events: tokenEvents,
  commands: [transferCommand, sendCommand, issueDeviceCommand, burnCommand, claimRewardsCommand],

  initGenesis(ctx: GenesisContext, raw: unknown) {
    const genesis = (raw ?? { accounts: [] }) as TokenGenesis
    const params = tokenParams.parse(genesis.params)
    minFeeStore.set(ctx.state, params.minFee)
    blocksPerDayStore.set(ctx.state, BigInt(params.blocksPerDay))
    superNodeLockDaysStore.set(ctx.state, BigInt(params.superNodeRewardLockDays))
    let supply = 0n
    for (const a of genesis.accounts) {
      const amount = BigInt(a.ugat)
      tokenMethod.credit(ctx.state, a.address, amount)
      if (a.vesting !== undefined && amount > 0n) {
        // Vesting runs on heights: day d starts after block d × blocksPerDay.
        const start = (a.vesting.startDay ?? 0) * params.blocksPerDay
        tokenMethod.setVesting(ctx.state, a.address, {
          original: amount,
          start,
          cliff: start + (a.vesting.cliffDays ?? 0) * params.blocksPerDay,
          end: start + a.vesting.durationDays * params.blocksPerDay,
          delegatedVesting: 0n,
          delegatedFree: 0n,
        })
      }
      supply += amount
    }
    genesisSupplyStore.set(ctx.state, supply)
    if (genesis.gmtIssuer !== undefined) gmtIssuerStore.set(ctx.state, genesis.gmtIssuer)
    mintedStore.set(ctx.state, 0n)
    burnedStore.set(ctx.state, 0n)
  },

  // Issuance: this block's share of the day's GAT into the reward pool (see hooks/mint.ts for
  // why after the transactions).
  afterTransactions(ctx: ExecContext) {
    applyBlockMint(ctx)
  },

  exportGenesis(state: StateReader): TokenGenesis {
    return {
      params: tokenParams.toJson({
        minFee: minFeeStore.get(state) ?? 0n,
        blocksPerDay: getBlocksPerDay(state),
        superNodeRewardLockDays: getSuperNodeRewardLockDays(state),
      }),
      ...(gmtIssuerStore.get(state) === undefined ? {} : { gmtIssuer: gmtIssuerStore.get(state)! }),
      accounts: balanceStore.entries(state).map(([address, ugat]) => ({ address, ugat: ugat.toString() })),
    }
  },
}
