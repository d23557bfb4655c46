import type { Logger } from '../../chain/logger.js'
import {
  type KeyRecipient,
  keyEpochTxs,
  keyPlan,
  keyShareTxs,
} from '../../modules/messaging/groupchain/keyEpochs.js'
import { unwrapGroupKey } from '../../modules/messaging/groupchain/sealed.js'
import { adminStore, groupState } from '../../modules/messaging/groupchain/state.js'
import type { GroupRecord } from '../../modules/messaging/stores/index.js'
import type { GroupChain } from './groupChain.js'

/** An admin's account key, as `--group-admin-key` unlocks it. */
export interface GroupKeyAdmin {
  address: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** How long the service waits for its own key transactions to land before it looks again. */
const IN_FLIGHT_MS = 10_000

/**
 * The node's key service for private groups (`gather start --group-admin-key NAME`,
 * docs/adr/011-private-groups.md): after each committed block of a private group where the key
 * is an admin, it opens the first key epoch, wraps the current keys for newcomers (a group
 * that shares history) or rotates (newcomers without shared history, and every removal:
 * kick, ban, leave, a holder who fell below the gate), so the next group block carries it.
 * It decides from the committed state alone (keyPlan), so a restart or a missed block only
 * delays it.
 */
export class GroupKeyService {
  private readonly inFlight = new Map<number, { nonce: number; until: number }>()
  private readonly queues = new Map<number, Promise<void>>()

  constructor(
    private readonly admin: GroupKeyAdmin,
    private readonly chainId: string,
    private readonly log: Logger,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Looks at a group after a committed block (serialised per group). */
  afterCommit(
    chain: GroupChain,
    record: GroupRecord | undefined,
    submit: (tx: Uint8Array) => Promise<unknown>,
  ): void {
    if (record === undefined || !record.policy.private) return
    const id = chain.groupId
    const run = (this.queues.get(id) ?? Promise.resolve())
      .then(() => this.reconcile(chain, record, submit))
      .catch((e: Error) => this.log.warn({ group: id, err: e.message }, 'group key service: keys not sent'))
    this.queues.set(id, run)
  }

  private async reconcile(
    chain: GroupChain,
    record: GroupRecord,
    submit: (tx: Uint8Array) => Promise<unknown>,
  ): Promise<void> {
    const state = chain.view
    const me = this.admin.address
    if (me !== record.owner && !adminStore.has(state, me)) return
    const id = chain.groupId
    const flight = this.inFlight.get(id)
    if (flight !== undefined && groupState.lastNonce(state, me) < flight.nonce && this.now() < flight.until)
      return
    this.inFlight.delete(id)
    const members = this.recipients(state, record)
    const epoch = groupState.epoch(state)
    const plan = keyPlan({
      epoch,
      members: members.map((m) => m.address),
      holders: epoch === 0 ? [] : groupState.keyHolders(state, epoch),
      shareHistory: groupState.rules(state).shareHistory,
    })
    if (plan.kind === 'none') return
    const nonce = chain.nextNonce(me)
    let txs: Uint8Array[]
    if (plan.kind === 'rotate') {
      txs = keyEpochTxs(this.chainId, id, this.admin, nonce, epoch + 1, members).txs
    } else {
      const to = new Set(plan.to)
      const held = groupState.wrappedKeysOf(state, me).map(({ epoch: e, key }) => ({
        epoch: e,
        key: unwrapGroupKey(this.chainId, id, this.admin, { epoch: e, ...key }),
      }))
      txs = keyShareTxs(
        this.chainId,
        id,
        this.admin,
        nonce,
        held,
        members.filter((m) => to.has(m.address)),
      )
    }
    // a share needs keys this admin holds; without any, the next rotation (by anyone) serves
    if (txs.length === 0) return
    for (const tx of txs) await submit(tx)
    this.inFlight.set(id, { nonce: nonce + txs.length - 1, until: this.now() + IN_FLIGHT_MS })
    this.log.info(
      {
        group: id,
        action: plan.kind,
        ...(plan.kind === 'rotate' ? { reason: plan.reason, epoch: epoch + 1, members: members.length } : {}),
        ...(plan.kind === 'share' ? { to: plan.to.length } : {}),
        txs: txs.length,
      },
      plan.kind === 'rotate'
        ? 'group key service: new key epoch sent'
        : 'group key service: keys shared with newcomers',
    )
  }

  /** The members a key is wrapped for: those with a known account key, the admin itself always. */
  private recipients(state: GroupChain['view'], record: GroupRecord): KeyRecipient[] {
    const out: KeyRecipient[] = [{ address: this.admin.address, publicKey: this.admin.publicKey }]
    const others = [record.owner, ...groupState.members(state).map((m) => m.address)]
    for (const address of new Set(others)) {
      if (address === this.admin.address) continue
      const publicKey = groupState.publicKey(state, address)
      if (publicKey !== undefined) out.push({ address, publicKey })
    }
    return out
  }
}
