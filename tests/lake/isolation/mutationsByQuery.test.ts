/**
 * Mutations by query are matched on a worker before their transaction
 * (docs/query-engine.md#mutations-by-query): what changes in between must not defeat the query.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, expect, test} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
const API = 'v2025-02-19'
// Some seconds on a worker for a 600-character $s: the write 300 ms in lands while it runs.
const SLOW = 'count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0]) > 0'
const s = 'x'.repeat(600)

beforeAll(async () => {
  lake = await startTestLake({tls: false, serverOptions: {queryTimeoutMs: 8000}})
  // Loads a query worker: the timings below are not spent on a cold start.
  await lake.client().fetch('count(string::split("ab", ""))')
})
afterAll(async () => {
  await lake?.close()
})

const mutate = (mutations: unknown[]) =>
  fetch(`${lake.url}/${API}/data/mutate/test?returnIds=true`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify({mutations}),
  })

test('a delete by query does not remove a document changed so that it no longer matches', async () => {
  await lake.client().createOrReplace({_id: 'a1', _type: 'article', locked: false})
  const pending = mutate([
    {delete: {query: `*[_id == "a1" && locked != true && ${SLOW}]`, params: {s}}},
  ]).then(async (res) => ({status: res.status, body: await res.json()}))
  await sleep(300)
  // Locked while the delete's query runs: this commit does not wait for it.
  await lake.client().patch('a1').set({locked: true}).commit()
  const out = await pending
  expect(await lake.client().getDocument('a1')).toMatchObject({locked: true})
  // Matched again: nothing matches now, so nothing is deleted and nothing is reported.
  expect(out).toMatchObject({status: 200, body: {results: []}})
}, 60_000)

test('a patch by query applies to a document changed meanwhile only if it still matches', async () => {
  await lake.client().createOrReplace({_id: 'a2', _type: 'article', n: 1})
  const pending = mutate([
    {patch: {query: `*[_id == "a2" && ${SLOW}]`, params: {s}, inc: {n: 10}}},
  ]).then(async (res) => ({status: res.status, body: await res.json()}))
  await sleep(300)
  await lake.client().patch('a2').set({n: 2}).commit()
  const out = await pending
  // Still a match when matched again: patched from the changed revision, nothing lost.
  expect(out).toMatchObject({status: 200, body: {results: [{id: 'a2', operation: 'update'}]}})
  expect(await lake.client().getDocument('a2')).toMatchObject({n: 12})
}, 60_000)
