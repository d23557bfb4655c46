import { createServer, type Server } from 'node:net'
import { Rng, testSeed } from './rng.js'

export function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(srv))
  })
}

export function close(srv: Server): Promise<void> {
  return new Promise((r) => srv.close(() => r()))
}

/** Where the port ranges are looked for: from `GATHER_PORT_SEED` when set, else a fresh seed (named in errors). */
const PORT_SEED = testSeed('GATHER_PORT_SEED')
const ports = new Rng(PORT_SEED)

/** A base port with `count` free ports from it on 127.0.0.1 (below the ephemeral range the OS hands out). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + ports.int(10_000)
    const held: Server[] = []
    try {
      for (let p = base; p < base + count; p++) held.push(await listen(p))
      return base
    } catch {
      // taken: try another range
    } finally {
      await Promise.all(held.map(close))
    }
  }
  throw new Error(`no ${count} consecutive free ports found (GATHER_PORT_SEED=${PORT_SEED})`)
}
