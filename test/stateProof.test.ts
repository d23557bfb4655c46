import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import { addressFromPubkey } from '../chain/crypto/address.js'
import { publicKeyFromPrivateKey } from '../chain/crypto/secp256k1.js'
import { statePath, stateValueHash } from '../chain/store/committedState.js'
import { proofFromJson, type SmtProof, verifyProof } from '../chain/store/smt.js'
import type { GatherNode } from '../node/index.js'
import { openDevnetNode, transferTx } from './helpers/devnet.js'

interface AccountSigner {
  address: string
  privateKey: Uint8Array
  publicKey: Uint8Array
}

/** A deterministic key that no genesis account holds. */
function freshSigner(label: string): AccountSigner {
  const privateKey = new Uint8Array(createHash('sha256').update(`gather-proof-test:${label}`).digest())
  const publicKey = publicKeyFromPrivateKey(privateKey)
  return { address: addressFromPubkey(publicKey), privateKey, publicKey }
}

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())
const utf8 = new TextEncoder()
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
const balanceKey = (address: string): string => `token/balance/${address}`

/** A signed transfer with the sender's committed counters, submitted to the node. */
function send(node: GatherNode, from: AccountSigner, to: string, amount: bigint): void {
  const a = node.query.token.getAccount({ address: from.address })
  node.submitTx(
    transferTx(from, to, amount, {
      chainId: node.chain.chainId,
      accountNumber: BigInt(a.accountNumber),
      sequence: BigInt(a.sequence),
    }),
  )
}

/** The proof as an RPC client receives it: through JSON, parsed back. */
function proofOf(
  node: GatherNode,
  key: string,
): { value: Uint8Array | null; stateRoot: string; proof: SmtProof } {
  const p = JSON.parse(JSON.stringify(node.getProof(key))) as ReturnType<GatherNode['getProof']>
  return {
    value: p.value === null ? null : new Uint8Array(Buffer.from(p.value, 'base64')),
    stateRoot: p.stateRoot,
    proof: proofFromJson(p.proof),
  }
}

/** A node with a few blocks of transfers; `emptied` received some GAT and then spent all of it. */
async function nodeWithTransfers() {
  const opened = await openDevnetNode()
  const { node, keys } = opened
  const alice = freshSigner('alice')
  const emptied = freshSigner('emptied')
  send(node, keys.faucet, alice.address, 5_000_000n)
  send(node, keys.validator, emptied.address, 10_000n)
  await node.produceBlock(node.chain.head.slot + 1)
  send(node, alice, keys.validator.address, 1_234n)
  send(node, emptied, keys.faucet.address, 9_000n) // 9,000 + the 1,000 fee: balance 0, key deleted
  await node.produceBlock(node.chain.head.slot + 1)
  send(node, keys.faucet, alice.address, 42n)
  await node.produceBlock(node.chain.head.slot + 1)
  expect(node.query.token.getAccount({ address: emptied.address }).balance.ugat).toBe('0')
  return { ...opened, alice, emptied }
}

/** The state root committed in the header of the latest block, as bytes. */
async function headRoot(node: GatherNode): Promise<Uint8Array> {
  const block = await node.getBlock(node.getStatus().height)
  expect(block).toBeDefined()
  return fromHex(block!.header.stateRoot)
}

describe('state proofs against the header state root', () => {
  test('a present key and absent keys verify; tampered proofs fail with a reason', async () => {
    const { node, keys, alice, emptied, close } = await nodeWithTransfers()
    try {
      const root = await headRoot(node)
      const previousRoot = fromHex((await node.getBlock(node.getStatus().height - 1))!.header.stateRoot)

      // present: alice's balance
      const aliceKey = balanceKey(alice.address)
      const present = proofOf(node, aliceKey)
      expect(present.stateRoot).toBe(Buffer.from(root).toString('hex'))
      expect(present.value).not.toBeNull()
      expect(new TextDecoder().decode(present.value!)).toBe(
        node.query.token.getAccount({ address: alice.address }).balance.ugat,
      )
      expect(present.proof.siblings.length).toBeGreaterThan(0)
      const alicePath = sha256(utf8.encode(aliceKey))
      expect(statePath(aliceKey)).toEqual(alicePath)
      const aliceValueHash = sha256(present.value!)
      expect(stateValueHash(present.value!)).toEqual(aliceValueHash)
      expect(verifyProof(root, alicePath, aliceValueHash, present.proof)).toEqual({ ok: true })

      // absent: a fresh address that never held anything, and a key deleted by a transfer
      for (const address of [freshSigner('never').address, emptied.address]) {
        const key = balanceKey(address)
        const absent = proofOf(node, key)
        expect({ key, value: absent.value }).toEqual({ key, value: null })
        expect({ key, check: verifyProof(root, sha256(utf8.encode(key)), null, absent.proof) }).toEqual({
          key,
          check: { ok: true },
        })
      }

      const neverKey = balanceKey(freshSigner('never').address)
      const neverPath = sha256(utf8.encode(neverKey))
      const absentProof = proofOf(node, neverKey).proof
      const faucetKey = balanceKey(keys.faucet.address)
      const faucet = proofOf(node, faucetKey)
      const lastSibling = present.proof.siblings.length - 1
      const tamperedSibling: SmtProof = {
        ...present.proof,
        siblings: present.proof.siblings.map((s, i) => {
          if (i !== lastSibling) return s
          const t = Uint8Array.from(s)
          t[0] = t[0]! ^ 0x01
          return t
        }),
      }

      const cases: { name: string; check: ReturnType<typeof verifyProof>; reason: RegExp }[] = [
        {
          name: 'tampered value (balance + 1)',
          check: verifyProof(
            root,
            alicePath,
            sha256(
              utf8.encode(
                (
                  BigInt(node.query.token.getAccount({ address: alice.address }).balance.ugat) + 1n
                ).toString(),
              ),
            ),
            present.proof,
          ),
          reason: /holds a different value/,
        },
        {
          name: 'tampered sibling',
          check: verifyProof(root, alicePath, aliceValueHash, tamperedSibling),
          reason: /does not hash to the root/,
        },
        {
          name: "another key's proof for this key's value",
          check: verifyProof(root, alicePath, aliceValueHash, faucet.proof),
          reason: /leaf is for a different path/,
        },
        {
          name: "this key's proof checked at another key's path",
          check: verifyProof(root, sha256(utf8.encode(faucetKey)), sha256(faucet.value!), present.proof),
          reason: /leaf is for a different path/,
        },
        {
          name: 'wrong root (the previous block)',
          check: verifyProof(previousRoot, alicePath, aliceValueHash, present.proof),
          reason: /does not hash to the root/,
        },
        {
          name: 'absence claimed for a present key',
          check: verifyProof(root, alicePath, null, present.proof),
          reason: /absence proof shows the key present/,
        },
        {
          name: 'presence claimed for an absent key',
          check: verifyProof(root, neverPath, aliceValueHash, absentProof),
          reason: /absent|different path/,
        },
        {
          name: 'a sibling dropped',
          check: verifyProof(root, alicePath, aliceValueHash, {
            ...present.proof,
            siblings: present.proof.siblings.slice(1),
          }),
          reason: /does not hash to the root/,
        },
      ]
      expect(previousRoot).not.toEqual(root)
      for (const c of cases) {
        expect({ case: c.name, ok: c.check.ok }).toEqual({ case: c.name, ok: false })
        const reason = c.check.ok ? '' : c.check.reason
        expect({ case: c.name, reason }).toEqual({ case: c.name, reason: expect.stringMatching(c.reason) })
      }
    } finally {
      await close()
    }
  })

  test('a proof JSON with a bad field is refused by proofFromJson, naming the field', async () => {
    const { node, alice, close } = await nodeWithTransfers()
    try {
      const json = JSON.parse(JSON.stringify(node.getProof(balanceKey(alice.address)).proof)) as {
        siblings: string[]
        leaf?: { path: string; valueHash: string }
      }
      expect(() => proofFromJson({ ...json, siblings: ['zz', ...json.siblings.slice(1)] })).toThrow(
        /proof\.siblings\[0\] must be 64 hex characters/,
      )
      expect(() => proofFromJson({ ...json, leaf: { path: json.leaf!.path } })).toThrow(
        /proof\.leaf\.valueHash must be 64 hex characters/,
      )
      expect(() => proofFromJson('not a proof')).toThrow(/proof must be a JSON object/)
    } finally {
      await close()
    }
  })
})

describe('replay', () => {
  test('blocks read back from the store and re-executed on a second node give the same state roots', async () => {
    const { node, close } = await nodeWithTransfers()
    const replica = await openDevnetNode()
    try {
      const height = node.getStatus().height
      expect(height).toBe(3)
      expect(replica.node.getStatus()).toMatchObject({ height: 0, genesisHash: node.getStatus().genesisHash })
      for (let h = 1; h <= height; h++) {
        const stored = await node.chain.getBlock(h)
        expect(stored).toBeDefined()
        const imported = await replica.node.importBlock(stored!.bytes)
        expect({ height: h, hash: Buffer.from(imported.hash).toString('hex') }).toEqual({
          height: h,
          hash: Buffer.from(stored!.hash).toString('hex'),
        })
        expect({ height: h, stateRoot: replica.node.getStatus().stateRoot }).toEqual({
          height: h,
          stateRoot: Buffer.from(stored!.block.header.stateRoot).toString('hex'),
        })
      }
      expect(replica.node.getStatus().stateRoot).toBe(node.getStatus().stateRoot)
      expect(replica.node.getStatus().headHash).toBe(node.getStatus().headHash)
      expect(replica.node.query.token.getSupply({})).toEqual(node.query.token.getSupply({}))
      // a proof from the replica verifies against the original chain's header
      const key = balanceKey(freshSigner('alice').address)
      const p = proofOf(replica.node, key)
      expect(verifyProof(await headRoot(node), statePath(key), stateValueHash(p.value!), p.proof)).toEqual({
        ok: true,
      })
    } finally {
      await replica.close()
      await close()
    }
  })
})
