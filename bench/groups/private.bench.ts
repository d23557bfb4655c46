/**
 * Private groups (`npm run bench -- --only private`, results in bench/results/private-groups.*):
 *
 * 1. Key epochs: the time to make one (a fresh key wrapped for N members and signed, in parts
 *    of 400) and its size, for 100, 1,000 and 10,000 members; one member's unwrap.
 * 2. Encrypt + post: on a 1-validator testnet node producing a private group, members seal and
 *    sign Notes (timed), then send them (timed until every one is in a group block).
 * 3. Read + decrypt: a member's client reads the messages back over RPC and opens each.
 */
import { fromBase64 } from '@cosmjs/encoding'
import { type KeyRecipient, keyEpochTxs } from '../../modules/messaging/groupchain/keyEpochs.js'
import {
  openPost,
  SEALED_CONTENT_TYPE,
  sealPost,
  unwrapGroupKey,
} from '../../modules/messaging/groupchain/sealed.js'
import { decodeGroupTx, encodeNote, signGroupTx } from '../../modules/messaging/groupchain/tx.js'
import { groupKeysOf, rotationTxs } from '../../rpc/privateGroups.js'
import {
  type Author,
  benchAuthor,
  createGroups,
  requestLanes,
  startTestnet,
  submitLanes,
  untilDrained,
} from './groups.bench.js'

const CHAIN = 'gather-bench-1'

/** One key-epoch size measured. */
export interface EpochCase {
  members: number
  parts: number
  bytes: number
  bytesPerMember: number
  /** wrap + sign of every part, one thread, client side */
  ms: number
  /** one member unwrapping its key (ECDH, HKDF, open), mean of 200 */
  unwrapMs: number
}

/** What the private-groups bench measured. */
export interface PrivateBenchResult {
  epochs: EpochCase[]
  post: {
    members: number
    posts: number
    sealSeconds: number
    sealSignPerSec: number
    submitSeconds: number
    /** posts / (seal + sign time + submit → all in group blocks) */
    encryptPostPerSec: number
    admitted: number
    refused: number
    refusedWhy: Record<string, number>
  }
  read: {
    messages: number
    fetchSeconds: number
    openSeconds: number
    /** messages / (fetch + open) */
    readDecryptPerSec: number
    openPerSec: number
    failed: number
  }
}

function epochCase(members: number): EpochCase {
  const admin = benchAuthor(99_999)
  const people: Author[] = Array.from({ length: members }, (_, i) => benchAuthor(100_000 + i))
  const recipients: KeyRecipient[] = people.map((p) => ({ address: p.address, publicKey: p.publicKey }))
  const t0 = performance.now()
  const { key, txs } = keyEpochTxs(CHAIN, 1, admin, 1, 1, recipients)
  const ms = performance.now() - t0
  const bytes = txs.reduce((s, t) => s + t.length, 0)
  const action = decodeGroupTx(txs[0]!).body.action
  if (action.kind !== 'keyEpoch') throw new Error('not a key epoch')
  const me = people[0]!
  const mine = { epoch: 1, ephemeralKey: action.ephemeralKey, ...action.keys[0]! }
  const t1 = performance.now()
  for (let i = 0; i < 200; i++) {
    const k = unwrapGroupKey(CHAIN, 1, me, mine)
    if (!Buffer.from(k).equals(Buffer.from(key))) throw new Error('unwrapped a different key')
  }
  const unwrapMs = (performance.now() - t1) / 200
  return { members, parts: txs.length, bytes, bytesPerMember: bytes / members, ms, unwrapMs }
}

/** Runs the private-groups bench; see the file comment. */
export async function runPrivateGroupsBench(
  o: { epochSizes?: number[]; members?: number; postsPerMember?: number; log?: (l: string) => void } = {},
): Promise<PrivateBenchResult> {
  const log = o.log ?? ((l: string) => console.log(l))
  const epochs = (o.epochSizes ?? [100, 1_000, 10_000]).map((n) => {
    const c = epochCase(n)
    log(
      `private: key epoch for ${n} members: ${c.parts} part(s), ${c.bytes} bytes, ${c.ms.toFixed(0)} ms; unwrap ${c.unwrapMs.toFixed(3)} ms`,
    )
    return c
  })
  const memberCount = o.members ?? 200
  const postsPerMember = o.postsPerMember ?? 20
  const { tn, faucet } = await startTestnet(1, 500, log)
  try {
    const client = tn.clients[0]!
    const url = tn.manifest.nodes[0]!.rpc
    const chainId = tn.manifest.chainId
    const [gid] = await createGroups(tn, faucet, 1, {
      name: 'private bench',
      producers: [tn.manifest.nodes[0]!.nodeId],
      private: true,
    })
    const groupId = gid!
    const members = Array.from({ length: memberCount }, (_, i) => benchAuthor(i))
    const lanes = (perMember: (m: Author, i: number) => string[]): string[][] =>
      requestLanes(members, 32, perMember)
    const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
    const joins = await submitLanes(
      url,
      lanes((m) => [
        b64(
          signGroupTx(
            chainId,
            { groupId, publicKey: m.publicKey, nonce: 1, action: { kind: 'join' } },
            m.privateKey,
          ),
        ),
      ]),
      10,
    )
    if (joins.refused > 0) throw new Error(`joins refused: ${JSON.stringify(joins.refusedWhy)}`)
    await untilDrained(url, [groupId])
    // the owner opens epoch 1 for everyone (one transaction of 200 keys)
    const epoch = await rotationTxs(client, chainId, groupId, faucet)
    for (const tx of epoch.txs) await client.postGroupTx(tx)
    await untilDrained(url, [groupId])
    const keys = await Promise.all(members.map((m) => groupKeysOf(client, chainId, groupId, m)))
    const missing = keys.filter((k) => k.keys.get(1) === undefined).length
    if (missing > 0) throw new Error(`${missing} members hold no key of epoch 1`)
    log(`private: ${memberCount} members joined; epoch 1 wrapped for ${epoch.recipients}`)
    // encrypt + sign (client), then send until every post is in a group block
    const t0 = performance.now()
    const posts = lanes((m, i) =>
      Array.from({ length: postsPerMember }, (_, k) => {
        const content = sealPost(
          chainId,
          groupId,
          m.address,
          1,
          keys[i]!.keys.get(1)!,
          encodeNote({ content: `sealed bench post ${k} of ${m.address.slice(-6)}: hello, private group` }),
        )
        return b64(
          signGroupTx(
            chainId,
            {
              groupId,
              publicKey: m.publicKey,
              nonce: 2 + k,
              action: { kind: 'post', contentType: SEALED_CONTENT_TYPE, content },
            },
            m.privateKey,
          ),
        )
      }),
    )
    const sealSeconds = (performance.now() - t0) / 1000
    const total = memberCount * postsPerMember
    const stats = await submitLanes(url, posts, 10)
    const drained = await untilDrained(url, [groupId])
    const submitSeconds = (drained.at - stats.firstAt) / 1000
    const post = {
      members: memberCount,
      posts: total,
      sealSeconds,
      sealSignPerSec: total / sealSeconds,
      submitSeconds,
      encryptPostPerSec: stats.admitted / (sealSeconds + submitSeconds),
      admitted: stats.admitted,
      refused: stats.refused,
      refusedWhy: stats.refusedWhy,
    }
    log(
      `private: ${total} sealed posts: seal+sign ${post.sealSignPerSec.toFixed(0)}/s, in blocks after ${submitSeconds.toFixed(2)} s: encrypt+post ${post.encryptPostPerSec.toFixed(0)}/s, ${stats.refused} refused`,
    )
    // read + decrypt, as member 0's client: every page over RPC, then open each
    const reader = keys[0]!.keys
    const t1 = performance.now()
    const fetched: { author: string; content: string | null }[] = []
    let cursor: { before: number; beforeIndex: number } | undefined
    for (;;) {
      const page = await client.getGroupMessages(groupId, { limit: 200, ...(cursor ?? {}) })
      if (page.messages.length === 0) break
      fetched.push(...page.messages)
      const last = page.messages[page.messages.length - 1]!
      cursor = { before: last.height, beforeIndex: last.index }
    }
    const fetchSeconds = (performance.now() - t1) / 1000
    const t2 = performance.now()
    let failed = 0
    for (const m of fetched) {
      try {
        openPost(chainId, groupId, m.author, fromBase64(m.content ?? ''), reader)
      } catch {
        failed++
      }
    }
    const openSeconds = (performance.now() - t2) / 1000
    const read = {
      messages: fetched.length,
      fetchSeconds,
      openSeconds,
      readDecryptPerSec: fetched.length / (fetchSeconds + openSeconds),
      openPerSec: fetched.length / openSeconds,
      failed,
    }
    log(
      `private: read ${fetched.length} messages in ${fetchSeconds.toFixed(2)} s, opened in ${openSeconds.toFixed(3)} s (${failed} failed)`,
    )
    return { epochs, post, read }
  } finally {
    await tn.close()
  }
}

/** bench/results/private-groups.md. */
export function privateMarkdown(date: string, machine: string, r: PrivateBenchResult): string {
  const fmt = (n: number, d = 0): string =>
    n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
  return [
    '# Gather Chain private-group benchmark',
    '',
    `## Key epochs, sealed posts, reading (${date})`,
    '',
    `Written by \`npm run bench -- --only private\` (bench/groups/private.bench.ts). Machine: ${machine}.`,
    '',
    '### Key epochs (client side: a fresh key wrapped for every member, parts of 400, signed)',
    '',
    '| members | parts (transactions) | bytes | bytes per member | time to make | one member unwraps |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.epochs.map(
      (e) =>
        `| ${fmt(e.members)} | ${fmt(e.parts)} | ${fmt(e.bytes)} | ${fmt(e.bytesPerMember, 1)} | ${fmt(e.ms)} ms | ${fmt(e.unwrapMs, 3)} ms |`,
    ),
    '',
    '### Encrypt + post, read + decrypt (a 1-validator testnet node producing the group)',
    '',
    '| measure | value |',
    '| --- | --- |',
    `| members, sealed posts | ${fmt(r.post.members)}, ${fmt(r.post.posts)} (${fmt(r.post.admitted)} admitted, ${fmt(r.post.refused)} refused) |`,
    `| seal + sign on the client (one thread) | ${fmt(r.post.sealSignPerSec)} posts/s (${fmt(r.post.sealSeconds, 2)} s) |`,
    `| submit → every post in a group block (32 requests in flight, 10 per batch) | ${fmt(r.post.submitSeconds, 2)} s |`,
    `| **encrypt + post** (seal + sign + submit → in blocks) | **${fmt(r.post.encryptPostPerSec)} posts/s** |`,
    `| read over RPC (\`group_getMessages\`, pages of 200) | ${fmt(r.read.messages)} messages in ${fmt(r.read.fetchSeconds, 2)} s |`,
    `| open (XChaCha20-Poly1305 with the epoch key) | ${fmt(r.read.openPerSec)} messages/s, ${fmt(r.read.failed)} failed |`,
    `| **read + decrypt** | **${fmt(r.read.readDecryptPerSec)} messages/s** |`,
    '',
    'Notes:',
    '- A key epoch costs the admin one ECDH, one HKDF and one XChaCha20-Poly1305 seal per member, and one secp256k1 signature per part; members each pay one ECDH to unwrap.',
    '- The read pages with `group_getMessages {before, beforeIndex}` from the last message of each page, so it reads every post (joins and key epochs are not messages).',
    '',
  ].join('\n')
}
