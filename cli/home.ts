import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { ProposerKey } from '../chain/blockchain.js'
import { nodeKeyFromSeed } from '../chain/crypto/ed25519.js'
import { hex } from '../chain/hex.js'
import type { Genesis } from '../genesis/schema.js'

/** Where a node keeps its files. */
export interface HomePaths {
  home: string
  genesis: string
  nodeKey: string
  data: string
}

/** The default home of `gather init|start|keys|tx`: $GATHER_HOME or ~/.gather. */
export function defaultHome(): string {
  return process.env.GATHER_HOME ?? join(homedir(), '.gather')
}

/** The default devnet home: $GATHER_HOME or ~/.gather-devnet. */
export function defaultDevnetHome(): string {
  return process.env.GATHER_HOME ?? join(homedir(), '.gather-devnet')
}

/** The layout of a home folder: config/genesis.json, config/node_key.json, data/. */
export function homePaths(home: string): HomePaths {
  const h = resolve(home)
  return {
    home: h,
    genesis: join(h, 'config', 'genesis.json'),
    nodeKey: join(h, 'config', 'node_key.json'),
    data: join(h, 'data'),
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path)
    return true
  } catch {
    return false
  }
}

/** True when the home already holds a genesis. */
export function hasGenesis(paths: HomePaths): Promise<boolean> {
  return exists(paths.genesis)
}

/** Writes genesis and node key into a new home (the key file readable by the owner only). */
export async function writeHome(paths: HomePaths, genesis: Genesis, nodeKey: ProposerKey): Promise<void> {
  await mkdir(join(paths.home, 'config'), { recursive: true })
  await writeFile(paths.genesis, `${JSON.stringify(genesis, null, 2)}\n`)
  const keyJson = {
    type: 'ed25519',
    publicKey: hex(nodeKey.publicKey),
    privateKey: hex(nodeKey.privateKey),
  }
  await writeFile(paths.nodeKey, `${JSON.stringify(keyJson, null, 2)}\n`, { mode: 0o600 })
  await chmod(paths.nodeKey, 0o600)
}

/** Reads and validates the home's genesis. */
export async function readGenesis(paths: HomePaths): Promise<Genesis> {
  let text: string
  try {
    text = await readFile(paths.genesis, 'utf8')
  } catch {
    throw new Error(`no genesis at ${paths.genesis}; run \`gather init\` or \`gather devnet\` first`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new Error(`${paths.genesis} is not valid JSON: ${(e as Error).message}`)
  }
  // the genesis schema (zod and every module's) loads only here: `--home` alone stays cheap
  const { parseGenesis } = await import('../genesis/schema.js')
  return parseGenesis(json)
}

/** Reads the node key (ed25519 seed) of the home. */
export function readNodeKey(paths: HomePaths): Promise<ProposerKey> {
  return readNodeKeyFile(paths.nodeKey)
}

/** Reads a node key file (`{ publicKey, privateKey }` as `writeHome` writes it; the seed is what counts). */
export async function readNodeKeyFile(file: string): Promise<ProposerKey> {
  let j: { privateKey?: unknown }
  try {
    j = JSON.parse(await readFile(file, 'utf8')) as { privateKey?: unknown }
  } catch (e) {
    throw new Error(`cannot read node key ${file}: ${(e as Error).message}`)
  }
  if (typeof j.privateKey !== 'string' || !/^[0-9a-fA-F]{64}$/.test(j.privateKey)) {
    throw new Error(`${file}: privateKey must be 64 hex characters`)
  }
  return nodeKeyFromSeed(Buffer.from(j.privateKey, 'hex'))
}
