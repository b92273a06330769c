/**
 * JSONMatch's `[*]` (every item of an array: `body[*].marks`, `tags[*]`), which Sanity's patches
 * take and @sanity/mutator's parser refuses ("Invalid tokens in jsonpath"): written out as the
 * paths of the items it reaches, before the patch is checked, weighed, applied and logged (so
 * listeners and history see paths every client reads). Each operation is written out on the
 * document as the patch's operations before it leave it, in the mutator's order (setIfMissing,
 * set, unset, diffMatchPatch, inc, dec; insert last): `set: {tags: [...]}` then
 * `unset: ['tags[*]']` unsets the new items, not the stored ones. A `[*]` on what is no array,
 * or an empty one, reaches nothing: its operation does nothing there. An insert's path is written
 * out on the document as the other operations leave it (expandInsert), a slice in its last
 * brackets too. Pure: no I/O.
 */
import {extractWithPath} from '@sanity/mutator'
import {itemError, MutationError} from './errors.ts'
import {applyOperations} from './patchApply.ts'
import {patchWork, shown, type Work} from './patchWork.ts'
import type {SanityDocument} from './types.ts'

type Json = Record<string, unknown>

/** The mutator's order of a patch's operations (its parsePatch); `unset` is a list of paths. */
const ORDER = ['setIfMissing', 'set', 'unset', 'diffMatchPatch', 'inc', 'dec'] as const
type Op = (typeof ORDER)[number]

interface Single {
  op: Op
  path: unknown
  value?: unknown
}

export interface ExpandOptions {
  /** The mutation's or action's index, for a refusal. */
  index?: number
  /** Given the work of the operations applied to find what a later `[*]` reaches (patchWork.ts). */
  spend?: (work: Work) => void
}

/**
 * `ops` with every path holding `[*]` written out; `ops` itself when none has one. The written-out
 * operations stay one patch object: applied in the mutator's order they do what the operations
 * did one by one, since each was written out on the state it meets. Refuses (MutationError) two
 * operations of one kind written out to the same path, one object key applying them once, but for
 * two sets (add).
 */
export function expandWildcards(doc: unknown, ops: Json, options: ExpandOptions = {}): Json {
  const singles: Single[] = []
  for (const op of ORDER) {
    const values = ops[op]
    if (op === 'unset') {
      if (Array.isArray(values)) for (const path of values) singles.push({op, path})
    } else if (isObject(values)) {
      for (const [path, value] of Object.entries(values)) singles.push({op, path, value})
    }
  }
  const target = insertTarget(ops.insert)
  const insertToWrite = target?.needsWork === true
  if (!insertToWrite && !singles.some((single) => hasSelector(single.path))) return ops
  let state: unknown =
    isObject(doc) && typeof doc._id === 'string' ? doc : {...(doc as Json), _id: 'document'}
  // Written out, not yet applied to `state`: applied only when a later `[*]` needs what they do.
  let pending: Single[] = []
  let applicable = true
  const done: Single[] = []
  const seen = new Map<Op, Set<string>>()
  const add = (single: Single) => {
    if (single.op !== 'unset') {
      const paths = seen.get(single.op) ?? seen.set(single.op, new Set()).get(single.op)!
      let path = single.path as string
      if (paths.has(path)) {
        // A set's later value wins whether a patch's paths are read one by one or all on the
        // document as sent: applied after the first under another spelling (a space the mutator's
        // parser skips, in its first brackets), one object key each. Others differ: refused.
        if (single.op !== 'set') refuse(single.op, path, options.index)
        while (paths.has(path)) path = spaced(path)
        single = {...single, path}
      }
      paths.add(path)
    }
    done.push(single)
    pending.push(single)
  }
  // The operations written out so far applied to `state`, for what a later path reaches.
  const settle = () => {
    if (pending.length > 0 && applicable) {
      const prefix = merged(pending, {})
      try {
        if (options.spend) patchWork(state, prefix, options.spend)
        // As the patch applies them, a stored document's reserved names mended the same way.
        state = applyOperations(state as SanityDocument, prefix)
      } catch (err) {
        if (err instanceof MutationError) throw err
        // The patch fails there as applied too: its checks and the mutator word the refusal.
        applicable = false
      }
    }
    pending = []
  }
  for (const single of singles) {
    if (!hasSelector(single.path)) {
      add(single)
      continue
    }
    settle()
    const {op, path, value} = single
    for (const concrete of itemPaths(state, path, op === 'unset')) add({op, path: concrete, value})
  }
  // A slice already inside its array, as sent: the patch as it is.
  const same =
    done.length === singles.length &&
    done.every((one, i) => one.op === singles[i]!.op && one.path === singles[i]!.path)
  if (!insertToWrite && same) return ops
  const out = merged(done, ops)
  if (!insertToWrite) return out
  // The mutator applies an insert last, on what the other operations left.
  settle()
  // A patch that fails before it: left as sent, for the checks and the mutator to refuse.
  if (!applicable) return out
  const insert = expandInsert(state, ops.insert as Json, target!, options.index)
  if (insert === undefined) delete out.insert
  else out.insert = insert
  return out
}

const POSITIONS = ['before', 'after', 'replace'] as const
type Position = (typeof POSITIONS)[number]

interface InsertTarget {
  position: Position
  path: string
  /** The path up to its last brackets: the array (or arrays) the insert goes into. */
  container: string
  /** What the last brackets hold. */
  inside: string
  /** The items a `[*]` or slice there picks from an array of `length` items; null for others. */
  pick: ((length: number) => number[]) | null
  needsWork: boolean
}

/** An insert with one position whose path ends in brackets; null for any other (the checks'). */
function insertTarget(insert: unknown): InsertTarget | null {
  if (!isObject(insert)) return null
  const given = POSITIONS.filter((position) => typeof insert[position] === 'string')
  if (given.length !== 1) return null
  const position = given[0]!
  const path = insert[position] as string
  const at = lastBracketsAt(path)
  if (at <= 0) return null
  const container = path.slice(0, at)
  const inside = path.slice(at + 1, path.trimEnd().length - 1)
  const pick = pickerOf(inside, false)?.pick ?? null
  return {
    position,
    path,
    container,
    inside,
    pick,
    needsWork: pick !== null || selectorAt(container) !== null,
  }
}

/**
 * What `[*]` (every item) or a slice picks from an array of `length` items, as JSONMatch reads a
 * slice, JavaScript's Array.prototype.slice (`[1:3]` items 1 and 2, `[-2:]` the last two, never
 * past the end: @sanity/json-match's tests): `[start, end)`. Null for any other brackets.
 */
function boundsOf(inside: string): ((length: number) => [number, number]) | null {
  if (inside.trim() === '*') return (length) => [0, length]
  const slice = SLICE.exec(inside)
  if (!slice || (slice[1] === undefined && slice[2] === undefined)) return null
  const [start, end] = [slice[1], slice[2]].map((bound) =>
    bound === undefined ? undefined : Number(bound),
  )
  const at = (bound: number | undefined, length: number, missing: number) =>
    bound === undefined
      ? missing
      : bound < 0
        ? Math.max(length + bound, 0)
        : Math.min(bound, length)
  return (length) => [at(start, length, 0), at(end, length, length)]
}

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*$/

const INDEX = /^\s*(-?\d+)\s*$/

/** The item `index` picks from an array of `length` (`-1` the last), none past either end. */
function itemAt(index: number, length: number): number[] {
  const at = index < 0 ? length + index : index
  return at >= 0 && at < length ? [at] : []
}

interface Picker {
  /** The indexes picked from an array of `length` items, ascending, each once. */
  pick: (length: number) => number[]
  /** A lone slice: written out as its bounds where it ends a path. */
  bounds: boolean
  wildcard: boolean
}

/**
 * What brackets holding `inside` pick as JSONMatch reads them, where @sanity/mutator read them
 * otherwise; null where it reads them so (or they are no indexes). `[*]` and a slice (boundsOf);
 * a negative index (`[-1]`, the last item) where more path follows (`followed`): the mutator threw
 * there ('interpretNegativeIndex() must have a probe', a 400 for `set: {'body[-1].n': 1}`) and took
 * one ending a path; a union of indexes and slices holding a slice, a negative index or an index
 * twice (`friends[0, 2:3].name`, @sanity/json-match's README), each item once, as JSONMatch's
 * matches are deduplicated: the mutator read its slices with their range bugs (a set past the end,
 * an inc through one followed by more path once per item of it) and `[0,0]` twice.
 */
function pickerOf(inside: string, followed: boolean): Picker | null {
  const bounds = boundsOf(inside)
  if (bounds) {
    const wildcard = inside.trim() === '*'
    return {pick: (length) => range(...bounds(length)), bounds: !wildcard, wildcard}
  }
  const index = INDEX.exec(inside)
  if (index) {
    const at = Number(index[1])
    return followed && at < 0
      ? {pick: (length) => itemAt(at, length), bounds: false, wildcard: false}
      : null
  }
  const elements = inside.split(',')
  if (elements.length < 2) return null
  // Each element as the span [start, end) it picks from an array of `length` items.
  const spans: ((length: number) => [number, number])[] = []
  const plain = new Set<number>()
  let needed = false
  for (const element of elements) {
    const slice = boundsOf(element)
    const one = INDEX.exec(element)
    if (slice && element.trim() !== '*') {
      spans.push(slice)
      needed = true
    } else if (one) {
      const at = Number(one[1])
      needed ||= at < 0 || plain.has(at)
      plain.add(at)
      spans.push((length) => {
        const [item] = itemAt(at, length)
        return item === undefined ? [0, 0] : [item, item + 1]
      })
    } else return null
  }
  if (!needed) return null
  // Once per length of array met: a hostile union of 2,000 `0:` over a 50,000-item array was 10 s
  // with each element's items listed, and a `[*]` before it meets many arrays.
  const picked = new Map<number, number[]>()
  return {
    pick: (length) => {
      let indexes = picked.get(length)
      if (indexes) return indexes
      indexes = []
      let next = 0
      const sorted = spans.map((span) => span(length)).sort((a, b) => a[0] - b[0])
      for (const [start, end] of sorted) {
        for (let i = Math.max(start, next); i < end; i++) indexes.push(i)
        next = Math.max(next, end)
      }
      picked.set(length, indexes)
      return indexes
    },
    bounds: false,
    wildcard: false,
  }
}

function range(start: number, end: number): number[] {
  return Array.from({length: Math.max(end - start, 0)}, (_, i) => start + i)
}

/** Where the brackets that end `path` open (outside quotes), or -1 when it ends otherwise. */
function lastBracketsAt(path: string): number {
  const end = path.trimEnd().length - 1
  let depth = 0
  let open = -1
  for (let i = 0; i <= end; i++) {
    const char = path[i]
    if (char === '"' || char === "'") {
      let close = i + 1
      while (close < path.length && path[close] !== char) close += path[close] === '\\' ? 2 : 1
      i = close
    } else if (char === '[') {
      if (depth++ === 0) open = i
    } else if (char === ']' && depth > 0 && --depth === 0 && i === end) return open
  }
  return -1
}

/**
 * The insert with its path written out on `doc`: a `[*]` in the array's path as the items it
 * reaches, and `[*]` or a slice in the last brackets as the place it lands in each array (after
 * the last item it picks, before the first, or replacing them), as hosted Sanity lands an insert
 * after a path of several items after the last of them (Sanity's changelog, "Fixes JSONMatch
 * issue in `insert` patches"); @sanity/mutator landed one item further after a slice, threw on an
 * open or negative one and refuses `[*]`. Arrays where it picks nothing get nothing, as a key
 * that matches none; undefined when none is left. Still one path, as one patch holds one insert:
 * arrays that would need different places are refused, saying to send an insert each.
 */
function expandInsert(
  doc: unknown,
  insert: Json,
  target: InsertTarget,
  index?: number,
): Json | undefined {
  const {position, path, container, inside, pick} = target
  const places = new Map<string, {segments: unknown[]; place: string}>()
  for (const concrete of itemPaths(doc, container)) {
    let matches
    try {
      matches = extractWithPath(concrete, doc)
    } catch {
      // A path the mutator cannot read: left as sent, for the path checks to refuse.
      return insert
    }
    for (const match of matches) {
      let place = inside
      if (pick) {
        if (!Array.isArray(match.value)) continue
        const picked = pick(match.value.length)
        if (picked.length === 0) continue
        place = placeOf(position, picked, match.value.length)
      }
      places.set(format(match.path), {segments: match.path, place})
    }
  }
  if (places.size === 0) return undefined
  const found = [...places.values()]
  const place = found[0]!.place
  const arrays = found.every((one) => one.place === place)
    ? union(found.map((one) => one.segments))
    : null
  if (arrays === null) {
    const description = `Invalid patch: the insert ${position} "${shown(path)}" lands at different places in the arrays it reaches, and one patch holds one insert; send one insert for each array`
    throw new MutationError(`The mutation(s) failed: ${description}`, [
      itemError('validationError', description, index !== undefined && index >= 0 ? {index} : {}),
    ])
  }
  return {...insert, [position]: `${arrays}[${place}]`}
}

/** Where an insert lands among the `picked` items of an array of `length`, in one bracket. */
function placeOf(position: Position, picked: number[], length: number): string {
  if (position === 'replace') return picked.join(',')
  if (position === 'before') return String(picked[0])
  const last = picked[picked.length - 1]!
  // `[-1]` for the last item: one text for arrays of different lengths.
  return last === length - 1 ? '-1' : String(last)
}

/**
 * One path reaching exactly these arrays (their indexes at a place where they differ as a list,
 * `body[0,1].c`), or null when no such path does (they differ in a name, or the list would
 * reach an array not among them).
 */
function union(paths: readonly unknown[][]): string | null {
  const length = paths[0]!.length
  if (paths.some((segments) => segments.length !== length)) return null
  const at: unknown[][] = []
  let reached = 1
  for (let i = 0; i < length; i++) {
    const values = [...new Set(paths.map((segments) => segments[i]))]
    if (values.length > 1 && values.some((value) => typeof value !== 'number')) return null
    at.push(values)
    reached *= values.length
  }
  if (reached !== paths.length) return null
  return format(
    at.map((values) =>
      values.length > 1 ? (values as number[]).sort((a, b) => a - b) : values[0],
    ),
  )
}

/** `singles` as one patch object over `base`, each operation's paths in their order. */
function merged(singles: readonly Single[], base: Json): Json {
  const out: Json = {...base}
  // Only the operations read: a malformed one stays as sent, for the shape checks to refuse.
  for (const op of ORDER) {
    if (op === 'unset' ? Array.isArray(base[op]) : isObject(base[op])) {
      out[op] = op === 'unset' ? [] : {}
    }
  }
  for (const {op, path, value} of singles) {
    if (op === 'unset') ((out.unset ??= []) as unknown[]).push(path)
    // Defined, not assigned: a `__proto__` path assigned set the object's prototype, the path
    // dropped and the patch applied without it, where the checks refuse it without a [*].
    else
      Object.defineProperty((out[op] ??= {}) as Json, path as string, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      })
  }
  return out
}

/** `path` with one more space after its first opening bracket outside quotes (it has one). */
function spaced(path: string): string {
  for (let i = 0; i < path.length; i++) {
    const char = path[i]
    if (char === '"' || char === "'") {
      let end = i + 1
      while (end < path.length && path[end] !== char) end += path[end] === '\\' ? 2 : 1
      i = end
    } else if (char === '[') return `${path.slice(0, i + 1)} ${path.slice(i + 1)}`
  }
  return `${path} `
}

function refuse(op: Op, path: string, index = -1): never {
  const description = `Invalid patch: \`${op}\` reaches "${shown(path)}" twice (a [*] or slice written out meets another of its paths), and one patch applies it once; send them as two patches`
  throw new MutationError(`The mutation(s) failed: ${description}`, [
    itemError('validationError', description, index >= 0 ? {index} : {}),
  ])
}

function hasSelector(path: unknown): path is string {
  return typeof path === 'string' && selectorAt(path) !== null
}

/**
 * The concrete paths `path` reaches on `doc`: a `[*]` as each item's index, a slice as its bounds
 * on each array it meets (`[1:3]`, never past the end, where the mutator wrote a set past the end),
 * or its indexes when more path follows (`[1,2].n`: the mutator threw on an open or negative slice
 * there, and applied an inc through a closed one once per item of the slice). With
 * `together`, a trailing `[*]` stays one path of all the array's indexes (`tags[0,1,2]`): unset one
 * index at a time, each would shift the next. `from`: where to look for the next `[*]` or slice.
 */
function itemPaths(doc: unknown, path: string, together = false, from = 0): string[] {
  const selector = selectorAt(path, from)
  if (!selector) return [path]
  const {at, end, pick, bounds, wildcard} = selector
  const rest = path.slice(end + 1)
  // Nothing before it: no array named.
  if (at === 0) return []
  let matches
  try {
    matches = extractWithPath(path.slice(0, at), doc)
  } catch {
    // A path the mutator cannot read: left as it is, for the path checks to refuse in their words.
    return [path]
  }
  const paths: string[] = []
  for (const match of matches) {
    if (!Array.isArray(match.value)) continue
    const indexes = pick(match.value.length)
    if (indexes.length === 0) continue
    const prefix = format(match.path)
    if (!wildcard) {
      // Followed by more path, a list of its indexes: through a range the mutator applied an inc
      // or diffMatchPatch once for each item of the range (`inc: {'body[0:2].n': 1}` added 2).
      const items =
        rest === '' && bounds ? `${indexes[0]}:${indexes.at(-1)! + 1}` : indexes.join(',')
      const written = `${prefix}[${items}]`
      paths.push(...itemPaths(doc, `${written}${rest}`, together, written.length))
      continue
    }
    if (together && rest === '') {
      paths.push(`${prefix}[${indexes.join(',')}]`)
      continue
    }
    for (const i of indexes) paths.push(...itemPaths(doc, `${prefix}[${i}]${rest}`, together))
  }
  return paths
}

interface Selector extends Picker {
  /** Where its brackets open and close. */
  at: number
  end: number
}

/** The first `[*]` or slice of `path` from `from` (brackets at its top level, outside quotes). */
function selectorAt(path: string, from = 0): Selector | null {
  let depth = 0
  let open = -1
  for (let i = from; i < path.length; i++) {
    const char = path[i]
    if (char === '"' || char === "'") {
      let end = i + 1
      while (end < path.length && path[end] !== char) end += path[end] === '\\' ? 2 : 1
      i = end
    } else if (char === '[') {
      if (depth++ === 0) open = i
    } else if (char === ']' && depth > 0 && --depth === 0) {
      const picker = pickerOf(path.slice(open + 1, i), i < path.trimEnd().length - 1)
      if (picker) return {at: open, end: i, ...picker}
    }
  }
  return null
}

/**
 * A matched location as a path the mutator reads: names, `['quoted name']`, `[index]`, and a
 * list of indexes given as an array (`[0,1]`).
 */
function format(segments: readonly unknown[]): string {
  let out = ''
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (Array.isArray(segment)) out += `[${segment.join(',')}]`
    else {
      const name = String(segment)
      const quoted = `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
      // At the top level the mutator takes a quoted name bare, further on in brackets.
      if (IDENTIFIER.test(name)) out += out === '' ? name : `.${name}`
      else out += out === '' ? quoted : `[${quoted}]`
    }
  }
  return out
}

const IDENTIFIER = /^(?!(?:true|false)$)[A-Za-z_][A-Za-z0-9_]*$/

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
