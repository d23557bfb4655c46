// The composition root's published surface (docs/adr/006-composition-root.md): what the CLI,
// the RPC server, tests and benchmarks use of the node.
export { GatherNode, type NodeOptions } from './gatherNode.js'
export { NodeNetwork, type NodeNetworkOptions, type SyncStatus } from './nodeNetwork.js'
export { type BlockView, blockView, type NodeNetworkView } from './readApi.js'
export { releaseUpgrades, UPGRADE_EXIT_CODE } from './upgrades.js'
export {
  chainInvariants,
  chainModules,
  chainSpec,
  consensusRules,
  holderBalanceView,
  stakingTokenMethod,
  tokenStakingView,
} from './wiring.js'
