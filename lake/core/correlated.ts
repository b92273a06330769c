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
 * The replacement is `coalesce({"_ref": MARKER + @._id}->, arrayKey->[references(^._id)], [])`:
 * the view's dereference answers a MARKER reference with the referrers (the only hook groq-js 2
 * calls per evaluation); an array of ids (in an object written out: `[{"_id": ["a", "b"]}]`,
 * which references() matches any string of) gives the whole view filtered by the conjunct as
 * written (that filter sits where the `*` did, so its `^` is the same scope); anything else
 * `[]` (references() of null or a number matches nothing). `@` where the `*` is evaluated is what `^` is in its
 * filter, unless that scope is a Map's or FlatMap's, which groq-js hides from `^`, or one not known
 * here: there the filter's own `^._id` is read from inside a projection, which opens the same kind
 * of scope as the filter does for each document: `({}{"_ref": MARKER + ^._id})->`.
 *
 * An inner filter that compares a field the store keeps beside the body (slug.current,
 * publishedAt, section, source._ref) with the outer scope (`source._ref == ^._id`, `section ==
 * ^.section`) is keyed the same way, but that conjunct stays: the `*` yields the view documents
 * whose shown layer holds the outer value in that field (the side table, one read for the outer
 * list), a superset groq-js re-checks. A string outer value is such a key; null looks up the
 * field's null or missing rows (GROQ's `null == null` holds there); any other value (a number, an
 * object) yields the whole view, as before: `coalesce(key->, nullKey->, all->)`, `nullKey`
 * `{"_ref": select(^.x == null => NULL_MARKER)}`.
 *
 * An inner filter that finds the outer value among `_ref`s of its document (`article._ref ==
 * ^._id` on a field the side table does not keep, `^._id in sources[]._ref`, `^._id in
 * credits[].person._ref`) is keyed by the references table, which holds a row for every string
 * `_ref` of a document at any depth: a weak one inside another reference too, which is neither
 * strong nor what references() matches (store/fields.ts documentReferences). That conjunct stays
 * as well (a superset: the row may be at another path). A string outer value is the key; any
 * other reads the whole view (`null in sources[]._ref` holds for a member without a `_ref`):
 * `coalesce(key->, all->)`.
 *
 * An inner filter that compares a field read through `->` with the outer value (`source->slug.current
 * == ^.slug.current`, the field one the side table keeps) is keyed in two steps: the view documents
 * whose field is the outer value (the side table, then the layer each group shows), then the view
 * documents holding a `_ref` to one of them as `->` finds it (its view `_id`; the references table).
 * A superset: the conjunct stays. A `->` that finds nothing gives null, which equals only a null
 * outer value: any outer value but a string reads the whole view, `coalesce(key->, all->)`.
 * On a field the side table does not keep (`source->name == ^.name`), the view (of the types a
 * `_type` conjunct allows: typesOf) is read once a query and grouped by what `x->f` gives on each
 * document, every `->` of it read at once
 * (view.ts derefValues), where groq-js dereferenced every document again per outer document.
 * `->` of any other expression of the document's (`(x->).f`, `x->y->f`, `x[0]->f`, `coalesce(a,
 * b)->f`, `select(…)->f`, `lower(x->f)`, `x[defined(_ref)][0]->f`), and `^.y in x[]->f`, are keyed
 * so too (`scan`): groq-js evaluates that side on every view document, its `->` read a round at a
 * time (view.ts scanValues). The outer value of any of these may be read through `->` too
 * (`^.article->source._ref`, outerValue), or be a constant (a literal or parameter) when the `*`
 * is evaluated once per element of another scope (perElement) and no conjunct compares with `^`.
 *
 * An inner filter that joins by id (`_id == ^.article._ref`, a front end's `->` written out) is
 * keyed by the view document of that id, which the view's dereference finds (one read of the
 * layers for the outer list). The conjunct stays. Every `_id` is a string, so any other outer
 * value matches nothing: `coalesce(key->, [])`.
 *
 * An inner filter that joins by an array of the outer document's references (`_id in
 * ^.relatedHeadlines[]._ref`, `relatedHeadlines[]->` written out) is keyed by the view document of
 * each string in it, the strings spelled in the marker's one key (idInParent). The conjunct stays;
 * an outer value that is no array spells no key and matches nothing: `coalesce(key->, [])`.
 */
import type {ExprNode} from 'groq-js'
import {documentPaths, type DocumentPath} from './documentPaths.ts'
import {
  attributeChain,
  linearGlob,
  overDocuments,
  PLAIN_FUNCTIONS,
  readsOuterScope,
  SAME_SCOPE,
  visitTree,
  type Node,
} from './groqTree.ts'

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

/**
 * What a replaced `*` yields for a key (the string after its marker):
 * - `references`: the view documents that reference the key (an id), exactly what the filter's
 *   `references(^._id)` keeps;
 * - `equals`: the view documents whose indexed field at `path` is the key (a string): a superset
 *   of what the filter's `path == ^.x` keeps, which stays in the filter for groq-js to decide.
 *   An outer value that is no string (null, missing, a number, an object) has no key: its `*`
 *   yields the whole view (ALL_MARKER), as groq-js reads it.
 * - `refs`: the view documents holding the key (an id) as a string `_ref` anywhere: a superset
 *   of what the filter's `x._ref == ^.y` or `^.y in a[]._ref` keeps, which stays in the filter.
 *   No string: the whole view.
 * - `deref`: the view documents holding a `_ref` to a view document whose indexed field at `path`
 *   is the key: a superset of what the filter's `x->path == ^.y` keeps, which stays in it. No
 *   string: the whole view.
 * - `derefScan`: as `deref` for a field the side table does not keep, read from the documents
 *   `->` finds from the view's (the view read once a query, and the references at `ref` in it):
 *   exactly the documents the filter's `ref->path == ^.y` keeps; it stays. No string: the view.
 * - `id`: the view document whose `_id` is the key (what `->` of it gives), exactly what the
 *   filter's `_id == ^.x` keeps; it stays in the filter.
 * - `idIn`: the view documents whose `_id` is one of the strings of the outer array (the key
 *   spells them, memberKey), each found as `id` finds it: exactly what the filter's `_id in
 *   ^.x[]._ref` keeps; it stays in the filter.
 * - `scan`: as `derefScan` for any expression `own` of the document's through `->` (scannable):
 *   the view read once a query, `own` evaluated by groq-js on each document (every `->` of a
 *   round in one read), and its documents grouped by the string `own` gives (`member`: by each
 *   string of the array it gives, for `^.y in own`): exactly the documents the filter's `own ==
 *   ^.y` or `^.y in own` keeps; it stays. No string: the view.
 * - `scanIn`: as `scan`, for `own in ^.x`: the view documents whose `own` is one of the strings of
 *   the outer array (the key spells them, memberKey, as `idIn`'s): exactly what the filter keeps;
 *   it stays. Anything but an array of strings: the view.
 */
export type Lookup =
  | {kind: 'references'}
  | {kind: 'equals'; path: readonly string[]}
  | {kind: 'refs'}
  | {kind: 'deref'; path: readonly string[]}
  | {kind: 'derefScan'; ref: readonly string[]; path: readonly string[]}
  | {kind: 'id'}
  | {kind: 'idIn'}
  | {kind: 'scan'; own: ExprNode; member: boolean}
  | {kind: 'scanIn'; own: ExprNode}

export interface Correlated {
  /** The query with each correlated inner `*` replaced. */
  tree: ExprNode
  /**
   * Per replaced `*` (its number in the marker): the paths its documents are read at (stand-ins,
   * documentPaths.ts), or null when the subquery reads them whole.
   */
  paths: (DocumentPath[] | null)[]
  /** Per replaced `*`: what it yields for a key. */
  lookups: Lookup[]
  /**
   * Per replaced `*`: the key an outer document gives when the `*` sits in its own scope (its
   * `_id`, or the value at the `^.x` path; `[]` in it each member of an array, for `idIn` the
   * strings among them): the first ask reads every outer document's at once. None (`[]`) for an
   * outer value read through `->`, which each outer document's ask reads alone.
   */
  keys: (readonly string[])[]
  /**
   * Per replaced `*`: the `_type`s a conjunct of its filters allows (the shown layer's), or null:
   * what it yields as the whole view (and derefScan reads) may be the view documents of those.
   */
  types: (readonly string[] | null)[]
}

/** The `_ref` prefix of the replaced `*` number `index`; the key follows it. */
function referrersMarker(index: number): string {
  return `${REFERRERS_MARKER}${index}:`
}

/** The `_ref` of the replaced `*` number `index` when its outer value is null: the null rows. */
function nullMarker(index: number): string {
  return `${REFERRERS_MARKER}${index}!`
}

/** The `_ref` of the replaced `*` number `index` when its outer value is anything else: the view. */
function allMarker(index: number): string {
  return `${REFERRERS_MARKER}${index};`
}

/**
 * `tree` with each correlated inner `*` replaced (see above), or null when it has none.
 * `indexed`: the paths the store keeps beside the body (Store.indexedFields), which `path ==
 * ^.x` may look up. Rewritten once per tree (and store layout): parsed trees are reused
 * (parseQuery) and never changed.
 */
export function correlate(
  tree: ExprNode,
  indexed: readonly (readonly string[])[] = [],
): Correlated | null {
  const layout = indexed.map((path) => path.join('.')).join(',')
  let byLayout = rewrites.get(tree)
  if (!byLayout) rewrites.set(tree, (byLayout = new Map()))
  let rewritten = byLayout.get(layout)
  if (rewritten === undefined) byLayout.set(layout, (rewritten = rewrite(tree, indexed)))
  return rewritten
}

const rewrites = new WeakMap<ExprNode, Map<string, Correlated | null>>()

function rewrite(tree: ExprNode, indexed: readonly (readonly string[])[]): Correlated | null {
  const parents = new Map<Node, Node>()
  const tops: Node[] = []
  visitTree(tree as unknown as Node, null, (node, parent) => {
    if (parent) parents.set(node, parent)
    if (overDocuments(node) && !(parent?.type === 'Filter' && parent.base === node)) tops.push(node)
  })
  const replaced = new Map<Node, Node>()
  const chains: {
    filters: Node[]
    readers: Node[] | null
    lookup: Lookup
    key: readonly string[]
    conjunct: Node
    read: Node
  }[] = []
  for (const top of tops) {
    // The top of a chain `*[a][b]…`: every filter evaluated only on the looked-up documents must be
    // safe, and one must keep only documents found by a key of the scope's `^`.
    const filters: Node[] = []
    let everything = top
    while (everything.type === 'Filter') {
      filters.unshift(everything.expr as Node)
      everything = everything.base as Node
    }
    if (filters.length === 0 || !filters.every(safe)) continue
    // A conjunct comparing with `^` first; with a constant only in another's scope (a `*` the
    // query evaluates once, where it is planned as the scan, stays so).
    const keyed = (constants: boolean) => {
      const only =
        (find: (filter: Node) => Found | null) =>
        (filter: Node): Found | null => {
          const found = find(filter)
          return found && (constants || !found.constant) ? found : null
        }
      return (
        firstOf(filters, only(referencesParentId)) ??
        firstOf(
          filters,
          only((f) => equalsParent(f, indexed)),
        ) ??
        firstOf(filters, only(refsParent)) ??
        firstOf(
          filters,
          only((f) => derefParent(f, indexed)),
        ) ??
        firstOf(filters, only(idParent)) ??
        firstOf(filters, only(idInParent)) ??
        firstOf(filters, only(derefScanParent)) ??
        firstOf(filters, only(scanParent)) ??
        firstOf(filters, only(scanInParent))
      )
    }
    const found = keyed(false) ?? (perElement(top, parents) ? keyed(true) : null)
    if (!found) continue
    const index = chains.length
    const plain = scopeOf(top, parents) === 'plain'
    // `{"_ref": …}` from the outer value, read where the `*` is evaluated or, where that scope is
    // not the filter's `^`, from inside a projection (which opens a scope as the filter does).
    const lookUp = (ref: (scope: Node) => Node): Node =>
      plain
        ? {type: 'Deref', base: reference(ref({type: 'This'}))}
        : {
            type: 'Deref',
            base: {
              type: 'Projection',
              base: {type: 'Object', attributes: []},
              expr: reference(ref({type: 'Parent', n: 1})),
            },
          }
    const byKey = lookUp((scope) => ({
      type: 'OpCall',
      op: '+',
      left: {type: 'Value', value: referrersMarker(index)},
      right: found.parent(scope),
    }))
    const all: Node = {type: 'Deref', base: reference({type: 'Value', value: allMarker(index)})}
    const byNull = lookUp((scope) => ({
      type: 'Select',
      alternatives: [
        {
          type: 'SelectAlternative',
          condition: {
            type: 'OpCall',
            op: '==',
            left: found.parent(scope),
            right: {type: 'Value', value: null},
          },
          value: {type: 'Value', value: nullMarker(index)},
        },
      ],
    }))
    if (found.lookup.kind === 'references') {
      // references() of an array (an outer `_id` no document has, as `[{"_id": ["a", "b"]}]`)
      // matches the referrers of any string in it: the whole view filtered by the conjunct as
      // written, a filter in the `*`'s place, whose `^` is the same scope. Of anything else
      // (null, a number) nothing.
      const ofArray = lookUp((scope) => ({
        type: 'Select',
        alternatives: [
          {
            type: 'SelectAlternative',
            // count() of anything but an array is null.
            condition: {
              type: 'OpCall',
              op: '!=',
              left: {
                type: 'FuncCall',
                namespace: 'global',
                name: 'count',
                args: [found.parent(scope)],
              },
              right: {type: 'Value', value: null},
            },
            value: {type: 'Value', value: allMarker(index)},
          },
        ],
      }))
      const filtered: Node = {type: 'Filter', base: ofArray, expr: found.conjunct}
      replaced.set(everything, coalesce([byKey, filtered, {type: 'Array', elements: []}]))
      // Every document given references the id: that conjunct is true of each.
      replaced.set(found.conjunct, {type: 'Value', value: true})
    } else if (found.lookup.kind === 'scanIn') {
      // The conjunct stays. An outer array of strings spells its key; anything else reads the
      // whole view: an array with another member (null is in a `->` that finds nothing), and no
      // array, which matches nothing unless it is a path() written out (`in` of it globs).
      replaced.set(everything, coalesce([byKey, all]))
    } else if (found.lookup.kind === 'id' || found.lookup.kind === 'idIn') {
      // The conjunct stays; no `_id` equals anything but a string (`in` of anything but an
      // array, which the key is null for, matches nothing).
      replaced.set(everything, coalesce([byKey, {type: 'Array', elements: []}]))
    } else if (
      found.lookup.kind === 'refs' ||
      found.lookup.kind === 'deref' ||
      found.lookup.kind === 'derefScan' ||
      found.lookup.kind === 'scan'
    ) {
      // The conjunct stays; no string reads the whole view.
      replaced.set(everything, coalesce([byKey, all]))
    } else {
      // An equality stays. No string: null looks up the field's null or missing rows, anything
      // else reads the whole view.
      replaced.set(everything, coalesce([byKey, byNull, all]))
    }
    chains.push({
      filters,
      readers: readersOf(top, parents),
      lookup: found.lookup,
      key: found.key,
      conjunct: found.conjunct,
      read: found.read,
    })
  }
  if (chains.length === 0) return null
  return {
    tree: replace(tree as unknown as Node, replaced) as ExprNode,
    paths: chains.map(({filters, readers, conjunct, read}) => {
      if (readers === null) return null
      // The kept equality reads the field (its `^.x` is the outer scope's, not the document's).
      const reading = new Map(replaced).set(conjunct, read)
      return documentPaths(
        [...filters, ...readers].map((node) => replace(node, reading)) as unknown as ExprNode[],
      )
    }),
    lookups: chains.map(({lookup}) => lookup),
    keys: chains.map(({key}) => key),
    types: chains.map(({filters}) => typesOf(filters)),
  }
}

/** What a filter's conjunct keys the replaced `*` by. */
interface Found {
  lookup: Lookup
  conjunct: Node
  /** The path of the outer value read from the outer document (`_id`, or `^.x`'s `x`). */
  key: readonly string[]
  /** The outer value, read from `scope` (`@` where the `*` is evaluated, or a projection's `^`). */
  parent: (scope: Node) => Node
  /** What the conjunct reads of each document. */
  read: Node
  /** The outer value is a constant (a literal or parameter), the same for every outer document. */
  constant?: boolean
}

function firstOf(filters: Node[], find: (filter: Node) => Found | null): Found | null {
  for (const filter of filters) {
    const found = conjunctOf(filter, find)
    if (found) return found
  }
  return null
}

/** The first conjunct of `filter` (alone or under `&&`, in groups) `find` keys by. */
function conjunctOf(filter: Node, find: (filter: Node) => Found | null): Found | null {
  if (filter.type === 'Group') return conjunctOf(filter.base as Node, find)
  if (filter.type === 'And') {
    return conjunctOf(filter.left as Node, find) ?? conjunctOf(filter.right as Node, find)
  }
  return find(filter)
}

/** `{"_ref": value}` */
function reference(value: Node): Node {
  return {
    type: 'Object',
    attributes: [{type: 'ObjectAttributeValue', name: '_ref', value}],
  }
}

function coalesce(args: Node[]): Node {
  return {type: 'FuncCall', namespace: 'global', name: 'coalesce', args}
}

/**
 * Whether the scope a node is evaluated in is a plain one (a filter's or projection's per
 * element, or the root), whose `@` the filters over it see as `^`; 'other' when it is hidden from
 * `^` (a Map's, a FlatMap's) or not known here.
 */
function scopeOf(node: Node, parents: ReadonlyMap<Node, Node>): 'plain' | 'other' {
  for (let child = node, up = parents.get(node); up; child = up, up = parents.get(up)) {
    if (up.type === 'FuncCall') {
      if (up.namespace !== 'global' || !PLAIN_FUNCTIONS.has(up.name as string)) return 'other'
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
 * Whether the chain `top` is evaluated once per element of another scope (a filter's, a
 * projection's, a Map's or an order()'s expression around it), not once a query.
 */
function perElement(top: Node, parents: ReadonlyMap<Node, Node>): boolean {
  for (let child = top, up = parents.get(top); up; child = up, up = parents.get(up)) {
    if (
      up.base !== child &&
      ['Filter', 'Projection', 'Map', 'FlatMap', 'PipeFuncCall'].includes(up.type)
    )
      return true
  }
  return false
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

/** `references(^._id)`. */
function referencesParentId(filter: Node): Found | null {
  if (filter.type !== 'FuncCall' || filter.namespace !== 'global' || filter.name !== 'references')
    return null
  const args = filter.args as Node[]
  if (args.length !== 1) return null
  const path = parentPath(args[0])
  if (path?.length !== 1 || path[0] !== '_id') return null
  return {
    lookup: {kind: 'references'},
    conjunct: filter,
    key: path,
    parent: (scope) => attributeOf(scope, path),
    read: {type: 'Value', value: true},
  }
}

/**
 * `own == ^.x` or `^.x == own`, where `lookupOf(own)` says how the store finds the documents whose
 * `own` is a given outer value (null: it cannot).
 */
function parentEquals(filter: Node, lookupOf: (own: Node) => Lookup | null): Found | null {
  if (filter.type !== 'OpCall' || filter.op !== '==') return null
  for (const [own, outer] of [
    [filter.left, filter.right],
    [filter.right, filter.left],
  ] as [Node, Node][]) {
    const value = outerValue(outer)
    const lookup = value && lookupOf(own)
    if (!value || !lookup) continue
    return {lookup, conjunct: filter, ...value, read: own}
  }
  return null
}

/**
 * The outer value `node` reads: `^.a.b` (its key the path, read from every outer document at
 * once), or a chain of attributes, indexes and `->` from `^` through at least one `->`
 * (`^.article->source._ref`: a headline's "more from this source"), which groq-js evaluates
 * where the `*` was, its `->` through the view's; no outer document gives it without that, so
 * its key is none (`[]`) and each outer document's is read when it asks. Else null.
 */
function outerValue(node: Node): Pick<Found, 'key' | 'parent' | 'constant'> | null {
  const path = parentPath(node)
  if (path) return {key: path, parent: (scope) => attributeOf(scope, path)}
  // A literal or a parameter (parse writes parameters in): one key for every outer document.
  if (node.type === 'Value') return {key: [], parent: () => node, constant: true}
  let derefs = 0
  const root = (n: Node): boolean => {
    if (n.type === 'Parent') return n.n === 1
    if (n.type === 'Deref') derefs++
    else if (n.type === 'AccessElement') {
      if (typeof n.index !== 'number') return false
    } else if (n.type !== 'AccessAttribute' && n.type !== 'Group') return false
    return Boolean(n.base) && root(n.base as Node)
  }
  if (!root(node) || derefs === 0) return null
  return {key: [], parent: (scope) => withParent(node, scope)}
}

const isIndexed = (indexed: readonly (readonly string[])[], path: readonly string[]) =>
  indexed.some((field) => field.length === path.length && field.every((k, i) => k === path[i]))

/** `field == ^.x` or `^.x == field`, the field one the store keeps beside the body. */
function equalsParent(filter: Node, indexed: readonly (readonly string[])[]): Found | null {
  return parentEquals(filter, (own) => {
    const path = ownPath(own)
    return path && isIndexed(indexed, path) ? {kind: 'equals', path} : null
  })
}

/**
 * `x->f == ^.y` or `^.y == x->f`, `f` a field the store keeps beside the body and `x` a value of the
 * document's (inDocument): what `->` finds was named by a string `_ref` of the document, a row of
 * the references table.
 */
function derefParent(filter: Node, indexed: readonly (readonly string[])[]): Found | null {
  return parentEquals(filter, (own) => {
    const chain = attributeChain(own)
    if (chain?.root?.type !== 'Deref' || !inDocument(chain.root.base as Node)) return null
    return isIndexed(indexed, chain.path) ? {kind: 'deref', path: chain.path} : null
  })
}

/**
 * `x->f == ^.y` or `^.y == x->f`, `f` a field the side table does not keep and `x` an attribute
 * path of the document's (`source`, `meta.source`): what `->` finds is read for every view
 * document once a query, not once per outer document (view.ts derefScan).
 */
function derefScanParent(filter: Node): Found | null {
  return parentEquals(filter, (own) => {
    const chain = attributeChain(own)
    if (chain?.root?.type !== 'Deref' || chain.path.length === 0) return null
    const ref = ownPath(chain.root.base as Node)
    return ref && ref.length > 0 ? {kind: 'derefScan', ref, path: chain.path} : null
  })
}

/**
 * `own == ^.y`, `^.y == own` or `^.y in own`, `own` an expression of the document's through `->`
 * that is no attribute path's (scannable: `(x->).f`, `x->y->f`, `x[0]->f`, `coalesce(a, b)->f`,
 * `x[]->f`): what it gives is read for every view document once a query (view.ts scan). For a
 * string outer value, `==` holds where `own` is that string and `in` where `own` is an array
 * holding it (groq-js's `in` of an array; no node of `own` gives a path()), so the documents
 * grouped by those strings are exactly the ones it keeps.
 */
function scanParent(filter: Node): Found | null {
  if (filter.type === 'OpCall' && filter.op === 'in') {
    const value = outerValue(filter.left as Node)
    const own = filter.right as Node
    if (!value || !scannable(own)) return null
    return {
      lookup: {kind: 'scan', own: own as unknown as ExprNode, member: true},
      conjunct: filter,
      ...value,
      read: own,
    }
  }
  return parentEquals(filter, (own) =>
    scannable(own) ? {kind: 'scan', own: own as unknown as ExprNode, member: false} : null,
  )
}

/**
 * `own in ^.x`, `own` as scanParent's: the document's value among the outer array's. Its key
 * spells the array's strings (spelledMembers, as idInParent's), and only when every member is a
 * string: `in` of an array holding null, a number or an array may match what `own` gives for no
 * string (a `->` that finds nothing gives null).
 */
function scanInParent(filter: Node): Found | null {
  if (filter.type !== 'OpCall' || filter.op !== 'in') return null
  const own = filter.left as Node
  const path = parentPath(filter.right as Node)
  if (!path || !scannable(own)) return null
  const spelled = (scope: Node): Node => {
    const array: Node = {type: 'ArrayCoerce', base: attributeOf(scope, path)}
    const each: Node = {type: 'Map', base: array, expr: memberSpelling()}
    const strings: Node = {type: 'FuncCall', namespace: 'array', name: 'compact', args: [each]}
    const count = (of: Node): Node => ({
      type: 'FuncCall',
      namespace: 'global',
      name: 'count',
      args: [of],
    })
    return {
      type: 'Select',
      alternatives: [
        {
          type: 'SelectAlternative',
          condition: {type: 'OpCall', op: '==', left: count(each), right: count(strings)},
          value: {
            type: 'FuncCall',
            namespace: 'array',
            name: 'join',
            args: [strings, {type: 'Value', value: ''}],
          },
        },
      ],
    }
  }
  return {
    lookup: {kind: 'scanIn', own: own as unknown as ExprNode},
    conjunct: filter,
    key: [...path, '[]'],
    parent: spelled,
    read: own,
  }
}

/**
 * Whether `node` reads the document through `->` and nothing but the document, what `->` finds
 * from it and the query's constants (parameters are inlined by parse; now() and identity() are
 * the query's): at least one `->`, any node a filter may hold here (safe: select(), functions
 * among PLAIN_FUNCTIONS and array::compact(), filters and projections inside it), no `*`, and no
 * `^` past the document (`^` inside its own filters is the document or an item of it, as in the
 * scan). A path() only as the right of `in`, which gives a boolean: a path() given as the value
 * would glob in `^.y in own`, which the scan's groups by string cannot answer.
 */
function scannable(node: Node): boolean {
  let derefs = 0
  let paths = true
  visitTree(node, null, (n, parent) => {
    if (n.type === 'Deref') derefs++
    const globbed = parent?.type === 'OpCall' && parent.op === 'in' && parent.right === n
    if (n.type === 'FuncCall' && n.name === 'path' && !globbed) paths = false
  })
  return derefs > 0 && paths && safe(node) && !readsOuterScope(node, 0)
}

/**
 * The types a conjunct `_type == "a"`, `"a" == _type` or `_type in ["a", "b"]` of any of `filters`
 * allows (the intersection where several do), or null when none says.
 */
function typesOf(filters: Node[]): string[] | null {
  let types: string[] | null = null
  const visit = (node: Node): void => {
    if (node.type === 'Group') return visit(node.base as Node)
    if (node.type === 'And') {
      visit(node.left as Node)
      return visit(node.right as Node)
    }
    if (node.type !== 'OpCall') return
    const [left, right] = [node.left as Node, node.right as Node]
    const isType = (side: Node) => ownPath(side)?.join('.') === '_type'
    let allowed: string[] | null = null
    if (node.op === '==') {
      const value = isType(left) ? right : isType(right) ? left : null
      if (value?.type === 'Value' && typeof value.value === 'string') allowed = [value.value]
    } else if (node.op === 'in' && isType(left) && right.type === 'Array') {
      const values = (right.elements as Node[]).map((element) =>
        !element.isSplat && (element.value as Node).type === 'Value'
          ? (element.value as Node).value
          : undefined,
      )
      if (values.every((value) => typeof value === 'string')) allowed = values as string[]
    }
    if (allowed) types = types ? types.filter((type) => allowed.includes(type)) : allowed
  }
  for (const filter of filters) visit(filter)
  return types
}

/** `_id == ^.x` or `^.x == _id`. */
function idParent(filter: Node): Found | null {
  return parentEquals(filter, (own) => {
    const path = ownPath(own)
    return path?.length === 1 && path[0] === '_id' ? {kind: 'id'} : null
  })
}

/**
 * `_id in ^.x[]._ref` (`^.x[]`, `^.x[].y._ref`, `^.x[].y[]._ref`: the outer value is an array of
 * the outer document's, or null, never a path). Its key is the array's strings spelled out in one
 * string (memberKey): each string's length (as groq-js's length() counts it) and `:`, then the
 * string, so no member's text can be read as another's.
 */
function idInParent(filter: Node): Found | null {
  if (filter.type !== 'OpCall' || filter.op !== 'in') return null
  const own = ownPath(filter.left as Node)
  if (own?.length !== 1 || own[0] !== '_id') return null
  const key = outerMembers(filter.right as Node)
  if (!key) return null
  const spelled = (scope: Node): Node => {
    const each: Node = {
      type: 'Map',
      base: withParent(filter.right as Node, scope),
      expr: memberSpelling(),
    }
    const strings: Node = {type: 'FuncCall', namespace: 'array', name: 'compact', args: [each]}
    return {
      type: 'FuncCall',
      namespace: 'array',
      name: 'join',
      args: [strings, {type: 'Value', value: ''}],
    }
  }
  return {lookup: {kind: 'idIn'}, conjunct: filter, key, parent: spelled, read: filter.left as Node}
}

/**
 * A member `@` spelled `string(length(@)) + ":" + @`: null for any member but a string (length()
 * of a number, null or object is null, of an array a number, and an array added to a string is
 * null), which compact() drops.
 */
function memberSpelling(): Node {
  const member: Node = {type: 'This'}
  const length: Node = {type: 'FuncCall', namespace: 'global', name: 'length', args: [member]}
  const count: Node = {type: 'FuncCall', namespace: 'global', name: 'string', args: [length]}
  return {
    type: 'OpCall',
    op: '+',
    left: {type: 'OpCall', op: '+', left: count, right: {type: 'Value', value: ':'}},
    right: member,
  }
}

/**
 * The path of `^.x[]`, `^.x[].y` or `^.x[].y[].z` (`[]` for each member), the `^` one scope up and
 * the rest read from the members; else null.
 */
function outerMembers(node: Node): string[] | null {
  if (node.type === 'ArrayCoerce') {
    const base = coerced(node.base as Node)
    const path = parentPath(base)
    return path && [...path, '[]']
  }
  if (node.type !== 'Map' && node.type !== 'FlatMap') return null
  const base = outerMembers(node.base as Node)
  const rest = memberPath(node.expr as Node)
  return base && rest && [...base, ...rest]
}

/** `y._ref`, `y[]._ref` (through a Map) read from `@`, as a path; else null. */
function memberPath(node: Node): string[] | null {
  if (node.type === 'Map') {
    const base = node.base as Node
    if (base.type !== 'ArrayCoerce') return null
    const array = ownPath(coerced(base.base as Node))
    const rest = memberPath(node.expr as Node)
    return array && rest && [...array, '[]', ...rest]
  }
  return ownPath(node)
}

/** `x` for `x[]…[]` (`[]` of an array is the array: one `[]` says it all). */
function coerced(node: Node): Node {
  return node.type === 'ArrayCoerce' ? coerced(node.base as Node) : node
}

/** `node` (outerMembers' shape) with its `^` read from `scope`. */
function withParent(node: Node, scope: Node): Node {
  if (node.type === 'Parent') return scope
  return {...node, base: withParent(node.base as Node, scope)}
}

/** `^.a.b` as ['a', 'b'] (the `^` one scope up), else null. */
function parentPath(node: Node): string[] | null {
  const chain = attributeChain(node)
  return chain?.root?.type === 'Parent' && chain.root.n === 1 ? chain.path : null
}

/** `a.b` or `@.a.b` as ['a', 'b'], else null. */
function ownPath(node: Node): string[] | null {
  const chain = attributeChain(node)
  return chain && (!chain.root || chain.root.type === 'This') ? chain.path : null
}

/**
 * `x._ref == ^.y`, `^.y == x._ref`, `^.y in a[]._ref` or `^.y in [a._ref, b._ref]`, where each
 * value the document's side gives is a `_ref` of the document's own or an array of them
 * (refValues). `in` only over a `[]` projection or an array written out (refMembers): `^.y in
 * a._ref` also holds for a `_ref` that is an array of strings, which has no row (a `_ref` array
 * inside a projection's array, or as an element of one written out, is not searched).
 */
function refsParent(filter: Node): Found | null {
  if (filter.type !== 'OpCall') return null
  const pairs: [Node, Node][] =
    filter.op === '=='
      ? [
          [filter.left as Node, filter.right as Node],
          [filter.right as Node, filter.left as Node],
        ]
      : filter.op === 'in'
        ? [[filter.right as Node, filter.left as Node]]
        : []
  for (const [own, outer] of pairs) {
    const value = outerValue(outer)
    if (!value) continue
    if (filter.op === 'in' ? !refMembers(own) : !refValues(own)) continue
    return {lookup: {kind: 'refs'}, conjunct: filter, ...value, read: own}
  }
  return null
}

/**
 * Whether every value `node` gives is the value of a `_ref` key in the document (`a._ref`,
 * `a[0].b._ref`, the root's `_ref`) or an array of such values (`a[]._ref`, `a[].b._ref`): so a
 * string it equals or holds is a row of the references table. Not a `[]` flattening after the
 * `_ref` (`a[]._ref[]`), whose members are inside a `_ref`'s array, nor anything read through
 * `->` (another document's).
 */
function refValues(node: Node): boolean {
  if (node.type === 'Map') return inDocument(node.base as Node) && refValues(node.expr as Node)
  const chain = attributeChain(node)
  return chain?.path.at(-1) === '_ref' && (!chain.root || inDocument(chain.root))
}

/**
 * Whether every member `in` searches of what `node` gives is a `_ref` value of the document's:
 * `a[]._ref`, or an array written out whose elements are such values (`[a._ref, b._ref]`; a splat
 * only of a `[]` projection's, `[...a[]._ref]`, since `...a._ref` spreads a `_ref`'s own array).
 */
function refMembers(node: Node): boolean {
  if (node.type === 'Map') return refValues(node)
  if (node.type !== 'Array') return false
  return (node.elements as Node[]).every((element) =>
    element.isSplat ? refMembers(element.value as Node) : refValues(element.value as Node),
  )
}

/**
 * Whether every value `node` gives is one of the document's (or null): `@`, `a.b`, `a[]`, `a[0]`,
 * an array written out of such values (`[a, b[0]]`).
 */
function inDocument(node: Node): boolean {
  switch (node.type) {
    case 'This':
      return true
    case 'AccessAttribute':
      return !node.base || inDocument(node.base as Node)
    case 'ArrayCoerce':
    case 'AccessElement':
      return inDocument(node.base as Node)
    case 'Map':
    case 'FlatMap':
      return inDocument(node.base as Node) && inDocument(node.expr as Node)
    case 'Array':
      return (node.elements as Node[]).every((element) => inDocument(element.value as Node))
    default:
      return false
  }
}

function attributeOf(base: Node, path: readonly string[]): Node {
  return path.reduce<Node>((node, name) => ({type: 'AccessAttribute', base: node, name}), base)
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
    // array::compact() gives null for anything but an array, never an error, in one pass.
    if (n.namespace === 'array' && n.name === 'compact') return safe(n.args)
    if (n.namespace !== 'global') return false
    if (n.name === 'path') return linearGlob(n)
    if (!PLAIN_FUNCTIONS.has(n.name as string)) return false
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
