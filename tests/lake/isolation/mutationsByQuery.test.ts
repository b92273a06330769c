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

test("all of a request's matching shares one query deadline", async () => {
  await lake.client().createOrReplace({_id: 'b1', _type: 'article'})
  const started = performance.now()
  const res = await mutate(
    Array.from({length: 12}, (_, i) => ({
      patch: {query: `*[_id == "b1" && ${SLOW}]`, params: {s}, set: {n: i}},
    })),
  )
  const ms = performance.now() - started
  // Each query takes seconds: twelve would run far past the 8 s deadline if each had its own.
  expect(ms).toBeLessThan(8000 + 2000)
  expect(res.status).toBeGreaterThanOrEqual(400)
  expect(await res.json()).toMatchObject({error: {type: 'queryTimeoutError'}})
  expect(await lake.client().getDocument('b1')).not.toHaveProperty('n')
}, 60_000)

test('a token revoked while its mutation queries run writes nothing', async () => {
  await lake.client().createOrReplace({_id: 'c1', _type: 'article'})
  const auth = lake.server.lake.auth!.store
  const {token} = await auth.createToken({label: 'editor', role: 'editor'})
  const pending = fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
    body: JSON.stringify({
      mutations: [
        {patch: {query: `*[_id == "c1" && ${SLOW}]`, params: {s}, set: {x: 1}}},
        {createOrReplace: {_id: 'c2', _type: 'article', by: 'revoked token'}},
      ],
    }),
  })
  await sleep(300)
  expect(auth.revokeToken(token)).toBe(true)
  const res = await pending
  expect(res.status).toBe(401)
  expect(await lake.client().getDocument('c2')).toBeUndefined()
  expect(await lake.client().getDocument('c1')).not.toHaveProperty('x')
}, 60_000)

test('a malformed mutation after queries is a 400 before any query runs', async () => {
  await lake.client().createOrReplace({_id: 'd1', _type: 'article'})
  // How long one of the queries takes, measured here.
  let started = performance.now()
  await lake.client().fetch(`count(*[_id == "d1" && ${SLOW}])`, {s})
  const oneQuery = performance.now() - started
  started = performance.now()
  const res = await mutate([
    {patch: {query: `*[_id == "d1" && ${SLOW}]`, params: {s}, set: {x: 1}}},
    {patch: {id: 'd1', sett: {x: 2}}},
  ])
  const ms = performance.now() - started
  expect(res.status).toBe(400)
  expect(await res.json()).toMatchObject({
    error: {items: [{error: {description: expect.stringContaining('"sett"')}, index: 1}]},
  })
  expect(ms).toBeLessThan(oneQuery / 2)
}, 60_000)
