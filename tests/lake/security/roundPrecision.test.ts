/**
 * `round(number, precision)` with a precision past 100: groq-js hands it to `Number#toFixed`, which
 * throws a RangeError for more than 100 digits. Before: a 500 from every route that evaluates a
 * query (a query on a worker or in place, a patch or delete by query), and a listener's
 * channelError quoting JavaScript ("toFixed() digits argument ..."). The caller's query is what
 * is wrong, so it is a 400 that names round() and what to send, and nothing is written.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TO_FIXED_DIGITS} from '../../../lake/core/query.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

const API = '/v2025-02-19'
let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  await lake
    .client()
    .createOrReplace({_id: 'a', _type: 'article', title: 'শিরোনাম', n: 1.5, p: 101})
})
afterAll(async () => {
  await lake?.close()
})

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${lake.url}${API}${path}`, {
    method: 'POST',
    headers: {authorization: `Bearer ${lake.token}`, 'content-type': 'application/json'},
    body: JSON.stringify(body),
  })
}

const ADVICE = /round\(\).*precision.*0 to 100/

describe('round() with a precision past 100', () => {
  it.each([
    ['a constant (on a query thread)', {query: 'round(1.5, 101)'}],
    ['a parameter', {query: 'round(1.5, $p)', params: {p: 400}}],
    ['a document read in place (by its id)', {query: '*[_id == "a"]{"r": round(n, 1e9)}'}],
    ['in a filter', {query: '*[_type == "article" && round(n, 200) == 1.5]'}],
    // Known only as it is evaluated: no check before groq-js's can see it.
    ["a document's value", {query: '*[_id == "a"]{"r": round(n, p)}'}],
  ])('in %s is a 400 naming round()', async (_, body) => {
    const res = await post('/data/query/test', body)
    const answer = await res.json()
    expect(res.status, JSON.stringify(answer)).toBe(400)
    expect(answer.error.type).toBe('queryError')
    expect(answer.error.description).toMatch(ADVICE)
  })

  it('in a patch by query is a 400, nothing written', async () => {
    const res = await post('/data/mutate/test', {
      mutations: [{patch: {query: '*[_id == "a" && round(n, 101) == 1.5]', set: {title: 'x'}}}],
    })
    const answer = await res.json()
    expect(res.status, JSON.stringify(answer)).toBe(400)
    expect(JSON.stringify(answer)).toMatch(ADVICE)
    expect((await lake.client().getDocument('a'))?.title).toBe('শিরোনাম')
  })

  it("in a listener's filter is its channelError, worded as the query endpoint's", async () => {
    const url = `${lake.url}${API}/data/listen/test?query=${encodeURIComponent('*[round(1.5, 101) == 1]')}`
    const res = await fetch(url, {headers: {authorization: `Bearer ${lake.token}`}})
    // The stream may stay open after its error: read up to it.
    let text = ''
    const decoder = new TextDecoder()
    const reader = res.body!.getReader()
    while (!/event: channelError\n.*\n\n/.test(text)) {
      const {value, done} = await reader.read()
      if (done) break
      text += decoder.decode(value, {stream: true})
    }
    await reader.cancel()
    expect(text).toMatch(/event: channelError/)
    expect(text).toMatch(ADVICE)
  })

  // The lake knows this error by V8's text (query.ts TO_FIXED_DIGITS): a Node whose V8 words it
  // otherwise fails here, by name, before the cases above turn into 500s.
  it("V8's toFixed() past 100 digits still throws the RangeError the lake matches", () => {
    let thrown: unknown
    try {
      ;(1.5).toFixed(101)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(RangeError)
    expect((thrown as RangeError).message).toMatch(TO_FIXED_DIGITS)
  })

  it('up to 100 still rounds', async () => {
    const res = await post('/data/query/test', {query: '[round(1.25, 1), round(1.5, 100)]'})
    expect((await res.json()).result).toEqual([1.3, 1.5])
  })
})
