/**
 * A large query body's members without its parameters parsed: the event loop needs the query (for
 * its limits and the live key) and the perspective, not 700 kB of ids, which the query thread
 * parses, checks and serialises (docs/query-engine.md#limits-checked-before-any-work).
 */
import {isUtf8} from 'node:buffer'
import {stringEnd} from '../core/jsonDepth.ts'

/**
 * The body's members but `params`, parsed, and the text of its `params` object, unparsed; or null
 * when the body is not plainly a JSON object whose last `params` is an object (a leading BOM,
 * something out of place, not UTF-8), to be parsed whole as before, which refuses it as before.
 * One pass over the bytes: `"`, `\`, brackets and separators are ASCII, never part of a multi-byte
 * character. The parameters' text is only bracketed here: the thread's JSON.parse checks it.
 */
export function splitQueryBody(
  bytes: Buffer,
): {members: Record<string, unknown>; paramsText: string} | null {
  if (!isUtf8(bytes)) return null
  const members: Record<string, unknown> = {}
  let params: [number, number] | null = null
  let i = skipSpace(bytes, 0)
  if (bytes[i] !== OPEN_OBJECT) return null
  i = skipSpace(bytes, i + 1)
  if (bytes[i] === CLOSE_OBJECT) return null
  for (;;) {
    if (bytes[i] !== QUOTE) return null
    const keyEnd = stringEnd(bytes, i)
    if (keyEnd < 0) return null
    const key = parsed(bytes, i, keyEnd)
    if (typeof key !== 'string') return null
    i = skipSpace(bytes, keyEnd)
    if (bytes[i] !== COLON) return null
    const start = skipSpace(bytes, i + 1)
    const end = valueEnd(bytes, start)
    if (end < 0) return null
    if (key === 'params' && bytes[start] === OPEN_OBJECT) {
      params = [start, end]
      delete members.params
    } else {
      const value = parsed(bytes, start, end)
      if (value === NOT_JSON) return null
      // As JSON.parse: the last of a member given twice; `__proto__` an own member.
      Object.defineProperty(members, key, {value, enumerable: true, writable: true})
      if (key === 'params') params = null
    }
    i = skipSpace(bytes, end)
    if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1)
    else if (bytes[i] === CLOSE_OBJECT) break
    else return null
  }
  if (skipSpace(bytes, i + 1) !== bytes.length || params === null) return null
  return {members, paramsText: bytes.toString('utf8', params[0], params[1])}
}

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const NOT_JSON = Symbol('not JSON')

function parsed(bytes: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(bytes.toString('utf8', start, end)) as unknown
  } catch {
    return NOT_JSON
  }
}

/** The index past JSON's whitespace (space, tab, line feed, carriage return) from `i`. */
function skipSpace(bytes: Buffer, i: number): number {
  while (i < bytes.length) {
    const b = bytes[i]
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break
    i++
  }
  return i
}

/**
 * The index past the value that begins at `i`: a string, a bracketed value (its brackets counted,
 * strings skipped; whether they match is the parse's to say) or a literal up to a separator; -1
 * when it does not end.
 */
function valueEnd(bytes: Buffer, i: number): number {
  const first = bytes[i]
  if (first === QUOTE) return stringEnd(bytes, i)
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let at = i
    while (at < bytes.length) {
      const b = bytes[at]
      if (b === COMMA || b === CLOSE_OBJECT || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)
        break
      at++
    }
    return at > i ? at : -1
  }
  let depth = 0
  for (let at = i; at < bytes.length; at++) {
    const b = bytes[at]
    if (b === QUOTE) {
      const end = stringEnd(bytes, at)
      if (end < 0) return -1
      at = end - 1
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (--depth === 0) return at + 1
    }
  }
  return -1
}
