/**
 * A data folder written by the lake at commit f02fb90 (fixtures/main-f02fb90, made with
 * fixtures/writeDataFolder.ts) opens with today's store: the schema migrates on first start and
 * every document, every revision and every logged transaction reads back as that lake read it.
 */
import {cpSync} from 'node:fs'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, beforeEach, expect, test} from 'vitest'
import {createSqliteStores} from '../../../lake/store/sqliteStore.ts'
import type {StoreRegistry} from '../../../lake/core/store.ts'

const FIXTURE = join(import.meta.dirname, 'fixtures', 'main-f02fb90')
let dir: string
let stores: StoreRegistry
let expected: {
  transactions: string[]
  history: Record<string, Record<string, unknown>>
  logged: unknown[]
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lake-migrate-'))
  cpSync(join(FIXTURE, 'datasets'), join(dir, 'datasets'), {recursive: true})
  expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8'))
  stores = createSqliteStores(dir)
})
afterEach(async () => {
  stores.close()
  await rm(dir, {recursive: true, force: true})
})

test('every revision and every logged transaction reads back as before the migration', () => {
  const store = stores.get('production')
  for (const [id, states] of Object.entries(expected.history)) {
    expect(store.documentAt(id, {lastRevision: true}), id).toEqual(states.lastRevision)
    for (const tx of expected.transactions) {
      expect(store.documentAt(id, {revision: tx}), `${id} at ${tx}`).toEqual(states[tx])
    }
  }
  expect(expected.transactions.map((tx) => store.getTransaction(tx))).toEqual(expected.logged)
})

test('the migrated folder has the side table, weak references and a thinner log', () => {
  const store = stores.get('production')
  const select = (where: Parameters<typeof store.select>[0]) =>
    [...store.select(where)].map((row) => row.id)
  // By publishedAt descending: the draft without one first, as GROQ's order() puts null.
  expect(
    select({where: {kind: 'type', types: ['article']}, order: [{field: 2, desc: true}]}),
  ).toEqual(['drafts.article-0', 'article-4', 'article-2', 'article-1', 'article-0'])
  // drafts.article-0 refers to source-2 weakly: GROQ's references() sees it, delete protection not.
  expect(select({where: {kind: 'references', ids: ['source-2']}})).toEqual([
    'article-1',
    'drafts.article-0',
  ])
  expect(store.referrersOf(['source-2']).map((r) => r.id)).toEqual(['article-1'])
  stores.close()
  const db = new DatabaseSync(join(dir, 'datasets', 'production.sqlite'))
  const {n} = db.prepare('SELECT count(*) AS n FROM changes WHERE snapshot IS NOT NULL').get() as {
    n: number
  }
  const {total} = db.prepare('SELECT count(*) AS total FROM changes').get() as {total: number}
  db.close()
  expect(n).toBeLessThan(total / 4)
})

test('writes after the migration keep history whole', async () => {
  const store = stores.get('production')
  const before = store.documentAt('article-1', {lastRevision: true})
  expect(before?.title).toBe('বাজেট সংশোধন 69')
  expect(store.documentAt('article-1', {revision: expected.transactions[10]})).toEqual(
    expected.history['article-1'][expected.transactions[10]],
  )
})
