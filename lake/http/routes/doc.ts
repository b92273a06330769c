/** `GET /v{ver}/data/doc/{dataset}/{ids}`: documents by literal id, always current. */
import {Hono} from 'hono'
import {datasetOf, flag} from '../context.ts'
import {getPrincipal} from '../principal.ts'

export const docRoutes = new Hono()

docRoutes.get('/:version{v[^/]+}/data/doc/:dataset/:ids{.+}', (c) => {
  const dataset = datasetOf(c)
  const ids = c.req.param('ids').split(',').map(decodeId).filter(Boolean)
  const {documents, omitted} = dataset.documents(getPrincipal(c), ids, {
    includeAllVersions: flag(c, 'includeAllVersions'),
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
