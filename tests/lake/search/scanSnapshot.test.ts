/**
 * A search scan reads its full-text candidates in two steps: the rowids the index finds (with the
 * queued ids counted beside them, searchedRows) and then the rows, `rowid IN (those) OR id IN (the
 * queue)` (rowidsCondition). The analyzer's thread writes the index on its own connection: a
 * document it takes off the queue between the two steps is in neither the rowids found (it was
 * queued then) nor the queue (it is indexed now) unless both steps read one snapshot. Here the
 * analyzer's own task runs on a second connection exactly there (the store's statement that reads
 * the rowids, spied on), so the interleaving is the same on every run; answers as groq-js.
 */
import {describe, expect, test, vi} from 'vitest'
import type {SanityDocument} from '../../../lake/core/types.ts'
import type {SearchAnalyzer} from '../../../lake/store/searchAnalyzer.ts'
import analyzerTask from '../../../lake/store/searchAnalyzerWorker.ts'
import {createSqliteStore} from '../../../lake/store/sqliteStore.ts'
import {
  afterFirstAll,
  cachingReaders,
  datasetFile,
  groqJs,
  rawQuery,
  type ReaderOf,
  withReader,
} from '../../helpers/snapshotReads.ts'
import {creating} from '../../helpers/store.ts'

const query = '*[_type == "article" && title match text::query($q)] | order(_id) {_id}'
const params = {q: 'বিরল'}

const file = datasetFile('lake-scan-snapshot-')

/** The analyzer's task on its own connection (in this thread): reads the queue, writes the index. */
function indexQueue(): number {
  const target = {path: file(), opening: 'test'}
  analyzerTask({kind: 'analyze', ...target, after: '', limit: 256})
  const written = analyzerTask({kind: 'write', ...target}) as {applied: number}
  return written.applied
}

/** The store's analyzer port: never reads the queue itself (the test does, indexQueue). */
const idle: SearchAnalyzer = {
  analyze: () => Promise.resolve({read: 0, last: ''}),
  write: () => Promise.resolve({applied: 0, reindexed: 0, setAside: []}),
  alterSchema: (target, sql) =>
    Promise.resolve(void analyzerTask({kind: 'schema', ...target, sql})),
  close: () => Promise.resolve(),
}

const article = (id: string, title: string) =>
  ({_id: id, _type: 'article', title}) as SanityDocument

/** Runs `then` once, right after the store's read of the rowids the index finds for a search. */
const afterRowidsRead = (then: () => void) =>
  afterFirstAll((sql) => sql.includes('search_fts MATCH') && /LIMIT \?$/.test(sql), then)

const readers: [string, ReaderOf][] = [
  ...cachingReaders,
  [
    "a query thread's read-only connection",
    () => createSqliteStore(file(), 'test', {readOnly: true, cacheBytes: 0}),
  ],
]

describe('a search scan reads its candidates and its rows in one snapshot', () => {
  test.each(readers)(
    'through %s: a document indexed between the two reads is still found',
    (_, readerOf) => {
      const store = createSqliteStore(file(), 'test', {analyzer: idle})
      return withReader(store, async (open) => {
        const indexed = [1, 2, 3].map((i) => article(`a${i}`, `বিরল ${i}`))
        await store.transact((w) => w.commit(creating('tx1', indexed)))
        expect(indexQueue()).toBe(3)
        // Written after: queued, so a candidate of every search until the analyzer takes it.
        const queued = article('a4', 'বিরল নতুন')
        await store.transact((w) => w.commit(creating('tx2', [queued])))
        const reader = open(readerOf)
        const docs = [...indexed, queued].map((doc) => ({...doc, _rev: 'tx'}))
        const expected = await groqJs(query, params, docs)
        expect(expected).toEqual([{_id: 'a1'}, {_id: 'a2'}, {_id: 'a3'}, {_id: 'a4'}])

        const moved = afterRowidsRead(() => expect(indexQueue()).toBe(1))
        const result = await rawQuery(reader, query, params)
        expect(moved()).toBe(true)
        expect(result).toEqual(expected)
        // And after: found by the index.
        vi.restoreAllMocks()
        const again = await rawQuery(reader, query, params)
        expect(again).toEqual(expected)
      })
    },
  )
})
