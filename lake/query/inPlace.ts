/**
 * Which queries may skip the worker pool, and the budget they run within. Handing a query to a
 * thread costs a context switch, several milliseconds on a loaded machine, which is most of the
 * time of a front-page query answered from an index. So a query runs on the HTTP event loop only
 * when its cost is provably linear in what the budget counts:
 * - SQLite reads its rows by seeking an index (never a table scan or a sort first: Store.seeks),
 *   at most IN_PLACE_BUDGET rows, bodies and bytes of bodies (a dereference reads its body again
 *   each time; bytes are counted before a body is parsed);
 * - the query is built only of the node kinds and functions listed below (an allow-list), each
 *   linear in its operands. Without `^`, every iteration runs over `*`, over the current value's
 *   own attributes (a part of it, disjoint from its siblings') or over a dereferenced document, so
 *   each node of the query meets each value read at most once: the work is at most the query's
 *   size times what was read. `^` lets an inner iteration walk its parent's array once per outer
 *   item (a 60-item array nested four deep ran 15 s), so a query using it goes to a worker, as
 *   do `match` and globs with more than one `**` (backtracking regular expressions), queries
 *   larger than MAX_NODES nodes or MAX_LITERAL of literals and parameters (each node may run over
 *   every literal once per value read) and full-text
 *   candidates (not bounded);
 * - what evaluation copies into new values (`+` of strings or arrays, lower(), upper(), splats) is
 *   at most MAX_COPIES times what was read (`copied`): a node meets each value once, but a chain of
 *   `+` copies its growing left side at each step, quadratic in the chain's length.
 * A query that would pass the budget stops with OverBudget at the first read past it, and the
 * caller hands it to a worker: what was spent in place is bounded by the budget. So does one whose
 * answer would be longer than the budget's `answer` (withinAnswerBudget), before it is made.
 */
import type {ExprNode} from 'groq-js'
import type {DocumentPath} from '../core/documentPaths.ts'
import {linearGlob, PLAIN_FUNCTIONS, SAME_SCOPE, type Node} from '../core/groqTree.ts'
import {planQuery, separateScans} from '../core/plan.ts'
import {releasesAsFilter} from '../core/query.ts'
import {onlyReferences} from '../core/view.ts'
import type {ScanHint, Selection, Store} from '../core/store.ts'
import {watched} from './watched.ts'

/**
 * Side-table rows (no body parsed), document bodies and their stored bytes one query may read in
 * place: about a millisecond or two of the event loop for the rows, a few for the bodies (500
 * articles are about 1 MB; one document may be 32 MB, so bodies alone bound nothing). And the
 * characters of JSON its answer may be (`answer`): a value read once may be answered many times
 * (`{"a": [@, @, …]}` shares one object, which JSON.stringify writes out each time), so what is
 * read bounds the evaluation but not the answer (1 MB read made 40 MB of JSON).
 */
export const IN_PLACE_BUDGET = {
  rows: 5000,
  bodies: 500,
  bytes: 4 * 1024 * 1024,
  answer: 4 * 1024 * 1024,
}

/** Thrown by a budgeted store at the first read the budget does not cover. */
export class OverBudget extends Error {
  constructor(what: string) {
    super(`lake: in-place query over budget (${what})`)
    this.name = 'OverBudget'
  }
}

/**
 * Every node that keeps its scope, the leaves but `^` (Parent), and the iterations that ITERATING
 * restricts.
 */
const NODE_TYPES = new Set([
  ...SAME_SCOPE,
  ...['Everything', 'This', 'Parameter', 'Value'],
  ...['Filter', 'Map', 'FlatMap', 'Projection', 'PipeFuncCall', 'Asc', 'Desc'],
])

/** `sanity::` functions of the document's `_id` and their argument: a split of the id. */
const ID_FUNCTIONS = new Set(['partOfRelease', 'versionOf'])

/**
 * The largest query run in place: syntax-tree nodes, and items plus characters of its literals and
 * parameters in all. Each node may be evaluated once per value read, over every literal it holds,
 * so these bound the work per value read (the front page's queries have 20-60 nodes).
 */
export const MAX_NODES = 256
export const MAX_LITERAL = 4096

/**
 * How many times what was read a query in place may copy into new values (`+` of strings or
 * arrays, lower(), upper(), `...` splats), as `copied` bounds it. Copying is what is not linear in
 * what was read: `nums + nums + …` copies its growing left side at each `+` (20 copies of a
 * 500,000-number array held the loop 6.5 s), `lower(body + body + …)` the same with text. Eight
 * times leaves room for `lower(title + " " + subtitle)` or three `...` splats.
 */
export const MAX_COPIES = 8

const ITERATING = new Set(['Filter', 'Map', 'FlatMap', 'Projection', 'ArrayCoerce', 'PipeFuncCall'])

/** Whether a chain of accesses and iterations starts at `*`, `@` or a dereference. */
function iteratesDocuments(node: Node | undefined): boolean {
  while (node && node.base && node.type !== 'Deref') node = node.base as Node
  return (
    node !== undefined &&
    (node.type === 'Everything' ||
      node.type === 'This' ||
      node.type === 'Deref' ||
      node.type === 'AccessAttribute')
  )
}

/**
 * True for a query worth trying in place: one `*` (or several, each a part planned alone), no
 * full-text search (its candidates are not bounded), and every operation linear in the documents'
 * and parameters' sizes. Parameters may only be operands, never iterated, so no parameter can make
 * the work quadratic.
 */
export function triesInPlace(parsed: ExprNode): boolean {
  return copiesOf(parsed) !== false
}

/**
 * The budget of a query tried in place: IN_PLACE_BUDGET, its bytes divided among the query's
 * copying nodes (COPYING) and one more. Each such node may run over all the bytes read, making a
 * copy of them: 30 `lower(body)` over a 3.6 MB field held the loop 650 ms within the bytes alone.
 */
export function inPlaceBudget(parsed: ExprNode): typeof IN_PLACE_BUDGET {
  const copies = copiesOf(parsed) || 0
  return {...IN_PLACE_BUDGET, bytes: Math.floor(IN_PLACE_BUDGET.bytes / (1 + copies))}
}

/** The query's copying nodes when it is tried in place, else false. */
function copiesOf(parsed: ExprNode): number | false {
  // As executeQuery plans it.
  const tree = releasesAsFilter(parsed)
  // Once per tree: parsed trees are reused for repeated queries (parseQuery).
  let tries = tried.get(tree)
  if (tries === undefined) {
    // Several `*` are tried when each is a part planned alone (separateScans), the branches of
    // select() and coalesce() included (decided first: decideBranches): each part is read within
    // the same budget, and the rest evaluated once over their values.
    const starCount = planQuery(tree).starCount
    const parts = starCount > 1 ? separateScans(tree, true) : [tree]
    const size: Size = {nodes: 0, literal: 0, copies: 0}
    tries =
      parts.length === starCount &&
      parts.every((part) => {
        const search = planQuery(part).hint?.search
        return !(search && !onlyReferences(search))
      }) &&
      linear(tree as unknown as Node, null, size) &&
      copied(tree as unknown as Node).work <= MAX_COPIES &&
      size.copies
    tried.set(tree, tries)
  }
  return tries
}

const tried = new WeakMap<ExprNode, number | false>()

/**
 * The store, reading within `budget` (OverBudget past it, or before a read SQLite cannot answer
 * by seeking an index), and noting the attribute paths scans filter on (candidates for an index).
 */
export function budgeted(
  store: Store,
  attributes: string[][],
  budget: {rows: number; bodies: number; bytes?: number} = IN_PLACE_BUDGET,
): Store {
  const limits = {bytes: IN_PLACE_BUDGET.bytes, ...budget}
  const spent = {rows: 0, bodies: 0, bytes: 0}
  const spend = (kind: 'rows' | 'bodies' | 'bytes', n: number) => {
    if ((spent[kind] += n) > limits[kind]) {
      throw new OverBudget(
        `more than ${limits[kind]} ${kind === 'bytes' ? 'bytes of bodies' : kind}`,
      )
    }
  }
  const seeking = (read: {selection: Selection} | {hint: ScanHint} | {count: Selection}) => {
    if (!store.seeks(read)) throw new OverBudget('SQLite would scan or sort')
  }
  const watching = watched(store, attributes)
  return Object.assign(Object.create(watching) as Store, {
    getDocuments(ids: readonly string[]) {
      spend('bodies', ids.length)
      // Before parsing: a body may be up to 32 MB.
      spend('bytes', store.bodyBytes(ids))
      return store.getDocuments(ids)
    },
    extract(ids: readonly string[], paths: readonly DocumentPath[]) {
      spend('rows', ids.length)
      // The values' bytes as a body's, before they are parsed: one field may be most of a 32 MB
      // document, and every node of the query may run over all of it.
      return store.extract(ids, paths, (bytes) => spend('bytes', bytes))
    },
    *scan(hint: ScanHint = {}, paths?: readonly DocumentPath[]) {
      if (hint.ids && !hint.order) {
        spend('bodies', hint.ids.length)
        spend('bytes', store.bodyBytes(hint.ids))
      } else seeking({hint})
      // A stand-in (paths) counts as a body: the budget stays an upper bound. Read in order, a
      // body's bytes are counted once it is read: the overshoot is at most one body.
      for (const doc of watching.scan(hint, paths)) {
        if (!hint.ids || hint.order) {
          spend('bodies', 1)
          if (!paths) spend('bytes', store.bodyBytes([doc._id]))
        }
        yield doc
      }
    },
    *select(selection: Selection) {
      seeking({selection})
      for (const row of store.select(selection)) {
        spend('rows', 1)
        yield row
      }
    },
    countSelected(selection: Selection, atMost?: number) {
      seeking({count: selection})
      return store.countSelected(selection, atMost)
    },
    count(): number {
      throw new OverBudget('a count of every document')
    },
  } satisfies Partial<Store>)
}

/** What the walk has met so far: nodes, items and characters of literals, copying nodes. */
interface Size {
  nodes: number
  literal: number
  copies: number
}

/**
 * Nodes that make a new value the size of their operand (a string's case, `+` of strings, arrays
 * or objects) or walk all of it (`references()` walks the whole document): several times a
 * comparison's work a byte.
 */
const COPYING_FUNCTIONS = new Set(['lower', 'upper', 'references'])

/**
 * Whether a literal (or an inlined parameter) is small: with `count` at most MAX_LITERAL items and
 * characters in all. Every evaluation of the node holding it may read all of it.
 */
function smallLiteral(value: unknown, size: Size): boolean {
  if (typeof value === 'string') size.literal += value.length
  else if (Array.isArray(value)) {
    size.literal += value.length
    for (const item of value) if (!smallLiteral(item, size)) return false
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      size.literal += key.length + 1
      if (!smallLiteral(item, size)) return false
    }
  } else size.literal += 1
  return size.literal <= MAX_LITERAL
}

function linear(node: Node, parent: Node | null, size: Size): boolean {
  if (!NODE_TYPES.has(node.type) || ++size.nodes > MAX_NODES) return false
  if (
    (node.type === 'FuncCall' && COPYING_FUNCTIONS.has(node.name as string)) ||
    (node.type === 'OpCall' && node.op === '+')
  ) {
    size.copies++
  }
  if (node.type === 'Parameter' && parent?.type !== 'OpCall' && parent?.type !== 'FuncCall') {
    return false
  }
  if (
    node.type === 'FuncCall' &&
    !linearGlob(node) &&
    !(node.namespace === 'global' && PLAIN_FUNCTIONS.has(node.name as string)) &&
    !(node.namespace === 'sanity' && ID_FUNCTIONS.has(node.name as string))
  ) {
    return false
  }
  // `match` turns each `*` of a term into a backtracking `.*`.
  if (node.type === 'OpCall' && node.op === 'match') return false
  if (node.type === 'Value' && !smallLiteral(node.value, size)) return false
  if (node.type === 'PipeFuncCall' && node.name !== 'order') return false
  // Iterating a literal or a parameter (parse inlines parameters as values) could be quadratic in
  // the query's or parameters' size; iterate only the dataset and documents' own arrays.
  if (ITERATING.has(node.type) && !iteratesDocuments(node.base as Node)) return false
  for (const [key, child] of Object.entries(node)) {
    if (node.type === 'Value' && key === 'value') continue
    for (const item of Array.isArray(child) ? child : [child]) {
      if (item && typeof item === 'object' && typeof (item as Node).type === 'string') {
        if (!linear(item as Node, node, size)) return false
      }
    }
  }
  return true
}

/**
 * Throws OverBudget when `result`'s JSON would be longer than `most` characters, before any of it
 * is made. Counted by walking the value, a shared one as often as JSON.stringify writes it, and
 * stopped at the first character past `most`: the walk costs at most what making `most`
 * characters would (a string counts its length, not its characters). Escapes are not counted
 * (a character is one, as most are): an estimate of the text JSON.stringify makes, exact without
 * them.
 */
export function withinAnswerBudget(result: unknown, most: number = IN_PLACE_BUDGET.answer): void {
  let left = most
  const spend = (chars: number) => {
    if ((left -= chars) < 0) throw new OverBudget(`an answer of more than ${most} characters`)
  }
  const walk = (value: unknown, inArray: boolean): void => {
    switch (typeof value) {
      case 'string':
        return spend(value.length + 2)
      case 'number':
        return spend(Number.isFinite(value) ? String(value).length : 4)
      case 'boolean':
        return spend(value ? 4 : 5)
      case 'object': {
        if (value === null) return spend(4)
        // A DateTime's text, as JSON.stringify asks it.
        const json = (value as {toJSON?: unknown}).toJSON
        if (typeof json === 'function') return walk((json as () => unknown).call(value), inArray)
        if (Array.isArray(value)) {
          // Brackets and commas.
          spend(Math.max(2, value.length + 1))
          for (const item of value as unknown[]) walk(item, true)
          return
        }
        // Braces, then each member's quotes and colon, and a comma before all but the first.
        spend(1)
        let comma = 0
        for (const key of Object.keys(value)) {
          const item = (value as Record<string, unknown>)[key]
          // Left out of an object, as JSON.stringify leaves it.
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
          spend(key.length + 3 + comma)
          comma = 1
          walk(item, false)
        }
        return spend(1)
      }
      default:
        // undefined, a function or a symbol: `null` in an array.
        if (inArray) spend(4)
    }
  }
  walk(result, false)
}

/** A literal that no `+` or function copies: a number, a boolean or null. */
const isScalar = (value: unknown) =>
  value === null || typeof value === 'number' || typeof value === 'boolean'

/** Nodes whose value is a boolean or a number, whatever their operands are. */
const SCALAR = new Set(['And', 'Or', 'Not', 'Neg', 'Pos', 'InRange', 'Asc', 'Desc'])
const SCALAR_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', 'in', '-', '*', '/', '%', '**'])
const SCALAR_FUNCTIONS = new Set([
  'count',
  'dateTime',
  'defined',
  'length',
  'now',
  'references',
  'round',
  'partOfRelease',
])
/** Functions and nodes that make a new value as large as their operands (a copy of them). */
const CASE_FUNCTIONS = new Set(['lower', 'upper'])

/**
 * Upper bounds, in multiples of what was read, of the size of `node`'s value (`size`) and of what
 * evaluating it copies into new values (`work`). A value read is at most what was read (1); a
 * string, array or object literal or inlined parameter counts as one too (it is at most
 * MAX_LITERAL, copied once per row); `a + b` is as large as both and
 * copies both, so a chain of k `+` over one attribute copies about k²/2 times what was read; a
 * boolean or a number is 0. Other nodes are as large as their operands together, without copying
 * (an array or an object refers to its members' values). Over-estimates only send a query to a
 * query thread.
 */
export function copied(node: Node): {size: number; work: number} {
  let work = 0
  const children = (of: Node): Node[] => {
    const found: Node[] = []
    for (const [key, child] of Object.entries(of)) {
      if (of.type === 'Value' && key === 'value') continue
      for (const item of Array.isArray(child) ? child : [child]) {
        if (item && typeof item === 'object' && typeof (item as Node).type === 'string') {
          found.push(item as Node)
        }
      }
    }
    return found
  }
  const sizeOf = (of: Node): number => {
    const sizes = children(of).map(sizeOf)
    const all = sizes.reduce((a, b) => a + b, 0)
    switch (of.type) {
      case 'Value':
        // A string, array or object counts as a value read: up to MAX_LITERAL of it is copied per
        // row, so `[x] + $big + $one + …` (100 `+` over 4 kB of parameters) is a chain like any.
        return isScalar(of.value) ? 0 : 1
      case 'Parameter':
        return 1
      case 'Everything':
      case 'This':
      case 'Parent':
        return 1
      case 'OpCall':
        if (SCALAR_OPS.has(of.op as string)) return 0
        if (of.op === '+') work += all
        return all
      case 'FuncCall':
        if (SCALAR_FUNCTIONS.has(of.name as string)) return 0
        if (CASE_FUNCTIONS.has(of.name as string)) work += all
        return all
      case 'ArrayElement':
        if (of.isSplat) work += all
        return all
      case 'ObjectSplat':
      case 'ObjectConditionalSplat':
        work += all
        return all
      default:
        if (SCALAR.has(of.type)) return 0
        // An access or an iteration: a part of what was read (its base), or of the value its
        // base made, each member's value at most as large as the base's.
        return Math.max(of.type === 'AccessAttribute' || of.type === 'Deref' ? 1 : 0, all)
    }
  }
  const size = sizeOf(node)
  return {size, work}
}
