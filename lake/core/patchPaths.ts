/**
 * What @sanity/mutator's path parser lets through without reading it all. It parses the longest
 * path at the start and ignores the rest (`title extra` is `title`, `a,b` is `a`, `a]` is `a`), and
 * takes a `[` it finds nothing in as a union of no items (`body[]`, `body[`, `a[<]`): so a set of
 * `title extra` overwrote `title`, and a set of `body[]` answered 200 and changed nothing. Inside
 * brackets it already refuses what it does not read ("Expected ]"). Pure: no I/O.
 */

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
