/**
 * A subquery per outer document: `*[_type == "source"]{"articles": *[_type == "article" &&
 * references(^._id)] | order(publishedAt desc) [0...5]}`. groq-js evaluates the inner `*` once
 * per outer document over the whole view, so 20,000 articles asking for their referrers compared
 * 400 million pairs (issue 9: never answered). The inner filter keeps only documents that
 * reference `^._id`, so its `*` is replaced by an expression that yields exactly the view's
 * documents that reference that id, in view order, read through the references table (view.ts);
 * the references() conjunct is then true of every one of them and becomes `true`, so they may be
 * stand-ins holding only the paths the rest of the subquery reads. groq-js still evaluates every
 * other filter, order and slice on them.
 *
 * The replacement is `coalesce({"_ref": MARKER + @._id}->, [])`: the view's dereference answers a
 * MARKER reference with the referrers (the only hook groq-js 2 calls per evaluation), and
 * `coalesce` turns the null of a non-string id into the `[]` the filter would give (references()
 * of anything else matches nothing). `@` where the `*` is evaluated is what `^` is in its filter,
 * unless that scope is a Map's or FlatMap's, which groq-js hides from `^`, or one not known here:
 * there the filter's own `^._id` is read from inside a projection, which opens the same kind of
 * scope as the filter does for each document: `coalesce(({}{"_ref": MARKER + ^._id})->, [])`.
 */
import type {ExprNode} from 'groq-js'
import {documentPaths, type DocumentPath} from './documentPaths.ts'
import {linearGlob, overDocuments, SAME_SCOPE, visitTree, type Node} from './groqTree.ts'

/**
 * What a replaced `*` dereferences: unguessable, so no stored `_ref` (which `->` also passes to the
 * view's dereference) can be taken for it. Random per process: rewritten trees are kept per tree.
 */
export const REFERRERS_MARKER = `\u0000referrers:${[...crypto.getRandomValues(new Uint8Array(12))]
  .map((byte) => byte.toString(16).padStart(2, '0'))
  .join('')}\u0000`

/**
 * Nodes of an inner filter: groq-js evaluates them on every document of the view, ours only on
 * the referrers, so none may fail or differ on the documents the references() conjunct rejects
 * (no `match`, whose tokenizer overflows on a huge word; no function that throws "not
 * implemented"; no `*`, which would read the view again).
 */
const SAFE_NODES: ReadonlySet<string> = new Set([
  ...[...SAME_SCOPE].filter((type) => type !== 'Tuple'),
  ...['This', 'Parent', 'Value', 'Parameter', 'Filter', 'Map', 'FlatMap', 'Projection', 'Deref'],
])

/** Functions that give a value (or null) for any argument, never an error. */
const SAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  'coalesce',
  'count',
  'dateTime',
  'defined',
  'length',
  'lower',
  'now',
  'references',
  'round',
  'string',
  'upper',
])

export interface Correlated {
  /** The query with each correlated inner `*` replaced. */
  tree: ExprNode
  /**
   * Per replaced `*` (its number in the marker): the paths its documents are read at (stand-ins,
   * documentPaths.ts), or null when the subquery reads them whole.
   */
  paths: (DocumentPath[] | null)[]
}

/** The `_ref` prefix of the replaced `*` number `index`; the id follows it. */
export function referrersMarker(index: number): string {
  return `${REFERRERS_MARKER}${index}:`
}

/**
 * `tree` with each correlated inner `*` replaced (see above), or null when it has none. Rewritten
 * once per tree: parsed trees are reused (parseQuery) and never changed.
 */
export function correlate(tree: ExprNode): Correlated | null {
  let rewritten = rewrites.get(tree)
  if (rewritten === undefined) rewrites.set(tree, (rewritten = rewrite(tree)))
  return rewritten
}

const rewrites = new WeakMap<ExprNode, Correlated | null>()

function rewrite(tree: ExprNode): Correlated | null {
  const parents = new Map<Node, Node>()
  const tops: Node[] = []
  visitTree(tree as unknown as Node, null, (node, parent) => {
    if (parent) parents.set(node, parent)
    if (overDocuments(node) && !(parent?.type === 'Filter' && parent.base === node)) tops.push(node)
  })
  const replaced = new Map<Node, Node>()
  const chains: {filters: Node[]; readers: Node[] | null}[] = []
  for (const top of tops) {
    // The top of a chain `*[a][b]…`: every filter evaluated only on referrers must be safe, and
    // one must keep only referrers of the scope's `^._id`.
    const filters: Node[] = []
    let everything = top
    while (everything.type === 'Filter') {
      filters.unshift(everything.expr as Node)
      everything = everything.base as Node
    }
    if (filters.length === 0 || !filters.every(safe)) continue
    const conjunct = filters.map(referencesParentId).find((found) => found !== null)
    if (!conjunct) continue
    const parentId = (conjunct.args as Node[])[0]
    const index = chains.length
    const marker: Node = {type: 'Value', value: referrersMarker(index)}
    replaced.set(
      everything,
      scopeOf(top, parents) === 'plain'
        ? referrersOf({
            type: 'OpCall',
            op: '+',
            left: marker,
            right: {type: 'AccessAttribute', base: {type: 'This'}, name: '_id'},
          })
        : referrersOf({
            type: 'Projection',
            base: {type: 'Object', attributes: []},
            expr: reference({type: 'OpCall', op: '+', left: marker, right: parentId}),
          }),
    )
    // Every document given is a referrer: the conjunct is true of each.
    replaced.set(conjunct, {type: 'Value', value: true})
    chains.push({filters, readers: readersOf(top, parents)})
  }
  if (chains.length === 0) return null
  const swap = (node: Node) => replace(node, replaced) as Node
  return {
    tree: replace(tree as unknown as Node, replaced) as ExprNode,
    paths: chains.map(({filters, readers}) =>
      readers === null
        ? null
        : documentPaths([...filters, ...readers].map(swap) as unknown as ExprNode[]),
    ),
  }
}

/** `{"_ref": value}` */
function reference(value: Node): Node {
  return {
    type: 'Object',
    attributes: [{type: 'ObjectAttributeValue', name: '_ref', value}],
  }
}

/** `coalesce(base->, [])`, base `{"_ref": …}` as an object or a projection giving one. */
function referrersOf(base: Node): Node {
  return {
    type: 'FuncCall',
    namespace: 'global',
    name: 'coalesce',
    args: [
      {type: 'Deref', base: base.type === 'OpCall' ? reference(base) : base},
      {type: 'Array', elements: []},
    ],
  }
}

/**
 * Whether the scope a node is evaluated in is a plain one (a filter's or projection's per
 * element, or the root), whose `@` the filters over it see as `^`; 'other' when it is hidden from
 * `^` (a Map's, a FlatMap's) or not known here.
 */
function scopeOf(node: Node, parents: ReadonlyMap<Node, Node>): 'plain' | 'other' {
  for (let child = node, up = parents.get(node); up; child = up, up = parents.get(up)) {
    if (up.type === 'FuncCall') {
      if (up.namespace !== 'global' || !SAFE_FUNCTIONS.has(up.name as string)) return 'other'
      continue
    }
    if (SAME_SCOPE.has(up.type)) continue
    if (up.base === child) continue
    if ((up.type === 'Filter' || up.type === 'Projection') && up.expr === child) return 'plain'
    return 'other'
  }
  return 'plain'
}

/**
 * What reads each document of the chain `top`: the keys of an order() and the expression of the
 * Map or projection over it (through slices and elements), nothing under count(); null when
 * anything else takes the documents (they are the subquery's value, say), which then need to be
 * whole.
 */
function readersOf(top: Node, parents: ReadonlyMap<Node, Node>): Node[] | null {
  const readers: Node[] = []
  for (let child = top, up = parents.get(top); up; child = up, up = parents.get(up)) {
    if (up.type === 'PipeFuncCall' && up.name === 'order' && up.base === child) {
      for (const arg of up.args as Node[]) {
        readers.push(arg.type === 'Asc' || arg.type === 'Desc' ? (arg.base as Node) : arg)
      }
    } else if ((up.type === 'Slice' || up.type === 'AccessElement') && up.base === child) {
      continue
    } else if ((up.type === 'Map' || up.type === 'Projection') && up.base === child) {
      return [...readers, up.expr as Node]
    } else if (
      up.type === 'FuncCall' &&
      up.namespace === 'global' &&
      up.name === 'count' &&
      (up.args as Node[])[0] === child
    ) {
      return readers
    } else return null
  }
  return null
}

/** The `references(^._id)` of the filter, alone or a conjunct of `&&` (in groups), else null. */
function referencesParentId(filter: Node): Node | null {
  if (filter.type === 'Group') return referencesParentId(filter.base as Node)
  if (filter.type === 'And') {
    return referencesParentId(filter.left as Node) ?? referencesParentId(filter.right as Node)
  }
  if (filter.type !== 'FuncCall' || filter.namespace !== 'global' || filter.name !== 'references')
    return null
  const args = filter.args as Node[]
  if (args.length !== 1) return null
  const arg = args[0]
  const parent = arg.base as Node | undefined
  return arg.type === 'AccessAttribute' &&
    arg.name === '_id' &&
    parent?.type === 'Parent' &&
    parent.n === 1
    ? filter
    : null
}

function safe(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(safe)
  if (!node || typeof node !== 'object') return true
  const n = node as Node
  if (typeof n.type !== 'string') {
    // Object attributes and array elements are plain holders of nodes.
    return Object.values(n).every(safe)
  }
  if (n.type === 'Value') return true
  if (n.type === 'FuncCall') {
    if (n.namespace !== 'global') return false
    if (n.name === 'path') return linearGlob(n)
    if (!SAFE_FUNCTIONS.has(n.name as string)) return false
  } else if (n.type === 'OpCall') {
    if (n.op === 'match') return false
  } else if (!SAFE_NODES.has(n.type)) return false
  for (const [key, child] of Object.entries(n)) {
    if (key === 'type' || !child || typeof child !== 'object') continue
    if (!safe(child)) return false
  }
  return true
}

/** `node` with the nodes of `replaced` (found by identity) replaced; the rest shared. */
function replace(node: unknown, replaced: ReadonlyMap<Node, Node>): unknown {
  if (!node || typeof node !== 'object') return node
  const replacement = replaced.get(node as Node)
  if (replacement) return replacement
  if (Array.isArray(node)) {
    const items = node.map((item) => replace(item, replaced))
    return items.some((item, i) => item !== node[i]) ? items : node
  }
  const n = node as Record<string, unknown>
  if (n.type === 'Value') return n
  let out: Record<string, unknown> | null = null
  for (const key in n) {
    const child = replace(n[key], replaced)
    if (child !== n[key]) (out ??= {...n})[key] = child
  }
  return out ?? n
}
