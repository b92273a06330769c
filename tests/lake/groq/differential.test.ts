/**
 * Differential suite: seeded newsroom datasets (Bengali text, drafts, release versions, references)
 * and seeded queries, run through the lake over HTTP and through groq-js directly over the same
 * stored documents, filtered by an independent reference implementation of the perspectives.
 * Results must be identical (as multisets where GROQ leaves the order undefined).
 */
import {beforeAll, describe, expect, test} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {searchIndexCaughtUp} from '../../helpers/searchIndex.ts'
import {asMultiset} from './compare.ts'
import {groqJs} from './oracle.ts'
import {generateDataset, generateQueries, type GeneratedQuery} from './generate.ts'
import {loadDocuments, query} from './http.ts'
import {perspectiveParam, type Perspective, type StoredDocument} from './perspective.ts'

const SEEDS = [101, 202, 303, 404]
const ARTICLES = 60
const QUERIES_PER_SEED = 60
const PERSPECTIVES: Perspective[] = ['raw', 'published', 'drafts', ['eid', 'drafts'], ['budget']]

/** Hand-written queries every seed runs first: the perspective view itself and its edges. */
const FIXED_QUERIES: GeneratedQuery[] = [
  {query: '*{_id, _originalId, _type}', params: {}, ordered: false},
  {query: 'count(*)', params: {}, ordered: true},
  {query: '*[_id in path("drafts.**")]._id', params: {}, ordered: false},
  {query: '*[_id in path("versions.**")]._id', params: {}, ordered: false},
  {query: '*[sanity::versionOf("art-3")]._id', params: {}, ordered: false},
  {
    query: '*[_type == "article"] | order(_id asc) [0...$limit] {_id, _originalId, title}',
    params: {limit: 7},
    ordered: true,
  },
  {
    query:
      '*[_type == "headline"] | order(_id) {_id, "to": article->_id, "draft": article->_originalId}',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "source"] | order(_id) {_id, name, _originalId}', params: {}, ordered: true},
  // Shapes the lake's index narrowing (_type, _id, path()) must treat as supersets.
  {query: '*[_id == "art-3"]{_id, _originalId, title}', params: {}, ordered: false},
  {
    query: '*[_id in ["art-1", "drafts.art-2", "versions.eid.art-4"]]._id',
    params: {},
    ordered: false,
  },
  {
    query: '*[_id == "versions.eid.art-3" || _id in path("versions.budget.*")]._id',
    params: {},
    ordered: false,
  },
  {query: '*[_id in path("art-1*")]._id', params: {}, ordered: false},
  {query: '*[_type == "article" || _id == "hl-1"]._id', params: {}, ordered: false},
  {query: '*[!(_type == "article")]._id', params: {}, ordered: false},
  {query: 'count(*[_type != "article"])', params: {}, ordered: true},
  {
    query: '*[_type == $type && _id in $ids]._id',
    params: {type: 'article', ids: ['art-0', 'art-5', 'drafts.art-7']},
    ordered: false,
  },
  {
    query: '*[_type == "headline"] | order(_id) {_id, "a": *[_id == ^.article._ref][0]._id}',
    params: {},
    ordered: true,
  },
  {query: '*[_type == "article" && _id == "art-3"][0]{_id, title}', params: {}, ordered: true},
  {
    query: '{"a": *[_type == "source"] | order(_id)._id, "b": count(*[_type == "headline"])}',
    params: {},
    ordered: true,
  },
  // Long enough that the request goes as POST with a JSON body, as @sanity/client does.
  {
    query: '*[_id in $many] | order(_id desc) ._id',
    params: {many: Array.from({length: 1500}, (_, i) => `art-${i}`)},
    ordered: true,
  },
]

// In-process (createLake + lake.fetch): thousands of plain requests, and the wire is tested elsewhere.
const lake = useTestLake({inProcess: true})

for (const seed of SEEDS) {
  describe(`seed ${seed}`, () => {
    const dataset = `diff-${seed}`
    const documents = generateDataset(seed, {articles: ARTICLES})
    const queries = [...FIXED_QUERIES, ...generateQueries(seed, QUERIES_PER_SEED)]
    let stored: StoredDocument[] = []

    beforeAll(async () => {
      stored = await loadDocuments(lake(), dataset, documents, 40)
      expect(stored.map((doc) => doc._id)).toEqual(documents.map((doc) => doc._id))
      // `match` is answered by the full-text index, not by its queue of unindexed documents.
      await searchIndexCaughtUp(lake().dataDir, dataset)
    })

    const cases = PERSPECTIVES.flatMap((perspective) =>
      queries.map((generated, index) => {
        const params = Object.keys(generated.params).length
          ? ` ${JSON.stringify(generated.params)}`
          : ''
        const name = `${perspectiveParam(perspective)} #${index}: ${generated.query}${params}`
        return [name, perspective, generated] as const
      }),
    )

    test.each(cases)('%s', async (_name, perspective, generated) => {
      const response = await query(
        lake(),
        dataset,
        generated.query,
        generated.params,
        perspectiveParam(perspective),
      )
      expect(response.status, JSON.stringify(response.body)).toBe(200)
      const expected = await groqJs(stored, perspective, generated)
      const actual = JSON.parse(JSON.stringify(response.body.result ?? null)) as unknown
      if (generated.ordered) expect(actual).toEqual(expected)
      else expect(asMultiset(actual)).toEqual(asMultiset(expected))
    })
  })
}
