/**
 * A data folder an earlier lake wrote may hold documents whose text has a lone UTF-16 surrogate
 * (half of an emoji cut by `slice`), refused on every write since 2026-12-04. Stored so, SQLite's
 * JSON read such text as bytes no query's text equals (`*[title == $t]` missed what groq-js
 * found), and every patch of the document was refused for text its caller never sent. The first
 * start of this lake on such a folder writes each one again with U+FFFD in the surrogate's place
 * (as a JSON decoder into Unicode text stores it), in a transaction of the lake's own that
 * history shows, and its log names them; nothing else is rewritten, and nothing again at the next
 * start. The folder is written here through the store, as an earlier lake would have.
 */
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {createMendozaPatch} from '../../../lake/core/mendoza.ts'
import {withoutRev} from '../../../lake/core/transaction.ts'
import type {SanityDocument} from '../../../lake/core/types.ts'
import {createSqliteStores} from '../../../lake/store/sqliteStore.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const STORED: Record<string, Record<string, unknown>> = {
  lone: {title: 'a\ud83db', 'k\udc00': 'v', items: [{_key: 'i1', t: 'x\udfff'}], n: 1},
  'drafts.lone': {title: 'draft \ud800'},
  // A backslash and "ud83d" as text, and a whole emoji: Unicode, left as they are.
  escaped: {title: 'a\\ud83d'},
  emoji: {title: 'a😀b'},
}

async function writeEarlierFolder(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-surrogates-'))
  const stores = createSqliteStores(dataDir)
  const store = stores.get('test')
  const timestamp = '2026-11-01T00:00:00.000Z'
  const changes = Object.entries(STORED).map(([id, fields]) => {
    const after = {_id: id, _type: 'article', ...fields, _rev: 'tx-old', _updatedAt: timestamp}
    const doc = after as unknown as SanityDocument
    return {
      id,
      before: null,
      after: doc,
      mutations: [{create: {_id: id}}],
      effects: {
        apply: createMendozaPatch(null, withoutRev(doc)),
        revert: createMendozaPatch(withoutRev(doc), null),
      },
    }
  })
  await store.transact((writer) =>
    writer.commit({id: 'tx-old', dataset: 'test', timestamp, identity: 'p-old', changes}),
  )
  stores.close()
  // As an earlier lake left the file: without the repair's migration and those after it (each
  // of which runs again on the file as it is).
  const file = new DatabaseSync(join(dataDir, 'datasets', 'test.sqlite'))
  file.exec(`DROP TABLE IF EXISTS lone_surrogates;
    DELETE FROM migrations WHERE version >= (SELECT version FROM migrations
      WHERE name = 'documents that may hold a lone UTF-16 surrogate, to repair')`)
  file.close()
  return dataDir
}

let lake: TestLake | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await lake?.close()
  lake = undefined
})

describe('a document an earlier lake stored with a lone surrogate', () => {
  it('is written again with U+FFFD in its place at the first start, and then found and edited', async () => {
    const dataDir = await writeEarlierFolder()
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    lake = await startTestLake({tls: false, dataDir})
    const client = lake.client({perspective: 'raw'})

    const docs = await client.fetch<SanityDocument[]>('*[_type == "article"] | order(_id asc)')
    const byId = Object.fromEntries(docs.map((doc) => [doc._id, doc]))
    expect(byId.lone).toMatchObject({title: 'a\ufffdb', 'k\ufffd': 'v', n: 1})
    expect(byId.lone.items).toEqual([{_key: 'i1', t: 'x\ufffd'}])
    expect(byId.lone).not.toHaveProperty('k\udc00')
    expect(byId['drafts.lone'].title).toBe('draft \ufffd')
    // Unicode text is left as it was, not written again.
    expect(byId.escaped).toMatchObject({title: 'a\\ud83d', _rev: 'tx-old'})
    expect(byId.emoji).toMatchObject({title: 'a😀b', _rev: 'tx-old'})
    expect(byId.lone._rev).not.toBe('tx-old')

    // Answered from SQLite, as groq-js answers it.
    expect(await client.fetch('*[title == $t]._id', {t: 'a\ufffdb'})).toEqual(['lone'])
    expect(await client.fetch('*[_id in ["lone"] && title == $t]._id', {t: 'a\ufffdb'})).toEqual([
      'lone',
    ])

    // A patch of another field is taken; it was refused for the stored text.
    await client.patch('lone').set({n: 2}).commit()
    expect((await client.getDocument('lone'))?.n).toBe(2)

    // The repair is a transaction of the lake's own in the document's history.
    const res = await fetch(
      `${lake.url}/v2025-02-19/data/history/test/transactions/lone?excludeContent=true`,
      {headers: {authorization: `Bearer ${lake.token}`}},
    )
    const authors = (await res.text())
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as {author: string}).author)
    expect(authors).toEqual(['p-old', 'lake', expect.any(String)])

    // The log names what was repaired, once.
    const lines = logged.mock.calls.map((call) => String(call[0]))
    const repaired = lines.filter((line) => line.includes('not Unicode'))
    expect(repaired).toHaveLength(1)
    expect(repaired[0]).toMatch(
      /dataset "test": 2 documents .* U\+FFFD .*: (drafts\.lone, lone|lone, drafts\.lone)$/,
    )

    // The next start finds nothing to repair.
    await lake.close({keepData: true})
    logged.mockClear()
    lake = await startTestLake({tls: false, dataDir})
    const again = await lake.client({perspective: 'raw'}).getDocument('lone')
    expect(again).toMatchObject({n: 2, title: 'a\ufffdb'})
    expect(logged.mock.calls.filter((call) => String(call[0]).includes('not Unicode'))).toEqual([])
  })

  it('whose repair is not committed is repaired at the next start', async () => {
    const dataDir = await writeEarlierFolder()
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    // The repair's first commit fails (as a full disk, or the lake killed before its COMMIT):
    // its write group cannot begin on the dataset's file, once.
    const exec = DatabaseSync.prototype.exec
    let failed = 0
    vi.spyOn(DatabaseSync.prototype, 'exec').mockImplementation(function (
      this: DatabaseSync,
      sql: string,
    ) {
      if (failed === 0 && sql === 'BEGIN IMMEDIATE' && this.location()?.endsWith('test.sqlite')) {
        failed++
        throw new Error('disk I/O error')
      }
      return exec.call(this, sql)
    })
    lake = await startTestLake({tls: false, dataDir})
    const first = await lake
      .client({perspective: 'raw'})
      .fetch<SanityDocument[]>('*[_id in ["lone", "drafts.lone"]] | order(_id asc) {_id, title}')
    expect(failed).toBe(1)
    // One of the two was not written again, and the log says so.
    expect(first.filter((doc) => String(doc.title).isWellFormed())).toHaveLength(1)
    const lines = logged.mock.calls.map((call) => String(call[0]))
    expect(lines.some((line) => / not repaired: /.test(line))).toBe(true)

    await lake.close({keepData: true})
    lake = await startTestLake({tls: false, dataDir})
    const again = await lake
      .client({perspective: 'raw'})
      .fetch<SanityDocument[]>('*[_id in ["lone", "drafts.lone"]] | order(_id asc) {_id, title}')
    expect(again).toEqual([
      {_id: 'drafts.lone', title: 'draft \ufffd'},
      {_id: 'lone', title: 'a\ufffdb'},
    ])
  })

  it('is looked for again by the next request when listing them failed', async () => {
    const dataDir = await writeEarlierFolder()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    // The list's read fails once (as SQLite's busy answer may while the file is recovered).
    const prepare = DatabaseSync.prototype.prepare
    let failed = 0
    vi.spyOn(DatabaseSync.prototype, 'prepare').mockImplementation(function (
      this: DatabaseSync,
      sql: string,
    ) {
      if (failed === 0 && sql === 'SELECT id FROM lone_surrogates') {
        failed++
        throw new Error('database is locked')
      }
      return prepare.call(this, sql)
    })
    lake = await startTestLake({tls: false, dataDir})
    const query = `${lake.url}/v2025-02-19/data/query/test?query=*%5B_id%3D%3D%22lone%22%5D.title&perspective=raw`
    const ask = () => fetch(query, {headers: {authorization: `Bearer ${lake!.token}`}})
    expect((await ask()).status).toBeGreaterThanOrEqual(500)
    expect(failed).toBe(1)
    // The next request tries again: the dataset is not refused for good.
    const res = await ask()
    expect(res.status).toBe(200)
    expect((await res.json()).result).toEqual(['a\ufffdb'])
  })
})
