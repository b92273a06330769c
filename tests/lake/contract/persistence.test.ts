/**
 * Every acknowledged write survives a stop and start of the server on the same data folder
 * (local lake only: a hosted project cannot be restarted).
 */
import {afterAll, expect, test} from 'vitest'
import {rm} from 'node:fs/promises'
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
