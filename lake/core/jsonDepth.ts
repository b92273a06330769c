/**
 * How deep a request body's JSON nests, read from its bytes before anything parses it: V8's
 * JSON.parse took 4-11 s over 1,000,000 nested brackets (2 MB, load 25-29), on whichever thread
 * parses it, so a limit checked on the parsed value came seconds too late on the event loop. One
 * pass outside strings; `"`, `\` and brackets are ASCII, never part of a multi-byte character.
 */

/** A value nesting past its limit: in a member of the body's object, or the body itself. */
export interface TooDeep {
  /** The member of the object whose value nests too deep; null: the value is no object. */
  member: string | null
  /** Where that member's value (or the value) begins. */
  at: number
}

/**
 * The first member of the JSON object at `from` in `bytes` whose value nests arrays or objects
 * more than `max` deep (a scalar 0, `[]` 1; past `max`, `limitOf(member)` where given, which may
 * be more); a value at `from` that is no object, more than `max` + 1 deep. Null when none does,
 * or when the text ends first or is not JSON enough to tell (the parse's to refuse).
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
      if (depth === 0) object = b === OPEN_OBJECT
      depth++
      if (depth === 1) {
        expectingKey = object
        valueAt = i
        continue
      }
      if (!object) {
        if (depth > max + 1) return {member: null, at: valueAt}
        continue
      }
      if (depth === 2) {
        valueAt = i
        limit = max
      }
      if (depth - 1 <= limit) continue
      const member = key === null ? null : keyOf(bytes, key)
      if (member === null) return {member: null, at: valueAt}
      if (limit === max && limitOf) {
        limit = limitOf(member)
        if (depth - 1 <= limit) continue
      }
      return {member, at: valueAt}
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (--depth <= 0) return null
    } else if (b === COMMA && depth === 1) expectingKey = object
  }
  return null
}

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
    const name: unknown = JSON.parse(utf8.decode(bytes.subarray(start, end)))
    return typeof name === 'string' ? name : null
  } catch {
    return null
  }
}

/** The index past the string that opens at `i` (a `"`), or -1 when it does not close. */
export function stringEnd(bytes: Uint8Array, i: number): number {
  for (let at = i + 1; ;) {
    const quote = bytes.indexOf(QUOTE, at)
    if (quote < 0) return -1
    let slashes = 0
    while (bytes[quote - 1 - slashes] === BACKSLASH) slashes++
    if (slashes % 2 === 0) return quote + 1
    at = quote + 1
  }
}
