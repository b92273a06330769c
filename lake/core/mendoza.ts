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
  const literal: Op = [VALUE, b]
  let nested: Op | undefined
  if (isObject(a) && isObject(b)) {
    nested = objectEdit(a, b)
  } else if (Array.isArray(a) && Array.isArray(b) && b.length > 0) {
    // The root's output entry is the input itself; a blank on top of it is built and returned.
    nested = ([BLANK] as Op).concat(arrayBuild(a, b))
  } else if (typeof a === 'string' && typeof b === 'string' && b.length >= MIN_SPLICE_LENGTH) {
    nested = ([BLANK] as Op).concat(stringBuild(a, b))
  }
  return nested && cost(nested) < cost(literal) ? nested : literal
}

/** Ops that edit the output object (a copy of `a` on the output stack) into `b`. */
function objectEdit(a: JsonObject, b: JsonObject): Op {
  const ops: Op = []
  const keys = Object.keys(a).sort()
  const index = new Map(keys.map((key, i) => [key, i]))
  for (let i = 0; i < keys.length; i++) {
    if (!Object.hasOwn(b, keys[i])) ops.push(OBJECT_DELETE_FIELD, i)
  }
  for (const key of Object.keys(b)) {
    const value = b[key]
    const i = index.get(key)
    if (i === undefined) {
      ops.push(OBJECT_SET_FIELD_VALUE, value, key)
      continue
    }
    const old = a[key]
    if (jsonEqual(old, value)) continue
    const literal: Op = [OBJECT_SET_FIELD_VALUE, value, key]
    const nested = nestedEdit(old, value, i, PUSH_FIELD_COPY, PUSH_FIELD_BLANK)
    if (nested && cost(nested) < cost(literal))
      append(ops, nested).push(RETURN_INTO_OBJECT_SAME_KEY_POP)
    else append(ops, literal)
  }
  return ops
}

/**
 * Ops that push `old` (field or element `i` of the current input) and leave `value` on top of the
 * output stack, or undefined when only a literal can express the change. The caller returns it.
 */
function nestedEdit(old: Json, value: Json, i: number, pushCopy: number, pushBlank: number) {
  if (isObject(old) && isObject(value)) return ([pushCopy, i] as Op).concat(objectEdit(old, value))
  // An empty blank finalizes to null, so empty arrays are always sent as literals.
  if (Array.isArray(old) && Array.isArray(value) && value.length > 0) {
    return ([pushBlank, i] as Op).concat(arrayBuild(old, value))
  }
  if (typeof old === 'string' && typeof value === 'string' && value.length >= MIN_SPLICE_LENGTH) {
    return ([pushBlank, i] as Op).concat(stringBuild(old, value))
  }
  return undefined
}

/**
 * Ops that append `b`'s elements to a blank output array, reusing runs of `a` (slices), editing
 * elements matched by `_key` or by position, and sending the rest as values.
 */
function arrayBuild(a: Json[], b: Json[]): Op {
  const ops: Op = []
  const hashes = a.map(canonical)
  const byHash = new Map<string, number[]>()
  hashes.forEach((hash, i) => {
    const list = byHash.get(hash)
    if (list) list.push(i)
    else byHash.set(hash, [i])
  })
  const byKey = new Map<string, number>()
  a.forEach((item, i) => {
    const key = keyOf(item)
    if (key !== undefined && !byKey.has(key)) byKey.set(key, i)
  })

  let sliceStart = -1
  let sliceEnd = -1
  const flush = () => {
    if (sliceStart >= 0) ops.push(ARRAY_APPEND_SLICE, sliceStart, sliceEnd)
    sliceStart = sliceEnd = -1
  }
  // The left index the previous right element came from, to prefer continuing a run.
  let previous = -1
  for (const item of b) {
    const hash = canonical(item)
    const same = byHash.get(hash)
    if (same) {
      const i = same.includes(previous + 1)
        ? previous + 1
        : (same.find((j) => j > previous) ?? same[0])
      if (sliceStart >= 0 && i === sliceEnd) sliceEnd++
      else {
        flush()
        sliceStart = i
        sliceEnd = i + 1
      }
      previous = i
      continue
    }
    flush()
    const key = keyOf(item)
    const candidate =
      key !== undefined ? byKey.get(key) : previous + 1 < a.length ? previous + 1 : undefined
    const literal: Op = [ARRAY_APPEND_VALUE, item]
    const nested =
      candidate === undefined
        ? undefined
        : nestedEdit(a[candidate], item, candidate, PUSH_ELEMENT_COPY, PUSH_ELEMENT_BLANK)
    if (nested && cost(nested) < cost(literal)) {
      append(ops, nested).push(RETURN_INTO_ARRAY_POP)
      previous = candidate!
    } else {
      append(ops, literal)
      // A value in place of an element keeps the positional alignment moving forward.
      if (key === undefined) previous++
    }
  }
  flush()
  return ops
}

/**
 * Ops that append `b` to a blank output string: a copied common prefix and suffix of `a` and the
 * new middle. Slice offsets are UTF-8 bytes.
 */
function stringBuild(a: string, b: string): Op {
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

  const ops: Op = []
  const prefixBytes = utf8Length(a.slice(0, prefix))
  if (prefix > 0) ops.push(STRING_APPEND_SLICE, 0, prefixBytes)
  const middle = b.slice(prefix, b.length - suffix)
  const suffixStart = a.length - suffix
  // mendoza-js 3.0.8's simple patcher resolves the end of a slice starting from the start's UTF-16
  // index as if it were a byte count, so a slice that does not start at 0 is only decoded correctly
  // when everything before it is ASCII. Otherwise the suffix is sent as text.
  const sliceable = suffix > 0 && isAscii(a, suffixStart)
  const text = sliceable ? middle : middle + b.slice(b.length - suffix)
  if (text.length > 0) ops.push(STRING_APPEND_STRING, text)
  if (sliceable) {
    const start = utf8Length(a.slice(0, suffixStart))
    ops.push(STRING_APPEND_SLICE, start, start + utf8Length(a.slice(suffixStart)))
  }
  return ops
}

/** Appends in place without spreading, which would overflow the call stack for huge arrays. */
function append(ops: Op, more: Op): Op {
  for (const op of more) ops.push(op)
  return ops
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

/** Size of the encoded ops, the measure both candidate encodings are compared by. */
function cost(ops: Op): number {
  return JSON.stringify(ops).length
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
