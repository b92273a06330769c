/**
 * Which queries run on the HTTP event loop rather than a worker (issue 9): those whose every step
 * is linear, read within a budget, off an index that SQLite seeks. Past the budget, or before a
 * read SQLite would answer with a scan or a sort, the budgeted store stops with OverBudget.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {parseQuery} from '../../../lake/core/query.ts'
import type {Store} from '../../../lake/core/store.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {QueryResultTooLargeError} from '../../../lake/core/errors.ts'
import {bodyFor, statusFor} from '../../../lake/http/errors.ts'
import {answerBytes, answerHash, executeQuery, resultJson} from '../../../lake/query/execute.ts'
import type {Node} from '../../../lake/core/groqTree.ts'
import {
  budgeted,
  copied,
  IN_PLACE_BUDGET,
  inPlaceBudget,
  MAX_COPIES,
  MAX_LITERAL,
  MAX_NODES,
  OverBudget,
  triesInPlace,
  withinAnswerBudget,
} from '../../../lake/query/inPlace.ts'
import {fromWire, toWire} from '../../../lake/query/wire.ts'
import {memoryStore} from '../../helpers/store.ts'

const tries = (query: string, params: Record<string, unknown> = {}) =>
  triesInPlace(parseQuery(query, params))

describe('tried in place', () => {
  test.each([
    ['*[_id == $id][0]', {id: 'a'}],
    ['*[_id in $ids]{_id, title, "source": source->name, tags[@ != "x"]}', {ids: ['a', 'b']}],
    ['*[_id == "a" && _type == "article"][0]{..., "n": count(tags), "t": coalesce(title, "")}', {}],
    ['*[_id in ["a", "b"]] | order(publishedAt desc)[0...1]', {}],
    [
      '*[_type == "article" && slug.current == $slug][0]{title, "source": source->name}',
      {slug: 's'},
    ],
    ['*[_type == "article"] | order(publishedAt desc)[20...40]{_id, title}', {}],
    ['count(*[_type == "article"])', {}],
    ['*[references($id)]{_id, _type}', {id: 'source-1'}],
    ['*[_id in path("drafts.**")]{_id}', {}],
    ['*[_id == $id][0]{"n": count(body[]{children[_type == "span"]{text}})}', {id: 'a'}],
    ['*[_id in $ids]._id', {ids: Array.from({length: MAX_LITERAL / 100}, (_, i) => `a${i}`)}],
    // Several `*`, each planned alone (plan.ts separateScans), within one budget.
    ['{"a": count(*[_type == "a"]), "b": count(*[_type == "b"])}', {}],
    [
      '{"n": count(*[_type == "article"]), "latest": *[_type == "article"] | order(publishedAt desc)[0...5]{_id}}',
      {},
    ],
    // `*[_type == "system.release"]` as planned (core/query.ts releasesAsFilter).
    ['releases::all()', {}],
    // The Studio's lookups of a document group and a release's documents.
    ['*[sanity::versionOf($id)][0]._type', {id: 'a'}],
    ['count(*[sanity::partOfRelease("r1")])', {}],
    // `&&` and `||` (groq-js evaluates both sides), select() and coalesce() (decideBranches).
    ['count(*[_type == "a"]) > 0 && count(*[_type == "b"]) > 0', {}],
    ['defined(*[_id == $id][0]) || count(*[_type == "b"]) > 0', {id: 'a'}],
    ['select($preview => *[_id == $a][0], *[_id == $b][0])', {preview: true, a: 'a', b: 'b'}],
    ['coalesce(*[_id == "a"][0].title, *[_id == "b"][0].title, "")', {}],
    ['{defined(*[_id == "a"][0]) => {"b": *[_id == "b"][0]}}', {}],
  ])('%s', (query, params) => expect(tries(query, params)).toBe(true))
})

describe('always on a worker', () => {
  test.each([
    ['*[_type == "article" && title match "নির্বা*"] | order(publishedAt desc)[0...20]', {}],
    // Several `*`: one part's full-text candidates, or a `*` no part holds alone.
    ['{"a": count(*[_type == "a"]), "m": *[title match "নির্বা*"][0]._id}', {}],
    ['count(*[_type == "a"][count(*[_type == "b"]) > 0])', {}],
    ['select(count(*[_type == "a"][count(*[_type == "b"]) > 0]) > 0 => 1, *[_id == "a"][0])', {}],
    ['*[_id == $id][0]{"x": string::split(title, "")}', {id: 'a'}],
    ['*[_id == $id][0]{"x": $s[count($s[@ == ^]) > 0]}', {id: 'a', s: ['x']}],
    ['*[_id == $id][0]{"x": *[references(^._id)]}', {id: 'a'}],
  ])('%s', (query, params) => expect(tries(query, params)).toBe(false))
})

/**
 * Issue 9's audit: each of these ran for seconds on the event loop in place (anonymously, or as a
 * viewer over a document's own array), past the deadline, deaf to disconnects and SIGTERM.
 */
describe('work not linear in what the budget counts goes to a worker', () => {
  const glob = (k: number) => `${Array(k).fill('**').join('.')}.#`
  test.each([
    [
      'a glob of many `**` (a backtracking regular expression each)',
      '{"first": *[_id == "x"][0], "m": "article-xxxxxxxxxxxxxxxxxxxxxx" in path($g)}',
      {g: glob(14)},
    ],
    ['a glob of two `**`', '*[_id in path($g)]._id', {g: 'a.**.**'}],
    [
      'a glob of many `*` (joined by an unescaped `.`: backtracking too)',
      '*[_id in path($g)]._id',
      {g: `${Array(14).fill('*').join('.')}.#`},
    ],
    ['a glob not known before evaluation', '*[_id == "a"][0]{"m": _id in path(title)}', {}],
    [
      'iterating the parent scope (nested four deep)',
      '*[_id == "a1"][0]{"n": count(arr[count(^.arr[count(^.^.arr[count(^.^.^.arr[true]) > 0]) > 0]) > 0])}',
      {},
    ],
    [
      'nested projections through `^`',
      '*[_id == "a1"][0]{"x": arr[]{"y": ^.arr[]{"z": ^.^.arr[]{v, "w": ^.^.^._id}}}}',
      {},
    ],
    ['`in` over the parent scope', '*[_id == "a1"][0]{"n": count(arr[v in ^.arr[].v])}', {}],
    [
      '`match` (a backtracking `.*` per `*`)',
      '*[_id == "a"][0]{"m": title match $p}',
      {p: 'a*a*a*b'},
    ],
    [
      'a list longer than the literal budget, compared with every value read',
      '*[_id == "a1"][0]{"n": count(arr[v in $list])}',
      {list: Array.from({length: MAX_LITERAL + 1}, (_, i) => i)},
    ],
    [
      'a list inside an object parameter',
      '*[_id == "a1"][0]{"n": count(arr[v in $p.list])}',
      {p: {list: Array.from({length: MAX_LITERAL + 1}, (_, i) => i)}},
    ],
    [
      'a long string worked on once per item',
      '*[_id == "a1"][0]{"x": arr[]{"s": lower($s)}}',
      {s: 'ক'.repeat(MAX_LITERAL + 1)},
    ],
    [
      'more nodes than MAX_NODES, each evaluated per row',
      `*[_type == "article"]{${Array.from({length: MAX_NODES}, (_, i) => `"f${i}": position`).join(', ')}}`,
      {},
    ],
  ])('%s', (_, query, params) => expect(tries(query, params)).toBe(false))
})

const ARTICLES = 300

let store: Store

beforeAll(async () => {
  const docs: SanityDocument[] = [{_id: 'source-1', _type: 'source', name: 'বাসস'}]
  for (let i = 0; i < ARTICLES; i++) {
    docs.push({
      _id: `article-${String(i).padStart(3, '0')}`,
      _type: 'article',
      title: `প্রতিবেদন ${i}`,
      slug: {current: `article-${i}`},
      publishedAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
      section: i % 3 === 0 ? 'খেলা' : 'দেশ',
      source: {_type: 'reference', _ref: 'source-1'},
      position: i % 17,
    } as SanityDocument)
  }
  store = await memoryStore(docs as SanityDocument[])
})
afterAll(() => store.close())

const admin = {kind: 'user', id: 'u', role: 'administrator'} as never
const environment = {now: new Date(), projectId: 'p', dataset: 'test'}

/** Runs a query over the budgeted store: its result, or the OverBudget message. */
async function inPlace(query: string, budget = {rows: 100, bodies: 50}, perspective = 'published') {
  const request = {query, params: {}, apiVersion: '2025-02-19', perspective}
  try {
    return {result: await executeQuery(budgeted(store, [], budget), request, admin, environment)}
  } catch (err) {
    if (err instanceof OverBudget) return {over: err.message}
    throw err
  }
}

async function unbudgeted(query: string, perspective = 'published') {
  const request = {query, params: {}, apiVersion: '2025-02-19', perspective}
  return executeQuery(store, request, admin, environment)
}

describe('a budgeted store', () => {
  test.each([
    '*[_type == "article" && slug.current == "article-7"][0]{title, "source": source->name}',
    '*[_type == "article" && defined(publishedAt)] | order(publishedAt desc)[0...20]{_id, title}',
    '*[_type == "article" && section == "খেলা"] | order(publishedAt desc)[20...40]{_id}',
    'count(*[_type == "article"])',
    // Kept counts per type and layer: no index range walked, however many documents.
    'count(*)',
    'count(*[_type in ["article", "source"]])',
    '*[_type == "article" && source._ref == "source-1"] | order(publishedAt desc)[0...5]{_id}',
  ])('answers an index-answered shape within budget, as without it: %s', async (query) => {
    const answer = await inPlace(query)
    expect(answer.over).toBeUndefined()
    expect(answer.result).toEqual(await unbudgeted(query))
  })

  test.each([
    '*[_type == "article"] | order(publishedAt desc)[0...3]{_id, _originalId}',
    'count(*[_type == "article" && section == "খেলা"])',
  ])('answers in the drafts perspective too, off the same indexes: %s', async (query) => {
    const answer = await inPlace(query, undefined, 'drafts')
    expect(answer.over).toBeUndefined()
    expect(answer.result).toEqual(await unbudgeted(query, 'drafts'))
  })

  // How a dataset is paged (and @sanity/client's default perspective is published): outside a
  // release stack each row is its own group, so the (type, id) index gives the order, no sort.
  test.each([
    ['published', 'asc'],
    ['published', 'desc'],
    ['raw', 'asc'],
    ['raw', 'desc'],
  ])('pages a type by _id off its id index (%s, %s)', async (perspective, dir) => {
    const query = `*[_type == "article"] | order(_id ${dir})[0...5]._id`
    const answer = await inPlace(query, {rows: 250, bodies: 250}, perspective)
    expect(answer.over).toBeUndefined()
    expect(answer.result).toEqual(await unbudgeted(query, perspective))
    expect(answer.result).toHaveLength(5)
  })

  test('stops at the first body past the budget', async () => {
    // 300 articles reference source-1: more bodies than the budget allows.
    const query = '*[references("source-1")]'
    expect((await inPlace(query, {rows: 1000, bodies: 50})).over).toMatch(/more than 50 bodies/)
    expect((await inPlace(query, {rows: 1000, bodies: 1000})).over).toBeUndefined()
  })

  test('a projection dereferencing an indexed reference reads only the referenced documents', async () => {
    const read: string[] = []
    let extracted = 0
    const watched = Object.assign(Object.create(store) as Store, {
      getDocuments(ids: readonly string[]) {
        read.push(...ids)
        return store.getDocuments(ids)
      },
      extract(ids: readonly string[], paths: never) {
        extracted += ids.length
        return store.extract(ids, paths)
      },
    })
    const query =
      '*[_type == "article"] | order(publishedAt desc)[0...5]{_id, publishedAt, "source": source->name}'
    const request = {query, params: {}, apiVersion: '2025-02-19', perspective: 'published'}
    const result = await executeQuery(watched, request, admin, environment)
    expect(result).toEqual(await unbudgeted(query))
    expect((result as {source: string}[])[0].source).toBe('বাসস')
    // The articles' publishedAt and source._ref come from the side table (the title would come out
    // of the bodies: the side table keeps its length only): no article body, no values extracted.
    expect(extracted).toBe(0)
    expect(new Set(read)).toEqual(new Set(['source-1']))
  })

  test.each([
    ['*[references("source-1")]{_id, _type}', 0],
    ['*[references("source-1")]._id', 0],
    [
      '*[_type == "article" && section == "খেলা"] | order(publishedAt desc)[20...40]{_id, title}',
      0,
    ],
    ['*[_type == "article" && slug.current == "article-7"][0]{_id, publishedAt}', 0],
    // One body per dereference (the source), none for the articles.
    ['*[_type == "article"] | order(publishedAt desc)[0...5]{_id, "source": source->name}', 5],
  ])(
    'an exact filter under a projection reads no body of the matches: %s',
    async (query, bodies) => {
      const answer = await inPlace(query, {rows: 1000, bodies})
      expect(answer.over).toBeUndefined()
      expect(answer.result).toEqual(await unbudgeted(query))
      expect(answer.result).not.toEqual([])
    },
  )

  // The structure list pane's query (Studio 6.9.2, bench/queries.ts studioListRequest): with no
  // search text its `text::query("*")` keeps every document, and it orders by the projection's
  // copy of the field. It read every article's body (300 here, 100,000 in the archive).
  const LIST_PANE = [
    '*[_type in ["article"] && ([@, _id] match text::query("*") || references("")) && (_type == "article")]',
    '{_type, _id, _originalId, "orderings": [publishedAt]} | order(orderings[0] desc) [0...101]',
  ].join(' ')
  test.each(['published', 'drafts', 'raw'])(
    "answers the Studio's list pane off the index, reading no body (%s)",
    async (perspective) => {
      const answer = await inPlace(LIST_PANE, {rows: 250, bodies: 0}, perspective)
      expect(answer.over).toBeUndefined()
      expect(answer.result).toEqual(await unbudgeted(LIST_PANE, perspective))
      expect(answer.result).toHaveLength(101)
    },
  )

  // The headlines pane (studio/structure.ts: by `position`, ascending), which the side table does
  // not keep: with the type's index in that order (declared, or learnt from editors' queries) its
  // slice is read in order, ties by document group included, never sorted first.
  const HEADLINES_PANE = [
    '*[_type in ["headline"] && ([@, _id] match text::query("*") || references("")) && (_type == "headline")]',
    '{_type, _id, _originalId, "orderings": [position]} | order(orderings[0] asc) [0...11]',
  ].join(' ')
  test.each(['published', 'drafts'])(
    "answers the headlines pane off the type's order index, no sort of ties (%s)",
    async (perspective) => {
      const headlines: SanityDocument[] = []
      for (let i = 0; i < 1000; i++) {
        const id = `headline-${String(i).padStart(3, '0')}`
        // Positions tie in runs of 250, and a draft ties with its published version or not.
        headlines.push({_id: id, _type: 'headline', position: i % 4} as SanityDocument)
        if (i % 3 === 0) {
          headlines.push({
            _id: `drafts.${id}`,
            _type: 'headline',
            position: i % 5,
          } as SanityDocument)
        }
      }
      const panes = await memoryStore(headlines)
      try {
        panes.indexOrders([{path: ['position'], desc: false}], {declared: true})
        const request = {query: HEADLINES_PANE, params: {}, apiVersion: '2025-02-19', perspective}
        const expected = await executeQuery(panes, request, admin, environment)
        expect(expected).toHaveLength(11)
        // A batch of the order's candidates (200) and, in drafts, their groups: not all 1,334.
        const answer = await executeQuery(
          budgeted(panes, [], {rows: 1000, bodies: 700}),
          request,
          admin,
          environment,
        )
        expect(answer).toEqual(expected)
      } finally {
        panes.close()
      }
    },
  )

  test('counts the bytes of bodies before it parses them', async () => {
    const big = await memoryStore([
      {_id: 'big', _type: 'article', text: 'ক'.repeat(100_000)} as SanityDocument,
      {_id: 'small', _type: 'article', text: 'ক'} as SanityDocument,
    ])
    let parsed = 0
    const counting = Object.assign(Object.create(big) as Store, {
      getDocuments(ids: readonly string[]) {
        parsed += ids.length
        return big.getDocuments(ids)
      },
    })
    const run = (query: string) =>
      executeQuery(
        budgeted(counting, [], {rows: 100, bodies: 50, bytes: 100_000}),
        {query, params: {}, apiVersion: '2025-02-19', perspective: 'raw'},
        admin,
        environment,
      )
    // Two documents, well within 50 bodies: only the bytes (300 kB of UTF-8) are past the budget.
    await expect(run('*[_id == "big"][0].text')).rejects.toThrow(/more than 100000 bytes of bodies/)
    expect(parsed).toBe(0)
    expect(await run('*[_id == "small"][0].text')).toBe('ক')
    big.close()
  })

  // One field read out of a large document (a projection or a filter reading only `body`) is
  // extracted, not the body parsed: its bytes count as a body's, or a 32 MB field was read and
  // evaluated on the event loop, each copying node (`lower`, `upper`) over all of it.
  test('counts the bytes of a field it extracts, before it parses them', async () => {
    const big = await memoryStore([
      {_id: 'big', _type: 'article', body: 'নির্বাচন ভোট '.repeat(100_000)} as SanityDocument,
      {_id: 'small', _type: 'article', body: 'ভোট'} as SanityDocument,
    ])
    const extracted: string[][] = []
    const counting = Object.assign(Object.create(big) as Store, {
      getDocuments(ids: readonly string[]) {
        if (ids.length > 0) throw new Error('a body parsed: the query reads the field alone')
        return []
      },
      extract(...args: Parameters<Store['extract']>) {
        extracted.push(...args[1].map((path) => path.map(String)))
        return big.extract(...args)
      },
    })
    const run = (query: string, bytes: number) =>
      executeQuery(
        budgeted(counting, [], {rows: 5000, bodies: 500, bytes}),
        {query, params: {}, apiVersion: '2025-02-19', perspective: 'published'},
        admin,
        environment,
      )
    const query = (id: string) => `*[_id == "${id}"][0]{"n": length(lower(body))}`
    await expect(run(query('big'), 1000)).rejects.toThrow(/more than 1000 bytes of bodies/)
    expect(extracted).toEqual([['body']])
    // 1.3 million characters, 3.6 MB of UTF-8: within a budget that covers them.
    expect(await run(query('big'), 4_000_000)).toEqual({n: 1_300_000})
    expect(await run(query('small'), 1000)).toEqual({n: 3})
    big.close()
  })

  // Each copying node (`lower`, `upper`, `references()`, `+`) may run over all that was read:
  // the bytes a query may read in place are shared among them.
  test('shares the bytes among the nodes copying what is read', async () => {
    const big = await memoryStore([
      {_id: 'big', _type: 'article', body: 'নির্বাচন ভোট '.repeat(100_000)} as SanityDocument,
    ])
    const run = (query: string) => {
      const tree = parseQuery(query, {})
      expect(triesInPlace(tree)).toBe(true)
      return executeQuery(
        budgeted(big, [], inPlaceBudget(tree)),
        {query, params: {}, apiVersion: '2025-02-19', perspective: 'published'},
        admin,
        environment,
        tree,
      )
    }
    // 8 copies: more are not tried in place at all (MAX_COPIES).
    const terms = Array.from({length: 8}, (_, i) => `lower(body) == "${i}"`).join(' || ')
    expect(inPlaceBudget(parseQuery('*[_id == "a"][0]', {})).bytes).toBe(IN_PLACE_BUDGET.bytes)
    expect(inPlaceBudget(parseQuery(`*[${terms}]`, {})).bytes).toBe(
      Math.floor(IN_PLACE_BUDGET.bytes / 9),
    )
    expect(inPlaceBudget(parseQuery('*[_id == "a"][0]{"t": title + "x"}', {})).bytes).toBe(
      IN_PLACE_BUDGET.bytes / 2,
    )
    // 3.6 MB read once: in place. The same read for 8 copies of it: on a worker.
    expect(await run('*[_id == "big"][0]{"n": length(body)}')).toEqual({n: 1_300_000})
    await expect(run(`count(*[_id == "big"][${terms}])`)).rejects.toThrow(OverBudget)
    big.close()
  })

  test('stops at the first side-table row past the budget', async () => {
    const query =
      'count(*[_type == "article" && title == "x" || _type == "article" && position > 3])'
    expect((await inPlace(query, {rows: 100, bodies: 1000})).over).toBeDefined()
  })

  test.each([
    // In a stack, which layer counts is per document group: every group is walked.
    ['count(*)', 'drafts'],
    // No index on title: SQLite would read the whole side table for one row.
    ['*[title == "প্রতিবেদন 5"][0]._id', 'published'],
    // An order over an attribute outside the side table: SQLite sorts every headline first.
    ['*[_type == "article"] | order(position asc)[0...3]._id', 'published'],
    // Drafts, ordered by an attribute outside the side table: json_extract order, a sort first.
    ['*[_type == "article"] | order(position desc)[0...3]._id', 'drafts'],
  ])('refuses before reading when SQLite would scan or sort: %s', async (query, perspective) => {
    const answer = await inPlace(query, {rows: 100_000, bodies: 100_000}, perspective)
    expect(answer.over).toMatch(/scan or sort/)
  })
})

/**
 * What is read bounds the evaluation, not the answer: a value read once may be answered many
 * times, one object shared by the result that JSON.stringify writes out each time. An in-place
 * answer of 200 articles, each 120 times, was 485 MB of JSON made on the event loop in 38 s.
 */
describe('the answer of a query in place', () => {
  const article = {
    _id: 'a1',
    _type: 'article',
    title: 'নির্বাচনে ভোট পড়েছে ৬০ শতাংশ',
    n: -0,
    ratio: 0.125,
    big: 1e21,
    infinite: Infinity,
    live: true,
    archived: false,
    gone: undefined,
    section: null,
    tags: ['ভোট', 'ঢাকা'],
    empty: [],
    none: {},
    body: [{_key: 'k', children: [{_type: 'span', text: 'ক😀'}]}],
    holes: [undefined, 1],
    at: new Date(Date.UTC(2026, 11, 7)),
  }

  test('is counted as the characters JSON.stringify makes of it, escapes aside', () => {
    for (const value of [article, [article, article], 'ক', [], {}, null, 0, [null, [[]]]]) {
      const length = JSON.stringify(value).length
      expect(() => withinAnswerBudget(value, length)).not.toThrow()
      expect(() => withinAnswerBudget(value, length - 1)).toThrow(OverBudget)
    }
  })

  test('a value repeated in it counts each time, so a small result may be over budget', async () => {
    const one = await memoryStore([{_id: 'a1', _type: 'article', body: 'খবর '.repeat(25_000)}])
    const query = `*[_id == "a1"][0]{"a": [${Array(50).fill('@').join(', ')}]}`
    const request = {query, params: {}, apiVersion: '2025-02-19'}
    let result: unknown
    try {
      result = await executeQuery(budgeted(one, []), request, admin, environment)
    } finally {
      one.close()
    }
    // 100 kB read, 5 MB to answer: the read was within the budget, the answer is not.
    expect(JSON.stringify(result).length).toBeGreaterThan(IN_PLACE_BUDGET.answer)
    expect(() => withinAnswerBudget(result)).toThrow(OverBudget)
    expect(() => withinAnswerBudget((result as {a: unknown[]}).a.slice(0, 5))).not.toThrow()
  })
})

describe('a result too long for one JSON text', () => {
  test('is a QueryResultTooLargeError (400), on a worker as in place, never a 500', () => {
    // V8 refuses a string past its longest with this RangeError, as JSON.stringify does on a huge result.
    const huge = {toJSON: () => 'x'.repeat(2 ** 30)}
    let caught: unknown
    try {
      resultJson({result: huge})
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(QueryResultTooLargeError)
    const crossed = fromWire(toWire(caught)!)
    expect(crossed).toBeInstanceOf(QueryResultTooLargeError)
    expect(statusFor(crossed)).toBe(400)
    expect(bodyFor(crossed)).toEqual({
      error: {
        type: 'queryResultTooLargeError',
        description: expect.stringMatching(/slice the result/),
      },
    })
  })

  test('past the answer memory, counted in UTF-8 bytes, is a QueryResultTooLargeError naming it', () => {
    // 1,000 Bengali characters: 1,002 characters of JSON, 3,002 bytes.
    const bengali = 'ক'.repeat(1000)
    expect(resultJson(bengali, 3002)).toBe(JSON.stringify(bengali))
    expect(() => resultJson(bengali, 3001)).toThrow(QueryResultTooLargeError)
    expect(() => resultJson(bengali, 3001)).toThrow(/1 MB the lake holds .*--answer-memory/)
    // ASCII: a byte a character, whatever the bound's slack for three.
    expect(resultJson('a'.repeat(1000), 1002)).toHaveLength(1002)
    expect(() => resultJson('a'.repeat(1000), 1001)).toThrow(QueryResultTooLargeError)
  })

  test("as a thread's bytes, the same bytes, hash and bound as the text's", () => {
    const json = JSON.stringify({t: 'ক😀'.repeat(1000), a: 'a'.repeat(1000)})
    const bytes = Buffer.byteLength(json)
    const answer = answerBytes(json, bytes)
    expect(Buffer.from(answer.json).equals(Buffer.from(json))).toBe(true)
    // Its own memory, exactly: moved whole to the event loop.
    expect(answer.json.buffer.byteLength).toBe(bytes)
    expect(answer.hash).toBe(answerHash(json))
    expect(() => answerBytes(json, bytes - 1)).toThrow(/1 MB the lake holds .*--answer-memory/)
    expect(() => answerBytes(json, json.length - 1)).toThrow(QueryResultTooLargeError)
  })
})

/**
 * review25c: `+` of strings or arrays and lower()/upper() copy their operands, so a chain of `+`
 * over one attribute copies it about k²/2 times (20 copies of a 500,000-number array held the loop
 * 6.5 s in place). Judged by what evaluation may copy, in multiples of what was read (`copied`).
 */
describe('evaluation that copies what was read', () => {
  const chain = (operand: string, copies: number) => Array(copies).fill(operand).join(' + ')
  test.each([
    ['*[_id == $id][0]{"t": title + " " + subtitle}', {id: 'a'}],
    ['*[_id == $id][0]{"t": lower(title + " " + subtitle)}', {id: 'a'}],
    ['*[_id == $id][0]{..., "s": {...source->}, "u": upper(title)}', {id: 'a'}],
    ['*[_type == "article"] | order(publishedAt desc)[0...20]{"n": count(tags + tags)}', {}],
    ['*[_id == $id][0]{"n": count(nums) + count(nums) + count(nums) + count(nums) + 1}', {id: 'a'}],
    [`*[_id == $id][0]{"n": count(${chain('nums', 3)})}`, {id: 'a'}],
  ])('in place: %s', (query, params) => expect(tries(query, params)).toBe(true))

  test.each([
    [`*[_id == "arr0"]{"n": count(${chain('nums', 20)})}`],
    [`*[_id == "arr0"]{"n": count(${chain('nums', 4)})}`],
    [`*[_id in ["big0", "big1"]]{"n": length(lower(${chain('body', 100)}))}`],
    [`*[_id == "a"][0]{"n": length(${'lower('.repeat(10)}body${')'.repeat(10)})}`],
    [`*[_id == "a"][0]{"n": count([${Array(10).fill('...nums').join(', ')}])}`],
    [`*[_id == "a"][0]{"n": count(nums + (nums + (nums + (nums + nums))))}`],
  ])('on a query thread: %s', (query) => expect(tries(query)).toBe(false))

  test('a chain of `+` over parameters or literals is copying too', () => {
    // review25d: sized 0, `[_id == "x"] + $big + $one + …` copied nothing by the count, yet each
    // row copied the growing array 100 times (about 200 ms a document in groq-js), within the
    // budget's reads (one _id a row): minutes on the loop over 5,000 rows.
    const params = {big: Array.from({length: 1900}, (_, i) => i), one: [0]}
    const query = `*[_type == "a"]{"n": count([_id == "x"] + $big${' + $one'.repeat(100)})}`
    expect(tries(query, params)).toBe(false)
    expect(tries(`*[_type == "a"]{"n": count(["x"]${' + ["y"]'.repeat(100)})}`)).toBe(false)
    expect(tries('*[_type == "a"]{"n": count($big + $one)}', params)).toBe(true)
  })

  test('what is copied, in multiples of what was read', () => {
    const of = (query: string) => copied(parseQuery(query, {}) as unknown as Node)
    expect(of('title + subtitle')).toEqual({size: 2, work: 2})
    expect(of('nums + nums + nums')).toEqual({size: 3, work: 5})
    expect(of('count(nums + nums) > 0')).toEqual({size: 0, work: 2})
    expect(of('lower(title)')).toEqual({size: 1, work: 1})
    expect(of('"a" + "b"')).toEqual({size: 2, work: 2})
    expect(of('1 + 2 + 3')).toEqual({size: 0, work: 0})
    expect(of(`count(${chain('nums', 20)})`).work).toBe(209)
    expect(MAX_COPIES).toBeLessThan(of(`count(${chain('nums', 4)})`).work)
  })
})
