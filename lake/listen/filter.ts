/**
 * Listener filters: `*[a][b]{…}|order(…)` listens to `*[a][b]`; projections, ordering and slices
 * are ignored, as on Sanity.
 */
import {evaluateSync, type ExprNode} from 'groq-js'
import {QueryError} from '../core/errors.ts'
import {linearGlob, type Node} from '../core/groqTree.ts'
import {toQueryError} from '../core/query.ts'
import {textQueryMatchOf} from '../core/textQueryRewrite.ts'
import type {SanityDocument} from '../core/types.ts'
import {parseGroq} from '../query/parsing.ts'

/** A compiled listener filter: does a document (raw, with `_rev`) match? */
export type DocumentFilter = (doc: SanityDocument) => boolean

/**
 * The filter node of a listener query (`*[a][b]` of `*[a][b]{…}|order(…)`), or null for a bare `*`.
 * Throws a LakeError for a query that does not parse or is not a filter on `*`.
 */
export function listenerFilterNode(
  query: string,
  params: Record<string, unknown>,
): ExprNode | null {
  // Also refuses a parameter the query uses but was not given.
  const tree = parseGroq(query, params)
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
  if (usesTextQuery(filterNode)) {
    // Listeners evaluate with groq-js alone, which cannot answer it (the rewritten match reads
    // through the lake's search): every event was no match, so it was welcomed and never fired.
    throw new QueryError(
      'A listener filter cannot use text::query(): full-text search runs in queries only. Listen with the filter without it (e.g. *[_type == "article"]) and run the search query again on each event, or use the live API with the search query',
    )
  }
  if (usesJoin(filterNode)) {
    // A listener sees one document: `->` and `*[…]` found nothing, so every event was no match
    // and the listener was welcomed and never fired (hosted refuses joins in listeners too).
    throw new QueryError(
      'A listener filter cannot use a join (-> or a subquery *[…]): a listener sees one document at a time. Listen with the filter without it (e.g. *[_type == "article"]) and run the query with the join again on each event, or use the live API with that query',
    )
  }
  return filterNode.type === 'Filter' ? filterNode : null
}

/** Whether a filter's terms (not the `*` it filters) hold a `->` or a subquery on `*`. */
function usesJoin(node: ExprNode): boolean {
  for (let filter = node; filter.type === 'Filter'; filter = filter.base) {
    if (joins(filter.expr)) return true
  }
  return false
}

function joins(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false
  const {type} = node as {type?: unknown}
  // A parameter's value is data, whatever its members are named.
  if (type === 'Value') return false
  if (type === 'Deref' || type === 'Everything') return true
  return Object.values(node).some(joins)
}

/** Whether a parsed filter holds a `text::query` match (parseQuery rewrote it) or call. */
function usesTextQuery(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false
  if (textQueryMatchOf(node)) return true
  const call = node as {type?: unknown; namespace?: unknown; name?: unknown}
  if (call.type === 'FuncCall' && call.namespace === 'text' && call.name === 'query') return true
  return Object.values(node).some(usesTextQuery)
}

/**
 * Whether a filter's cost is bounded by the sizes of the document and the parameters: only
 * comparisons, boolean logic, attribute access, literals, parameters, `defined`, `references` and
 * `path` with at most one wildcard segment (linearGlob: each more backtracks in groq-js), and at
 * most MAX_DOCUMENT_WALKS terms that walk the document (documentWalks). Such filters run on the
 * event loop; any other runs on a query worker with a budget per event, because GROQ can be made
 * arbitrarily slow (string::split, nested filters, globs of many `**`…).
 */
export function isBoundedFilter(node: ExprNode | null): boolean {
  return node === null || (bounded(node) && documentWalks(node) <= MAX_DOCUMENT_WALKS)
}

/**
 * A bounded filter's static cost: the nodes of its parsed tree (a term `title == "x"` is 3, an
 * `||` 1 more) and the values of its literals and parameters (inlined by the parser as literals):
 * a list a set answers (memberSet: 32 or more plain values) is one, any other counts its values,
 * which groq-js goes through for every document (a reviewer's `*[_id in $ids]` with an object
 * among 16,000 ids counted 5 and was never timed). Only past TIMED_FILTER_COST may its time on
 * the event loop end its listeners (stream.ts answeringOnce).
 */
export function filterCost(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + filterCost(item), 0)
  if (typeof node !== 'object' || node === null) return 0
  const term = node as {type?: unknown}
  if (term.type === 'Value')
    return memberSet(term as ExprNode) ? 1 : valueCount((term as {value: unknown}).value)
  if (term.type === 'Parameter') return 1
  let cost = typeof term.type === 'string' ? 1 : 0
  for (const value of Object.values(node)) cost += filterCost(value)
  return cost
}

/**
 * The floor of filterCost past which a filter's time on the event loop is budgeted. The Studio's
 * listeners are far below: `*`, `*[!(_id in path("_.**"))]`, the document pair's `*[_id in $ids]`
 * (5), a document list's `_type == $type && …` (tens); 64 terms `title == "…" ||` are past it. Below
 * it a filter's time never ends it: on a loaded machine a preempted match reads tens of ms.
 */
export const TIMED_FILTER_COST = 256

/**
 * Terms of a filter on the event loop whose cost grows with the document's size. Each is a walk
 * per document and listener: 100 listeners of 600 `references()` each held the event loop 3.5 s
 * for one write of 50 articles (the lake answered nothing meanwhile, SIGTERM included).
 */
const MAX_DOCUMENT_WALKS = 8

/**
 * How many terms of a bounded filter walk the document: a `references()` of a value read from the
 * document (one of literals and parameters is answered from the document's referenced ids,
 * collected once: answerReferences), and an `in` over anything but a literal list (a document's
 * array). Comparisons of attributes, however deep their paths, cost the path's length.
 */
function documentWalks(node: unknown, answered = true): number {
  if (Array.isArray(node))
    return node.reduce((sum: number, item) => sum + documentWalks(item, false), 0)
  if (typeof node !== 'object' || node === null) return 0
  const term = node as ExprNode
  if (term.type === 'Value' || term.type === 'Parameter') return 0
  let walks = 0
  if (isReferencesCall(term) && !(answered && literalReferences(term))) walks++
  if (term.type === 'OpCall' && term.op === 'in' && !literalList(term.right)) walks++
  // answerReferences answers in the filter's own scope only.
  const scoped = new Set(Array.from(sameScope(term), ([key]) => key))
  for (const [key, value] of Object.entries(node)) {
    walks += documentWalks(value, answered && scoped.has(key))
  }
  return walks
}

/** The right of an `in` that is not the document's: a literal, a parameter, a list or a `path()`. */
function literalList(node: ExprNode): boolean {
  if (node.type === 'Value' || node.type === 'Parameter') return true
  if (node.type === 'Array') return node.elements.every((element) => !element.isSplat)
  return node.type === 'FuncCall' && node.namespace === 'global' && node.name === 'path'
}

function isReferencesCall(
  node: ExprNode,
): node is Extract<ExprNode, {type: 'FuncCall'}> & {name: 'references'} {
  return node.type === 'FuncCall' && node.namespace === 'global' && node.name === 'references'
}

/** A `references()` of literals only (parameters are literals once parsed). */
function literalReferences(node: ExprNode): boolean {
  return isReferencesCall(node) && node.args.every((arg) => arg.type === 'Value')
}

const BOUNDED_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', 'in'])
const BOUNDED_FUNCTIONS = new Set(['defined', 'references'])

function bounded(node: ExprNode): boolean {
  switch (node.type) {
    case 'Filter':
      return node.base.type === 'Everything' || bounded(node.base) ? bounded(node.expr) : false
    case 'Everything':
    case 'This':
    case 'Value':
    case 'Parameter':
      return true
    case 'And':
    case 'Or':
      return bounded(node.left) && bounded(node.right)
    case 'Not':
    case 'Group':
    case 'Neg':
    case 'Pos':
      return bounded(node.base)
    case 'AccessAttribute':
      return node.base === undefined || bounded(node.base)
    case 'OpCall':
      return BOUNDED_OPS.has(node.op) && bounded(node.left) && bounded(node.right)
    case 'Array':
      return node.elements.every((element) => !element.isSplat && bounded(element.value))
    case 'FuncCall':
      if (linearGlob(node as unknown as Node)) return true
      return (
        node.namespace === 'global' &&
        BOUNDED_FUNCTIONS.has(node.name) &&
        node.args.every((arg) => bounded(arg))
      )
    default:
      return false
  }
}

/**
 * The top-level fields a filter reads, or null when it may read the whole document (`@`, `^`,
 * `*`, `->`, `references()`): a large document's outline (core/types.ts DocumentOutline) answers
 * a filter whose reads it holds. Names read in nested scopes (`x` of `items[x > 1]`) count too,
 * which at worst has a document parsed where its outline would have done.
 */
export function filterReads(node: ExprNode | null): ReadonlySet<string> | null {
  const reads = new Set<string>()
  // `*[a][b]`: the filters' expressions, down to the `*` they filter.
  for (let filter = node; filter?.type === 'Filter'; filter = filter.base) {
    if (!collectReads(filter.expr, reads)) return null
  }
  return reads
}

/** Nodes that read the whole document (or the dataset, which is the document here). */
const WHOLE_DOCUMENT = new Set(['This', 'Parent', 'Everything', 'Deref'])
/** Functions that read `@` without naming it (groq-js maps them over {type: 'This'}). */
const SCOPE_FUNCTIONS = new Set(['references', 'versionOf', 'partOfRelease'])

function collectReads(node: unknown, reads: Set<string>): boolean {
  if (Array.isArray(node)) return node.every((item) => collectReads(item, reads))
  if (typeof node !== 'object' || node === null) return true
  const {type} = node as {type?: unknown}
  // A literal's value is data, not nodes.
  if (type === 'Value' || type === 'Parameter') return true
  if (type === 'AccessAttribute') {
    const {base, name} = node as {base?: ExprNode; name: string}
    if (base === undefined || base.type === 'This') {
      reads.add(name)
      return true
    }
    return collectReads(base, reads)
  }
  if (typeof type === 'string' && WHOLE_DOCUMENT.has(type)) return false
  if (type === 'FuncCall' && SCOPE_FUNCTIONS.has((node as {name: string}).name)) return false
  return Object.values(node).every((value) => collectReads(value, reads))
}

/**
 * Compiles the filter part of a listener query (`filterNode`: its listenerFilterNode, when already
 * parsed). Throws a LakeError for a query that does not parse, is not a filter on `*`, or cannot
 * be evaluated.
 */
export function compileFilter(
  query: string,
  params: Record<string, unknown>,
  identity: string,
  filterNode: ExprNode | null = listenerFilterNode(query, params),
): DocumentFilter {
  if (filterNode === null) return () => true
  const answered = answerMemberships(filterNode)
  const referencing = hasLiteralReferences(filterNode)
  const evaluate = (doc: SanityDocument): boolean => {
    let node = answered?.(doc) ?? filterNode
    if (referencing) node = answerReferences(node, referencedIds(doc))
    const result = evaluateSync(node, {dataset: [doc], params, identity}).data
    return Array.isArray(result) && result.length > 0
  }
  try {
    // Unknown functions and missing parameters fail here rather than silently at every commit.
    evaluate({_id: 'listener-probe', _type: 'listener-probe'})
  } catch (err) {
    // Worded as the query endpoint words it (a `hasOwnProperty` key's TypeError, say).
    const mapped = toQueryError(err, query)
    if (mapped instanceof QueryError) throw mapped
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

/**
 * A list this long on the right of `in` is answered from a set (answerMemberships); a shorter one
 * (the Studio's `_id in [$id, $draftId]`) as groq-js answers it.
 */
const MEMBERSHIP_SET_ITEMS = 32

/** What groq-js's `in` finds equal in a list: items of these types, compared by `===`. */
type Member = string | number | boolean | null

/**
 * A filter whose `path in <list>` (a document's attribute, a list of thousands of ids in a
 * parameter) is answered from a set: per document, the filter with each such membership replaced
 * by its answer as a literal, or null where the document needs groq-js's own answer. groq-js
 * compares the value with every item in turn, and a bounded filter runs on the event loop for every
 * event of every listener: 2,000 ids cost a pass over them per event and listener. Only in the
 * filter's own scope (`&&`, `||`, `!`, groups), where `@` is the document.
 */
function answerMemberships(node: ExprNode): Answered | null {
  switch (node.type) {
    case 'Filter':
      return withAnswered(node, {
        base: node.base.type === 'Filter' ? answerMemberships(node.base) : null,
        expr: answerMemberships(node.expr),
      })
    case 'And':
    case 'Or':
      return withAnswered(node, {
        left: answerMemberships(node.left),
        right: answerMemberships(node.right),
      })
    case 'Not':
    case 'Group':
      return withAnswered(node, {base: answerMemberships(node.base)})
    case 'OpCall': {
      if (node.op !== 'in') return null
      const path = documentPath(node.left)
      const set = memberSet(node.right)
      if (!path || !set) return null
      return (doc) => {
        const value = valueAt(doc, path)
        if (value === UNDECIDED) return null
        return {type: 'Value', value: isMember(set, value)}
      }
    }
    default:
      return null
  }
}

/** A filter (or part of one) with its memberships answered for a document; null: groq-js's. */
type Answered = (doc: SanityDocument) => ExprNode | null

/**
 * `node` with those of its children that have memberships replaced, per document, by their
 * answered form (the others kept as they are); null when none has any.
 */
function withAnswered(
  node: ExprNode,
  children: Partial<Record<'base' | 'expr' | 'left' | 'right', Answered | null>>,
): Answered | null {
  const answered = Object.entries(children).filter(
    (entry): entry is [string, Answered] => entry[1] !== null,
  )
  if (answered.length === 0) return null
  return (doc) => {
    const copy: Record<string, unknown> = {...node}
    for (const [key, answer] of answered) {
      const child = answer(doc)
      if (!child) return null
      copy[key] = child
    }
    return copy as unknown as ExprNode
  }
}

/** `a.b.c` or `@.a.b` read from the document, as names; null for anything else. */
function documentPath(node: ExprNode): string[] | null {
  const names: string[] = []
  let at: ExprNode | undefined = node
  while (at?.type === 'AccessAttribute') {
    names.unshift(at.name)
    at = at.base
  }
  return names.length > 0 && (at === undefined || at.type === 'This') ? names : null
}

/** The values in a literal: one for a scalar, one more for each item or member in a list or object. */
function valueCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1
  let count = 1
  for (const item of Array.isArray(value) ? value : Object.values(value)) count += valueCount(item)
  return count
}

/** A literal list (a parameter's, inlined by the parser) of MEMBERSHIP_SET_ITEMS or more members. */
function memberSet(node: ExprNode): Set<Member> | null {
  if (node.type !== 'Value' || !Array.isArray(node.value)) return null
  const items: unknown[] = node.value
  if (items.length < MEMBERSHIP_SET_ITEMS) return null
  const set = new Set<Member>()
  for (const item of items) {
    // groq-js takes undefined as null; NaN equals nothing (a set would find it); another kind
    // (an object, a Date) is left to groq-js.
    if (item === null || item === undefined) set.add(null)
    else if (typeof item === 'string' || typeof item === 'boolean') set.add(item)
    else if (typeof item === 'number' && !Number.isNaN(item)) set.add(item)
    else return null
  }
  return set
}

const UNDECIDED = Symbol('undecided')

/** groq-js's attribute access (an object's own attribute, else null); UNDECIDED where it throws. */
function valueAt(doc: SanityDocument, path: string[]): unknown {
  let value: unknown = doc
  for (const name of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
    // groq-js calls the object's own `hasOwnProperty`, which a document may have replaced.
    if (Object.hasOwn(value, 'hasOwnProperty')) return UNDECIDED
    value = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : null
  }
  return value
}

/** groq-js's `value in list`: a string, number, boolean or null equal to an item (`===`). */
function isMember(set: Set<Member>, value: unknown): boolean {
  if (value === null || value === undefined) return set.has(null)
  if (typeof value === 'number') return !Number.isNaN(value) && set.has(value)
  return (typeof value === 'string' || typeof value === 'boolean') && set.has(value)
}

/**
 * Documents whose referenced ids were collected (referencedIds), for tests and diagnostics: once a
 * document however many listeners' filters call `references()` on it, and how many times.
 */
export const referenceWalks = {documents: 0}

/** Each document's referenced ids, collected on first use: documents are not changed once committed. */
const collectedIds = new WeakMap<object, ReadonlySet<string>>()

/**
 * The ids groq-js's `references()` finds in a document: the `_ref` of every object in it, not
 * looking further into an object that has one (a falsy `_ref` is looked into). groq-js walks the
 * document for each call: 600 calls a filter were 600 walks per document and listener.
 */
function referencedIds(doc: SanityDocument): ReadonlySet<string> {
  let ids = collectedIds.get(doc)
  if (ids) return ids
  const found = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
    } else if (typeof value === 'object' && value !== null) {
      const ref = (value as {_ref?: unknown})._ref
      if (ref) {
        if (typeof ref === 'string') found.add(ref)
        return
      }
      for (const item of Object.values(value)) visit(item)
    }
  }
  visit(doc)
  referenceWalks.documents++
  collectedIds.set(doc, (ids = found))
  return ids
}

/**
 * Nodes in which `@` is still the document: the filter's own scope, as far as a filter of bounded
 * cost reaches (a nested filter's or projection's `@` is another value).
 */
function* sameScope(node: ExprNode): Generator<[key: string, child: ExprNode]> {
  switch (node.type) {
    case 'Filter':
      yield ['base', node.base]
      yield ['expr', node.expr]
      return
    case 'And':
    case 'Or':
    case 'OpCall':
      yield ['left', node.left]
      yield ['right', node.right]
      return
    case 'Not':
    case 'Group':
    case 'Neg':
    case 'Pos':
      yield ['base', node.base]
      return
    default:
  }
}

/** Whether the filter's own scope calls `references()` of literals only. */
function hasLiteralReferences(node: ExprNode): boolean {
  if (literalReferences(node)) return true
  for (const [, child] of sameScope(node)) if (hasLiteralReferences(child)) return true
  return false
}

/**
 * The filter with each `references()` of literals in its own scope replaced by its answer, read
 * from the document's referenced ids: as groq-js answers it (strings of the arguments and of
 * arrays among them; none is false), a set lookup each instead of a walk of the document.
 */
function answerReferences(node: ExprNode, ids: ReadonlySet<string>): ExprNode {
  if (isReferencesCall(node) && literalReferences(node)) {
    const found = node.args.some((arg) => {
      const {value} = arg as {value: unknown}
      if (typeof value === 'string') return ids.has(value)
      return Array.isArray(value) && value.some((id) => typeof id === 'string' && ids.has(id))
    })
    return {type: 'Value', value: found}
  }
  let copy: Record<string, unknown> | null = null
  for (const [key, child] of sameScope(node)) {
    const answered = answerReferences(child, ids)
    if (answered === child) continue
    copy ??= {...node}
    copy[key] = answered
  }
  return (copy as ExprNode | null) ?? node
}
