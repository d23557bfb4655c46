import { type AccountKey, deriveAccountKey, TEST_MNEMONIC } from '../chain/crypto/hd.js'
import { hex } from '../chain/hex.js'
import type { GovernancePeriods } from './devnet.js'
import { type Genesis, parseGenesis } from './schema.js'

/** The local testnet's chain id. */
export const TESTNET_CHAIN_ID = 'gather-testnet-1'
/** At most this many validators: every one is a super node. */
export const TESTNET_MAX_VALIDATORS = 21
/** GAT held by each validator's owner at genesis, in ugat (10,000 GAT, before the self-lock). */
export const TESTNET_VALIDATOR_UGAT = 10_000n * 1_000_000n
/** GAT each owner locks on its node at genesis, in ugat (1,000 GAT). */
export const TESTNET_SELF_LOCK_UGAT = 1_000n * 1_000_000n
/** GAT held by the faucet (account N), in ugat. */
export const TESTNET_FAUCET_UGAT = 1_000_000n * 1_000_000n

/** Options of the testnet genesis. */
export interface TestnetGenesisOptions {
  /** the validators' ed25519 node public keys, validator i first at index i (1 to 21 of them) */
  nodePublicKeys: readonly Uint8Array[]
  blockTimeMs: number
  genesisTime?: Date
  /** mnemonic of the owner and faucet accounts (default: the public test mnemonic) */
  mnemonic?: string
  /** governance params (e.g. short deposit and voting periods) */
  governance?: GovernancePeriods
}

/**
 * A genesis with N super nodes: validator i has node key i and is owned by account i of the
 * mnemonic (balance and self-lock); account N is the faucet; account 0 issues GMT.
 */
export async function buildTestnetGenesis(
  opts: TestnetGenesisOptions,
): Promise<{ genesis: Genesis; owners: AccountKey[]; faucet: AccountKey }> {
  const n = opts.nodePublicKeys.length
  if (n < 1 || n > TESTNET_MAX_VALIDATORS)
    throw new RangeError(`a testnet has 1 to ${TESTNET_MAX_VALIDATORS} validators, got ${n}`)
  const mnemonic = opts.mnemonic ?? TEST_MNEMONIC
  const accounts = await Promise.all(Array.from({ length: n + 1 }, (_, i) => deriveAccountKey(mnemonic, i)))
  const owners = accounts.slice(0, n)
  const faucet = accounts[n] as AccountKey
  const genesisTime = opts.genesisTime ?? new Date()
  const genesis = parseGenesis({
    chainId: TESTNET_CHAIN_ID,
    genesisTime: new Date(Math.floor(genesisTime.getTime() / 1000) * 1000).toISOString(),
    params: {
      blockTimeMs: opts.blockTimeMs,
      maxBlockTxs: 10_000,
      maxBlockBytes: 8 * 1024 * 1024,
      maxTxBytes: 64 * 1024,
    },
    validators: opts.nodePublicKeys.map((key, i) => ({
      name: `node-${i}`,
      nodeKey: hex(key),
      owner: owners[i]?.address,
      selfLock: TESTNET_SELF_LOCK_UGAT.toString(),
    })),
    modules: {
      token: {
        params: { minFee: '1000' },
        gmtIssuer: owners[0]?.address,
        accounts: [
          ...owners.map((o) => ({ address: o.address, ugat: TESTNET_VALIDATOR_UGAT.toString() })),
          { address: faucet.address, ugat: TESTNET_FAUCET_UGAT.toString() },
        ],
      },
      staking: { params: { maxSuperNodes: TESTNET_MAX_VALIDATORS, unbondingBlocks: 302_400 } },
      ...(opts.governance === undefined ? {} : { governance: { params: opts.governance } }),
    },
  })
  return { genesis, owners, faucet }
}
