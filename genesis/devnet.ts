import { deriveAccountKey, deriveNodeKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { hex } from '../chain/hex.js'
import { type Genesis, parseGenesis } from './schema.js'

/** The devnet's chain id. */
export const DEVNET_CHAIN_ID = 'gather-devnet-1'
/** GAT held by the faucet (account 1) in a devnet, in ugat. */
export const DEVNET_FAUCET_UGAT = 1_000_000n * 1_000_000n
/** GAT the validator's owner locks on its node at genesis, in ugat (1,000 GAT). */
export const DEVNET_VALIDATOR_SELF_LOCK_UGAT = 1_000n * 1_000_000n
/** GAT held by the validator's owner (account 0) in a devnet, in ugat (before the self-lock). */
export const DEVNET_VALIDATOR_UGAT = 10_000n * 1_000_000n

/** Options of the devnet genesis. */
export interface DevnetGenesisOptions {
  mnemonic?: string
  genesisTime?: Date
  blockTimeMs?: number
  /** staking params (e.g. a short unbonding period for tests) */
  staking?: {
    unbondingBlocks?: number
    electionPeriodRounds?: number
    maxSuperNodes?: number
    jailBlocks?: number
    slashFractionBps?: number
    evidenceMaxAgeBlocks?: number
  }
  /** blocks per issuance day (default: the token module's 43,200) */
  blocksPerDay?: number
  /** the day super-node rewards unlock (default: the token module's 730) */
  superNodeRewardLockDays?: number
  /** governance params (e.g. short deposit and voting periods for tests) */
  governance?: GovernancePeriods
}

/** The governance params a devnet or testnet may shorten (blocks). */
export interface GovernancePeriods {
  depositPeriodBlocks?: number
  votingPeriodBlocks?: number
  upgradeMarginBlocks?: number
}

/** Keys and addresses of a devnet made from a mnemonic. */
export interface DevnetKeys {
  validator: { address: string; privateKey: Uint8Array; publicKey: Uint8Array }
  faucet: { address: string; privateKey: Uint8Array; publicKey: Uint8Array }
  nodeKey: { privateKey: Uint8Array; publicKey: Uint8Array }
}

/** Derives the devnet's keys: account 0 owns the validator, account 1 is the faucet, node key 0 signs blocks. */
export async function devnetKeys(mnemonic = TEST_MNEMONIC): Promise<DevnetKeys> {
  const [validator, faucet, nodeKey] = await Promise.all([
    deriveAccountKey(mnemonic, 0),
    deriveAccountKey(mnemonic, 1),
    deriveNodeKey(mnemonic, 0),
  ])
  return { validator, faucet, nodeKey }
}

/** The default single-validator devnet genesis (docs/protocol/README.md). */
export async function buildDevnetGenesis(
  opts: DevnetGenesisOptions = {},
): Promise<{ genesis: Genesis; keys: DevnetKeys }> {
  const keys = await devnetKeys(opts.mnemonic)
  const genesisTime = opts.genesisTime ?? new Date()
  const genesis = parseGenesis({
    chainId: DEVNET_CHAIN_ID,
    genesisTime: new Date(Math.floor(genesisTime.getTime() / 1000) * 1000).toISOString(),
    params: {
      blockTimeMs: opts.blockTimeMs ?? 2000,
      maxBlockTxs: 10_000,
      maxBlockBytes: 8 * 1024 * 1024,
      maxTxBytes: 64 * 1024,
    },
    validators: [
      {
        name: 'devnet-validator',
        nodeKey: hex(keys.nodeKey.publicKey),
        owner: keys.validator.address,
        selfLock: DEVNET_VALIDATOR_SELF_LOCK_UGAT.toString(),
      },
    ],
    modules: {
      token: {
        params: {
          minFee: '1000',
          ...(opts.blocksPerDay === undefined ? {} : { blocksPerDay: opts.blocksPerDay }),
          ...(opts.superNodeRewardLockDays === undefined
            ? {}
            : { superNodeRewardLockDays: opts.superNodeRewardLockDays }),
        },
        gmtIssuer: keys.validator.address,
        accounts: [
          { address: keys.validator.address, ugat: DEVNET_VALIDATOR_UGAT.toString() },
          { address: keys.faucet.address, ugat: DEVNET_FAUCET_UGAT.toString() },
        ],
      },
      staking: { params: { unbondingBlocks: 302_400, ...opts.staking } },
      ...(opts.governance === undefined ? {} : { governance: { params: opts.governance } }),
    },
  })
  return { genesis, keys }
}
