/**
 * UTF-8 helpers on web-standard types, so lake/core runs where Node's Buffer does not: each gives
 * what Buffer gave (a lone surrogate counts and decodes as U+FFFD, a BOM is kept).
 */

/** The bytes of `text` as UTF-8 (TextEncoder's length), counted without encoding it. */
export function utf8ByteLength(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) continue
    if (unit < 0x800) bytes += 1
    else if (
      (unit & 0xfc00) === 0xd800 &&
      i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      // A surrogate pair: two code units, four bytes.
      bytes += 2
      i++
    } else bytes += 2
  }
  return bytes
}

const decoder = new TextDecoder('utf-8', {ignoreBOM: true})

/** `bytes` decoded as UTF-8, malformed sequences as U+FFFD. */
export function utf8Text(bytes: Uint8Array): string {
  // Node decodes a view of a SharedArrayBuffer (a thread's copy) in place; browsers refuse one.
  return decoder.decode(bytes)
}

/** Where `ascii` (ASCII only) occurs in `bytes` at or after `from`, or -1. */
export function indexOfAscii(bytes: Uint8Array, ascii: string, from = 0): number {
  const first = ascii.charCodeAt(0)
  const end = bytes.length - ascii.length
  for (
    let at = bytes.indexOf(first, from);
    at >= 0 && at <= end;
    at = bytes.indexOf(first, at + 1)
  ) {
    let i = 1
    while (i < ascii.length && bytes[at + i] === ascii.charCodeAt(i)) i++
    if (i === ascii.length) return at
  }
  return -1
}
