/**
 * Parameters past LIMITS.query.paramsBytes are a 400 naming the parameter however slow the
 * machine: judged on the event loop from the body's text, before the query waits for a thread
 * whose deadline could fire first (a 504 instead of the 400 at load 25-32). So are parameters
 * that are not JSON, and those whose parse would pass half a query thread's heap. Here the one
 * query thread is held by a long query: the refusal must not wait for it.
 */
import {afterAll, beforeAll, expect, test} from 'vitest'
import {LIMITS} from '../../../lake/core/limits.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {SPLIT_QUERY} from './pathological.ts'

const LIMIT = LIMITS.query.paramsBytes
const TOO_LARGE = new RegExp(`Parameters are larger than ${LIMIT} bytes of JSON \\(at \\$big\\)`)
let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({
    tls: false,
    // One thread, never handing a long query's turn to an overflow thread.
    serverOptions: {queryTimeoutMs: 120_000, queryThreads: 1, queryDemoteAfterMs: Infinity},
  })
  // Starts the thread (count(*) alone is answered in place).
  expect(await lake.client().fetch('count(string::split("ab", ""))')).toBe(2)
}, 180_000)
afterAll(() => lake?.close())

const queryUrl = () => `${lake.url}/v2025-02-19/data/query/test`
const post = (body: unknown, signal?: AbortSignal) =>
  fetch(queryUrl(), {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
    body: JSON.stringify(body),
    signal,
  })

/** A string for `$big` whose name and JSON come to `bytes`, as checkQueryText counts them. */
const sized = (bytes: number) => 'x'.repeat(bytes - 'big'.length - 2)

/** What settles first: `refusal` or the query holding the thread. */
const first = (refusal: Promise<unknown>, holding: Promise<unknown>) =>
  Promise.race([refusal.then(() => 'refusal'), holding.then(() => 'the held thread')])

test('parameters just over the limit are refused at once while the query thread is busy', async () => {
  const controller = new AbortController()
  // About 12 s of CPU on the one thread (pathological.ts); cancelled below.
  const holding = post(
    {query: SPLIT_QUERY, params: {s: 'ক'.repeat(3000)}},
    controller.signal,
  ).catch((err: unknown) => err)
  try {
    const raw = post({query: 'length($big)', params: {big: sized(LIMIT + 1)}})
    expect(await first(raw, holding)).toBe('refusal')
    const res = await raw
    const text = await res.text()
    expect(res.status, text).toBe(400)
    expect(JSON.parse(text).error.description).toMatch(TOO_LARGE)

    // @sanity/client sends a query whose URL would be long as a POST of {query, params}.
    const viaClient = lake
      .client()
      .fetch('length($big)', {big: sized(LIMIT + 1)})
      .catch((err: unknown) => err)
    expect(await first(viaClient, holding)).toBe('refusal')
    const err = (await viaClient) as {statusCode?: number; message?: string}
    expect(err.statusCode).toBe(400)
    expect(err.message).toMatch(TOO_LARGE)

    // Written another way (spaces, escapes, a member before it and one after): counted as
    // parsed, `{"small":[1,2],"big":"x…"}`, 1 byte past the limit.
    const chars = LIMIT + 1 - ('small'.length + '[1,2]'.length) - ('big'.length + 2)
    const big = '\\u0078'.repeat(1000) + 'x'.repeat(chars - 1000)
    const spaced = `{"query": "length($big)", "params": { "small" : [ 1 , 2 ], "big" : "${big}" }, "perspective": "raw"}`
    const escaped = fetch(queryUrl(), {
      method: 'POST',
      headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
      body: spaced,
    })
    expect(await first(escaped, holding)).toBe('refusal')
    const escapedRes = await escaped
    expect(escapedRes.status).toBe(400)
    expect((await escapedRes.json()).error.description).toMatch(TOO_LARGE)
  } finally {
    controller.abort()
    await holding
  }
}, 180_000)

/** Holds the one query thread of `on` with a long query while `refused` runs (cancelled after). */
async function whileHeld(on: TestLake, refused: () => Promise<Response>): Promise<Response> {
  const controller = new AbortController()
  const holding = fetch(`${on.url}/v2025-02-19/data/query/test`, {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: `Bearer ${on.token}`},
    body: JSON.stringify({query: SPLIT_QUERY, params: {s: 'ক'.repeat(3000)}}),
    signal: controller.signal,
  }).catch((err: unknown) => err)
  try {
    const res = refused()
    expect(await first(res, holding)).toBe('refusal')
    return await res
  } finally {
    controller.abort()
    await holding
  }
}

test('parameters that are not JSON are refused at once while the query thread is busy', async () => {
  // Past 32 KiB, so that the route hands their text to the thread unparsed.
  const ids = JSON.stringify(Array.from({length: 4000}, (_, i) => `article-${i}`))
  for (const params of [
    `{"ids":${ids.slice(0, -1)},]}`,
    `{"ids":${ids},'more':1}`,
    `{"ids":${ids},"n":01}`,
    `{"ids":${ids},"s":"\\q"}`,
    `{"ids":${ids},"s":"\\u00"}`,
    `{"ids":${ids}"n":1}`,
  ]) {
    const body = `{"query":"count($ids)","params":${params}}`
    expect(body.length).toBeGreaterThan(LIMITS.query.paramsParsedInPlace)
    expect(() => JSON.parse(body)).toThrow()
    const res = await whileHeld(lake, () =>
      fetch(queryUrl(), {
        method: 'POST',
        headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
        body,
      }),
    )
    const text = await res.text()
    expect(res.status, `${params.slice(-20)}: ${text}`).toBe(400)
    expect(text).toMatch(/not valid JSON/)
  }
  // JSON as JSON.parse reads it (a number of 500 decimals, escapes, spaces) is answered.
  const valid = `{ "ids" : ${ids} , "n" : 1.${'0'.repeat(500)} , "s" : "\\u0995\\n" }`
  const res = await post({query: 'count($ids)', params: JSON.parse(valid)})
  expect(res.status).toBe(200)
  const raw = await fetch(queryUrl(), {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
    body: `{"query":"[count($ids), $s]","params":${valid}}`,
  })
  expect(await raw.json()).toMatchObject({result: [4000, 'ক\n']})
}, 180_000)

test('parameters whose parse would pass half a query thread heap are refused at once while it is busy', async () => {
  const small = await startTestLake({
    tls: false,
    serverOptions: {
      queryTimeoutMs: 120_000,
      queryThreads: 1,
      queryDemoteAfterMs: Infinity,
      queryMemoryMb: 24,
    },
  })
  try {
    expect(await small.client().fetch('count(string::split("ab", ""))')).toBe(2)
    // 210,000 numbers: some 64 bytes each once parsed, past 12 MiB (half of 24 MB).
    const body = `{"query":"count($n)","params":{"n":[${'0,'.repeat(209_999)}0]}}`
    const res = await whileHeld(small, () =>
      fetch(`${small.url}/v2025-02-19/data/query/test`, {
        method: 'POST',
        headers: {'content-type': 'application/json', authorization: `Bearer ${small.token}`},
        body,
      }),
    )
    const answer = await res.json()
    expect(res.status, JSON.stringify(answer)).toBe(400)
    expect(answer.error.type).toBe('queryMemoryLimitError')
  } finally {
    await small.close()
  }
}, 240_000)

test('parameters of just the limit are answered', async () => {
  const res = await post({query: 'length($big)', params: {big: sized(LIMIT)}})
  const text = await res.text()
  expect(res.status, text.slice(0, 500)).toBe(200)
  expect(JSON.parse(text).result).toBe(sized(LIMIT).length)
  // Written with escapes that parse to the same text: the same size, so answered too.
  const written = '\\u0078'.repeat(1000) + sized(LIMIT).slice(1000)
  const escaped = `{"query":"length($big)","params":{"big":"${written}"}}`
  const again = await fetch(queryUrl(), {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
    body: escaped,
  })
  expect(again.status).toBe(200)
  expect((await again.json()).result).toBe(sized(LIMIT).length)
}, 180_000)

test('in a GET, parameters that large pass the URL limit first: a 4xx, never a 5xx', async () => {
  const search = new URLSearchParams({
    query: 'length($big)',
    $big: JSON.stringify(sized(LIMIT + 1)),
  })
  const res = await fetch(`${queryUrl()}?${search}`, {
    headers: {authorization: `Bearer ${lake.token}`},
  })
  await res.arrayBuffer()
  expect(res.status).toBe(431)
}, 180_000)
