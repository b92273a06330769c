/**
 * A `text::query` match whose `@` is a document of the query (`*[L match text::query(Q)]`, score()
 * over `*`) is answered from the document by its id, without groq-js building L; anywhere else
 * (`@` a slice's element, a block, a projection) groq-js builds L. Both must give the same matches
 * and the same scores, for every kind of value L can be.
 */
import {describe, expect, test} from 'vitest'
import {runQuery} from '../../../lake/core/query.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'

const DOCUMENTS = [
  {
    _id: 'a',
    _type: 't',
    _updatedAt: '2024-05-01T00:00:00Z',
    publishedAt: '2025-01-02T00:00:00Z',
    title: 'বৈঠকের পরে ঢাকা',
    count: 1971,
    flag: true,
    tags: ['বৈঠক', 'ঢাকা'],
    mixed: ['বৈঠক', 5, false],
    objects: [{name: 'বৈঠকে'}, 'ঢাকা'],
    nested: {inner: {text: 'ঢাকায় বৈঠক'}},
    body: [{_type: 'block', children: [{_type: 'span', text: 'বৈঠকটি হবে ১৯৭১ সালে'}]}],
  },
  {
    _id: 'b',
    _type: 't',
    _updatedAt: '2024-06-01T00:00:00Z',
    publishedAt: 20250101,
    title: 'ঢাকা',
    count: '১৯৭১',
    flag: 'true',
    tags: [],
    mixed: 'বৈঠক',
    objects: null,
    nested: {inner: 'বৈঠক'},
  },
  {_id: 'c', _type: 't', _updatedAt: '2023-01-01T00:00:00Z', title: ['বৈঠক', 'ঢাকা']},
  {_id: 'd', _type: 't', publishedAt: true, title: {text: 'বৈঠক'}},
] as unknown as SanityDocument[]

const LEFTS = [
  '@',
  'title',
  'count',
  'flag',
  'tags',
  'mixed',
  'objects',
  'nested',
  'nested.inner',
  'nested.inner.text',
  'missing',
  '[@, _id]',
  '[title, tags]',
  '[count, flag]',
]
const QUERIES = ['বৈঠক', 'বৈঠকের', 'ঢাকা*', '1971', 'true', '-ঢাকা', '"পরে ঢাকা"', '*']

describe('a match on a document of the query equals the general form', () => {
  test.each(LEFTS.flatMap((left) => QUERIES.map((query) => [left, query] as const)))(
    '%s match text::query(%s)',
    async (left, query) => {
      const params = {q: query}
      // Over `*`: answered from the document.
      const onDocuments = await runQuery(
        `*[${left} match text::query($q)] | score(${left} match text::query($q)) | order(_id) {_id, _score}`,
        DOCUMENTS,
        {params},
      )
      // Over a slice of `*`: `@` is not known to be a document, so groq-js builds L.
      const general = await runQuery(
        `(*[_id != ""] | order(_id) [0...10])[${left} match text::query($q)] | score(${left} match text::query($q)) | order(_id) {_id, _score}`,
        DOCUMENTS,
        {params},
      )
      expect(onDocuments).toEqual(general)
    },
  )

  test('a literal list on the right of `in` (folded into one value) keeps its meaning', async () => {
    for (const list of ['["t", "u"]', '["u"]', '[]', '["t", 5, null, ["t"]]']) {
      const query = `*[_type in ${list} && title match text::query("বৈঠক")] | score(boost(_type in ${list} && title match text::query("বৈঠক"), 3)) {_id, _score}`
      const spelled = `*[count((${list})[@ == ^._type]) > 0 && title match text::query("বৈঠক")] | score(boost(count((${list})[@ == ^._type]) > 0 && title match text::query("বৈঠক"), 3)) {_id, _score}`
      expect(await runQuery(query, DOCUMENTS), list).toEqual(await runQuery(spelled, DOCUMENTS))
    }
  })

  test('an object built by the query is not read off the stored document of the same id', async () => {
    // `title` of the projection is `nested` (no পরে); the stored document's title has পরে.
    for (const query of [
      '*[_id == "a"]{_id, "title": nested}[title match text::query("পরে")]._id',
      '*[_id == "a"]{_id, "title": nested}{"m": title match text::query("পরে")}.m',
      '*[_id == "a"]{..., "body": nested}[body match text::query("১৯৭১")]._id',
      // However the projection is wrapped, its objects are still not stored documents.
      '(*[_id == "a"]{_id, "title": nested} + [])[title match text::query("পরে")]._id',
      'coalesce(*[_id == "a"]{_id, "title": nested}, [])[title match text::query("পরে")]._id',
      'array::compact(*[_id == "a"]{_id, "title": nested})[title match text::query("পরে")]._id',
      'select(true => *[_id == "a"]{_id, "title": nested})[title match text::query("পরে")]._id',
    ])
      expect(await runQuery(query, DOCUMENTS), query).toEqual(query.endsWith('.m') ? [false] : [])
  })

  test('a query string known only at run time follows the same rule', async () => {
    // `q` is the projection's: the query string is known only per element. The stored title is
    // 'বৈঠকের পরে ঢাকা'; the projection's title is another string or `nested`, an object.
    const cases: [string, string[]][] = [
      ['*[_id == "a"]{_id, "title": "খবর এলো", "q": "পরে"}[title match text::query(q)]._id', []],
      ['*[_id == "a"]{_id, "title": "খবর এলো", "q": "এলো"}[title match text::query(q)]._id', ['a']],
      ['*[_id == "a"]{_id, "title": ["এলো"], "q": "এলো"}[title match text::query(q)]._id', ['a']],
      ['*[_id == "a"]{_id, "title": nested, "q": "পরে"}[title match text::query(q)]._id', []],
      [
        '*[_id == "a"]{_id, "t": "এলো"}{"hit": *[_id == "a"][^.t match text::query(^.t)]._id}.hit',
        ['a'],
      ],
    ]
    for (const [query, expected] of cases)
      expect(((await runQuery(query, DOCUMENTS)) as unknown[]).flat(), query).toEqual(expected)
  })

  test('a run-time query string ending in a lone high surrogate is read whole', async () => {
    // groq-js's length() counts a high surrogate 0: the string is still split where it ends.
    for (const q of ['এলো\uD800', '\uD800', 'এলো \uD83D', '\u0000এলো'])
      for (const title of ['\uDE00খবর এলো', 'খবর'])
        expect(
          await runQuery(
            `*[_id == "a"]{_id, "q": $q, "title": $t}[title match text::query(q)]._id`,
            DOCUMENTS,
            {params: {q, t: title}},
          ),
          JSON.stringify([q, title]),
        ).toEqual(
          await runQuery(
            `*[_id == "a"]{_id, "title": $t}[title match text::query($q)]._id`,
            DOCUMENTS,
            {params: {q, t: title}},
          ),
        )
  })

  test('over `*` a query string known only at run time matches as a constant one', async () => {
    for (const left of LEFTS)
      for (const query of QUERIES) {
        const params = {q: query}
        const shape = (q: string) =>
          `*[${left} match text::query(${q})] | score(${left} match text::query(${q})) | order(_id) {_id, _score}`
        expect(
          await runQuery(shape('coalesce(missingQ, $q)'), DOCUMENTS, {params}),
          `${left} ${query}`,
        ).toEqual(await runQuery(shape('$q'), DOCUMENTS, {params}))
      }
  })

  test('matches in other scopes still read their own `@`', async () => {
    const result = await runQuery(
      '*[_id == "a"]{"blocks": body[children[0].text match text::query("বৈঠক")]._type, "hit": title match text::query("বৈঠক")}',
      DOCUMENTS,
    )
    expect(result).toEqual([{blocks: ['block'], hit: true}])
  })
})
