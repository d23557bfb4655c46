import { describe, expect, it } from '@jest/globals'
import { addressFromPubkey } from '../../../chain/crypto/address.js'
import { publicKeyFromPrivateKey } from '../../../chain/crypto/secp256k1.js'
import { isChainError } from '../../../chain/errors.js'
import { CommittedState } from '../../../chain/store/committedState.js'
import { StateOverlay } from '../../../chain/store/overlay.js'
import { Rng, testSeed } from '../../../test/helpers/rng.js'
import { GroupErrorCode } from './errors.js'
import { KEYS_PER_TX, keyEpochTxs, keyPlan, keyShareTxs } from './keyEpochs.js'
import {
  decodeSealed,
  encodeSealed,
  type MemberKey,
  openPost,
  SEALED_CONTENT_TYPE,
  sealPost,
  unwrapGroupKey,
  wrapGroupKey,
} from './sealed.js'
import { type ApplyContext, applyGroupTx, type GroupView, groupState } from './state.js'
import { decodeGroupTx, encodeNote, MAX_EPOCH_PARTS, MAX_GROUP_TX_BYTES, signGroupTx } from './tx.js'

const SEED = testSeed('GATHER_PRIVATE_GROUPS_SEED')
const rng = new Rng(SEED)
const CHAIN = 'gather-test-1'
const GROUP = 7

function account(): { address: string; privateKey: Uint8Array; publicKey: Uint8Array } {
  for (;;) {
    const privateKey = new Uint8Array(rng.bytes(32))
    try {
      const publicKey = publicKeyFromPrivateKey(privateKey)
      return { address: addressFromPubkey(publicKey), privateKey, publicKey }
    } catch {
      // out of range: draw again
    }
  }
}

const owner = account()
const alice = account()
const bob = account()
const mallory = account()

function view(isPrivate = true): GroupView {
  return {
    owner: owner.address,
    maxMembers: 10_000,
    gated: false,
    private: isPrivate,
    frozen: false,
    holds: () => true,
  }
}

/** A group state driven by real signed transactions. */
class Group {
  readonly state = new StateOverlay(CommittedState.fromEntries([]))
  private readonly nonces = new Map<string, number>()
  height = 1

  constructor(readonly group: GroupView = view()) {}

  nonce(a: { address: string }): number {
    const n = (this.nonces.get(a.address) ?? 0) + 1
    this.nonces.set(a.address, n)
    return n
  }

  apply(bytes: Uint8Array) {
    const ctx: ApplyContext = {
      timeMs: 1_000,
      height: this.height++,
      group: this.group,
      messages: { get: () => undefined },
    }
    const snap = this.state.snapshot()
    try {
      return applyGroupTx(this.state, decodeGroupTx(bytes), ctx)
    } catch (e) {
      this.state.restore(snap)
      throw e
    }
  }

  send(a: ReturnType<typeof account>, action: Parameters<typeof signGroupTx>[1]['action']) {
    return this.apply(
      signGroupTx(
        CHAIN,
        { groupId: GROUP, publicKey: a.publicKey, nonce: this.nonce(a), action },
        a.privateKey,
      ),
    )
  }

  /** Reserves `count` nonces of `a`; returns the first. */
  reserve(a: { address: string }, count = 1): number {
    const first = (this.nonces.get(a.address) ?? 0) + 1
    this.nonces.set(a.address, first + count - 1)
    return first
  }

  /** A key epoch for `to` by `admin`, applied; returns the group key. */
  rotate(admin: ReturnType<typeof account>, to: ReturnType<typeof account>[]): Uint8Array {
    const epoch = groupState.epoch(this.state) + 1
    const first = (this.nonces.get(admin.address) ?? 0) + 1
    const { key, txs } = keyEpochTxs(CHAIN, GROUP, admin, first, epoch, to)
    this.nonces.set(admin.address, first + txs.length - 1)
    for (const tx of txs) this.apply(tx)
    return key
  }

  /** What `member`'s client unwraps from the state. */
  keysOf(member: ReturnType<typeof account>): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>()
    for (const { epoch, key } of groupState.wrappedKeysOf(this.state, member.address)) {
      out.set(epoch, unwrapGroupKey(CHAIN, GROUP, member, { epoch, ...key }))
    }
    return out
  }

  post(author: ReturnType<typeof account>, text: string, epoch: number, key: Uint8Array) {
    const content = sealPost(CHAIN, GROUP, author.address, epoch, key, encodeNote({ content: text }))
    return this.send(author, { kind: 'post', contentType: SEALED_CONTENT_TYPE, content })
  }
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (isChainError(e)) return e.code
    throw e
  }
  return 'accepted'
}

describe(`private group cryptography (seed ${SEED})`, () => {
  const key = new Uint8Array(rng.bytes(32))

  it('wraps a group key that only the member it was wrapped for unwraps, bound to chain, group and epoch', () => {
    const { ephemeralKey, keys } = wrapGroupKey(CHAIN, GROUP, 3, key, [alice, bob])
    const forAlice: MemberKey = { epoch: 3, ephemeralKey, ...keys[0]! }
    expect(unwrapGroupKey(CHAIN, GROUP, alice, forAlice)).toEqual(key)
    expect(unwrapGroupKey(CHAIN, GROUP, bob, { epoch: 3, ephemeralKey, ...keys[1]! })).toEqual(key)
    expect(codeOf(() => unwrapGroupKey(CHAIN, GROUP, mallory, forAlice))).toBe(GroupErrorCode.DECRYPT_FAILED)
    expect(codeOf(() => unwrapGroupKey(CHAIN, GROUP, bob, forAlice))).toBe(GroupErrorCode.DECRYPT_FAILED)
    expect(codeOf(() => unwrapGroupKey(CHAIN, GROUP + 1, alice, forAlice))).toBe(
      GroupErrorCode.DECRYPT_FAILED,
    )
    expect(codeOf(() => unwrapGroupKey('other-chain', GROUP, alice, forAlice))).toBe(
      GroupErrorCode.DECRYPT_FAILED,
    )
    expect(codeOf(() => unwrapGroupKey(CHAIN, GROUP, alice, { ...forAlice, epoch: 4 }))).toBe(
      GroupErrorCode.DECRYPT_FAILED,
    )
    const flipped = Uint8Array.from(forAlice.ciphertext)
    flipped[rng.int(flipped.length)]! ^= 1 << rng.int(8)
    expect(codeOf(() => unwrapGroupKey(CHAIN, GROUP, alice, { ...forAlice, ciphertext: flipped }))).toBe(
      GroupErrorCode.DECRYPT_FAILED,
    )
  })

  it('seals a post that opens with its epoch key only, for its author and group only', () => {
    const plaintext = encodeNote({ content: 'the plan is on' })
    const content = sealPost(CHAIN, GROUP, alice.address, 2, key, plaintext)
    expect(decodeSealed(content).epoch).toBe(2)
    expect(openPost(CHAIN, GROUP, alice.address, content, new Map([[2, key]])).plaintext).toEqual(plaintext)
    expect(Buffer.from(content).includes(Buffer.from('the plan is on'))).toBe(false)
    const codes = [
      codeOf(() => openPost(CHAIN, GROUP, bob.address, content, new Map([[2, key]]))),
      codeOf(() => openPost(CHAIN, GROUP + 1, alice.address, content, new Map([[2, key]]))),
      codeOf(() => openPost(CHAIN, GROUP, alice.address, content, new Map([[1, key]]))),
      codeOf(() => openPost(CHAIN, GROUP, alice.address, content, new Map([[2, new Uint8Array(32)]]))),
    ]
    expect(codes).toEqual(Array(4).fill(GroupErrorCode.DECRYPT_FAILED))
    const s = decodeSealed(content)
    const tampered = Uint8Array.from(s.ciphertext)
    tampered[rng.int(tampered.length)]! ^= 1 << rng.int(8)
    expect(
      codeOf(() =>
        openPost(
          CHAIN,
          GROUP,
          alice.address,
          encodeSealed({ ...s, ciphertext: tampered }),
          new Map([[2, key]]),
        ),
      ),
    ).toBe(GroupErrorCode.DECRYPT_FAILED)
  })
})

describe(`private group rules (seed ${SEED})`, () => {
  it('takes sealed posts under the current epoch only; plain posts, stale and unopened epochs are refused', () => {
    const g = new Group()
    g.send(alice, { kind: 'join' })
    g.send(bob, { kind: 'join' })
    const note = {
      kind: 'post' as const,
      contentType: 'application/activity+json',
      content: encodeNote({ content: 'hi' }),
    }
    expect(codeOf(() => g.send(alice, note))).toBe(GroupErrorCode.PRIVACY_MISMATCH)
    expect(codeOf(() => g.post(alice, 'too early', 1, new Uint8Array(32)))).toBe(GroupErrorCode.UNKNOWN_EPOCH)
    const k1 = g.rotate(owner, [owner, alice, bob])
    expect(groupState.epoch(g.state)).toBe(1)
    expect(g.post(alice, 'hello', 1, k1)).toMatchObject({ kind: 'post' })
    const k2 = g.rotate(owner, [owner, alice, bob])
    expect(codeOf(() => g.post(alice, 'stale', 1, k1))).toBe(GroupErrorCode.STALE_EPOCH)
    expect(codeOf(() => g.post(alice, 'future', 3, k2))).toBe(GroupErrorCode.UNKNOWN_EPOCH)
    expect(g.post(bob, 'current', 2, k2)).toMatchObject({ kind: 'post' })
    expect(g.keysOf(bob)).toEqual(
      new Map([
        [1, k1],
        [2, k2],
      ]),
    )
  })

  it('refuses key epochs from non-admins, keys for non-members, twice-wrapped keys, broken part sequences', () => {
    const g = new Group()
    g.send(alice, { kind: 'join' })
    const size = () => groupState.keyHolders(g.state, 1).length
    // a non-admin member
    expect(
      codeOf(() => g.apply(keyEpochTxs(CHAIN, GROUP, alice, g.reserve(alice), 1, [alice]).txs[0]!)),
    ).toBe(GroupErrorCode.NOT_ADMIN)
    // a key for mallory, who never joined
    expect(
      codeOf(() => g.apply(keyEpochTxs(CHAIN, GROUP, owner, g.reserve(owner), 1, [alice, mallory]).txs[0]!)),
    ).toBe(GroupErrorCode.KEY_FOR_NON_MEMBER)
    expect(groupState.epoch(g.state)).toBe(0)
    // epoch numbers must follow on
    expect(
      codeOf(() => g.apply(keyEpochTxs(CHAIN, GROUP, owner, g.reserve(owner), 2, [alice]).txs[0]!)),
    ).toBe(GroupErrorCode.BAD_KEY_EPOCH)
    g.rotate(owner, [owner, alice])
    expect(size()).toBe(2)
    // a share of epoch 1 to alice again
    const k = g.keysOf(owner).get(1)!
    expect(
      codeOf(() =>
        g.apply(keyShareTxs(CHAIN, GROUP, owner, g.reserve(owner), [{ epoch: 1, key: k }], [alice])[0]!),
      ),
    ).toBe(GroupErrorCode.KEY_ALREADY_WRAPPED)
    expect(
      codeOf(() =>
        g.apply(keyShareTxs(CHAIN, GROUP, owner, g.reserve(owner), [{ epoch: 2, key: k }], [alice])[0]!),
      ),
    ).toBe(GroupErrorCode.UNKNOWN_EPOCH)
    // a public group takes no key epochs and no sealed posts
    const pub = new Group(view(false))
    pub.send(alice, { kind: 'join' })
    expect(codeOf(() => pub.rotate(owner, [alice]))).toBe(GroupErrorCode.PRIVACY_MISMATCH)
    expect(codeOf(() => pub.post(alice, 'x', 1, new Uint8Array(32)))).toBe(GroupErrorCode.PRIVACY_MISMATCH)
  })

  it('after a kick the next epoch is for the rest: the kicked member cannot open what follows', () => {
    const g = new Group()
    for (const m of [alice, bob, mallory]) g.send(m, { kind: 'join' })
    const k1 = g.rotate(owner, [owner, alice, bob, mallory])
    g.send(owner, { kind: 'kick', member: mallory.address })
    const plan = keyPlan({
      epoch: 1,
      members: [owner.address, alice.address, bob.address],
      holders: groupState.keyHolders(g.state, 1),
      shareHistory: true,
    })
    expect(plan).toEqual({ kind: 'rotate', reason: 'removed' })
    const k2 = g.rotate(owner, [owner, alice, bob])
    const content = sealPost(CHAIN, GROUP, alice.address, 2, k2, encodeNote({ content: 'after the kick' }))
    g.send(alice, { kind: 'post', contentType: SEALED_CONTENT_TYPE, content })
    expect(codeOf(() => openPost(CHAIN, GROUP, alice.address, content, g.keysOf(mallory)))).toBe(
      GroupErrorCode.DECRYPT_FAILED,
    )
    expect(g.keysOf(mallory)).toEqual(new Map([[1, k1]]))
    expect(
      new TextDecoder().decode(openPost(CHAIN, GROUP, alice.address, content, g.keysOf(bob)).plaintext),
    ).toContain('after the kick')
  })

  it('shares earlier epochs with a newcomer only when the rules share history', () => {
    const g = new Group()
    g.send(alice, { kind: 'join' })
    const k1 = g.rotate(owner, [owner, alice])
    g.send(bob, { kind: 'join' })
    expect(
      keyPlan({
        epoch: 1,
        members: [owner.address, alice.address, bob.address],
        holders: groupState.keyHolders(g.state, 1),
        shareHistory: true,
      }),
    ).toEqual({
      kind: 'share',
      to: [bob.address],
    })
    for (const tx of keyShareTxs(CHAIN, GROUP, owner, g.reserve(owner), [{ epoch: 1, key: k1 }], [bob]))
      g.apply(tx)
    expect(g.keysOf(bob)).toEqual(new Map([[1, k1]]))

    g.send(owner, { kind: 'setRules', text: '', retentionDays: 0, shareHistory: false })
    g.send(mallory, { kind: 'join' })
    expect(
      codeOf(() =>
        g.apply(keyShareTxs(CHAIN, GROUP, owner, g.reserve(owner), [{ epoch: 1, key: k1 }], [mallory])[0]!),
      ),
    ).toBe(GroupErrorCode.HISTORY_NOT_SHARED)
    expect(
      keyPlan({
        epoch: 1,
        members: [owner.address, alice.address, bob.address, mallory.address],
        holders: groupState.keyHolders(g.state, 1),
        shareHistory: false,
      }),
    ).toEqual({ kind: 'rotate', reason: 'joined' })
  })

  it('splits a large epoch into parts that each fit a group transaction, applied in order', () => {
    // 1,000 members in 3 parts; every part holds at most KEYS_PER_TX keys, so a 10,000-member
    // epoch is 25 parts of the same bounded size (the groups bench times it)
    const g = new Group(view())
    const members = Array.from({ length: 999 }, () => account())
    for (const m of members) g.send(m, { kind: 'join' })
    const { txs } = keyEpochTxs(CHAIN, GROUP, owner, g.reserve(owner, 3), 1, [owner, ...members])
    expect(txs).toHaveLength(Math.ceil(1_000 / KEYS_PER_TX))
    expect(Math.ceil(10_000 / KEYS_PER_TX)).toBeLessThanOrEqual(MAX_EPOCH_PARTS)
    expect(Math.max(...txs.map((t) => t.length))).toBeLessThanOrEqual(MAX_GROUP_TX_BYTES)
    // parts out of order are refused; in order they complete the epoch
    expect(codeOf(() => g.apply(txs[1]!))).toBe(GroupErrorCode.BAD_KEY_EPOCH)
    for (const tx of txs) g.apply(tx)
    expect(groupState.keyHolders(g.state, 1)).toHaveLength(1_000)
    expect(groupState.epochRecord(g.state, 1)).toMatchObject({ parts: txs.length, partsSeen: txs.length })
  })
})
