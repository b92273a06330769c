/**
 * The store's reads by more than 500 ids read them 500 a statement: heads(), storedBytes(),
 * bodyBytes(), versionIds(), referrersOf(). Outside the write lock (a write's sizing on the
 * writer's connection, the committed view's sizes before a document read, a query's references()
 * and body budget) another connection's commit (the commit thread's, on its own connection) can
 * land between two statements: an answer half from before it, half from after, which no state of
 * the dataset had (a referrer moved from a later chunk's target to an earlier one's found by
 * neither). Here that commit runs right after the first chunk's statement (spied on), so the
 * interleaving is the same on every run; each answer is the one read before the commit, and the
 * same read after it differs (the commit changed what it reads).
 */
import {DatabaseSync} from 'node:sqlite'
import {describe, expect, test} from 'vitest'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {createSqliteStore, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import {
  afterFirstAll,
  cachingReaders,
  datasetFile,
  type ReaderOf,
  withReader,
} from '../../helpers/snapshotReads.ts'
import {creating} from '../../helpers/store.ts'

const file = datasetFile('lake-chunk-snapshots-')

/** Two chunks: the second holds 500 to 599. */
const COUNT = 600

const pad = (i: number) => String(i).padStart(4, '0')
const ids = (prefix: string) => Array.from({length: COUNT}, (_, i) => `${prefix}${pad(i)}`)

const readers: [string, ReaderOf][] = [
  ...cachingReaders,
  [
    "a query thread's read-only connection",
    () => createSqliteStore(file(), 'test', {readOnly: true, cacheBytes: 0}),
  ],
]

/** What the dataset holds before the commit: documents, a referrer of t0550, a version of p0550. */
function documents(): SanityDocument[] {
  const docs = ids('a').map((_id) => ({_id, _type: 'article', title: `শিরোনাম ${_id}`}))
  const referrer = {_id: 'r0', _type: 'article', source: {_type: 'reference', _ref: 't0550'}}
  const version = {_id: 'versions.b.p0550', _type: 'article', title: 'সংস্করণ'}
  return [...docs, referrer, version] as SanityDocument[]
}

/**
 * Another connection's commit, as the commit thread writes rows on its own: a0550 larger and at a
 * new revision, a0560 deleted, r0's reference moved from t0550 to t0001, the version of p0550
 * made one of p0001.
 */
function commitElsewhere() {
  const other = new DatabaseSync(file())
  try {
    other.exec('BEGIN IMMEDIATE')
    other
      .prepare('UPDATE documents SET body = jsonb(?) WHERE id = ?')
      .run(
        JSON.stringify({_id: 'a0550', _type: 'article', _rev: 'tx9', title: 'নতুন'.repeat(100)}),
        'a0550',
      )
    other.prepare('DELETE FROM documents WHERE id = ?').run('a0560')
    other.exec(`UPDATE refs SET target = 't0001' WHERE target = 't0550'`)
    other.exec(`UPDATE documents SET id = 'versions.b.p0001' WHERE id = 'versions.b.p0550'`)
    other.exec('COMMIT')
  } finally {
    other.close()
  }
}

/** The five reads, each by COUNT ids, and the statement each reads a chunk with. */
const reads: [string, RegExp, (reader: SqliteStore) => unknown][] = [
  ['heads()', /^SELECT id, (rev, )?length\(body\)/, (reader) => reader.heads(ids('a'))],
  ['storedBytes()', /^SELECT id, length\(body\)/, (reader) => reader.storedBytes(ids('a'))],
  ['bodyBytes()', /^SELECT sum\(length\(body\)\)/, (reader) => reader.bodyBytes(ids('a'))],
  ['versionIds()', /GLOB 'versions\.\*'/, (reader) => reader.versionIds(ids('p'))],
  ['referrersOf()', /FROM refs r JOIN documents/, (reader) => reader.referrersOf(ids('t'))],
]

const cases = reads.flatMap(([name, sql, read]) =>
  readers.map(([via, readerOf]) => [name, via, sql, read, readerOf] as const),
)

describe('a read of more than 500 ids reads every chunk in one snapshot', () => {
  test.each(cases)('%s through %s: a commit between its chunks is not seen', (...c) => {
    const [, , sql, read, readerOf] = c
    const store = createSqliteStore(file(), 'test')
    return withReader(store, async (open) => {
      await store.transact((w) => w.commit(creating('tx1', documents())))
      const reader = open(readerOf)
      const before = read(reader)
      const committed = afterFirstAll((text) => sql.test(text), commitElsewhere)
      const answer = read(reader)
      expect(committed()).toBe(true)
      expect(answer).toEqual(before)
      // The commit changed what the read answers: the same read now sees it whole.
      expect(read(reader)).not.toEqual(before)
    })
  })
})
