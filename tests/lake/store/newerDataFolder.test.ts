/**
 * A data folder written by a newer lake (its migrations table past this lake's last migration, as
 * a newer store records it): `lake start` refuses it with what to do and a non-zero exit, and a
 * dataset met lazily (in-process createLake, a file added while the lake runs) is answered with
 * an error naming the dataset, both schemas and the fix, the file left as it was.
 */
import {copyFileSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {DatabaseSync} from 'node:sqlite'
import {afterEach, expect, test} from 'vitest'
import {startLakeProcess} from '../../../kit/lakeProcess.ts'
import {NewerDatasetError} from '../../../lake/core/errors.ts'
import {createSqliteStores} from '../../../lake/store/sqliteStore.ts'
import {createTestLake, type InProcessLake} from '../../helpers/lake.ts'

const folders: string[] = []
const lakes: InProcessLake[] = []
afterEach(async () => {
  await Promise.all(lakes.splice(0).map((lake) => lake.close()))
  await Promise.all(folders.splice(0).map((dir) => rm(dir, {recursive: true, force: true})))
})

/**
 * A data folder whose dataset `test` holds one article, written by this lake, then marked as a
 * newer lake's: one migration past the last this lake recorded. Returns the folder and schemas.
 */
async function newerFolder(): Promise<{
  dataDir: string
  file: string
  lake: number
  newer: number
}> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lake-newer-'))
  folders.push(dataDir)
  const writer = await createTestLake({dataDir})
  await writer.client().create({_id: 'article-1', _type: 'article', title: 'খবর'})
  await writer.close({keepData: true})
  const file = join(dataDir, 'datasets', 'test.sqlite')
  const db = new DatabaseSync(file)
  try {
    const lake = Number(db.prepare('SELECT max(version) AS v FROM migrations').get()!.v)
    db.prepare("INSERT INTO migrations VALUES (?, 'from a newer lake', '2027-01-01')").run(lake + 1)
    return {dataDir, file, lake, newer: lake + 1}
  } finally {
    db.close()
  }
}

/** The error's words: the dataset, the folder's schema, the lake's, and what to do. */
function saysWhatToDo(text: string, dataset: string, schemas: {lake: number; newer: number}) {
  expect(text).toContain(`"${dataset}"`)
  expect(text).toContain(`schema ${schemas.newer}`)
  expect(text).toContain(`up to ${schemas.lake}`)
  expect(text).toMatch(/upgrade the lake/i)
}

test('lake start refuses a data folder a newer lake wrote, saying so, with exit code 1', async () => {
  const folder = await newerFolder()
  const before = readFileSync(folder.file)
  const lines: string[] = []
  const outcome = await startLakeProcess({
    dataDir: folder.dataDir,
    tls: false,
    onLine: (line, stream) => lines.push(`${stream}: ${line}`),
  }).then(
    async (lake) => {
      await lake.stop()
      return 'started'
    },
    (err: Error) => err.message.split('\n')[0],
  )
  expect(outcome).toBe('the lake exited before it was ready (code 1)')
  const said = lines.filter((line) => line.startsWith('stderr: ')).join('\n')
  saysWhatToDo(said, 'test', folder)
  expect(lines.some((line) => line.includes('Lake listening'))).toBe(false)
  expect(readFileSync(folder.file).equals(before)).toBe(true)
})

test("an in-process lake answers a newer folder's dataset with an error naming it, not a bare 500", async () => {
  const folder = await newerFolder()
  const lake = await createTestLake({dataDir: folder.dataDir})
  lakes.push(lake)
  const headers = {Authorization: `Bearer ${lake.token}`}
  const query = await lake.fetch(`${lake.url}/v2025-02-19/data/query/test?query=*`, {headers})
  const write = await lake.fetch(`${lake.url}/v2025-02-19/data/mutate/test`, {
    method: 'POST',
    headers: {...headers, 'Content-Type': 'application/json'},
    body: JSON.stringify({mutations: [{create: {_type: 'article', title: 'নতুন'}}]}),
  })
  for (const answer of [query, write]) {
    const body = (await answer.json()) as {message: string; error: string}
    expect({status: answer.status, error: body.error}).toEqual({
      status: 500,
      error: 'Internal Server Error',
    })
    expect(body.message).not.toBe('Internal Server Error')
    saysWhatToDo(body.message, 'test', folder)
  }
  // Another dataset of the same lake is served as usual.
  expect(await lake.client({dataset: 'other'}).fetch('count(*)')).toBe(0)
})

test('a newer dataset file added while the lake runs is answered with the same error', async () => {
  const folder = await newerFolder()
  const lake = await createTestLake()
  lakes.push(lake)
  const client = lake.client()
  await client.create({_id: 'article-1', _type: 'article', title: 'খবর'})
  copyFileSync(folder.file, join(lake.dataDir, 'datasets', 'later.sqlite'))
  const error = await lake
    .client({dataset: 'later'})
    .fetch('*[_type == "article"]')
    .then(
      () => null,
      (err: {statusCode?: number; message: string}) => err,
    )
  expect(error?.statusCode).toBe(500)
  saysWhatToDo(error!.message, 'later', folder)
  expect(await client.fetch('count(*[_type == "article"])')).toBe(1)
})

test("a query thread's read-only store refuses a newer file too, rather than read tables it may not know", async () => {
  const folder = await newerFolder()
  const readers = createSqliteStores(folder.dataDir, {readOnly: true})
  try {
    const read = () => readers.get('test').count()
    expect(read).toThrow(NewerDatasetError)
    expect(read).toThrow(
      `Dataset "test" was written by a newer lake (its file is at schema ${folder.newer}`,
    )
  } finally {
    readers.close()
  }
})
