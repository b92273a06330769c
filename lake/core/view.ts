/**
 * The documents one query sees: candidates from the store (narrowed by the query plan when it
 * can be), filtered by read permission, through the perspective. Also the matching dereference.
 */
import type {DereferenceFunction} from 'groq-js'
import type {ScanHint, Store} from '../store/types.ts'
import {DRAFTS_PREFIX, getPublishedId, VERSIONS_PREFIX} from './ids.ts'
import {applyPerspective, excludedIdPrefixes, type Perspective} from './perspective.ts'
import type {QueryPlan} from './plan.ts'
import type {SanityDocument} from './types.ts'

export interface ViewOptions {
  store: Store
  perspective: Perspective
  apiVersion: string
  plan: QueryPlan
  /** Read permission by stored id. */
  canRead: (id: string) => boolean
}

export interface View {
  documents: SanityDocument[]
  /** `->` resolves through the same perspective and permissions, also outside the narrowed set. */
  dereference: DereferenceFunction
}

export function loadView(options: ViewOptions): View {
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
