/**
 * Every input a caller controls, per route family, over HTTP against a real lake (fast-check, a
 * fixed seed): path parts, query-string names and values, headers, body and content type, each
 * drawn from values built to break parsers and stores: wrong types, huge and deep values, lone
 * surrogates, NUL, right-to-left marks, Bengali combining marks alone, a byte-order mark,
 * numbers past a double, duplicate JSON keys, `__proto__` / `constructor` / `hasOwnProperty`,
 * the empty string. everyRoute.test.ts asks only "below 500?"; this asks more of each answer:
 * - below 500, and a refusal is a JSON body that says what was wrong (`message` or
 *   `error.description`), for a program to show;
 * - a refused write changes nothing in its dataset (ids and revisions read before and after);
 * - after each family, the lake answers /ping and a document written before (in a dataset no
 *   call names) is byte for byte what it was.
 * On 2026-12-06 it found a mutation named `__proto__` (a 500; `toString` committed nothing and
 * answered 200: prototype.test.ts) and `?returnDocuments=<not a flag>` refused after its write
 * was stored (hostile.test.ts); its GROQ shapes hold round()'s precision past 100, which probing
 * found (roundPrecision.test.ts).
 * `LAKE_FUZZ_RUNS` / `LAKE_FUZZ_SEED` run it longer or elsewhere (as `npm run test:soak` does for
 * fuzz.test.ts); a failure prints its seed and path for fast-check to replay.
 */
import fc from 'fast-check'
import sharp from 'sharp'
import {beforeAll, expect, it} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'

const RUNS = Number(process.env.LAKE_FUZZ_RUNS ?? 250)
const SEED = Number(process.env.LAKE_FUZZ_SEED ?? 20261206)
const API = '/v2025-02-19'
const lake = useTestLake({tls: false})
/** Where the calls write; KEPT is never named by any of them. */
const DATASET = 'routes'
const KEPT = 'kept'
let kept = ''
/** The stored names of an image and a file in DATASET, for the download routes. */
const assets = {image: '', file: ''}

beforeAll(async () => {
  const client = lake().client({dataset: DATASET})
  const png = await sharp({create: {width: 40, height: 30, channels: 4, background: 'red'}})
    .png()
    .toBuffer()
  const named = (url: string) => new URL(url).pathname.split('/').pop()!
  assets.image = named((await client.assets.upload('image', png, {filename: 'ছবি.png'})).url)
  assets.file = named(
    (await client.assets.upload('file', Buffer.from('লেখা'), {filename: 'a.txt'})).url,
  )
  await lake().client({dataset: KEPT}).createOrReplace({_id: 'k', _type: 'article', title: 'রাখা'})
  await lake()
    .client({dataset: DATASET})
    .createOrReplace({_id: 'a', _type: 'article', title: 'শিরোনাম', n: 1.5})
  kept = await read(`/data/doc/${KEPT}/k`)
})

async function read(path: string): Promise<string> {
  const res = await fetch(`${lake().url}${API}${path}`, {
    headers: {authorization: `Bearer ${lake().token}`},
  })
  expect(res.status).toBe(200)
  return res.text()
}

// --- Values ---------------------------------------------------------------------------------

/** Text that has broken parsers, stores and regular expressions somewhere. */
const EDGE_TEXT = [
  '',
  ' ',
  '\ud800',
  'a\udc00b',
  '\u0000',
  'a\u0000b',
  '\u200f\u202eকখ',
  '\u09cd',
  '\u09bc\u09c1',
  'ক্ষ',
  '\ufeff',
  '\uffff',
  '\u{10ffff}',
  '😀',
  '9'.repeat(400),
  '1e400',
  '-0',
  '0x10',
  '9007199254740993',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'drafts.',
  'versions..a',
  '..',
  '%',
  '%ff',
  '*',
  ',',
  '"',
  '\\',
  'x'.repeat(3000),
]
const edgeText = fc.oneof(
  {weight: 3, arbitrary: fc.constantFrom(...EDGE_TEXT)},
  fc.string({unit: 'binary', maxLength: 12}),
  fc.string({unit: 'grapheme', maxLength: 12}),
)

/** JSON text a parser may choke on (duplicate keys, depth, a BOM, numbers past a double). */
const EDGE_JSON = [
  '',
  '{',
  'null',
  '[]',
  '"\\ud800"',
  '"\\u0000"',
  '\ufeff{}',
  '{"a":1,"a":2}',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"hasOwnProperty":1}',
  '9'.repeat(400),
  '1e400',
  '-1e-400',
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
]
const edgeJsonText = fc.constantFrom(...EDGE_JSON)

/** JSON values whose strings, keys and numbers come from the edges. */
const edgeValue: fc.Arbitrary<unknown> = fc.letrec<{value: unknown}>((tie) => ({
  value: fc.oneof(
    {depthSize: 'small', withCrossShrink: true},
    edgeText,
    fc.constantFrom(0, -0, 1.5, 1e308, -1e308, 5e-324, 2 ** 53 + 2, null, true),
    fc.array(tie('value'), {maxLength: 3}),
    fc
      .array(fc.tuple(edgeText, tie('value')), {maxLength: 3})
      .map((pairs) => JSON.parse(`{${pairs.map(([k, v]) => `${q(k)}:${JSON.stringify(v)}`)}}`)),
  ),
})).value
/** JSON.stringify keeps a lone surrogate as an escape; a key `__proto__` survives JSON.parse. */
const q = (text: string) => JSON.stringify(text)

/** A path part: a good value most of the time, else an edge, percent-encoded as a client would. */
function pathPart(good: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    {weight: 3, arbitrary: fc.constantFrom(...good)},
    edgeText.map((text) => percent(text) || 'x'),
  )
}

/** encodeURIComponent, with a lone surrogate sent as the invalid UTF-8 bytes a careless client sends. */
function percent(text: string): string {
  return [...text].map((ch) => (ch.isWellFormed() ? encodeURIComponent(ch) : '%ED%A0%80')).join('')
}

function queryString(names: string[]): fc.Arbitrary<string> {
  const name =
    names.length > 0
      ? fc.oneof({weight: 4, arbitrary: fc.constantFrom(...names)}, edgeText)
      : edgeText
  const value = fc.oneof(
    edgeText,
    edgeJsonText,
    fc.constantFrom('true', 'false', '0', '1', '-1', '"a"', 'raw', 'drafts', 'published'),
    fc.constantFrom('2020-02-30T00:00:00Z', '275760-09-13T00:00:00.001Z', '*[_type == "article"]'),
    // What image transforms read: sizes, rectangles, formats, modes, angles, colours.
    fc.constantFrom('1e9', '0.5', 'NaN', '-5,-5,10,10', '0,0,40,30', '39,29,1,1', 'webp', 'crop'),
    fc.constantFrom('max', 'focalpoint', '90', 'fff', 'hv', 'format', 'ছবি.png'),
  )
  return fc
    .array(fc.tuple(name, value), {maxLength: 5})
    .map((pairs) => pairs.map(([k, v]) => `${percent(k)}=${percent(v)}`).join('&'))
}

/** Header values as bytes on the wire: UTF-8 read as Latin-1, so non-ASCII text arrives raw. */
const headerText = edgeText.map((text) =>
  // fetch refuses control characters in a header (Node's HTTP parser would too).
  // eslint-disable-next-line no-control-regex
  Buffer.from(text.toWellFormed().replace(/[\x00-\x1f\x7f]/g, ''))
    .toString('latin1')
    .trim(),
)
const hostileHeaders = fc.record(
  {
    authorization: fc.oneof(
      {weight: 6, arbitrary: fc.constant('token')},
      fc.constantFrom('Bearer ', 'Bearer x', 'Basic Og==', 'Bearer \u00ff'),
      headerText.map((t) => `Bearer ${t}`),
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'image/png',
      '',
    ),
    accept: fc.oneof(
      fc.constantFrom('*/*', 'application/x-ndjson', 'text/event-stream', 'image/webp'),
      headerText,
    ),
    range: fc.oneof(
      fc.constantFrom('bytes=0-', 'bytes=-0', 'bytes=9-1', 'bytes=0-1,2-3'),
      headerText,
    ),
    'if-range': headerText,
    origin: fc.oneof(fc.constantFrom('http://localhost:3333', 'null'), headerText),
    'last-event-id': headerText,
    'accept-encoding': fc.oneof(fc.constantFrom('gzip', 'br;q=1e400', 'identity;q=0'), headerText),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br'),
  },
  {requiredKeys: ['authorization']},
)
/** Mostly a client's own headers, so that the other inputs reach past the checks of these. */
const headers = fc.oneof(
  {weight: 2, arbitrary: fc.constant({authorization: 'token', 'content-type': 'application/json'})},
  hostileHeaders,
)

// --- Calls ----------------------------------------------------------------------------------

interface Call {
  method: string
  path: string
  headers: Record<string, string | undefined>
  body?: string
}

function call(
  methods: string[],
  path: fc.Arbitrary<string>,
  names: string[],
  body: fc.Arbitrary<string | undefined> = fc.constant(undefined),
  base = API,
): fc.Arbitrary<Call> {
  return fc
    .record({method: fc.constantFrom(...methods), path, query: queryString(names), headers, body})
    .map(({method, path, query, headers, body}) => ({
      method,
      path: `${base}${path}?${query}`,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    }))
}

const dataset = pathPart([DATASET, DATASET, 'never-written'])
const ids = pathPart(['a', 'a,drafts.a', 'drafts.a', 'nope'])

/** A document whose id, type and fields come from the edges. */
const document = fc.record(
  {
    _id: fc.oneof(fc.constantFrom('a', 'b', 'drafts.b', 'versions.r.b'), edgeText),
    _type: fc.oneof(fc.constant('article'), edgeText),
    title: edgeValue,
    n: edgeValue,
  },
  {requiredKeys: ['_type']},
)
const mutation = fc.oneof(
  document.map((doc) => ({create: doc})),
  document.map((doc) => ({createOrReplace: doc})),
  document.map((doc) => ({createIfNotExists: doc})),
  fc.record({id: edgeText}).map((body) => ({delete: body})),
  fc
    .record({
      id: fc.oneof(fc.constant('a'), edgeText),
      set: fc.dictionary(edgeText, edgeValue, {maxKeys: 2}),
      unset: fc.array(edgeText, {maxLength: 2}),
      inc: fc.dictionary(fc.constantFrom('n', 'title'), edgeValue, {maxKeys: 1}),
      ifRevisionID: edgeText,
    })
    .map((patch) => ({patch})),
  edgeValue,
)
const action = fc.record(
  {
    actionType: fc.oneof(
      fc.constantFrom(
        'sanity.action.document.create',
        'sanity.action.document.edit',
        'sanity.action.document.publish',
        'sanity.action.document.unpublish',
        'sanity.action.document.discard',
        'sanity.action.document.delete',
        'sanity.action.document.version.create',
      ),
      edgeText,
    ),
    publishedId: fc.oneof(fc.constant('a'), edgeText),
    draftId: fc.oneof(fc.constant('drafts.a'), edgeText),
    attributes: document,
    patch: fc.record({set: fc.dictionary(edgeText, edgeValue, {maxKeys: 2})}),
    ifRevisionId: edgeText,
  },
  {requiredKeys: ['actionType']},
)
/** A field of a write body, or the body itself, replaced by an edge of JSON text. */
function writeBody(field: 'mutations' | 'actions', item: fc.Arbitrary<unknown>) {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(item, {maxLength: 3})
        .map((items) => `{"${field}":${JSON.stringify(items)}}`),
    },
    fc
      .array(item, {maxLength: 2})
      .map(
        (items) =>
          `{"${field}":${JSON.stringify(items)},"transactionId":${q('t\ud800')},"${field}":[]}`,
      ),
    edgeJsonText.map((text) => `{"${field}":${text || '0'}}`),
    edgeJsonText,
  )
}
const queryBody = fc.oneof(
  {weight: 2, arbitrary: groq().map((query) => JSON.stringify({query, params: {p: 1}}))},
  fc
    .record({
      query: fc.oneof(groq(), edgeText),
      params: fc.dictionary(edgeText, edgeValue, {maxKeys: 2}),
    })
    .map((body) => JSON.stringify(body)),
  edgeJsonText.map((text) => `{"query":"*[_id == $p]","params":{"p":${text || '0'}}}`),
  edgeJsonText,
)
/** GROQ with edge literals in the places functions read them. */
function groq(): fc.Arbitrary<string> {
  const literal = fc.oneof(
    edgeText.map(q),
    fc.constantFrom('1e400', '-0', '101', '1e9', '9'.repeat(400), '$p', 'null', '[]', '{}'),
  )
  return fc
    .tuple(
      fc.constantFrom(
        '*[_id == X]',
        '*[title match X]',
        'round(1.5, X)',
        'string::split(X, X)',
        'dateTime(X)',
        '*[_type == "article"] | order(X)',
        '*[_type == "article"] | score(title match X)',
        'X in path(X)',
        'pt::text(X)',
        'array::join([X], X)',
        'lower(X) + upper(X)',
        'math::sum([X, X])',
        '*[_id == "a"]{"v": X, ...}',
        'count(*[references(X)])',
        'text::query(X)',
        'sanity::versionOf(X)',
      ),
      literal,
      literal,
    )
    .map(([shape, a, b]) => shape.replace('X', a).replaceAll('X', b))
}

const families: Record<string, fc.Arbitrary<Call>> = {
  'data reads (query, doc, export, history, references)': fc.oneof(
    {
      weight: 4,
      arbitrary: call(
        ['POST'],
        dataset.map((d) => `/data/query/${d}`),
        ['perspective'],
        queryBody,
      ),
    },
    call(
      ['GET', 'HEAD'],
      dataset.map((d) => `/data/query/${d}`),
      ['query', '$p', '$__proto__', 'perspective', 'returnQuery', 'explain'],
    ).map((c) => ({...c, path: c.path.replace('?', `?query=${percent('*[_id == $p]')}&`)})),
    call(
      ['POST'],
      dataset.map((d) => `/data/query/${d}`),
      ['perspective', 'returnQuery'],
      queryBody,
    ),
    call(
      ['GET'],
      fc.tuple(dataset, ids).map(([d, i]) => `/data/doc/${d}/${i}`),
      ['perspective', 'includeAllVersions', 'excludeContent'],
    ),
    call(
      ['GET'],
      dataset.map((d) => `/data/export/${d}`),
      ['types', 'pageSize', 'nextCursor'],
    ),
    call(
      ['GET'],
      fc.tuple(dataset, ids).map(([d, i]) => `/data/history/${d}/documents/${i}`),
      ['revision', 'time', 'lastRevision'],
    ),
    call(
      ['GET'],
      fc.tuple(dataset, ids).map(([d, i]) => `/data/history/${d}/transactions/${i}`),
      [
        'fromTime',
        'toTime',
        'fromTransaction',
        'toTransaction',
        'limit',
        'reverse',
        'excludeContent',
        'effectFormat',
        'includeIdentifiedDocumentsOnly',
        'authors',
      ],
    ),
    call(
      ['GET'],
      dataset.map((d) => `/data/history/${d}/transactions`),
      [
        'fromTime',
        'toTime',
        'fromTransaction',
        'toTransaction',
        'limit',
        'reverse',
        'excludeContent',
        'excludeMutations',
        'effectFormat',
        'authors',
        'tag',
        'documentIds',
      ],
    ),
    call(
      ['GET'],
      fc.tuple(dataset, ids).map(([d, i]) => `/data/history/${d}/events/documents/${i}`),
      ['limit', 'nextCursor', 'fromTime', 'toTime', 'types'],
    ),
    call(
      ['GET'],
      fc.tuple(dataset, ids).map(([d, i]) => `/data/references/${d}/documents/${i}/to`),
      ['limit', 'types'],
    ),
  ),
  'data writes (mutate, actions)': fc.oneof(
    call(
      ['POST'],
      dataset.map((d) => `/data/mutate/${d}`),
      [
        'returnIds',
        'returnDocuments',
        'visibility',
        'dryRun',
        'transactionId',
        'tag',
        'autoGenerateArrayKeys',
      ],
      writeBody('mutations', mutation),
    ),
    call(
      ['POST'],
      dataset.map((d) => `/data/actions/${d}`),
      ['dryRun', 'transactionId', 'tag'],
      writeBody('actions', action),
    ),
  ),
  'streams (listen, live)': fc.oneof(
    call(
      ['GET'],
      dataset.map((d) => `/data/listen/${d}`),
      [
        'query',
        '$p',
        'includeResult',
        'includePreviousRevision',
        'includeMutations',
        'visibility',
        'events',
        'effectFormat',
        'tag',
      ],
    ).map((c) => ({...c, path: c.path.replace('?', `?query=${percent('*[_id == $p]')}&`)})),
    call(
      ['GET'],
      dataset.map((d) => `/data/live/events/${d}`),
      ['tag', 'includeDrafts', 'last-event-id'],
    ),
  ),
  'asset downloads (images with their transforms, files)': fc.oneof(
    call(
      ['GET', 'HEAD'],
      fc
        .tuple(fc.constantFrom('images', 'files'), dataset, pathPart(['?']))
        .map(([kind, d, name]) => {
          const stored = kind === 'images' ? assets.image : assets.file
          return `/${kind}/local/${d}/${name === '?' ? stored : name}`
        }),
      [
        ...['w', 'h', 'max-w', 'max-h', 'min-w', 'min-h', 'rect', 'fit', 'crop', 'fm', 'q'],
        ...['dpr', 'bg', 'blur', 'sharp', 'invert', 'flip', 'or', 'pad', 'sat', 'auto'],
        ...['fp-x', 'fp-y', 'dl', 'frame'],
      ],
      fc.constant(undefined),
      '',
    ),
  ),
  'the Studio (users, datasets, projects, assets)': fc.oneof(
    call(
      ['GET'],
      pathPart(['k', 'k,l']).map((k) => `/users/me/keyvalue/${k}`),
      [],
    ),
    call(
      ['PUT'],
      fc.constant('/users/me/keyvalue'),
      [],
      fc.oneof(
        fc
          .array(fc.record({key: edgeText, value: edgeValue}), {maxLength: 3})
          .map((pairs) => JSON.stringify(pairs)),
        edgeJsonText,
      ),
    ),
    call(
      ['GET'],
      pathPart(['me', 'p-admin']).map((u) => `/users/${u}`),
      [],
    ),
    call(
      ['PUT', 'PATCH'],
      pathPart(['scratch']).map((n) => `/datasets/${n}`),
      [],
      fc.oneof(
        fc.record({aclMode: edgeText}).map((body) => JSON.stringify(body)),
        edgeJsonText,
      ),
    ),
    call(
      ['GET'],
      pathPart(['local']).map((p) => `/projects/${p}/datasets`),
      ['includeMembers'],
    ),
    call(
      ['GET'],
      fc.tuple(pathPart(['local']), dataset).map(([p, d]) => `/projects/${p}/datasets/${d}/acl`),
      [],
    ),
    call(
      ['POST'],
      fc.tuple(fc.constantFrom('images', 'files'), dataset).map(([k, d]) => `/assets/${k}/${d}`),
      [
        'filename',
        'meta',
        'label',
        'title',
        'description',
        'creditLine',
        'source.id',
        'source.name',
        'source.url',
        'hash',
      ],
      fc.oneof(edgeText, edgeJsonText),
    ),
    call(['POST'], fc.constant('/auth/logout'), [], fc.constant('')),
    call(['GET'], fc.constantFrom('/auth/id', '/auth/providers', '/check/cors'), ['origin', 'sid']),
  ),
}

// --- Asserting ------------------------------------------------------------------------------

/** Ids and revisions of the dataset the calls write: what a refused write must leave alone. */
async function state(): Promise<string> {
  const res = await fetch(`${lake().url}${API}/data/query/${DATASET}?perspective=raw`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake().token}`, 'content-type': 'application/json'},
    body: JSON.stringify({query: '*{_id, _rev} | order(_id)'}),
  })
  return JSON.stringify((await res.json()).result)
}

async function send(c: Call): Promise<{status: number; type: string; text: string}> {
  const sent: Record<string, string> = {}
  for (const [name, value] of Object.entries(c.headers)) {
    if (value === undefined) continue
    sent[name] = name === 'authorization' && value === 'token' ? `Bearer ${lake().token}` : value
  }
  const res = await fetch(`${lake().url}${c.path}`, {
    method: c.method,
    headers: sent,
    body: c.body,
    redirect: 'manual',
  })
  const type = res.headers.get('content-type') ?? ''
  // Listeners and live streams never end: their status and first bytes are the answer.
  if (type.startsWith('text/event-stream')) {
    await res.body?.cancel()
    return {status: res.status, type, text: ''}
  }
  return {status: res.status, type, text: await res.text()}
}

function describeCall(c: Call): string {
  const body = c.body === undefined ? '' : `\n${JSON.stringify(c.body.slice(0, 300))}`
  return `${c.method} ${c.path.slice(0, 300)} ${JSON.stringify(c.headers).slice(0, 300)}${body}`
}

it.each(Object.keys(families))(
  '%s: below 500, a refusal says why in JSON, a refused write changes nothing',
  async (family) => {
    const writes = family.startsWith('data writes')
    await fc.assert(
      fc.asyncProperty(families[family], async (c) => {
        const before = writes ? await state() : ''
        const {status, type, text} = await send(c)
        const shown = `${describeCall(c)}\n=> ${status} ${text.slice(0, 300)}`
        console.log(
          'STAT',
          status,
          c.method,
          c.path.split('?')[0].split('/').slice(2, 4).join('/'),
          status >= 400 ? text.slice(0, 120) : '',
        )
        expect(status, shown).toBeLessThan(500)
        if (status >= 400 && c.method !== 'HEAD') {
          expect(type, shown).toMatch(/^application\/json/)
          const body = JSON.parse(text)
          const message: unknown = body.message ?? body.error?.description
          expect(typeof message === 'string' && message.length > 0, shown).toBe(true)
          if (writes) expect(await state(), shown).toBe(before)
        }
      }),
      {numRuns: RUNS, seed: SEED, endOnFailure: true},
    )
    const ping = await fetch(`${lake().url}${API}/ping`)
    expect(await ping.json()).toEqual({ping: 'pong'})
    expect(await read(`/data/doc/${KEPT}/k`)).toBe(kept)
  },
  Math.max(60_000, RUNS * 400),
)
