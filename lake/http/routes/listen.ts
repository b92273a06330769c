/**
 * `GET /v…/data/listen/{dataset}`: Server-Sent Events for committed transactions. The listener
 * itself (filter, events, stream) lives in lake/listen/ behind the dataset service.
 */
import {Hono} from 'hono'
import {BadRequestError} from '../../core/errors.ts'
import {decodeParams, singleParameter} from '../../core/query.ts'
import type {ListenOptions} from '../../listen/events.ts'
import {datasetOf, flagValue} from '../context.ts'
import {getPrincipal, streamHolder} from '../principal.ts'

const PATH = '/:version{v[^/]+}/data/listen/:dataset'
const VISIBILITIES = ['transaction', 'query'] as const

export const listenRoutes = new Hono()

listenRoutes.get(PATH, async (c) => {
  // Validates the dataset name (400) before anything is streamed.
  const dataset = await datasetOf(c)
  const principal = getPrincipal(c)
  const url = new URL(c.req.url)
  const options = parseListenOptions(url.searchParams)
  const query = singleParameter(url.searchParams, 'query')
  if (query === null || query.trim() === '') throw new BadRequestError('Missing "query" parameter')
  const stream = await dataset.listen(principal, {
    query,
    params: decodeParams(url.searchParams),
    options,
    preamble: flagValue('evs_preamble', singleParameter(url.searchParams, 'evs_preamble')),
    holder: streamHolder(c),
  })
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
    },
  })
})

/** Reads the listener options; anything malformed is a 400 before the stream opens. */
function parseListenOptions(search: URLSearchParams): ListenOptions {
  const visibility = singleParameter(search, 'visibility') ?? 'transaction'
  if (!(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw new BadRequestError(`Invalid "visibility": expected one of ${VISIBILITIES.join(', ')}`)
  }
  const effectFormat = singleParameter(search, 'effectFormat')
  if (effectFormat !== null && effectFormat !== 'mendoza') {
    throw new BadRequestError('Invalid "effectFormat": only "mendoza" is supported')
  }
  // Given twice, which was meant is a guess: a 400, as for every flag (context.ts's flag).
  const one = (name: string) => flagValue(name, singleParameter(search, name))
  return {
    includeResult: one('includeResult'),
    includePreviousRevision: one('includePreviousRevision'),
    includeMutations: search.has('includeMutations') ? one('includeMutations') : true,
    includeAllVersions: one('includeAllVersions'),
    visibility: visibility as ListenOptions['visibility'],
    effectFormat: effectFormat === 'mendoza' ? 'mendoza' : null,
  }
}
