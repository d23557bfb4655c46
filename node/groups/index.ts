// The group-chain runtime (docs/adr/008-group-chains.md): what the node's runner and the RPC use.
import type { P2pNetwork } from '../../chain/p2p/index.js'
import type { GroupNetwork } from './groupHost.js'

export { type AnchorSigner, GroupHost, type GroupHostOptions, type GroupNetwork } from './groupHost.js'
export type * from './types.js'

/** Penalty for a peer that served an invalid group block in sync (a gossiped one is scored by the topic). */
const INVALID_SYNC_BLOCK_PENALTY = 20

/** The group host's view of a node's libp2p network: a topic per group and group-blocks requests. */
export function groupNetworkOf(p2p: P2pNetwork): GroupNetwork {
  return {
    join: (groupId, validate, handle) => p2p.joinGroupTopic(groupId, validate, handle),
    leave: (groupId) => p2p.leaveGroupTopic(groupId),
    publish: (groupId, bytes) => p2p.publishGroup(groupId, bytes),
    request: (peer, groupId, from, count) => p2p.requestGroupBlocks(peer, groupId, from, count),
    report: (peer, reason) => p2p.reportPeer(peer, INVALID_SYNC_BLOCK_PENALTY, reason),
  }
}
