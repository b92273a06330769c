/**
 * No query can stall the lake (issue 9): queries run on worker threads with a deadline, the HTTP
 * event loop stays free, a client that goes away cancels its query, and parse-time limits refuse
 * oversized input with a 400 before any work.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {pathologicalUrl, timed} from './pathological.ts'

const TIMEOUT_MS = 1500

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({tls: false, serverOptions: {queryTimeoutMs: TIMEOUT_MS}})
  await lake.client().create({_id: 'a1', _type: 'article', title: 'নির্বাচন'})
  // The first query starts the workers; a cold start is not what these tests measure.
  await lake.client().fetch('count(*)')
})

afterAll(async () => {
  await lake?.close()
})

const query = (q: string, init?: RequestInit) =>
  fetch(`${lake.url}/v2025-02-19/data/query/test?query=${encodeURIComponent(q)}`, init)

describe('a query past its deadline', () => {
  test('is stopped with a timeout error at the deadline while /ping keeps answering', async () => {
    const started = performance.now()
    const slow = fetch(pathologicalUrl(lake.url))
    await sleep(200)
    // Pings a tenth of a second apart, each timed on its own, all while the query runs.
    const pings = await Promise.all(
      Array.from({length: 5}, async (_, i) => {
        await sleep(100 * i)
        return (await timed(`${lake.url}/v2025-02-19/ping`)).ms
      }),
    )
    const res = await slow
    const elapsed = performance.now() - started
    expect(res.status).toBe(504)
    const body = await res.json()
    expect(body.error.type).toBe('queryTimeoutError')
    expect(body.error.description).toMatch(/1\.5 s|1500 ms/)
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 5000)
    // Before: every ping waited for the query (seconds). The fastest shows the loop is free.
    expect(Math.min(...pings)).toBeLessThan(100)
  })

  test('leaves the lake answering cheap queries and taking writes meanwhile', async () => {
    const slow = fetch(pathologicalUrl(lake.url))
    await sleep(200)
    const res = await query('*[_id == "a1"][0].title', {
      headers: {authorization: `Bearer ${lake.token}`},
    })
    const body = await res.json()
    expect(body, JSON.stringify(body)).toHaveProperty('result', 'নির্বাচন')
    await lake.client().createOrReplace({_id: 'a2', _type: 'article', title: 'দ্বিতীয়'})
    expect(await lake.client().fetch('*[_id == "a2"][0].title')).toBe('দ্বিতীয়')
    expect((await slow).status).toBe(504)
  })
})

test('a client that disconnects cancels its query: the worker is free again at once', async () => {
  // One worker only: if the cancelled query kept running, the next one would wait behind it.
  const single = await startTestLake({
    tls: false,
    serverOptions: {queryTimeoutMs: 60_000, queryThreads: 1},
  })
  try {
    await single.client().fetch('count(*)')
    const controller = new AbortController()
    const slow = fetch(pathologicalUrl(single.url), {signal: controller.signal}).catch((e) => e)
    await sleep(300)
    controller.abort()
    expect(await slow).toBeInstanceOf(Error)
    const cheap = await timed(
      `${single.url}/v2025-02-19/data/query/test?query=${encodeURIComponent('count(*)')}`,
    )
    expect(cheap.status).toBe(200)
    // The pathological query alone takes several seconds; a terminated one takes none.
    expect(cheap.ms).toBeLessThan(2000)
  } finally {
    await single.close()
  }
})

describe('parse-time limits answer 400 before any work', () => {
  test('a query longer than the limit', async () => {
    const long = `*[_id in [${Array.from({length: 30_000}, (_, i) => `"id-${i}"`).join(',')}]]`
    const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query: long}),
    })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toMatchObject({
      type: 'queryError',
      description: expect.stringMatching(/characters long; the limit is/),
    })
  })

  test('a query nested deeper than the limit', async () => {
    const res = await query(`${'('.repeat(200)}1${')'.repeat(200)}`)
    expect(res.status).toBe(400)
    expect((await res.json()).error.description).toMatch(/nests .* 200 deep/)
  })

  test('parameters larger than the limit', async () => {
    const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query: 'count($big)', params: {big: 'x'.repeat(1_100_000)}}),
    })
    expect(res.status).toBe(400)
    expect((await res.json()).error.description).toMatch(
      /Parameters are larger than .* \(at \$big\)/,
    )
  })

  test('a parameter nested deeper than the limit', async () => {
    let deep: unknown = 1
    for (let i = 0; i < 100; i++) deep = [deep]
    const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query: 'count($deep)', params: {deep}}),
    })
    expect(res.status).toBe(400)
    expect((await res.json()).error.description).toMatch(
      /\$deep nests arrays or objects more than 64 deep/,
    )
  })

  test('queries within the limits still answer', async () => {
    const res = await query(`${'('.repeat(20)}1${')'.repeat(20)}`)
    expect((await res.json()).result).toBe(1)
  })
})

test('a query over the memory cap is stopped with a clear error and the lake answers on', async () => {
  const small = await startTestLake({
    tls: false,
    serverOptions: {queryMemoryMb: 24, queryTimeoutMs: 30_000},
  })
  try {
    await small.client().fetch('count(*)')
    // Each step keeps every character of a 300,000-character string as its own value.
    const res = await fetch(`${small.url}/v2025-02-19/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({
        query: 'count(string::split($s, "")[@ != "x"]{"c": @, "d": [@, @, @]})',
        params: {s: 'কখগ'.repeat(100_000)},
      }),
    })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(400)
    expect(body.error.type).toBe('queryMemoryLimitError')
    expect(body.error.description).toMatch(/more than the 24 MB/)
    expect(await small.client().fetch('count(*)')).toBe(0)
  } finally {
    await small.close()
  }
})
