// A bulk load's batch over HTTP (1,000 small articles, 1.6 MB as UTF-8, as the bench's 1.9 MB) is read and built on the event loop,
// in slices: a write thread for it costs more CPU than the build and keeps its heap resident
// (docs/query-engine.md#writes-off-the-event-loop). Its rows go to the commit thread as it is
// built (the dataset's first open started it already: commitStream.test.ts checks the steps).
// The lake's threads say which ran it (writeThreadsOf: write threads name themselves).
import {expect, test} from 'vitest'
import {API, useChildLake, writeThreadsOf} from './childLake.ts'

const lake = useChildLake('bulk')

const writeThreads = () => writeThreadsOf(lake.pid)

const mutate = (body: unknown) =>
  fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: lake.headers(),
    body: JSON.stringify(body),
  })

test("a bulk load's batch starts no write thread; a large document does", async () => {
  // Write threads alone are counted: the store's threads (analyzer, checkpointer, commit thread)
  // start with work and end 2 s idle, so a count of every worker thread changed with the load
  // (a pause before the first count made it 3 against 1). A first query and write as a client's.
  await fetch(`${lake.url}/${API}/data/query/test?query=count(*)`, {
    headers: {authorization: `Bearer ${lake.token}`},
  })
  expect((await mutate({mutations: [{create: {_id: 'source-1', _type: 'source'}}]})).status).toBe(
    200,
  )
  const before = await writeThreads()

  const mutations = Array.from({length: 1000}, (_, i) => ({
    createOrReplace: {
      _id: `article-${i}`,
      _type: 'article',
      title: `শিরোনাম ${i}`,
      body: 'খবর '.repeat(150),
    },
  }))
  expect(Buffer.byteLength(JSON.stringify({mutations}))).toBeGreaterThan(1024 * 1024)
  const batch = await mutate({mutations})
  expect(batch.status).toBe(200)
  expect(((await batch.json()) as {results: unknown[]}).results).toHaveLength(1000)
  expect(await writeThreads()).toBe(before)

  // The check can fail: a 3 MB document's body is read on a write thread, which starts for it
  // (and stays 10 s idle, pool.ts' LANE_IDLE_MS).
  const large = await mutate({
    mutations: [{createOrReplace: {_id: 'large', _type: 'article', body: 'খ'.repeat(1_000_000)}}],
  })
  expect(large.status).toBe(200)
  expect(await writeThreads()).toBeGreaterThan(before)
}, 120_000)
