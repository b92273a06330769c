/**
 * The documents one query sees: candidates from the store (narrowed by the query plan when it
 * can be), filtered by read permission, through the perspective. Also the matching dereference.
 */
import type {DereferenceFunction} from 'groq-js'
import type {ScanHint, Store} from '../store/types.ts'
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
  if (plan.topK && (perspective.kind === 'raw' || perspective.kind === 'published')) {
    const hinted: ScanHint = {...hint, excludeIdPrefixes: exclude}
    if (hint?.ids && perspective.kind === 'published') hinted.ids = groupIds(hint.ids, perspective)
    const documents = await readTopK(store, hinted, plan.topK, present, {
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
  if (!hint.types && !hint.ids && !hint.attributes) {
    return {documents: present(store.scan({excludeIdPrefixes: exclude})), dereference}
  }
  if (perspective.kind === 'published')
    return {documents: present(store.scan(narrowed)), dereference}
  const groups = new Set<string>()
  for (const doc of store.scan(narrowed)) groups.add(getPublishedId(doc._id))
  return {documents: present(store.getDocuments(groupIds([...groups], perspective))), dereference}
}

/**
 * The candidates of `*[…] | order(keys) [0...limit]` read in that order, in batches, until the
 * filter has matched `limit` documents: the rest cannot reach the slice. Returns null (read
 * everything) when a string key holds characters at or above U+E000, where the store's code point
 * order and GROQ's UTF-16 order may disagree.
 */
async function readTopK(
  store: Store,
  hint: ScanHint,
  topK: TopK,
  present: (docs: SanityDocument[]) => SanityDocument[],
  context: QueryContext,
): Promise<SanityDocument[] | null> {
  const collected: SanityDocument[] = []
  let matches = 0
  let batch: SanityDocument[] = []
  const flush = async () => {
    const docs = present(batch)
    batch = []
    for (const doc of docs) {
      if (!orderSafe(doc, topK)) return false
      collected.push(doc)
    }
    const matched = await evaluateQuery(topK.base, docs, context)
    matches += Array.isArray(matched) ? matched.length : 0
    return true
  }
  for (const doc of store.scan({...hint, order: topK.keys})) {
    batch.push(doc)
    if (batch.length < TOP_K_BATCH) continue
    if (!(await flush())) return null
    if (matches >= topK.limit) break
  }
  if (batch.length > 0 && !(await flush())) return null
  // The query sees them in view order (by `_id`), as it would the whole view.
  return collected.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
}

function orderSafe(doc: SanityDocument, topK: TopK): boolean {
  for (const {path} of topK.keys) {
    let value: unknown = doc
    for (const key of path) {
      value =
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
    }
    if (typeof value === 'string' && /[\uE000-\uFFFF]/.test(value)) return false
  }
  return true
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
