/**
 * A query thread's read-only connection may look for a dataset's file just before a delete moves
 * it away (lake/store/sqliteStore.ts delete) and open it just after. What it reads then is the
 * empty dataset, as when it looked a moment later, never SQLite's "unable to open database file"
 * (a 500). The file is removed inside the look itself, so the race is hit every time.
 */
import fs, {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {syncBuiltinESMExports} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, expect, test} from 'vitest'
import {executeQuery} from '../../../lake/query/execute.ts'
import {createSqliteStores} from '../../../lake/store/sqliteStore.ts'
import {firstArticle} from '../../helpers/store.ts'

/**
 * Moves `path` away right after the next look finds it (the delete's rename, landing between a
 * query thread's look and its open). Node's own fs is patched and its ES module bindings synced,
 * so the store's `existsSync` is this one, as the test files share one module graph.
 */
function vanishAfterLook(path: string): () => boolean {
  const existsSync = fs.existsSync
  let moved = false
  fs.existsSync = (looked) => {
    const found = existsSync(looked)
    if (found && looked === path && !moved) {
      moved = true
      fs.renameSync(path, `${path}.moved`)
    }
    return found
  }
  syncBuiltinESMExports()
  return () => {
    fs.existsSync = existsSync
    syncBuiltinESMExports()
    return moved
  }
}

const ADMIN = {id: 'admin', kind: 'token', role: 'administrator'} as const

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lake-deletedfile-'))
  mkdirSync(join(dir, 'datasets'), {recursive: true})
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

test('a query whose file is moved away between its look and its open answers the empty dataset', async () => {
  const stores = createSqliteStores(dir)
  const tx = firstArticle('gone')
  await stores.get('gone').transact((writer) => writer.commit(tx))
  stores.close()

  const readers = createSqliteStores(dir, {readOnly: true, cacheBytes: 0})
  const restore = vanishAfterLook(join(dir, 'datasets', 'gone.sqlite'))
  try {
    const answer = await executeQuery(
      readers.get('gone'),
      {query: '*[_type == "article"]._id', params: {}, apiVersion: '2025-02-19'},
      ADMIN,
      {now: new Date(), projectId: 'p', dataset: 'gone'},
    )
    expect(restore(), 'the file was moved between the look and the open').toBe(true)
    expect(answer).toEqual([])
  } finally {
    restore()
    readers.close()
  }
})
