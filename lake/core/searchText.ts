/**
 * What of a document search reads, shared by the full-text index (store) and query evaluation
 * (core), so that the index is always a superset of what evaluation can match:
 *
 * - `searchableText`: the text `text::query` searches in `@`: every string under a key that does
 *   not start with `_`, and of a Portable Text block only its spans' text.
 * - `indexedText`: what the index keeps, in one walk: the strings of the `words` column (for
 *   `text::query`, a superset of the above), the tokens GROQ's `match` (groq-js) can see in any
 *   string of the document not under a SKIPPED_KEYS key (the planner narrows no `match` that
 *   reads one), and every `_ref` for `references()`.
 */

/** The strings `text::query` searches in a value (a document, an object, an array or a string). */
export function searchableText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(value)
  } else if (Array.isArray(value)) {
    for (const item of value) searchableText(item, out)
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>
    if (object._type === 'block' && Array.isArray(object.children)) {
      // Style, list and mark names are structure, not text.
      for (const child of object.children as unknown[]) {
        const span = child as {_type?: unknown; text?: unknown} | null
        if (span && span._type === 'span' && typeof span.text === 'string') out.push(span.text)
      }
    } else {
      // for…in without Object.entries' array per object: search walks every candidate's body.
      for (const key in object) {
        if (key.charCodeAt(0) !== 95 /* _ */ && Object.hasOwn(object, key)) {
          searchableText(object[key], out)
        }
      }
    }
  }
  return out
}

/**
 * Keys whose strings the index leaves out (a `_ref` is kept for references() alone): machine
 * values no one searches for in text (array keys, reference ids, revisions, system times), and
 * the planner narrows no `match` over a path through one (searchHints.ts readsDocument).
 */
export const SKIPPED_KEYS: ReadonlySet<string> = new Set([
  '_key',
  '_ref',
  '_weak',
  '_rev',
  '_createdAt',
  '_updatedAt',
])

// groq-js's own tokenizer for `match` (groq-js 2.0.1, shared chunk: CHARS, CHARS_WITH_WILDCARD,
// EDGE_CHARS), copied because groq-js does not export it; the conformance and differential suites
// check that the index agrees with it. Rewritten to the same tokens in linear time: groq-js's
// `([^…])+` pushes a backtrack entry per character and threw "Maximum call stack size exceeded"
// on a token of ~3.4 million characters; its EDGE_CHARS, `(\b\.+|\.+\b)`, is quadratic in a
// run of dots (40,000 took 5 s). Both stopped the full-text index (docs/search.md).
const CHARS = /[^!@#$%^&*(),\\/?";:{}|[\]+<>\s-]+/g
const CHARS_WITH_WILDCARD = /[^!@#$%^&(),\\/?";:{}|[\]+<>\s-]+/g
const DOTS = /\.+/g

/**
 * What groq-js's `text.replace(EDGE_CHARS, '')` leaves: every run of dots with a word character
 * (`\w`, ASCII) right before or after it goes. At a run's first dot the regex matches the whole
 * run or nothing there, and no later dot of the run can match where the first did not.
 */
function withoutEdgeDots(text: string): string {
  if (!text.includes('.')) return text
  return text.replace(DOTS, (run: string, at: number) =>
    isWordChar(text.charCodeAt(at - 1)) || isWordChar(text.charCodeAt(at + run.length)) ? '' : run,
  )
}

function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95
  )
}

/** The tokens groq-js's `match` makes of a text. */
export function groqMatchTokens(text: string): string[] {
  return withoutEdgeDots(text).match(CHARS) ?? []
}

/** The terms groq-js's `match` makes of a pattern (each a regex with `*` as `.*`). */
export function groqMatchTerms(pattern: string): string[] {
  // groq-js builds each regex from the first 1024 characters of a term.
  return (withoutEdgeDots(pattern).match(CHARS_WITH_WILDCARD) ?? []).map((term) =>
    term.slice(0, 1024),
  )
}

/** What the index keeps of a document (indexedText walks it once for all three). */
export interface IndexedTextSink {
  /**
   * A string whose tokens groq-js's `match` can see on a path the planner narrows by the index:
   * every string but those under SKIPPED_KEYS (searchHints.ts readsDocument narrows no path
   * through one), and each Portable Text block's spans joined the way `pt::text()` joins them
   * (which can make tokens and words no single span has). With `words`, also a string of the
   * `words` column (for `text::query` over any of the document's own attributes, not only `@`):
   * every such string, the joined spans too (`pt::text(body) match text::query(…)` reads them).
   */
  text(text: string, words: boolean): void
  /**
   * A boolean's or number's text (`${value}`, as groq-js's string() and array::join() give it:
   * `true`, `1e+21`, `0` for -0), for the `words` column alone: the rewritten `text::query` reads
   * it where the value is the left side or an item of an array of such, while groq-js's `match`
   * reads strings alone. Not under a SKIPPED_KEYS key (the planner narrows no path through one).
   */
  scalar(text: string): void
  /** Every string `_ref`, strong or weak, at any depth: for `references()`. */
  ref(id: string): void
}

/**
 * Walks a value once for the index. The index analyses every stored document, and three walks
 * (with an array of entries per object) were a fifth of its time. Under a skipped key (`text`
 * false) only `_ref`s are taken: with ids as the Studio makes them a reference's id was five
 * terms in the tokens column beside its five in refs, and keys and revisions a term each, that no
 * lookup reads (docs/search.md). With `document`, `value` is a stored document, whose own `_id`
 * gives no text (as a skipped key's): a UUID was five terms a document, 7.5 of the index's 30 MB
 * with the Studio's ids; the store looks a condition's terms up in the ids themselves instead
 * (searchIndex.ts matchingRows).
 */
export function indexedText(
  value: unknown,
  sink: IndexedTextSink,
  text = true,
  document = false,
): void {
  if (typeof value === 'string') {
    if (text) sink.text(value, true)
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    if (text) sink.scalar(`${value}`)
  } else if (Array.isArray(value)) {
    for (const item of value) indexedText(item, sink, text)
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>
    let loneSpan: unknown = null
    if (text && typeof object._type === 'string' && Array.isArray(object.children)) {
      let joined = ''
      let spans = 0
      for (const child of object.children as unknown[]) {
        const span = child as {_type?: unknown; text?: unknown} | null
        if (span && span._type === 'span' && typeof span.text === 'string') {
          joined += span.text
          spans++
        }
      }
      // A block of one span: that span's text has exactly the joined text's tokens and words
      // (neither `children` nor `text` is a skipped key), so it is not walked again.
      if (spans === 1 && object.children.length === 1) loneSpan = object.children[0]
      sink.text(joined, true)
    }
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue
      const item = object[key]
      if (key === '_ref' && typeof item === 'string') sink.ref(item)
      const itemText = text && !SKIPPED_KEYS.has(key) && !(document && key === '_id')
      if (loneSpan !== null && key === 'children') {
        const span = loneSpan as Record<string, unknown>
        for (const spanKey in span) {
          // Its text went with the block's joined text.
          if (!Object.hasOwn(span, spanKey) || spanKey === 'text') continue
          const spanText = itemText && !SKIPPED_KEYS.has(spanKey)
          if (spanKey === '_ref' && typeof span[spanKey] === 'string') sink.ref(span[spanKey])
          indexedText(span[spanKey], sink, spanText)
        }
      } else {
        indexedText(item, sink, itemText)
      }
    }
  }
}

/**
 * A `match` token or term literal as the index stores it: each UTF-16 unit case-folded the way a
 * non-Unicode `/i` regex compares (ECMAScript Canonicalize), so a case-insensitive match in
 * groq-js is an equal prefix here; ASCII punctuation, which the index's tokenizer would split on,
 * moved to the private use area.
 */
export function encodeMatchText(text: string): string {
  const plain = plainMatchText(text)
  if (plain === 1) return text
  if (plain === 2) return text.toLowerCase()
  const cached = encoded.get(text)
  if (cached !== undefined) return cached
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    const code = ch.charCodeAt(0)
    if (code < 128) {
      const alnum =
        (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
      out += alnum ? ch.toLowerCase() : String.fromCharCode(0xe000 + code)
      continue
    }
    const upper = ch.toUpperCase()
    out += upper.length === 1 && upper.charCodeAt(0) >= 128 ? upper : ch
  }
  if (text.length > CACHED_TEXT_LENGTH) return out
  if (encoded.size >= 100_000) encoded.clear()
  encoded.set(text, out)
  return out
}

/**
 * 1 when every unit of `text` is an ASCII digit, a lower-case ASCII letter or of the Bengali block
 * (which has no case), so that encodeMatchText leaves it as it is; 2 when upper-case ASCII
 * letters are all it would change; else 0. Most tokens are such, and most of those met once (an
 * id's number, a date's parts) were encoded a character at a time and cached for nothing.
 */
function plainMatchText(text: string): 0 | 1 | 2 {
  let plain: 1 | 2 = 1
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) continue
    if (code >= 0x0980 && code <= 0x09ff) continue
    if (code >= 65 && code <= 90) plain = 2
    else return 0
  }
  return plain
}

const encoded = new Map<string, string>()
/**
 * Longer texts are encoded anew each time: the limit counts entries, and a kept 200,000-character
 * token (with its encoding, built a character at a time) held ~12 MB of heap.
 */
const CACHED_TEXT_LENGTH = 64
