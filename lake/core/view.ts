/**
 * The documents one query sees: candidates from the store (narrowed by the query plan when it
 * can be), filtered by read permission, through the perspective. Also the matching dereference.
 */
import type {DereferenceFunction} from 'groq-js'
import type {ScanHint, Store} from './store.ts'
import {DRAFTS_PREFIX, getPublishedId, VERSIONS_PREFIX} from './ids.ts'
import {applyPerspective, excludedIdPrefixes, type Perspective} from './perspective.ts'
import type {QueryPlan, TopK} from './plan.ts'
import {evaluateQuery, type QueryContext} from './query.ts'
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
}

export interface View {
  documents: SanityDocument[]
  /** `->` resolves through the same perspective and permissions, also outside the narrowed set. */
  dereference: DereferenceFunction
}

export async function loadView(options: ViewOptions): Promise<View> {
  const {store, perspective, apiVersion, plan, canRead} = options
  const exclude = excludedIdPrefixes(perspective, apiVersion)
  const present = (docs: Iterable<SanityDocument | null>) => {
    const out: SanityDocument[] = []
    for (const doc of docs)
      if (doc && canRead(doc._id) && !excluded(doc._id, exclude)) out.push(doc)
    return applyPerspective(out, perspective, apiVersion)
  }

  const dereference: DereferenceFunction = ({_ref}) => {
    if (typeof _ref !== 'string') return null
    if (perspective.kind === 'raw') return present(store.getDocuments([_ref]))[0] ?? null
    return (
      present(store.getDocuments(groupIds([_ref], perspective))).find((d) => d._id === _ref) ?? null
    )
  }

  if (plan.everything === 0) return {documents: [], dereference}
  const hint = plan.hint
  // In a stack the view `_id` is not the stored one, so the store cannot order by it.
  const idKey = plan.topK?.keys.some((key) => key.path[0] === '_id')
  if (plan.topK && !(perspective.kind === 'stack' && idKey)) {
    // Raw and published views keep stored ids; other perspectives narrow as below.
    const hinted: ScanHint =
      perspective.kind === 'raw'
        ? {...hint}
        : {types: hint?.types, attributes: hint?.attributes, search: hint?.search}
    if (perspective.kind === 'published' && hint?.idPrefixes) hinted.idPrefixes = hint.idPrefixes
    if (perspective.kind !== 'raw' && hint?.ids) hinted.ids = groupIds(hint.ids, perspective)
    hinted.excludeIdPrefixes = exclude
    const documents = await readTopK(store, hinted, plan.topK, perspective, present, {
      ...options.context,
      dereference,
    })
    if (documents) return {documents, dereference}
  }
  if (!hint || perspective.kind === 'raw') {
    return {documents: present(store.scan({...hint, excludeIdPrefixes: exclude})), dereference}
  }
  // Non-raw: the hint speaks of view ids (published ids). Narrow by type, id or attribute, then
  // complete each candidate's document group so the perspective picks the right layer.
  const narrowed: ScanHint = {excludeIdPrefixes: exclude}
  if (hint.types) narrowed.types = hint.types
  if (hint.ids) narrowed.ids = groupIds(hint.ids, perspective)
  if (hint.attributes) narrowed.attributes = hint.attributes
  if (hint.search) narrowed.search = hint.search
  if (!hint.types && !hint.ids && !hint.attributes && !hint.search) {
    return {documents: present(store.scan({excludeIdPrefixes: exclude})), dereference}
  }
  if (perspective.kind === 'published')
    return {documents: present(store.scan(narrowed)), dereference}
  const groups = new Set<string>()
  for (const doc of store.scan(narrowed)) groups.add(getPublishedId(doc._id))
  return {documents: present(store.getDocuments(groupIds([...groups], perspective))), dereference}
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
    const matched = await evaluateQuery(topK.base, fresh, context)
    if (Array.isArray(matched)) {
      for (const doc of matched as SanityDocument[]) {
        matchedKeys.push({keys: keysOf(doc, topK), id: doc._id})
      }
    }
    return true
  }

  for (const doc of store.scan({...hint, order: topK.keys, groupTies: grouped})) {
    batch.push(doc)
    if (batch.length < TOP_K_BATCH) continue
    const frontier = {keys: keysOf(doc, topK), id: grouped ? getPublishedId(doc._id) : doc._id}
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
