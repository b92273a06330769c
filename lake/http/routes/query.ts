/** `GET|POST /v{ver}/data/query/{dataset}`: GROQ over the perspective view of the readable documents. */
import {Hono, type Context} from 'hono'
import {BadRequestError} from '../../core/errors.ts'
import {apiVersionAtLeast, parsePerspective} from '../../core/perspective.ts'
import {planQuery} from '../../core/plan.ts'
import {decodeParams, evaluateQuery, parseQuery} from '../../core/query.ts'
import {loadView} from '../../core/view.ts'
import {identityOf, isPublicDataset, readerOf} from '../authorize.ts'
import {getPrincipal} from '../principal.ts'
import {apiVersionOf, lakeOf} from '../context.ts'

export const queryRoutes = new Hono()

const PATH = '/:version{v[^/]+}/data/query/:dataset'

queryRoutes.get(PATH, async (c) => {
  const search = new URL(c.req.url).searchParams
  const query = search.get('query')
  if (query === null) throw new BadRequestError('Missing "query" parameter')
  return answer(c, query, decodeParams(search))
})

queryRoutes.post(PATH, async (c) => {
  const body = await c.req.json<{query?: unknown; params?: unknown; perspective?: unknown}>()
  if (typeof body?.query !== 'string') throw new BadRequestError('Body must have a string "query"')
  const params = body.params ?? {}
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new BadRequestError('"params" must be an object')
  }
  const perspective = typeof body.perspective === 'string' ? body.perspective : undefined
  return answer(c, body.query, params as Record<string, unknown>, perspective)
})

async function answer(
  c: Context,
  query: string,
  params: Record<string, unknown>,
  bodyPerspective?: string,
) {
  const started = performance.now()
  const lake = lakeOf(c)
  const dataset = c.req.param('dataset')!
  const store = lake.store(dataset)
  const apiVersion = apiVersionOf(c)
  const perspective = parsePerspective(c.req.query('perspective') ?? bodyPerspective, apiVersion)
  const tree = parseQuery(query, params)
  const identity = identityOf(c)
  const mayRead = readerOf(c)
  const plan = planQuery(tree)
  const generation = lake.live.generation(dataset)
  const run = async () => {
    const context = {params, identity, now: lake.now(), projectId: lake.config.projectId, dataset}
    const view = await loadView({store, perspective, apiVersion, plan, canRead: mayRead, context})
    return evaluateQuery(tree, view.documents, {...context, dereference: view.dereference}, query)
  }
  // Serialised once: the text is both the response and what the sync tag hashes.
  const resultJson = JSON.stringify((await run()) ?? null)
  let syncTags = ''
  if (apiVersionAtLeast(apiVersion, SYNC_TAGS_API_VERSION)) {
    const registered = {
      key: JSON.stringify([query, params, perspective, readerScope(c, query)]),
      tagClass: perspective.kind === 'published' ? ('published' as const) : ('drafts' as const),
      rerun: async () => JSON.stringify((await run()) ?? null),
    }
    const tag = lake.live.remember(dataset, registered, resultJson, generation)
    syncTags = `,"syncTags":[${JSON.stringify(tag)}]`
  }
  const ms = Math.round(performance.now() - started)
  const returnQuery = c.req.query('returnQuery') !== 'false'
  const head = returnQuery ? `{"query":${JSON.stringify(query)},` : '{'
  return c.body(`${head}"result":${resultJson}${syncTags},"ms":${ms}}`, 200, {
    'content-type': 'application/json',
  })
}

/** `syncTags` exist from this API version on (as the client's live code requires). */
const SYNC_TAGS_API_VERSION = '2021-03-25'

/**
 * Who the answer is for, as far as it can differ: the role's grants (or a public dataset's anonymous
 * reader), and the caller's id only when the query asks `identity()`.
 */
function readerScope(c: Context, query: string): string {
  const principal = getPrincipal(c)
  const scope = principal.role ?? (isPublicDataset(c) ? 'public' : 'none')
  return query.includes('identity(') ? `${scope}:${principal.id}` : scope
}
