/**
 * A validator never signs two blocks for one slot or two votes for one height, even across a
 * restart (issue 5): the last signed slot and height are written durably before each signature.
 */
import { describe, expect, test } from '@jest/globals'
import { GatherNode } from '../node/index.js'
import { openDevnetNode } from './helpers/devnet.js'

describe('the double-sign guard', () => {
  test('survives a restart: a signed slot and a voted height are refused; the next ones are fine', async () => {
    const net = await openDevnetNode()
    const { genesis, keys, dataDir } = net
    try {
      const b = await net.node.produceBlock(7)
      await net.node.settled()
      expect(b.block.header.slot).toBe(7)
      expect(await net.node.chain.lastSigned('proposal')).toBe(7)
      expect(await net.node.chain.lastSigned('vote')).toBe(1)
      await net.node.stop()

      // a fresh process on the same database: it remembers what it signed
      const again = await GatherNode.open({ dataDir, genesis, nodeKey: keys.nodeKey, produce: false })
      try {
        expect(await again.chain.lastSigned('proposal')).toBe(7)
        await expect(again.chain.guardSign('proposal', 7)).rejects.toMatchObject({ code: 'DOUBLE_SIGN' })
        await expect(again.chain.guardSign('vote', 1)).rejects.toMatchObject({ code: 'DOUBLE_SIGN' })
        // the default slot skips what was signed; the block is final by its own vote (1 of 1)
        const next = await again.produceBlock()
        expect(next.block.header.slot).toBeGreaterThan(7)
        await again.settled()
        expect(again.chain.finalBlock.height).toBe(2)
        expect(again.getStatus().finalHeight).toBe(2)
      } finally {
        await again.stop()
      }
    } finally {
      await net.close()
    }
  })
})
