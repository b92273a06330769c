/**
 * A document's stored top-level `_score` over HTTP, with the full-text index caught up. groq-js's
 * score() starts from a stored numeric `_score` (and hosted Sanity does the same), so a document
 * with one above 0 survives `[_score > 0]` though it holds none of the searched words: the lake
 * must find it too, in the Studio's ranked search and in any other `score(…) [_score > 0]`, in
 * every perspective. Each answer is compared with groq-js over the same perspective's view.
 */
import type {ClientPerspective, SanityClient} from '@sanity/client'
import {evaluate} from 'groq-js'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {applyPerspective, parsePerspective} from '../../../lake/core/perspective.ts'
import {parseQuery} from '../../../lake/core/query.ts'
import {textQueryDereference} from '../../../lake/core/textQueryRewrite.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {STUDIO_SEARCH} from '../../../bench/queries.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {searchIndexCaughtUp} from '../../helpers/searchIndex.ts'

const apiVersion = '2025-02-19'

/** Titles with the word (কমিশন) or without, and stored `_score`s of every kind beside them. */
const DOCS: Record<string, unknown>[] = [
  ...Array.from({length: 40}, (_, i) => ({
    _id: `article-${String(i).padStart(2, '0')}`,
    _type: 'article',
    title: i % 3 ? 'কমিশন '.repeat(1 + (i % 5)) : 'ঢাকা',
    body: i % 4 ? 'ভোট' : 'কমিশনের বৈঠক',
  })),
  // Above 0, none of the words: kept by groq-js.
  {_id: 'article-scored-miss', _type: 'article', title: 'ঢাকা', body: 'সমঝোতা', _score: 5},
  {_id: 'article-scored-small', _type: 'article', title: 'ভোট', _score: 0.25},
  {_id: 'article-scored-large', _type: 'article', title: 'ভোট', _score: 1e6},
  {_id: 'headline-scored', _type: 'headline', text: 'ঢাকা', _score: 2},
  {_id: 'source-scored', _type: 'source', name: 'বাংলা', _score: 3},
  // Not above 0, or not a number: left out unless the word scores.
  {_id: 'article-scored-zero', _type: 'article', title: 'ঢাকা', _score: 0},
  {_id: 'article-scored-negative', _type: 'article', title: 'কমিশন', _score: -30},
  {_id: 'article-scored-string', _type: 'article', title: 'ঢাকা', _score: '9'},
  {_id: 'article-scored-object', _type: 'article', title: 'ঢাকা', _score: {value: 9}},
  // A stored score only in a draft, only in the published document, only in a release version.
  {_id: 'article-draft-scored', _type: 'article', title: 'ঢাকা'},
  {_id: 'drafts.article-draft-scored', _type: 'article', title: 'ভোট', _score: 7},
  {_id: 'article-published-scored', _type: 'article', title: 'ঢাকা', _score: 7},
  {_id: 'drafts.article-published-scored', _type: 'article', title: 'ভোট'},
  {_id: 'article-release-scored', _type: 'article', title: 'ঢাকা'},
  {_id: 'versions.r1.article-release-scored', _type: 'article', title: 'ভোট', _score: 4},
  {_id: 'drafts.article-01', _type: 'article', title: 'বৈঠক', _score: 1},
]

const STUDIO = STUDIO_SEARCH.replace('"orderings": [_score]', '_score')

/** Queries with `score(…) [_score > 0]`: the Studio's ranked search and the general path. */
const QUERIES: [name: string, query: string, params: Record<string, unknown>][] = [
  [
    'the Studio search',
    STUDIO,
    {
      __types: ['article', 'headline', 'source'],
      __query: 'কমিশন*',
      __rawQuery: 'কমিশন',
      __limit: 26,
    },
  ],
  [
    'the Studio search, a word no document holds',
    STUDIO,
    {__types: ['article', 'headline', 'source'], __query: 'নেই*', __rawQuery: 'নেই', __limit: 26},
  ],
  [
    'a text::query score',
    '*[_type in ["article", "headline"]] | score(title match text::query($q)) [_score > 0] {_id, _score}',
    {q: 'কমিশন'},
  ],
  [
    'a boosted text::query over the document, a threshold above 1',
    '* | score(boost(@ match text::query($q), 2)) [_score > 1] {_id, _score} | order(_score desc, _id)',
    {q: 'বৈঠক'},
  ],
  ['a GROQ match score', '* | score(title match $q) [_score > 0] {_id, _score}', {q: 'কমিশন'}],
  [
    'a references() score',
    '* | score(references($id)) [_score > 0] {_id, _score}',
    {id: 'nothing-refers-to-this'},
  ],
]

const PERSPECTIVES: [string, ClientPerspective][] = [
  ['published', 'published'],
  ['raw', 'raw'],
  ['drafts', 'drafts'],
  ['r1,drafts', ['r1', 'drafts']],
]

let lake: TestLake
let client: SanityClient
let stored: SanityDocument[]

beforeAll(async () => {
  lake = await startTestLake()
  client = lake.client({apiVersion, useCdn: false, perspective: 'raw'})
  const tx = client.transaction()
  for (const doc of DOCS) tx.createOrReplace(doc as SanityDocument)
  await tx.commit()
  // What the index itself finds: no document is a candidate for being queued.
  await searchIndexCaughtUp(lake.dataDir, 'test')
  stored = await client.fetch<SanityDocument[]>('*', {}, {perspective: 'raw'})
  expect(stored).toHaveLength(DOCS.length)
})

afterAll(async () => {
  await lake?.close()
})

/** groq-js over the whole view of the stored documents in a perspective. */
async function groqJs(query: string, params: Record<string, unknown>, perspective: string) {
  const view = applyPerspective(stored, parsePerspective(perspective, apiVersion), apiVersion)
  const value = await evaluate(parseQuery(query, params), {
    dataset: view,
    params,
    dereference: textQueryDereference({documents: view, params}),
  })
  return value.get()
}

describe('a stored _score in a ranked search, index caught up: identical to groq-js', () => {
  for (const [perspectiveName, perspective] of PERSPECTIVES) {
    test.each(QUERIES)(`%s (${perspectiveName})`, async (_name, query, params) => {
      const result = await client.fetch(query, params, {perspective})
      const expected = (await groqJs(query, params, perspectiveName)) as {_id: string}[]
      expect(result).toEqual(expected)
      // It holds none of the words; its stored _score alone puts it first.
      expect(expected[0]._id).toBe('article-scored-large')
    })
  }
})
