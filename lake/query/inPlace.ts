/**
 * Which queries may skip the worker pool, and the budget they run within. Handing a query to a
 * thread costs a context switch, several milliseconds on a loaded machine, which is most of the
 * time of a front-page query answered from an index. So a query runs on the HTTP event loop when
 * its cost is provably bounded: every step is linear in the documents it reads (no
 * string::split, no iterating a parameter, one `*`, no full-text candidates), SQLite reads its rows by seeking an index
 * (never a table scan or a sort first: Store.seeks), and it reads at most IN_PLACE_BUDGET rows
 * and bodies. A query that would pass the budget stops with OverBudget at the first read past it,
 * and the caller hands it to a worker: what was spent in place is bounded by the budget.
 */
import type {ExprNode} from 'groq-js'
import type {DocumentPath} from '../core/documentPaths.ts'
import {SAME_SCOPE, type Node} from '../core/groqTree.ts'
import {planQuery} from '../core/plan.ts'
import {onlyReferences} from '../core/view.ts'
import type {ScanHint, Selection, Store} from '../core/store.ts'
import {watched} from './watched.ts'

/**
 * Side-table rows (no body parsed) and document bodies one query may read in place: about a
 * millisecond or two of the event loop for the rows, a few for the bodies.
 */
export const IN_PLACE_BUDGET = {rows: 5000, bodies: 500}

/** Thrown by a budgeted store at the first read the budget does not cover. */
export class OverBudget extends Error {
  constructor(what: string) {
    super(`lake: in-place query over budget (${what})`)
    this.name = 'OverBudget'
  }
}

/** Every node that keeps its scope, the leaves, and the iterations that ITERATING restricts. */
const NODE_TYPES = new Set([
  ...SAME_SCOPE,
  ...['Everything', 'This', 'Parent', 'Parameter', 'Value'],
  ...['Filter', 'Map', 'FlatMap', 'Projection', 'PipeFuncCall', 'Asc', 'Desc'],
])

/** Functions linear in their arguments (no string::split, array::*, math::*, …). */
const FUNCTIONS = new Set([
  'coalesce',
  'count',
  'dateTime',
  'defined',
  'identity',
  'length',
  'lower',
  'now',
  'path',
  'references',
  'round',
  'string',
  'upper',
])

const ITERATING = new Set(['Filter', 'Map', 'FlatMap', 'Projection', 'ArrayCoerce', 'PipeFuncCall'])

/** Whether a chain of accesses and iterations starts at `*`, `@`, `^` or a dereference. */
function iteratesDocuments(node: Node | undefined): boolean {
  while (node && node.base && node.type !== 'Deref') node = node.base as Node
  return (
    node !== undefined &&
    (node.type === 'Everything' ||
      node.type === 'This' ||
      node.type === 'Parent' ||
      node.type === 'Deref' ||
      node.type === 'AccessAttribute')
  )
}

/**
 * True for a query worth trying in place: one `*`, no full-text search (its candidates are not
 * bounded), and every operation linear in the documents' and parameters' sizes. Parameters may only
 * be operands, never iterated, so no parameter can make the work quadratic.
 */
export function triesInPlace(tree: ExprNode): boolean {
  // Once per tree: parsed trees are reused for repeated queries (parseQuery).
  let tries = tried.get(tree)
  if (tries === undefined) {
    const plan = planQuery(tree)
    const search = plan.hint?.search
    tries =
      plan.starCount === 1 &&
      !(search && !onlyReferences(search)) &&
      linear(tree as unknown as Node, null)
    tried.set(tree, tries)
  }
  return tries
}

const tried = new WeakMap<ExprNode, boolean>()

/**
 * The store, reading within `budget` (OverBudget past it, or before a read SQLite cannot answer
 * by seeking an index), and noting the attribute paths scans filter on (candidates for an index).
 */
export function budgeted(
  store: Store,
  attributes: string[][],
  budget: {rows: number; bodies: number} = IN_PLACE_BUDGET,
): Store {
  let rows = 0
  let bodies = 0
  const spend = (kind: 'rows' | 'bodies', n: number) => {
    if (kind === 'rows' ? (rows += n) > budget.rows : (bodies += n) > budget.bodies) {
      throw new OverBudget(`more than ${budget[kind]} ${kind}`)
    }
  }
  const seeking = (read: {selection: Selection} | {hint: ScanHint} | {count: Selection}) => {
    if (!store.seeks(read)) throw new OverBudget('SQLite would scan or sort')
  }
  const watching = watched(store, attributes)
  return Object.assign(Object.create(watching) as Store, {
    getDocuments(ids: readonly string[]) {
      spend('bodies', ids.length)
      return store.getDocuments(ids)
    },
    extract(ids: readonly string[], paths: readonly DocumentPath[]) {
      spend('rows', ids.length)
      return store.extract(ids, paths)
    },
    *scan(hint: ScanHint = {}, paths?: readonly DocumentPath[]) {
      if (hint.ids && !hint.order) spend('bodies', hint.ids.length)
      else seeking({hint})
      // A stand-in (paths) counts as a body: the budget stays an upper bound.
      for (const doc of watching.scan(hint, paths)) {
        if (!hint.ids || hint.order) spend('bodies', 1)
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
    countSelected(selection: Selection) {
      seeking({count: selection})
      return store.countSelected(selection)
    },
    count(): number {
      throw new OverBudget('a count of every document')
    },
  } satisfies Partial<Store>)
}

function linear(node: Node, parent: Node | null): boolean {
  if (!NODE_TYPES.has(node.type)) return false
  if (node.type === 'Parameter' && parent?.type !== 'OpCall' && parent?.type !== 'FuncCall') {
    return false
  }
  if (
    node.type === 'FuncCall' &&
    (node.namespace !== 'global' || !FUNCTIONS.has(node.name as string))
  ) {
    return false
  }
  if (node.type === 'PipeFuncCall' && node.name !== 'order') return false
  // Iterating a literal or a parameter (parse inlines parameters as values) could be quadratic in
  // the query's or parameters' size; iterate only the dataset and documents' own arrays.
  if (ITERATING.has(node.type) && !iteratesDocuments(node.base as Node)) return false
  for (const [key, child] of Object.entries(node)) {
    if (node.type === 'Value' && key === 'value') continue
    for (const item of Array.isArray(child) ? child : [child]) {
      if (item && typeof item === 'object' && typeof (item as Node).type === 'string') {
        if (!linear(item as Node, node)) return false
      }
    }
  }
  return true
}
