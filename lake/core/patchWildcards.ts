/**
 * JSONMatch's `[*]` (every item of an array: `body[*].marks`, `tags[*]`), which Sanity's patches
 * take and @sanity/mutator's parser refuses ("Invalid tokens in jsonpath"): written out against
 * the document in hand as the paths of the items it reaches, before the patch is checked,
 * weighed, applied and logged (so listeners and history see paths every client reads). A `[*]`
 * on what is no array, or an empty one, reaches nothing: its operation does nothing there.
 * Pure: no I/O.
 */
import {extractWithPath} from '@sanity/mutator'

type Json = Record<string, unknown>

/** Operations whose keys are paths; `unset` is a list of paths. */
const KEYED_OPS = ['set', 'setIfMissing', 'inc', 'dec', 'diffMatchPatch'] as const

/** `ops` with every path holding `[*]` written out on `doc`; `ops` itself when none has one. */
export function expandWildcards(doc: unknown, ops: Json): Json {
  let out: Json | null = null
  for (const op of KEYED_OPS) {
    const values = ops[op]
    if (!isObject(values) || !Object.keys(values).some(hasWildcard)) continue
    const expanded: Json = {}
    for (const [path, value] of Object.entries(values)) {
      for (const concrete of hasWildcard(path) ? itemPaths(doc, path) : [path]) {
        expanded[concrete] = value
      }
    }
    ;(out ??= {...ops})[op] = expanded
  }
  if (Array.isArray(ops.unset) && ops.unset.some((path) => hasWildcard(path))) {
    ;(out ??= {...ops}).unset = ops.unset.flatMap((path) =>
      hasWildcard(path) ? itemPaths(doc, path as string, true) : [path],
    )
  }
  return out ?? ops
}

function hasWildcard(path: unknown): path is string {
  return typeof path === 'string' && wildcardAt(path) >= 0
}

/**
 * The concrete paths `path` reaches on `doc`. With `together`, a trailing `[*]` stays one path of
 * all the array's indexes (`tags[0,1,2]`): unset one index at a time, each would shift the next.
 */
function itemPaths(doc: unknown, path: string, together = false): string[] {
  const at = wildcardAt(path)
  if (at < 0) return [path]
  const rest = path.slice(at + 3)
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
    if (!Array.isArray(match.value) || match.value.length === 0) continue
    const prefix = format(match.path)
    const indexes = match.value.map((_, i) => i)
    if (together && rest === '') {
      paths.push(`${prefix}[${indexes.join(',')}]`)
      continue
    }
    for (const i of indexes) paths.push(...itemPaths(doc, `${prefix}[${i}]${rest}`, together))
  }
  return paths
}

/** Where the first `[*]` outside quotes starts, or -1. */
function wildcardAt(path: string): number {
  for (let i = 0; i < path.length; i++) {
    const char = path[i]
    if (char === '"' || char === "'") {
      let end = i + 1
      while (end < path.length && path[end] !== char) end += path[end] === '\\' ? 2 : 1
      i = end
    } else if (char === '[' && path.startsWith('[*]', i)) return i
  }
  return -1
}

/** A matched location as a path the mutator reads: names, `['quoted name']`, `[index]`. */
function format(segments: readonly unknown[]): string {
  let out = ''
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
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
