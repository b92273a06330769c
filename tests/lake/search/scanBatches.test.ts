/**
 * A scan over a connection that caches parsed documents reads the ids and revisions of its rows
 * in one statement and the bodies of those not cached in batches of 500 (resolveRows). The last
 * batch's ids are all read when the statement ends, and with it the read snapshot it held (unless
 * the connection is in a transaction): a commit from another connection (the commit thread's, a
 * second process) landing right there would have the last batch read in a later snapshot than its
 * rows were chosen in, a document counted and gone, or at a newer revision than its batch-mates.
 * Here that commit runs exactly there (the rows' statement spied on, its last next()), so the
 * interleaving is the same on every run; answers as groq-js over the state the scan began in.
 * Reads by more than 500 ids (a scan by ids, the values at paths) read them 500 a statement:
 * the commit runs after the first one.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {DatabaseSync, StatementSync} from 'node:sqlite'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {evaluate} from 'groq-js'
import {afterEach, beforeEach, describe, expect, test, vi} from 'vitest'
import {parseQuery} from '../../../lake/core/query.ts'
import {textQueryDereference} from '../../../lake/core/textQueryRewrite.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {executeQuery} from '../../../lake/query/execute.ts'
import analyzerTask from '../../../lake/store/searchAnalyzerWorker.ts'
import {createSqliteStore, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {creating} from '../../helpers/store.ts'

const admin = {id: 'admin', kind: 'user', role: 'administrator'} as const
const params = {q: 'বিরল'}
const query = '*[_type == "article" && title match text::query($q)] | order(_id) {_id, _rev, title}'

let dir: string
let path: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-scan-batches-'))
  path = join(dir, 'test.sqlite')
})
afterEach(async () => {
  vi.restoreAllMocks()
  analyzerTask({kind: 'close'})
  await rm(dir, {recursive: true, force: true})
})

const article = (i: number) =>
  ({_id: `a${String(i).padStart(4, '0')}`, _type: 'article', title: `বিরল ${i}`}) as SanityDocument

/** Two batches and some: the last one holds a0500 to a0619. */
const COUNT = 620

/**
 * Another connection's commit: one document of the last batch changed, one deleted. Raw rows,
 * as the commit thread writes them on its own connection; only the documents' table is read here.
 */
function commitElsewhere() {
  const other = new DatabaseSync(path)
  try {
    other.exec('BEGIN IMMEDIATE')
    other
      .prepare('UPDATE documents SET body = jsonb(?) WHERE id = ?')
      .run(JSON.stringify({...article(550), title: 'বিরল নতুন', _rev: 'tx9'}), 'a0550')
    other.prepare('DELETE FROM documents WHERE id = ?').run('a0560')
    other.exec('COMMIT')
  } finally {
    other.close()
  }
}

/** Runs `then` once, when the statement choosing a scan's rows (ids and revisions) has ended. */
function afterRowsEnd(then: () => void) {
  let done = false
  const original = StatementSync.prototype.iterate
  vi.spyOn(StatementSync.prototype, 'iterate').mockImplementation(function (
    this: StatementSync,
    ...args: unknown[]
  ) {
    const rows = (original as (...a: unknown[]) => Iterator<unknown>).apply(this, args)
    if (done || !this.sourceSQL.startsWith('SELECT id, rev FROM documents')) return rows
    const next = rows.next.bind(rows)
    return Object.assign(Object.create(rows) as object, {
      next(...a: []) {
        const step = next(...a)
        if (step.done && !done) {
          done = true
          then()
        }
        return step
      },
      return: rows.return?.bind(rows),
      [Symbol.iterator]() {
        return this
      },
    })
  } as never)
  return () => done
}

/** Runs `then` once, after the first of several reads of documents by a chunk of their ids. */
function afterFirstChunk(then: () => void) {
  let done = false
  const original = StatementSync.prototype.all
  vi.spyOn(StatementSync.prototype, 'all').mockImplementation(function (
    this: StatementSync,
    ...args: unknown[]
  ) {
    const rows = (original as (...a: unknown[]) => unknown[]).apply(this, args)
    if (!done && /^SELECT id.* FROM documents WHERE id IN/.test(this.sourceSQL)) {
      done = true
      then()
    }
    return rows
  } as never)
  return () => done
}

/** A query thread's connection caches nothing: its one statement reads the bodies themselves. */
const readers: [string, (store: SqliteStore) => SqliteStore][] = [
  ["the store's own connection", (store) => store],
  ['the committed view', (store) => store.committed() as SqliteStore],
]

async function written(store: SqliteStore) {
  const docs = Array.from({length: COUNT}, (_, i) => ({...article(i), _rev: 'tx1'}))
  await store.transact((w) => w.commit(creating('tx1', docs)))
  return docs
}

describe('a scan of more than one batch reads every batch in the snapshot its rows came from', () => {
  test.each(readers)(
    'a search through %s: a commit as its rows end is not seen',
    async (_, readerOf) => {
      const store = createSqliteStore(path, 'test')
      let reader: SqliteStore | null = null
      try {
        const docs = await written(store)
        reader = readerOf(store)
        const value = await evaluate(parseQuery(query, params), {
          dataset: docs,
          params,
          dereference: textQueryDereference({documents: docs, params}),
        })
        const expected = (await value.get()) as unknown[]
        expect(expected).toHaveLength(COUNT)

        const committed = afterRowsEnd(commitElsewhere)
        const result = await executeQuery(
          reader,
          {query, params, perspective: 'raw', apiVersion: '2025-02-19'},
          admin,
          {now: new Date('2026-01-01T00:00:00Z'), projectId: 'p', dataset: 'test'},
        )
        expect(committed()).toBe(true)
        expect(result).toEqual(expected)
      } finally {
        if (reader && reader !== store) reader.close()
        store.close()
      }
    },
  )

  // Not a search: no transaction of the scan's own, the rows' statement alone holds the snapshot.
  test.each(readers)(
    'a scan by type through %s: a commit as its rows end is not seen',
    async (_, readerOf) => {
      const store = createSqliteStore(path, 'test')
      let reader: SqliteStore | null = null
      try {
        const docs = await written(store)
        reader = readerOf(store)
        const committed = afterRowsEnd(commitElsewhere)
        const hint = {types: ['article'], order: [{path: ['_id'], direction: 'asc'}]}
        const scanned = [...reader.scan(hint as never)]
        expect(committed()).toBe(true)
        expect(scanned).toEqual(docs)
      } finally {
        if (reader && reader !== store) reader.close()
        store.close()
      }
    },
  )

  // By ids, 500 a read: every chunk in the first one's snapshot.
  test.each(readers)(
    'a scan by ids through %s: a commit between its chunks is not seen',
    async (_, readerOf) => {
      const store = createSqliteStore(path, 'test')
      let reader: SqliteStore | null = null
      try {
        const docs = await written(store)
        reader = readerOf(store)
        const committed = afterFirstChunk(commitElsewhere)
        const scanned = [...reader.scan({ids: docs.map((doc) => doc._id)})]
        expect(committed()).toBe(true)
        expect(scanned).toEqual(docs)
      } finally {
        if (reader && reader !== store) reader.close()
        store.close()
      }
    },
  )

  test.each(readers)(
    'values by ids through %s: a commit between their chunks is not seen',
    async (_, readerOf) => {
      const store = createSqliteStore(path, 'test')
      let reader: SqliteStore | null = null
      try {
        const docs = await written(store)
        reader = readerOf(store)
        const committed = afterFirstChunk(commitElsewhere)
        const values = reader.extract(
          docs.map((doc) => doc._id),
          [['title']],
        )
        expect(committed()).toBe(true)
        expect(values).toEqual(docs.map((doc) => [(doc as Record<string, unknown>).title]))
      } finally {
        if (reader && reader !== store) reader.close()
        store.close()
      }
    },
  )
})
