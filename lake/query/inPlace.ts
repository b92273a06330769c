/**
 * Which queries may skip the worker pool: those whose cost is bounded by a handful of documents.
 * Handing a query to a thread costs a context switch, several milliseconds on a loaded machine,
 * which is most of the time of a lookup by id; a lookup cannot run away, so it runs in place.
 */
import type {ExprNode} from 'groq-js'
import {planQuery} from '../core/plan.ts'

/** Lookups by more ids than this go to a worker like any other query. */
const MAX_IDS = 64

const NODE_TYPES = new Set([
  'AccessAttribute',
  'AccessElement',
  'And',
  'Array',
  'ArrayCoerce',
  'ArrayElement',
  'Asc',
  'Deref',
  'Desc',
  'Everything',
  'Filter',
  'FlatMap',
  'FuncCall',
  'Group',
  'InRange',
  'Map',
  'Neg',
  'Not',
  'Object',
  'ObjectAttributeValue',
  'ObjectConditionalSplat',
  'ObjectSplat',
  'OpCall',
  'Or',
  'Parameter',
  'Parent',
  'PipeFuncCall',
  'Pos',
  'Projection',
  'Select',
  'SelectAlternative',
  'Slice',
  'This',
  'Tuple',
  'Value',
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

type Node = {type: string; [key: string]: unknown}

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
 * True for a query over at most MAX_IDS documents by `_id` (the one `*[…]` narrowed to ids) whose
 * every operation is linear in the documents' and parameters' sizes. Parameters may only be
 * operands, never iterated, so no parameter can make the work quadratic.
 */
export function runsInPlace(tree: ExprNode): boolean {
  const plan = planQuery(tree)
  const ids = plan.hint?.ids
  if (plan.starCount !== 1 || !ids || ids.length > MAX_IDS) return false
  return linear(tree as unknown as Node, null)
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
