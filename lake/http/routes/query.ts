/** `GET|POST /v{ver}/data/query/{dataset}`: GROQ over the perspective view of the readable documents. */
import {Hono, type Context} from 'hono'
import {BadRequestError} from '../../core/errors.ts'
import {decodeParams} from '../../core/query.ts'
import {apiVersionOf, datasetOf} from '../context.ts'
import {getPrincipal} from '../principal.ts'

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
  const result = await datasetOf(c).query(
    {
      query,
      params,
      perspective: c.req.query('perspective') ?? bodyPerspective,
      apiVersion: apiVersionOf(c),
    },
    getPrincipal(c),
    c.req.raw.signal,
  )
  const ms = Math.round(performance.now() - started)
  // The worker already serialised the result: splice it in rather than parse and re-serialise.
  const head = c.req.query('returnQuery') !== 'false' ? `{"query":${JSON.stringify(query)},` : '{'
  return c.body(`${head}"result":${result},"ms":${ms}}`, 200, {
    'content-type': 'application/json',
  })
}
