/**
 * The transaction log streams a page at a time (lake/dataset.ts), so a page can fail after the
 * status was sent; the stream then ends with an error line, which the Studio's history shows. An
 * unexpected error's own message (SQLite's, naming tables and files) is for the lake's log, not
 * for the caller: the line says what errors.ts says for a 500, as every other answer does.
 */
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, expect, test, vi} from 'vitest'
import {useTestLake} from '../../helpers/lake.ts'
import {ndjsonLines} from '../../helpers/ndjson.ts'

const lake = useTestLake({inProcess: true})

afterEach(() => {
  vi.restoreAllMocks()
})

test("an unexpected error mid-stream ends the log with a generic error line; its message goes to the lake's log", async () => {
  // 40 revisions of a 30 kB story: about 8 a page (LOG_PAGE's 256 kB), five pages.
  for (let i = 0; i < 40; i++) {
    await lake()
      .client()
      .createOrReplace({_id: 'story', _type: 'article', body: `${i} `.padEnd(30_000, 'ক')})
  }
  const res = await lake().fetch(
    `${lake().url}/v2025-02-19/data/history/test/transactions/story?excludeContent=true`,
    {headers: {authorization: `Bearer ${lake().token}`}},
  )
  expect(res.status).toBe(200)
  const reader = res.body!.getReader()
  const first = (await reader.read()).value!
  // Another program changes the file under the lake: the next page's read fails inside SQLite.
  const other = new DatabaseSync(join(lake().dataDir, 'datasets', 'test.sqlite'))
  other.exec('PRAGMA busy_timeout = 5000; ALTER TABLE transactions RENAME TO moved_away')
  other.close()
  const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
  const lines = await ndjsonLines(reader, first)
  expect(lines.filter((line) => typeof line.id === 'string').length).toBeLessThan(40)
  // The Studio reads `error.description` (getTransactionsLogs); before: SQLite's own message.
  expect(lines.at(-1)).toEqual({
    error: {type: 'historyError', description: 'Internal Server Error'},
  })
  expect(JSON.stringify(lines.at(-1))).not.toMatch(/moved_away|transactions|no such/)
  expect(String(logged.mock.calls.flat().map(String))).toMatch(/no such table/)
})
