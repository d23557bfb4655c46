/**
 * Bytes as lower-case hex: how hashes, keys and signatures appear in logs, errors, JSON views
 * and ids. A view over the same memory (no copy).
 */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}
