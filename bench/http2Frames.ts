/**
 * HTTP/2 frames and HPACK header literals written by hand (RFC 9113, RFC 7541), for a client that
 * must send exactly the frames it means, unqueued and uncoalesced: bench/rapidReset.ts and
 * tests/lake/security/rapidReset.test.ts.
 */

/** Frame types (RFC 9113 section 6). */
export const FRAME = {headers: 1, rstStream: 3, settings: 4, ping: 6, goaway: 7} as const

/** A frame: its 9-byte head (payload length, type, flags, stream), then the payload. */
export function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9)
  head.writeUIntBE(payload.length, 0, 3)
  head[3] = type
  head[4] = flags
  head.writeUInt32BE(stream, 5)
  return Buffer.concat([head, payload])
}

/** An HPACK integer of `prefix` bits, its first byte's other bits `high`. */
function hpackInteger(value: number, prefix: number, high: number): number[] {
  const max = (1 << prefix) - 1
  if (value < max) return [high | value]
  const bytes = [high | max]
  for (value -= max; value >= 128; value >>= 7) bytes.push((value & 127) | 128)
  bytes.push(value)
  return bytes
}

/** A header literal not indexed, its name the static table's `index` (RFC 7541 6.2.2). */
export function literal(index: number, value: string): number[] {
  const text = Buffer.from(value, 'latin1')
  return [...hpackInteger(index, 4, 0), ...hpackInteger(text.length, 7, 0), ...text]
}
