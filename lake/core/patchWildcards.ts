/**
 * JSONMatch's `[*]` (every item of an array: `body[*].marks`, `tags[*]`), which Sanity's patches
 * take and @sanity/mutator's parser refuses ("Invalid tokens in jsonpath"): written out as the
 * paths of the items it reaches, before the patch is checked, weighed, applied and logged (so
 * listeners and history see paths every client reads). Each operation is written out on the
 * document as the patch's operations before it leave it, in the mutator's order (setIfMissing,
 * set, unset, diffMatchPatch, inc, dec; insert last, unexpanded): `set: {tags: [...]}` then
 * `unset: ['tags[*]']` unsets the new items, not the stored ones. A `[*]` on what is no array,
 * or an empty one, reaches nothing: its operation does nothing there. Pure: no I/O.
 */
import {extractWithPath} from '@sanity/mutator'
import {itemError, MutationError} from './errors.ts'
import {applyOperations} from './patchApply.ts'
import {patchWork, type Work} from './patchWork.ts'
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
 * operations of one kind written out to the same path: one object key would apply them once.
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
  if (!singles.some((single) => hasWildcard(single.path))) return ops
  const id = isObject(doc) && typeof doc._id === 'string' ? doc._id : 'document'
  let state: unknown =
    isObject(doc) && typeof doc._id === 'string' ? doc : {...(doc as Json), _id: id}
  // Written out, not yet applied to `state`: applied only when a later `[*]` needs what they do.
  let pending: Single[] = []
  let applicable = true
  const done: Single[] = []
  const seen = new Map<Op, Set<string>>()
  const add = (single: Single) => {
    if (single.op !== 'unset') {
      const paths = seen.get(single.op) ?? seen.set(single.op, new Set()).get(single.op)!
      if (paths.has(single.path as string)) refuse(single.op, single.path as string, options.index)
      paths.add(single.path as string)
    }
    done.push(single)
    pending.push(single)
  }
  for (const single of singles) {
    if (!hasWildcard(single.path)) {
      add(single)
      continue
    }
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
      pending = []
    }
    const {op, path, value} = single
    for (const concrete of itemPaths(state, path, op === 'unset')) add({op, path: concrete, value})
  }
  return merged(done, ops)
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

function refuse(op: Op, path: string, index = -1): never {
  const description = `Invalid patch: \`${op}\` reaches "${path}" twice (a [*] written out meets another of its paths), and one patch applies it once; send them as two patches`
  throw new MutationError(`The mutation(s) failed: ${description}`, [
    itemError('validationError', description, index >= 0 ? {index} : {}),
  ])
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
