/**
 * Changes carried as JSON text (docs/query-engine.md#writes-off-the-event-loop). A large write is
 * built on a write thread; copying its documents back as objects, and serialising them again for
 * the store, took seconds of the event loop for a 27 MB document. So the thread serialises each
 * change (serialiseChange) to UTF-8 bytes, which are moved, not copied, to the event loop: the
 * store writes them as they are, listeners splice them into their events, and a document is
 * decoded and parsed only where someone reads it (readChange's getters).
 */
import {strongReferences} from './references.ts'
import {indexOfAscii, utf8Text} from './utf8.ts'
import type {
  ChangeText,
  DocumentChange,
  DocumentHead,
  DocumentOutline,
  JsonBytes,
  SanityDocument,
} from './types.ts'

/** What crosses from the write thread for one change: its id and its text. */
export interface SerialisedChange {
  id: string
  text: ChangeText
}

/** A change's parts as JSON text, as JSON.stringify writes them. */
export interface ChangeJson {
  before: string | null
  after: string | null
  mutations: string
  effects: string
}

/** Makes a store's row bytes (or JSON text) JsonBytes, finding the stand-in in them. */
export type BytesOf = (value: string | Uint8Array) => JsonBytes

const encoder = new TextEncoder()

/** `value` as JsonBytes whose `stands` are where `stand` (ASCII) occurs in it. */
export function jsonBytes(value: string | Uint8Array, stand: string): JsonBytes {
  // TextEncoder's arrays own their buffer (a pooled one may be shared), so it can be moved.
  const bytes =
    typeof value === 'string'
      ? encoder.encode(value)
      : value.byteOffset === 0 && value.byteLength === value.buffer.byteLength
        ? value
        : value.slice()
  const stands: number[] = []
  for (let at = indexOfAscii(bytes, stand); at >= 0; at = indexOfAscii(bytes, stand, at + 1))
    stands.push(at)
  return {bytes, stands}
}

function headOf(doc: SanityDocument | null, jsonLength = 0): DocumentHead | null {
  if (!doc) return null
  const head: DocumentHead = {type: doc._type, rev: doc._rev}
  const outline = jsonLength >= OUTLINE_FROM ? outlineOf(doc) : null
  if (outline) head.outline = outline
  return head
}

/** Documents whose JSON is this long get an outline: a shorter one parses in under a millisecond. */
export const OUTLINE_FROM = 64 * 1024
/** An outline's fields: each at most about FIELD_MOST characters of JSON, all OUTLINE_MOST. */
const FIELD_MOST = 2048
const OUTLINE_MOST = 16 * 1024
/** Past this many large fields, no outline: the list of them would be large itself. */
const OMITTED_MOST = 64

/**
 * The document without its large top-level fields (DocumentOutline), or null when too many are
 * large. Sizes are estimated, walking no field further than its allowance.
 */
export function outlineOf(doc: SanityDocument): DocumentOutline | null {
  const fields: [string, unknown][] = []
  const omitted: string[] = []
  let left = OUTLINE_MOST
  for (const key of Object.keys(doc)) {
    const size = sizeWithin(doc[key], Math.min(FIELD_MOST, left))
    if (size >= 0) {
      fields.push([key, doc[key]])
      left -= size
    } else if (omitted.push(key) > OMITTED_MOST) return null
  }
  // Defined, not assigned: a document's `__proto__` field assigned would become the outline's
  // prototype, and the filter would not see the document's fields as it sees them in the document.
  return {fields: Object.fromEntries(fields) as SanityDocument, omitted}
}

/** About the length of `value` as JSON, or -1 as soon as it passes `most`. */
function sizeWithin(value: unknown, most: number): number {
  let size = 0
  const stack = [value]
  while (stack.length > 0) {
    const item = stack.pop()
    if (typeof item === 'string') size += item.length + 2
    else if (typeof item !== 'object' || item === null) size += 8
    else if (Array.isArray(item)) {
      size += 2 + item.length
      if (size > most) return -1
      stack.push(...item)
    } else {
      const keys = Object.keys(item)
      size += 2 + keys.length * 4
      if (size > most) return -1
      for (const key of keys) {
        size += key.length
        stack.push((item as Record<string, unknown>)[key])
      }
    }
    if (size > most) return -1
  }
  return size
}

/**
 * A change as text, with what its store will write (Store.rowsOf, made here too). `stand` is the
 * build's stand-in for the commit's timestamp (core/transaction.ts).
 */
export function serialiseChange(
  change: DocumentChange,
  stand: string,
  rowsOf?: (change: DocumentChange, json: ChangeJson, bytesOf: BytesOf) => unknown,
): SerialisedChange {
  const bytesOf: BytesOf = (value) => jsonBytes(value, stand)
  const json: ChangeJson = {
    before: change.before ? JSON.stringify(change.before) : null,
    after: afterJson(change),
    mutations: JSON.stringify(change.mutations),
    effects: JSON.stringify(change.effects),
  }
  // Before the JSON becomes bytes: the store's rows may share its text (the log's effects).
  const rows = rowsOf?.(change, json, bytesOf)
  const text: ChangeText = {
    before: json.before === null ? null : bytesOf(json.before),
    after: json.after === null ? null : bytesOf(json.after),
    beforeHead: headOf(change.before, json.before?.length),
    afterHead: headOf(change.after, json.after?.length),
    mutations: bytesOf(json.mutations),
    effects: bytesOf(json.effects),
    strongReferences: change.after ? [...strongReferences(change.after)] : [],
    rows,
  }
  return {id: change.id, text}
}

/**
 * The JSON text of a change's `after` as the working set made it (JSON.stringify's, which the size
 * check made anyway): the store writes it rather than serialising the document a second time.
 * Forgotten when the document is changed in place (stampTimestamp).
 */
const afterTexts = new WeakMap<DocumentChange, string>()

export function rememberAfterJson(change: DocumentChange, json: string): void {
  afterTexts.set(change, json)
}

export function forgetAfterJson(change: DocumentChange): void {
  afterTexts.delete(change)
}

/** `change.after` as JSON text: the working set's, or made now. */
export function afterJson(change: DocumentChange): string | null {
  if (!change.after) return null
  return afterTexts.get(change) ?? JSON.stringify(change.after)
}

function isJsonBytes(value: unknown): value is JsonBytes {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as JsonBytes).bytes instanceof Uint8Array &&
    Array.isArray((value as JsonBytes).stands)
  )
}

/** Every JsonBytes and string in a change's text and rows, through `visit` (strings replaced). */
function walk(
  value: unknown,
  visit: {bytes?: (value: JsonBytes) => void; string?: (value: string) => string},
): unknown {
  if (typeof value === 'string') return visit.string ? visit.string(value) : value
  if (isJsonBytes(value)) visit.bytes?.(value)
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = walk(value[i], visit)
  } else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) record[key] = walk(record[key], visit)
  }
  return value
}

/** The buffers of serialised changes, to move (not copy) them to another thread. */
export function transferables(changes: readonly SerialisedChange[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const change of changes) {
    walk(change.text, {bytes: (value) => void buffers.add(value.bytes.buffer as ArrayBuffer)})
  }
  return [...buffers]
}

/**
 * A buffer this large is moved to the commit thread; a smaller one is copied with the task.
 * Node checks each buffer of a message's transfer list against all before it (quadratic): the
 * 40,000 small buffers of 10,000 patches held the event loop 1-2 s in postMessage, where copying
 * them costs milliseconds.
 */
export const LEND_MIN_BYTES = 64 * 1024

/**
 * Lends the bytes of changes' texts to another thread (the store's commit thread): `use` gets
 * their buffers of LEND_MIN_BYTES or more, to move there, and resolves with them moved back in the
 * same order; the texts' bytes are then views of those again. Meanwhile, and for good if `use`
 * fails, those are empty. Smaller buffers stay where they are (the task carries copies).
 */
export async function lendBytes(
  texts: readonly ChangeText[],
  use: (buffers: ArrayBuffer[]) => Promise<ArrayBuffer[]>,
): Promise<void> {
  const buffers = new Map<ArrayBuffer, number>()
  const places: {value: JsonBytes; buffer: number; offset: number; length: number}[] = []
  for (const text of texts) {
    walk(text, {
      bytes: (value) => {
        const {buffer, byteOffset, byteLength} = value.bytes
        // A shared buffer cannot be moved (nor needs to be): it is read where it is.
        if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < LEND_MIN_BYTES) return
        let at = buffers.get(buffer)
        if (at === undefined) buffers.set(buffer, (at = buffers.size))
        places.push({value, buffer: at, offset: byteOffset, length: byteLength})
      },
    })
  }
  const back = await use([...buffers.keys()])
  for (const {value, buffer, offset, length} of places) {
    value.bytes = new Uint8Array(back[buffer], offset, length)
  }
}

/**
 * Puts the commit's timestamp where the build's stand-in is: at the offsets found in each
 * change's bytes, and in every string of its rows. The stand-in is random and made after the
 * request arrived, so it is nowhere else; it has the timestamp's length (ASCII both), so sizes
 * and offsets stay as built.
 */
export function stampText(change: SerialisedChange, stand: string, timestamp: string): void {
  const stamped = encoder.encode(timestamp)
  walk(change.text, {
    bytes: ({bytes, stands}) => {
      for (const at of stands) bytes.set(stamped, at)
    },
    string: (value) => value.replaceAll(stand, timestamp),
  })
}

const decoded = new WeakMap<JsonBytes, string>()

/** The JSON text of JsonBytes, decoded once. */
export function jsonTextOf(value: JsonBytes): string {
  let text = decoded.get(value)
  if (text === undefined) {
    text = utf8Text(value.bytes)
    decoded.set(value, text)
  }
  return text
}

const shared = new WeakMap<JsonBytes, Uint8Array>()

/**
 * JsonBytes' bytes copied into a SharedArrayBuffer once, for threads to read without a copy of
 * their own (listeners' filters on a large document: lake/listen/stream.ts).
 */
export function sharedTextOf(value: JsonBytes): Uint8Array {
  let copy = shared.get(value)
  if (!copy) {
    copy = new Uint8Array(new SharedArrayBuffer(value.bytes.byteLength))
    copy.set(value.bytes)
    shared.set(value, copy)
  }
  return copy
}

/**
 * A DocumentChange over its text: each part is decoded and parsed once, when first read. The
 * getters are enumerable own properties, so JSON.stringify and deep equality see the change as
 * an object; `text` is not enumerable.
 */
export function readChange({id, text}: SerialisedChange): DocumentChange {
  const parsed = new Map<string, unknown>()
  const change = {id} as DocumentChange
  for (const [key, json] of [
    ['before', text.before],
    ['after', text.after],
    ['mutations', text.mutations],
    ['effects', text.effects],
  ] as const) {
    const get = () => {
      if (json === null) return null
      if (!parsed.has(key)) parsed.set(key, JSON.parse(jsonTextOf(json)))
      return parsed.get(key)
    }
    Object.defineProperty(change, key, {get, enumerable: true})
  }
  Object.defineProperty(change, 'text', {value: text, enumerable: false})
  return change
}

/** The change's state before and after it: type and revision, read without parsing. */
export function headsOf(change: Pick<DocumentChange, 'before' | 'after' | 'text'>): {
  before: DocumentHead | null
  after: DocumentHead | null
} {
  if (change.text) return {before: change.text.beforeHead, after: change.text.afterHead}
  return {before: headOf(change.before), after: headOf(change.after)}
}
