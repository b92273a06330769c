/**
 * Property-based fuzzing of the HTTP API against a live lake (fast-check): random and mutated
 * mutations, actions, GROQ, parameters, ids, headers, body sizes and nesting. Every answer must be
 * below 500 and the lake must keep answering; afterwards the dataset must be consistent: every
 * document's `_rev` is its last transaction's, history reproduces each document at its revision,
 * and SQLite's integrity check passes.
 *
 * `npm test` runs a modest count; `npm run test:soak` runs LAKE_FUZZ_RUNS (≥ 100,000 requests).
 */
import {existsSync} from 'node:fs'
import {DatabaseSync} from 'node:sqlite'
import {join} from 'node:path'
import fc from 'fast-check'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const RUNS = Number(process.env.LAKE_FUZZ_RUNS ?? 400)
const SEED = process.env.LAKE_FUZZ_SEED ? Number(process.env.LAKE_FUZZ_SEED) : undefined
const SHRINKING_RUNS = 400
const CONCURRENCY = 16
const DATASET = 'fuzz'
const API = '/v2025-02-19'

let lake: TestLake
let requests = 0
const serverErrors: string[] = []

beforeAll(async () => {
  // Plain HTTP: the subject is the API, and TLS handshakes would only slow the soak run.
  lake = await startTestLake({tls: false})
  // The seed is random, so a run may commit nothing; one document makes the dataset file exist
  // and gives the consistency check something to check (without it, a run that wrote nothing
  // found no file and failed: last session's "unable to open database file").
  await lake.client({dataset: DATASET}).create({_id: 'fuzz-seed', _type: 'article', title: 'বীজ'})
})

afterAll(async () => {
  await lake?.close()
})

// --- Generators -----------------------------------------------------------------------------

const ids = fc.constantFrom(
  'a',
  'b',
  'drafts.a',
  'drafts.b',
  'versions.r1.a',
  'c.d',
  '',
  ' ',
  'drafts.',
  '../etc',
  'x'.repeat(300),
  'ক',
  '_.releases.r1',
  'a,b',
)
const types = fc.constantFrom('article', 'headline', 'source', '', 'sanity.imageAsset')

/** JSON values with nesting up to `depth`, sometimes far beyond the document limit. */
const deepValue = fc.integer({min: 1, max: 2_500}).map((depth) => {
  let value: unknown = 'leaf'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : {n: value}
  return value
})
const value = fc.oneof(
  {weight: 6, arbitrary: fc.jsonValue({maxDepth: 4})},
  {weight: 1, arbitrary: deepValue},
  {weight: 1, arbitrary: fc.string({unit: 'grapheme', maxLength: 50})},
  {
    weight: 1,
    arbitrary: fc.constantFrom({_ref: 'a', _type: 'reference'}, {_ref: 'nope', _weak: true}),
  },
)
/** Names JavaScript gives a meaning of its own, as a caller may use them. */
const prototypeNames = fc.constantFrom(
  JSON.parse('{"__proto__": {"x": 1}}'),
  {prototype: {x: 1}},
  {prototype: {x: [1, {toString: 'a'}]}},
)
const document = fc.record(
  {
    _id: ids,
    _type: types,
    title: value,
    body: value,
    _rev: fc.string(),
    constructor: prototypeNames,
    hasOwnProperty: value,
  },
  {requiredKeys: ['_id', '_type']},
)
const patch = fc.record(
  {
    id: ids,
    set: fc.dictionary(
      fc.constantFrom(
        'title',
        '_id',
        '_type',
        'body[0]',
        'a.b',
        '_key',
        '__proto__.x',
        'constructor.prototype.x',
        'toString',
      ),
      value,
    ),
    unset: fc.array(fc.constantFrom('title', '_type', 'body[0]', '..', '[', '__proto__')),
    inc: fc.dictionary(fc.constantFrom('n', 'title'), fc.oneof(fc.integer(), fc.string())),
    insert: fc.record({after: fc.constantFrom('body[-1]', 'x[0]'), items: fc.array(value)}),
    ifRevisionID: fc.string(),
    query: fc.constantFrom('*[_type == "article"]', '*[', '*[_id == $x]'),
  },
  {requiredKeys: []},
)
const mutation = fc.oneof(
  document.map((doc) => ({create: doc})),
  document.map((doc) => ({createOrReplace: doc})),
  document.map((doc) => ({createIfNotExists: doc})),
  fc.record({id: ids}, {requiredKeys: []}).map((body) => ({delete: body})),
  patch.map((body) => ({patch: body})),
  fc.jsonValue({maxDepth: 3}),
)
const action = fc.record(
  {
    actionType: fc.constantFrom(
      'sanity.action.document.create',
      'sanity.action.document.edit',
      'sanity.action.document.publish',
      'sanity.action.document.unpublish',
      'sanity.action.document.discard',
      'sanity.action.document.delete',
      'sanity.action.document.replaceDraft',
      'sanity.action.document.version.create',
      'nope',
    ),
    publishedId: ids,
    draftId: ids,
    versionId: ids,
    attributes: document,
    document,
    patch,
    includeDrafts: fc.array(ids, {maxLength: 3}),
    ifExists: fc.constantFrom('ignore', 'fail'),
  },
  {requiredKeys: []},
)
const groq = fc.oneof(
  fc.constantFrom(
    '*',
    '*[_type == "article"]{title, "r": body->}',
    '*[_type == $t]',
    '*[_id in $ids][0...$n]',
    'count(*[defined(title)])',
    '*[title match $q] | order(_updatedAt desc)[0..10]',
    '*[_type in ["article", "headline"]] | order(title asc)[0]',
    '*[_id == "a"][0].body[0][0]',
    '*[references("a")]',
    '*[' + '[true]'.repeat(300),
    '*' + '[true]'.repeat(400),
    '('.repeat(500) + '1' + ')'.repeat(500),
    'math::sum(*[].n)',
    '*[_type == "article"]{...}',
    'releases::all()',
    '*[constructor.prototype.x == 1]._id',
    '*[_id == "a"][constructor.prototype.x == 1]._id',
    '*[_type == "article"][defined(__proto__.x)]{_id, constructor}',
    '*[_id in ["a", "b"]] | order(constructor.prototype.x)[0...2]{"x": constructor.prototype.x}',
    '$__proto__',
  ),
  fc.string({maxLength: 80}),
  fc.string({unit: 'grapheme-ascii', maxLength: 200}),
)
const params = fc.oneof(
  fc.dictionary(
    fc.constantFrom('t', 'ids', 'n', 'q', 'x', '__proto__', 'constructor'),
    fc.jsonValue({maxDepth: 2}),
  ),
  fc.constant({t: 'article', ids: ['a', 'b'], n: 2, q: 'শিরো*', x: 'a'}),
  fc.jsonValue({maxDepth: 2}),
  fc.constant({t: Array.from({length: 5_000}, (_, i) => `t${i}`)}),
)
const authorization = fc.oneof(
  {weight: 6, arbitrary: fc.constant('token')},
  {weight: 1, arbitrary: fc.constant(undefined)},
  {
    weight: 1,
    arbitrary: fc.constantFrom('Bearer ', 'Bearer', 'Basic abc', 'Bearer sk123', 'bearer  x y'),
  },
  {weight: 1, arbitrary: fc.string({maxLength: 40})},
)
const contentType = fc.oneof(
  {weight: 8, arbitrary: fc.constant('application/json')},
  {weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', '')},
  {weight: 1, arbitrary: fc.constant(undefined)},
)
/** A JSON text, sometimes cut short, padded or replaced by garbage. */
function mangled(body: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    {weight: 8, arbitrary: body.map((b) => JSON.stringify(b) ?? 'null')},
    {
      weight: 1,
      arbitrary: fc
        .tuple(body, fc.nat())
        .map(([b, cut]) => (JSON.stringify(b) ?? '').slice(0, cut % 50)),
    },
    {weight: 1, arbitrary: fc.string({maxLength: 100})},
  )
}

interface Call {
  method: 'GET' | 'POST' | 'PUT'
  path: string
  body?: string
  authorization?: string
  contentType?: string
}

const qs = (entries: Record<string, string>) => new URLSearchParams(entries).toString()

/**
 * Writes that mostly succeed: without them a run stored a handful of documents (one invalid
 * mutation refuses its whole transaction), and patches, actions and queries met little data.
 */
const validIds = fc.constantFrom('a', 'b', 'c', 'drafts.a', 'drafts.b', 'versions.r1.a')
const validMutation = fc.oneof(
  fc
    .record({
      _id: validIds,
      _type: fc.constantFrom('article', 'headline'),
      title: fc.string({unit: 'grapheme', maxLength: 30}),
      n: fc.integer({min: -5, max: 5}),
      body: fc.array(fc.record({_key: fc.string({maxLength: 4}), t: fc.string()}), {maxLength: 3}),
      ref: fc.constantFrom(undefined, {_ref: 'b', _type: 'reference', _weak: true}),
      constructor: fc.constantFrom(undefined, {prototype: {x: 1}}),
    })
    .map((doc) => ({createOrReplace: doc})),
  fc
    .record({
      id: validIds,
      set: fc.dictionary(
        fc.constantFrom('title', 'n', 'body[0].t', 'constructor.prototype.x', 'meta.a'),
        fc.jsonValue({maxDepth: 2}),
      ),
      inc: fc.constant({n: 1}),
      unset: fc.array(fc.constantFrom('title', 'body[0]', 'meta'), {maxLength: 2}),
    })
    .map((body) => ({patch: body})),
  validIds.map((id) => ({delete: {id}})),
)

const call: fc.Arbitrary<Call> = fc
  .oneof(
    fc.array(validMutation, {minLength: 1, maxLength: 3}).map((mutations) => ({
      method: 'POST' as const,
      path: `/data/mutate/${DATASET}`,
      body: JSON.stringify({mutations}),
    })),
    fc
      .tuple(mangled(fc.record({mutations: fc.array(mutation, {maxLength: 4})})), fc.boolean())
      .map(([body, returnDocuments]) => ({
        method: 'POST' as const,
        path: `/data/mutate/${DATASET}?${returnDocuments ? 'returnDocuments=true' : ''}`,
        body,
      })),
    mangled(fc.record({actions: fc.array(action, {maxLength: 3})})).map((body) => ({
      method: 'POST' as const,
      path: `/data/actions/${DATASET}`,
      body,
    })),
    fc
      .tuple(groq, params, fc.constantFrom('raw', 'drafts', 'published', 'r1,drafts', 'bad'))
      .map(([query, p, perspective]) => ({
        method: 'POST' as const,
        path: `/data/query/${DATASET}?perspective=${perspective}`,
        body: JSON.stringify({query, params: p}),
      })),
    fc
      .tuple(groq, fc.dictionary(fc.string({maxLength: 5}), fc.string({maxLength: 20})))
      .map(([query, extra]) => ({
        method: 'GET' as const,
        path: `/data/query/${DATASET}?${qs({query, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`$${k}`, v]))})}`,
      })),
    fc.array(ids, {minLength: 1, maxLength: 3}).map((list) => ({
      method: 'GET' as const,
      path: `/data/doc/${DATASET}/${list.map(encodeURIComponent).join(',')}`,
    })),
    fc
      .tuple(
        ids,
        fc.oneof(fc.nat().map(String), fc.string({maxLength: 30})),
        fc.string({maxLength: 20}),
      )
      .map(([id, limit, time]) => ({
        method: 'GET' as const,
        path: `/data/history/${DATASET}/transactions/${encodeURIComponent(id) || 'a'}?${qs({limit, fromTime: time, excludeContent: 'true'})}`,
      })),
    fc.tuple(ids, fc.string({maxLength: 30})).map(([id, revision]) => ({
      method: 'GET' as const,
      path: `/data/history/${DATASET}/documents/${encodeURIComponent(id) || 'a'}?${qs({revision})}`,
    })),
    fc
      .tuple(
        ids,
        fc.oneof(fc.nat().map(String), fc.string({maxLength: 30})),
        fc.string({maxLength: 30}),
      )
      .map(([id, limit, nextCursor]) => ({
        method: 'GET' as const,
        path: `/data/history/${DATASET}/events/documents/${encodeURIComponent(id) || 'a'}?${qs({limit, nextCursor})}`,
      })),
    fc.jsonValue({maxDepth: 3}).map((body) => ({
      method: 'PUT' as const,
      path: '/users/me/keyvalue',
      body: JSON.stringify(body),
    })),
    fc
      .constantFrom('/data/mutate/Bad Name', '/data/query/../../etc', '/data/export/fuzz', '/nope')
      .map((path) => ({method: 'GET' as const, path})),
    // Comma-separated lists around and far past the lake's limit on names per list.
    fc
      .tuple(
        fc.constantFrom(
          `/data/history/${DATASET}/transactions/`,
          `/data/history/${DATASET}/documents/`,
          `/data/history/${DATASET}/transactions/a?authors=`,
          `/data/export/${DATASET}?types=`,
          `/data/query/${DATASET}?query=1&perspective=`,
        ),
        fc.constantFrom(1, 999, 1_000, 1_001, 40_000),
      )
      .map(([prefix, count]) => ({
        method: 'GET' as const,
        path:
          prefix +
          Array.from({length: count}, (_, i) => `n${i}`).join(',') +
          (prefix.includes('/documents/') ? '?lastRevision=true' : ''),
      })),
    // Numbers past what SQLite takes, and values nested far past any limit, as raw JSON text.
    fc.constantFrom('1', '0', '99999999999999999999', '1e300', '-1', 'x').map((size) => ({
      method: 'GET' as const,
      path: `/data/export/${DATASET}?nextCursor=&pageSize=${size}`,
    })),
    fc
      .tuple(fc.integer({min: 1, max: 300_000}), fc.constantFrom('keyvalue', 'query'))
      .map(([depth, where]) => {
        const deep = '['.repeat(depth) + ']'.repeat(depth)
        return where === 'keyvalue'
          ? {
              method: 'PUT' as const,
              path: '/users/me/keyvalue',
              body: `[{"key":"k","value":${deep}}]`,
            }
          : {
              method: 'POST' as const,
              path: `/data/query/${DATASET}`,
              body: `{"query":"count($p)","params":{"p":${deep}}}`,
            }
      }),
  )
  .chain((c) =>
    fc.record({authorization, contentType}).map((headers) => ({...c, ...headers}) as Call),
  )

function fetchOnce(c: Call, headers: Record<string, string>): Promise<Response> {
  return fetch(`${lake.url}${API}${c.path}`, {method: c.method, headers, body: c.body})
}

async function resend(c: Call, headers: Record<string, string>, first: unknown) {
  let last = first
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
    try {
      return await fetchOnce(c, headers)
    } catch (err) {
      if (!closedUnder(err)) throw err
      last = err
    }
  }
  throw last
}

function closedUnder(err: unknown): boolean {
  const cause = (err as {cause?: {code?: string}}).cause
  return err instanceof TypeError && cause?.code === 'UND_ERR_SOCKET'
}

async function send(c: Call): Promise<number> {
  const headers: Record<string, string> = {}
  if (c.authorization === 'token') headers.authorization = `Bearer ${lake.token}`
  else if (c.authorization !== undefined) headers.authorization = c.authorization
  if (c.body !== undefined && c.contentType !== undefined) headers['content-type'] = c.contentType
  requests++
  let res: Response
  try {
    res = await fetchOnce(c, headers)
  } catch (err) {
    // An invalid header value is refused by fetch itself, before anything is sent.
    if (err instanceof TypeError && !/fetch failed/.test(err.message)) return 0
    // A request refused before its large body was read (a 401, 413 or 415) has its connection
    // closed once the unread rest has drained for 500 ms (@hono/node-server), and fetch may have
    // sent another request on it meanwhile. Sent again (another pooled connection may be closing
    // too), it must be answered: a lake that crashed would not answer any of the tries.
    if (!closedUnder(err)) throw err
    res = await resend(c, headers, err)
  }
  await res.arrayBuffer()
  if (res.status >= 500) serverErrors.push(`${res.status} ${c.method} ${c.path}`)
  return res.status
}

it(
  `answers ${RUNS} random requests without a 5xx, and stays consistent`,
  async () => {
    // One at a time with shrinking, so a failure comes back as a small request …
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const status = await send(c)
        expect(status, `${c.method} ${c.path}\n${c.body?.slice(0, 500)}`).toBeLessThan(500)
      }),
      {numRuns: Math.min(RUNS, SHRINKING_RUNS), seed: SEED, endOnFailure: true},
    )
    // … then the rest (the soak run) CONCURRENCY at a time, as many clients would send them.
    for (let done = SHRINKING_RUNS; done < RUNS; done += CONCURRENCY) {
      const batch = fc.sample(call, {numRuns: Math.min(CONCURRENCY, RUNS - done), seed: done})
      await Promise.all(batch.map(send))
      if (serverErrors.length > 0) break
    }
    expect(serverErrors).toEqual([])
    // Still answering.
    expect(
      await send({
        method: 'GET',
        path: `/data/query/${DATASET}?query=count(*)`,
        authorization: 'token',
      }),
    ).toBe(200)

    const store = lake.server.lake.context.stores.get(DATASET)
    let documents = 0
    for (const doc of store.scan()) {
      documents++
      const [last] = store.getTransactions({ids: [doc._id], reverse: true, limit: 1})
      expect(doc._rev, doc._id).toBe(last.id)
      expect(store.documentAt(doc._id, {revision: doc._rev!}), doc._id).toEqual(doc)
    }
    const file = join(lake.dataDir, 'datasets', `${DATASET}.sqlite`)
    expect(existsSync(file)).toBe(true)
    const db = new DatabaseSync(file)
    try {
      expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{integrity_check: 'ok'}])
    } finally {
      db.close()
    }
    console.log(`fuzz: ${requests} requests, ${documents} documents, 0 server errors`)
  },
  Math.max(60_000, RUNS * 50),
)
