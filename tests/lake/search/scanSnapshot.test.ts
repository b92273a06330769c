/**
 * A search scan reads its full-text candidates in two steps: the rowids the index finds (with the
 * queued ids counted beside them, searchedRows) and then the rows, `rowid IN (those) OR id IN (the
 * queue)` (rowidsCondition). The analyzer's thread writes the index on its own connection: a
 * document it takes off the queue between the two steps is in neither the rowids found (it was
 * queued then) nor the queue (it is indexed now) unless both steps read one snapshot. Here the
 * analyzer's own task runs on a second connection exactly there (the store's statement that reads
 * the rowids, spied on), so the interleaving is the same on every run; answers as groq-js.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {StatementSync} from 'node:sqlite'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {evaluate} from 'groq-js'
import {afterEach, beforeEach, describe, expect, test, vi} from 'vitest'
import {parseQuery} from '../../../lake/core/query.ts'
import {textQueryDereference} from '../../../lake/core/textQueryRewrite.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import type {SearchAnalyzer} from '../../../lake/store/searchAnalyzer.ts'
import analyzerTask from '../../../lake/store/searchAnalyzerWorker.ts'
import {createSqliteStore, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {creating} from '../../helpers/store.ts'

const admin = {id: 'admin', kind: 'user', role: 'administrator'} as const
const query = '*[_type == "article" && title match text::query($q)] | order(_id) {_id}'
const params = {q: 'বিরল'}

let dir: string
let path: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-scan-snapshot-'))
  path = join(dir, 'test.sqlite')
})
afterEach(async () => {
  vi.restoreAllMocks()
  analyzerTask({kind: 'close'})
  await rm(dir, {recursive: true, force: true})
})

/** The analyzer's task on its own connection (in this thread): reads the queue, writes the index. */
function indexQueue(): number {
  const target = {path, opening: 'test'}
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
function afterRowidsRead(then: () => void) {
  let done = false
  const original = StatementSync.prototype.all
  vi.spyOn(StatementSync.prototype, 'all').mockImplementation(function (
    this: StatementSync,
    ...args: unknown[]
  ) {
    const rows = (original as (...a: unknown[]) => unknown[]).apply(this, args)
    if (!done && this.sourceSQL.includes('search_fts MATCH') && /LIMIT \?$/.test(this.sourceSQL)) {
      done = true
      then()
    }
    return rows
  } as never)
  return () => done
}

async function groqJs(docs: SanityDocument[]) {
  const value = await evaluate(parseQuery(query, params), {
    dataset: docs,
    params,
    dereference: textQueryDereference({documents: docs, params}),
  })
  return value.get()
}

const readers: [string, (store: SqliteStore) => SqliteStore][] = [
  ["the store's own connection", (store) => store],
  ['the committed view', (store) => store.committed() as SqliteStore],
  [
    "a query thread's read-only connection",
    () => createSqliteStore(path, 'test', {readOnly: true, cacheBytes: 0}),
  ],
]

describe('a search scan reads its candidates and its rows in one snapshot', () => {
  test.each(readers)(
    'through %s: a document indexed between the two reads is still found',
    async (_, readerOf) => {
      const store = createSqliteStore(path, 'test', {analyzer: idle})
      let reader: SqliteStore | null = null
      try {
        const indexed = [1, 2, 3].map((i) => article(`a${i}`, `বিরল ${i}`))
        await store.transact((w) => w.commit(creating('tx1', indexed)))
        expect(indexQueue()).toBe(3)
        // Written after: queued, so a candidate of every search until the analyzer takes it.
        const queued = article('a4', 'বিরল নতুন')
        await store.transact((w) => w.commit(creating('tx2', [queued])))
        reader = readerOf(store)
        const docs = [...indexed, queued].map((doc) => ({...doc, _rev: 'tx'}))
        const expected = await groqJs(docs)
        expect(expected).toEqual([{_id: 'a1'}, {_id: 'a2'}, {_id: 'a3'}, {_id: 'a4'}])

        const moved = afterRowidsRead(() => expect(indexQueue()).toBe(1))
        const result = await executeQuery(
          reader,
          {query, params, perspective: 'raw', apiVersion: '2025-02-19'},
          admin,
          {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
        )
        expect(moved()).toBe(true)
        expect(result).toEqual(expected)
        // And after: found by the index.
        vi.restoreAllMocks()
        const again = await executeQuery(
          reader,
          {query, params, perspective: 'raw', apiVersion: '2025-02-19'},
          admin,
          {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
        )
        expect(again).toEqual(expected)
      } finally {
        if (reader && reader !== store) reader.close()
        store.close()
      }
    },
  )
})
