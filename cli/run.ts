import type { ProposerKey } from '../chain/blockchain.js'
import type { ChainError } from '../chain/errors.js'
import type { Logger } from '../chain/logger.js'
import { NodeMetrics } from '../chain/metrics.js'
import type { Genesis } from '../genesis/schema.js'
import { GovernanceErrorCode } from '../modules/governance/errors.js'
import { GroupHost, type GroupHostOptions, groupNetworkOf } from '../node/groups/index.js'
import { GatherNode, NodeNetwork, type NodeNetworkOptions, UPGRADE_EXIT_CODE } from '../node/index.js'
import { isLoopbackHost } from '../rpc/access.js'
import { defaultRpcOptions, RpcServer, type RpcServerOptions } from '../rpc/server.js'
import { parseListen } from './args.js'

/** Options shared by `gather start` and `gather devnet`. */
export interface RunOptions {
  dataDir: string
  home: string
  genesis: Genesis
  nodeKey: ProposerKey
  rpcListen: string
  /** the gateway's limits and allow-lists (`--rpc-rate-limit`, `--trust-proxy`, `--cors-origin`…); defaults otherwise */
  rpc?: Partial<Omit<RpcServerOptions, 'host' | 'port'>>
  log: Logger
  /** check the invariants before each commit; halt (exit 1) rather than commit a block breaking them */
  checkInvariants?: boolean
  /** /health is degraded (503) and the node warns when finality trails the head by more blocks (default 42) */
  maxFinalityLagBlocks?: number
  /**
   * the peer-to-peer network: where to listen, the peers (`/ip4/…/tcp/…/p2p/<peerId>`) to dial and
   * the account that signs and pays for the double-signing evidence this node sees (without one
   * the node only logs it)
   */
  p2p?: {
    listen: { host: string; port: number }
    bootstrap: string[]
    evidenceSigner?: NodeNetworkOptions['evidenceSigner']
    /** `--p2p-mesh`, `--p2p-heartbeat`, `--p2p-dht-alpha`, `--p2p-ping-interval` */
    tuning?: NodeNetworkOptions['tuning']
  }
  /** the group chains this node hosts besides those it produces, and who pays for anchoring */
  groups?: GroupHostOptions
}

/**
 * Opens the node, starts the JSON-RPC gateway and the producer, prints where everything is,
 * and stops cleanly on SIGINT/SIGTERM (waiting for the block in progress).
 */
export async function runNode(o: RunOptions): Promise<void> {
  const listen = parseListen(o.rpcListen)
  if (!isLoopbackHost(listen.host)) {
    o.log.warn(
      { listen: o.rpcListen },
      'JSON-RPC is listening beyond loopback: anyone who can reach it can query and submit; put it behind a firewall or proxy',
    )
  }
  const metrics = new NodeMetrics()
  const rpcOptions = { ...defaultRpcOptions(), ...o.rpc, ...listen }
  const node = await GatherNode.open({
    dataDir: o.dataDir,
    genesis: o.genesis,
    nodeKey: o.nodeKey,
    logger: o.log,
    metrics,
    checkInvariants: o.checkInvariants === true,
    health: {
      maxHeadAgeMs: rpcOptions.maxHeadAgeMs,
      ...(o.maxFinalityLagBlocks === undefined ? {} : { maxFinalityLagBlocks: o.maxFinalityLagBlocks }),
    },
  })
  metrics.onHead(node.chain.head.height, node.chain.finalBlock.height)
  let network: NodeNetwork | undefined
  if (o.p2p !== undefined) {
    const signer = o.p2p.evidenceSigner
    network = new NodeNetwork(
      {
        privateKey: o.nodeKey.privateKey,
        host: o.p2p.listen.host,
        port: o.p2p.listen.port,
        bootstrap: o.p2p.bootstrap,
        ...(signer === undefined ? {} : { evidenceSigner: signer }),
        ...(o.p2p.tuning === undefined ? {} : { tuning: o.p2p.tuning }),
      },
      { node, log: o.log, metrics: metrics.p2p },
    )
  }
  const groups = new GroupHost(
    node,
    o.groups ?? { follow: [], serve: [] },
    node.chain.db.groupSpace(),
    o.log.child({ module: 'groups' }),
    network === undefined ? undefined : groupNetworkOf(network.p2p),
  )
  network?.serveGroupBlocks((groupId, from, count) => groups.blocksByRange(groupId, from, count))
  const rpc = new RpcServer(rpcOptions, { node, metrics, log: o.log, groups })
  let address: { url: string }
  try {
    address = await rpc.listen()
  } catch (e) {
    await node.stop()
    throw new Error(`cannot listen on ${o.rpcListen}: ${(e as Error).message}`)
  }
  const wsUrl = address.url.replace(/^http/, 'ws')
  o.log.info(
    {
      home: o.home,
      data: o.dataDir,
      rpc: address.url,
      ws: `${wsUrl}ws`,
      metrics: `${address.url}metrics`,
      health: `${address.url}health`,
      rpcRateLimit:
        rpcOptions.rateLimit.perSecond === 0 ? 'off' : `${rpcOptions.rateLimit.perSecond} calls/s per client`,
      chainId: o.genesis.chainId,
      height: node.chain.head.height,
    },
    'node running; Ctrl-C to stop',
  )
  if (network !== undefined && o.p2p !== undefined) {
    const signer = o.p2p.evidenceSigner
    try {
      await network.start()
    } catch (e) {
      await rpc.close()
      await node.stop()
      throw new Error(
        `cannot start the p2p network on ${o.p2p.listen.host}:${o.p2p.listen.port}: ${(e as Error).message}`,
      )
    }
    o.log.info(
      { peerId: network.p2p.peerId, addresses: network.p2p.multiaddrs(), bootstrap: o.p2p.bootstrap.length },
      'p2p network running',
    )
    if (signer !== undefined) {
      o.log.info(
        { evidenceSigner: signer.address },
        'evidence signer set: double signing this node sees is submitted as MsgSubmitEvidence, paid by this account',
      )
      // not an error: the account may be funded later; until then evidence is only logged
      if (!node.query.token.getAccount({ address: signer.address }).exists)
        o.log.warn(
          { evidenceSigner: signer.address },
          'the evidence signer has no account on this chain yet: fund it, or evidence cannot be submitted',
        )
    }
  }
  await groups.start()
  const anchor = o.groups?.anchorSigner
  if (anchor !== undefined) {
    o.log.info(
      { anchorKey: anchor.address },
      'anchor key set: checkpoints of the groups this node produces are anchored, paid by this account',
    )
    if (!node.query.token.getAccount({ address: anchor.address }).exists)
      o.log.warn(
        { anchorKey: anchor.address },
        'the anchor key has no account on this chain yet: fund it, or checkpoints cannot be anchored',
      )
  }
  const keyAdmin = o.groups?.keyAdmin
  if (keyAdmin !== undefined)
    o.log.info(
      { groupAdminKey: keyAdmin.address },
      'group admin key set: this node keeps the keys of the private groups this account administers',
    )
  node.start()
  let stopping = false
  const shutdown = (signal: string, code = 0): void => {
    if (stopping) return
    stopping = true
    o.log.info({ signal }, 'stopping')
    rpc
      .close()
      .then(() => groups.stop())
      .then(() => network?.stop())
      .then(() => node.stop())
      .then(() => {
        o.log.info({ height: node.chain.head.height }, 'stopped')
        process.exit(code)
      })
      .catch((e: unknown) => {
        o.log.error({ err: e }, 'error while stopping')
        process.exit(1)
      })
  }
  // --check-invariants: a block broke them and was not committed; or the next block needs a
  // software upgrade this release does not know. The node already logged why.
  const onHalt = (e: ChainError): void => {
    if (e.code === GovernanceErrorCode.UPGRADE_REQUIRED) shutdown('upgrade required', UPGRADE_EXIT_CODE)
    else shutdown('invariants broken', 1)
  }
  node.on('halt', onHalt)
  // halted on open: restarted at an upgrade height with a release that does not know it
  if (node.haltedBy !== undefined) onHalt(node.haltedBy)
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}
