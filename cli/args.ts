import { isValidAddress } from '../chain/crypto/address.js'

/** An address argument; `what` names it in the error, e.g. `<to-address>`. */
export function parseAddressArg(value: string | undefined, what = '<address>'): string {
  if (value === undefined || !isValidAddress(value))
    throw new Error(`${what} "${value ?? ''}" is not a gat address`)
  return value
}

/** A node id argument: the node's ed25519 public key as 64 hex characters (returned lower-case). */
export function parseNodeIdArg(value: string | undefined): string {
  if (value === undefined || !/^[0-9a-fA-F]{64}$/.test(value))
    throw new Error(
      `<node-id> "${value ?? ''}" must be the node's ed25519 public key as 64 hex characters (the publicKey of config/node_key.json in its home)`,
    )
  return value.toLowerCase()
}
