/**
 * Every acknowledged write survives a stop and start of the server on the same data folder
 * (local lake only: a hosted project cannot be restarted).
 */
import {afterAll, expect, test, vi} from 'vitest'
import {copyFile, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {DatabaseSync} from 'node:sqlite'
import {join} from 'node:path'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
afterAll(async () => {
  await lake?.close()
})

test('acknowledged writes, transaction log and revisions survive a restart', async () => {
  lake = await startTestLake()
  const dataDir = lake.dataDir
  let client = lake.client()
  const acknowledged: string[] = []
  // Many small concurrent transactions, like an import or several editors at once.
  await Promise.all(
    Array.from({length: 60}, async (_, n) => {
      const id = `persist-${n}`
      await client.create({_id: id, _type: 'article', n})
      acknowledged.push(id)
    }),
  )
  const patched = await client.patch('persist-0').set({title: 'শেষ'}).commit()
  await client.request({
    method: 'POST',
    uri: '/data/actions/test',
    body: {
      actions: [
        {
          actionType: 'sanity.action.document.edit',
          draftId: 'drafts.persist-1',
          publishedId: 'persist-1',
          patch: {set: {title: 'draft'}},
        },
      ],
      transactionId: 'persist-edit-tx',
    },
  })
  const before = await client.fetch('*', {}, {perspective: 'raw'})
  await lake.close({keepData: true})

  lake = await startTestLake({dataDir})
  client = lake.client()
  const after = await client.fetch('*', {}, {perspective: 'raw'})
  expect(after).toEqual(before)
  expect(after.map((doc: {_id: string}) => doc._id)).toEqual(
    expect.arrayContaining([...acknowledged, 'drafts.persist-1']),
  )
  expect((await client.getDocument('persist-0'))?._rev).toBe(patched._rev)
  expect((await client.getDocument('drafts.persist-1'))?._rev).toBe('persist-edit-tx')
  const history = await fetch(`${lake.url}/v2025-02-19/data/history/test/transactions/persist-0`, {
    headers: {authorization: `Bearer ${lake.token}`},
  })
  expect((await history.text()).trim().split('\n')).toHaveLength(2)
  // A transaction id stays used across restarts.
  const reuse = await client
    .transaction()
    .create({_id: 'persist-new', _type: 'a'})
    .transactionId('persist-edit-tx')
    .commit()
    .catch((err: {statusCode: number}) => err.statusCode)
  expect(reuse).toBe(409)
  await rm(dataDir, {recursive: true, force: true}).catch(() => undefined)
})

test('a stopped lake leaves every write in the dataset file itself, the WAL folded in', async () => {
  // Copying datasets/*.sqlite after a stop (a backup, a migration fixture) must take every write:
  // a connection still open at the store's close (the analyzer's, a query thread's) kept SQLite
  // from folding the WAL into the file.
  lake = await startTestLake()
  const {dataDir} = lake
  const client = lake.client()
  const transaction = client.transaction()
  for (let n = 0; n < 300; n++) {
    transaction.createOrReplace({_id: `wal-${n}`, _type: 'article', n, title: `নির্বাচন ${n}`})
  }
  await transaction.commit()
  // A scan runs on a query thread (its own read-only connection); the search waits for the
  // analyzer (another).
  expect(await client.fetch('count(*[n % 7 == 3 && string(n) match "1*"])')).toBeGreaterThan(0)
  await waitFor(async () => (await client.fetch('count(*[title match "নির্বাচন"])')) === 300)
  // The last write stops with the lake, before any idle checkpoint.
  await client.createOrReplace({_id: 'wal-300', _type: 'article', n: 300, title: 'শেষ'})
  await lake.close({keepData: true})
  const copy = await mkdtemp(join(tmpdir(), 'lake-copy-'))
  try {
    await copyFile(join(dataDir, 'datasets', 'test.sqlite'), join(copy, 'test.sqlite'))
    const db = new DatabaseSync(join(copy, 'test.sqlite'), {readOnly: true})
    const row = db.prepare("SELECT count(*) AS n FROM documents WHERE id LIKE 'wal-%'").get()
    db.close()
    expect(row?.n).toBe(301)
  } finally {
    await rm(dataDir, {recursive: true, force: true})
    await rm(copy, {recursive: true, force: true})
  }
})

test('a lake stopped while documents wait for the full-text index logs no index failure', async () => {
  // The analyzer's thread closes before the stores; the store's next index step was then refused
  // and logged "filling the full-text index … failed" on every stop after a bulk import.
  const stopped = await startTestLake({tls: false})
  const errors: string[] = []
  const spy = vi.spyOn(console, 'error').mockImplementation((...args) => {
    errors.push(args.map(String).join(' '))
  })
  try {
    const transaction = stopped.client().transaction()
    for (let n = 0; n < 600; n++) {
      transaction.create({_id: `queued-${n}`, _type: 'article', title: `বৈঠক ${n}`})
    }
    await transaction.commit()
    await stopped.close()
  } finally {
    spy.mockRestore()
  }
  expect(errors.filter((line) => line.includes('full-text index'))).toEqual([])
})

async function waitFor(done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('waited 20 s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
