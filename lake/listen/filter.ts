/**
 * Listener filters: `*[a][b]{…}|order(…)` listens to `*[a][b]`; projections, ordering and slices
 * are ignored, as on Sanity.
 */
import {evaluateSync, type ExprNode} from 'groq-js'
import {QueryError} from '../core/errors.ts'
import {parseQuery} from '../core/query.ts'
import type {SanityDocument} from '../core/types.ts'

/** A compiled listener filter: does a document (raw, with `_rev`) match? */
export type DocumentFilter = (doc: SanityDocument) => boolean

/**
 * Compiles the filter part of a listener query. Throws a LakeError for a query that does not
 * parse, is not a filter on `*`, or cannot be evaluated.
 */
export function compileFilter(
  query: string,
  params: Record<string, unknown>,
  identity: string,
): DocumentFilter {
  // Also refuses a parameter the query uses but was not given.
  const tree = parseQuery(query, params)
  let node: ExprNode = tree
  while (
    node.type === 'Map' ||
    node.type === 'Projection' ||
    node.type === 'Slice' ||
    node.type === 'Group' ||
    (node.type === 'PipeFuncCall' && node.name === 'order')
  ) {
    node = node.base
  }
  const filterNode = node
  while (node.type === 'Filter') node = node.base
  if (node.type !== 'Everything') {
    throw new QueryError(
      'A listener query must be a filter on all documents, like *[_type == "article"]',
    )
  }
  if (filterNode.type !== 'Filter') return () => true
  const evaluate = (doc: SanityDocument): boolean => {
    const result = evaluateSync(filterNode, {dataset: [doc], params, identity}).data
    return Array.isArray(result) && result.length > 0
  }
  try {
    // Unknown functions and missing parameters fail here rather than silently at every commit.
    evaluate({_id: 'listener-probe', _type: 'listener-probe'})
  } catch (err) {
    throw new QueryError(err instanceof Error ? err.message : String(err), {cause: err})
  }
  return (doc) => {
    try {
      return evaluate(doc)
    } catch {
      // GROQ evaluation errors on one document's data (say, a type error) mean "no match".
      return false
    }
  }
}
