/**
 * Which query texts the event loop parses. Past 1,000 terms a text goes to a query worker, but a
 * string literal is one term however long: an anonymous caller's 100,000 `\n` escapes were parsed
 * on the event loop (86 ms warm on a quiet machine, about a second cold at load) on every request,
 * the text too long for the parse cache. Past a length too, a text is parsed on a worker only.
 * Where a text was parsed is read off the `lake:groq:parse` diagnostics channel (lake/query/
 * parsing.ts), which a subscriber hears from its own thread only: this test's is the lake's event
 * loop.
 */
import {subscribe, unsubscribe} from 'node:diagnostics_channel'
import {connect} from 'node:http2'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {checkQueryText, LIMITS, parsesInPlace} from '../../../lake/core/limits.ts'
import type {ParseMessage} from '../../../lake/query/parsing.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const ANONYMOUS = {kind: 'anonymous'} as const
const escapes = (n: number) => `{"n": count(*[_id == "a1"]), "s": "${'\\n'.repeat(n)}"}`
/** Past LIMITS.query.lengthParsedInPlace (16 KiB) by far, but only a few terms. */
const LONG = 15_000

it('a text of few terms but past the in-place length is not parsed on the event loop', () => {
  const long = escapes(100_000)
  const size = checkQueryText(long, {}, ANONYMOUS)
  expect(size.terms).toBeLessThan(LIMITS.query.termsParsedInPlace)
  expect(parsesInPlace(long, size)).toBe(false)
  const short = escapes(100)
  expect(parsesInPlace(short, checkQueryText(short, {}, ANONYMOUS))).toBe(true)
  // At the bound, either side.
  const text = (length: number) => `"${'a'.repeat(length - 2)}"`
  const one = {terms: 1, paramsBytes: 0}
  expect(parsesInPlace(text(LIMITS.query.lengthParsedInPlace), one)).toBe(true)
  expect(parsesInPlace(text(LIMITS.query.lengthParsedInPlace + 1), one)).toBe(false)
  const many = {terms: LIMITS.query.termsParsedInPlace + 1, paramsBytes: 0}
  expect(parsesInPlace('1', many)).toBe(false)
})

/** 20,000 numbers: about 110 kB of JSON, past what any query run in place may inline. */
const NUMBERS = {a: Array.from({length: 20_000}, (_, i) => i)}

it('a short text with large parameters is not parsed on the event loop', () => {
  // In place, the parse cache's key is their JSON and the in-place check reads them: 30-300 ms of
  // the event loop for 0.2-1 MB at load 20, though no query inlining them could run in place.
  const query = 'math::sum($a)'
  expect(parsesInPlace(query, checkQueryText(query, NUMBERS, ANONYMOUS))).toBe(false)
  expect(parsesInPlace(query, checkQueryText(query, {a: [1, 2, 3]}, ANONYMOUS))).toBe(true)
  // At the bound, either side.
  const bytes = (paramsBytes: number) => ({terms: 3, paramsBytes})
  expect(parsesInPlace(query, bytes(LIMITS.query.paramsParsedInPlace))).toBe(true)
  expect(parsesInPlace(query, bytes(LIMITS.query.paramsParsedInPlace + 1))).toBe(false)
})

let lake: TestLake
/** Every text the lake's event loop parsed since the file began. */
const parsed: string[] = []
const heard = (message: unknown) => parsed.push((message as ParseMessage).query)
/** A text no earlier request sent, so no parse cache holds it. */
let unique = 0
const fresh = () => `fresh-${process.pid}-${++unique}`

beforeAll(async () => {
  subscribe('lake:groq:parse', heard)
  lake = await startTestLake()
  lake.server.lake.context.visibility.set('test', 'public')
  await lake.client().create({_id: 'a1', _type: 'article', title: 'নির্বাচন'})
})
afterAll(async () => {
  unsubscribe('lake:groq:parse', heard)
  await lake?.close()
})

async function postQuery(query: string) {
  const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({query}),
  })
  const body = (await res.json()) as {result: unknown}
  expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200)
  return body.result
}

/**
 * GET `path` over HTTP/2 (whose header list lets a URL past HTTP/1.1's 16 KiB through),
 * anonymously: `until(done)` resolves with the text received once `done` holds for it.
 */
function http2Get(path: string) {
  const session = connect(lake.url)
  session.on('error', () => {})
  const request = session.request({':path': path})
  request.setEncoding('utf8')
  let text = ''
  let ended = false
  const waiting = new Set<() => void>()
  const heardMore = () => waiting.forEach((check) => check())
  request.on('data', (chunk: string) => {
    text += chunk
    heardMore()
  })
  request.on('close', () => {
    ended = true
    heardMore()
  })
  return {
    until: (done: (text: string) => boolean) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (done(text)) resolve(text)
          else if (ended) reject(new Error(`ended: ${text.slice(0, 500)}`))
          else return
          waiting.delete(check)
        }
        waiting.add(check)
        check()
      }),
    close: () => session.destroy(),
  }
}

it('data/query: a text past 16 KiB is answered on a worker as it was in place, anonymously', async () => {
  const short = `{"n": count(*[_id == "a1"]), "s": "${fresh()}"}`
  expect(await postQuery(short)).toEqual({n: 1, s: short.slice(35, -2)})
  expect(parsed).toContain(short)
  for (const n of [100, 100_000]) {
    expect(await postQuery(escapes(n))).toEqual({n: 1, s: '\n'.repeat(n)})
  }
  expect(parsed).not.toContain(escapes(100_000))
  // GET over HTTP/2 alike.
  const long = `{"n": count(*[_id == "a1"]), "s": "${fresh()}${'\\n'.repeat(LONG)}"}`
  const query = new URLSearchParams({query: long})
  const get = http2Get(`/v2025-02-19/data/query/test?${query}`)
  const text = await get.until((t) => t.endsWith('}'))
  get.close()
  expect((JSON.parse(text) as {result: {n: number}}).result.n).toBe(1)
  expect(parsed).not.toContain(long)
})

it('a listener filter past 16 KiB or with large parameters is parsed on a worker, matched on the event loop when bounded and free of functions', async () => {
  const filter = (tail: string) => `*[_type == "article" && title != "${fresh()}${tail}"]{title}`
  /** Resolves with the filter tasks the query threads were sent for its one event. */
  const listen = async (query: string, id: string, params: Record<string, string> = {}) => {
    const path = `/v2025-02-19/data/listen/test?${new URLSearchParams({query, ...params})}`
    const listener = http2Get(path)
    try {
      // Written once the listener is there: it hears what comes after its welcome.
      expect(await listener.until((t) => t.includes('event: welcome'))).toMatch(/^event: welcome/)
      const before = lake.server.lake.filterTasks()
      await lake.client().create({_id: id, _type: 'article', title: 'ভোট'})
      await listener.until((t) => t.includes(`"documentId":"${id}"`))
      return lake.server.lake.filterTasks() - before
    } finally {
      listener.close()
    }
  }
  const short = filter('')
  expect(await listen(short, 'short1')).toBe(0)
  expect(parsed).toContain(short)
  // A long one of bounded cost: its node comes back from the thread, its events matched here.
  const long = filter('\\n'.repeat(LONG))
  expect(long.length).toBeGreaterThan(LIMITS.query.lengthParsedInPlace)
  expect(await listen(long, 'long1')).toBe(0)
  expect(parsed).not.toContain(long)
  // Function calls cross alike (groq-js's nodes are plain data): defined() is bounded, here.
  const called = filter(`" && defined(title) && title != "${'\\n'.repeat(LONG)}`)
  expect(await listen(called, 'called1')).toBe(0)
  expect(parsed).not.toContain(called)
  // One of unbounded cost (lower()) is matched on a thread, each event.
  const unbounded = filter(`" && lower(title) != "${'\\n'.repeat(LONG)}`)
  expect(await listen(unbounded, 'unbounded1')).toBeGreaterThan(0)
  expect(parsed).not.toContain(unbounded)
  // Past 1,000 terms alike, however short.
  const ids = Array.from({length: 1_100}, (_, i) => `"x${i}"`).join(',')
  const many = `*[_type == "article" && !(_id in [${ids}]) && title != "${fresh()}"]`
  expect(many.length).toBeLessThan(LIMITS.query.lengthParsedInPlace)
  await listen(many, 'many1')
  expect(parsed).not.toContain(many)
  // With parameters past 32 KiB alike (36,391 bytes of JSON; 51 kB of URL, over HTTP/2).
  const numbers = JSON.stringify(Array.from({length: 7_500}, (_, i) => i))
  expect(numbers.length).toBeGreaterThan(LIMITS.query.paramsParsedInPlace)
  const withLarge = `*[_type == "article" && !(n in $n) && title != "${fresh()}"]`
  await listen(withLarge, 'large1', {$n: numbers})
  expect(parsed).not.toContain(withLarge)
})

it("mutations' queries past 16 KiB are matched on a worker", async () => {
  const client = lake.client()
  await client.create({_id: 'm1', _type: 'gone', title: 'ক'})
  await client.create({_id: 'm2', _type: 'kept', title: 'খ'})
  const query = (type: string) => `*[_type == "${type}" && title != "${'\\n'.repeat(LONG)}"]`
  const res = await fetch(`${lake.url}/v2025-02-19/data/mutate/test?returnIds=true`, {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
    body: JSON.stringify({
      mutations: [
        {patch: {query: query('kept'), set: {seen: true}}},
        {delete: {query: query('gone')}},
      ],
    }),
  })
  expect(res.status, await res.clone().text()).toBe(200)
  expect(await client.getDocument('m1')).toBeUndefined()
  expect(await client.getDocument('m2')).toMatchObject({seen: true})
  expect(parsed).not.toContain(query('kept'))
  expect(parsed).not.toContain(query('gone'))
})

it('data/query: a text with large parameters is answered on a worker as it was in place, anonymously', async () => {
  const answer = async (params: Record<string, unknown>) => {
    const query = `{"n": count(*[_id == "a1"]), "sum": math::sum($a), "s": "${fresh()}"}`
    const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({query, params}),
    })
    const body = (await res.json()) as {result: {n: number; sum: number}}
    expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200)
    return {query, result: body.result}
  }
  const small = await answer({a: [1, 2, 3]})
  expect(small.result).toMatchObject({n: 1, sum: 6})
  expect(parsed).toContain(small.query)
  const large = await answer(NUMBERS)
  expect(large.result).toMatchObject({n: 1, sum: (20_000 * 19_999) / 2})
  expect(parsed).not.toContain(large.query)
})
