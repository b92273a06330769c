/**
 * Candidate narrowing: reads the GROQ AST for the one `*[…]` a query scans and turns the
 * conditions the store can index (`_type`, `_id`, `path()`) into a ScanHint. groq-js still
 * evaluates the whole query, so a hint only has to be a superset of the matches. Attribute
 * equalities (`slug.current == $slug`) are checked in SQL with json_extract.
 */
import type {ExprNode} from 'groq-js'
import {
  attributeChain,
  overDocuments,
  readsOuterScope,
  referencedIds,
  visitTree,
  type Node,
} from './groqTree.ts'
import {isScoredFilter, scoreHint, searchHintOf} from './searchHints.ts'
import {matchesAnything} from './textQuery.ts'
import {textQueryMatchOf} from './textQueryRewrite.ts'
import {DRAFTS_PREFIX, VERSIONS_PREFIX} from './ids.ts'
import type {Condition, ScanHint} from './store.ts'

export interface QueryPlan {
  /** How often `*` appears (releases::all() counts too): 0 means the query needs no documents. */
  starCount: number
  /** Set when the only `*` is filtered by indexable conditions. */
  hint: ScanHint | null
  /**
   * Set for `*[…] | order(a.b desc, …) [0...n]` (or `[i]`) when that is the only `*`: the query
   * only needs the first `limit` documents that `base` (the filtered `*`) yields in that order.
   */
  topK: TopK | null
  /**
   * The single `*` with the filters applied to it directly (`*[a][b]`): a Filter chain over
   * Everything, or Everything itself. Null when `*` appears other than once.
   */
  scan: ExprNode | null
  /** The filter expressions of `scan`, outermost last. */
  filters: ExprNode[]
  /** Set when the query contains `count(scan)`: the store may answer it without documents. */
  count: ExprNode | null
}

export interface TopK {
  keys: OrderKey[]
  limit: number
  /** The filter chain over `*`, to evaluate on batches of candidates. */
  base: ExprNode
}

export interface OrderKey {
  path: string[]
  desc: boolean
}

/**
 * The plan of a parsed tree. Plans are read, never changed, and a tree is planned more than once
 * per query (whether it may run in place, then its view): planned once per tree, and parsed trees
 * are reused (parseQuery).
 */
export function planQuery(tree: ExprNode): QueryPlan {
  let plan = plans.get(tree)
  if (!plan) plans.set(tree, (plan = planTree(tree)))
  return plan
}

const plans = new WeakMap<ExprNode, QueryPlan>()

function planTree(tree: ExprNode): QueryPlan {
  const filters: Node[] = []
  const topKs: TopK[] = []
  const scored: Node[][] = []
  let starCount = 0
  let count: Node | null = null
  const scans: Node[] = []
  visitTree(tree as unknown as Node, null, (node, parent) => {
    if (node.type === 'FuncCall' && node.name === 'count' && node.namespace === 'global') {
      const arg = (node.args as Node[])[0]
      if ((node.args as Node[]).length === 1 && overDocuments(arg)) count = node
    }
    if ((node.type === 'Filter' || node.type === 'Everything') && overDocuments(node)) {
      if (!(parent?.type === 'Filter' && parent.base === node)) scans.push(node)
    }
    // `*[…] | score(…) [_score > 0]`: full-text search (searchHints.ts).
    if (node.type === 'Filter' && isScoredFilter(node.expr as ExprNode)) {
      const score = node.base as Node
      if (score.type === 'PipeFuncCall' && score.name === 'score' && overDocuments(score.base)) {
        scored.push(score.args as Node[])
      }
    }
    if (node.type === 'Slice' || node.type === 'AccessElement') {
      const topK = topKOf(node)
      if (topK) topKs.push(topK)
    }
    // releases::all() reads the whole dataset without a `*` in the query.
    if (node.type === 'FuncCall' && node.namespace === 'releases') starCount++
    if (node.type !== 'Everything') return
    starCount++
    if (parent?.type === 'Filter' && parent.base === node) filters.push(parent)
  })
  if (starCount !== 1) {
    return {starCount, hint: null, topK: null, scan: null, filters: [], count: null}
  }
  let hint = filters.length === 1 ? bounded(hintOf(filters[0].expr as Node)) : null
  if (scored.length === 1) {
    // Either side's search alone is wider than the side: drop the rest rather than give up.
    const widen = (a: ScanHint, b: ScanHint) =>
      a.search && b.search ? {search: {any: [a.search, b.search]}} : union(a, b)
    const searched = scoreHint(scored[0] as unknown as ExprNode[], {
      hintOf,
      intersect,
      union: widen,
    })
    // score() starts from a stored numeric `_score` (groq-js, hosted Sanity): a document with one
    // passes `[_score > n]` holding none of the words, so it is a candidate of every such search.
    const kept = searched && widen(searched, {search: {storedScore: true}})
    if (kept) hint = hint ? intersect(hint, kept) : kept
  }
  const scan = scans.length === 1 ? scans[0] : null
  const chain: Node[] = []
  for (let node = scan; node?.type === 'Filter'; node = node.base as Node) chain.unshift(node)
  // A filter reading `^` of a scope outside the `*` (`[{"_id": "a"}]{"r": *[^._id in x]}`) cannot
  // be evaluated alone, as the scan, a count or an ordered slice are (`^` would be the root's):
  // groq-js evaluates the whole query over the hinted view.
  if (chain.some((filter) => readsOuterScope(filter.expr as Node, 0))) {
    return {starCount, hint, topK: null, scan: null, filters: [], count: null}
  }
  const countNode = count as Node | null
  return {
    starCount,
    hint,
    topK: topKs.length === 1 ? topKs[0] : null,
    scan: scan as ExprNode | null,
    filters: chain.map((filter) => filter.expr as ExprNode),
    count: countNode && (countNode.args as Node[])[0] === scan ? (countNode as ExprNode) : null,
  }
}

/**
 * Node types groq-js evaluates every child of, in the scope it was given: a `*` under them alone is
 * evaluated exactly once, in the query's root scope. groq-js's `&&` and `||` evaluate both sides
 * (no short cut). Select, coalesce() and conditional splats may skip children (decideBranches
 * decides them first); Filter, Projection, Map and pipes open scopes.
 */
const CONTAINERS: Record<string, readonly string[]> = {
  Object: ['attributes'],
  ObjectAttributeValue: ['value'],
  ObjectSplat: ['value'],
  Array: ['elements'],
  ArrayElement: ['value'],
  OpCall: ['left', 'right'],
  And: ['left', 'right'],
  Or: ['left', 'right'],
  Group: ['base'],
  Neg: ['base'],
  Pos: ['base'],
  Not: ['base'],
}

const WRAPPERS = new Set(['ObjectAttributeValue', 'ObjectSplat', 'ArrayElement'])

/** Where decideBranches looks for branches, by node type (coalesce() is a FuncCall's `args`). */
const BRANCHES: Record<string, readonly string[]> = {
  Select: ['alternatives', 'fallback'],
  SelectAlternative: ['condition', 'value'],
  ObjectConditionalSplat: ['condition', 'value'],
  FuncCall: ['args'],
}

/**
 * The parts of a query of several `*` that can be planned alone: each a subtree holding one `*`,
 * evaluated once in the root scope (`{"n": count(*[…]), "latest": *[…] | order(…) [0...5]}`,
 * `count(*[a]) - count(*[b])`). Evaluated on its own and put back as a Value node, each part
 * answers as in place: GROQ is pure, the root scope is the same, and groq-js's value keeps its
 * datetimes and paths (fromJS gives them their types again). Each is planned like a query of one
 * `*`. None when the query has at most one `*`; releases::all() reads the dataset without one, so
 * a part that calls it is left whole.
 */
export function separateScans(
  tree: ExprNode,
  /**
   * Also the parts of the branches decideBranches decides (select()'s conditions and values,
   * coalesce()'s arguments, conditional splats): the parts that may be evaluated at all.
   */
  branches = false,
): ExprNode[] {
  if (planQuery(tree).starCount < 2) return []
  const parts: ExprNode[] = []
  const walk = (node: Node): void => {
    // An attribute, a splat or an element is no expression: its value is.
    if (WRAPPERS.has(node.type)) return walk(node.value as Node)
    const {stars, opaque} = starsOf(node)
    if (stars === 0) return
    if (stars === 1) {
      if (!opaque) parts.push(node as unknown as ExprNode)
      return
    }
    const coalesce =
      node.type === 'FuncCall' && node.namespace === 'global' && node.name === 'coalesce'
    const children =
      branches && (node.type !== 'FuncCall' || coalesce) ? BRANCHES[node.type] : undefined
    for (const key of children ?? CONTAINERS[node.type] ?? []) {
      const child = node[key]
      for (const item of Array.isArray(child) ? child : [child]) {
        if (item && typeof item === 'object') walk(item as Node)
      }
    }
  }
  walk(tree as unknown as Node)
  return parts
}

/**
 * `tree` with the branches groq-js takes only on a condition decided, where they hold a `*`:
 * select()'s alternatives (the first whose condition is true, else the fallback), coalesce()'s
 * arguments (the first that is not null) and an object's conditional splats (kept when the
 * condition is true). Each condition or argument is evaluated once in the root scope, as groq-js
 * would, by `evaluate` (itself split into parts and planned), in groq-js's order, and stands in
 * as its value; a branch groq-js would not evaluate is dropped unread. Only subtrees that groq-js
 * evaluates exactly once in the root scope are decided (the CONTAINERS); a branch whose condition
 * holds a `*` in another's scope is decided all the same (its condition is evaluated over the
 * whole view, as before). So `select($preview => *[_id == $a][0], *[_id == $b][0])` reads one
 * document, not the view.
 */
export async function decideBranches(
  tree: ExprNode,
  evaluate: (node: ExprNode) => Promise<unknown>,
): Promise<ExprNode> {
  if (planQuery(tree).starCount < 2) return tree
  const known = async (node: Node): Promise<unknown> => evaluate((await decide(node)) as never)
  const decide = async (node: Node): Promise<Node> => {
    if (starsOf(node).stars === 0) return node
    if (node.type === 'Select') {
      for (const alternative of node.alternatives as Node[]) {
        if ((await known(alternative.condition as Node)) === true) {
          return decide(alternative.value as Node)
        }
      }
      return node.fallback ? decide(node.fallback as Node) : {type: 'Value', value: null}
    }
    if (node.type === 'FuncCall' && node.namespace === 'global' && node.name === 'coalesce') {
      for (const arg of node.args as Node[]) {
        const value = await known(arg)
        if (value !== null) return {type: 'Value', value}
      }
      return {type: 'Value', value: null}
    }
    if (node.type === 'Object') {
      const attributes: Node[] = []
      for (const attribute of node.attributes as Node[]) {
        if (attribute.type !== 'ObjectConditionalSplat' || starsOf(attribute).stars === 0) {
          attributes.push(await decide(attribute))
        } else if ((await known(attribute.condition as Node)) === true) {
          attributes.push({type: 'ObjectSplat', value: await decide(attribute.value as Node)})
        }
      }
      return {...node, attributes}
    }
    const fields = WRAPPERS.has(node.type) ? ['value'] : CONTAINERS[node.type]
    if (!fields) return node
    const out: Node = {...node}
    for (const key of fields) {
      const child = node[key]
      if (Array.isArray(child)) {
        const items: Node[] = []
        for (const item of child as Node[]) items.push(await decide(item))
        out[key] = items
      } else if (child && typeof child === 'object') out[key] = await decide(child as Node)
    }
    return out
  }
  return (await decide(tree as unknown as Node)) as unknown as ExprNode
}

function starsOf(node: Node): {stars: number; opaque: boolean} {
  let stars = 0
  let opaque = false
  visitTree(node, null, (n) => {
    if (n.type === 'Everything') stars++
    if (n.type === 'FuncCall' && n.namespace === 'releases') {
      stars++
      opaque = true
    }
  })
  return {stars, opaque}
}

/**
 * Values one hint may list: each becomes a bound SQL variable, and SQLite refuses statements with
 * more than 32,766 (`*[_type in $types]` with 40,000 strings). Past this, groq-js filters alone.
 */
const MAX_HINT_VALUES = 1000

function bounded(hint: ScanHint | null): ScanHint | null {
  if (!hint) return null
  const lists = [
    hint.ids,
    hint.types,
    hint.idPrefixes,
    ...(hint.attributes ?? []).map((a) => a.values),
  ]
  const values = lists.reduce((sum, list) => sum + (list?.length ?? 0), 0)
  return values > MAX_HINT_VALUES ? null : hint
}

/**
 * The filters as a store Condition. `exact`: the condition matches exactly the documents the
 * filters keep (GROQ semantics, including null and mixed types), so groq-js need not re-check.
 * Otherwise the condition (when present) is only a superset. Indexed fields are those the store
 * keeps beside the body (Store.indexedFields); `_id` is exact only when view ids are stored ids.
 */
export function conditionOf(
  filters: readonly ExprNode[],
  fields: readonly (readonly string[])[],
  storedIds: boolean,
  /** Paths whose GROQ length() the store keeps (Store.lengthFields). */
  lengths: readonly (readonly string[])[] = [],
): {where: Condition | null; exact: boolean} {
  const parts = filters.map((expr) =>
    compileCondition(expr as unknown as Node, fields, storedIds, lengths),
  )
  const present = parts.flatMap((part) => (part.where ? [part.where] : []))
  return {
    where:
      present.length === 0 ? null : present.length === 1 ? present[0] : {kind: 'and', of: present},
    exact: parts.every((part) => part.exact),
  }
}

interface Compiled {
  where: Condition | null
  exact: boolean
  /** GROQ gives true or false, never null (so `!` of it can run in SQL). */
  twoValued: boolean
}

const INEXACT: Compiled = {where: null, exact: false, twoValued: false}

const EVERYTHING: Compiled = {where: {kind: 'and', of: []}, exact: true, twoValued: true}

function keepsEverything(compiled: Compiled): boolean {
  const where = compiled.where
  return compiled.exact && compiled.twoValued && where?.kind === 'and' && where.of.length === 0
}

function compileCondition(
  expr: Node,
  fields: readonly (readonly string[])[],
  storedIds: boolean,
  lengths: readonly (readonly string[])[],
): Compiled {
  const indexOf = (node: Node, paths: readonly (readonly string[])[]): number => {
    const path = attributePath(node)
    if (!path) return -1
    return paths.findIndex((f) => f.length === path.length && f.every((k, i) => k === path[i]))
  }
  const fieldOf = (node: Node): number => indexOf(node, fields)
  const compile = (node: Node): Compiled => {
    // An empty search box's `text::query("*")` (the Studio's list pane): true for every document.
    const textQuery = textQueryMatchOf(node)
    if (textQuery) {
      return textQuery.query !== null && matchesAnything(textQuery.query) ? EVERYTHING : INEXACT
    }
    switch (node.type) {
      case 'Group':
        return compile(node.base as Node)
      case 'And':
      case 'Or': {
        const [left, right] = [compile(node.left as Node), compile(node.right as Node)]
        const twoValued = left.twoValued && right.twoValued
        if (node.type === 'And') {
          const of = [left.where, right.where].filter((c): c is Condition => c !== null)
          const where =
            of.length === 0 ? null : of.length === 1 ? of[0] : {kind: 'and' as const, of}
          return {where, exact: left.exact && right.exact, twoValued}
        }
        // `true || x` is true: the Or keeps every document.
        for (const side of [left, right]) if (keepsEverything(side)) return side
        if (!left.where || !right.where) return INEXACT
        return {
          where: {kind: 'or', of: [left.where, right.where]},
          exact: left.exact && right.exact,
          twoValued,
        }
      }
      case 'Not': {
        const inner = compile(node.base as Node)
        if (!inner.exact || !inner.twoValued || !inner.where) return INEXACT
        return {where: {kind: 'not', of: inner.where}, exact: true, twoValued: true}
      }
      case 'FuncCall':
        return funcCall(node)
      case 'OpCall':
        return opCall(node)
      default:
        return INEXACT
    }
  }

  const funcCall = (node: Node): Compiled => {
    const args = node.args as Node[]
    if (node.namespace === 'sanity') return versions(node.name as string, args)
    if (node.namespace !== 'global') return INEXACT
    if (node.name === 'defined' && args.length === 1) {
      const path = attributePath(args[0])
      if (path?.length === 1 && (path[0] === '_id' || path[0] === '_type')) return EVERYTHING
      const field = fieldOf(args[0])
      return field < 0 ? INEXACT : {where: {kind: 'defined', field}, exact: true, twoValued: true}
    }
    if (node.name === 'references' && args.length >= 1) {
      const ids = referencedIds(args)
      if (!ids) return INEXACT
      const where: Condition = ids.length ? {kind: 'references', ids} : {kind: 'or', of: []}
      return {where, exact: true, twoValued: true}
    }
    return INEXACT
  }

  /**
   * The Studio's release and document-group filters, as groq-js decides them on the view's `_id`
   * (in a stack that is the group's, so only where view ids are stored ids):
   * `sanity::partOfRelease(r)` keeps ids `versions.<r>.…` (none when r holds a dot: groq-js
   * compares r with the id's second dot-separated part), exactly; `sanity::versionOf(id)` keeps
   * `id`, `drafts.<id>` and `versions.<r>.<id>`, within `id`, `drafts.<id>` and every `versions.`
   * id. Null for every document when the argument is no string.
   */
  const versions = (name: string, args: Node[]): Compiled => {
    if (!storedIds || args.length !== 1 || args[0].type !== 'Value') return INEXACT
    if (name !== 'partOfRelease' && name !== 'versionOf') return INEXACT
    const value = args[0].value
    const none: Condition = {kind: 'or', of: []}
    if (typeof value !== 'string') return {where: none, exact: true, twoValued: false}
    if (name === 'partOfRelease') {
      if (value.includes('.')) return {where: none, exact: true, twoValued: true}
      const where: Condition = {kind: 'idPrefix', prefixes: [`${VERSIONS_PREFIX}${value}.`]}
      return {where, exact: true, twoValued: true}
    }
    const where: Condition = {
      kind: 'or',
      of: [
        {kind: 'id', ids: [value, `${DRAFTS_PREFIX}${value}`]},
        {kind: 'idPrefix', prefixes: [VERSIONS_PREFIX]},
      ],
    }
    return {where, exact: false, twoValued: true}
  }

  const opCall = (node: Node): Compiled => {
    const op = node.op as string
    let left = node.left as Node
    let right = node.right as Node
    if (op === '==' || op === '!=') {
      if (!attributePath(left) && attributePath(right)) [left, right] = [right, left]
      const equal = equality(left, right)
      if (op === '==' || !equal.where || !equal.exact) return op === '==' ? equal : INEXACT
      return {where: {kind: 'not', of: equal.where}, exact: true, twoValued: true}
    }
    if (op === 'in') return membership(left, right)
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      const longer = lengthOf(left, right, op) ?? lengthOf(right, left, FLIP[op])
      if (longer) return longer
      let flipped: '<' | '<=' | '>' | '>=' = op
      if (!attributePath(left) && attributePath(right)) {
        ;[left, right] = [right, left]
        flipped = FLIP[op]
      }
      const field = fieldOf(left)
      const value = right.type === 'Value' ? right.value : undefined
      if (field < 0 || !(typeof value === 'string' || isFiniteNumber(value))) return INEXACT
      return {where: {kind: 'compare', field, op: flipped, value}, exact: true, twoValued: false}
    }
    return INEXACT
  }

  /**
   * `length(x) op n`: exact where the store keeps the length (Store.lengthFields); else a superset
   * in SQL that groq-js decides, from an indexed field (`>`/`>=`, the `longer` condition) or read
   * from the body at any path (`lengthAt`).
   */
  const lengthOf = (call: Node, value: Node, op: string): Compiled | null => {
    if (call.type !== 'FuncCall' || call.name !== 'length' || call.namespace !== 'global')
      return null
    const args = call.args as Node[]
    if (args.length !== 1 || value.type !== 'Value' || !isFiniteNumber(value.value)) return null
    if (op !== '<' && op !== '<=' && op !== '>' && op !== '>=') return null
    const n = value.value
    const kept = indexOf(args[0], lengths)
    if (kept >= 0)
      return {where: {kind: 'length', field: kept, op, value: n}, exact: true, twoValued: false}
    const field = fieldOf(args[0])
    if (field >= 0 && (op === '>' || op === '>=')) {
      return {where: {kind: 'longer', field, op, value: n}, exact: false, twoValued: false}
    }
    const path = documentPathOf(args[0])
    return path && {where: {kind: 'lengthAt', path, op, value: n}, exact: false, twoValued: false}
  }

  const equality = (left: Node, right: Node): Compiled => {
    const path = attributePath(left)
    if (!path || right.type !== 'Value') return INEXACT
    const value = right.value
    const scalar = typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value)
    if (path.length === 1 && path[0] === '_type') {
      if (typeof value === 'string')
        return {where: {kind: 'type', types: [value]}, exact: true, twoValued: true}
      return scalar ? {where: {kind: 'or', of: []}, exact: true, twoValued: true} : INEXACT
    }
    if (path.length === 1 && path[0] === '_id') {
      if (!storedIds) return INEXACT
      if (typeof value === 'string')
        return {where: {kind: 'id', ids: [value]}, exact: true, twoValued: true}
      return scalar ? {where: {kind: 'or', of: []}, exact: true, twoValued: true} : INEXACT
    }
    const field = fieldOf(left)
    if (field < 0 || !scalar) return INEXACT
    return {where: {kind: 'equals', field, values: [value]}, exact: true, twoValued: true}
  }

  const membership = (left: Node, right: Node): Compiled => {
    const path = attributePath(left)
    if (!path) return INEXACT
    if (
      path.length === 1 &&
      path[0] === '_id' &&
      right.type === 'FuncCall' &&
      right.name === 'path'
    ) {
      const glob = (right.args as Node[])[0]
      const value = glob?.type === 'Value' ? glob.value : null
      if (typeof value !== 'string') return INEXACT
      const star = value.indexOf('*')
      if (star === -1)
        return storedIds
          ? {where: {kind: 'id', ids: [value]}, exact: true, twoValued: true}
          : INEXACT
      // `prefix.**` is exactly the prefix (ids have no `/`); other globs narrow only.
      const exact =
        storedIds && star === value.length - 2 && value.endsWith('**') && value[star - 1] === '.'
      return {where: {kind: 'idPrefix', prefixes: [value.slice(0, star)]}, exact, twoValued: true}
    }
    const values = literalList(right)
    if (!values) return INEXACT
    const scalars = values.filter(
      (v): v is string | number | boolean =>
        typeof v === 'string' || typeof v === 'boolean' || isFiniteNumber(v),
    )
    // null (equal to missing), objects and arrays: left to groq-js.
    if (scalars.length !== values.length) return INEXACT
    if (path.length === 1 && (path[0] === '_type' || path[0] === '_id')) {
      if (path[0] === '_id' && !storedIds) return INEXACT
      const strings = scalars.filter((v): v is string => typeof v === 'string')
      const where: Condition =
        path[0] === '_type' ? {kind: 'type', types: strings} : {kind: 'id', ids: strings}
      return {where, exact: true, twoValued: true}
    }
    const field = fieldOf(left)
    if (field < 0) return INEXACT
    return {where: {kind: 'equals', field, values: scalars}, exact: true, twoValued: true}
  }

  return compile(expr)
}

const FLIP = {'<': '>', '<=': '>=', '>': '<', '>=': '<='} as const

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** The elements of a literal array (`[…]` of literals or an array parameter), else null. */
function literalList(node: Node): unknown[] | null {
  if (node.type === 'Value') return Array.isArray(node.value) ? node.value : null
  if (node.type !== 'Array') return null
  const out: unknown[] = []
  for (const element of node.elements as Node[]) {
    const inner = element.value as Node
    if (element.isSplat || inner.type !== 'Value') return null
    out.push(inner.value)
  }
  return out
}

/**
 * The most keys of an `order()` the planner gives SQLite. Each is two ORDER BY terms (a value's
 * kind, then the value) and SQLite takes at most 2,000 (its column limit): 1,100 single-name keys,
 * within an anonymous caller's terms, were a 500. Orders that earn an index have a few keys.
 */
const MAX_ORDER_KEYS = 64

/**
 * `order(…)` of a filter chain over `*`, sliced from 0 with literal bounds; or the chain sliced
 * directly (no keys: view order, by `_id`).
 */
function topKOf(node: Node): TopK | null {
  let order = node.base as Node
  // `| order(…) {…} [0...20]`, `.a`, `->`: a Map gives one value a document, in order, so the
  // slice is of the same documents. (A FlatMap, `.tags[]`, is not one a document.)
  while (order?.type === 'Map') order = order.base as Node
  const ordered = order?.type === 'PipeFuncCall' && order.name === 'order'
  if (!ordered && !(order && overDocuments(order))) return null
  let limit: number
  if (node.type === 'Slice') {
    const {left, right, isInclusive} = node as unknown as {
      left: unknown
      right: unknown
      isInclusive: boolean
    }
    if (typeof left !== 'number' || typeof right !== 'number' || left < 0 || right < 0) return null
    limit = isInclusive ? right + 1 : right
  } else {
    const index = node.index
    if (typeof index !== 'number' || index < 0) return null
    limit = index + 1
  }
  if (!ordered) return Number.isInteger(limit) ? {keys: [], limit, base: order as ExprNode} : null
  let chain = order.base as Node
  // `*[…] {…, "orderings": [publishedAt]} | order(orderings[0] desc)`, the Studio's list pane:
  // one object a document, ordered by a copy of the document's own field.
  // groq-js parses it as a Map over the filtered `*` of a projection of `@`.
  const mapped = chain.type === 'Map' ? (chain.expr as Node) : null
  const projection =
    mapped?.type === 'Projection' && (mapped.base as Node).type === 'This' ? mapped : null
  if (mapped && !projection) return null
  if (projection) chain = chain.base as Node
  const base = chain
  while (chain.type === 'Filter') chain = chain.base as Node
  if (chain.type !== 'Everything') return null
  // Past its ORDER BY's limit SQLite refuses the statement: groq-js sorts such an order.
  if ((order.args as Node[]).length > MAX_ORDER_KEYS) return null
  const keys: OrderKey[] = []
  for (const arg of order.args as Node[]) {
    const desc = arg.type === 'Desc'
    const key = arg.type === 'Desc' || arg.type === 'Asc' ? (arg.base as Node) : arg
    const read = projection ? projectedKey(key, projection) : key
    const path = read && attributePath(read)
    if (!path) return null
    keys.push({path, desc})
  }
  if (keys.length === 0 || !Number.isInteger(limit)) return null
  return {keys, limit, base: base as ExprNode}
}

/**
 * What an order key over a projection's objects reads of the document: the expression the
 * projection puts at the key's attribute (`orderings`), or at an element of the array written
 * there (`orderings[0]`). Null when a splat could replace the attribute, or it is named twice.
 */
function projectedKey(key: Node, projection: Node): Node | null {
  const object = projection.expr as Node
  if (object.type !== 'Object') return null
  const attributes = object.attributes as Node[]
  if (attributes.some((attribute) => attribute.type !== 'ObjectAttributeValue')) return null
  let attribute = key
  let index: number | null = null
  if (key.type === 'AccessElement') {
    if (typeof key.index !== 'number' || !Number.isInteger(key.index) || key.index < 0) return null
    index = key.index
    attribute = key.base as Node
  }
  if (attribute.type !== 'AccessAttribute' || attribute.base) return null
  const named = attributes.filter((a) => a.name === attribute.name)
  if (named.length !== 1) return null
  const value = named[0].value as Node
  if (index === null) return value
  if (value.type !== 'Array') return null
  const elements = value.elements as Node[]
  if (elements.some((element) => element.isSplat) || index >= elements.length) return null
  return elements[index].value as Node
}

function hintOf(expr: Node): ScanHint | null {
  switch (expr.type) {
    case 'Group':
      return hintOf(expr.base as Node)
    case 'And': {
      const left = hintOf(expr.left as Node)
      const right = hintOf(expr.right as Node)
      if (!left || !right) return left ?? right
      return intersect(left, right)
    }
    case 'Or': {
      const left = hintOf(expr.left as Node)
      const right = hintOf(expr.right as Node)
      return left && right ? union(left, right) : null
    }
    case 'OpCall':
      return comparison(expr) ?? searchScanHint(expr)
    default:
      return searchScanHint(expr)
  }
}

/** Conditions the full-text index answers: text::query, match, references (searchHints.ts). */
function searchScanHint(expr: Node): ScanHint | null {
  const search = searchHintOf(expr as unknown as ExprNode)
  return search ? {search} : null
}

function comparison(expr: Node): ScanHint | null {
  const op = expr.op
  const left = expr.left as Node
  const right = expr.right as Node
  if (op === '==') {
    const [path, value] = attributePath(left)
      ? [attributePath(left), right]
      : [attributePath(right), left]
    if (!path) return null
    if (path.length === 1 && (path[0] === '_id' || path[0] === '_type')) {
      const literal = stringsOf(value, false)
      if (!literal) return null
      return path[0] === '_id' ? {ids: literal} : {types: literal}
    }
    const literal = scalarOf(value)
    return literal === null ? null : {attributes: [{path, values: [literal]}]}
  }
  if (op === 'in') {
    const path = attributePath(left)
    if (!path || path.length !== 1 || (path[0] !== '_id' && path[0] !== '_type')) return null
    if (path[0] === '_id' && right.type === 'FuncCall' && right.name === 'path') {
      return pathHint(right.args as Node[])
    }
    const values = stringsOf(right, true)
    if (!values) return null
    return path[0] === '_id' ? {ids: values} : {types: values}
  }
  return null
}

/**
 * The attribute path of `a.b.c` (or `@.a.b`) on the current document, else null. `_originalId`
 * exists only in perspective views, never in the store, so it cannot be looked up there.
 */
function attributePath(node: Node): string[] | null {
  const chain = attributeChain(node)
  if (!chain || (chain.root && chain.root.type !== 'This')) return null
  const {path} = chain
  if (path[0] === '_originalId') return null
  if (path.length > 1 && (path[0] === '_id' || path[0] === '_type')) return null
  return path
}

/**
 * A path from the document through attributes (GROQ identifiers) and non-negative indexes
 * (`body[1].children[0].text`), as stored: null for `_id` and `_originalId`, which a view changes.
 */
function documentPathOf(node: Node): (string | number)[] | null {
  const path: (string | number)[] = []
  let current: Node | undefined = node
  for (
    ;
    current?.type === 'AccessAttribute' || current?.type === 'AccessElement';
    current = current.base as Node | undefined
  ) {
    if (current.type === 'AccessAttribute') {
      const name = current.name
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null
      path.unshift(name)
    } else {
      const index = current.index
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) return null
      path.unshift(index)
    }
  }
  if (path.length === 0 || (current && current.type !== 'This')) return null
  if (path[0] === '_id' || path[0] === '_originalId' || typeof path[0] !== 'string') return null
  return path
}

/** A string or finite number literal (what json_extract compares exactly), else null. */
function scalarOf(node: Node): string | number | null {
  if (node.type !== 'Value') return null
  const value = node.value
  if (typeof value === 'string') return value
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** Literal strings (or an array of them when `list`); null when anything else is possible. */
function stringsOf(node: Node, list: boolean): string[] | null {
  if (node.type === 'Value') {
    const value = node.value
    if (!list) return typeof value === 'string' ? [value] : null
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null
  }
  if (list && node.type === 'Array') {
    const out: string[] = []
    for (const element of node.elements as Node[]) {
      const inner = element.value as Node
      if (element.isSplat || inner.type !== 'Value' || typeof inner.value !== 'string') return null
      out.push(inner.value)
    }
    return out
  }
  return null
}

/** `path("drafts.**")` → prefix `drafts.`; a glob without wildcards is an exact id. */
function pathHint(args: Node[]): ScanHint | null {
  const glob = args[0]?.type === 'Value' ? args[0].value : null
  if (typeof glob !== 'string') return null
  const star = glob.indexOf('*')
  if (star === -1) return {ids: [glob]}
  return {idPrefixes: [glob.slice(0, star)]}
}

function intersect(a: ScanHint, b: ScanHint): ScanHint {
  const out: ScanHint = {...a}
  if (b.ids) out.ids = a.ids ? a.ids.filter((id) => b.ids!.includes(id)) : b.ids
  if (b.types) out.types = a.types ? a.types.filter((t) => b.types!.includes(t)) : b.types
  if (b.idPrefixes && !a.idPrefixes) out.idPrefixes = b.idPrefixes
  if (b.attributes) out.attributes = [...(a.attributes ?? []), ...b.attributes]
  if (b.search) out.search = a.search ? {all: [a.search, b.search]} : b.search
  return out
}

/** Two hints on the same single field widen into one; anything else cannot be indexed. */
function union(a: ScanHint, b: ScanHint): ScanHint | null {
  const fields = (h: ScanHint) => Object.keys(h).filter((k) => h[k as keyof ScanHint] !== undefined)
  const [fa, fb] = [fields(a), fields(b)]
  if (fa.length !== 1 || fb.length !== 1 || fa[0] !== fb[0]) return null
  if (fa[0] === 'search') return {search: {any: [a.search!, b.search!]}}
  if (fa[0] === 'attributes') {
    const [x, y] = [a.attributes!, b.attributes!]
    if (x.length !== 1 || y.length !== 1 || x[0].path.join('.') !== y[0].path.join('.')) return null
    return {attributes: [{path: x[0].path, values: [...new Set([...x[0].values, ...y[0].values])]}]}
  }
  const key = fa[0] as 'ids' | 'types' | 'idPrefixes'
  return {[key]: [...new Set([...a[key]!, ...b[key]!])]}
}
