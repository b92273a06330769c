/**
 * What a patch's operations will do to the document in hand, counted before @sanity/mutator
 * applies them (the patch budget, LIMITS.patchedBytesPerTransaction), in units of a byte of
 * document a keyed path walked (about 25 ns; an array item copied, 4-28 ns, counts as one too);
 * the transaction counts each patched document's size once besides:
 *
 * - a path of names, indexes and `_key` filters (the Studio's), what it touches: the items its
 *   filters test, the arrays it copies, the objects on the way (pathWalker);
 * - a diffMatchPatch copies and searches the string it patches once per hunk (10-20 ns a
 *   character a hunk), and a long deletion not where its hunk says runs a diff
 *   (misplacedDeletions);
 * - a path that matches many places copies the array holding each match once per match: a range
 *   (`items[0:36000]`), a list of indexes (`items[0,1,2].t`, a range written out: 16,000 of a
 *   16,000-item array 0.7 s, 32,000 of 32,000 12 s) and a filter other than a `_key`
 *   (`items[n==1].t`), counted from the document's largest array, an item copied as one; a range
 *   followed by more path (`items[0:6000].t`) once per item for each item (78 s for 6,000); a
 *   recursive path (`..t`) by its real walk (recursiveWork).
 *
 * Pure: no I/O.
 */
import {extractWithPath} from '@sanity/mutator'
import {LIMITS} from './limits.ts'

/** Work a patch operation will do (`bytes`, in the budget's units) and what to say if refused. */
export interface Work {
  bytes: number
  /** What does it, and how to do it more cheaply. */
  what: string
}

type Json = Record<string, unknown>

/**
 * The work of each of `ops`' paths on `doc`, handed to `spend` one by one (it throws once the
 * budget is spent, so a hostile patch is not weighed to its end).
 */
export function patchWork(doc: unknown, ops: Json, spend: (work: Work) => void): void {
  // What the patch's own sets and inserts put in: its later operations walk them too (the mutator
  // applies setIfMissing, set, unset, diffMatchPatch, inc, dec, insert in that order), and a small
  // draft given 100,000 items and 20,000 keyed unsets of them in one patch was a 504.
  const grown: unknown[] = []
  let shape: Shape | null = null
  const shapeOf = () => (shape ??= documentShape(grown.length > 0 ? {doc, grown} : doc))
  const walk = pathWalker(doc)
  const one = (op: Op, path: string, value?: unknown, inserted = 0) => {
    const many = matchesMany(path)
    if (!many) {
      const steps = simplePath(path)
      if (steps) spend(walk(steps, op, path, inserted, value))
    } else if (many.recursive !== false) {
      const work = recursiveWork(doc, path, many)
      const added =
        grown.length > 0 ? recursiveWork({grown}, path.slice(path.indexOf('..')), many) : null
      if (work && added) work.bytes += added.bytes
      spend((grown.length > 0 ? added && work : work) ?? manyWork(path, many, shapeOf()))
    } else spend(manyWork(path, many, shapeOf()))
    if (op === 'set' || op === 'setIfMissing' || op === 'insert') {
      grown.push(value)
      shape = null
    }
    return many
  }
  for (const op of ['setIfMissing', 'set'] as const) {
    const values = ops[op]
    if (typeof values !== 'object' || values === null) continue
    for (const [path, value] of Object.entries(values)) one(op, path, value)
  }
  if (Array.isArray(ops.unset)) {
    for (const path of ops.unset) if (typeof path === 'string') one('unset', path)
  }
  for (const op of ['diffMatchPatch', 'inc', 'dec'] as const) {
    const values = ops[op]
    if (typeof values !== 'object' || values === null) continue
    for (const [path, value] of Object.entries(values)) {
      const many = one(op, path)
      const text = op === 'diffMatchPatch' && typeof value === 'string' ? value : null
      if (text === null) continue
      const count = hunks(text)
      // Each of the strings it matches: one at most unless it matches many.
      const length = many ? shapeOf().stringLength : stringsAt(path, doc, shapeOf)
      spend({
        bytes: count * length + text.length,
        what:
          `the diffMatchPatch of "${path}" has ${count} hunks over a string of ${length} ` +
          `characters, each of which copies it: send a set of the new text instead, or its hunks ` +
          `in several transactions`,
      })
      const target = many ? null : stringAt(path, doc)
      const misplaced = target === null ? [] : misplacedDeletions(text, target)
      if (misplaced.length > 0) {
        spend({
          bytes: misplaced.reduce((sum, n) => sum + Math.min(DIFF_UNITS * n * n, DIFF_MOST), 0),
          what:
            `the diffMatchPatch of "${path}" deletes ${misplaced.length} long texts (of ` +
            `${Math.max(...misplaced)} characters at most) that are not where its hunks say, ` +
            `each of which is matched by its ends and diffed against what is there (up to 1 s a ` +
            `hunk): make the patch from the text as it is now, or send a set of the new text`,
        })
      }
    }
  }
  const insert = ops.insert as Json | undefined
  for (const position of ['before', 'after', 'replace']) {
    const path = insert?.[position]
    const items = Array.isArray(insert?.items) ? insert.items : []
    if (typeof path === 'string') one('insert', path, items, items.length)
  }
}

type Op = 'set' | 'setIfMissing' | 'inc' | 'dec' | 'diffMatchPatch' | 'unset' | 'insert'

/**
 * What @sanity/mutator does along a path of names, indexes and `_key` filters, counted on the
 * document in hand, in the budget's units (about 25 ns: a keyed set over a 100,000-item, 2.3 MB
 * array took 62 ms, which the budget counted as its document's size; the rest measured in the
 * same run of @sanity/mutator 6.9, on 100,000-item arrays and objects of 10-8,000 attributes):
 *
 * - a `_key` filter tests every item of its array (SCANNED, 600-650 ns an item: a Studio
 *   keystroke in a 1,500-block Portable Text body is about 1 ms), and the array is copied
 *   (`slice`) to change the item found;
 * - each object on the way is copied (`Object.assign`) for the value changed in it (ATTRIBUTE,
 *   330-860 ns an attribute), as large as the patch's sets of new names may have made it: one
 *   patch setting 1,000 new names of one object took 230 ms, 10,000 would be tens of seconds;
 * - an insert's array is copied with its new items, an unset's without the one it removes, and an
 *   index's (`items[5000].t`, `items[-1]`) to change the item it reaches (`slice`): 1 an item
 *   (1,000 indexed sets of a 100,000-item array took 1.7-2.8 s, 17-28 ns an item, where one
 *   keyed set took 88-242 ms, in the same run at load 4-7). Until 2026-12-05 uncounted: 100,000
 *   such sets ran to the write deadline.
 *
 * Nothing counts the document's size here: the transaction counts each patched document once
 * (its read, check, serialisation and effects), not once per patch.
 */
const SCANNED = 24
const ATTRIBUTE = 32

/** A path of names (`a`, `['a']`), indexes (`[3]`, `[-1]`) and `_key` filters only. */
type Step = {name: string} | {index: number} | {key: string}

function simplePath(path: string): Step[] | null {
  const steps: Step[] = []
  let i = 0
  const space = () => {
    while (path[i] === ' ') i++
  }
  const quoted = (): string | null => {
    const quote = path[i]
    if (quote !== '"' && quote !== "'") return null
    let text = ''
    for (i++; i < path.length && path[i] !== quote; i++)
      text += path[i] === '\\' ? path[++i] : path[i]
    if (path[i] !== quote) return null
    i++
    return text
  }
  const NAME = /[A-Za-z_][A-Za-z0-9_]*/y
  while (true) {
    space()
    if (i >= path.length) return steps.length > 0 ? steps : null
    if (path[i] === '.' && steps.length > 0) {
      i++
      space()
    } else if (path[i] !== '[' && steps.length > 0) return null
    if (path[i] === '[') {
      i++
      space()
      NAME.lastIndex = i
      const number = /-?\d+/y
      number.lastIndex = i
      let step: Step | null = null
      const name = NAME.exec(path)
      if (name && name[0] === '_key') {
        i += 4
        space()
        if (path.slice(i, i + 2) !== '==') return null
        i += 2
        space()
        const key = quoted()
        if (key === null) return null
        step = {key}
      } else if (path[i] === "'" || path[i] === '"') {
        const text = quoted()
        if (text === null) return null
        step = {name: text}
      } else {
        const digits = number.exec(path)
        if (!digits) return null
        i += digits[0].length
        step = {index: Number(digits[0])}
      }
      space()
      if (path[i] !== ']') return null
      i++
      steps.push(step)
      continue
    }
    NAME.lastIndex = i
    const name = NAME.exec(path)
    if (!name) return null
    i += name[0].length
    steps.push({name: name[0]})
  }
}

/** A step as a part of a place's name in pathWalker's maps. */
const place = (step: Step) =>
  `\u0000${'name' in step ? `.${step.name}` : 'key' in step ? `k${step.key}` : `i${step.index}`}`

/**
 * The work of paths of names, indexes and `_key` filters on `doc` (see SCANNED). Remembers, per
 * object it reaches, the names a set or setIfMissing of the same patch may add to it.
 */
function pathWalker(
  doc: unknown,
): (steps: Step[], op: Op, path: string, inserted: number, value?: unknown) => Work {
  const added = new Map<string, Set<string>>()
  // The values the patch's sets put at a place (by its steps), which its later paths walk.
  const set = new Map<string, unknown>()
  const sizes = new WeakMap<object, number>()
  const attributes = (value: Json, at: string) => {
    let size = sizes.get(value)
    if (size === undefined) sizes.set(value, (size = Object.keys(value).length))
    return size + (added.get(at)?.size ?? 0)
  }
  return (steps, op, path, inserted, value) => {
    let bytes = 0
    let scanned = 0
    let copied = 0
    let widest = 0
    // Where the walk is: the values the path reaches so far (a `_key` may match more than one).
    let here: unknown[] = [doc]
    let at = ''
    for (const [n, step] of steps.entries()) {
      const last = n === steps.length - 1
      const next: unknown[] = []
      for (const value of here) {
        if ('name' in step) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) continue
          const size = attributes(value as Json, at)
          widest = Math.max(widest, size)
          bytes += ATTRIBUTE * size
          if (Object.hasOwn(value, step.name)) next.push((value as Json)[step.name])
          else if (last && (op === 'set' || op === 'setIfMissing')) {
            const names = added.get(at) ?? new Set<string>()
            added.set(at, names.add(step.name))
          }
          continue
        }
        if (!Array.isArray(value)) continue
        if ('key' in step) {
          bytes += SCANNED * value.length
          scanned += value.length
          for (const item of value) {
            if (typeof item === 'object' && item !== null && (item as Json)._key === step.key) {
              const copy = value.length + (last && op === 'insert' ? inserted : 0)
              bytes += copy
              copied += copy
              next.push(item)
            }
          }
        } else {
          const index = step.index < 0 ? value.length + step.index : step.index
          // The mutator resolves an index from the end only where the path ends (before, "Index
          // out of bounds": nothing copied).
          const within = index >= 0 && index < value.length && (last || step.index >= 0)
          // An insert or an unset copies the array; any other operation copies it (`slice`) to
          // change the item it reaches.
          const copy =
            last && (op === 'insert' || op === 'unset')
              ? value.length + inserted
              : within
                ? value.length
                : 0
          bytes += copy
          copied += copy
          if (within) next.push(value[index])
        }
      }
      here = next
      at += place(step)
      if (set.has(at)) here = [set.get(at)]
      if (here.length === 0) break
    }
    const whole = steps.map(place).join('')
    if (op === 'set' || (op === 'setIfMissing' && here.length === 0 && !set.has(whole))) {
      set.set(whole, value)
    }
    const said = [
      scanned > 0 ? `tests ${scanned} array items for their _key` : '',
      copied > 0 ? `copies arrays of ${copied} items in all` : '',
      widest > 0 ? `copies objects of up to ${widest} attributes` : '',
    ].filter(Boolean)
    return {
      bytes,
      what:
        `the path "${path}" ${said.join(' and ') || 'copies what leads to it'}, and the ` +
        `transaction's paths add up to more than the budget: send fewer paths into large arrays ` +
        `or wide objects per transaction (split it into several), or set the array or object ` +
        `whole instead`,
    }
  }
}

/**
 * A recursive path's real walk (`..x`, `items..t`, `..[_key=="k"].t`): @sanity/mutator visits
 * every value under where the `..` starts (VISITED each, 700-1,300 ns: `..x` over a
 * 100,000-item array took 210 ms with one match), and copies each array or object on the way to
 * a match once per changed item or attribute: `..x` over 100,000 items that all hold `x` copied
 * the array 100,000 times (89 s), over 2,000 of them 9-16 ms. Counted exactly on the document in
 * hand for a match by name or `_key`; any other (`..[0]`, `..[n > 1]`) as if every array and
 * object changed. Null (counted from the document's shape, manyWork) when a path has another
 * `..`, or a prefix of more than names, indexes and keys. Walked without recursion, and no
 * further once its count is past the budget.
 */
const VISITED = 48

function recursiveWork(doc: unknown, path: string, many: Many): Work | null {
  const at = path.indexOf('..')
  const rest = path.slice(at + 2)
  if (rest.includes('..') || many.range !== null || many.indexes > 0) return null
  const prefix = path.slice(0, at).trim()
  let starts: unknown[] = [doc]
  let bytes = 0
  if (prefix !== '') {
    const steps = simplePath(prefix)
    if (!steps) return null
    bytes += pathWalker(doc)(steps, 'set', prefix, 0).bytes
    starts = reached(doc, steps)
  }
  const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(rest)?.[1]
  const keyed = /^\s*\[\s*_key\s*==\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest)?.[1]
  const key = keyed?.replace(/\\(.)/g, '$1')
  // Whether a container is itself changed (its attribute `name`; an array, its item of `key`).
  const changes = (value: object): boolean =>
    name !== undefined
      ? !Array.isArray(value) && Object.hasOwn(value, name)
      : key !== undefined
        ? Array.isArray(value) && value.some((item) => isJson(item) && item._key === key)
        : true
  const most = LIMITS.patchedBytesPerTransaction
  // Pre-order, each container with its parent's place; then children before parents.
  const containers: {value: object; parent: number; changed: number}[] = []
  let visited = 0
  const stack: [unknown, number][] = starts.map((value) => [value, -1])
  while (stack.length > 0) {
    const [value, parent] = stack.pop()!
    visited++
    if (typeof value !== 'object' || value === null) continue
    const at = containers.push({value, parent, changed: changes(value) ? 1 : 0}) - 1
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, at])
      else visited++
    }
    if (bytes + VISITED * visited > most) break
  }
  bytes += VISITED * visited
  let copies = 0
  for (let i = containers.length - 1; i >= 0 && bytes <= most; i--) {
    const {value, parent, changed} = containers[i]!
    if (changed === 0) continue
    const size = Array.isArray(value) ? value.length : Object.keys(value).length
    bytes += changed * (Array.isArray(value) ? size : ATTRIBUTE * size)
    copies += changed
    if (parent >= 0) containers[parent]!.changed++
  }
  return {
    bytes,
    what:
      `the path "${path}" has a recursive path that visits ${visited} values and copies their ` +
      `arrays and objects ${copies} times (@sanity/mutator copies an array or object once for ` +
      `each item or attribute of it changed): name the items to change instead ` +
      `(items[_key=="k"].t or items[3].t), or split the change into several transactions`,
  }
}

/** The values a path of names, indexes and keys reaches in `doc`. */
function reached(doc: unknown, steps: Step[]): unknown[] {
  let here: unknown[] = [doc]
  for (const step of steps) {
    const next: unknown[] = []
    for (const value of here) {
      if ('name' in step) {
        if (isJson(value) && Object.hasOwn(value, step.name)) next.push(value[step.name])
      } else if (Array.isArray(value)) {
        if ('key' in step)
          next.push(...value.filter((item) => isJson(item) && item._key === step.key))
        else {
          const item = value.at(step.index)
          if (item !== undefined) next.push(item)
        }
      }
    }
    here = next
  }
  return here
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The length of the strings `path` names in `doc` (all of its strings if the mutator cannot say). */
function stringsAt(path: string, doc: unknown, shapeOf: () => Shape): number {
  try {
    return extractWithPath(path, doc).reduce(
      (sum, {value}) => sum + (typeof value === 'string' ? value.length : 0),
      0,
    )
  } catch {
    return shapeOf().stringLength
  }
}

/** The string `path` names in `doc`, if it names one. */
function stringAt(path: string, doc: unknown): string | null {
  try {
    const [match] = extractWithPath(path, doc)
    return typeof match?.value === 'string' ? match.value : null
  } catch {
    return null
  }
}

/**
 * A deletion of more than 2 × 32 characters, which @sanity/diff-match-patch keeps in one hunk,
 * that is not where its hunk says in the string is looked for by its first and last 32 characters
 * near there, and what is between them diffed against it: 250 ms for 1,000 characters, up to the
 * diff's own deadline of 1 s from 3,000 (20 such hunks held a write thread to the 60 s deadline).
 * Counted as 16 bytes a character squared (a 1,000-character one as a quarter of the budget), at
 * most 16 MiB a hunk. A hunk made from the text as it is (the Studio's) finds its text in place.
 */
const DIFF_UNITS = 16
const DIFF_MOST = 16 * 1024 * 1024
const LONG_DELETION = 64

/** The lengths of `patch`'s long deletions whose hunk's text is not in place in `target`. */
function misplacedDeletions(patch: string, target: string): number[] {
  const found: number[] = []
  const at = utf16Offsets(target)
  const lines = patch.split('\n')
  let shift = 0
  for (let i = 0; i < lines.length; i++) {
    const header = HUNK.exec(lines[i]!)
    if (!header) continue
    // Where its text starts in the string: the header counts UTF-8 bytes from 1 (none when it
    // is empty) in the text as the hunks before it left it (makePatches' rolling context).
    const start = Number(header[1]) - (header[2] === '0' ? 0 : 1) - shift
    const length = (given: string) => (given === '' ? 1 : Number(given))
    shift += length(header[4]!) - length(header[2]!)
    let before = ''
    let longest = 0
    for (i++; i < lines.length && !lines[i]!.startsWith('@'); i++) {
      const line = lines[i]!
      if (line[0] !== ' ' && line[0] !== '-') continue
      let text: string
      try {
        text = decodeURI(line.slice(1))
      } catch {
        return found // the mutator refuses the patch ("Illegal escape")
      }
      before += text
      if (line[0] === '-') longest = Math.max(longest, text.length)
    }
    i--
    if (longest <= LONG_DELETION) continue
    if (!target.startsWith(before, at(start))) found.push(before.length)
  }
  return found
}
const HUNK = /^@@ -(\d+),?(\d*) \+(\d+),?(\d*) @@$/

/**
 * The UTF-16 index in `text` of a UTF-8 byte offset, as @sanity/diff-match-patch converts a
 * hunk's (adjustIndiciesToUcs2): walked on from the last offset asked, from the start if lower.
 */
function utf16Offsets(text: string): (bytes: number) => number {
  let index = 0
  let offset = 0
  return (bytes) => {
    if (bytes < offset) [index, offset] = [0, 0]
    while (offset < bytes && index < text.length) {
      const code = text.codePointAt(index)!
      offset += code <= 0x7f ? 1 : code <= 0x7ff ? 2 : code <= 0xffff ? 3 : 4
      index += code > 0xffff ? 2 : 1
    }
    return index
  }
}

/** The hunks of a diffMatchPatch's text: each starts with "@@ -". */
export function hunks(text: string): number {
  let count = 0
  for (let at = text.indexOf('@@ -'); at >= 0; at = text.indexOf('@@ -', at + 4)) count++
  return Math.max(1, count)
}

/** How a path may match many places. */
interface Many {
  /** Items of a range (`[2:10]`: 8; open ends and negative indexes: the whole array). */
  range: number | null
  /** The range is followed by more path (`items[0:10].t`). */
  rangeGoesOn: boolean
  /** Indexes in lists of more than one (`[0, 2]`: 2), each a place. */
  indexes: number
  /** A filter other than `_key == "…"`. */
  filter: boolean
  /** `..`: the attribute name after it, or null (`..[…]`: every value). */
  recursive: string | null | false
}

const RANGE = /\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\]/
const BRACKETS = /\[([^\]]*)\]/g
/** A Studio key (`_key=="k"`), a quoted name or an index (`2`): one place. */
const QUOTED = `(?:"(?:[^"\\\\]|\\\\.)*"|'(?:[^'\\\\]|\\\\.)*')`
const ONE_PLACE = new RegExp(`^\\s*(?:_key\\s*==\\s*${QUOTED}|${QUOTED}|-?\\d+)\\s*$`)
/** A list of indexes (`0, 3`): a place each, as many as a range of that width. */
const INDEX_LIST = /^\s*-?\d+(?:\s*,\s*-?\d+)+\s*$/

function matchesMany(path: string): Many | null {
  const recursiveAt = path.indexOf('..')
  const recursive =
    recursiveAt < 0
      ? false
      : (/^\.\.\s*([A-Za-z_$][\w$]*)/.exec(path.slice(recursiveAt))?.[1] ?? null)
  const range = RANGE.exec(path)
  let filter = false
  let indexes = 0
  for (const [whole, inside] of path.matchAll(BRACKETS)) {
    if (whole === range?.[0] || ONE_PLACE.test(inside)) continue
    if (INDEX_LIST.test(inside)) indexes += inside.split(',').length
    else filter = true
  }
  if (recursive === false && !range && !filter && indexes === 0) return null
  let width: number | null = null
  if (range) {
    const [start, end] = [range[1], range[2]].map((bound) => (bound === '' ? null : Number(bound)))
    width =
      start !== null && end !== null && start >= 0 && end >= 0 ? Math.max(0, end - start) : null
  }
  const after = range ? path.slice(range.index + range[0].length).trim() : ''
  return {
    range: range ? (width ?? Infinity) : null,
    rangeGoesOn: after !== '',
    indexes,
    filter,
    recursive,
  }
}

function manyWork(path: string, many: Many, shape: Shape): Work {
  const longest = shape.longestArray
  let bytes = 0
  const said: string[] = []
  if (many.range !== null) {
    const width = Math.min(many.range, longest)
    // The mutator takes a range followed by more path as one lead per item, each going over the
    // whole range: the array is copied width × width times.
    bytes += many.rangeGoesOn ? width * width * longest : width * longest
    said.push(`a range of up to ${width} items${many.rangeGoesOn ? ' followed by more path' : ''}`)
  }
  if (many.indexes > 0) {
    bytes += many.indexes * longest
    said.push(`a list of ${many.indexes} indexes`)
  }
  if (many.filter) {
    bytes += longest * longest
    said.push('a filter')
  }
  if (many.recursive !== false) {
    const matches =
      many.recursive === null ? shape.values : (shape.attributes.get(many.recursive) ?? 0)
    bytes += matches * longest
    said.push(`a recursive path (${matches} matches)`)
  }
  return {
    bytes,
    what:
      `the path "${shown(path)}" has ${said.join(' and ')}, and @sanity/mutator copies an array of up ` +
      `to ${longest} items for each place it matches: name the items to change instead ` +
      `(items[_key=="k"].t or items[3].t), or split the change into several transactions`,
  }
}

/** A path as a refusal names it: a slice written out as its indexes can be 100,000 of them. */
export function shown(path: string): string {
  return path.length <= 200 ? path : `${path.slice(0, 160)}…${path.slice(-30)}`
}

interface Shape {
  /** Items of the document's longest array. */
  longestArray: number
  /** Values (objects, arrays, scalars) in it. */
  values: number
  /** Characters of all its strings. */
  stringLength: number
  /** How many objects have an attribute of each name. */
  attributes: Map<string, number>
}

/** One walk of the document, without recursion (a patched one is checked only once applied). */
function documentShape(doc: unknown): Shape {
  const shape: Shape = {longestArray: 0, values: 0, stringLength: 0, attributes: new Map()}
  const stack: unknown[] = [doc]
  while (stack.length > 0) {
    const value = stack.pop()
    shape.values++
    if (typeof value === 'string') shape.stringLength += value.length
    if (typeof value !== 'object' || value === null) continue
    if (Array.isArray(value)) {
      shape.longestArray = Math.max(shape.longestArray, value.length)
      for (const item of value) stack.push(item)
      continue
    }
    for (const [key, item] of Object.entries(value)) {
      shape.attributes.set(key, (shape.attributes.get(key) ?? 0) + 1)
      stack.push(item)
    }
  }
  return shape
}
