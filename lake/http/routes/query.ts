/**
 * `GET|POST /v{ver}/data/query/{dataset}`: GROQ over the perspective view of the readable documents.
 * Its refusals are in hosted Sanity's shape (`{error: {type, description}}`, InvalidRequestError).
 */
import {Hono, type Context} from 'hono'
import {InvalidRequestError} from '../../core/errors.ts'
import {decodeParams, requestKey, singleParameter} from '../../core/query.ts'
import type {Principal} from '../../core/grants.ts'
import {tooDeepMember} from '../../core/jsonDepth.ts'
import {LIMITS, parameterTooDeep} from '../../core/limits.ts'
import {apiVersionAtLeast, parsePerspective} from '../../core/perspective.ts'
import {liveQuestion} from '../../live/questions.ts'
import type {QueryAsked} from '../../dataset.ts'
import {apiVersionOf, datasetOf, flag, lakeOf, param} from '../context.ts'
import {partsAnswer} from '../documentsAnswer.ts'
import {bodyLimitOf} from '../limits.ts'
import {countedBody, countedJson, queryArrival, requestSignal} from '../nodeRequest.ts'
import {splitQueryBody} from '../queryBody.ts'
import {checkStillSignedIn, getPrincipal, streamHolder} from '../principal.ts'

export const queryRoutes = new Hono()

const PATH = '/:version{v[^/]+}/data/query/:dataset'

queryRoutes.get(PATH, (c) =>
  held(c, (hold) => {
    hold(c.req.url.length)
    const search = new URL(c.req.url).searchParams
    const query = singleParameter(search, 'query')
    const perspective = onePerspective(search)
    if (query === null) throw new InvalidRequestError('Missing "query" parameter')
    return answer(c, query, decodeParams(search), perspective)
  }),
)

queryRoutes.post(PATH, (c) => held(c, (hold) => answerBody(c, hold)))

/**
 * Runs a query request's route with its hold on what the caller's queries may keep in the lake
 * (lake/http/queryRequests.ts): the request's own objects at once, then what `route` counts (its
 * URL, its body as it arrives), released once it is answered or refused.
 */
async function held(c: Context, route: (hold: (bytes: number) => void) => Promise<Response>) {
  const hold = lakeOf(c).queries.hold(streamHolder(c))
  try {
    hold.grow(LIMITS.queryRequests.requestBytes)
    return await route((bytes) => hold.grow(bytes))
  } finally {
    hold.release()
  }
}

async function answerBody(c: Context, hold: (bytes: number) => void) {
  const bytes = await countedBody(c, bodyLimitOf(c), hold, queryArrival(lakeOf(c).queries.bodyMs))
  refuseTooDeep(bytes)
  // Past what is parsed in place, the parameters are parsed where the query runs, on its thread
  // (queryBody.ts): only the other members here.
  const split = bytes.length > LIMITS.query.paramsParsedInPlace ? splitQueryBody(bytes) : null
  const body = (split?.members ?? (await countedJson(bytes, hold))) as {
    query?: unknown
    params?: unknown
    perspective?: unknown
  }
  if (typeof body?.query !== 'string') {
    throw new InvalidRequestError('Body must have a string "query"')
  }
  // The URL's and the body's, which was meant is a guess (the body's won without a word).
  if (singleParameter(new URL(c.req.url).searchParams, 'query') !== null) {
    throw new InvalidRequestError(
      'The request gives "query" twice, in the URL and in the body: send it once (in the body ' +
        'of a POST, as @sanity/client does)',
    )
  }
  const params = split ? {} : (body.params ?? {})
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InvalidRequestError('"params" must be an object')
  }
  // Hosted Sanity decodes the body into typed fields: another type is a 400, never ignored.
  const perspective = body.perspective ?? undefined
  if (perspective !== undefined && typeof perspective !== 'string') {
    throw new InvalidRequestError(
      `"perspective" in the body must be a string, not ${Array.isArray(perspective) ? 'an array' : `a ${typeof perspective}`}: ` +
        'join a stack with commas ("rABC,drafts"), or send it as ?perspective= in the URL',
      'httpInvalidRequestBody',
    )
  }
  return answer(
    c,
    body.query,
    split ? new ParamsText(split.paramsText) : (params as Record<string, unknown>),
    onePerspective(new URL(c.req.url).searchParams, perspective),
  )
}

/**
 * The request's one perspective: given once, in the URL (as @sanity/client sends it, POST
 * included) or a POST's body. Given twice, anywhere, which was meant is a guess (a POST's URL won
 * and its body's was dropped without a word): a 400, as any URL parameter given twice.
 */
/**
 * Refuses a body nesting past what a query's parameters may before any of it is parsed (the
 * event loop parses its members, and a small body whole): a parameter with the message
 * checkQueryText gives, another member with the same limit. The parameters' object adds a level.
 */
function refuseTooDeep(bytes: Buffer): void {
  const {nesting} = LIMITS.query
  const deep = tooDeepMember(bytes, nesting, 0, (member) =>
    member === 'params' ? nesting + 1 : nesting,
  )
  if (deep === null) return
  if (deep.member === 'params' && bytes[deep.at] === 0x7b) {
    const parameter = tooDeepMember(bytes, nesting, deep.at)
    if (parameter?.member != null) throw parameterTooDeep(parameter.member)
  }
  const what = deep.member === null ? 'The body' : `"${deep.member.slice(0, 64)}" in the body`
  throw new InvalidRequestError(
    `${what} nests arrays or objects more than ${nesting} deep; the limit is ${nesting}: nothing ` +
      'was run; send a query, its parameters and its perspective as the API describes them',
    'httpInvalidRequestBody',
  )
}

function onePerspective(search: URLSearchParams, inBody?: string): string | undefined {
  const inUrl = singleParameter(search, 'perspective')
  if (inUrl === null) return inBody
  if (inBody !== undefined) {
    throw new InvalidRequestError(
      'The request gives "perspective" more than once, in the URL and in the body: send it once ' +
        '(?perspective= in the URL, as @sanity/client does)',
    )
  }
  return inUrl
}

/** A large body's parameters as the JSON text of their object, parsed on the query's thread. */
class ParamsText {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

async function answer(
  c: Context,
  query: string,
  params: Record<string, unknown> | ParamsText,
  perspectiveParam: string | undefined,
) {
  const started = performance.now()
  const lake = lakeOf(c)
  const dataset = await datasetOf(c)
  const principal = getPrincipal(c)
  // Whose turn on the query threads this is: anonymous callers by address.
  const holder = streamHolder(c)
  const asked = {query, perspective: perspectiveParam, apiVersion: apiVersionOf(c)}
  const request: QueryAsked =
    params instanceof ParamsText ? {...asked, paramsText: params.text} : {...asked, params}
  // Before any work, whoever asks: an anonymous caller of a private dataset, whose answer is
  // always [], learns of a mistyped perspective too; a repeated parameter costs no query.
  const perspective = parsePerspective(request.perspective, request.apiVersion)
  // Left out, true (as hosted Sanity); otherwise read as every true-or-false parameter.
  const returnQuery = param(c, 'returnQuery') === undefined || flag(c, 'returnQuery')
  const generation = lake.live.generation(dataset.name)
  const run = (signal?: AbortSignal) => dataset.query(request, principal, {signal, holder})
  // Serialised once: the text is both the response and what the live API compares.
  const answered = await run(requestSignal(c))
  const {json: resultJson, cpuMs} = answered
  // Its token may have been revoked while its body arrived or its query ran.
  checkStillSignedIn(c)
  let syncTags = ''
  if (apiVersionAtLeast(request.apiVersion, SYNC_TAGS_API_VERSION)) {
    const tag = lake.live.remember(
      dataset.name,
      {
        key: requestKey(query, answered.paramsJson ?? paramsJsonOf(request), [
          perspective,
          readerScope(principal, query),
        ]),
        tagClass: perspective.kind === 'published' ? 'published' : 'drafts',
        rerun: () => run(),
        question: liveQuestion(request, principal),
        anonymous: principal.kind === 'anonymous',
        costMs: cpuMs,
      },
      answered,
      generation,
    )
    syncTags = `,"syncTags":[${JSON.stringify(tag)}]`
  }
  const ms = Math.round(performance.now() - started)
  const head = returnQuery ? `{"query":${JSON.stringify(query)},` : '{'
  c.header('content-type', 'application/json')
  // A large answer is held in the lake's answer budget until its client reads it, as data/doc's:
  // unbudgeted, unread answers of a 16 MB query over one connection held 705 MB.
  const parts = [`${head}"result":`, resultJson, `${syncTags},"ms":${ms}}`]
  return c.body(partsAnswer(c, parts.map(utf8)), 200)
}

/** The parameters' JSON where the dataset did not give it (it does whenever it checked them). */
const paramsJsonOf = (request: QueryAsked): string =>
  'params' in request ? JSON.stringify(request.params) : request.paramsText

const utf8 = (text: string | Uint8Array): Uint8Array =>
  typeof text === 'string' ? Buffer.from(text) : text

/** `syncTags` exist from this API version on (as the client's live code requires). */
const SYNC_TAGS_API_VERSION = '2021-03-25'

/**
 * Who the answer is for, as far as it can differ: the role's grants (or a public dataset's anonymous
 * reader), and the caller's id only when the query asks `identity()`.
 */
function readerScope(principal: Principal, query: string): string {
  const scope = principal.role ?? (principal.publicReads ? 'public' : 'none')
  return query.includes('identity(') ? `${scope}:${principal.id}` : scope
}
