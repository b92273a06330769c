/**
 * What a patch's operations will do to the document in hand, counted before @sanity/mutator
 * applies them (the patch budget, LIMITS.patchedBytesPerTransaction), where the count made before
 * any document is read (mutations.ts patchScans) cannot know it:
 *
 * - a diffMatchPatch copies and searches the string it patches once per hunk: its hunks past the
 *   first times the string's length (10-20 ns a character a hunk; the patch's count of its
 *   document covers the first), not its document's size per hunk, which refused a Studio edit of
 *   more than ~32 hunks of a 2 MB draft; and a long deletion not where its hunk says, as the
 *   diff it may run (misplacedDeletions);
 * - a path that matches many places copies the array holding each match once per match: a range
 *   (`items[0:36000]`), a list of indexes (`items[0,1,2].t`, a range written out: 16,000 of a
 *   16,000-item array 0.7 s, 32,000 of 32,000 12 s), a filter other than a `_key`
 *   (`items[n==1].t`) and a recursive path (`..t`). One set of `..t` over 36,000 items took
 *   10-45 s; a range followed by more path (`items[0:6000].t`) is worse, as the mutator copies
 *   the array once per item for each item (78 s for 6,000). Counted from the document's largest
 *   array, an item copied as a byte.
 *
 * Pure: no I/O.
 */
import {extractWithPath} from '@sanity/mutator'

/** Work a patch operation will do (`bytes`, in the budget's units) and what to say if refused. */
export interface Work {
  bytes: number
  /** What does it, and how to do it more cheaply. */
  what: string
}

type Json = Record<string, unknown>

const OPS_WITH_PATHS = ['set', 'setIfMissing', 'inc', 'dec', 'diffMatchPatch'] as const

/**
 * The work of each of `ops`' paths that the count before reading did not see, handed to `spend`
 * one by one (it throws once the budget is spent, so a hostile patch is not weighed to its end).
 * Paths of attribute names, indexes and `_key` filters only are left out, but a diffMatchPatch's.
 */
export function patchWork(doc: unknown, ops: Json, spend: (work: Work) => void): void {
  let shape: Shape | null = null
  const shapeOf = () => (shape ??= documentShape(doc))
  for (const op of OPS_WITH_PATHS) {
    const values = ops[op]
    if (typeof values !== 'object' || values === null) continue
    for (const [path, value] of Object.entries(values)) {
      const text = op === 'diffMatchPatch' && typeof value === 'string' ? value : null
      const many = matchesMany(path)
      if (many) spend(manyWork(path, many, shapeOf()))
      if (text === null) continue
      const count = hunks(text)
      // Each of the strings it matches: one at most unless it matches many.
      const length = many ? shapeOf().stringLength : stringsAt(path, doc, shapeOf)
      // The patch's own count, its document once, covers one pass over the string.
      spend({
        bytes: (count - 1) * length + text.length,
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
  if (Array.isArray(ops.unset)) {
    for (const path of ops.unset) {
      const many = typeof path === 'string' ? matchesMany(path) : null
      if (many) spend(manyWork(path as string, many, shapeOf()))
    }
  }
  const insert = ops.insert as Json | undefined
  for (const position of ['before', 'after', 'replace']) {
    const path = insert?.[position]
    const many = typeof path === 'string' ? matchesMany(path) : null
    if (many) spend(manyWork(path as string, many, shapeOf()))
  }
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
      `the path "${path}" has ${said.join(' and ')}, and @sanity/mutator copies an array of up ` +
      `to ${longest} items for each place it matches: name the items to change instead ` +
      `(items[_key=="k"].t or items[3].t), or split the change into several transactions`,
  }
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
