/**
 * A written document's rowid keys its side-table row and its references' rows (commitRows.ts): a
 * created one's is the one its INSERT made, a replaced one's stays, and a change built as a create
 * of a document that is stored after all is written as an update of it, never a second row or
 * rows keyed by another document's rowid.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync, type StatementSync} from 'node:sqlite'
import {afterEach, expect, test} from 'vitest'
import {writeTransactionRows, type ChangeWrite} from '../../../lake/store/commitRows.ts'
import {fieldKeys} from '../../../lake/store/fields.ts'
import {migrateDataFile} from '../../../lake/store/sqliteStore.ts'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function dataFile() {
  const dir = await mkdtemp(join(tmpdir(), 'lake-commit-rows-'))
  cleanup.push(() => rm(dir, {recursive: true, force: true}))
  const path = join(dir, 'test.sqlite')
  migrateDataFile(path, true)
  const db = new DatabaseSync(path)
  cleanup.push(async () => db.close())
  const statements = new Map<string, StatementSync>()
  const stmt = (sql: string) => {
    let s = statements.get(sql)
    if (!s) statements.set(sql, (s = db.prepare(sql)))
    return s
  }
  let seq = 0
  /** Commits `changes` as one transaction. */
  const commit = (changes: ChangeWrite[]) => {
    db.exec('BEGIN IMMEDIATE')
    writeTransactionRows(
      stmt,
      {id: `tx${++seq}`, timestamp: `2026-12-07T00:00:0${seq}Z`, identity: 'me'},
      changes,
      true,
    )
    db.exec('COMMIT')
  }
  return {db, commit}
}

/** A change writing `doc` (`updated`: as built, a document was stored under its id), referencing `refs`. */
function write(
  doc: {_id: string; _type: string; title: string},
  updated: boolean,
  refs: string[] = [],
  unreferenced: string[] = [],
): ChangeWrite {
  return {
    id: doc._id,
    unreferenced,
    references: refs.map((target) => [target, 1, 1]),
    fields: [doc._type, ...fieldKeys(doc)],
    updated,
    json: JSON.stringify(doc),
    jsonb: null,
    mutations: '[]',
    effects: '{}',
  }
}

const deletion = (id: string, unreferenced: string[] = []): ChangeWrite => ({
  id,
  unreferenced,
  references: [],
  fields: null,
  updated: true,
  json: null,
  jsonb: null,
  mutations: '[]',
  effects: '{}',
})

/** Each document's rowid, title, side-table row's id and references' targets, by id. */
function stored(db: DatabaseSync) {
  const rows = db
    .prepare(
      `SELECT d.id, d.rowid, d.body ->> '$.title' AS title,
         (SELECT f.id FROM fields f WHERE f.rowid = d.rowid) AS fieldsId,
         (SELECT group_concat(r.target, ',') FROM refs r WHERE r.source = d.rowid) AS refs
       FROM documents d ORDER BY d.id`,
    )
    .all()
  const counts = db
    .prepare('SELECT (SELECT count(*) FROM fields) AS fields, (SELECT count(*) FROM refs) AS refs')
    .get()
  return {rows, counts}
}

test("created documents' rows are keyed by the rowid each INSERT made, also one a deleted document's rowid freed", async () => {
  const {db, commit} = await dataFile()
  commit([
    write({_id: 'a', _type: 'article', title: 'ক'}, false, ['b']),
    write({_id: 'b', _type: 'author', title: 'খ'}, false),
  ])
  commit([deletion('b')])
  // c takes b's freed rowid (the table's largest): its rows must be c's, not b's left over.
  commit([write({_id: 'c', _type: 'article', title: 'গ'}, false, ['a'])])
  const {rows, counts} = stored(db)
  expect(rows).toEqual([
    {id: 'a', rowid: 1, title: 'ক', fieldsId: 'a', refs: 'b'},
    {id: 'c', rowid: 2, title: 'গ', fieldsId: 'c', refs: 'a'},
  ])
  expect(counts).toEqual({fields: 2, refs: 2})
})

test('a change built as a create of a document stored after all replaces it, keeping its rowid', async () => {
  const {db, commit} = await dataFile()
  commit([
    write({_id: 'x', _type: 'author', title: 'before'}, false),
    write({_id: 'a', _type: 'article', title: 'ক'}, false, ['x']),
  ])
  // As built, nothing was stored under "a" (a create), yet it is: written as an update of it (its
  // reference to x, which the build did not know of, stays).
  commit([write({_id: 'a', _type: 'article', title: 'খ'}, false)])
  commit([write({_id: 'y', _type: 'author', title: 'after'}, false)])
  const {rows, counts} = stored(db)
  expect(rows).toEqual([
    {id: 'a', rowid: 2, title: 'খ', fieldsId: 'a', refs: 'x'},
    {id: 'x', rowid: 1, title: 'before', fieldsId: 'x', refs: null},
    {id: 'y', rowid: 3, title: 'after', fieldsId: 'y', refs: null},
  ])
  expect(counts).toEqual({fields: 3, refs: 1})
})
