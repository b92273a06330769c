/**
 * Counting texts in stored documents without parsing them (Store.tally): in a body's JSONB bytes,
 * or in the JSON text of a value read at a path. Strings sit in both as written (UTF-8, the JSON
 * escapes aside), so a text's occurrences in a document's strings are occurrences in these bytes
 * too, and more may be found (across a key and a value, in JSONB's headers): a count is at least
 * the true one. An escape other than the ones for `"`, `\`, `/` and control characters (a
 * `\uXXXX` can spell any character, JSON5's `\x` and line continuations too) could hide an
 * occurrence, so a value holding one counts as Infinity.
 */

const BACKSLASH = 0x5c
// The escapes that spell no letter: \" \\ \/ \b \f \n \r \t.
const PLAIN_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)))

/** Non-overlapping occurrences of each needle in `bytes`, or Infinity for every one (above). */
export function countInBytes(bytes: Uint8Array, needles: readonly Buffer[]): number[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (hidesText(buffer)) return needles.map(() => Infinity)
  return needles.map((needle) => occurrences(buffer, needle))
}

/** Occurrences of `needle` in a JSON text (null: no value), or Infinity (above). */
export function countInJson(json: string | null, needle: string): number {
  if (json === null) return 0
  let count = 0
  for (let i = json.indexOf('\\'); i !== -1; i = json.indexOf('\\', i + 2)) {
    if (!PLAIN_ESCAPES.has(json.charCodeAt(i + 1))) return Infinity
  }
  for (let i = json.indexOf(needle); i !== -1; i = json.indexOf(needle, i + needle.length)) count++
  return count
}

// JSONB element types (sqlite.org/jsonb.html): text with JSON escapes, with JSON5 escapes, and
// the two containers, whose elements follow their header.
const TEXTJ = 8
const TEXT5 = 9
const ARRAY = 11
const OBJECT = 12
const SIZE_BYTES = [1, 2, 4, 8]

/**
 * Whether a JSONB body has a string whose escapes could spell a letter. Walks the elements'
 * headers (a byte of type and size, and up to 8 more of size), so that a size byte that happens
 * to be a backslash is not taken for one.
 */
function hidesText(b: Buffer): boolean {
  let i = 0
  while (i < b.length) {
    const type = b[i] & 0x0f
    let size = b[i] >> 4
    let start = i + 1
    if (size >= 12) {
      const bytes = SIZE_BYTES[size - 12]
      size = 0
      for (let j = 0; j < bytes; j++) size = size * 256 + b[start + j]
      start += bytes
    }
    if (type === ARRAY || type === OBJECT) {
      i = start
      continue
    }
    if (type === TEXT5 || type > OBJECT) return true
    const end = start + size
    if (type === TEXTJ) {
      for (
        let k = b.indexOf(BACKSLASH, start);
        k !== -1 && k < end;
        k = b.indexOf(BACKSLASH, k + 2)
      )
        if (!PLAIN_ESCAPES.has(b[k + 1])) return true
    }
    i = end
  }
  return false
}

function occurrences(buffer: Buffer, needle: Buffer): number {
  if (needle.length === 0) return Infinity
  let count = 0
  for (let i = buffer.indexOf(needle); i !== -1; i = buffer.indexOf(needle, i + needle.length)) {
    count++
  }
  return count
}
