/**
 * Every route the lake serves, read from its router (so a new route is fuzzed from its first
 * commit), driven over HTTP with hostile requests (fast-check, a fixed seed): odd path parameters,
 * query strings with repeated, empty, huge and undecodable parameters, bodies that are JSON,
 * garbage, forms, multipart without a boundary or bytes that are not UTF-8, under lying or odd
 * content types, from anonymous callers, garbage tokens and the real one. fuzz.test.ts goes deep
 * into the data API's writes and queries; this goes wide, over the routes it never calls (sign-in,
 * users, projects, assets and images, listeners, the live API, the hosted-only answers). Every
 * answer must be below 500, and the lake must keep answering. It found a 500 on the sign-in form
 * (multipart without a boundary) on 2026-12-04.
 */
import fc from 'fast-check'
import sharp from 'sharp'
import {beforeAll, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

/** `npm run test:soak` may set more runs and another seed, as for fuzz.test.ts. */
const RUNS = Number(process.env.LAKE_FUZZ_RUNS ?? 600)
const SEED = Number(process.env.LAKE_FUZZ_SEED ?? 20261204)
const lake = useTestLake({tls: false})
const DATASET = 'fuzz'
let image = ''

beforeAll(async () => {
  const client = lake().client({dataset: DATASET})
  await client.createOrReplace({_id: 'a', _type: 'article', title: 'শিরোনাম'})
  await client.createOrReplace({_id: 'drafts.a', _type: 'article', title: 'খসড়া'})
  const png = await sharp({create: {width: 8, height: 6, channels: 3, background: 'red'}})
    .png()
    .toBuffer()
  const asset = await client.assets.upload('image', png, {filename: 'ছবি.png'})
  image = new URL(asset.url).pathname.split('/').pop()!
})

/** Values a path parameter may take: good ones, odd ones, and ones no route expects. */
const oddText = fc.constantFrom(
  '',
  ' ',
  'a',
  'drafts.a',
  'versions.r1.a',
  '..',
  '%',
  '%ff',
  '%00',
  'a,b,,',
  'ক',
  '__proto__',
  'x'.repeat(300),
  '*',
  '{}',
  '"',
)
const param = (name: string): fc.Arbitrary<string> => {
  const good: Record<string, fc.Arbitrary<string>> = {
    version: fc.constantFrom('v2025-02-19', 'v1', 'vX', 'v2021-03-25', 'v'),
    dataset: fc.constantFrom(DATASET, DATASET, 'production', 'never-written', 'Bad'),
    kind: fc.constantFrom('images', 'files'),
    projectId: fc.constantFrom('local', 'other'),
    name: fc.constant(image),
    ids: fc.constantFrom('a', 'a,drafts.a', 'nope'),
    id: fc.constantFrom('a', 'drafts.a'),
    keys: fc.constantFrom('k', 'k,l'),
  }
  const encoded = oddText.map((text) => encodeURIComponent(text) || 'x')
  return good[name] ? fc.oneof({weight: 3, arbitrary: good[name]}, encoded) : encoded
}

/** Query-string parameters the routes read, and others. */
const queryName = fc.constantFrom(
  'query',
  '$x',
  '$__proto__',
  'perspective',
  'returnQuery',
  'includeDrafts',
  'includeAllVersions',
  'excludeContent',
  'revision',
  'time',
  'lastRevision',
  'limit',
  'nextCursor',
  'fromTime',
  'toTime',
  'effectFormat',
  'visibility',
  'includeResult',
  'types',
  'pageSize',
  'sid',
  'origin',
  'filename',
  'meta',
  'w',
  'h',
  'fit',
  'rect',
  'fm',
  'auto',
  'dl',
  'q',
  'dpr',
  'bg',
  'tag',
  '',
)
const queryValue = fc.oneof(
  oddText,
  fc.constantFrom('true', 'false', '0', '1', '-1', '1e999', '"a"', '*', '*[_id=="a"]', 'raw'),
  fc.constantFrom('drafts,raw', 'mendoza', '2020-02-30', 'x'.repeat(5_000)),
  fc.string({maxLength: 20}),
)
const queryString = fc
  .array(fc.tuple(queryName, queryValue), {maxLength: 6})
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
  .chain((parts) =>
    fc
      .constantFrom('', '&', '&&', '&=', '&%ff=%fe', '&a&a=1&a=2')
      .map((tail) => parts.join('&') + tail),
  )

const body = fc.oneof(
  fc.jsonValue({maxDepth: 3}).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '{"mutations":[{"create":{"_id":"f","_type":"a"}}]}',
    '{"query":"*[_id==$x]","params":{"x":"a"}}',
    '[{"key":"k","value":1}]',
    'email=admin%40localhost&password=x&origin=http%3A%2F%2Flocalhost%3A3333',
    '--zz\r\nContent-Disposition: form-data; name="email"\r\n\r\na\r\n--zz--\r\n',
    '',
    '{',
    '[',
    'null',
  ),
  fc.string({maxLength: 100}),
  fc.uint8Array({maxLength: 64}),
)
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=zz',
  'text/plain',
  'image/png',
  'application/octet-stream',
  '',
)
const authorization = fc.constantFrom(
  'token',
  'token',
  undefined,
  'Bearer ',
  'Bearer nope',
  'Basic x',
)

interface Call {
  method: string
  path: string
  body?: string | Uint8Array<ArrayBuffer>
  contentType?: string
  authorization?: string
}

let calls: fc.Arbitrary<Call>

function callsFor(routes: {method: string; path: string}[]): fc.Arbitrary<Call> {
  return fc.constantFrom(...routes).chain((route) => {
    const names = [...route.path.matchAll(/:(\w+)(\{[^}]*\})?|\*/g)]
    return fc
      .record({
        values: fc.tuple(...names.map((m) => (m[0] === '*' ? param('wild') : param(m[1])))),
        query: queryString,
        body,
        contentType,
        authorization,
      })
      .map(({values, query, body, contentType, authorization}) => {
        let i = 0
        const path = route.path.replace(/:(\w+)(\{[^}]*\})?|\*/g, () => values[i++])
        const hasBody = route.method !== 'GET' && route.method !== 'HEAD'
        return {
          method: route.method,
          path: `${path}?${query}`,
          body: hasBody ? body : undefined,
          contentType,
          authorization,
        }
      })
  })
}

async function send(c: Call): Promise<number> {
  const headers: Record<string, string> = {accept: '*/*'}
  if (c.authorization === 'token') headers.authorization = `Bearer ${lake().token}`
  else if (c.authorization !== undefined) headers.authorization = c.authorization
  if (c.contentType !== undefined) headers['content-type'] = c.contentType
  const res = await fetch(`${lake().url}${c.path}`, {
    method: c.method,
    headers,
    body: c.body,
    redirect: 'manual',
  })
  // Listeners and live streams never end: their status is the answer.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) await res.body?.cancel()
  else await res.arrayBuffer()
  return res.status
}

it(
  'answers hostile requests to every route without a 5xx, and keeps answering',
  async () => {
    const routes = lake()
      .server.lake.app.routes.filter((route) => route.method !== 'ALL')
      .map(({method, path}) => ({method, path}))
    // The presence socket's route answers an upgrade; presence.test.ts drives it.
    calls = callsFor(routes.filter((route) => !route.path.endsWith('/socket/:dataset')))
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(calls, async (c) => {
        seen.add(`${c.method} ${c.path.split('?')[0]}`)
        const status = await send(c)
        const shown =
          typeof c.body === 'string'
            ? c.body.slice(0, 200)
            : c.body && Buffer.from(c.body).toString('hex')
        expect(
          status,
          `${c.method} ${c.path.slice(0, 300)} ${c.contentType}\n${shown}`,
        ).toBeLessThan(500)
      }),
      {numRuns: RUNS, seed: SEED, endOnFailure: true},
    )
    expect(seen.size).toBeGreaterThan(100)
    const ping = await fetch(`${lake().url}/v2025-02-19/ping`)
    expect(await ping.json()).toEqual({ping: 'pong'})
  },
  Math.max(60_000, RUNS * 50),
)
