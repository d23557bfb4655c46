// The composition root's published surface (docs/adr/006-composition-root.md): what the CLI,
// the RPC server, tests and benchmarks use of the node.
export {
  type BlockView,
  blockView,
  chainInvariants,
  chainModules,
  chainSpec,
  consensusRules,
  GatherNode,
  holderBalanceView,
  type NodeNetworkView,
  type NodeOptions,
  stakingTokenMethod,
  tokenStakingView,
} from './gatherNode.js'
export { NodeNetwork, type NodeNetworkOptions, type SyncStatus } from './nodeNetwork.js'
