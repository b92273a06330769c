/**
 * Search benchmarks (docs/search.md): the Studio's own search query (text::query, groq2024) and a
 * title `match` on a rare name, plus what the full-text index costs writes.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {evaluateQuery, parseQuery} from '../lake/core/query.ts'
import type {SanityDocument} from '../lake/core/types.ts'
import {createSqliteStore} from '../lake/store/sqliteStore.ts'
import {newsroomDocuments, RARE_NAME, type BenchDocument} from './data.ts'

/**
 * The query the Studio's search box sends with its default strategy (groq2024) for the article,
 * headline and source types, as sanity 6.9.2 builds it: title and name weighted, the whole
 * document matched, references to the typed text counted.
 */
const STUDIO_SEARCH = `*[_type in $__types] | score(
  boost(_type in ["article"] && title match text::query($__query), 10),
  boost(_type in ["headline"] && text match text::query($__query), 10),
  boost(_type in ["source"] && name match text::query($__query), 10),
  ([@, _id] match text::query($__query) || references($__rawQuery))
) [_score > 0] {_type, _id, _originalId, "orderings": [_score]} | order(_score desc) [0...$__limit]`

/** The lake's own evaluator over every document, without the index: what search costs without it. */
async function withoutIndex(docs: BenchDocument[], query: string, params: Record<string, unknown>) {
  return evaluateQuery(parseQuery(query, params), docs as SanityDocument[], {params})
}

export const SEARCH_QUERIES = [
  {
    name: 'title match, rare name',
    query: '*[_type == "article" && title match $name] {_id, title}',
    params: () => ({name: RARE_NAME}),
  },
  {
    name: 'text::query, Studio search box (inflected name)',
    query: STUDIO_SEARCH,
    params: () => ({
      __types: ['article', 'headline', 'source'],
      // Typed with another case ending than the body's (-ের): found by its stem.
      __query: `${RARE_NAME}কে*`,
      __rawQuery: `${RARE_NAME}কে`,
      __limit: 26,
    }),
    baseline: withoutIndex,
    baselineName: 'lake evaluator without the index',
  },
]

export type IndexWriteResult = {documents: number; withIndex: number; withoutIndex: number}

/**
 * Single-document transactions straight into a store, with and without the full-text index
 * (documents/s): the index's share of a write without HTTP around it, so the worst case.
 */
export async function benchIndexWrites(count = 2000): Promise<IndexWriteResult> {
  const docs = newsroomDocuments(count, 7).filter((doc) => doc._type === 'article')
  const rates: number[] = []
  const dir = await mkdtemp(join(tmpdir(), 'bench-index-writes-'))
  try {
    // Alternate, twice each, so machine load drifts evenly over both.
    for (const searchIndex of [true, false, true, false]) {
      const store = createSqliteStore(join(dir, `${searchIndex}-${rates.length}.sqlite`), 'w', {
        searchIndex,
      })
      const t0 = performance.now()
      for (const [i, doc] of docs.entries()) {
        await store.transact((writer) =>
          writer.commit({
            id: `tx-${i}`,
            dataset: 'w',
            timestamp: new Date(Date.UTC(2025, 0, 1) + i).toISOString(),
            identity: 'bench',
            changes: [
              {
                id: doc._id,
                after: doc as SanityDocument,
                mutations: [{createOrReplace: doc}],
                effects: {apply: [], revert: []},
              },
            ],
          } as unknown as Parameters<typeof writer.commit>[0]),
        )
      }
      rates.push(docs.length / ((performance.now() - t0) / 1000))
      store.close()
    }
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
  return {
    documents: docs.length,
    withIndex: (rates[0] + rates[2]) / 2,
    withoutIndex: (rates[1] + rates[3]) / 2,
  }
}
