/**
 * A committed transaction is answered as committed. `returnDocuments` of a large document the
 * transaction did not change reads it on a read thread after the commit; when that read cannot
 * run (here the lake begins to stop as the transaction commits, as at SIGTERM: the stop lets
 * pending writes finish, then answers them), the answer must still be the commit's 200. An error
 * would make a client send the transaction again, and its creates would be 409s.
 */
import {randomBytes} from 'node:crypto'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {createTestLake, type InProcessLake} from '../../helpers/lake.ts'

const MIB = 1024 * 1024

let lake: InProcessLake
const blob = randomBytes((3 * MIB) / 2).toString('base64')

beforeAll(async () => {
  lake = await createTestLake()
  await lake.client().createOrReplace({_id: 'big', _type: 'big', blob})
})

afterAll(() => lake?.close())

it('answers 200 with the documents when the lake stops as the transaction commits', async () => {
  lake.lake.bus.subscribeAll((tx) => {
    if (tx.changes.some((change) => change.id === 'fresh')) void lake.lake.close()
  })
  const mutations = [
    {create: {_id: 'fresh', _type: 'small'}},
    {createIfNotExists: {_id: 'big', _type: 'big'}},
  ]
  const res = await lake.fetch(`${lake.url}/v2025-02-19/data/mutate/test?returnDocuments=true`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })
  const answer = await res.json()
  expect({status: res.status, ids: answer.results?.map((r: {id: string}) => r.id)}).toEqual({
    status: 200,
    ids: ['fresh', 'big'],
  })
  expect(answer.results[0].document).toMatchObject({_id: 'fresh', _type: 'small'})
  expect(answer.results[1].document.blob).toBe(blob)
  // It was committed: the folder opened again has it.
  await lake.close({keepData: true})
  lake = await createTestLake({dataDir: lake.dataDir})
  expect(await lake.client().getDocument('fresh')).toMatchObject({_id: 'fresh'})
})
