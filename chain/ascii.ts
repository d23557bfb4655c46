import { isAscii } from 'node:buffer'

/**
 * The text of ASCII bytes, or undefined when some byte is 0x80 or above. Every UTF-8 decoder,
 * lenient or strict, reads ASCII bytes as their own char codes, which is what latin1 gives, so
 * decoders take this fast path first and keep their own UTF-8 reading for anything else. A view
 * over the same memory: the string is the only new allocation.
 */
export function asciiText(bytes: Uint8Array): string | undefined {
  if (!isAscii(bytes)) return undefined
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}
