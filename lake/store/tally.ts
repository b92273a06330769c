/**
 * Counting texts in stored documents without parsing them (Store.tally): in a body's JSONB bytes,
 * or in the JSON text of a value read at a path. Strings sit in both as written (UTF-8, the JSON
 * escapes aside), so a text's occurrences in a document's strings are occurrences in these bytes
 * too, and more may be found (across a key and a value, in JSONB's headers): a count is at least
 * the true one. An escape other than the ones for `"`, `\`, `/` and control characters (a
 * `\uXXXX` can spell any character, JSON5's `\x` and line continuations too) could hide an
 * occurrence, so a value holding one counts as Infinity.
 */

import {FOLDED_INTO_ASCII, FOLDED_INTO_ASCII_RANGES} from '../../bangla/index.ts'

const BACKSLASH = 0x5c
// The escapes that spell no letter: \" \\ \/ \b \f \n \r \t.
const PLAIN_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)))

/** A text to count in a JSONB body: in all of it, or in the value of one top-level attribute. */
export interface BodyNeedle {
  text: Buffer
  /** The attribute's name, UTF-8; null for the whole body. */
  attribute: Buffer | null
  /**
   * `text` (ASCII lower-case letters) counted as A-Z and a-z alike, at any position; Infinity
   * where a string of the body holds what folding may make an ASCII letter of (foldsIntoAscii).
   */
  caseless?: boolean
}

/**
 * Non-overlapping occurrences of each needle in a JSONB body (of an object, as every document is),
 * or Infinity for every one (above). A needle whose first byte the body lacks is not looked for.
 */
export function countInBody(bytes: Uint8Array, needles: readonly BodyNeedle[]): number[] {
  if (hidesText(bytes)) return needles.map(() => Infinity)
  const values = needles.some((n) => n.attribute) ? attributeValues(bytes, needles) : null
  // A boolean is text::query's `true` or `false` (its JSONB is one byte): counted where the
  // needle is in that word, once a boolean (neither word repeats a letter).
  let whole: [number, number] | undefined
  const booleanHits = (i: number, text: Buffer): number => {
    let held = inLiterals.get(text)
    if (held === undefined) {
      held = (LITERALS[TRUE].includes(text) ? 1 : 0) + (LITERALS[FALSE].includes(text) ? 2 : 0)
      inLiterals.set(text, held)
    }
    if (held === 0) return 0
    const inTrue = held & 1
    const inFalse = held >> 1
    const [trues, falses] = needles[i].attribute
      ? (values!.booleans[i] ?? [0, 0])
      : (whole ??= booleansIn(bytes, 0, bytes.length))
    return inTrue * trues + inFalse * falses
  }
  // Whether the body holds a byte, asked once per byte: the texts folding drops share theirs.
  const holds = new Map<number, boolean>()
  let folds: boolean | undefined
  return needles.map(({text, attribute, caseless}, i) => {
    if (caseless) {
      if ((folds ??= foldsIntoAscii(bytes))) return Infinity
      const value = attribute ? values!.bytes[i] : bytes
      return value ? caselessOccurrences(value, text) + booleanHits(i, text) : 0
    }
    if (attribute) {
      const value = values!.bytes[i]
      return value ? occurrences(value, text) + booleanHits(i, text) : 0
    }
    let held = holds.get(text[0])
    if (held === undefined) holds.set(text[0], (held = indexOf.call(bytes, text[0], 0) !== -1))
    return (held ? occurrences(bytes, text) : 0) + booleanHits(i, text)
  })
}

/**
 * Occurrences of `needle` in a JSON text (null: no value), or Infinity (above); `caseless` as
 * BodyNeedle's, over the text lower-cased.
 */
export function countInJson(json: string | null, needle: string, caseless = false): number {
  if (json === null) return 0
  let count = 0
  for (let i = json.indexOf('\\'); i !== -1; i = json.indexOf('\\', i + 2)) {
    if (!PLAIN_ESCAPES.has(json.charCodeAt(i + 1))) return Infinity
  }
  if (caseless) {
    if (FOLDED_INTO_ASCII.test(json)) return Infinity
    json = json.toLowerCase()
  }
  for (let i = json.indexOf(needle); i !== -1; i = json.indexOf(needle, i + needle.length)) count++
  return count
}

/**
 * Positions where `needle` (ASCII lower-case letters) starts in `bytes`, A-Z taken as a-z: a byte
 * `x` with `x | 0x20` equal to such a letter is that letter in either case, nothing else.
 */
function caselessOccurrences(bytes: Uint8Array, needle: Buffer): number {
  if (needle.length === 0) return Infinity
  let count = 0
  for (const first of [needle[0], needle[0] - 0x20]) {
    for (let i = indexOf.call(bytes, first, 0); i !== -1; i = indexOf.call(bytes, first, i + 1)) {
      let j = 1
      while (j < needle.length && (bytes[i + j] | 0x20) === needle[j]) j++
      if (j === needle.length) count++
    }
  }
  return count
}

// Buffer's indexOf (memchr, or a substring search, in C++) works on any Uint8Array: no Buffer
// per body, and far faster than a typed array's own indexOf.
const indexOf = Buffer.prototype.indexOf as (
  this: Uint8Array,
  needle: Uint8Array | number,
  from: number,
) => number

/** Each needle's bytes past its first two, made once: every candidate's body is searched. */
const tails = new WeakMap<Buffer, Buffer>()

function occurrences(bytes: Uint8Array, needle: Buffer): number {
  if (needle.length === 0) return Infinity
  // A Bengali letter's first two bytes (E0 A6/A7) are those of every letter of the text, and
  // Buffer's search stopped at each one (2.4x slower over a body of them): search from the third.
  const skip = needle[0] === 0xe0 && needle.length > 2 ? 2 : 0
  let tail = needle
  if (skip) {
    let cached = tails.get(needle)
    if (!cached) tails.set(needle, (cached = needle.subarray(skip)))
    tail = cached
  }
  let count = 0
  for (let i = indexOf.call(bytes, tail, skip); i !== -1;) {
    if (skip === 0 || (bytes[i - 2] === needle[0] && bytes[i - 1] === needle[1])) {
      count++
      i = indexOf.call(bytes, tail, i + needle.length)
    } else i = indexOf.call(bytes, tail, i + 1)
  }
  return count
}

// JSONB element types (sqlite.org/jsonb.html): the booleans, text with JSON escapes, with JSON5
// escapes, and the two containers, whose elements follow their header.
const TRUE = 1
const FALSE = 2
const TEXT = 7
const TEXTJ = 8
const TEXT5 = 9
const TEXTRAW = 10
const ARRAY = 11
const OBJECT = 12
const SIZE_BYTES = [1, 2, 4, 8]

// The last header read (readHeader): its type, where its payload starts, and its size. Module
// state rather than an object per element: a body has dozens, and every candidate is walked.
let type = 0
let start = 0
let size = 0

/** Reads the element header at `i` (a byte of type and size, and up to 8 more of size). */
function readHeader(b: Uint8Array, i: number): void {
  type = b[i] & 0x0f
  size = b[i] >> 4
  start = i + 1
  if (size >= 12) {
    const bytes = SIZE_BYTES[size - 12]
    size = 0
    for (let j = 0; j < bytes; j++) size = size * 256 + b[start + j]
    start += bytes
  }
}

/**
 * Whether a JSONB body has a string whose escapes could spell a letter. Walks the elements'
 * headers, so that a size byte that happens to be a backslash is not taken for one.
 */
function hidesText(b: Uint8Array): boolean {
  // No backslash byte at all (nearly every body): no escape anywhere, nothing to walk.
  if (indexOf.call(b, BACKSLASH, 0) === -1) return false
  let i = 0
  while (i < b.length) {
    readHeader(b, i)
    if (type === ARRAY || type === OBJECT) {
      i = start
      continue
    }
    if (type === TEXT5 || type > OBJECT) return true
    const end = start + size
    if (type === TEXTJ) {
      for (
        let k = indexOf.call(b, BACKSLASH, start);
        k !== -1 && k < end;
        k = indexOf.call(b, BACKSLASH, k + 2)
      )
        if (!PLAIN_ESCAPES.has(b[k + 1])) return true
    }
    i = end
  }
  return false
}

/**
 * Whether a string of a JSONB body (a key or a value) holds a character of FOLDED_INTO_ASCII, by
 * its UTF-8 bytes (FOLDED_LEADS). Walks the elements' headers, so that a header
 * byte is not taken for a lead byte; the bytes are searched by a regular expression over the body
 * as a one-byte string (FOLDED_LEADS), not one at a time in JavaScript: that was about 3.7 µs a
 * body of 1.9 kB, most of the tally of a common Latin word (docs/benchmarks-log.md, search3).
 */
function foldsIntoAscii(b: Uint8Array): boolean {
  const text = latin1Slice.call(b, 0, b.length)
  FOLDED_LEADS.lastIndex = 0
  // The next match at or after the string being looked at (a header's byte and the size byte
  // after it may match too: looked for again from the string's first byte).
  let found = FOLDED_LEADS.exec(text)?.index ?? Infinity
  if (found === Infinity) return false
  let i = 0
  while (i < b.length) {
    readHeader(b, i)
    if (type === ARRAY || type === OBJECT) {
      i = start
      continue
    }
    const end = start + size
    if (type >= TEXT && type <= TEXTRAW) {
      if (found < start) {
        FOLDED_LEADS.lastIndex = start
        found = FOLDED_LEADS.exec(text)?.index ?? Infinity
        if (found === Infinity) return false
      }
      if (found < end) return true
    }
    i = end
  }
  return false
}

// FOLDED_INTO_ASCII's characters in UTF-8, each byte a one-byte string's character.
const FOLDED_LEADS = utf8Pattern(FOLDED_INTO_ASCII_RANGES)

/**
 * A pattern (global, over a one-byte string) matching exactly the UTF-8 encodings of the code
 * points in `ranges`: their bytes as a trie, a class at each node's last bytes.
 */
export function utf8Pattern(ranges: readonly (readonly [number, number])[]): RegExp {
  interface Node {
    next: Map<number, Node>
    end: boolean
  }
  const root: Node = {next: new Map(), end: false}
  for (const [lo, hi] of ranges) {
    for (let cp = lo; cp <= hi; cp++) {
      let node = root
      for (const byte of Buffer.from(String.fromCodePoint(cp), 'utf8')) {
        let child = node.next.get(byte)
        if (!child) node.next.set(byte, (child = {next: new Map(), end: false}))
        node = child
      }
      node.end = true
    }
  }
  const byte = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`
  const emit = (node: Node): string => {
    const ends = [...node.next].filter(([, child]) => child.end).map(([b]) => b)
    const parts = [...node.next]
      .filter(([, child]) => !child.end)
      .map(([b, child]) => `${byte(b)}(?:${emit(child)})`)
    if (ends.length > 0) parts.unshift(`[${ends.map(byte).join('')}]`)
    return parts.join('|')
  }
  return new RegExp(emit(root), 'g')
}
const latin1Slice = Buffer.prototype.latin1Slice as (
  this: Uint8Array,
  start: number,
  end: number,
) => string

// A boolean is searched as its text (text::query's scalarText).
const LITERALS: Record<number, Buffer> = {
  [TRUE]: Buffer.from('true'),
  [FALSE]: Buffer.from('false'),
}

/** Per needle: 1 when it is in `true`, 2 when in `false`, 3 both, 0 neither (every body asks). */
const inLiterals = new WeakMap<Buffer, number>()

/** The `true` and `false` elements among the elements at b[from, to), at any depth. */
function booleansIn(b: Uint8Array, from: number, to: number): [number, number] {
  let trues = 0
  let falses = 0
  for (let i = from; i < to;) {
    readHeader(b, i)
    if (type === ARRAY || type === OBJECT) {
      i = start
      continue
    }
    if (type === TRUE) trues++
    else if (type === FALSE) falses++
    i = start + size
  }
  return [trues, falses]
}

/**
 * Per needle with an attribute, the bytes of that top-level attribute's value (a boolean's JSON
 * text), or null where the body has none; and for an array or object, the booleans it holds.
 * Keys are matched as their bytes stand, so only
 * identifiers may be asked for (as today: `@["a\"b"]` is counted over the whole body): a key
 * stored with an escape (`\"`, `\\`) would not be found, and a bound of nothing would be too low.
 */
function attributeValues(
  b: Uint8Array,
  needles: readonly BodyNeedle[],
): {bytes: (Uint8Array | null)[]; booleans: ([number, number] | undefined)[]} {
  const out: (Uint8Array | null)[] = needles.map(() => null)
  const containers: ([number, number] | undefined)[] = needles.map(() => undefined)
  const booleans: ([number, number] | undefined)[] = needles.map(() => undefined)
  readHeader(b, 0)
  if (type !== OBJECT) return {bytes: out, booleans}
  const end = start + size
  for (let i = start; i < end;) {
    readHeader(b, i)
    const keyStart = start
    const keySize = size
    readHeader(b, start + size)
    const valueEnd = start + size
    // Read once more: TypeScript does not see readHeader set it.
    const valueType = type as number
    for (let n = 0; n < needles.length; n++) {
      const name = needles[n].attribute
      if (name && sameBytes(b, keyStart, keySize, name)) {
        out[n] = LITERALS[valueType] ?? b.subarray(start, valueEnd)
        containers[n] = valueType === ARRAY || valueType === OBJECT ? [start, valueEnd] : undefined
      }
    }
    i = valueEnd
  }
  // Walked after the loop: booleansIn reads headers into the module's state the loop uses.
  for (let n = 0; n < needles.length; n++) {
    const within = containers[n]
    if (within) booleans[n] = booleansIn(b, within[0], within[1])
  }
  return {bytes: out, booleans}
}

function sameBytes(b: Uint8Array, at: number, length: number, name: Buffer): boolean {
  if (length !== name.length) return false
  for (let j = 0; j < length; j++) if (b[at + j] !== name[j]) return false
  return true
}
