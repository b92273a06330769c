/**
 * A query thread's read-only connection may open a dataset's file while the dataset's first write
 * is still making it: an empty file, then a schema whose migrations are not yet committed. What it
 * reads meanwhile is the empty dataset, never "no such table". The writer's states are made here
 * by a connection held where the first write's open() passes through, so the race is hit every
 * time rather than by luck.
 */
import {closeSync, mkdirSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, beforeEach, expect, test} from 'vitest'
import {executeQuery} from '../../../lake/query/execute.ts'
import {createSqliteStores} from '../../../lake/store/sqliteStore.ts'
import {firstArticle} from '../../helpers/store.ts'

const ADMIN = {id: 'admin', kind: 'token', role: 'administrator'} as const

/** The forms a query takes: a plain filter, a text search (it reads the search tables), a count, by id. */
const QUERIES = [
  '*[_type == "article"]._id',
  '*[title match "word"]._id',
  '*[_type == "article"] | score(title match "word") | order(_score desc)._id',
  'count(*)',
  '*[_id == "a"][0]._id',
]
const EMPTY = [[], [], [], 0, null]

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lake-firstwrite-'))
  mkdirSync(join(dir, 'datasets'), {recursive: true})
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

/** What a query thread answers (lake/query/worker.ts: its own read-only store of the folder). */
async function queryAll(readers: ReturnType<typeof createSqliteStores>) {
  const answers = []
  for (const query of QUERIES) {
    const store = readers.get('fresh')
    try {
      answers.push(
        await executeQuery(store, {query, params: {}, apiVersion: '2025-02-19'}, ADMIN, {
          now: new Date(),
          projectId: 'p',
          dataset: 'fresh',
        }),
      )
    } finally {
      readers.forget('fresh')
    }
  }
  return answers
}

test('a query of a dataset whose first write has only made its empty file answers the empty dataset', async () => {
  // The first write's open() makes the file before its connection migrates it.
  closeSync(openSync(join(dir, 'datasets', 'fresh.sqlite'), 'a', 0o600))
  const readers = createSqliteStores(dir, {readOnly: true, cacheBytes: 0})
  try {
    expect(await queryAll(readers)).toEqual(EMPTY)
  } finally {
    readers.close()
  }
})

test("a query during the first write's migration answers the empty dataset, then the written documents", async () => {
  const file = join(dir, 'datasets', 'fresh.sqlite')
  // The first write's connection, held inside its migrations' transaction: its WAL and its
  // migrations table exist (made before the transaction), its other tables not yet for readers.
  const writer = new DatabaseSync(file)
  writer.exec('PRAGMA page_size = 16384')
  writer.exec('PRAGMA journal_mode = WAL')
  writer.exec(`CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
  writer.exec('BEGIN IMMEDIATE')
  writer.exec('CREATE TABLE documents (id TEXT PRIMARY KEY)')
  const readers = createSqliteStores(dir, {readOnly: true, cacheBytes: 0})
  try {
    expect(await queryAll(readers)).toEqual(EMPTY)
    writer.exec('ROLLBACK')
    writer.close()
    // The first write itself, once its schema is committed: the readers see what it wrote.
    const stores = createSqliteStores(dir)
    try {
      const tx = firstArticle('fresh')
      await stores.get('fresh').transact((writer) => writer.commit(tx))
      const answers = await queryAll(readers)
      expect(answers[0]).toEqual(['a'])
      expect(answers[3]).toEqual(1)
      expect(answers[4]).toEqual('a')
    } finally {
      stores.close()
    }
  } finally {
    readers.close()
  }
})
