/**
 * The reference perspective filter for the differential suite, written from the protocol notes
 * (design doc §3.2) and deliberately independent of lake/core: if both are wrong the same way,
 * the suite cannot tell, so this one stays small and literal.
 *
 * - raw: every stored document, untouched.
 * - published: documents whose id has no `drafts.`/`versions.` prefix.
 * - drafts (and its older name previewDrafts): per document group, the draft if there is one,
 *   else the published document.
 * - a stack `[r1, r2, …]`: per group, the first layer that exists, in list order; each layer is a
 *   release name, `drafts` or `published`, and published is always the implicit base.
 * Outside raw, a document is presented with its published id in `_id` and its stored id in
 * `_originalId`.
 */

export type StoredDocument = {_id: string; [key: string]: unknown}
export type Perspective = 'raw' | 'published' | 'drafts' | 'previewDrafts' | string[]

/** Which layer of its group a stored id belongs to: 'published', 'drafts' or a release name. */
function layerOf(id: string): {layer: string; publishedId: string} {
  if (id.startsWith('drafts.')) return {layer: 'drafts', publishedId: id.slice('drafts.'.length)}
  if (id.startsWith('versions.')) {
    const rest = id.slice('versions.'.length)
    const dot = rest.indexOf('.')
    return {layer: rest.slice(0, dot), publishedId: rest.slice(dot + 1)}
  }
  return {layer: 'published', publishedId: id}
}

function present(doc: StoredDocument, publishedId: string): StoredDocument {
  return {...doc, _id: publishedId, _originalId: doc._id}
}

/** The documents a query sees under `perspective`, sorted by their presented `_id`. */
export function applyPerspective(
  documents: StoredDocument[],
  perspective: Perspective,
): StoredDocument[] {
  if (perspective === 'raw') return byId(documents.map((doc) => ({...doc})))
  const layers =
    perspective === 'published'
      ? ['published']
      : perspective === 'drafts' || perspective === 'previewDrafts'
        ? ['drafts', 'published']
        : [...perspective.filter((layer) => layer !== 'published'), 'published']
  const groups = new Map<string, Map<string, StoredDocument>>()
  for (const doc of documents) {
    const {layer, publishedId} = layerOf(doc._id)
    let group = groups.get(publishedId)
    if (!group) groups.set(publishedId, (group = new Map()))
    group.set(layer, doc)
  }
  const visible: StoredDocument[] = []
  for (const [publishedId, group] of groups) {
    const layer = layers.find((name) => group.has(name))
    if (layer) visible.push(present(group.get(layer)!, publishedId))
  }
  return byId(visible)
}

function byId(documents: StoredDocument[]): StoredDocument[] {
  return documents.sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0))
}

/** The `perspective` query-string value Sanity's API takes for a perspective. */
export function perspectiveParam(perspective: Perspective): string {
  return Array.isArray(perspective) ? perspective.join(',') : perspective
}
