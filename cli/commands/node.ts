import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { generateNodeKey } from '../../chain/crypto/ed25519.js'
import { hex } from '../../chain/hex.js'
import { createLogger } from '../../chain/logger.js'
import { type Genesis, parseGenesis } from '../../genesis/schema.js'
import type { NodeNetworkOptions } from '../../node/nodeNetwork.js'
import { parseCliAmount } from '../amount.js'
import { parseAddressArg, parseBootstrap, parseListen, parseWhole } from '../args.js'
import { formatUgat, keyValueTable, output } from '../format.js'
import { defaultHome, hasGenesis, homePaths, readGenesis, readNodeKey, writeHome } from '../home.js'
import { Keystore, keystoreDir } from '../keystore.js'
import {
  examples,
  homeOption,
  jsonOption,
  maxFinalityLagOption,
  parseMaxFinalityLag,
  passphraseOption,
} from '../options.js'
import { unlockKey } from '../prompt.js'
import { parseRpcServerFlags, type RpcServerFlags, rpcServerOptions } from '../rpcServerFlags.js'

interface InitOptions {
  home: string
  chainId: string
  moniker: string
  genesis?: string
  validatorKey?: string
  balance: string
  blockTime: string
  json?: boolean
}

async function readGenesisFile(path: string): Promise<Genesis> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new Error(
      `cannot read genesis ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    )
  }
  try {
    return parseGenesis(JSON.parse(text))
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`)
  }
}

/** `gather init` and `gather start`: a node home of one's own. */
export function registerNode(program: Command): void {
  const init = program
    .command('init')
    .description('create a node home: a new node key and a genesis (given, or a single-validator one)')
    .option('--chain-id <id>', 'chain id of a new genesis', 'gather-local-1')
    .option('--moniker <name>', 'name of this node (the validator name in a new genesis)', 'node-0')
    .option('--genesis <file>', 'use this genesis file (validated) instead of making one')
    .option('--validator-key <name>', 'keystore key (in --home) that owns the validator of a new genesis')
    .option('--balance <amount>', 'genesis balance of the validator key (e.g. 10000gat)', '10000gat')
    .option('--block-time <ms>', 'block time of a new genesis, 100 to 60000 ms', '2000')
    .addHelpText(
      'after',
      `${examples(
        'gather keys add owner --home ./mynode && gather init --home ./mynode --validator-key owner',
        'gather init --home ./mynode --chain-id my-chain-1 --moniker alpha --validator-key owner --block-time 1000',
        'gather init --home ./follower --genesis ./genesis.json',
      )}

A new genesis has one validator: this node's fresh ed25519 key (config/node_key.json, mode 0600),
owned by --validator-key, which also holds --balance. init refuses to overwrite an existing home.`,
    )
  homeOption(init)
  jsonOption(init).action(async (o: InitOptions) => {
    const paths = homePaths(o.home)
    if (await hasGenesis(paths))
      throw new Error(`${paths.home} already has a genesis; refusing to overwrite it`)
    try {
      await readFile(paths.nodeKey)
      throw new Error(`${paths.nodeKey} already exists; refusing to overwrite it`)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
    const nodeKey = generateNodeKey()
    let genesis: Genesis
    if (o.genesis !== undefined) {
      if (o.validatorKey !== undefined) throw new Error('give --genesis or --validator-key, not both')
      genesis = await readGenesisFile(o.genesis)
    } else {
      if (o.validatorKey === undefined)
        throw new Error(
          'give --validator-key NAME (a key in <home>/keys, see `gather keys add`) or --genesis FILE',
        )
      const owner = await new Keystore(keystoreDir(o.home)).show(o.validatorKey)
      const blockTimeMs = Number(o.blockTime)
      genesis = parseGenesis({
        chainId: o.chainId,
        genesisTime: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
        params: { blockTimeMs, maxBlockTxs: 10_000, maxBlockBytes: 8 * 1024 * 1024, maxTxBytes: 64 * 1024 },
        validators: [{ name: o.moniker, nodeKey: hex(nodeKey.publicKey), owner: owner.address }],
        modules: {
          token: {
            params: { minFee: '1000' },
            accounts: [{ address: owner.address, ugat: parseCliAmount(o.balance, '--balance').toString() }],
          },
        },
      })
    }
    await writeHome(paths, genesis, nodeKey)
    const isValidator = genesis.validators.some((v) => v.nodeKey === hex(nodeKey.publicKey))
    const summary = {
      home: paths.home,
      genesis: paths.genesis,
      nodeKey: paths.nodeKey,
      nodePubkey: hex(nodeKey.publicKey),
      chainId: genesis.chainId,
      validator: isValidator,
    }
    output(o.json, summary, () =>
      [
        keyValueTable([
          ['home', summary.home],
          ['genesis', summary.genesis],
          ['node key', `${summary.nodeKey} (${summary.nodePubkey})`],
          ['chain id', summary.chainId],
          ['validator', isValidator ? 'yes (the only one)' : 'no (this node key is not in the genesis)'],
          ...(o.genesis === undefined
            ? ([['balance', `${formatUgat(parseCliAmount(o.balance))} for ${o.validatorKey}`]] as [
                string,
                string,
              ][])
            : []),
        ]),
        '',
        `start it with: gather start --home ${paths.home}`,
      ].join('\n'),
    )
  })

  const start = program
    .command('start')
    .description('run the node of a home made by `gather init`')
    .option('--rpc-listen <host:port>', 'JSON-RPC, WebSocket and metrics address', '127.0.0.1:26657')
    .option('--log-level <level>', 'trace, debug, info, warn, error or silent', 'info')
    .option(
      '--check-invariants',
      'check the supply and staking invariants before each commit; halt (exit 1) rather than commit a block that breaks them',
    )
    .option('--p2p-listen <host:port>', 'peer-to-peer (libp2p TCP) address')
    .option(
      '--bootstrap <multiaddrs>',
      'peers to dial, comma-separated /ip4/…/tcp/…/p2p/<peerId> (needs --p2p-listen)',
    )
    .option(
      '--evidence-key <name>',
      'keystore key (in --home) that signs and pays for evidence of double signing this node sees (needs --p2p-listen)',
    )
    .option(
      '--p2p-mesh <D,Dlo,Dhi,Dlazy>',
      'gossipsub mesh: peers per topic, graft below, prune above, IHAVE peers per heartbeat (default 4,3,6,3; needs --p2p-listen)',
    )
    .option('--p2p-heartbeat <ms>', 'gossipsub heartbeat, 100 to 60000 ms (default 1000; needs --p2p-listen)')
    .option(
      '--p2p-dht-alpha <n>',
      'kad-dht lookups ask this many peers at once, 1 to 20 (default 3; needs --p2p-listen)',
    )
    .option(
      '--p2p-ping-interval <ms>',
      'ping each connection this often, 1000 to 3600000 ms (default 300000; needs --p2p-listen)',
    )
    .option(
      '--anchor-key <name>',
      'keystore key (in --home) that signs and pays for the checkpoints of the group chains this node produces',
    )
    .option(
      '--group-admin-key <name>',
      "keystore key (in --home) of a private groups' admin: this node wraps keys for their new members and rotates them after removals",
    )
    .option(
      '--follow-group <id|all>',
      'host this group chain besides those the node produces (repeatable; a group that does not exist yet is hosted once created; all: every group)',
      collect,
      [] as string[],
    )
    .option(
      '--serve-account <address>',
      'host the group chains this account owns (repeatable)',
      collect,
      [] as string[],
    )
    .option(...maxFinalityLagOption)
    .addHelpText(
      'after',
      `${examples(
        'gather start',
        'gather start --home ./n1 --p2p-listen 127.0.0.1:26701 --anchor-key anchor --passphrase-file pass.txt --follow-group 7',
        'gather start --home ./n1 --p2p-listen 127.0.0.1:26701 --bootstrap /ip4/127.0.0.1/tcp/26703/p2p/12D3Koo…',
        'gather start --home ./mynode --rpc-listen 127.0.0.1:26667 --log-level debug',
        'gather start --home ./mynode --check-invariants',
        'gather start --home ./n1 --p2p-listen 127.0.0.1:26701 --evidence-key reporter --passphrase-file pass.txt',
        'gather start --rpc-listen 127.0.0.1:26657 --trust-proxy --rpc-allowed-host rpc.example.org --cors-origin https://app.example.org',
      )}

On start the node logs its home, data folder, RPC, WebSocket and /metrics addresses.
--check-invariants scans the whole state after each block (supply conservation, staking totals,
caps): a safety net for devnets and testnets, slower on large states.
--evidence-key NAME unlocks that keystore key before anything starts (its passphrase from
--passphrase-file FILE, else $GATHER_PASSPHRASE, else a prompt); when the node sees one node key
sign two blocks for a slot or two votes at a height, it submits MsgSubmitEvidence signed by that
account, which pays the fee. Without it the node only logs what it saw.
Group chains: the node produces the groups that name its node key as a producer, and hosts (stores,
checks, relays and answers for) those and the groups of --follow-group and --serve-account.
--anchor-key NAME (unlocked like --evidence-key; one --passphrase-file serves both) pays for
MsgAnchorCheckpoint every checkpointInterval group blocks, once the producers' signatures reach the
group's threshold. --group-admin-key NAME (an admin's keystore key, unlocked the same way) keeps the
keys of the private groups it administers among those hosted: within one group block it wraps the
current key for new members (or opens a new epoch when the group does not share history) and opens
a new epoch after each removal, so a holder-gated private group admits members with nobody present.
GET /health answers 503 when the head is a minute old (stale), or (degraded) when finality trails
the head by more than --max-finality-lag blocks (default 42, two rounds) or this node, an elected
super node, missed its last slots while other blocks came; the node logs a warning for each.
Behind a reverse proxy: --trust-proxy (clients by X-Forwarded-For), --rpc-allowed-host for the
proxy's public name, --cors-origin for the web pages that open WebSockets. The gateway's limits,
timeouts and checks are described in docs/rpc.md.`,
    )
  homeOption(start)
  rpcServerOptions(start)
  passphraseOption(start).action(
    async (
      o: RpcServerFlags & {
        home: string
        rpcListen: string
        logLevel: string
        checkInvariants?: boolean
        p2pListen?: string
        bootstrap?: string
        evidenceKey?: string
        p2pMesh?: string
        p2pHeartbeat?: string
        p2pDhtAlpha?: string
        p2pPingInterval?: string
        anchorKey?: string
        groupAdminKey?: string
        followGroup: string[]
        serveAccount: string[]
        passphraseFile?: string
        maxFinalityLag?: string
      },
    ) => {
      const rpc = parseRpcServerFlags(o)
      const maxFinalityLagBlocks = parseMaxFinalityLag(o.maxFinalityLag)
      if (o.bootstrap !== undefined && o.p2pListen === undefined)
        throw new Error('--bootstrap needs --p2p-listen')
      if (o.evidenceKey !== undefined && o.p2pListen === undefined)
        throw new Error('--evidence-key needs --p2p-listen: only a node on the network sees double signing')
      const tuning = parseP2pTuning(o)
      if (tuning !== undefined && o.p2pListen === undefined)
        throw new Error(
          '--p2p-mesh, --p2p-heartbeat, --p2p-dht-alpha and --p2p-ping-interval need --p2p-listen',
        )
      if (
        o.passphraseFile !== undefined &&
        o.evidenceKey === undefined &&
        o.anchorKey === undefined &&
        o.groupAdminKey === undefined
      )
        throw new Error(
          '--passphrase-file needs --evidence-key, --anchor-key or --group-admin-key (the key it unlocks)',
        )
      const follow = parseFollowGroups(o.followGroup)
      const serve = o.serveAccount.map((a) => parseAddressArg(a, '--serve-account'))
      const listen = o.p2pListen === undefined ? undefined : parseListen(o.p2pListen, '--p2p-listen')
      const bootstrap = o.bootstrap === undefined ? [] : parseBootstrap(o.bootstrap)
      const paths = homePaths(o.home ?? defaultHome())
      const genesis = await readGenesis(paths)
      const nodeKey = await readNodeKey(paths)
      // unlocked before the node opens: a wrong name or passphrase starts nothing
      const evidenceSigner =
        o.evidenceKey === undefined ? undefined : (await unlockKey(paths.home, o.evidenceKey, o)).key
      const anchorSigner =
        o.anchorKey === undefined ? undefined : (await unlockKey(paths.home, o.anchorKey, o)).key
      const keyAdmin =
        o.groupAdminKey === undefined ? undefined : (await unlockKey(paths.home, o.groupAdminKey, o)).key
      const p2p =
        listen === undefined
          ? undefined
          : {
              listen,
              bootstrap,
              ...(evidenceSigner === undefined ? {} : { evidenceSigner }),
              ...(tuning === undefined ? {} : { tuning }),
            }
      const log = createLogger({ level: o.logLevel })
      // the node (libp2p, LevelDB, the RPC server) loads only for `start`: other commands stay quick
      const { runNode } = await import('../run.js')
      await runNode({
        dataDir: paths.data,
        home: paths.home,
        genesis,
        nodeKey,
        rpcListen: o.rpcListen,
        rpc,
        log,
        checkInvariants: o.checkInvariants === true,
        ...(maxFinalityLagBlocks === undefined ? {} : { maxFinalityLagBlocks }),
        ...(p2p === undefined ? {} : { p2p }),
        groups: {
          follow,
          serve,
          ...(anchorSigner === undefined ? {} : { anchorSigner }),
          ...(keyAdmin === undefined ? {} : { keyAdmin }),
        },
      })
    },
  )
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value]
}

/** `--follow-group` values: group ids, or `all`. */
export function parseFollowGroups(values: readonly string[]): number[] | 'all' {
  if (values.includes('all')) return 'all'
  return values.map((v) => parseWhole(v, '--follow-group', 1, Number.MAX_SAFE_INTEGER))
}

/** The network tuning flags of `gather start` (undefined: none given, the defaults of docs/adr/013). */
function parseP2pTuning(o: {
  p2pMesh?: string
  p2pHeartbeat?: string
  p2pDhtAlpha?: string
  p2pPingInterval?: string
}): NodeNetworkOptions['tuning'] {
  const tuning: NonNullable<NodeNetworkOptions['tuning']> = {}
  if (o.p2pMesh !== undefined) {
    const parts = o.p2pMesh.split(',')
    if (parts.length !== 4)
      throw new Error(`--p2p-mesh takes D,Dlo,Dhi,Dlazy (four whole numbers), got "${o.p2pMesh}"`)
    const [D, Dlo, Dhi, Dlazy] = parts.map((v, i) =>
      parseWhole(v.trim(), `--p2p-mesh ${MESH_NAMES[i]}`, 1, 50),
    )
    if (!(Dlo! <= D! && D! <= Dhi!))
      throw new Error(`--p2p-mesh needs Dlo <= D <= Dhi, got D ${D}, Dlo ${Dlo}, Dhi ${Dhi}`)
    tuning.gossipMesh = { D: D!, Dlo: Dlo!, Dhi: Dhi!, Dlazy: Dlazy! }
  }
  if (o.p2pHeartbeat !== undefined)
    tuning.gossipHeartbeatMs = parseWhole(o.p2pHeartbeat, '--p2p-heartbeat (milliseconds)', 100, 60_000)
  if (o.p2pDhtAlpha !== undefined) tuning.dhtAlpha = parseWhole(o.p2pDhtAlpha, '--p2p-dht-alpha', 1, 20)
  if (o.p2pPingInterval !== undefined)
    tuning.pingIntervalMs = parseWhole(
      o.p2pPingInterval,
      '--p2p-ping-interval (milliseconds)',
      1_000,
      3_600_000,
    )
  return Object.keys(tuning).length === 0 ? undefined : tuning
}

const MESH_NAMES = ['D', 'Dlo', 'Dhi', 'Dlazy']
