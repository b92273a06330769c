/** `GET /v{ver}/data/doc/{dataset}/{ids}`: documents by literal id, always current. */
import {Hono} from 'hono'
import {getPublishedId, VERSIONS_PREFIX} from '../../core/ids.ts'
import type {SanityDocument} from '../../core/types.ts'
import {canRead} from '../authorize.ts'
import {flag, lakeOf} from '../context.ts'

export const docRoutes = new Hono()

docRoutes.get('/:version{v[^/]+}/data/doc/:dataset/:ids{.+}', (c) => {
  const store = lakeOf(c).store(c.req.param('dataset'))
  const requested = new Set(c.req.param('ids').split(',').map(decodeId).filter(Boolean))
  const ids = flag(c, 'includeAllVersions')
    ? withAllVersions([...requested], store.scan({idPrefixes: [VERSIONS_PREFIX]}))
    : [...requested]
  const found = store.getDocuments(ids)
  const documents: SanityDocument[] = []
  const omitted: {id: string; reason: 'existence' | 'permission'}[] = []
  ids.forEach((id, i) => {
    // Unreadable documents are reported as such whether or not they exist: no existence leak.
    // Extra versions (includeAllVersions) only appear when they exist and are readable.
    if (!canRead(c, id)) {
      if (requested.has(id)) omitted.push({id, reason: 'permission'})
    } else if (!found[i]) {
      if (requested.has(id)) omitted.push({id, reason: 'existence'})
    } else documents.push(found[i]!)
  })
  return c.json({documents: flag(c, 'excludeContent') ? [] : documents, omitted})
})

/** Ids may arrive percent-encoded once more inside the path segment. */
function decodeId(id: string): string {
  try {
    return decodeURIComponent(id.trim())
  } catch {
    return id.trim()
  }
}

/** Adds the drafts. and versions.*. ids of each requested document group. */
function withAllVersions(ids: string[], versions: Iterable<SanityDocument>): string[] {
  const groups = new Set(ids.map(getPublishedId))
  const out = new Set(ids)
  for (const group of groups) {
    out.add(group)
    out.add(`drafts.${group}`)
  }
  for (const doc of versions) if (groups.has(getPublishedId(doc._id))) out.add(doc._id)
  return [...out]
}
