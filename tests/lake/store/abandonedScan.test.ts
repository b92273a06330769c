/**
 * A scan its reader stops at the first document (a query over its in-place budget, an evaluation
 * error, a client gone) must let go of its statement: one left half-read holds the connection's
 * read snapshot until it is garbage, and the store's close finds the database locked (3fd9bc6 read
 * a scan's first step apart from the rest, where the reader's return() never reached it).
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, expect, test} from 'vitest'
import {createSqliteStore, type SqliteStore} from '../../../lake/store/sqliteStore.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {creating} from '../../helpers/store.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-abandoned-scan-'))
})
afterEach(() => rm(dir, {recursive: true, force: true}))

const commit = (store: SqliteStore, rev: string, docs: SanityDocument[]) =>
  store.transact((w) => w.commit(creating(rev, docs)))

const article = (i: number) =>
  ({_id: `a${String(i).padStart(4, '0')}`, _type: 'article', title: `বিরল ${i}`}) as SanityDocument

const byType = {types: ['article']}
const inIdOrder = {types: ['article'], order: [{path: ['_id'], direction: 'asc'}]}

// At its 701st: in its second batch of bodies, each read in a transaction of its own (scanRows).
test.each([
  ['by type', byType, 1],
  ['by type, in id order', inIdOrder, 1],
  ['by type', byType, 701],
  ['by type, in id order', inIdOrder, 701],
])('a scan (%s) stopped at its document %s lets go of the connection', async (_, hint, at) => {
  const store = createSqliteStore(join(dir, 'test.sqlite'), 'test')
  try {
    await commit(
      store,
      'tx1',
      Array.from({length: 3000}, (_, i) => article(i)),
    )
    let read = 0
    for (const doc of store.scan(hint as never)) {
      expect(doc._type).toBe('article')
      if (++read === at) break
    }
    expect(read).toBe(at)
    await commit(store, 'tx2', [{...article(2500), title: 'নতুন'}])
    const seen = [...store.scan(hint as never)].find((doc) => doc._id === 'a2500')
    expect(seen?._rev).toBe('tx2')
    // Its close empties the WAL into the file (a checkpoint): no statement may still be reading.
    expect(() => store.close()).not.toThrow()
  } finally {
    store.close()
  }
})
