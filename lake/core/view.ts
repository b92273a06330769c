/**
 * The documents one query sees: candidates from the store (narrowed by the query plan when it
 * can be), filtered by read permission, through the perspective. Also the matching dereference.
 */
import {evaluateSync, type DereferenceFunction, type ExprNode} from 'groq-js'
import type {
  Condition,
  ScanHint,
  SearchHint,
  SelectedRow,
  Selection,
  Store,
  Tally,
} from './store.ts'
import {defineField, documentPaths, standIn, type DocumentPath} from './documentPaths.ts'
import {DRAFTS_PREFIX, getPublishedId, VERSIONS_PREFIX} from './ids.ts'
import {applyPerspective, excludedIdPrefixes, type Perspective} from './perspective.ts'
import {correlate, REFERRERS_MARKER, type Correlated} from './correlated.ts'
import {conditionOf, planQuery, type QueryPlan, type TopK} from './plan.ts'
import {createLru} from './lru.ts'
import {evaluateQuery, type QueryContext} from './query.ts'
import type {ScoreBounds} from './scoreTopK.ts'
import type {SanityDocument} from './types.ts'

/** Candidates per filter evaluation while reading an ordered top-k. */
const TOP_K_BATCH = 200

export interface ViewOptions {
  store: Store
  perspective: Perspective
  apiVersion: string
  plan: QueryPlan
  /** Read permission by stored id. */
  canRead: (id: string) => boolean
  /** Parameters, identity and clock, for evaluating a top-k filter on batches. */
  context?: QueryContext
  /** The parsed query: lets the store answer `count(*[…])` itself (see View.query). */
  tree?: ExprNode
  /** The caller may read every document the view shows (no per-id check needed for a count). */
  readsAll?: boolean
  /**
   * The caller may read exactly the view's documents under the root path (an anonymous caller of a
   * public dataset in the published view): a count needs no per-id check either.
   */
  readsRootPath?: boolean
  /**
   * Takes a scan's documents a batch at a time, in view order, so the view never holds them all
   * (the Studio's ranked search: core/scoreTopK.ts); the view then answers with its query.
   */
  sink?: DocumentSink
}

export interface DocumentSink {
  /**
   * The next documents, in view order, or out of it with their view ids (`ids`), which place
   * them in it: a view is in `_id` order.
   */
  add(documents: readonly SanityDocument[], ids?: readonly string[]): void
  /** The query to evaluate once every document went by. */
  finish(): ExprNode
  /** Below this bound a document cannot change the answer (ScoreStage.floor). */
  floor(): number
  /** Upper bounds of what a document adds, before it is read (core/scoreTopK.ts). */
  bounds?: ScoreBounds
}

export interface View {
  documents: SanityDocument[]
  /** `->` resolves through the same perspective and permissions, also outside the narrowed set. */
  dereference: DereferenceFunction
  /** The query to evaluate over `documents` (`tree` with answered parts replaced), when changed. */
  query?: ExprNode
}

/** Candidates by id up to which an order over other attributes reads them all, unordered. */
const FEW_CANDIDATES = 1000

/** Candidates per filter evaluation and per body read when streaming a scan. */
const SCAN_BATCH = 500
/**
 * Documents parsed per filter evaluation when streaming a whole scan. A batch is alive while the
 * next is parsed: 500 parsed articles (several MB) outlived a query thread's young generation and
 * were promoted, so a scan of 100,000 grew each thread's old generation by tens of MB.
 */
const STREAM_BATCH = 100
/** Documents read per step when reading by falling bound (few are read past the floor). */
const BOUNDED_BATCH = 64

export async function loadView(options: ViewOptions): Promise<View> {
  // An inner `*[… && references(^._id)]` or `*[… && field == ^.x]` per outer document reads the
  // references or the side table instead of the view (correlated.ts); the rest of the query is
  // planned as if it had no such `*`.
  const correlated =
    options.tree && !options.sink ? correlate(options.tree, options.store.indexedFields) : null
  const shown = presenter(options)
  const references = referencesOf(options, shown)
  if (!correlated) {
    const view = await loadPlainView(options, shown, references.dereference)
    references.outer(view.documents, view.query ?? options.tree)
    return view
  }
  const referrers = referrersOf(options, correlated, shown)
  const view = await loadPlainView(
    {...options, plan: planQuery(correlated.tree), tree: correlated.tree},
    shown,
    references.dereference,
    referrers,
  )
  referrers.outer(view.documents)
  references.outer(view.documents, view.query ?? correlated.tree)
  return {...view, query: view.query ?? correlated.tree}
}

/** The view's and the correlated subqueries' one presenter (loadView makes it once). */
type Presenter = ReturnType<typeof presenter>

/** What the caller sees of stored documents: its grants, the perspective's exclusions and layers. */
function presenter({perspective, apiVersion, canRead}: ViewOptions) {
  const exclude = excludedIdPrefixes(perspective, apiVersion)
  const present = (docs: Iterable<SanityDocument | null>) => {
    const out: SanityDocument[] = []
    for (const doc of docs)
      if (doc && canRead(doc._id) && !excluded(doc._id, exclude)) out.push(doc)
    return applyPerspective(out, perspective, apiVersion)
  }
  return {exclude, present}
}

async function loadPlainView(
  options: ViewOptions,
  {exclude, present}: Presenter,
  /** `->` through the perspective and the caller's grants (referencesOf). */
  ownDereference: DereferenceFunction,
  /** Replaced inner `*`s' referrers: wraps the view's dereference (every evaluation's). */
  referrers?: Referrers,
): Promise<View> {
  const {store, perspective, plan, canRead} = options

  const dereference = referrers ? referrers.dereference(ownDereference) : ownDereference

  /** The scan's documents, in the view or (published and raw views) through the sink. */
  const gather = (hint: ScanHint): View => {
    const {sink} = options
    // In a stack a document group's layers come apart in id order: the view needs all of them.
    if (!sink || perspective.kind === 'stack') {
      const paths = hint.search && perspective.kind !== 'stack' ? searchPaths(options) : null
      return {documents: present(store.scan(hint, paths ?? undefined)), dereference}
    }
    if (sink.bounds && store.tally) {
      readByBound(
        store,
        hint,
        perspective,
        sink,
        sink.bounds,
        (id) => canRead(id) && !excluded(id, exclude),
        present,
      )
    } else {
      for (const batch of batches(store.scan(hint))) sink.add(present(batch))
    }
    return {documents: [], query: sink.finish(), dereference}
  }

  if (plan.starCount === 0) return {documents: [], dereference}
  if (plan.scan) {
    const view = await planned(options, exclude, dereference, referrers?.outer)
    if (view) return {...view, dereference}
  }
  const hint = plan.hint
  // In a stack the view `_id` is the group's, not the stored one: the store orders by the group
  // for it (ScanHint.order). A slice without keys (view order) or a key inside `_id` reads all.
  const idKey =
    plan.topK?.keys.some((key) => key.path[0] === '_id' && key.path.length > 1) ||
    plan.topK?.keys.length === 0
  if (plan.topK && !(perspective.kind === 'stack' && idKey)) {
    // Raw and published views keep stored ids; other perspectives narrow as below.
    const hinted: ScanHint =
      perspective.kind === 'raw'
        ? {...hint}
        : {types: hint?.types, attributes: hint?.attributes, search: hint?.search}
    if (perspective.kind === 'published' && hint?.idPrefixes) hinted.idPrefixes = hint.idPrefixes
    if (perspective.kind !== 'raw' && hint?.ids) hinted.ids = groupIds(hint.ids, perspective)
    hinted.excludeIdPrefixes = exclude
    const documents = await readTopK(
      store,
      hinted,
      plan.topK,
      perspective,
      present,
      {...options.context, dereference},
      referrers?.outer,
    )
    if (documents) return {documents, dereference}
  }
  if (!hint || perspective.kind === 'raw') {
    return gather({...hint, excludeIdPrefixes: exclude})
  }
  // Non-raw: the hint speaks of view ids (published ids). Narrow by type, id or attribute, then
  // complete each candidate's document group so the perspective picks the right layer.
  const narrowed: ScanHint = {excludeIdPrefixes: exclude}
  if (hint.types) narrowed.types = hint.types
  if (hint.ids) narrowed.ids = groupIds(hint.ids, perspective)
  if (hint.attributes) narrowed.attributes = hint.attributes
  if (hint.search) narrowed.search = hint.search
  if (!hint.types && !hint.ids && !hint.attributes && !hint.search) {
    return gather({excludeIdPrefixes: exclude})
  }
  if (perspective.kind === 'published') return gather(narrowed)
  const {sink} = options
  if (sink?.bounds && store.tally) {
    const visible = (id: string) => canRead(id) && !excluded(id, exclude)
    readByBound(store, narrowed, perspective, sink, sink.bounds, visible, present)
    return {documents: [], query: sink.finish(), dereference}
  }
  const groups = new Set<string>()
  // The candidates' ids alone (stand-ins, no paths): each group is read whole below, so a body
  // parsed here was parsed twice (a word in most documents that the scores cannot bound, a
  // Latin one: every candidate).
  for (const doc of store.scan(narrowed, [])) groups.add(getPublishedId(doc._id))
  if (!sink) {
    return {documents: present(store.getDocuments(groupIds([...groups], perspective))), dereference}
  }
  // Whole groups a batch at a time, in the order of their view ids.
  for (const chunk of batches([...groups].sort())) {
    sink.add(present(store.getDocuments(groupIds(chunk, perspective))))
  }
  return {documents: [], query: sink.finish(), dereference}
}

/**
 * The view documents past which `->` is not read ahead (referencesOf): a guess at what the
 * query dereferences may read references it does not follow, at most this many.
 */
const REFERENCES_AHEAD = 100

/** The documents `->` read one at a time that the view keeps for the next `->` of them. */
const RECENT_REFERENCES = 32

interface References {
  dereference: DereferenceFunction
  /**
   * The view's documents and the query evaluated over them: the first `->` after this reads the
   * documents that the query's `->` paths (derefPaths) reach from them, at once.
   */
  outer: (documents: readonly SanityDocument[], query: ExprNode | undefined) => void
}

/**
 * The view's `->`: a reference's document as the view shows it (the perspective's layer, the
 * caller's grants), or null. groq-js follows one reference at a time, each a read of the store (a
 * statement for its size, one for its body, and a parse): the front page's 20 `source->name`
 * were 40 statements, two fifths of its query's CPU in place. So once the view's documents are
 * known, the first `->` also reads every document the query's dereferenced paths reach from them
 * (at most REFERENCES_AHEAD of them), in one read, and the rest are answered from it. A reference
 * read ahead that the query does not follow costs a read, never a different answer: each is
 * answered as it would be alone (applyPerspective chooses each group's layer by itself).
 */
function referencesOf(options: ViewOptions, {present}: Presenter): References {
  const {store, perspective} = options
  /** The documents `ids` refer to as the view shows them, by id (null: none or not readable). */
  const read = (ids: readonly string[]): Map<string, SanityDocument | null> => {
    const wanted = [...new Set(ids)]
    const stored = perspective.kind === 'raw' ? wanted : groupIds(wanted, perspective)
    const shown = new Map(present(store.getDocuments(stored)).map((doc) => [doc._id, doc]))
    return new Map(wanted.map((id) => [id, shown.get(id) ?? null]))
  }
  let known: Map<string, SanityDocument | null> | null = null
  let ahead: (() => string[]) | null = null
  // The last few read one at a time: many outer documents past the read ahead naming a few
  // documents (`$desk->name`, three sources of 20,000 headlines) read each once, not once each.
  const recent = createLru<string, SanityDocument | null>(
    {entries: RECENT_REFERENCES, weight: RECENT_REFERENCES},
    () => 1,
  )
  return {
    dereference: ({_ref}) => {
      if (typeof _ref !== 'string') return null
      if (ahead) {
        known = read([_ref, ...ahead()])
        ahead = null
      }
      const found = known?.has(_ref) ? known.get(_ref) : recent.get(_ref)
      if (found !== undefined) return found
      const doc = read([_ref]).get(_ref) ?? null
      recent.set(_ref, doc)
      return doc
    },
    outer: (documents, query) => {
      known = null
      ahead = null
      const paths = query && documents.length <= REFERENCES_AHEAD ? derefPaths(query) : []
      if (paths.length === 0) return
      ahead = () => {
        const ids = new Set<string>()
        for (const doc of documents) for (const path of paths) refsAt(doc, path, ids)
        return [...ids].slice(0, REFERENCES_AHEAD)
      }
    },
  }
}

/** An attribute path from `@` (`source`, `a.b`, `@.source`), or null. */
function attributePath(node: ExprNode | undefined): string[] | null {
  const path: string[] = []
  let at = node as {type: string; name?: string; base?: ExprNode} | undefined
  while (at?.type === 'AccessAttribute') {
    path.unshift(at.name!)
    at = at.base as typeof at
  }
  return at === undefined || at.type === 'This' ? path : null
}

/**
 * The paths from `@` that the query dereferences: `source` for `source->name`, `authors[]` (as
 * `['authors', '[]']`) for `authors[]->name`. Where `@` is then is not followed: a path found
 * in a nested scope reads references ahead that may not be followed (REFERENCES_AHEAD bounds
 * them).
 */
export function derefPaths(tree: ExprNode): string[][] {
  const paths = new Map<string, string[]>()
  const add = (path: string[]) => {
    if (path.length > 0) paths.set(JSON.stringify(path), path)
  }
  const walk = (node: unknown, each: string[] | null): void => {
    if (!node || typeof node !== 'object') return
    if (Array.isArray(node)) {
      for (const item of node) walk(item, each)
      return
    }
    const n = node as {type?: string; base?: ExprNode; expr?: ExprNode}
    if (typeof n.type !== 'string') return
    if (n.type === 'Deref') {
      const path = attributePath(n.base)
      if (path) add(path.length === 0 && each ? each : path)
    }
    // `authors[]->…`: a Map over a path's array whose items are dereferenced.
    const array =
      n.type === 'Map' && n.base?.type === 'ArrayCoerce' ? attributePath(n.base.base) : null
    for (const [key, child] of Object.entries(n)) {
      if (key === 'value' && n.type === 'Value') continue
      // The items stay `@` along a chain of accesses (`authors[]->{name}`: the Deref is its base).
      walk(child, key === 'expr' && array ? [...array, '[]'] : key === 'base' ? each : null)
    }
  }
  walk(tree, null)
  return [...paths.values()]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value)
}

/** The value at the attributes `path` of `value`, as groq-js reads them (null past a non-object). */
function attributesAt(value: unknown, path: readonly string[]): unknown {
  for (const key of path) value = isObject(value) && Object.hasOwn(value, key) ? value[key] : null
  return value ?? null
}

/**
 * The strings at `path` of `value` (`[]`: each member of an array), added to `strings`: the
 * members an outer document's `^.x[].y._ref` gives (a member of a member's array too: groq-js
 * flattens only `[]` over `[]`, and a string nested deeper is left for the read of its key).
 */
function stringsAt(value: unknown, path: readonly string[], strings: Set<string>, at = 0): void {
  if (at === path.length) {
    if (typeof value === 'string') strings.add(value)
    return
  }
  if (!value || typeof value !== 'object') return
  if (path[at] === '[]') {
    if (Array.isArray(value)) for (const item of value) stringsAt(item, path, strings, at + 1)
    return
  }
  if (!Array.isArray(value)) {
    stringsAt((value as Record<string, unknown>)[path[at]], path, strings, at + 1)
  }
}

/**
 * The strings a key of `idIn` spells (correlated.ts idInParent: each string's length as groq-js's
 * length() counts it, every UTF-16 unit but a high surrogate, then `:` and the string), or null
 * when it spells none. A high surrogate right after a string's counted units is still its own
 * (it counts nothing; the next string begins with a digit).
 */
export function spelledMembers(spelled: string): string[] | null {
  const members: string[] = []
  let at = 0
  while (at < spelled.length) {
    const colon = spelled.indexOf(':', at)
    const digits = spelled.slice(at, colon)
    if (colon < 0 || !/^(0|[1-9][0-9]*)$/.test(digits)) return null
    let left = Number(digits)
    let end = colon + 1
    while (left > 0 && end < spelled.length) {
      if (!isHighSurrogate(spelled.charCodeAt(end))) left--
      end++
    }
    if (left > 0) return null
    while (end < spelled.length && isHighSurrogate(spelled.charCodeAt(end))) end++
    members.push(spelled.slice(colon + 1, end))
    at = end
  }
  return members
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff

/** The string `_ref`s at `path` of `value` (`[]`: each item of an array), added to `ids`. */
function refsAt(value: unknown, path: readonly string[], ids: Set<string>, at = 0): void {
  if (!value || typeof value !== 'object') return
  if (at === path.length) {
    const ref = (value as {_ref?: unknown})._ref
    if (typeof ref === 'string' && !Array.isArray(value)) ids.add(ref)
    return
  }
  if (path[at] === '[]') {
    if (Array.isArray(value)) for (const item of value) refsAt(item, path, ids, at + 1)
    return
  }
  if (!Array.isArray(value)) refsAt((value as Record<string, unknown>)[path[at]], path, ids, at + 1)
}

interface Referrers {
  dereference: (own: DereferenceFunction) => DereferenceFunction
  /** The outer documents the query is about to be evaluated on (their referrers are read first). */
  outer: (documents: readonly SanityDocument[]) => void
}

/**
 * The view's dereference, which also answers a replaced inner `*` (correlated.ts): a reference to
 * its marker + key gives, in view order, the view documents that reference the key (what
 * references() matches, weak references too), hold it as any string `_ref`, whose indexed
 * field is the key or whose view `_id` is (a join by id), as stand-ins at
 * `paths[index]` or whole; its all-marker gives the whole view. The first ask after the outer
 * documents are known reads the keys of all of them at once: one read of the references or side
 * table, of the groups' layers and of the values, not one per outer document.
 */
function referrersOf(
  options: ViewOptions,
  correlated: Correlated,
  {exclude, present}: Presenter,
): Referrers {
  const {store, perspective} = options
  const {paths, lookups, keys} = correlated
  // By key; null: the outer value is null (correlated.ts nullMarker).
  const found = paths.map(() => new Map<string | null, SanityDocument[]>())
  const whole: (SanityDocument[] | undefined)[] = []
  let outer: readonly SanityDocument[] = []
  const prefetched = new Set<number>()
  /**
   * The whole view, read once a query (an outer value that is no key, derefScan): the documents
   * of the types the `*`'s filters allow where they say (the filters still decide each).
   */
  const view = (index: number) => {
    const types = correlated.types[index]
    return (whole[index] ??= types
      ? ofTypes(types)
      : present(store.scan({excludeIdPrefixes: exclude})))
  }
  /**
   * The view documents whose shown layer may be of `types`: the groups with a stored layer of
   * them, the layer each shows (ids and types only, through the perspective and the caller's
   * grants), then that layer's body alone.
   */
  const ofTypes = (types: readonly string[]): SanityDocument[] => {
    const stubs = (selection: Selection) =>
      Array.from(
        store.select({...selection, excludeIdPrefixes: exclude, idsOnly: true}),
        (row) => ({_id: row.id, _type: row.type}) as SanityDocument,
      )
    let layers = stubs({where: {kind: 'type', types}})
    if (perspective.kind === 'stack') {
      const groups = [...new Set(layers.map((layer) => getPublishedId(layer._id)))]
      layers = stubs({where: {kind: 'id', ids: groupIds(groups, perspective)}})
    }
    const shown = present(layers)
    const ids = shown.map(storedId)
    const bodies = store.getDocuments(ids)
    return shown.flatMap((view, i) => {
      const doc = bodies[i]
      if (!doc) return []
      return [perspective.kind === 'raw' ? doc : {...doc, _id: view._id, _originalId: ids[i]}]
    })
  }
  /** Per derefScan: the stored ids of the view documents by the string their `ref->path` gives. */
  const scanned: (Map<string, string[]> | undefined)[] = []
  /** What derefValues read, by `_ref`, as the view's `->` gives it (null: none or not readable). */
  const dereferenced = new Map<string, SanityDocument | null>()
  /**
   * What `ref->path` gives on each view document, as groq-js reads it (an object's string `_ref`,
   * dereferenced through the perspective and the caller's grants, then the path's attributes),
   * when it is a string: every `->` of the view in one read, where groq-js read one per document
   * and outer document.
   */
  const derefValues = (index: number, ref: readonly string[], path: readonly string[]) => {
    const documents = view(index)
    const refs = documents.map((doc) => {
      const value = attributesAt(doc, ref)
      return isObject(value) && typeof value._ref === 'string' ? value._ref : null
    })
    const wanted = [...new Set(refs.filter((id) => id !== null))]
    const stored = perspective.kind === 'raw' ? wanted : groupIds(wanted, perspective)
    const shown = new Map(present(store.getDocuments(stored)).map((doc) => [doc._id, doc]))
    // Each group's layer is chosen by itself (applyPerspective), as `->` of it alone would.
    for (const id of wanted) dereferenced.set(id, shown.get(id) ?? null)
    const byValue = new Map<string, string[]>()
    documents.forEach((doc, i) => {
      const target = refs[i] === null ? null : dereferenced.get(refs[i])
      const value = target && attributesAt(target, path)
      if (typeof value !== 'string') return
      const ids = byValue.get(value)
      if (ids) ids.push(storedId(doc))
      else byValue.set(value, [storedId(doc)])
    })
    return byValue
  }
  /**
   * Per scan: the stored ids of the view documents by each string `own` gives (for `member`, each
   * string of the array it gives), evaluated by groq-js on every view document. A round evaluates
   * it on them all with the `->` read so far (an unread one gives null and is noted), then reads
   * what was noted in one read through the perspective and the caller's grants (each group's
   * layer chosen by itself); the values are kept once a round notes none, at most one round
   * more than the `->` nested in `own` (each round answers a level more), not one read per
   * document and outer document.
   */
  const scanValues = (index: number, own: ExprNode, member: boolean) => {
    const documents = view(index)
    let values: unknown[]
    for (;;) {
      const unread = new Set<string>()
      const dereference: DereferenceFunction = ({_ref}) => {
        const known = dereferenced.get(_ref)
        if (known !== undefined) return known
        unread.add(_ref)
        return null
      }
      // The query's parameters, clock and caller: `own` may read them (`lower(x->name)`,
      // `now()`), as the filter it stays in does.
      const {params, now, identity} = options.context ?? {}
      values = documents.map(
        (doc) =>
          evaluateSync(own, {root: doc, dataset: [], dereference, params, timestamp: now, identity})
            .data as unknown,
      )
      if (unread.size === 0) break
      const wanted = [...unread]
      const stored = perspective.kind === 'raw' ? wanted : groupIds(wanted, perspective)
      const shown = new Map(present(store.getDocuments(stored)).map((doc) => [doc._id, doc]))
      for (const id of wanted) dereferenced.set(id, shown.get(id) ?? null)
    }
    const byValue = new Map<string, string[]>()
    documents.forEach((doc, i) => {
      const strings = member
        ? Array.isArray(values[i])
          ? new Set(values[i].filter((value) => typeof value === 'string'))
          : []
        : typeof values[i] === 'string'
          ? [values[i]]
          : []
      for (const value of strings) {
        const ids = byValue.get(value)
        if (ids) ids.push(storedId(doc))
        else byValue.set(value, [storedId(doc)])
      }
    })
    return byValue
  }
  /** What a derefScan or scan reads, once a query; undefined for another lookup. */
  const scanOf = (index: number) => {
    const lookup = lookups[index]
    if (lookup.kind === 'scan' || lookup.kind === 'scanIn') {
      const member = lookup.kind === 'scan' && lookup.member
      return (scanned[index] ??= scanValues(index, lookup.own, member))
    }
    if (lookup.kind === 'derefScan') {
      return (scanned[index] ??= derefValues(index, lookup.ref, lookup.path))
    }
    return undefined
  }
  /** Stored ids and the keys they are found by. */
  const matches = (index: number, wanted: (string | null)[]): Map<string, (string | null)[]> => {
    const keysOf = new Map<string, (string | null)[]>()
    // Once a key: a document holding `_ref`s to two targets of one value (deref) is one match.
    const add = (id: string, key: string | null) => {
      const list = keysOf.get(id)
      if (!list) keysOf.set(id, [key])
      else if (!list.includes(key)) list.push(key)
    }
    const lookup = lookups[index]
    const strings = wanted.filter((key) => key !== null)
    if (lookup.kind === 'id' || lookup.kind === 'idIn') {
      // The id's group, found by the view `_id` its shown layer has (read below).
      for (const id of strings) add(id, id)
      return keysOf
    }
    if (lookup.kind === 'derefScan' || lookup.kind === 'scan' || lookup.kind === 'scanIn') {
      const byValue = scanOf(index)!
      for (const key of strings) for (const id of byValue.get(key) ?? []) add(id, key)
      return keysOf
    }
    if (lookup.kind === 'deref') {
      // The view documents whose field is a key (the side table, then the layer each group
      // shows), by the view `_id` `->` finds them by; then the documents holding a `_ref` to one.
      const field = fieldIndex(store.indexedFields, lookup.path)
      const valueOf = new Map<string, string>()
      const where: Condition = {kind: 'equals', field, values: strings}
      for (const row of store.select({where, excludeIdPrefixes: exclude})) {
        const value = row.fields[field]
        if (typeof value === 'string') valueOf.set(row.id, value)
      }
      if (valueOf.size === 0) return keysOf
      const stored = [...valueOf.keys()]
      const layers = perspective.kind === 'raw' ? stored : groupIds(stored, perspective)
      const rows = store.select({where: {kind: 'id', ids: layers}, idsOnly: true})
      const keyOfTarget = new Map<string, string>()
      for (const doc of present(
        Array.from(rows, (row) => ({_id: row.id, _type: row.type}) as SanityDocument),
      )) {
        const value = valueOf.get(storedId(doc))
        if (value !== undefined) keyOfTarget.set(doc._id, value)
      }
      for (const {id, target} of store.referrersOf([...keyOfTarget.keys()], 'any')) {
        add(id, keyOfTarget.get(target)!)
      }
      return keysOf
    }
    if (lookup.kind !== 'equals') {
      // references(): what it matches; a `_ref` compared: every string `_ref` of the document.
      const kind = lookup.kind === 'references' ? 'visible' : 'any'
      for (const {id, target} of store.referrersOf(strings, kind)) add(id, target)
      return keysOf
    }
    const field = fieldIndex(store.indexedFields, lookup.path)
    const where: Condition = {kind: 'equals', field, values: strings}
    // The null key: the rows whose field is null or missing (GROQ's `== null`).
    const nulls: Condition = {kind: 'not', of: {kind: 'defined', field}}
    const rows = store.select({
      where: strings.length === wanted.length ? where : {kind: 'or', of: [where, nulls]},
      excludeIdPrefixes: exclude,
    })
    for (const row of rows) {
      const value = row.fields[field]
      if (typeof value === 'string') add(row.id, value)
      // Only the null or missing key gives null here: an object's or array's matches neither.
      else if (value === null) add(row.id, null)
    }
    return keysOf
  }
  const read = (index: number, targets: (string | null)[]) => {
    const lists = found[index]
    const wanted = [...new Set(targets)].filter((id) => !lists.has(id))
    for (const id of wanted) lists.set(id, [])
    if (wanted.length === 0) return
    // Stored ids and their keys, then the layer each group shows (ids and types only): a view
    // document is found when the layer it shows is.
    const targetsOf = matches(index, wanted)
    if (targetsOf.size === 0) return
    const stored = [...targetsOf.keys()]
    const layers = perspective.kind === 'raw' ? stored : groupIds(stored, perspective)
    const rows = store.select({
      where: {kind: 'id', ids: layers},
      excludeIdPrefixes: exclude,
      idsOnly: true,
    })
    // A join by id finds the view document by its view `_id` (in a stack the group's published
    // id, whatever layer it shows), as `->` does; the others by the stored id matched.
    const byViewId = lookups[index].kind === 'id' || lookups[index].kind === 'idIn'
    const matchedId = byViewId ? (doc: SanityDocument) => doc._id : storedId
    const shown = present(
      Array.from(rows, (row) => ({_id: row.id, _type: row.type}) as SanityDocument),
    ).filter((doc) => targetsOf.has(matchedId(doc)))
    const ids = shown.map(storedId)
    const at = paths[index]
    const documents: (SanityDocument | null)[] = !at
      ? store.getDocuments(ids)
      : at.length === 0
        ? shown.map((doc, i) => ({_id: ids[i], _type: doc._type}) as SanityDocument)
        : store
            .extract(ids, at)
            .map((values, i) => values && (standIn(ids[i], shown[i]._type, at, values) as never))
    shown.forEach((view, i) => {
      const doc = documents[i]
      if (!doc) return
      const document =
        perspective.kind === 'raw' ? doc : {...doc, _id: view._id, _originalId: ids[i]}
      for (const target of targetsOf.get(matchedId(view))!) lists.get(target)?.push(document)
    })
  }
  const storedId = (doc: SanityDocument): string =>
    perspective.kind === 'raw' ? doc._id : (doc._originalId as string)
  /**
   * The keys of the replaced `*` number `index` an outer document gives in its own scope: a
   * string, null (an equality's null or missing value), for `idIn` the strings of its array; none
   * when it gives none.
   */
  const keysOf = (index: number, doc: SanityDocument): (string | null)[] => {
    if (lookups[index].kind === 'idIn' || lookups[index].kind === 'scanIn') {
      const members = new Set<string>()
      stringsAt(doc, keys[index], members)
      return [...members]
    }
    let value: unknown = doc
    for (const key of keys[index]) {
      value =
        value && typeof value === 'object' && !Array.isArray(value) ? value[key as never] : null
    }
    if (typeof value === 'string') return [value]
    return (value ?? null) === null && lookups[index].kind === 'equals' ? [null] : []
  }
  /**
   * The view documents of the `idIn` key `spelled` (memberKey's spelling of the outer array's
   * strings), in view order, each once; those not yet read are read with `batch`.
   */
  const ofMembers = (index: number, spelled: string, batch: () => (string | null)[]) => {
    const members = spelledMembers(spelled)
    // A key the rewrite did not spell: the view, which the kept conjunct filters.
    if (!members) return view(index)
    const lists = found[index]
    if (members.some((member) => !lists.has(member))) read(index, [...members, ...batch()])
    const documents = new Map<string, SanityDocument>()
    for (const member of members) for (const doc of lists.get(member)!) documents.set(doc._id, doc)
    return [...documents.values()].sort(byId)
  }
  return {
    dereference: (own) => (ref) => {
      const id = ref._ref
      if (typeof id !== 'string' || !id.startsWith(REFERRERS_MARKER)) {
        // The kept `x->f == ^.y` of a derefScan or scan dereferences what was read for it.
        const known = dereferenced.get(id as string)
        return known !== undefined ? known : own(ref)
      }
      const end = id.slice(REFERRERS_MARKER.length).search(/[:;!]/) + REFERRERS_MARKER.length
      const index = Number(id.slice(REFERRERS_MARKER.length, end))
      if (id[end] === ';') {
        // An outer value that is no string nor null: the inner `*` is the whole view, read once.
        // A scan's `->` are read with it, so the kept conjunct's on the view are answered from
        // that read, not one document at a time.
        scanOf(index)
        return view(index) as never
      }
      const target = id[end] === '!' ? null : id.slice(end + 1)
      // The keys of every outer document given last (a batch the filters are evaluated on, then
      // the view's documents), in one read.
      const batch = () => {
        const keys =
          outer.length > 0 && !prefetched.has(index)
            ? outer.flatMap((doc) => keysOf(index, doc))
            : []
        if (outer.length > 0) prefetched.add(index)
        return keys
      }
      if (lookups[index].kind === 'idIn' || lookups[index].kind === 'scanIn') {
        return ofMembers(index, target!, batch) as never
      }
      if (!found[index]?.has(target)) read(index, [target, ...batch()])
      // groq-js takes any JSON value from a dereference: an array here is the inner `*`'s.
      return (found[index]?.get(target) ?? []) as unknown as SanityDocument
    },
    outer: (documents) => {
      outer = documents
      prefetched.clear()
    },
  }
}

/**
 * A view's scan through the sink, reading only what can still change its answer: every
 * candidate's bound comes from its tally (no body read), then bodies are read by falling bound
 * until the next bound is below the sink's floor. Each document goes in at its place in view
 * order (by `_id`, as applyPerspective sorts), so ties end as with every document read. In a
 * stack the candidates are document groups, bounded by the layer the view shows.
 *
 * Where the score searches top-level attributes (the Studio's title, boosted tenfold), only the
 * candidates whose attributes may hold a query word are tallied first (TallyOptions.heads: the
 * full-text index says which); the others share one bound (ScoreBounds.headsLeftOut), and are
 * tallied and read the same way only if it reaches the floor. In a stack that is per group: a
 * group is bounded by its top layer's tally where the heads found that row, else by headsLeftOut.
 */
function readByBound(
  store: Store,
  hint: ScanHint,
  perspective: Perspective,
  sink: DocumentSink,
  bounds: ScoreBounds,
  visible: (id: string) => boolean,
  present: (docs: Iterable<SanityDocument | null>) => SanityDocument[],
): void {
  const referrers = bounds.references.map(
    (ids) =>
      new Set(
        Array.from(
          store.select({where: {kind: 'references', ids}, idsOnly: true}),
          (row) => row.id,
        ),
      ),
  )
  const boundOf = (tally: Tally) => bounds.bound({tally, referrers})
  // View ids, their bounds, and the stored ids to read for each.
  const ids: string[] = []
  const bound: number[] = []
  // First the candidates whose searched attributes may hold the words (a title tells most
  // apart): the others are tallied only if their common bound reaches the floor.
  const heads = store.tallyHeads === true && bounds.headsLeftOut !== undefined
  if (perspective.kind !== 'stack') {
    for (const tally of store.tally!(hint, bounds.probes, heads ? {heads} : undefined)) {
      if (!visible(tally.id)) continue
      ids.push(tally.id)
      bound.push(boundOf(tally))
    }
    readFalling(ids, bound, perspective, sink, store, present)
    if (!heads || bounds.headsLeftOut! < sink.floor()) return
    const seen = new Set(ids)
    const rest: string[] = []
    const restBound: number[] = []
    for (const tally of store.tally!(hint, bounds.probes)) {
      if (seen.has(tally.id) || !visible(tally.id)) continue
      rest.push(tally.id)
      restBound.push(boundOf(tally))
    }
    readFalling(rest, restBound, perspective, sink, store, present)
    return
  }
  const prefixes = perspective.layers.map((layer) =>
    layer === 'drafts' ? DRAFTS_PREFIX : `${VERSIONS_PREFIX}${layer}.`,
  )
  // Groups bounded already: the later pass leaves them out.
  const bounded = new Set<string>()
  if (heads) {
    // The view shows a group's top layer. Where that row's searched attributes may hold the
    // words, its tally bounds the group; where they hold none, or it is no candidate at all
    // (it scores 0), the group scores at most headsLeftOut. So the groups of the rows the heads
    // find, each bounded by its top row, and every other group at most headsLeftOut.
    const found = new Map<string, Tally>()
    for (const tally of store.tally!(hint, bounds.probes, {heads})) {
      if (visible(tally.id)) found.set(tally.id, tally)
    }
    // Which groups have an upper layer, candidate or not: ids only, off the side table's index.
    const upper = new Set<string>()
    for (const row of store.select({where: {kind: 'idPrefix', prefixes}, idsOnly: true})) {
      if (visible(row.id)) upper.add(row.id)
    }
    for (const id of found.keys()) {
      const group = getPublishedId(id)
      if (bounded.has(group)) continue
      bounded.add(group)
      const top = prefixes.map((prefix) => prefix + group).find((id) => upper.has(id))
      if (!top && !visible(group)) continue
      const tally = found.get(top ?? group)
      ids.push(group)
      bound.push(tally ? boundOf(tally) : bounds.headsLeftOut!)
    }
    readFalling(ids, bound, perspective, sink, store, present)
    if (bounds.headsLeftOut! < sink.floor()) return
    ids.length = 0
    bound.length = 0
  }
  const candidates = new Map<string, Tally>()
  for (const tally of store.tally!(hint, bounds.probes)) {
    if (!bounded.has(getPublishedId(tally.id))) candidates.set(tally.id, tally)
  }
  // Every upper layer of the stack, candidate or not: the view shows a group's highest.
  const upper = new Map<string, Tally>()
  for (const tally of store.tally!({idPrefixes: prefixes}, bounds.probes)) {
    if (visible(tally.id)) upper.set(tally.id, tally)
  }
  const groups = new Set<string>()
  for (const id of candidates.keys()) groups.add(getPublishedId(id))
  for (const group of groups) {
    const top = prefixes.map((prefix) => prefix + group).find((id) => upper.has(id))
    // A published layer that is no candidate has no tally: it is read.
    const tally = top ? upper.get(top)! : visible(group) ? candidates.get(group) : undefined
    if (!top && !visible(group)) continue
    ids.push(group)
    bound.push(tally ? boundOf(tally) : Infinity)
  }
  readFalling(ids, bound, perspective, sink, store, present)
}

/**
 * Reads the candidates (view ids) by falling bound (ties by id) into the sink until the next
 * bound is below its floor, sorting only the candidates at the top: those at or above the
 * REFILL-th highest bound, then the next such share if the floor has not stopped the reads. A
 * score must be above 0 to be kept.
 */
function readFalling(
  ids: readonly string[],
  bound: readonly number[],
  perspective: Perspective,
  sink: DocumentSink,
  store: Store,
  present: (docs: Iterable<SanityDocument | null>) => SanityDocument[],
): void {
  let rest: number[] = []
  for (let i = 0; i < bound.length; i++) if (bound[i] > 0) rest.push(i)
  // (Loops: Float64Array.from with a mapping function took 20 ms over 100,000.)
  const falling = new Float64Array(rest.length)
  for (let k = 0; k < rest.length; k++) falling[k] = bound[rest[k]]
  falling.sort().reverse()
  let queue: number[] = []
  let queued = 0
  for (let next = 0; ;) {
    if (next === queue.length) {
      if (rest.length === 0) break
      queued = Math.min(falling.length, queued + REFILL)
      const threshold = falling[queued - 1]
      queue = rest.filter((i) => bound[i] >= threshold)
      rest = rest.filter((i) => bound[i] < threshold)
      queued = falling.length - rest.length
      queue.sort((a, b) => bound[b] - bound[a] || compareIds(ids[a], ids[b]))
      next = 0
    }
    if (bound[queue[next]] < sink.floor()) break
    const read = queue.slice(next, next + BOUNDED_BATCH).map((i) => ids[i])
    next += read.length
    const documents = present(
      store.getDocuments(perspective.kind === 'stack' ? groupIds(read, perspective) : read),
    )
    // A document goes in at its place in view order: the view is in `_id` order.
    sink.add(
      documents,
      documents.map((doc) => doc._id),
    )
  }
}

/**
 * The paths at which a search's candidates are read instead of whole (stand-ins): where the query
 * reads its filtered `*` only through a projection, order() and a slice over paths
 * documentPaths knows (`*[_type == "article" && title match $name] {_id, title}`). A rare name's
 * candidates are each read once, so parsing whole bodies was most of the time; groq-js then
 * evaluates the query over the stand-ins, which hold everything it reads.
 */
function searchPaths({plan, tree}: ViewOptions): DocumentPath[] | null {
  if (!plan.scan || !tree) return null
  const consumers = readersOf(tree, plan.scan)
  return consumers && documentPaths([...plan.filters, ...consumers])
}

/** Candidates ordered by bound at a time in readByBound. */
const REFILL = 2048

/** JavaScript's string order (UTF-16 units), as applyPerspective sorts a view by `_id`. */
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Items a STREAM_BATCH at a time, nulls dropped. */
function* batches<T>(items: Iterable<T | null>): Generator<T[]> {
  let batch: T[] = []
  for (const item of items) {
    if (item === null) continue
    batch.push(item)
    if (batch.length < STREAM_BATCH) continue
    yield batch
    batch = []
  }
  if (batch.length > 0) yield batch
}

/**
 * The store selects by the filters as far as they translate exactly (see conditionOf), and groq-js
 * checks the rest on batches streamed through it, so only the matches are ever held. In a stack
 * (drafts, releases) only each group's top layer is selected (Selection.stack), and documents get
 * the group's id. `count(*[…])` over an exact filter and ordered
 * slices over indexed fields read no bodies beyond the rows returned.
 */
async function planned(
  options: ViewOptions,
  exclude: string[],
  dereference: DereferenceFunction,
  /** Called with each batch before the filters are evaluated on it (Referrers.outer). */
  evaluating?: (documents: readonly SanityDocument[]) => void,
): Promise<Omit<View, 'dereference'> | null> {
  const {store, perspective, plan, canRead} = options
  // An equality on an attribute outside the side table narrows better through the hinted scan
  // (json_extract, with the expression indexes signed-in callers' queries earn).
  if (plan.hint?.attributes?.some((a) => fieldIndex(store.indexedFields, a.path) < 0)) return null
  const topK = plan.topK?.base === plan.scan ? plan.topK : null
  // An order whose first keys are indexed fields and the rest not (`order(publishedAt desc, _id)`)
  // reads rows off the index by those first keys, ties on them whole: groq-js then sorts what was
  // read by every key, and whatever the other keys say, the slice is among those rows.
  const keyFields = topK?.keys.map((key) => fieldIndex(store.indexedFields, key.path))
  const indexedKeys = keyFields ? keyFields.findIndex((field) => field < 0) : -1
  const fields = keyFields && indexedKeys > 0 ? keyFields.slice(0, indexedKeys) : keyFields
  const stack = perspective.kind === 'stack' ? perspective.layers : null
  // A caller who may not read some layers (anonymous callers of a public dataset read published
  // documents only) sees a group's highest readable layer, which the store's top-of-stack
  // selection does not know: the unplanned path applies the perspective to what they may read.
  if (stack && !options.readsAll) return null
  // Lookups by view id (in a stack not the stored one) read their document groups directly
  // (below).
  if (stack && (plan.hint?.ids || plan.hint?.idPrefixes)) return null
  const {where, exact} = conditionOf(plan.filters, store.indexedFields, !stack, store.lengthFields)
  // references() alone also gives full-text candidates (the index's `refs` column); where the
  // condition already reads the references table, those add nothing.
  const searchHint =
    plan.hint?.search && !(onlyReferences(plan.hint.search) && hasKind(where, 'references'))
      ? plan.hint.search
      : null
  // Full-text candidates help an ordered slice here (rows come off the order's index, probed
  // against the candidates, so a common word stops after a few rows); anything else reads the
  // few candidates of a rare word faster through the hinted path.
  if (searchHint && !(topK && fields?.length && fields.every((field) => field >= 0))) {
    return null
  }
  // An order over other attributes: readTopK orders by json_extract instead (bounded memory),
  // unless a condition by id leaves few candidates (below).
  const otherOrder = fields?.some((field) => field < 0) && !plan.count
  if (otherOrder && !(hasKind(where, 'id') || hasKind(where, 'idPrefix'))) return null
  const context = {...options.context, dereference}
  const selection: Selection = {excludeIdPrefixes: exclude}
  if (stack) selection.stack = stack
  // Full-text candidates (searchHints.ts) narrow further; `match` is never exact, so groq-js
  // re-checks every candidate.
  const search: Condition | null = searchHint ? {kind: 'search', search: searchHint} : null
  const narrowing = [where, search].filter((c): c is Condition => Boolean(c))
  if (narrowing.length)
    selection.where = narrowing.length === 1 ? narrowing[0] : {kind: 'and', of: narrowing}
  // Few candidates by id (the Studio's `*[sanity::versionOf($id)] | order(_updatedAt)[0]`, a
  // group's layers among the versions): read as a scan's, and groq-js orders the matches. In
  // order they were read until a match came, about half of every document. Counted no further
  // than decides it (a prefix of every draft had every one counted).
  if (otherOrder && store.countSelected(selection, FEW_CANDIDATES + 1) > FEW_CANDIDATES) return null
  // A slice without order() is of the first matches in view order (by view `_id`): off the
  // documents' type index in that order when the condition is by `_type` (matches dense in the
  // type), so it reads about as many rows as it keeps (`*[_type == "article"][0...20] |
  // order(publishedAt desc)` read every article's id, in a stack every article). Otherwise every
  // match's id is read and sorted by view id (in a stack the group's).
  const byViewId = topK?.keys.length === 0 && inViewOrder(store, selection)
  /** A stored document (or stand-in) as the view shows it; its stored id stays in _originalId. */
  const toView = (doc: SanityDocument, storedId = doc._id): SanityDocument => {
    if (perspective.kind === 'raw') return doc
    const viewId = perspective.kind === 'stack' ? getPublishedId(storedId) : storedId
    return {...doc, _id: viewId, _originalId: storedId}
  }
  const storedIdOf = (doc: SanityDocument): string =>
    perspective.kind === 'raw' ? doc._id : (doc._originalId as string)
  const bodies = (ids: string[]) => {
    const out: SanityDocument[] = []
    for (const doc of store.getDocuments(ids)) if (doc) out.push(toView(doc))
    return out
  }
  const scan = plan.scan!
  // Stand-ins for the filters: from the side table when they read nothing else, or else from the
  // values at the paths they read (documentPaths.ts); only documents that match are read whole.
  // `lean`: the query reads the filtered `*` only through a projection, order() and a slice or
  // element (`*[…]{…}`, `*[…] | order(a) [0...20] {…}`, `*[…][0].a`) that read no more than the
  // stand-ins hold, so they answer it all and no body is read. An exact filter is answered by the
  // store: the stand-ins need only what the rest reads, and groq-js evaluates the query with the
  // filtered `*` replaced by the matches (`*[references($id)]{_id, _type}` reads no body).
  const consumers = options.tree ? readersOf(options.tree, scan) : null
  const needs = consumers && (exact ? consumers : [...plan.filters, ...consumers])
  let lean = false
  let partial = false
  let paths: DocumentPath[] | null = null
  // `bare`: what is read beyond the filter is only `_id` and `_type` (`*[length(title) > 75]._id`),
  // which the rows of an ids-only selection hold (a covering index answers it).
  let bare = false
  if (needs && fieldsOnly(needs, store.indexedFields)) {
    lean = partial = true
    bare = exact && fieldsOnly(needs, [])
  } else if (needs && (paths = documentPaths(needs))) lean = true
  else if (!exact) {
    partial = fieldsOnly(plan.filters, store.indexedFields)
    if (!partial) paths = documentPaths(plan.filters)
  }
  // A match the rest of the query reads only for `_id` and `_type` (`*[length(body[1]…) > $n]._id`)
  // keeps only those, not the values its filter read (a whole-body scan's 22,252 matches held
  // 20-25 MB of stand-ins on a query thread until the answer); groq-js has decided the filter.
  const slim = lean && !exact && consumers !== null && fieldsOnly(consumers, [])
  const query =
    (exact && lean) || slim ? replaceNode(options.tree!, scan, {type: 'Everything'}) : undefined
  const standIns = (rows: SelectedRow[]): (SanityDocument | null)[] => {
    if (bare) return rows.map((row) => toView({_id: row.id, _type: row.type}, row.id))
    if (partial) {
      return rows.map((row) =>
        row.complete ? toView(partialDocument(row, store.indexedFields), row.id) : null,
      )
    }
    if (!paths) return []
    const values = store.extract(
      rows.map((row) => row.id),
      paths,
    )
    return rows.map((row, i) => {
      if (!values[i]) return null
      return toView(standIn(row.id, row.type, paths, values[i]) as SanityDocument, row.id)
    })
  }
  /** The batch's documents that pass the filters (all of them when the selection is exact). */
  const matching = async (rows: SelectedRow[]): Promise<SanityDocument[]> => {
    const readable = rows.filter((row) => canRead(row.id))
    if (exact && !lean) return bodies(readable.map((row) => row.id))
    const candidates = standIns(readable)
    const needBodies = readable.filter((_, i) => !candidates[i]).map((row) => row.id)
    // By stored id: in a stack the view id is the group's.
    const full = new Map(bodies(needBodies).map((doc) => [storedIdOf(doc), doc]))
    const docs = readable.flatMap((row, i) => candidates[i] ?? full.get(row.id) ?? [])
    if (!exact) evaluating?.(docs)
    const matched = exact ? docs : ((await evaluateQuery(scan, docs, context)) as SanityDocument[])
    if (slim) return matched.map(slimmed)
    if (lean || (!partial && !paths)) return matched
    // Stand-ins that matched become their documents, in the same order.
    const missing = matched.map(storedIdOf).filter((id) => !full.has(id))
    for (const doc of bodies(missing)) full.set(storedIdOf(doc), doc)
    return matched.flatMap((doc) => full.get(storedIdOf(doc)) ?? [])
  }

  if (plan.count && options.tree) {
    let n = 0
    if (exact && options.readsAll) n = store.countSelected(selection)
    else if (exact && options.readsRootPath) {
      const {where} = selection
      const rootPath: Condition = {kind: 'rootPath'}
      n = store.countSelected({
        ...selection,
        where: where ? {kind: 'and', of: [where, rootPath]} : rootPath,
      })
    } else if (exact) {
      for (const row of store.select({...selection, idsOnly: true})) n += canRead(row.id) ? 1 : 0
    } else {
      const rows = store.select({...selection, idsOnly: !partial})
      n = await forEachBatch(rows, async (batch) => (await matching(batch)).length)
    }
    return {documents: [], query: replaceNode(options.tree, plan.count, {type: 'Value', value: n})}
  }

  if (topK && fields && fields.every((field) => field >= 0)) {
    const order = fields.map((field, i) => ({field, desc: topK.keys[i].desc}))
    const keyOf = (row: SelectedRow) => fields.map((field) => row.fields[field])
    const keyOfDoc = (doc: SanityDocument) =>
      fields.map((field) => valueAt(doc, store.indexedFields[field]))
    /** The first `limit` matches (and their ties) in order; null past `maxRows` rows read. */
    const firstMatches = async (
      chosen: Selection,
      maxRows = Infinity,
    ): Promise<SanityDocument[] | null> => {
      const documents: SanityDocument[] = []
      let batch: SelectedRow[] = []
      let cut: unknown[] | null = null
      let read = 0
      // Without keys the order is by view `_id` (byViewId above); else SQLite would often walk
      // the whole primary key instead of a selective index, so the rows are sorted here, in a
      // stack by group (one row a group: its top layer).
      const viewId = stack ? getPublishedId : (id: string) => id
      const rows =
        topK.keys.length > 0
          ? store.select({...chosen, order})
          : byViewId
            ? store.select({...chosen, byViewId})
            : [...store.select(chosen)]
                .map((row) => ({row, id: viewId(row.id)}))
                .sort((a, b) => compareIds(a.id, b.id))
                .map(({row}) => row)
      // Batches grow from a few times the slice, so a common match reads few rows and bodies.
      // An exact selection keeps every row: the first batch is the slice.
      let size = exact
        ? Math.max(1, topK.limit)
        : Math.min(SCAN_BATCH, Math.max(32, 2 * topK.limit))
      for (const row of rows) {
        // Rows come sorted by key: once `limit` matches are in, only ties with the last matter.
        if (cut && (fields.length === 0 || !sameKey(keyOf(row), cut))) break
        if (++read > maxRows) return null
        batch.push(row)
        if (batch.length < size) continue
        documents.push(...(await matching(batch)))
        batch = []
        // An exact selection reads one body per row: exactly the rows kept.
        if (!exact) size = Math.min(SCAN_BATCH, 2 * size)
        if (!cut && documents.length >= topK.limit) cut = keyOfDoc(documents[topK.limit - 1])
      }
      if (batch.length) documents.push(...(await matching(batch)))
      return documents.sort(byId)
    }
    // A common word (`title match "নির্বা*"` over an archive): gathering every full-text
    // candidate before ordering costs more than reading rows in order and letting groq-js check
    // them (it re-checks every candidate anyway), which stops after a few batches. A short walk
    // comes first (counting a common prefix's candidates costs more than it); past it, a longer
    // walk if the index finds the word common, else (or when the word is common in the index but
    // rare where the query looks) the candidates narrow as below.
    if (search && topK.keys.length > 0) {
      const unsearched: Selection = {...selection, where: where ?? undefined}
      const probe = await firstMatches(unsearched, Math.max(PROBE_ROWS, 8 * topK.limit))
      if (probe) return {documents: probe, query}
      if (common(store, searchHint!)) {
        const walked = await firstMatches(unsearched, COMMON_WALK_ROWS)
        if (walked) return {documents: walked, query}
      }
    }
    return {documents: (await firstMatches(selection))!, query}
  }

  // Rows come by stored id; in a stack the view's order is by the group's id, a sort of rows
  // nearly in that order already (in no order, JavaScript's sort of them cost more than SQLite's).
  const sink = stack ? undefined : options.sink
  const documents: SanityDocument[] = []
  // Stand-ins from the side table need its fields; any other reads only ids and types.
  const idsOnly = !partial || bare
  await forEachBatch(store.select({...selection, order: [], idsOnly}), async (rows) => {
    const matched = await matching(rows)
    if (sink) sink.add(matched)
    else documents.push(...matched)
    return 0
  })
  if (sink) return {documents: [], query: sink.finish()}
  return {documents: stack ? documents.sort(byId) : documents, query}
}

/**
 * Whether the first matches of `selection` in view order are read by walking its type in that
 * order (Selection.byViewId): under `_type` alone, or beside other conditions when at least one
 * stored row of the type in DENSE matches them, so that the walk passes about DENSE rows a
 * match, and at worst the type's rows, DENSE times the matches the sort would read. Counted over
 * every layer (the type's from type_counts, the matches off an index): in a stack the count of
 * top-of-stack rows probes each row's group, tens of ms for a type of 17,000.
 */
function inViewOrder(store: Store, selection: Selection): boolean {
  const ordered = {...selection, byViewId: true}
  if (!store.seeks({selection: ordered})) return false
  const {where} = selection
  if (where?.kind !== 'and') return true
  const type = where.of.find((part) => part.kind === 'type')!
  const ofType = store.countSelected({where: type})
  // Counted as far as the answer needs: a common condition's every match decided nothing more.
  const needed = Math.ceil(ofType / DENSE)
  return ofType > 0 && store.countSelected({where}, needed) >= needed
}

/** See inViewOrder. */
const DENSE = 4

/**
 * Full-text candidates past which an ordered slice reads the order index first (see planned):
 * a word in one document of twenty or more, at the archive's size.
 */
const COMMON_CANDIDATES = 5000
/** Rows an ordered slice with a full-text condition reads in order before asking the index. */
const PROBE_ROWS = 256
/** Rows an ordered walk past a common word reads before it narrows by the index after all. */
const COMMON_WALK_ROWS = 10 * SCAN_BATCH

function common(store: Store, search: SearchHint): boolean {
  const count = store.countSearched(search, COMMON_CANDIDATES)
  return count !== null && count >= COMMON_CANDIDATES
}

/** Whether a full-text hint only asks for referenced ids (the `refs` column). */
export function onlyReferences(search: SearchHint): boolean {
  if ('column' in search) return search.column === 'refs'
  if ('storedScore' in search) return false
  const parts = 'all' in search ? search.all : search.any
  return parts.length > 0 && parts.every(onlyReferences)
}

function hasKind(condition: Condition | null, kind: Condition['kind']): boolean {
  if (!condition) return false
  if (condition.kind === kind) return true
  if (condition.kind === 'and' || condition.kind === 'or') {
    return condition.of.some((c) => hasKind(c, kind))
  }
  return condition.kind === 'not' && hasKind(condition.of, kind)
}

/** Runs fn on the rows a batch at a time; sums what it returns. */
async function forEachBatch(
  rows: Iterable<SelectedRow>,
  fn: (batch: SelectedRow[]) => Promise<number>,
): Promise<number> {
  let total = 0
  let batch: SelectedRow[] = []
  for (const row of rows) {
    batch.push(row)
    if (batch.length < SCAN_BATCH) continue
    total += await fn(batch)
    batch = []
  }
  if (batch.length) total += await fn(batch)
  return total
}

function fieldIndex(fields: readonly (readonly string[])[], path: readonly string[]): number {
  return fields.findIndex((f) => f.length === path.length && f.every((k, i) => k === path[i]))
}

/**
 * Whether a row keyed `a` may still sort at or ahead of the cut `b` in GROQ's order(): equal keys
 * (null stands for null, missing, objects and arrays, which GROQ ranks equal). The index orders
 * null/missing (x'02') before objects and arrays (x'03'), and each of them by the later keys, so
 * past a null key the later keys do not decide: every row of that null group is read.
 */
function sameKey(a: unknown[], b: unknown[]): boolean {
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i]) return false
    if (b[i] === null) return true
  }
  return true
}

function valueAt(doc: unknown, path: readonly string[]): unknown {
  let value = doc
  for (const key of path) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null
    value = (value as Record<string, unknown>)[key]
  }
  if (value && typeof value === 'object') return null
  return value ?? null
}

/** A view document cut to `_id` and `_type` (and the stored id a view keeps beside them). */
function slimmed(doc: SanityDocument): SanityDocument {
  const slim = {_id: doc._id, _type: doc._type} as SanityDocument
  if ('_originalId' in doc) slim._originalId = doc._originalId
  return slim
}

/** A stand-in document with only `_id`, `_type` and the indexed fields (see fieldsOnly). */
function partialDocument(row: SelectedRow, fields: readonly (readonly string[])[]): SanityDocument {
  const doc: Record<string, unknown> = {_id: row.id, _type: row.type}
  fields.forEach((path, i) => {
    const value = row.fields[i]
    if (value === null) return
    let target = doc
    for (const key of path.slice(0, -1)) {
      if (!Object.hasOwn(target, key)) defineField(target, key, {})
      target = target[key] as Record<string, unknown>
    }
    defineField(target, path[path.length - 1], value)
  })
  return doc as SanityDocument
}

const PURE_FUNCTIONS = new Set([
  'global.defined',
  'global.length',
  'global.lower',
  'global.upper',
  'global.coalesce',
  'global.round',
  'global.string',
  'global.count',
  'global.select',
  'global.now',
  'global.dateTime',
  // The document's `_id` only (groq-js reads nothing else of it), which every stand-in holds.
  'sanity.versionOf',
  'sanity.partOfRelease',
])
const PURE_NAMESPACES = new Set(['string', 'math', 'array', 'dateTime'])

/**
 * Whether the filters read nothing of a document but `_id`, `_type` and whole indexed fields, so
 * they can run on partialDocument()s: every attribute chain from the document ends exactly at one
 * of those paths, and nothing takes the document itself (`@`, `^`, references(), …). A `->` reads
 * only its reference's `_ref` (groq-js dereferences an object with a string `_ref`, else gives
 * null), so `source->name` needs no more than an indexed `source._ref`.
 */
function fieldsOnly(filters: readonly ExprNode[], fields: readonly (readonly string[])[]): boolean {
  const allowed = [['_id'], ['_type'], ...fields]
  const ok = (node: unknown, parent: {type?: string; base?: unknown} | null): boolean => {
    if (Array.isArray(node)) return node.every((child) => ok(child, parent))
    if (!node || typeof node !== 'object') return true
    const n = node as {type?: string; [key: string]: unknown}
    switch (n.type) {
      case 'Value':
      case 'Parameter':
        return true
      case 'This':
      case 'Parent':
      case 'Everything':
        return false
      case 'Deref':
      case 'AccessAttribute': {
        if (
          n.type === 'AccessAttribute' &&
          parent?.type === 'AccessAttribute' &&
          parent.base === node
        )
          break
        const path: string[] = []
        let current: unknown = n
        while ((current as {type?: string})?.type === 'AccessAttribute') {
          path.unshift((current as {name: string}).name)
          current = (current as {base?: unknown}).base
        }
        // Attributes of a dereferenced document: that document is read whole.
        if (n.type === 'AccessAttribute' && (current as {type?: string})?.type === 'Deref') {
          return ok(current, n)
        }
        if (n.type === 'Deref') {
          current = n.base
          while ((current as {type?: string})?.type === 'AccessAttribute') {
            path.unshift((current as {name: string}).name)
            current = (current as {base?: unknown}).base
          }
          if (path.length === 0) return false
          path.push('_ref')
        }
        if (current && (current as {type?: string}).type !== 'This') return false
        return allowed.some((f) => f.length === path.length && f.every((k, i) => k === path[i]))
      }
      case 'FuncCall':
        if (
          !PURE_FUNCTIONS.has(`${n.namespace}.${n.name}`) &&
          !PURE_NAMESPACES.has(String(n.namespace))
        )
          return false
        break
      case 'PipeFuncCall':
        return false
      case 'Projection':
        // `@{…}` (how `*[…]{…}` parses per document): the object reads the document itself.
        if ((n.base as {type?: string} | undefined)?.type === 'This') return ok(n.expr, n)
    }
    for (const [key, child] of Object.entries(n)) {
      if (key === 'type' || !child || typeof child !== 'object') continue
      if (!ok(child, n)) return false
    }
    return true
  }
  return filters.every((filter) => ok(filter, null))
}

/**
 * What `tree` reads of each document `scan` yields, when it reads them only through a projection
 * or map, order() and a slice or element above `scan` (each expression evaluated on one document);
 * null when anything else takes the documents. An order() and slices above the projection (the
 * Studio's list pane, `*[…]{…, "orderings": [publishedAt]} | order(orderings[0] desc) [0...101]`)
 * read only its objects, which its own expression reads off the document.
 */
function readersOf(tree: ExprNode, scan: ExprNode): ExprNode[] | null {
  const readers: ExprNode[] = []
  let projected = false
  let node = tree as unknown as {type: string; [key: string]: unknown}
  for (; node && (node as unknown) !== scan; node = node.base as typeof node) {
    if (node.type === 'Map' || node.type === 'Projection') {
      // Without a projection on top, the documents themselves are the result.
      if (projected) return null
      projected = true
      readers.push(node.expr as ExprNode)
    } else if (node.type === 'PipeFuncCall' && node.name === 'order') {
      if (!projected) continue
      for (const arg of node.args as {type: string; base?: ExprNode}[]) {
        readers.push(arg.type === 'Asc' || arg.type === 'Desc' ? arg.base! : (arg as ExprNode))
      }
    } else if (node.type !== 'Slice' && node.type !== 'AccessElement') return null
  }
  return node && projected ? readers : null
}

/** `tree` with `target` (found by identity) replaced; only the nodes above it are copied. */
export function replaceNode(tree: ExprNode, target: ExprNode, replacement: unknown): ExprNode {
  const copy = (node: unknown): unknown => {
    if (node === target) return replacement
    if (!node || typeof node !== 'object') return node
    if (Array.isArray(node)) {
      const items = node.map(copy)
      return items.some((item, i) => item !== node[i]) ? items : node
    }
    const n = node as Record<string, unknown>
    if (n.type === 'Value') return n
    let out: Record<string, unknown> | null = null
    for (const key in n) {
      const child = copy(n[key])
      if (child !== n[key]) (out ??= {...n})[key] = child
    }
    return out ?? n
  }
  return copy(tree) as ExprNode
}

function byId(a: SanityDocument, b: SanityDocument): number {
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0
}

/**
 * The view documents `*[…] | order(keys) [0...limit]` can need, read from the store in that
 * order in batches. Each batch's document groups go through the perspective, the filter runs on
 * them, and reading stops once `limit` matches sort before the stream's position: every group not
 * yet seen sorts after it. Returns null (read everything) when a string key holds characters at or
 * above U+E000, where the store's code point order and GROQ's UTF-16 order may disagree.
 */
async function readTopK(
  store: Store,
  hint: ScanHint,
  topK: TopK,
  perspective: Perspective,
  present: (docs: Iterable<SanityDocument | null>) => SanityDocument[],
  context: QueryContext,
  evaluating?: (documents: readonly SanityDocument[]) => void,
): Promise<SanityDocument[] | null> {
  const grouped = perspective.kind === 'stack'
  const seen = new Set<string>()
  const collected: SanityDocument[] = []
  const matchedKeys: {keys: unknown[]; id: string}[] = []
  let batch: SanityDocument[] = []

  /** Adds a batch; false when its keys are unsafe to compare. */
  const flush = async (): Promise<boolean> => {
    const stored = batch
    batch = []
    let fresh: SanityDocument[]
    if (grouped) {
      const groups = [...new Set(stored.map((doc) => getPublishedId(doc._id)))].filter(
        (group) => !seen.has(group),
      )
      for (const group of groups) seen.add(group)
      fresh = present(store.getDocuments(groupIds(groups, perspective)))
    } else {
      fresh = present(stored)
    }
    for (const doc of [...stored, ...fresh]) if (!orderSafe(doc, topK)) return false
    collected.push(...fresh)
    evaluating?.(fresh)
    const matched = await evaluateQuery(topK.base, fresh, context)
    if (Array.isArray(matched)) {
      for (const doc of matched as SanityDocument[]) {
        matchedKeys.push({keys: keysOf(doc, topK), id: doc._id})
      }
    }
    return true
  }

  // Published rows are each their own group: its ties by group are by id, off the same index.
  // An order led by `_id` has no ties, and the (type, id) index gives it, not the group's.
  const idLeads = topK.keys[0]?.path.length === 1 && topK.keys[0].path[0] === '_id'
  const groupTies = grouped || (perspective.kind === 'published' && !idLeads)
  for (const doc of store.scan({...hint, order: topK.keys, groupTies})) {
    batch.push(doc)
    if (batch.length < TOP_K_BATCH) continue
    // In a stack the stream's place is its group's: `_id` keys read the view id too.
    const id = grouped ? getPublishedId(doc._id) : doc._id
    const frontier = {keys: keysOf(grouped ? {...doc, _id: id} : doc, topK), id}
    if (!(await flush())) return null
    const before = matchedKeys.filter((m) => compareOrder(m, frontier, topK) < 0).length
    if (before >= topK.limit) break
  }
  if (batch.length > 0 && !(await flush())) return null
  // The query sees them in view order (by `_id`), as it would the whole view.
  return collected.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
}

function keysOf(doc: SanityDocument, topK: TopK): unknown[] {
  return topK.keys.map(({path}) => {
    let value: unknown = doc
    for (const key of path) {
      value =
        value && typeof value === 'object' && !Array.isArray(value)
          ? (value as Record<string, unknown>)[key]
          : undefined
    }
    return value
  })
}

function orderSafe(doc: SanityDocument, topK: TopK): boolean {
  return keysOf(doc, topK).every(
    (value) => typeof value !== 'string' || !/[\uE000-\uFFFF]/.test(value),
  )
}

/** GROQ's order(): numbers, strings, booleans, then everything else (all equal); ties by id. */
function compareOrder(
  a: {keys: unknown[]; id: string},
  b: {keys: unknown[]; id: string},
  topK: TopK,
): number {
  for (const [i, {desc}] of topK.keys.entries()) {
    let c = compareValue(a.keys[i], b.keys[i])
    if (desc) c = -c
    if (c !== 0) return c
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

function compareValue(a: unknown, b: unknown): number {
  const rank = (v: unknown) =>
    typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : typeof v === 'boolean' ? 4 : 100
  const [ra, rb] = [rank(a), rank(b)]
  if (ra !== rb) return ra - rb
  if (ra === 2 || ra === 4) return Number(a) - Number(b)
  if (ra === 3) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0
  return 0
}

/** Every stored id a view id can come from under a perspective. */
function groupIds(ids: readonly string[], perspective: Perspective): string[] {
  const out = new Set<string>()
  for (const id of ids) {
    const published = getPublishedId(id)
    out.add(published)
    if (perspective.kind === 'stack') {
      for (const layer of perspective.layers) {
        out.add(
          layer === 'drafts'
            ? DRAFTS_PREFIX + published
            : `${VERSIONS_PREFIX}${layer}.${published}`,
        )
      }
    }
  }
  return [...out].sort()
}

function excluded(id: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => id.startsWith(prefix))
}
