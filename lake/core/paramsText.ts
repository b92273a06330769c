/**
 * The size checkQueryText gives parameters (each one's name in UTF-8 plus its JSON.stringify), read
 * from the JSON text of their object without parsing it: a large POST's parameters are parsed on
 * the query thread, whose deadline fired before its "too large" on a slow machine (a 504 for
 * hostile input). So is whether the text is JSON at all, and whether its parse would pass the
 * thread's heap: both were judged only on the thread. One pass over the text, no value built but
 * the names. Pure.
 */
import {NON_FINITE, paramsTooLarge} from './limits.ts'
import {QueryError, QueryMemoryError} from './errors.ts'
import {utf8ByteLength} from './utf8.ts'
import {parsedHeapEstimate} from './writes.ts'

/**
 * What the query thread's parse says of text that is not a JSON object (parseParamsText's
 * NotJsonParams, as the route's parse of a whole body says it).
 */
export const NOT_JSON_MESSAGE = 'Request body is not valid JSON'

/**
 * Throws what the query thread would refuse `text`, their object's JSON, with, judged as it judges
 * it and in its order: a parse that would take more than half of a thread's heap of `heapMb`
 * (QueryMemoryError), text that is not a JSON object (a SyntaxError saying so, which the lake
 * answers 400 as a body that is not JSON), then checkQueryText's refusal of parameters larger than
 * `maxBytes` (naming the parameter it names, in Object.entries' order) or of a non-finite number
 * met first. Returns without a word when the thread would run the query.
 */
export function checkParamsText(text: string, maxBytes: number, heapMb?: number): void {
  // parsedHeapEstimate is at most 66 bytes a character: past a thread's half only for long text.
  if (heapMb !== undefined && text.length * 66 > (heapMb * 1024 * 1024) / 2) {
    if (parsedHeapEstimate(text) > (heapMb * 1024 * 1024) / 2) throw new QueryMemoryError(heapMb)
  }
  const scan = new Scan(text)
  const members = text.charCodeAt(0) === 0x7b ? scan.object(0, true) : null
  if (members === null || scan.skipSpace(scan.at) !== text.length) {
    throw new SyntaxError(NOT_JSON_MESSAGE)
  }
  let bytes = 0
  for (const [name, size] of entriesOrder(members)) {
    if (size < 0) throw new QueryError(`Parameter $${name} ${NON_FINITE}`)
    bytes += utf8ByteLength(name) + size
    if (bytes > maxBytes) throw paramsTooLarge(name)
  }
}

/** Object.entries' order: integer keys (array indices) ascending, then the others as first given. */
function entriesOrder(members: Map<string, number>): [string, number][] {
  const all = [...members]
  const indices = all.filter(([name]) => isArrayIndex(name))
  if (indices.length === 0) return all
  indices.sort((a, b) => Number(a[0]) - Number(b[0]))
  return [...indices, ...all.filter(([name]) => !isArrayIndex(name))]
}

const isArrayIndex = (name: string) =>
  /^(?:0|[1-9]\d{0,9})$/.test(name) && Number(name) < 2 ** 32 - 1

const QUOTE = 0x22
const BACKSLASH = 0x5c

/** A size for text that is not JSON (its parse refuses it). */
const NOT_JSON = -2
/** A value holding a number JSON.parse reads as ±Infinity. */
const NON_FINITE_SIZE = -1

class Scan {
  readonly text: string
  /** Where the last value read ended. */
  at = 0
  constructor(text: string) {
    this.text = text
  }

  skipSpace(i: number): number {
    const {text} = this
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
    }
    return i
  }

  /**
   * The object at `i`: its members' sizes as JSON.stringify writes them (a duplicate name's last
   * value, as JSON.parse keeps it), each a name's `"name":value` without the name when `top`;
   * null when not JSON; a size < 0 for a member holding a non-finite number.
   */
  object(i: number, top: boolean): Map<string, number> | null {
    const {text} = this
    const members = new Map<string, number>()
    i = this.skipSpace(i + 1)
    if (text.charCodeAt(i) === 0x7d) {
      this.at = i + 1
      return members
    }
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return null
      const keySize = this.string(i)
      if (keySize < 0) return null
      const keyEnd = this.at
      const raw = text.slice(i + 1, keyEnd - 1)
      let name: string
      try {
        name = raw.includes('\\') ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw
      } catch {
        return null
      }
      i = this.skipSpace(keyEnd)
      if (text.charCodeAt(i) !== 0x3a) return null
      const size = this.value(this.skipSpace(i + 1))
      if (size === NOT_JSON) return null
      members.set(name, size < 0 ? NON_FINITE_SIZE : top ? size : keySize + 1 + size)
      i = this.skipSpace(this.at)
      const c = text.charCodeAt(i)
      if (c === 0x7d) break
      if (c !== 0x2c) return null
      i = this.skipSpace(i + 1)
    }
    this.at = i + 1
    return members
  }

  /** The size of JSON.stringify of the value at `i` (this.at past it); NOT_JSON, NON_FINITE_SIZE. */
  value(i: number): number {
    const {text} = this
    const c = text.charCodeAt(i)
    if (c === QUOTE) return this.string(i)
    if (c === 0x7b) {
      const members = this.object(i, false)
      if (members === null) return NOT_JSON
      let size = 1 + Math.max(members.size - 1, 0) + 1
      for (const member of members.values()) {
        if (member < 0) return NON_FINITE_SIZE
        size += member
      }
      return size
    }
    if (c === 0x5b) {
      i = this.skipSpace(i + 1)
      let size = 2
      if (text.charCodeAt(i) === 0x5d) {
        this.at = i + 1
        return size
      }
      let nonFinite = false
      for (let first = true; ; first = false) {
        const item = this.value(i)
        if (item === NOT_JSON) return NOT_JSON
        if (item < 0) nonFinite = true
        size += item + (first ? 0 : 1)
        i = this.skipSpace(this.at)
        const next = text.charCodeAt(i)
        if (next === 0x5d) break
        if (next !== 0x2c) return NOT_JSON
        i = this.skipSpace(i + 1)
      }
      this.at = i + 1
      return nonFinite ? NON_FINITE_SIZE : size
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        this.at = i + literal.length
        return literal.length
      }
    }
    return this.number(i)
  }

  /** JSON's number at `i`, scanned as its grammar has it (any length); NOT_JSON if none. */
  number(i: number): number {
    const {text} = this
    const start = i
    if (text.charCodeAt(i) === 0x2d) i++
    const first = text.charCodeAt(i)
    if (first === 0x30) i++
    else if (isDigit(first)) while (isDigit(text.charCodeAt(i))) i++
    else return NOT_JSON
    const integer = i
    if (text.charCodeAt(i) === 0x2e) {
      if (!isDigit(text.charCodeAt(++i))) return NOT_JSON
      while (isDigit(text.charCodeAt(i))) i++
    }
    if ((text.charCodeAt(i) | 0x20) === 0x65) {
      const sign = text.charCodeAt(++i)
      if (sign === 0x2b || sign === 0x2d) i++
      if (!isDigit(text.charCodeAt(i))) return NOT_JSON
      while (isDigit(text.charCodeAt(i))) i++
    }
    this.at = i
    // An integer of up to 15 digits is written back as it came (but -0, written 0).
    const length = i - start
    if (integer === i && length - (text.charCodeAt(start) === 0x2d ? 1 : 0) <= 15) {
      return length === 2 && first === 0x30 ? 1 : length
    }
    const value = Number(text.slice(start, i))
    return Number.isFinite(value) ? String(value).length : NON_FINITE_SIZE
  }

  /**
   * The size of the string at `i` as JSON.stringify writes it once parsed (this.at past it):
   * escapes read, the characters it escapes (`"`, `\`, controls, lone surrogates) escaped.
   */
  string(i: number): number {
    const {text} = this
    let size = 2
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) {
        this.at = i + 1
        return size
      }
      if (c < 0x20) return NOT_JSON
      if (c !== BACKSLASH) {
        // Each half of a surrogate pair (the text is well-formed UTF-8's) counts 2 of its 4 bytes.
        size += c < 0x80 ? 1 : c < 0x800 ? 2 : (c & 0xf800) === 0xd800 ? 2 : 3
        continue
      }
      const e = text.charCodeAt(++i)
      if (e === 0x75) {
        const unit = hex4(text, i + 1)
        if (unit < 0) return NOT_JSON
        i += 4
        if ((unit & 0xfc00) === 0xd800 && text.charCodeAt(i + 1) === BACKSLASH) {
          const low = text.charCodeAt(i + 2) === 0x75 ? hex4(text, i + 3) : -1
          if ((low & 0xfc00) === 0xdc00 && low >= 0) {
            size += 4
            i += 6
            continue
          }
        }
        size += escapedSize(unit)
      } else if (e === QUOTE || e === BACKSLASH) size += 2
      else if (e === 0x2f) size += 1
      else if (e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) size += 2
      else return NOT_JSON
    }
    return NOT_JSON
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39

/** How JSON.stringify writes the code unit `unit`, read from a `\u` escape, in UTF-8 bytes. */
function escapedSize(unit: number): number {
  if (unit === 0x22 || unit === 0x5c) return 2
  if (unit === 0x08 || unit === 0x09 || unit === 0x0a || unit === 0x0c || unit === 0x0d) return 2
  if (unit < 0x20) return 6
  if (unit < 0x80) return 1
  if (unit < 0x800) return 2
  // A lone surrogate: JSON.stringify escapes it.
  if ((unit & 0xf800) === 0xd800) return 6
  return 3
}

function hex4(text: string, i: number): number {
  const digits = text.slice(i, i + 4)
  return /^[0-9a-fA-F]{4}$/.test(digits) ? parseInt(digits, 16) : -1
}
