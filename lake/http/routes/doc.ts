/** `GET /v{ver}/data/doc/{dataset}/{ids}`: documents by literal id, always current. */
import {Hono} from 'hono'
import {datasetOf, flag} from '../context.ts'
import {documentsAnswer} from '../documentsAnswer.ts'
import {requestSignal} from '../nodeRequest.ts'
import {checkStillSignedIn, getPrincipal, streamHolder} from '../principal.ts'

export const docRoutes = new Hono()

docRoutes.get('/:version{v[^/]+}/data/doc/:dataset/:ids{.+}', async (c) => {
  const dataset = await datasetOf(c)
  const ids = c.req.param('ids').split(',').map(decodeId).filter(Boolean)
  const {documents, omitted} = await dataset.documents(getPrincipal(c), ids, {
    includeAllVersions: flag(c, 'includeAllVersions'),
    excludeContent: flag(c, 'excludeContent'),
    signal: requestSignal(c),
    holder: streamHolder(c),
  })
  // Its token may have been revoked while the documents were read (a read thread, for large ones).
  checkStillSignedIn(c)
  c.header('content-type', 'application/json')
  return c.body(documentsAnswer(c, documents, `],"omitted":${JSON.stringify(omitted)}}`), 200)
})

/** Ids may arrive percent-encoded once more inside the path segment. */
function decodeId(id: string): string {
  try {
    return decodeURIComponent(id.trim())
  } catch {
    return id.trim()
  }
}
