/**
 * `GatherNode.getHealth` on real blocks, for the check a single devnet process cannot show: this
 * node is an elected super node but its own slots pass without its block while another super
 * node's blocks keep coming. The test holds the other node's key and produces only that node's
 * blocks (`produceBlock(slot, { key })`), as a network would deliver them while ours is stuck.
 */
import { afterEach, describe, expect, test } from '@jest/globals'
import { pino } from 'pino'
import { hex } from '../chain/hex.js'
import type { GatherNode } from '../node/index.js'
import { openDevnetNode, signNext } from './helpers/devnet.js'
import { issueDeviceMsg, lockMsg, registerNodeMsg, testNodeKey } from './helpers/staking.js'

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

/** The first slot after the head whose scheduled proposer is `nodeId`. */
function nextSlotOf(node: GatherNode, nodeId: string): number {
  for (let s = node.chain.head.slot + 1; s < node.chain.head.slot + 200; s++) {
    if (hex(node.chain.proposerOf(s)) === nodeId) return s
  }
  throw new Error(`${nodeId} has no slot in the next 200`)
}

describe('GatherNode.getHealth: an elected super node that misses its own slots', () => {
  test('degraded with the reason and a warning while others produce; healthy again once it produces', async () => {
    const lines: { level: number; msg: string; [k: string]: unknown }[] = []
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) })
    const opened = await openDevnetNode({
      // genesis now, so blocks carry current times and the head is never stale here
      genesisTime: new Date(),
      blockTimeMs: 100,
      staking: { electionPeriodRounds: 1 },
      // only the own-slot check is under test: finality may lag (the other key never votes)
      node: { logger, health: { maxFinalityLagBlocks: 10_000 } },
    })
    close = opened.close
    const { node, keys } = opened
    const ours = hex(keys.nodeKey.publicKey)
    const other = testNodeKey('health-other')

    node.submitTx(
      signNext(node, keys.validator, [issueDeviceMsg(keys.validator.address, keys.faucet.address)]),
    )
    node.submitTx(signNext(node, keys.faucet, [registerNodeMsg(keys.faucet.address, other.id, 'other')]))
    node.submitTx(signNext(node, keys.faucet, [lockMsg(keys.faucet.address, other.id, 150_000_000n)]))
    const first = await node.produceBlock()
    expect(first.results.map((r) => r.code)).toEqual([0, 0, 0])

    // our blocks until the election makes the other node a super node
    for (let i = 0; i < 60 && !node.chain.headSuperNodes.some((k) => hex(k) === other.id); i++) {
      await node.produceBlock(nextSlotOf(node, ours))
    }
    expect(node.chain.headSuperNodes.map(hex).sort()).toEqual([ours, other.id].sort())
    expect(node.getHealth()).toMatchObject({ status: 'ok', superNode: true, missedOwnSlots: 0 })

    // only the other node's blocks: ours pass empty while the chain moves on
    for (let i = 0; i < 40 && node.getHealth().missedOwnSlots < 3; i++) {
      await node.produceBlock(nextSlotOf(node, other.id), { key: other })
    }
    const h = node.getHealth()
    expect(h.status).toBe('degraded')
    expect(h.missedOwnSlots).toBeGreaterThanOrEqual(3)
    expect(h.reasons).toEqual([
      expect.stringMatching(/^this node is a super node and missed its last \d+ slots in a row \(limit 1\)/),
    ])
    const warned = lines.filter((l) => l.msg.startsWith('this node is an elected super node'))
    expect(warned.length).toBeGreaterThan(0)
    expect(warned[0]).toMatchObject({ level: 40, producer: ours })

    // it produces its next slot: the run is over, and said so
    await node.produceBlock(nextSlotOf(node, ours))
    expect(node.getHealth()).toMatchObject({ status: 'ok', reasons: [], missedOwnSlots: 0 })
    const back = lines.filter((l) => l.msg === 'super node producing again' && l.producer === ours)
    expect(back).toEqual([expect.objectContaining({ level: 30, missedSlots: h.missedOwnSlots })])
  })
})
