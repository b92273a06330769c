/**
 * The full-text index's walk (core/searchText.ts indexedText, and the heads of searchIndex.ts)
 * over a stored body as SQLite keeps it (JSONB, sqlite.org/jsonb.html), without json() and
 * JSON.parse: the analyzer read every queued body as text (json() in SQLite) and parsed it into
 * objects it walked once, about a fifth of its thread's time in a bulk load. Here only the strings
 * the index reads are decoded, and no object or array is made.
 *
 * What it gives the sink is exactly what indexedText gives for JSON.parse(json(body)): the same
 * calls in the same order. Where a plain reading of the bytes could differ from JSON.parse, it
 * gives up (JsonbFallback) before the caller uses anything it gave, and the caller reads the body
 * as text: an object with a key that starts with a digit (JSON.parse's objects list array-index
 * keys first), a key twice (JSON.parse keeps the first place and the last value), a key with an
 * escape or a byte past ASCII (two spellings, or two malformed byte sequences, of one key), JSON5
 * escapes in a string it reads, and bytes that are no JSONB. Bodies the lake writes (jsonb() of
 * JSON.stringify's text) have none of these but an escaped string (TEXTJ), read here by JSON.parse.
 * A TEXT element is trusted to need no escape, as SQLite writes it.
 */
import {SKIPPED_KEYS, type IndexedTextSink} from '../core/searchText.ts'

/** The body needs the text reading (see the module comment); nothing read from it counts. */
export class JsonbFallback extends Error {
  constructor() {
    super('lake: the body needs reading as JSON text')
    this.name = 'JsonbFallback'
  }
}
const FALLBACK = new JsonbFallback()

// Element types (sqlite.org/jsonb.html, section 3); TEXT5 (9), a string with JSON5 escapes, is
// read as text.
const TRUE = 1
const FALSE = 2
const INT = 3
const INT5 = 4
const FLOAT = 5
const FLOAT5 = 6
const TEXT = 7
const TEXTJ = 8
const TEXTRAW = 10
const ARRAY = 11
const OBJECT = 12

// Keys the walk tells apart, as flags of an object's entry.
const SKIPPED = 1
const REF = 2
const TYPE = 4
const CHILDREN = 8
const SPAN_TEXT = 16
const ID = 32
const SCORE = 64
const KNOWN_KEYS: [string, number][] = [
  ...[...SKIPPED_KEYS].map((key): [string, number] => [key, SKIPPED]),
  ['_type', TYPE],
  ['children', CHILDREN],
  ['text', SPAN_TEXT],
  ['_id', ID],
  ['_score', SCORE],
]
KNOWN_KEYS.find(([key]) => key === '_ref')![1] |= REF

/** FNV-1a over a key's bytes (ASCII here), which scanObject compares keys by first. */
const FNV_OFFSET = 0x811c9dc5 | 0
const FNV_PRIME = 0x01000193
/** KNOWN_KEYS by the low bits of their hashes (no two share them: checked here). */
const KNOWN_SLOTS = 1024
const knownBySlot: ([string, number] | undefined)[] = new Array(KNOWN_SLOTS).fill(undefined)
for (const known of KNOWN_KEYS) {
  let hash = FNV_OFFSET
  for (let i = 0; i < known[0].length; i++)
    hash = Math.imul(hash ^ known[0].charCodeAt(i), FNV_PRIME)
  if (knownBySlot[hash & (KNOWN_SLOTS - 1)]) throw new Error('lake: two known keys share a slot')
  knownBySlot[hash & (KNOWN_SLOTS - 1)] = known
}

/** The flags of the key bytes[from, to) whose hash is `hash`. */
function keyFlags(bytes: Uint8Array, from: number, to: number, hash: number): number {
  const known = knownBySlot[hash & (KNOWN_SLOTS - 1)]
  if (known === undefined || known[0].length !== to - from) return 0
  for (let i = from; i < to; i++) if (bytes[i] !== known[0].charCodeAt(i - from)) return 0
  return known[1]
}

/** The element read last (element()): its type and payload's bounds, without an object each. */
let type = 0
let start = 0
let end = 0

/** Reads the header of the element at `at`, whose payload must end by `limit`. */
function element(bytes: Uint8Array, at: number, limit: number): void {
  if (at >= limit) throw FALLBACK
  const head = bytes[at]
  type = head & 0x0f
  let size = head >> 4
  let payload = at + 1
  if (size >= 12) {
    const width = size === 12 ? 1 : size === 13 ? 2 : size === 14 ? 4 : 8
    if (payload + width > limit) throw FALLBACK
    size = 0
    for (let i = 0; i < width; i++) size = size * 256 + bytes[payload + i]
    payload += width
  }
  start = payload
  end = payload + size
  if (end > limit || type > OBJECT) throw FALLBACK
}

/**
 * The entries of the objects being walked, ENTRY ints each: the key's payload bounds, its hash,
 * its flags, and the value's type and payload bounds. A stack: an object's entries lie above its
 * parent's while it is walked.
 */
const ENTRY = 7
let entries = new Int32Array(ENTRY * 256)
let top = 0

/**
 * Pushes the entries of the object whose payload is [from, to), checking that JSON.parse would
 * give them in this order (see the module comment); returns where they start.
 */
function scanObject(bytes: Uint8Array, from: number, to: number): number {
  const base = top
  let at = from
  while (at < to) {
    element(bytes, at, to)
    if (type !== TEXT && type !== TEXTRAW) throw FALLBACK
    const keyStart = start
    const keyEnd = end
    // An array index starts with a digit; past ASCII, two keys may read as one.
    const first = bytes[keyStart]
    if (keyEnd > keyStart && first >= 0x30 && first <= 0x39) throw FALLBACK
    let hash = FNV_OFFSET
    for (let i = keyStart; i < keyEnd; i++) {
      const byte = bytes[i]
      if (byte >= 0x80) throw FALLBACK
      hash = Math.imul(hash ^ byte, FNV_PRIME)
    }
    for (let other = base; other < top; other += ENTRY) {
      if (entries[other + 2] === hash && sameKey(bytes, other, keyStart, keyEnd)) throw FALLBACK
    }
    element(bytes, keyEnd, to)
    if (top + ENTRY > entries.length) {
      const grown = new Int32Array(entries.length * 2)
      grown.set(entries)
      entries = grown
    }
    entries[top] = keyStart
    entries[top + 1] = keyEnd
    entries[top + 2] = hash
    entries[top + 3] = keyFlags(bytes, keyStart, keyEnd, hash)
    entries[top + 4] = type
    entries[top + 5] = start
    entries[top + 6] = end
    top += ENTRY
    at = end
  }
  return base
}

/** Whether the key of `entry` is bytes[from, to). */
function sameKey(bytes: Uint8Array, entry: number, from: number, to: number): boolean {
  const other = entries[entry]
  if (entries[entry + 1] - other !== to - from) return false
  for (let i = 0; i < to - from; i++) if (bytes[other + i] !== bytes[from + i]) return false
  return true
}

/** The entry of `base`'s object (up to `to`) whose key has `flag`, or -1. */
function find(base: number, to: number, flag: number): number {
  for (let entry = base; entry < to; entry += ENTRY) if (entries[entry + 3] & flag) return entry
  return -1
}

const isString = (valueType: number) => valueType >= TEXT && valueType <= TEXTRAW

/**
 * Buffer's own UTF-8 decoder (simdutf; malformed bytes as U+FFFD, as `toString('utf8')`) without
 * toString's checks of its arguments: a tenth of the walk's time went to them. It is not in Node's
 * documented API, so a Node without it falls back to `toString`, which decodes the same.
 */
const utf8Slice: (this: Buffer, from: number, to: number) => string =
  (Buffer.prototype as unknown as {utf8Slice?: (from: number, to: number) => string}).utf8Slice ??
  function (this: Buffer, from: number, to: number) {
    return this.toString('utf8', from, to)
  }

/** A string element's value, as JSON.parse gives it from json()'s text. */
function stringOf(bytes: Buffer, valueType: number, from: number, to: number): string {
  if (valueType === TEXT || valueType === TEXTRAW) return utf8Slice.call(bytes, from, to)
  if (valueType === TEXTJ) return JSON.parse(`"${utf8Slice.call(bytes, from, to)}"`) as string
  throw FALLBACK
}

/** Whether a string element's value is 'span' (a Portable Text span's `_type`). */
function isSpan(bytes: Buffer, valueType: number, from: number, to: number): boolean {
  if (valueType !== TEXT && valueType !== TEXTRAW)
    return stringOf(bytes, valueType, from, to) === 'span'
  return (
    to - from === 4 &&
    bytes[from] === 0x73 &&
    bytes[from + 1] === 0x70 &&
    bytes[from + 2] === 0x61 &&
    bytes[from + 3] === 0x6e
  )
}

/**
 * Whether a string past ASCII was met in the top-level attribute being walked (headTerms: a
 * string's heads, or the name of an array or object holding one).
 */
let nonAscii = false

/** Notes whether a string element's value holds a character past ASCII. */
function note(bytes: Buffer, valueType: number, from: number, to: number): void {
  if (nonAscii) return
  if (valueType !== TEXT && valueType !== TEXTRAW) {
    noteValue(stringOf(bytes, valueType, from, to))
    return
  }
  // A byte past ASCII decodes to a character past it, or to U+FFFD when malformed.
  for (let i = from; i < to && !nonAscii; i++) nonAscii = bytes[i] >= 0x80
}

function noteValue(value: string): void {
  for (let i = 0; i < value.length && !nonAscii; i++) nonAscii = value.charCodeAt(i) >= 0x80
}

/** A string element's value, noted (note): an escaped one is decoded once for both. */
function notedString(bytes: Buffer, valueType: number, from: number, to: number): string {
  if (valueType === TEXT || valueType === TEXTRAW) {
    note(bytes, valueType, from, to)
    return stringOf(bytes, valueType, from, to)
  }
  const value = stringOf(bytes, valueType, from, to)
  if (!nonAscii) noteValue(value)
  return value
}

/** A view of `body` with Buffer's decoders (no copy). */
function bufferOf(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
}

/** What searchIndex.ts headTerms takes of a top-level attribute. */
export interface JsonbHeads {
  /** A string holding a character past ASCII, or any string of an attribute not named `_…`. */
  string(value: string): void
  /**
   * Not a string, and `_score`, holding a string (value or key) past ASCII, or, not named `_…`,
   * holding a Latin word (holdsLatin).
   */
  other(name: string): void
}

/** A top-level attribute named `_…`: its strings of ASCII alone give no heads (headTerms). */
const UNDERSCORE = 0x5f

/** Whether a byte is an ASCII letter. */
const isLatin = (byte: number) => (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a

/**
 * searchIndex.ts LATIN_WORD over a string of ASCII alone (the bytes of a TEXT or TEXTRAW element's
 * value): whether a letter starts one of its words, after no letter or digit.
 */
function hasLatinWord(bytes: Buffer, from: number, to: number): boolean {
  let after = false
  for (let i = from; i < to; i++) {
    const letter = isLatin(bytes[i])
    if (letter && !after) return true
    after = letter || (bytes[i] >= 0x30 && bytes[i] <= 0x39)
  }
  return false
}

/** hasLatinWord over a decoded value (an escaped string's). */
function hasLatinWordIn(value: string): boolean {
  let after = false
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i)
    const letter = isLatin(unit)
    if (letter && !after) return true
    after = letter || (unit >= 0x30 && unit <= 0x39)
  }
  return false
}

/**
 * searchIndex.ts holdsLatin of the value whose type and payload are given: a boolean, or an
 * ASCII letter in a string of it outside keys that start with `_`.
 */
function holdsLatin(bytes: Buffer, valueType: number, from: number, to: number): boolean {
  if (valueType === TRUE || valueType === FALSE) return true
  if (valueType === TEXT || valueType === TEXTRAW) {
    for (let i = from; i < to; i++) if (isLatin(bytes[i])) return true
    return false
  }
  if (isString(valueType)) {
    const value = stringOf(bytes, valueType, from, to)
    for (let i = 0; i < value.length; i++) if (isLatin(value.charCodeAt(i))) return true
    return false
  }
  if (valueType === ARRAY) {
    for (let at = from; at < to;) {
      element(bytes, at, to)
      const next = end
      if (holdsLatin(bytes, type, start, end)) return true
      at = next
    }
    return false
  }
  if (valueType !== OBJECT) return false
  const base = scanObject(bytes, from, to)
  let found = false
  for (let entry = base; entry < top && !found; entry += ENTRY) {
    if (entries[entry + 1] > entries[entry] && bytes[entries[entry]] === UNDERSCORE) continue
    found = holdsLatin(bytes, entries[entry + 4], entries[entry + 5], entries[entry + 6])
  }
  top = base
  return found
}

/**
 * indexedText(doc, sink, true, true) for the document JSON.parse(json(body)), and what headTerms
 * takes of its attributes (to `heads`, meanwhile: the caller keeps them for after). Throws JsonbFallback where that needs the text,
 * maybe after some calls, which the caller then drops.
 */
export function jsonbIndexedText(body: Uint8Array, sink: IndexedTextSink, heads: JsonbHeads): void {
  const bytes = bufferOf(body)
  top = 0
  element(bytes, 0, bytes.length)
  if (type !== OBJECT || end !== bytes.length) throw FALLBACK
  walkObject(bytes, scanObject(bytes, start, end), true, sink, heads)
}

/** indexedText of the value whose type and payload are given. */
function walk(
  bytes: Buffer,
  valueType: number,
  from: number,
  to: number,
  text: boolean,
  sink: IndexedTextSink,
): void {
  if (isString(valueType)) {
    if (text) sink.text(notedString(bytes, valueType, from, to), true)
    else note(bytes, valueType, from, to)
  } else if (valueType === TRUE || valueType === FALSE) {
    if (text) sink.scalar(valueType === TRUE ? 'true' : 'false')
  } else if (valueType === INT || valueType === FLOAT) {
    // JSON.parse's number as `${value}` gives it (1E5 is 100000, -0 is 0).
    if (text) sink.scalar(`${Number(bytes.toString('latin1', from, to))}`)
  } else if (valueType === INT5 || valueType === FLOAT5) {
    // Hex, Infinity, a leading dot: JSON5, which JSON.parse of json()'s text reads.
    if (text) throw FALLBACK
  } else if (valueType === ARRAY) {
    for (let at = from; at < to;) {
      element(bytes, at, to)
      const next = end
      walk(bytes, type, start, end, text, sink)
      at = next
    }
  } else if (valueType === OBJECT) {
    walkObject(bytes, scanObject(bytes, from, to), text, sink, null)
  }
}

/**
 * indexedText of an object whose entries scanObject pushed at `base` (it pops them); with `heads`,
 * the document's, whose attributes headTerms reads.
 */
function walkObject(
  bytes: Buffer,
  base: number,
  text: boolean,
  sink: IndexedTextSink,
  heads: JsonbHeads | null,
): void {
  const to = top
  let loneSpan = -1
  if (text) {
    const typeEntry = find(base, to, TYPE)
    const children = find(base, to, CHILDREN)
    if (
      typeEntry >= 0 &&
      isString(entries[typeEntry + 4]) &&
      children >= 0 &&
      entries[children + 4] === ARRAY
    ) {
      let joined = ''
      let spans = 0
      let count = 0
      let only = -1
      const listEnd = entries[children + 6]
      for (let at = entries[children + 5]; at < listEnd; count++) {
        element(bytes, at, listEnd)
        const next = end
        if (type === OBJECT) {
          const span = scanObject(bytes, start, end)
          const spanType = find(span, top, TYPE)
          const spanText = find(span, top, SPAN_TEXT)
          if (
            spanType >= 0 &&
            isString(entries[spanType + 4]) &&
            isSpan(bytes, entries[spanType + 4], entries[spanType + 5], entries[spanType + 6]) &&
            spanText >= 0 &&
            isString(entries[spanText + 4])
          ) {
            const textType = entries[spanText + 4]
            joined += stringOf(bytes, textType, entries[spanText + 5], entries[spanText + 6])
            spans++
            only = span
          }
          top = span
        }
        at = next
      }
      // A block of one span: that span's text has exactly the joined text's tokens and words
      // (indexedText), so it is not walked again.
      if (spans === 1 && count === 1) loneSpan = only
      sink.text(joined, true)
    }
  }
  for (let entry = base; entry < to; entry += ENTRY) {
    const flags = entries[entry + 3]
    const valueType = entries[entry + 4]
    const from = entries[entry + 5]
    const valueEnd = entries[entry + 6]
    if (heads !== null) nonAscii = false
    if (flags & REF && isString(valueType)) sink.ref(stringOf(bytes, valueType, from, valueEnd))
    // The document's own `_id` is no text of the index (indexedText's `document`).
    const itemText = text && (flags & SKIPPED) === 0 && (heads === null || (flags & ID) === 0)
    if (loneSpan >= 0 && flags & CHILDREN) {
      // The span's entries again (walkObject of the children's list would see it as a block's).
      element(bytes, from, valueEnd)
      const span = scanObject(bytes, start, end)
      for (let spanEntry = span; spanEntry < top; spanEntry += ENTRY) {
        const spanFlags = entries[spanEntry + 3]
        const spanType = entries[spanEntry + 4]
        const spanFrom = entries[spanEntry + 5]
        const spanTo = entries[spanEntry + 6]
        if (spanFlags & SPAN_TEXT) {
          // Its text went with the block's joined text.
          note(bytes, spanType, spanFrom, spanTo)
          continue
        }
        if (spanFlags & REF && isString(spanType))
          sink.ref(stringOf(bytes, spanType, spanFrom, spanTo))
        walk(bytes, spanType, spanFrom, spanTo, itemText && (spanFlags & SKIPPED) === 0, sink)
      }
      top = span
    } else if (heads !== null && isString(valueType)) {
      // A top-level string, decoded once for its text, its note and its heads.
      const named = bytes[entries[entry]] !== UNDERSCORE || entries[entry + 1] === entries[entry]
      if (valueType !== TEXT && valueType !== TEXTRAW) {
        // Escaped: read from its decoded value alone.
        const value = stringOf(bytes, valueType, from, valueEnd)
        noteValue(value)
        if (itemText) sink.text(value, true)
        if (nonAscii || (named && hasLatinWordIn(value))) heads.string(value)
        continue
      }
      note(bytes, valueType, from, valueEnd)
      const headed = nonAscii || (named && hasLatinWord(bytes, from, valueEnd))
      if (itemText || headed) {
        const value = stringOf(bytes, valueType, from, valueEnd)
        if (itemText) sink.text(value, true)
        if (headed) heads.string(value)
      }
      continue
    } else {
      walk(bytes, valueType, from, valueEnd, itemText, sink)
    }
    if (
      heads !== null &&
      (nonAscii ||
        flags & SCORE ||
        ((bytes[entries[entry]] !== UNDERSCORE || entries[entry + 1] === entries[entry]) &&
          holdsLatin(bytes, valueType, from, valueEnd)))
    ) {
      heads.other(bytes.toString('latin1', entries[entry], entries[entry + 1]))
    }
  }
  top = base
}
