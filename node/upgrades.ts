// The software upgrades this release knows. When a passed governance plan reaches its height, a
// node runs the handler of the plan's name once, at the start of that block (a state migration),
// and goes on; a node whose release has no handler of that name stops before the block
// (docs/adr/009-governance.md). A release that ships a migration adds its handler here.
import type { UpgradeHandler } from '../modules/governance/types.js'

/** The upgrade handlers of this release, by plan name (none yet). */
export const releaseUpgrades: readonly UpgradeHandler[] = []

/** The exit status of `gather start|devnet` stopped for an upgrade its release does not know. */
export const UPGRADE_EXIT_CODE = 3
