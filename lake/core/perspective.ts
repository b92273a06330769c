/**
 * Perspectives: which stored documents a query sees, and under which `_id`. groq-js knows nothing
 * of them, so the view is built here and handed to groq-js as its dataset.
 */
import {InvalidRequestError} from './errors.ts'
import {checkListLength} from './limits.ts'
import {
  DRAFTS_PREFIX,
  getPublishedId,
  getReleaseName,
  isDraftId,
  isVersionId,
  VERSIONS_PREFIX,
} from './ids.ts'
import type {SanityDocument} from './types.ts'

/**
 * `raw`: every stored document as is. `published`: ids without drafts./versions. prefixes.
 * `stack`: per document group the first existing layer in order, published the implicit base
 * (`drafts` is the stack ['drafts']).
 */
export type Perspective = {kind: 'raw'} | {kind: 'published'} | {kind: 'stack'; layers: string[]}

/** From v2025-02-19 the default is `published` and `raw` includes versions.*; before, `raw` without versions. */
export const PERSPECTIVE_API_VERSION = '2025-02-19'

export function apiVersionAtLeast(apiVersion: string, date: string): boolean {
  // 'X' means the experimental latest version; '1' predates every dated version.
  if (apiVersion === 'X') return true
  if (!/^\d{4}-\d{2}-\d{2}$/.test(apiVersion)) return false
  return apiVersion >= date
}

/**
 * Parses a `perspective` parameter: one name, or a stack of them joined by commas (as
 * @sanity/client joins an array). None (absent or empty) is the API version's default; anything
 * else that is not a perspective is a 400 before any work, for every caller, in hosted Sanity's
 * error shape.
 */
export function parsePerspective(
  value: string | null | undefined,
  apiVersion: string,
): Perspective {
  if (!value) {
    return apiVersionAtLeast(apiVersion, PERSPECTIVE_API_VERSION)
      ? {kind: 'published'}
      : {kind: 'raw'}
  }
  const names = value.split(',').map((name) => name.trim())
  checkListLength('perspective names', names)
  const refuse = (why: string) =>
    new InvalidRequestError(
      `Invalid perspective ${shown(value)}: ${why}. A perspective is "raw", ` +
        '"published", "drafts", or release names and "drafts" joined by commas (e.g. "rABC,drafts")',
    )
  if (names.includes('')) throw refuse('it has an empty name (a stray comma or space?)')
  if (names.includes('raw')) {
    if (names.length > 1) throw refuse('"raw" cannot be combined with others')
    return {kind: 'raw'}
  }
  const layers: string[] = []
  for (const name of names) {
    if (name === 'published') continue
    const layer = name === 'previewDrafts' ? 'drafts' : name
    if (!RELEASE_NAME.test(layer)) {
      throw refuse(`${shown(name)} is no release name (letters, digits, "_" and "-")`)
    }
    if (!layers.includes(layer)) layers.push(layer)
  }
  return layers.length === 0 ? {kind: 'published'} : {kind: 'stack', layers}
}

/** What a release name in a perspective may be made of (a version id's `versions.<name>.`). */
const RELEASE_NAME = /^[a-zA-Z0-9_-]+$/

/** A caller's value quoted in an error, cut short: a body's perspective can be megabytes. */
function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value)
}

/** Id prefixes the store can skip for this perspective. */
export function excludedIdPrefixes(perspective: Perspective, apiVersion: string): string[] {
  if (perspective.kind === 'published') return [DRAFTS_PREFIX, VERSIONS_PREFIX]
  if (perspective.kind === 'raw') {
    return apiVersionAtLeast(apiVersion, PERSPECTIVE_API_VERSION) ? [] : [VERSIONS_PREFIX]
  }
  return perspective.layers.includes('drafts') ? [] : [DRAFTS_PREFIX]
}

/**
 * Builds the documents a query sees. Input in any order; the output is sorted by its (rewritten)
 * `_id`, and non-raw perspectives set `_originalId` to the stored id, as Sanity does.
 */
export function applyPerspective(
  documents: Iterable<SanityDocument>,
  perspective: Perspective,
  apiVersion: string,
): SanityDocument[] {
  if (perspective.kind === 'raw') {
    const withVersions = apiVersionAtLeast(apiVersion, PERSPECTIVE_API_VERSION)
    return [...documents].filter((doc) => withVersions || !isVersionId(doc._id)).sort(byId)
  }
  if (perspective.kind === 'published') {
    const out: SanityDocument[] = []
    for (const doc of documents) {
      if (!isDraftId(doc._id) && !isVersionId(doc._id)) out.push({...doc, _originalId: doc._id})
    }
    return out.sort(byId)
  }
  // Rank every stored document by its layer: 0 = first layer in the stack, published last.
  const published = perspective.layers.length
  const best = new Map<string, {rank: number; doc: SanityDocument}>()
  for (const doc of documents) {
    const rank = layerRank(doc._id, perspective.layers, published)
    if (rank === -1) continue
    const groupId = getPublishedId(doc._id)
    const current = best.get(groupId)
    if (!current || rank < current.rank) best.set(groupId, {rank, doc})
  }
  const out: SanityDocument[] = []
  for (const [groupId, {doc}] of best) out.push({...doc, _id: groupId, _originalId: doc._id})
  return out.sort(byId)
}

function layerRank(id: string, layers: string[], publishedRank: number): number {
  if (isDraftId(id)) return layers.indexOf('drafts')
  if (isVersionId(id)) {
    const release = getReleaseName(id)
    return release === null ? -1 : layers.indexOf(release)
  }
  return publishedRank
}

function byId(a: SanityDocument, b: SanityDocument): number {
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0
}
