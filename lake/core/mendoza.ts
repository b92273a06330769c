/**
 * Mendoza patch encoder (the npm `mendoza` package only applies patches).
 *
 * Nested compact encoding: objects are edited in place (unchanged fields are never sent, so the
 * Studio's history keeps their attribution), changed sub-objects are recursed into, arrays are
 * rebuilt from slices of the old array plus new or edited elements, and strings from a copied
 * prefix/suffix plus the new middle. At every level the encoder keeps whichever of the nested
 * form and a plain literal is shorter, so the result is never much larger than `[0, right]`.
 *
 * Format: a flat array of opcodes and parameters, applied against an input stack (the old value)
 * and an output stack (the value being built). Object fields are addressed by their index in the
 * UTF-16 sorted key list of the old object, as mendoza-js sorts with `Array.prototype.sort()`.
 */

type Json = null | boolean | number | string | Json[] | {[key: string]: Json}
type JsonObject = {[key: string]: Json}
type Op = unknown[]

const VALUE = 0
const BLANK = 2
const PUSH_FIELD_COPY = 10
const PUSH_FIELD_BLANK = 11
const PUSH_ELEMENT_COPY = 12
const PUSH_ELEMENT_BLANK = 13
const RETURN_INTO_OBJECT_SAME_KEY_POP = 15
const RETURN_INTO_ARRAY_POP = 16
const OBJECT_SET_FIELD_VALUE = 17
const OBJECT_DELETE_FIELD = 19
const ARRAY_APPEND_VALUE = 20
const ARRAY_APPEND_SLICE = 21
const STRING_APPEND_STRING = 22
const STRING_APPEND_SLICE = 23

/**
 * Strings shorter than this are replaced whole: splicing a title or a timestamp saves a few bytes
 * but makes the Studio's history attribute fragments of it to different transactions.
 */
const MIN_SPLICE_LENGTH = 64

/** A patch that turns `left` into `right` when applied with mendoza's `applyPatch`. */
export function createMendozaPatch(left: unknown, right: unknown): unknown[] {
  const a = left === undefined ? null : (left as Json)
  const b = right === undefined ? null : (right as Json)
  if (jsonEqual(a, b)) return []
  const ops = new Ops()
  let nested = true
  if (isObject(a) && isObject(b)) {
    objectEdit(ops, a, b)
  } else if (Array.isArray(a) && Array.isArray(b) && b.length > 0) {
    // The root's output entry is the input itself; a blank on top of it is built and returned.
    arrayBuild(ops.code(BLANK), a, b)
  } else if (typeof a === 'string' && typeof b === 'string' && b.length >= MIN_SPLICE_LENGTH) {
    stringBuild(ops.code(BLANK), a, b)
  } else {
    nested = false
  }
  // The literal [0,b]: brackets, the opcode and a comma.
  if (nested && 4 + jsonSize(b, ops.size - 4) > ops.size) return ops.list
  return [VALUE, b]
}

/**
 * Opcodes and parameters, and the length of their JSON (`JSON.stringify(list).length`) added up as
 * they are pushed. A change's two encodings are compared by it: the nested one is written in
 * place, priced by what it added, and taken back when the literal is shorter. Stringifying every
 * level to price it, each in an array of its own, took seconds for a 20 MB document
 * (benchmarks.md).
 */
class Ops {
  readonly list: Op = []
  size = 2

  /** An opcode or an index. */
  code(n: number): this {
    return this.add(n, n < 10 ? 1 : String(n).length)
  }

  /** A value or a key, and the length of its JSON when known. */
  value(value: Json, size = jsonSize(value)): this {
    return this.add(value, size)
  }

  /** Where the ops end now, to price what follows (`sizeSince`) or take it back (`truncate`). */
  mark(): Mark {
    return {length: this.list.length, size: this.size}
  }

  /** The length of the JSON of the ops pushed since `mark` as an array of their own. */
  sizeSince(mark: Mark): number {
    return this.size - mark.size - (mark.length > 0 ? 1 : 0) + 2
  }

  truncate(mark: Mark): void {
    this.list.length = mark.length
    this.size = mark.size
  }

  private add(op: unknown, size: number): this {
    if (this.list.length > 0) this.size++
    this.list.push(op)
    this.size += size
    return this
  }
}

interface Mark {
  length: number
  size: number
}

/** Appends ops that edit the output object (a copy of `a` on the output stack) into `b`. */
function objectEdit(ops: Ops, a: JsonObject, b: JsonObject): void {
  const keys = Object.keys(a).sort()
  // Most objects are an array item's few fields, where a Map per item cost more than a search.
  const index = keys.length > 16 ? new Map(keys.map((key, i) => [key, i])) : undefined
  for (let i = 0; i < keys.length; i++) {
    if (!Object.hasOwn(b, keys[i])) ops.code(OBJECT_DELETE_FIELD).code(i)
  }
  for (const key of Object.keys(b)) {
    const value = b[key]
    const i = index ? (index.get(key) ?? -1) : keys.indexOf(key)
    if (i < 0) {
      ops.code(OBJECT_SET_FIELD_VALUE).value(value).value(key)
      continue
    }
    const old = a[key]
    if (jsonEqual(old, value)) continue
    const mark = ops.mark()
    let size: number | undefined
    if (nestedEdit(ops, old, value, i, PUSH_FIELD_COPY, PUSH_FIELD_BLANK)) {
      const nested = ops.sizeSince(mark)
      // The literal [17,value,key]: brackets, the opcode, two commas and the key.
      const fixed = 6 + stringSize(key)
      size = jsonSize(value, nested - fixed)
      if (fixed + size > nested) {
        ops.code(RETURN_INTO_OBJECT_SAME_KEY_POP)
        continue
      }
      ops.truncate(mark)
    }
    ops.code(OBJECT_SET_FIELD_VALUE).value(value, size).value(key)
  }
}

/**
 * Appends ops that push `old` (field or element `i` of the current input) and leave `value` on
 * top of the output stack; false, appending nothing, when only a literal can express the change.
 * The caller returns it.
 */
function nestedEdit(
  ops: Ops,
  old: Json,
  value: Json,
  i: number,
  pushCopy: number,
  pushBlank: number,
): boolean {
  if (isObject(old) && isObject(value)) {
    objectEdit(ops.code(pushCopy).code(i), old, value)
    return true
  }
  // An empty blank finalizes to null, so empty arrays are always sent as literals.
  if (Array.isArray(old) && Array.isArray(value) && value.length > 0) {
    arrayBuild(ops.code(pushBlank).code(i), old, value)
    return true
  }
  if (typeof old === 'string' && typeof value === 'string' && value.length >= MIN_SPLICE_LENGTH) {
    stringBuild(ops.code(pushBlank).code(i), old, value)
    return true
  }
  return false
}

/**
 * Appends ops that append `b`'s elements to a blank output array, reusing runs of `a` (slices),
 * editing elements matched by `_key` or by position, and sending the rest as values.
 *
 * Only an element equal to one of `a` is reused, and equal elements have equal `_key`s: an element
 * whose `_key` is held once in `a` is compared with that one element alone (the Studio's arrays of
 * blocks and items, most of them unchanged). Elements without a `_key`, or with one `a` repeats,
 * are looked up by their canonical JSON, and only such elements of `a` are hashed, when one is.
 */
function arrayBuild(ops: Ops, a: Json[], b: Json[]): void {
  // Each key's first element in `a`, and the keys `a` repeats; made when first needed.
  let byKey: Map<string, number> | undefined
  let repeated: Set<string> | undefined
  const keyed = (): Map<string, number> => {
    if (byKey) return byKey
    byKey = new Map()
    for (let i = 0; i < a.length; i++) {
      const key = keyOf(a[i])
      if (key === undefined) continue
      if (!byKey.has(key)) byKey.set(key, i)
      else (repeated ??= new Set()).add(key)
    }
    return byKey
  }
  const isRepeated = (key: string) => keyed() && repeated?.has(key) === true
  let byHash: Map<string, number[]> | undefined
  const hashed = (): Map<string, number[]> => {
    if (byHash) return byHash
    keyed()
    byHash = new Map()
    for (let i = 0; i < a.length; i++) {
      const key = keyOf(a[i])
      if (key !== undefined && !repeated?.has(key)) continue
      const hash = canonical(a[i])
      const list = byHash.get(hash)
      if (list) list.push(i)
      else byHash.set(hash, [i])
    }
    return byHash
  }

  let sliceStart = -1
  let sliceEnd = -1
  const flush = () => {
    if (sliceStart >= 0) ops.code(ARRAY_APPEND_SLICE).code(sliceStart).code(sliceEnd)
    sliceStart = sliceEnd = -1
  }
  // The left index the previous right element came from, to prefer continuing a run.
  let previous = -1
  for (const item of b) {
    const key = keyOf(item)
    // The element of `a` equal to this one, -1 when none. The next one is preferred, whatever
    // the other candidates, and is all an array edited in place needs.
    let same = -1
    const next = previous + 1
    const aligned = next < a.length && keyOf(a[next]) === key
    if (aligned && jsonEqual(a[next], item)) {
      same = next
    } else if (key !== undefined && !isRepeated(key)) {
      const i = keyed().get(key)
      if (i !== undefined && i !== next && jsonEqual(a[i], item)) same = i
    } else {
      const list = hashed().get(canonical(item))
      if (list) {
        same = list.includes(previous + 1)
          ? previous + 1
          : (list.find((j) => j > previous) ?? list[0])
      }
    }
    if (same >= 0) {
      if (sliceStart >= 0 && same === sliceEnd) sliceEnd++
      else {
        flush()
        sliceStart = same
        sliceEnd = same + 1
      }
      previous = same
      continue
    }
    flush()
    const candidate =
      key !== undefined ? keyed().get(key) : previous + 1 < a.length ? previous + 1 : undefined
    const mark = ops.mark()
    let size: number | undefined
    if (
      candidate !== undefined &&
      nestedEdit(ops, a[candidate], item, candidate, PUSH_ELEMENT_COPY, PUSH_ELEMENT_BLANK)
    ) {
      const nested = ops.sizeSince(mark)
      // The literal [20,item]: brackets, the opcode and a comma.
      size = jsonSize(item, nested - 5)
      if (5 + size > nested) {
        ops.code(RETURN_INTO_ARRAY_POP)
        previous = candidate
        continue
      }
      ops.truncate(mark)
    }
    ops.code(ARRAY_APPEND_VALUE).value(item, size)
    // A value in place of an element keeps the positional alignment moving forward.
    if (key === undefined) previous++
  }
  flush()
}

/**
 * Appends ops that append `b` to a blank output string: a copied common prefix and suffix of `a`,
 * and the new middle. Slice offsets are UTF-8 bytes.
 */
function stringBuild(ops: Ops, a: string, b: string): void {
  let prefix = 0
  const max = Math.min(a.length, b.length)
  while (prefix < max && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++
  // Never split a surrogate pair.
  if (prefix > 0 && isHighSurrogate(a.charCodeAt(prefix - 1))) prefix--
  let suffix = 0
  while (
    suffix < max - prefix &&
    a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)
  ) {
    suffix++
  }
  if (suffix > 0 && isLowSurrogate(a.charCodeAt(a.length - suffix))) suffix--

  const prefixBytes = utf8Length(a.slice(0, prefix))
  if (prefix > 0) ops.code(STRING_APPEND_SLICE).code(0).code(prefixBytes)
  const middle = b.slice(prefix, b.length - suffix)
  const suffixStart = a.length - suffix
  // mendoza-js 3.0.8's simple patcher resolves the end of a slice starting from the start's UTF-16
  // index as if it were a byte count, so a slice that does not start at 0 is only decoded correctly
  // when everything before it is ASCII. Otherwise the suffix is sent as text.
  const sliceable = suffix > 0 && isAscii(a, suffixStart)
  const text = sliceable ? middle : middle + b.slice(b.length - suffix)
  if (text.length > 0) ops.code(STRING_APPEND_STRING).value(text)
  if (sliceable) {
    const start = utf8Length(a.slice(0, suffixStart))
    ops
      .code(STRING_APPEND_SLICE)
      .code(start)
      .code(start + utf8Length(a.slice(suffixStart)))
  }
}

function isAscii(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}

const encoder = new TextEncoder()

function utf8Length(s: string): number {
  return encoder.encode(s).length
}

function keyOf(item: Json): string | undefined {
  return isObject(item) && typeof item._key === 'string' ? item._key : undefined
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** JSON.stringify(s).length */
function stringSize(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    // What JSON escapes: quotes, backslashes, control characters and (unpaired) surrogates.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      return JSON.stringify(s).length
    }
  }
  return s.length + 2
}

/**
 * JSON.stringify(value).length, walked without building the text: exact up to `cap`, and past it
 * some number above `cap` (the walk stops there: a literal is priced only as far as its rival).
 */
function jsonSize(value: Json, cap = Infinity): number {
  if (value === null) return 4
  if (typeof value === 'string') return stringSize(value)
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).length : 4
  if (typeof value === 'boolean') return value ? 4 : 5
  let size = 1
  if (Array.isArray(value)) {
    if (value.length === 0) return 2
    for (const item of value) {
      // JSON.stringify writes an undefined element as null.
      size += 1 + (item === undefined ? 4 : jsonSize(item, cap - size))
      if (size > cap) return size
    }
    return size
  }
  let fields = 0
  for (const key in value) {
    if (!Object.hasOwn(value, key) || value[key] === undefined) continue
    fields++
    size += 2 + stringSize(key) + jsonSize(value[key], cap - size)
    if (size > cap) return size
  }
  return fields === 0 ? 2 : size
}

/** JSON with object keys sorted, so equal values hash equal whatever their key order. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ak = Object.keys(a)
  if (ak.length !== Object.keys(b).length) return false
  for (const key of ak) {
    if (!Object.hasOwn(b, key)) return false
    if (!jsonEqual((a as JsonObject)[key], (b as JsonObject)[key])) return false
  }
  return true
}
