/**
 * What @sanity/mutator's path parser lets through without reading it all. It parses the longest
 * path at the start and ignores the rest (`title extra` is `title`, `a,b` is `a`, `a]` is `a`), and
 * takes a `[` it finds nothing in as a union of no items (`body[]`, `body[`, `a[<]`): so a set of
 * `title extra` overwrote `title`, and a set of `body[]` answered 200 and changed nothing. Inside
 * brackets it already refuses what it does not read ("Expected ]"). Pure: no I/O.
 */
import {stringEnd} from './jsonDepth.ts'

/** Why the mutator would misread `path`, or null when it reads all of it. */
export function patchPathProblem(path: string): string | null {
  // The path with every bracketed part replaced by UNION and every quoted name by QUOTED.
  let shape = ''
  let depth = 0
  let content = ''
  for (let i = 0; i < path.length; i++) {
    const char = path[i]
    if (char === '"' || char === "'") {
      let end = i + 1
      while (end < path.length && path[end] !== char) end += path[end] === '\\' ? 2 : 1
      if (depth > 0) content += path.slice(i, end + 1)
      // At the top level the mutator takes only a single-quoted name.
      else shape += char === "'" ? QUOTED : '"'
      i = end
    } else if (char === '[') {
      if (depth++ > 0) content += char
      else content = ''
    } else if (char === ']') {
      if (depth === 0) return 'a "]" with no "[" before it'
      if (--depth > 0) content += char
      else if (!STARTS_ITEM.test(content)) return `"[${content}]", which selects nothing`
      else shape += UNION
    } else if (depth > 0) content += char
    else shape += char
  }
  if (depth > 0) return 'a "[" that is never closed'
  // Spaces around `.`, `..` and brackets are the tokenizer's; any other is a second path.
  const compact = shape.replace(AROUND_SYMBOLS, '$1').trim()
  if (PATH.test(compact)) return null
  // The mutator's names are ASCII only: `শিরোনাম` reads as nothing, `['শিরোনাম']` as the name.
  if (OTHER_LETTER.test(shape)) {
    const quoted = path.replace(UNQUOTED_NAME, (_match, _dot, name: string) => `['${name}']`)
    return (
      'a name of letters other than A-Z, a-z, 0-9 and _, which @sanity/mutator reads only ' +
      `quoted; write it quoted: ${JSON.stringify(quoted)}`
    )
  }
  return 'more than one path, or a path followed by something else'
}

/** A letter or mark a name of the mutator's never holds (only ASCII ones do). */
const OTHER_LETTER = /\P{ASCII}/u
/** A dotted name holding such a letter, not already in quotes or brackets (the name, its dot). */
const UNQUOTED_NAME =
  /(\.?)(?<![['"\p{L}\p{M}\p{N}_])([\p{L}\p{M}\p{N}_]*\P{ASCII}[\p{L}\p{M}\p{N}_]*)/gu

/** Stand-ins no path holds at its top level (the mutator's tokenizer refuses them there). */
const UNION = '\uE000'
const QUOTED = '\uE001'
const AROUND_SYMBOLS = new RegExp(`\\s*(\\.\\.|\\.|${UNION})\\s*`, 'g')
const IDENTIFIER = '(?!(?:true|false)(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*'
const NAME = `(?:${IDENTIFIER}|${QUOTED})`
/** A name or brackets, then `.name`, brackets or `..` and a path, in any number. */
const PATH = new RegExp(
  `^(?:\\.\\.)?(?:${NAME}|${UNION})(?:\\.${NAME}|${UNION}|\\.\\.(?:${NAME}|${UNION}))*$`,
)

/**
 * What the mutator reads as the first item of brackets: a name, a quoted name, a number, `@` or
 * `$`, `..`, or a range ending in a number (`[:2]`). Anything else (`[]`, `["a"]`, `[<]`, `[,a]`,
 * `[:]`) it takes as no items.
 */
const STARTS_ITEM = new RegExp(`^\\s*(?:${IDENTIFIER}|'|-?\\d|[@$]|\\.\\.|:\\s*-?\\d)`)

/**
 * How many segments `path` has at most: one, and one more per `.` or `[` outside quotes. Counted
 * before anything parses the path: @sanity/mutator's parser recurses per segment, so 10,000 of
 * them held the event loop for seconds before it ran out of stack.
 */
export function pathSegments(path: string): number {
  let segments = 1
  for (let i = 0; i < path.length; i++) {
    const char = path[i]
    if (char === '"' || char === "'") {
      while (++i < path.length && path[i] !== char) if (path[i] === '\\') i++
    } else if (char === '.' || char === '[') segments++
  }
  return segments
}

/**
 * Patch paths a write body carries (the members of `set`, `setIfMissing`, `inc`, `dec` and
 * `diffMatchPatch`, the items of `unset`, in any `patch`: a mutation's or an edit action's),
 * counted from its bytes before anything parses them, up to just past `max`. The event loop
 * spends some microseconds a path on each of its passes over a parsed patch (the parse, the
 * shapes, the paths' syntax, the work's weighing), so 40,000 short paths in a 430 kB body held it
 * 0.3 s at load 3 (1.7 s at load 26) before the patch budget refused them: a body past the bound
 * is read on a write thread instead (lake/http/writeRequest.ts). One pass outside strings; a key
 * holding an escape is decoded, so `"s\u0065t"` counts as `set`.
 */
export function bodyPatchPaths(bytes: Uint8Array, max: number): number {
  // Per open container, by depth: whether it is a patch, and whether its members or items are
  // patch paths.
  const patches: boolean[] = [false]
  const counting: boolean[] = [false]
  let depth = 0
  // Where the last member name read begins and ends (its quotes included), or -1.
  let nameStart = -1
  let nameEnd = -1
  let count = 0
  for (let i = 0; i < bytes.length && count <= max; i++) {
    const b = bytes[i]
    if (b === QUOTE_BYTE) {
      const end = stringEnd(bytes, i)
      if (end < 0) break
      let next = end
      while (next < bytes.length && isSpace(bytes[next])) next++
      if (bytes[next] === COLON_BYTE) {
        nameStart = i
        nameEnd = end
      }
      i = end - 1
    } else if (b === OPEN_OBJECT_BYTE || b === OPEN_ARRAY_BYTE) {
      // Only a container that is a member's value has a name; decoded only here, and only short.
      const name = nameStart >= 0 ? memberName(bytes, nameStart, nameEnd) : ''
      nameStart = -1
      const paths = patches[depth] && PATH_OPERATIONS.has(name)
      depth++
      patches[depth] = name === 'patch'
      counting[depth] = paths
      if (paths) {
        let next = i + 1
        while (next < bytes.length && isSpace(bytes[next])) next++
        if (bytes[next] !== CLOSE_OBJECT_BYTE && bytes[next] !== CLOSE_ARRAY_BYTE) count++
      }
    } else if (b === CLOSE_OBJECT_BYTE || b === CLOSE_ARRAY_BYTE) {
      if (depth > 0) depth--
      nameStart = -1
    } else if (b === COMMA_BYTE) {
      if (counting[depth]) count++
      nameStart = -1
    }
  }
  return count
}

/**
 * Patch paths a write body may carry and still be parsed and weighed on the event loop; a body of
 * more is read and built on a write thread (about 6 us a path on the loop: 1,000 are some ms).
 * The Studio's patches carry a few paths each.
 */
export const PATCH_PATHS_IN_PLACE = 1_000

/**
 * The bytes of the longest name looked for, every character written as a `\u` escape, with its
 * quotes: `diffMatchPatch` so written is 86 bytes, and JSON.parse reads it as the operation.
 */
const LONGEST_NAME_BYTES = 2 + 6 * 'diffMatchPatch'.length

/** The operations of a patch whose members (or, for `unset`, items) are paths. */
const PATH_OPERATIONS = new Set(['set', 'setIfMissing', 'inc', 'dec', 'diffMatchPatch', 'unset'])

/** A member's name from its quoted bytes; '' when longer than any name looked for. */
function memberName(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > LONGEST_NAME_BYTES) return ''
  let text = ''
  let escaped = false
  for (let i = start + 1; i < end - 1; i++) {
    if (bytes[i] === BACKSLASH_BYTE) escaped = true
    text += String.fromCharCode(bytes[i])
  }
  if (!escaped) return text
  try {
    const decoded: unknown = JSON.parse(`"${text}"`)
    return typeof decoded === 'string' ? decoded : ''
  } catch {
    return ''
  }
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09

const QUOTE_BYTE = 0x22
const BACKSLASH_BYTE = 0x5c
const COMMA_BYTE = 0x2c
const COLON_BYTE = 0x3a
const OPEN_OBJECT_BYTE = 0x7b
const CLOSE_OBJECT_BYTE = 0x7d
const OPEN_ARRAY_BYTE = 0x5b
const CLOSE_ARRAY_BYTE = 0x5d
