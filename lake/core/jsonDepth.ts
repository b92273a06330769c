/**
 * How deep a request body's JSON nests, read from its bytes before anything parses it: V8's
 * JSON.parse took 4-11 s over 1,000,000 nested brackets (2 MB, load 25-29), on whichever thread
 * parses it, so a limit checked on the parsed value came seconds too late on the event loop. One
 * pass outside strings; `"`, `\` and brackets are ASCII, never part of a multi-byte character.
 */

/**
 * A value nesting past its limit: a member of an object, or an item of an array. Depth counts as
 * every limit's does (limits.ts): a value from its own brackets, a scalar 0, `[]` 1.
 */
export interface TooDeep {
  /** The member's name; null for an array's item (or a name that is not a JSON string). */
  member: string | null
  /** Its place among the object's members or the array's items, from 0. */
  index: number
  /** Where its value begins. */
  at: number
}

/**
 * The first member of the JSON object, or item of the array, at `from` in `bytes` whose value
 * nests arrays or objects more than `max` deep (an object's member past `max`: `limitOf(member)`
 * where given, which may be more). Null when none does, or when the text ends first or is not
 * JSON enough to tell (the parse's to refuse).
 */
export function tooDeepMember(
  bytes: Uint8Array,
  max: number,
  from = 0,
  limitOf?: (member: string) => number,
): TooDeep | null {
  let depth = 0
  let object = false
  let expectingKey = false
  let key: [number, number] | null = null
  let index = 0
  let valueAt = from
  let limit = max
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === QUOTE) {
      const end = stringEnd(bytes, i)
      if (end < 0) return null
      if (depth === 1 && expectingKey) key = [i, end]
      expectingKey = false
      i = end - 1
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      depth++
      if (depth === 1) {
        object = b === OPEN_OBJECT
        expectingKey = object
        continue
      }
      if (depth === 2) {
        valueAt = i
        limit = max
      }
      if (depth - 1 <= limit) continue
      const member = object && key !== null ? keyOf(bytes, key) : null
      if (member !== null && limit === max && limitOf) {
        limit = limitOf(member)
        if (depth - 1 <= limit) continue
      }
      return {member, index, at: valueAt}
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (--depth <= 0) return null
    } else if (b === COMMA && depth === 1) {
      expectingKey = object
      index++
    }
  }
  return null
}

/**
 * The JSON text of the value at `from` in `bytes` with every array or object in it nesting more
 * than `max` deep written as null (its bytes skipped unread), so that it parses in bounded depth
 * and time: the few members a message names, read from a value too deep to parse. Null when the
 * value does not end.
 */
export function shallowText(bytes: Uint8Array, from: number, max: number): string | null {
  const parts: Uint8Array[] = []
  let kept = from
  let depth = 0
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === QUOTE) {
      const end = stringEnd(bytes, i)
      if (end < 0) return null
      i = end - 1
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth === max + 1) {
        parts.push(bytes.subarray(kept, i), NULL)
      }
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (depth-- === max + 1) kept = i + 1
      if (depth === 0) {
        parts.push(bytes.subarray(kept, i + 1))
        return utf8.decode(joined(parts))
      }
    }
  }
  return null
}

function joined(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((length, part) => length + part.length, 0))
  let at = 0
  for (const part of parts) {
    all.set(part, at)
    at += part.length
  }
  return all
}

const NULL = new TextEncoder().encode('null')

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

const utf8 = new TextDecoder()

/** A member's name from its quoted bytes, or null when they are not a JSON string. */
function keyOf(bytes: Uint8Array, [start, end]: [number, number]): string | null {
  try {
    // A copy: TextDecoder reads no shared memory (a write body's, on a thread).
    const name: unknown = JSON.parse(utf8.decode(bytes.slice(start, end)))
    return typeof name === 'string' ? name : null
  } catch {
    return null
  }
}

/** The index past the string that opens at `i` (a `"`), or -1 when it does not close. */
export function stringEnd(bytes: Uint8Array, i: number): number {
  // Byte by byte at first: most strings of a body are short (keys, ids, types), and indexOf's
  // call cost more than their bytes (a 1.9 MB batch of articles scanned in 17 ms, not 5).
  const near = Math.min(bytes.length, i + 1 + SHORT_STRING)
  for (let at = i + 1; at < near; at++) {
    const b = bytes[at]
    if (b === QUOTE) return at + 1
    if (b === BACKSLASH) at++
  }
  for (let at = near; ;) {
    const quote = bytes.indexOf(QUOTE, at)
    if (quote < 0) return -1
    let slashes = 0
    while (quote - 1 - slashes > i && bytes[quote - 1 - slashes] === BACKSLASH) slashes++
    if (slashes % 2 === 0) return quote + 1
    at = quote + 1
  }
}

/** Bytes of a string read one by one before the rest is searched (stringEnd). */
const SHORT_STRING = 64
