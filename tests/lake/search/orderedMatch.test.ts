/**
 * `match` with an ordered slice (`*[title match "নির্বা*"] | order(publishedAt desc) [0...20]`):
 * a word common in the full-text index is answered by reading rows in order, never by gathering
 * every candidate first; a word the index finds rarely (or common in the index but rare where the
 * query looks) still narrows by the index. Either way the result is groq-js's.
 */
import {evaluate, parse} from 'groq-js'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import type {Condition, Selection, Store} from '../../../lake/core/store.ts'
import type {CommittedTransaction, SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'

const ARTICLES = 6000
const ADMIN = {id: 'admin', kind: 'token', role: 'administrator'} as const

let store: ReturnType<typeof createSqliteStore>
const documents: SanityDocument[] = []

function article(i: number): SanityDocument {
  // About a quarter of the titles hold the common word; every body holds the word that is
  // common in the index but in three titles only; twelve articles share each date.
  const title = [`শিরোনাম ${i}`]
  if (i % 4 === 1) title.push(i % 8 === 1 ? 'নির্বাচন' : 'নির্বাচনে')
  if (i % 2000 === 7) title.push('ঝিনুক')
  if (i === 4321 || i === 99) title.push('প্রবাল')
  return {
    _id: `article-${String(i).padStart(5, '0')}`,
    _type: i % 10 === 0 ? 'headline' : 'article',
    _rev: 'r',
    _createdAt: '2025-01-01T00:00:00Z',
    _updatedAt: '2025-01-01T00:00:00Z',
    title: title.join(' '),
    publishedAt: new Date(Date.UTC(2024, 0, 1) + (i % 500) * 3_600_000).toISOString(),
    body: [
      {
        _type: 'block',
        _key: 'b',
        children: [{_type: 'span', _key: 's', text: `ঝিনুক নির্বাচন ${i}`}],
      },
    ],
  } as SanityDocument
}

beforeAll(async () => {
  store = createSqliteStore(':memory:', 'ordered')
  for (let i = 0; i < ARTICLES; i++) documents.push(article(i))
  documents.push({...article(5), _id: 'drafts.article-00005', title: 'নির্বাচন খসড়া'})
  for (let i = 0; i < documents.length; i += 1000) {
    const batch = documents.slice(i, i + 1000)
    await store.transact((writer) =>
      writer.commit({
        id: `tx-${i}`,
        dataset: 'ordered',
        timestamp: '2025-01-01T00:00:00Z',
        identity: 'test',
        changes: batch.map((doc) => ({
          id: doc._id,
          before: null,
          after: doc,
          mutations: [],
          effects: {apply: [], revert: []},
        })),
      } as unknown as CommittedTransaction),
    )
  }
  // The index as after a catch-up, so its counts decide the plan.
  store.flushSearchIndex()
}, 60_000)

afterAll(() => store.close())

function hasSearch(condition: Condition | undefined): boolean {
  if (!condition) return false
  if (condition.kind === 'search') return true
  if (condition.kind === 'and' || condition.kind === 'or') return condition.of.some(hasSearch)
  if (condition.kind === 'not') return hasSearch(condition.of)
  return false
}

/** The lake's answer, with what it asked the store for. */
async function run(query: string, params: Record<string, unknown>, perspective: string) {
  const selections: Selection[] = []
  let rows = 0
  const watched = Object.assign(Object.create(store) as Store, {
    *select(selection: Selection) {
      selections.push(selection)
      for (const row of store.select(selection)) {
        rows++
        yield row
      }
    },
  })
  const result = await executeQuery(
    watched,
    {query, params, perspective, apiVersion: '2025-02-19'},
    ADMIN,
    {now: new Date(), projectId: 'p', dataset: 'ordered'},
  )
  return {result, selections, rows}
}

async function groqJs(query: string, params: Record<string, unknown>, perspective: string) {
  const dataset =
    perspective === 'raw'
      ? documents
      : documents
          .filter((doc) => !doc._id.startsWith('drafts.'))
          .map((doc) => ({...doc, _originalId: doc._id}))
  return (await evaluate(parse(query, {params}), {dataset, params})).get()
}

const ORDERED = '*[_type == "article" && title match $w] | order(publishedAt desc) [0...20] {_id}'

describe('an ordered slice over a matched word', () => {
  test.each(['published', 'raw'])(
    'a word common in titles reads rows in order, not every candidate (%s)',
    async (perspective) => {
      const {result, selections, rows} = await run(ORDERED, {w: 'নির্বা*'}, perspective)
      expect(result).toEqual(await groqJs(ORDERED, {w: 'নির্বা*'}, perspective))
      expect(result).toHaveLength(20)
      expect(selections.some((s) => hasSearch(s.where))).toBe(false)
      // A few growing batches and the ties of the last date; the index finds over 5,000.
      expect(rows).toBeLessThan(400)
    },
  )

  test.each([
    ['common in the index, in three titles only', 'ঝিনুক'],
    ['rare everywhere', 'প্রবাল'],
    ['nowhere', 'অনুপস্থিত'],
  ])('%s: narrowed by the index after a short walk', async (name, word) => {
    for (const perspective of ['published', 'raw']) {
      const {result, selections} = await run(ORDERED, {w: word}, perspective)
      expect(result).toEqual(await groqJs(ORDERED, {w: word}, perspective))
      expect(selections.some((s) => hasSearch(s.where))).toBe(true)
      // The probe, then (the index finding the word common) a longer walk that gives up.
      const walks = selections.filter((s) => !hasSearch(s.where)).length
      expect(walks).toBe(name.startsWith('common') ? 2 : 1)
    }
  })

  test('ties on the order key at the slice edge, offsets, a second key', async () => {
    const queries = [
      '*[title match "নির্বাচনে"] | order(publishedAt desc) [17...41] {_id, publishedAt}',
      '*[title match "নির্বা*" && _type == "article"] | order(publishedAt asc, title desc) [0...30]._id',
      '*[title match ["নির্বাচন", "শিরোনাম"]] | order(publishedAt) [3]',
    ]
    for (const query of queries) {
      for (const perspective of ['published', 'raw']) {
        const {result} = await run(query, {}, perspective)
        expect(result, query).toEqual(await groqJs(query, {}, perspective))
      }
    }
  })
})
