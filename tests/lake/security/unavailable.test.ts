/**
 * A lake that is closing (SIGTERM, Ctrl-C) answers what it cannot run any more with a typed 503
 * that says when to try again (`Retry-After`), as a busy database's 503 does; what it had started
 * is answered, nothing is a 500. Before, these 503s carried no Retry-After (found by the soak's
 * rule: no 5xx but typed 503s with Retry-After).
 */
import {rm} from 'node:fs/promises'
import {afterAll, expect, test} from 'vitest'
import {createTestLake, startTestLake, type InProcessLake} from '../../helpers/lake.ts'

let lake: InProcessLake | undefined

afterAll(async () => {
  if (lake) await rm(lake.dataDir, {recursive: true, force: true})
})

test('requests met by a closing lake are 200s or 503s with Retry-After, never a 500', async () => {
  lake = await createTestLake()
  const {fetch, token} = lake
  const headers = {authorization: `Bearer ${token}`, 'content-type': 'application/json'}
  const data = `${lake.url}/v2025-02-19/data`
  const patch = () =>
    fetch(`${data}/mutate/test`, {
      method: 'POST',
      headers,
      body: JSON.stringify({mutations: [{patch: {id: 'a', inc: {n: 1}}}]}),
    })
  // Not answered from an index: it goes to a query thread, which closing stops.
  const query = () =>
    fetch(`${data}/query/test?query=${encodeURIComponent('*[n >= 0]{n, "c": count(*)}')}`, {
      headers,
    })
  await fetch(`${data}/mutate/test`, {
    method: 'POST',
    headers,
    body: JSON.stringify({mutations: [{create: {_id: 'a', _type: 'x', n: 0}}]}),
  })
  const answers: Promise<Response>[] = []
  for (let i = 0; i < 20; i++) answers.push(patch(), query())
  const closing = lake.lake.close()
  for (let i = 0; i < 10; i++) answers.push(patch(), query())
  const responses = await Promise.all(answers)
  await closing
  const statuses = responses.map((res) => res.status)
  expect(
    statuses.every((status) => status === 200 || status === 503),
    String(statuses),
  ).toBe(true)
  const refused = responses.filter((res) => res.status === 503)
  expect(refused.length).toBeGreaterThan(0)
  for (const res of refused) {
    expect(res.headers.get('retry-after') ?? '').toMatch(/^[1-9]\d*$/)
    expect(await res.json()).toMatchObject({message: 'The lake is shutting down'})
  }
})

test('a request that reaches a lake once it is closing is a 503 with Retry-After, not a 500', async () => {
  const closing = await createTestLake()
  const headers = {authorization: `Bearer ${closing.token}`}
  const url = `${closing.url}/v2025-02-19/data/query/test?query=${encodeURIComponent('*[0]')}`
  expect((await closing.fetch(url, {headers})).status).toBe(200)
  const closed = closing.lake.close()
  // One while it closes, one after: the HTTP server may still hand it a request meanwhile (a
  // connection's next request before its socket is destroyed).
  const during = await closing.fetch(url, {headers})
  await closed
  const after = await closing.fetch(url, {headers})
  await rm(closing.dataDir, {recursive: true, force: true})
  for (const res of [during, after]) {
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after') ?? '').toMatch(/^[1-9]\d*$/)
    expect(await res.json()).toMatchObject({message: 'The lake is shutting down'})
  }
})

test('a server that stops answers the writes it finishes before their connections go', async () => {
  const served = await startTestLake({tls: false})
  const headers = {authorization: `Bearer ${served.token}`, 'content-type': 'application/json'}
  const body = 'লেখা '.repeat(60_000)
  const writes = Array.from({length: 50}, (_, i) =>
    fetch(`${served.url}/v2025-02-19/data/mutate/test`, {
      method: 'POST',
      headers,
      body: JSON.stringify({mutations: [{create: {_id: `stop-${i}`, _type: 'x', body}}]}),
    }).then(
      (res) => res.status,
      () => 'no answer',
    ),
  )
  // Stops once the first is answered, while the rest are queued behind it.
  await Promise.race(writes)
  await served.close({keepData: true})
  const statuses = await Promise.all(writes)
  const after = await startTestLake({tls: false, dataDir: served.dataDir})
  try {
    const stored: string[] = await after
      .client()
      .fetch('*[_id in $ids]._id', {ids: writes.map((_, i) => `stop-${i}`)})
    // Each write that was applied was answered 200. The others were refused with a 503, or were
    // still being read when the connections went (never applied, never answered).
    const answered = statuses.flatMap((status, i) => (status === 200 ? [`stop-${i}`] : []))
    expect(stored.sort(), String(statuses)).toEqual(answered.sort())
    expect(statuses.filter((s) => s !== 200 && s !== 503 && s !== 'no answer')).toEqual([])
  } finally {
    await after.close()
  }
})
