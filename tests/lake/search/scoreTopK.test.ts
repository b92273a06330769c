/**
 * The Studio's ranked search (`score(…) [_score > 0] {…} | order(_score desc) [a...b]`) is scored
 * without groq-js per document (lake/core/scoreTopK.ts). Over a generated archive with a word in
 * most documents, it must give exactly what groq-js gives evaluating the rewritten query over
 * every document: the same documents, in the same order, with the same _score.
 */
import {evaluate, type ExprNode} from 'groq-js'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {applyPerspective, parsePerspective} from '../../../lake/core/perspective.ts'
import {planQuery} from '../../../lake/core/plan.ts'
import {evaluateQuery, parseQuery} from '../../../lake/core/query.ts'
import {scoreStage, scoreTopK} from '../../../lake/core/scoreTopK.ts'
import {loadView} from '../../../lake/core/view.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {textQueryDereference} from '../../../lake/core/textQueryRewrite.ts'
import type {Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
// What the Studio 6.9.2 search box sends (groq2024); the bench measures the same query.
import {STUDIO_SEARCH, studioSearchRequests} from '../../../bench/queries.ts'
import {createRandom} from '../../../kit/seeded.ts'
import {countingBodies, memoryStore} from '../../helpers/store.ts'

const WORDS = ['নির্বাচন', 'নির্বাচনের', 'নির্বাচনে', 'কমিশন', 'বৈঠক', 'ঢাকা', 'ভোট', 'প্রার্থী']

/** A small deterministic archive: most documents hold some form of নির্বাচন, many tie. */
function archive(count: number): SanityDocument[] {
  const random = createRandom(7)
  const next = (n: number) => random.int(0, n - 1)
  const text = (length: number) =>
    Array.from({length}, () => WORDS[next(WORDS.length)]).join(next(3) ? ' ' : '। ')
  const docs: SanityDocument[] = []
  for (let i = 0; i < count; i++) {
    const kind = i % 10 === 0 ? 'headline' : i % 25 === 1 ? 'source' : 'article'
    const doc: Record<string, unknown> = {
      _id: `${kind}-${i}`,
      _type: kind,
      _originalId: `${kind}-${i}`,
    }
    // Few distinct dates (and some none): ties are common and keep the dataset's order.
    if (next(4)) doc.publishedAt = `2025-0${1 + next(3)}-01T00:00:00Z`
    else doc._updatedAt = '2024-12-31T00:00:00Z'
    if (kind === 'article') {
      doc.title = text(1 + next(3))
      doc.body = [{_type: 'block', children: [{_type: 'span', text: text(next(12))}]}]
      if (next(5) === 0) doc.source = {_type: 'reference', _ref: 'নির্বাচন'}
    } else if (kind === 'headline') doc.text = text(1 + next(4))
    else doc.name = text(1)
    // A stored _score starts the document's score, as in groq-js.
    if (i % 97 === 0) doc._score = next(3) - 1
    docs.push(doc as SanityDocument)
  }
  return docs
}

const DOCS = archive(3000)

/** groq-js over every document with the lake's text::query dereference: the plain evaluator. */
async function plain(tree: ExprNode, params: Record<string, unknown>) {
  const value = await evaluate(tree, {
    dataset: DOCS,
    params,
    dereference: textQueryDereference({documents: DOCS, params}),
  })
  return value.get()
}

/** groq-js over the whole view of a store in a perspective, with the lake's text::query. */
async function overView(
  store: Store,
  query: string,
  params: Record<string, unknown>,
  perspective: string,
) {
  const view = applyPerspective(store.scan(), parsePerspective(perspective, apiVersion), apiVersion)
  const value = await evaluate(parseQuery(query, params), {
    dataset: view,
    params,
    dereference: textQueryDereference({documents: view, params}),
  })
  return value.get()
}

function studioParams(typed: string, limit = 26) {
  return {
    __types: ['article', 'headline', 'source'],
    __query: `${typed}*`,
    __rawQuery: typed,
    __limit: limit,
  }
}

const apiVersion = '2025-02-19'
const admin = {id: 'admin', kind: 'user', role: 'administrator'} as const
const environment = {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'}
/** The Studio's search with each hit's `_score` in its projection. */
const QUERY = STUDIO_SEARCH.replace('"orderings": [_score]', '_score')

/** QUERY through `store` counting its tallies, with the index's heads or without. */
async function searchTallying(
  store: Store,
  params: Record<string, unknown>,
  perspective: string,
  heads: boolean,
) {
  let tallied = 0
  const counting = Object.assign(Object.create(store) as Store, {
    tallyHeads: heads,
    *tally(...args: Parameters<NonNullable<Store['tally']>>) {
      for (const tally of store.tally!(...args)) {
        tallied++
        yield tally
      }
    },
  })
  const query = {query: QUERY, params, perspective, apiVersion}
  return {result: await executeQuery(counting, query, admin, environment), tallied}
}

/**
 * The Studio search for `typed` (its first `limit`) through `store`, titles first: with the index's
 * heads groq-js's answer, the same without them, and under 60 % of the tallies made without them.
 * The answer.
 */
async function expectTitlesFirst(store: Store, typed: string, limit: number, perspective: string) {
  const params = studioParams(typed, limit)
  const withHeads = await searchTallying(store, params, perspective, true)
  const without = await searchTallying(store, params, perspective, false)
  expect(withHeads.result).toEqual(await overView(store, QUERY, params, perspective))
  expect(without.result).toEqual(withHeads.result)
  expect(withHeads.tallied).toBeLessThan(without.tallied * 0.6)
  return withHeads.result as {_id: string}[]
}

describe('the Studio search, scored without groq-js per document', () => {
  test.each([
    ['নির্বাচন', 26],
    ['নির্বাচনের', 26],
    ['নির্বা', 200],
    ['কমিশন ভোট', 26],
    ['"ঢাকা ভোট"', 26],
    ['ভোট -ঢাকা', 26],
    ['প্রার্থী', 5000],
    ['নেই', 26],
  ])('%s [0...%i]: identical to the plain evaluator', async (typed, limit) => {
    const params = studioParams(typed, limit)
    const tree = parseQuery(STUDIO_SEARCH, params)
    expect(scoreTopK(tree, DOCS)).toBeDefined()
    const fast = (await evaluateQuery(tree, DOCS, {params})) as unknown[]
    const expected = (await plain(tree, params)) as unknown[]
    expect(fast).toEqual(expected)
    if (typed !== 'নেই') expect(fast.length).toBe(Math.min(limit, expected.length))
  })

  test('a word in most documents: the whole ranking agrees, ties in dataset order', async () => {
    const query = STUDIO_SEARCH.replace('"orderings": [_score]', '_score')
    const params = studioParams('নির্বাচন', 100_000)
    const tree = parseQuery(query, params)
    expect(scoreTopK(tree, DOCS)).toBeDefined()
    const fast = (await evaluateQuery(tree, DOCS, {params})) as {_score: number}[]
    expect(fast).toEqual(await plain(tree, params))
    expect(fast.length).toBeGreaterThan(DOCS.length / 2)
    // The test means something only if ties occur.
    const scores = fast.map((row) => row._score)
    expect(new Set(scores).size).toBeLessThan(scores.length)
  })

  const PROJECTION = '{_type, _id, _originalId, "orderings": [_score]}'
  const HEADLINE_BOOST = 'boost(_type in ["headline"] && text match text::query($__query), 10)'
  test.each([
    ['a projection that changes _score', PROJECTION, '{_id, "_score": -_score}'],
    ['a projection with a splat', PROJECTION, '{..., "orderings": [_score]}'],
    ['a GROQ match in score()', HEADLINE_BOOST, 'boost(title match "নির্বা*", 10)'],
    ['a boost by a field', HEADLINE_BOOST, 'boost(title match text::query($__query), count)'],
    [
      'a deeper attribute',
      HEADLINE_BOOST,
      'boost(body[0]._type in ["block"] && title match text::query($__query), 10)',
    ],
  ])('%s is left to groq-js, and gives the same', async (_, part, replacement) => {
    const query = STUDIO_SEARCH.replace(part, replacement)
    expect(query).not.toBe(STUDIO_SEARCH)
    const params = studioParams('নির্বাচন')
    const tree = parseQuery(query, params)
    expect(scoreTopK(tree, DOCS)).toBeUndefined()
    expect(await evaluateQuery(tree, DOCS, {params})).toEqual(await plain(tree, params))
  })

  // What Studio 6.9.2's search box sends over this schema (bench/queries.ts, checked against
  // sanity's createSearch): it orders by the projection's copy of _score, `orderings[0]`, and
  // boosts the referrers of the sources its first request found.
  test.each([
    ['নির্বাচন', []],
    ['নির্বা', ['নির্বাচন']],
    ['কমিশন ভোট', []],
    ['নেই', ['নির্বাচন']],
  ])(
    "the Studio's own query for %s (sources %j) is scored here, identical to the plain evaluator",
    async (typed, sources) => {
      const {query, params} = studioSearchRequests(typed)[1](sources)
      const tree = parseQuery(query, params)
      expect(scoreTopK(tree, DOCS)).toBeDefined()
      const fast = (await evaluateQuery(tree, DOCS, {params})) as unknown[]
      expect(fast).toEqual(await plain(tree, params))
      if (typed !== 'নেই') expect(fast).toHaveLength(26)
    },
  )

  const ORDER = 'order(orderings[0] desc)'
  test.each([
    ['another element first', '"orderings": [_score]', '"orderings": [_id, _score]'],
    ['another element ordered by', ORDER, 'order(orderings[1] desc)'],
    ['the copy named twice', '"orderings": [_score]', '"orderings": [_score], "orderings": [_id]'],
    ['ascending', ORDER, 'order(orderings[0] asc)'],
  ])(
    'ordered by a copy of _score, %s: left to groq-js, and gives the same',
    async (_, part, replacement) => {
      const {query: studio, params} = studioSearchRequests('নির্বাচন')[1]([])
      const query = studio.replace(part, replacement)
      expect(query).not.toBe(studio)
      const tree = parseQuery(query, params)
      expect(scoreTopK(tree, DOCS)).toBeUndefined()
      expect(await evaluateQuery(tree, DOCS, {params})).toEqual(await plain(tree, params))
    },
  )

  test('duplicate ids (not a perspective view) are left to groq-js', async () => {
    const params = studioParams('নির্বাচন')
    const tree = parseQuery(STUDIO_SEARCH, params)
    expect(scoreTopK(tree, [...DOCS, DOCS[2]])).toBeUndefined()
  })
})

describe('the Studio search over a store: scored as the scan goes, never holding the view', () => {
  /** The archive, with drafts and release versions of some documents that change their text. */
  const stored: SanityDocument[] = DOCS.flatMap((doc, i) => {
    const {_originalId, ...published} = doc
    const layers = [published as SanityDocument]
    const text = i % 2 ? 'ভোট নির্বাচনের' : 'কমিশন'
    if (i % 7 === 0) layers.push({...published, _id: `drafts.${doc._id}`, title: text})
    if (i % 11 === 0) layers.push({...published, _id: `versions.r1.${doc._id}`, text})
    return layers
  })
  let store: Awaited<ReturnType<typeof memoryStore>>
  beforeAll(async () => {
    store = await memoryStore(stored)
  })
  afterAll(() => store.close())

  test.each(['published', 'raw', 'drafts', 'r1,drafts'])(
    'in the %s perspective: identical to groq-js over the whole view',
    async (perspective) => {
      const query = STUDIO_SEARCH.replace('"orderings": [_score]', '_score')
      const params = studioParams('নির্বাচন', 300)
      const result = await executeQuery(store, {query, params, perspective, apiVersion}, admin, {
        now: new Date('2026-01-01T00:00:00Z'),
        projectId: 'p',
        dataset: 'test',
      })
      expect(result).toEqual(await overView(store, query, params, perspective))
      expect((result as unknown[]).length).toBe(300)
    },
  )

  test.each(['published', 'raw', 'drafts'])(
    'in the %s perspective the view hands every document to the score stage',
    async (perspective) => {
      const params = studioParams('নির্বাচন')
      const tree = parseQuery(STUDIO_SEARCH, params)
      const stage = scoreStage(tree)!
      const view = await loadView({
        store,
        perspective: parsePerspective(perspective, apiVersion),
        apiVersion,
        plan: planQuery(tree),
        canRead: () => true,
        readsAll: true,
        context: {params},
        tree,
        sink: stage,
      })
      expect(view.documents).toEqual([])
      expect(view.query).toBeDefined()
      const result = (await evaluateQuery(view.query!, [], {params})) as unknown[]
      expect(result).toHaveLength(26)
    },
  )

  test('a projection that reads the dataset keeps the whole view', () => {
    const query = STUDIO_SEARCH.replace('"orderings": [_score]', '"n": count(*[_type == "source"])')
    expect(scoreStage(parseQuery(query, studioParams('নির্বাচন')))?.readsDataset).toBe(true)
    expect(scoreStage(parseQuery(STUDIO_SEARCH, studioParams('নির্বাচন')))?.readsDataset).toBe(false)
  })
})

describe('the Studio search over a store, reading only the documents that can reach the top', () => {
  // The archive again, with what a bound must allow for: counts past the cap of ten (ties at
  // the top), the word split by a joiner folding drops, a string JSON escapes (a control
  // character, a lone surrogate), a numeric _score, the word in an id and in a reference, and
  // drafts and release versions that change the text.
  const special: SanityDocument[] = [
    ...[10, 11, 14, 10, 12].map(
      (n, i) =>
        ({
          _id: `article-many-${i}`,
          _type: 'article',
          title: 'নির্বাচন কমিশন',
          body: [{_type: 'block', children: [{_type: 'span', text: 'নির্বাচন '.repeat(n)}]}],
          publishedAt: i < 2 ? '2025-02-01T00:00:00Z' : undefined,
        }) as SanityDocument,
    ),
    {
      _id: 'article-joined',
      _type: 'article',
      title: 'নির্\u200Dবাচন নির্\u200Cবাচন',
      body: 'নি\u200Dর্বাচনের '.repeat(12),
    } as SanityDocument,
    {
      _id: 'article-escaped',
      _type: 'article',
      title: 'নির্বাচন\u0001',
      body: 'নির্বাচন\uD800'.repeat(11),
    } as SanityDocument,
    {_id: 'article-scored', _type: 'article', title: 'ঢাকা', _score: 40} as SanityDocument,
    {_id: 'নির্বাচন-id', _type: 'source', name: 'ঢাকা'} as SanityDocument,
    {
      _id: 'article-ref',
      _type: 'article',
      title: 'ঢাকা',
      source: {_ref: 'নির্বাচন'},
    } as SanityDocument,
    {_id: 'headline-many', _type: 'headline', text: 'নির্বাচন '.repeat(13)} as SanityDocument,
  ]
  const stored: SanityDocument[] = [...DOCS, ...special].flatMap((doc, i) => {
    const {_originalId, ...published} = doc
    const layers = [published as SanityDocument]
    if (i % 7 === 0)
      layers.push({...published, _id: `drafts.${doc._id}`, title: 'নির্বাচন '.repeat(i % 13)})
    if (i % 11 === 0) layers.push({...published, _id: `versions.r1.${doc._id}`, text: 'ভোট'})
    return layers
  })
  let store: Awaited<ReturnType<typeof memoryStore>>
  beforeAll(async () => {
    store = await memoryStore(stored)
  })
  afterAll(() => store.close())

  const expected = (query: string, params: Record<string, unknown>, perspective: string) =>
    overView(store, query, params, perspective)

  test.each([
    ['নির্বাচন', 26, 'published'],
    ['নির্বাচন', 26, 'raw'],
    ['নির্বাচন', 1, 'published'],
    ['নির্বাচন', 0, 'published'],
    ['নির্বা', 40, 'raw'],
    ['নির্বাচনের', 26, 'published'],
    ['কমিশন ভোট', 26, 'published'],
    ['"নির্বাচন কমিশন"', 10, 'published'],
    ['নির্বাচন -ঢাকা', 26, 'raw'],
    ['-ঢাকা', 26, 'published'],
    ['ঢাকা', 26, 'published'],
    ['প্রার্থী', 5000, 'published'],
    ['নেই', 26, 'published'],
    // Not bounded (a Latin word, a key folding can make): every document is read.
    ['article', 26, 'published'],
    ['প্রায়', 26, 'published'],
    // In a stack, a document group is bounded by the layer the view shows.
    ['নির্বাচন', 26, 'drafts'],
    ['নির্বাচন', 300, 'drafts'],
    ['নির্বা', 40, 'r1,drafts'],
    ['ঢাকা', 26, 'r1'],
    ['ভোট', 26, 'r1,drafts'],
  ])(
    '%s [0...%i] in the %s perspective: identical to groq-js',
    async (typed, limit, perspective) => {
      const params = studioParams(typed, limit)
      const result = await executeQuery(
        store,
        {query: QUERY, params, perspective, apiVersion},
        admin,
        environment,
      )
      expect(result).toEqual(await expected(QUERY, params, perspective))
    },
  )

  // groq-js's `&&` in score() is 0 when a side scores 0, else the sum of both, a side below 0 (a
  // negative boost weight) included: a bound of 0 for that side (bounds are kept at least 0) did
  // not mean the whole was 0, and such documents were never read.
  test.each([
    ['published', -30],
    ['drafts', -30],
    ['raw', -1.5],
  ])(
    'a negative boost beside `&&` (%s, weight %d): identical to groq-js',
    async (perspective, w) => {
      const query =
        '*[_type in $__types] | score(boost(title match text::query($__query), $w) && boost(_type in ["article"], 40)) [_score > 0] {_id, _score} | order(_score desc) [0...$__limit]'
      const params = {...studioParams('নির্বাচন'), w}
      const result = await executeQuery(
        store,
        {query, params, perspective, apiVersion},
        admin,
        environment,
      )
      const wanted = (await expected(query, params, perspective)) as unknown[]
      expect(wanted).toHaveLength(26)
      expect(result).toEqual(wanted)
    },
  )

  test('a slice further down: identical to groq-js', async () => {
    const query = QUERY.replace('[0...$__limit]', '[5...$__limit]')
    const params = studioParams('নির্বাচন', 31)
    const result = await executeQuery(
      store,
      {query, params, perspective: 'published', apiVersion},
      admin,
      environment,
    )
    expect(result).toEqual(await expected(query, params, 'published'))
    expect(result).toHaveLength(26)
  })

  test.each(['published', 'drafts'])(
    'a word in most documents: only those that can reach the top are read (%s)',
    async (perspective) => {
      const counting = countingBodies(store)
      const params = studioParams('নির্বাচন')
      const result = (await executeQuery(
        counting.store,
        {query: QUERY, params, perspective, apiVersion},
        admin,
        environment,
      )) as {_id: string}[]
      expect(result).toEqual(await expected(QUERY, params, perspective))
      expect(result).toHaveLength(26)
      expect(counting.parsed()).toBeLessThan(DOCS.length / 4)
    },
  )
})

describe('a Latin word in most documents, in a view of document groups', () => {
  // A Latin word's occurrences cannot be bounded by counting it as written (upper case folds):
  // every candidate is scored, each group read whole. Its candidates' ids are read first, not
  // their bodies: each body is read once.
  const docs = Array.from({length: 300}, (_, i) => [
    {
      _id: `a${i}`,
      _type: 'article',
      title: i % 3 ? `Dhaka বৈঠক ${i % 7 ? '' : 'dhaka'}` : 'বৈঠক',
      publishedAt: `2025-01-0${1 + (i % 9)}T00:00:00Z`,
    },
    ...(i % 4 ? [] : [{_id: `drafts.a${i}`, _type: 'article', title: i % 8 ? 'DHAKA' : 'বৈঠক'}]),
  ]).flat() as SanityDocument[]
  test.each(['drafts', 'r1,drafts'])(
    '%s: identical to groq-js, each body read once',
    async (perspective) => {
      const store = await memoryStore(docs)
      // Candidates by the index, not every queued document.
      store.flushSearchIndex()
      try {
        const {query, params} = studioSearchRequests('dhaka')[1]([])
        const counting = countingBodies(store)
        const result = await executeQuery(
          counting.store,
          {query, params, perspective, apiVersion: '2025-02-19'},
          admin,
          {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
        )
        expect(result).toEqual(await overView(store, query, params, perspective))
        expect(result).toHaveLength(26)
        // The candidates' groups, each read by its id in each layer of the view.
        const groups = new Set(
          docs
            .filter((doc) => /dhaka/i.test(String(doc.title)))
            .map((doc) => doc._id.replace('drafts.', '')),
        )
        const layers = perspective === 'drafts' ? 2 : 3
        expect(counting.parsed()).toBeLessThanOrEqual(layers * groups.size)
      } finally {
        store.close()
      }
    },
  )
})

describe('a Latin word bounded without regard to case', () => {
  // Counted in the stored bytes as ASCII letters of either case: only the documents that can
  // reach the top are read. Whatever folding makes an ASCII letter of (the Kelvin sign, `İ`,
  // precomposed Latin letters) and joiners inside the word leave such a document unbounded.
  const docs = [
    ...Array.from({length: 400}, (_, i) => ({
      _id: `a${String(i).padStart(3, '0')}`,
      _type: 'article',
      title: `${['Dhaka', 'DHAKA', 'dhaka', 'বৈঠক'][i % 4]} বৈঠক ${'dhaka '.repeat(i % 5)}`,
      publishedAt: `2025-01-0${1 + (i % 9)}T00:00:00Z`,
    })),
    {_id: 'kelvin', _type: 'article', title: 'DHA\u212AA '.repeat(12)},
    {_id: 'dotted', _type: 'article', title: 'İ', body: 'dhaka '.repeat(3)},
    {_id: 'joined', _type: 'article', title: 'dh\u200Daka '.repeat(12)},
    {_id: 'accented', _type: 'article', title: 'Ḍhaka '.repeat(12)},
    {_id: 'headline-1', _type: 'headline', text: 'DhAkA '.repeat(12)},
  ] as SanityDocument[]
  test.each([
    ['dhaka', 'published'],
    ['dhaka', 'raw'],
    ['DHAK', 'published'],
    ['dhaka বৈঠক', 'published'],
  ])(
    '%s (%s): identical to groq-js, a fraction of the candidates read',
    async (typed, perspective) => {
      const store = await memoryStore(docs)
      store.flushSearchIndex()
      try {
        const {query, params} = studioSearchRequests(typed)[1]([])
        const counting = countingBodies(store)
        const result = (await executeQuery(
          counting.store,
          {query, params, perspective, apiVersion: '2025-02-19'},
          admin,
          {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
        )) as {_id: string}[]
        expect(result).toEqual(await overView(store, query, params, perspective))
        expect(result).toHaveLength(26)
        if (!typed.includes(' ')) {
          // Ranked first by their twelve hits in a title, folded.
          for (const id of ['kelvin', 'joined']) expect(result.map((r) => r._id)).toContain(id)
        }
        expect(counting.parsed()).toBeLessThan(docs.length / 2)
      } finally {
        store.close()
      }
    },
  )
})

describe('ties between ids whose UTF-8 and UTF-16 orders differ', () => {
  // SQLite orders ids by their UTF-8 bytes, a view by UTF-16 units: U+FF5E comes before U+1F600
  // in the one and after it in the other. The store tallies candidates in no order at all; the
  // documents read are placed by their view ids.
  const docs = Array.from({length: 60}, (_, i) => ({
    _id: `t${['\u{1F600}', '\uFF5E', 'a'][i % 3]}${(i * 7) % 60}`,
    _type: 'article',
    title: i % 4 ? 'নির্বাচন' : 'নির্বাচন নির্বাচন',
    publishedAt: '2025-01-01T00:00:00Z',
  })) as SanityDocument[]
  test.each(['published', 'raw', 'drafts'])('%s: identical to groq-js', async (perspective) => {
    const store = await memoryStore(docs)
    try {
      const query = STUDIO_SEARCH.replace('"orderings": [_score]', '_score')
      const params = studioParams('নির্বাচন', 20)
      const result = await executeQuery(
        store,
        {query, params, perspective, apiVersion: '2025-02-19'},
        admin,
        {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
      )
      expect(result).toEqual(await overView(store, query, params, perspective))
      expect(result).toHaveLength(20)
    } finally {
      store.close()
    }
  })
})

describe('titles first, a Latin word in a title of ASCII alone', () => {
  // The index's heads list the keys of strings holding a character past ASCII only: a title of
  // ASCII alone says nothing, and it may hold a Latin word or a number. Ranked by its title, such a
  // document must still be read.
  const docs = [
    ...Array.from({length: 60}, (_, i) => ({
      _id: `a${String(i).padStart(3, '0')}`,
      _type: 'article',
      title: 'বৈঠক Dhaka 2024',
      publishedAt: '2025-01-01T00:00:00Z',
    })),
    {_id: 'z-latin', _type: 'article', title: 'Dhaka Dhaka Dhaka Dhaka Dhaka'},
    {_id: 'z-year', _type: 'article', title: '2024 2024 2024 2024 2024'},
    {_id: 'z-source', _type: 'source', name: 'Dhaka Dhaka Dhaka 2024 2024 2024'},
  ] as SanityDocument[]
  test.each([
    ['dhaka', 'raw', 'z-latin'],
    ['dhaka', 'drafts', 'z-latin'],
    ['Dhak', 'published', 'z-latin'],
    ['2024', 'raw', 'z-year'],
  ])('%s (%s): identical to groq-js, %s first', async (typed, perspective, first) => {
    const store = await memoryStore(docs)
    store.flushSearchIndex()
    try {
      const {query, params} = studioSearchRequests(typed)[1]([])
      const result = (await executeQuery(
        store,
        {query, params, perspective, apiVersion: '2025-02-19'},
        admin,
        {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
      )) as {_id: string}[]
      expect(result).toEqual(await overView(store, query, params, perspective))
      expect(result[0]._id).toBe(first)
      expect(result.map((r) => r._id)).toContain('z-source')
    } finally {
      store.close()
    }
  })
})

describe('titles first, a Latin word: the heads list the keys of titles of ASCII alone', () => {
  // Many candidates hold the word in their bodies only; the top is titles of ASCII alone. Titles
  // the heads must not leave out though they are no string: arrays, objects and booleans of ASCII
  // alone (a boolean's text is `true`), and drafts whose title holds the word where the
  // published one does not, or the other way round.
  const docs: SanityDocument[] = [
    ...Array.from(
      {length: 150},
      (_, i) =>
        ({
          _id: `article-${String(i).padStart(3, '0')}`,
          _type: 'article',
          title: i % 2 ? 'বৈঠক ঢাকা' : 'Budget 2024',
          body: [{_type: 'block', children: [{_type: 'span', text: 'Dhaka '.repeat(1 + (i % 5))}]}],
          slug: {_type: 'slug', current: `dhaka-${i}`},
          publishedAt: `2025-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`,
        }) as SanityDocument,
    ),
    ...Array.from(
      {length: 30},
      (_, i) =>
        ({
          _id: `latin-${String(i).padStart(2, '0')}`,
          _type: 'article',
          title: (i % 4 ? 'Dhaka ' : 'DHAKA ').repeat(1 + (i % 3)),
          publishedAt: `2024-12-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`,
        }) as SanityDocument,
    ),
    {_id: 'title-array', _type: 'article', title: ['Dhaka Dhaka Dhaka', 'Dhaka']},
    {_id: 'title-object', _type: 'article', title: {text: 'Dhaka Dhaka Dhaka Dhaka'}},
    {_id: 'title-true', _type: 'article', title: true, body: 'true'},
    {_id: 'headline-latin', _type: 'headline', text: 'Dhaka Dhaka Dhaka Dhaka'},
    {_id: 'source-latin', _type: 'source', name: 'Dhaka Tribune'},
    {_id: 'drafts.article-001', _type: 'article', title: 'Dhaka Dhaka Dhaka Dhaka Dhaka'},
    {_id: 'drafts.latin-02', _type: 'article', title: 'বৈঠক'},
  ] as SanityDocument[]
  let store: Awaited<ReturnType<typeof memoryStore>>
  beforeAll(async () => {
    store = await memoryStore(docs)
    store.flushSearchIndex()
  })
  afterAll(() => store.close())

  test.each([
    ['dhaka', 26, 'raw'],
    ['dhaka', 26, 'published'],
    ['Dhak', 26, 'drafts'],
    ['dhaka', 10, 'drafts'],
  ])(
    '%s [0...%i] (%s): identical to groq-js, tallying fewer than all candidates',
    async (typed, limit, perspective) => {
      const result = await expectTitlesFirst(store, typed, limit, perspective)
      const ids = result.map((doc) => doc._id)
      expect(ids).toEqual(expect.arrayContaining(['title-array', 'title-object']))
    },
  )

  test.each([
    ['true', 26, 'published'],
    ['budget', 26, 'raw'],
    ['dhaka', 500, 'drafts'],
    ['tribune', 26, 'published'],
  ])('%s [0...%i] (%s): identical to groq-js', async (typed, limit, perspective) => {
    const params = studioParams(typed, limit)
    const {result} = await searchTallying(store, params, perspective, true)
    expect(result).toEqual(await overView(store, QUERY, params, perspective))
  })
})

describe('the Studio search over a store with its full-text index caught up: titles first', () => {
  // The store tallies first the candidates whose searched attributes (title, text, name) may hold
  // the word, per the index's heads, and the others only if their common bound reaches the floor.
  // What the heads cannot tell apart must still be read: titles that are no string, a stored
  // `_score`, the word split by a joiner, and a word that is in bodies only.
  const special: SanityDocument[] = [
    {
      _id: 'article-title-array',
      _type: 'article',
      title: ['কমিশন', 'নির্বাচনের'],
      body: 'কমিশন '.repeat(11),
    } as SanityDocument,
    {
      _id: 'article-title-object',
      _type: 'article',
      title: {text: 'কমিশন নির্বাচনের'},
      body: 'নির্বাচনের '.repeat(11),
    } as SanityDocument,
    {_id: 'article-title-number', _type: 'article', title: 1971, body: 'কমিশন'} as SanityDocument,
    {_id: 'article-joined', _type: 'article', title: 'ক\u200Dমিশন', body: 'কমিশন '.repeat(12)},
    {_id: 'headline-title', _type: 'headline', text: 'কমিশন '.repeat(12)} as SanityDocument,
    ...Array.from(
      {length: 30},
      (_, i) =>
        ({
          _id: `article-body-only-${i}`,
          _type: 'article',
          title: 'ঢাকা',
          body: 'সমঝোতা '.repeat(1 + (i % 12)),
          publishedAt: `2025-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`,
        }) as SanityDocument,
    ),
  ] as SanityDocument[]
  // The archive's stored `_score`s stay (every 97th document, -1 to 1): one above 0 is kept by
  // groq-js whether or not the document holds the word.
  const stored: SanityDocument[] = [...DOCS, ...special].flatMap((doc, i) => {
    const {_originalId, ...published} = doc
    const layers = [published as SanityDocument]
    if (i % 7 === 0) layers.push({...published, _id: `drafts.${doc._id}`, title: 'কমিশন'})
    return layers
  })
  let store: Awaited<ReturnType<typeof memoryStore>>
  beforeAll(async () => {
    store = await memoryStore(stored)
    store.flushSearchIndex()
  })
  afterAll(() => store.close())

  test.each([
    ['কমিশন', 26, 'published'],
    ['কমিশন', 26, 'raw'],
    ['কমিশন', 3, 'published'],
    ['কমিশ', 40, 'raw'],
    ['কমিশন', 26, 'drafts'],
    ['কমিশন', 26, 'r1,drafts'],
    ['কমিশ', 40, 'drafts'],
  ])(
    '%s [0...%i] (%s): identical to groq-js, tallying fewer than all candidates',
    async (typed, limit, perspective) => {
      await expectTitlesFirst(store, typed, limit, perspective)
    },
  )

  test.each([
    // In most titles (few are left out), two words, a phrase.
    ['নির্বাচনের', 26, 'published'],
    ['নির্বা', 40, 'raw'],
    ['কমিশন ভোট', 26, 'published'],
    ['"কমিশন ঢাকা"', 10, 'published'],
    // In bodies only: the floor stays below what the candidates left out may score.
    ['সমঝোতা', 26, 'published'],
    ['সমঝো', 5, 'raw'],
    // More wanted than the titles hold.
    ['কমিশন', 3000, 'published'],
    ['ঢাকা', 26, 'published'],
    ['সমঝোতা', 26, 'drafts'],
    ['কমিশন', 3000, 'drafts'],
  ])('%s [0...%i] (%s): identical to groq-js', async (typed, limit, perspective) => {
    const params = studioParams(typed, limit)
    const {result} = await searchTallying(store, params, perspective, true)
    expect(result).toEqual(await overView(store, QUERY, params, perspective))
  })
})

describe('titles first in drafts and release views: a group is bounded by the layer shown', () => {
  // The view shows a group's top layer (release, draft, published): the heads must bound that
  // row, not another of the group. Groups whose rows disagree about the word, in their titles or
  // bodies, with stored _scores, with a deleted draft, and layers of a release outside the stack.
  const layer = (id: string, fields: Record<string, unknown>) =>
    ({_id: id, _type: 'article', ...fields}) as SanityDocument
  // Portable Text: a top-level array, whose words the heads do not list (a string's they do).
  const block = (text: string) => [{_type: 'block', children: [{_type: 'span', text}]}]
  const filler = Array.from({length: 120}, (_, i) =>
    layer(`article-${String(i).padStart(3, '0')}`, {
      title: i % 3 ? 'কমিশন '.repeat(1 + (i % 4)) : 'ঢাকা',
      body: i % 5 ? 'ভোট' : 'কমিশনের সমঝোতা',
      publishedAt: `2025-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`,
    }),
  )
  const groups: SanityDocument[] = [
    // The word only in the draft's title, then only in the published title (many times).
    layer('g-draft-word', {title: 'ঢাকা'}),
    layer('drafts.g-draft-word', {title: 'কমিশন '.repeat(9)}),
    layer('g-published-word', {title: 'কমিশন '.repeat(12)}),
    layer('drafts.g-published-word', {title: 'ঢাকা', body: block('কমিশনের বৈঠক')}),
    // The word in a release version's title, in the published one's and not the version's.
    layer('g-version-word', {title: 'ঢাকা'}),
    layer('drafts.g-version-word', {title: 'ভোট'}),
    layer('versions.r1.g-version-word', {title: 'কমিশন '.repeat(11)}),
    layer('g-version-drops', {title: 'কমিশন '.repeat(12)}),
    layer('versions.r1.g-version-drops', {title: 'ঢাকা', body: block('কমিশন')}),
    // Only a draft, only a version; a version of a release no view here stacks.
    layer('drafts.g-draft-only', {title: 'কমিশন '.repeat(8)}),
    layer('versions.r1.g-version-only', {title: 'কমিশন '.repeat(10)}),
    layer('g-other-release', {title: 'ঢাকা'}),
    layer('versions.r2.g-other-release', {title: 'কমিশন '.repeat(12)}),
    // A stored _score in the draft alone, in the published document alone, in a version.
    layer('g-draft-scored', {title: 'ঢাকা'}),
    layer('drafts.g-draft-scored', {title: 'ঢাকা', _score: 60}),
    layer('g-published-scored', {title: 'ঢাকা', _score: 60}),
    layer('drafts.g-published-scored', {title: 'ভোট'}),
    layer('g-version-scored', {title: 'কমিশন'}),
    layer('versions.r1.g-version-scored', {title: 'ভোট', _score: 45}),
    // The word in the draft's body only, many times; a draft title that is an array.
    layer('g-draft-body', {title: 'ঢাকা'}),
    layer('drafts.g-draft-body', {title: 'ভোট', body: block('সমঝোতা কমিশন '.repeat(12))}),
    layer('g-draft-array', {title: 'ঢাকা'}),
    layer('drafts.g-draft-array', {title: ['কমিশন', 'কমিশনের'], body: 'কমিশন '.repeat(12)}),
    // Drafts deleted after the index caught up: the published document shows again.
    layer('g-deleted-word', {title: 'ঢাকা'}),
    layer('drafts.g-deleted-word', {title: 'কমিশন '.repeat(12)}),
    layer('g-deleted-other', {title: 'কমিশন '.repeat(12)}),
    layer('drafts.g-deleted-other', {title: 'ঢাকা'}),
  ]
  const deleted = ['drafts.g-deleted-word', 'drafts.g-deleted-other']
  let store: Awaited<ReturnType<typeof memoryStore>>
  beforeAll(async () => {
    store = await memoryStore([...filler, ...groups])
    store.flushSearchIndex()
    await store.transact((writer) =>
      writer.commit({
        id: 'tx2',
        dataset: 'test',
        timestamp: '2026-01-02T00:00:00.000Z',
        identity: 'test',
        changes: deleted.map((id) => ({
          id,
          before: {...groups.find((doc) => doc._id === id)!, _rev: 'tx1'},
          after: null,
          mutations: [],
          effects: {apply: [], revert: []},
        })),
      }),
    )
    store.flushSearchIndex()
  })
  afterAll(() => store.close())

  const PERSPECTIVES = ['drafts', 'previewDrafts', 'r1,drafts', 'r1', 'raw', 'published']
  test.each(
    PERSPECTIVES.flatMap((perspective) =>
      (
        [
          ['কমিশন', 26],
          ['কমিশন', 3],
          ['কমিশন', 500],
          ['কমিশ', 12],
          ['সমঝোতা', 5],
          ['ঢাকা', 26],
        ] as const
      ).map(([typed, limit]) => [typed, limit, perspective] as const),
    ),
  )('%s [0...%i] (%s): identical to groq-js', async (typed, limit, perspective) => {
    const params = studioParams(typed, limit)
    const result = await executeQuery(
      store,
      {query: QUERY, params, perspective, apiVersion},
      admin,
      environment,
    )
    expect(result).toEqual(await overView(store, QUERY, params, perspective))
  })

  test.each(['drafts', 'r1,drafts'])(
    'a caller who reads published documents only (%s): their groups show those',
    async (perspective) => {
      const anonymous = {id: 'anonymous', kind: 'anonymous', role: null, publicReads: true} as const
      const params = studioParams('কমিশন', 26)
      const result = (await executeQuery(
        store,
        {query: QUERY, params, perspective, apiVersion},
        anonymous,
        environment,
      )) as {_id: string}[]
      const readable = [...store.scan()].filter((doc) => !/^(drafts|versions)\./.test(doc._id))
      const view = applyPerspective(readable, parsePerspective(perspective, apiVersion), apiVersion)
      const value = await evaluate(parseQuery(QUERY, params), {
        dataset: view,
        params,
        dereference: textQueryDereference({documents: view, params}),
      })
      expect(result).toEqual(await value.get())
      expect(result.map((doc) => doc._id)).toContain('g-published-word')
    },
  )

  test('the layer shown decides: the drafts view ranks the drafts, the release view its versions', async () => {
    const ids = async (perspective: string) =>
      (
        (await executeQuery(
          store,
          {query: QUERY, params: studioParams('কমিশন', 8), perspective, apiVersion},
          admin,
          environment,
        )) as {_id: string}[]
      ).map((doc) => doc._id)
    expect(await ids('drafts')).toEqual(
      expect.arrayContaining(['g-draft-scored', 'g-draft-word', 'g-draft-only', 'g-draft-array']),
    )
    expect(await ids('drafts')).not.toContain('g-published-word')
    expect(await ids('drafts')).not.toContain('g-published-scored')
    expect(await ids('drafts')).not.toContain('g-deleted-word')
    expect(await ids('drafts')).toContain('g-deleted-other')
    expect(await ids('r1,drafts')).toEqual(
      expect.arrayContaining(['g-version-word', 'g-version-only', 'g-version-scored']),
    )
    expect(await ids('r1,drafts')).not.toContain('g-version-drops')
    expect(await ids('r1,drafts')).not.toContain('g-other-release')
  })
})

test('a stored _score on a candidate the heads would leave out by its title: still read', async () => {
  // Its title holds no form of the word, its body does, and its _score puts it first.
  const docs = [
    ...Array.from({length: 40}, (_, i) => ({
      _id: `article-${i}`,
      _type: 'article',
      title: i % 2 ? 'কমিশন' : 'ঢাকা',
      body: 'কমিশন '.repeat(1 + (i % 12)),
    })),
    {_id: 'article-scored', _type: 'article', title: 'ঢাকা', body: 'কমিশন', _score: 40},
  ] as SanityDocument[]
  const store = await memoryStore(docs)
  try {
    store.flushSearchIndex()
    const query = STUDIO_SEARCH.replace('"orderings": [_score]', '_score')
    const params = studioParams('কমিশন', 5)
    const result = (await executeQuery(
      store,
      {query, params, perspective: 'published', apiVersion: '2025-02-19'},
      {id: 'admin', kind: 'user', role: 'administrator'},
      {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
    )) as {_id: string}[]
    expect(result).toEqual(await overView(store, query, params, 'published'))
    expect(result[0]._id).toBe('article-scored')
  } finally {
    store.close()
  }
})

test('a slice of anything but a scored order is no stage, and its answer is groq-js’s', async () => {
  // Range slices of literals and of plain filters (the GROQ suite's "Range slicing"): every
  // query with a slice is offered to scoreStage, which must say no rather than throw (a 500).
  for (const query of ['[1, 2, 3][0..1]', '"abc"[0...2]', '*[_type == "x"][0...2]', '(*)[1..2]']) {
    expect(scoreStage(parseQuery(query)), query).toBeUndefined()
  }
  const store = await memoryStore([])
  try {
    const admin = {id: 'admin', kind: 'user', role: 'administrator'} as const
    const query = '[1, 2, 3][0..1]'
    const apiVersion = '2025-02-19'
    const answer = await executeQuery(store, {query, params: {}, apiVersion}, admin, {
      now: new Date('2026-01-01T00:00:00Z'),
      projectId: 'p',
      dataset: 'test',
    })
    expect(answer).toEqual(await (await evaluate(parseQuery(query))).get())
  } finally {
    store.close()
  }
})
