/**
 * How often the lake's event loop serialises a request's parameters. Past 32 KiB they are parsed
 * on a query thread, but their JSON was made on the event loop once to count their bytes and again
 * for the live query's key: 760 KB of parameters cost it ~25 ms and ~22 ms a request. Made once
 * now, and that text reused. Counted by the JSON.stringify calls whose text holds a marker only
 * the parameters carry: this process's, which is the lake's event loop (a query thread has its
 * own JSON).
 */
import {afterAll, afterEach, beforeAll, expect, it} from 'vitest'
import {checkQueryText} from '../../../lake/core/limits.ts'
import {requestKey} from '../../../lake/core/query.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'

let lake: TestLake
const MARKER = `params-marker-${process.pid}`
/** About 60 kB of JSON, past the 32 KiB of parameters parsed in place. */
const params = {
  ids: Array.from({length: 3_000}, (_, i) => `${MARKER}-${i}`),
  title: 'নির্বাচন',
}

const original = JSON.stringify
let passes = 0
function counting() {
  passes = 0
  JSON.stringify = function (...args: Parameters<typeof original>) {
    const text = original.apply(JSON, args)
    if (typeof text === 'string' && text.includes(MARKER)) passes++
    return text
  } as typeof original
}

beforeAll(async () => {
  lake = await startTestLake()
  await lake.client().create({_id: 'a1', _type: 'article', title: 'নির্বাচন'})
})
afterEach(() => {
  JSON.stringify = original
})
afterAll(async () => {
  await lake?.close()
})

it("a query's large parameters are serialised once on the event loop, the sync tag unchanged", async () => {
  const query = `*[_id in $ids || title == $title]{_id}`
  // Made before counting: the client's serialisation is not the lake's.
  const body = JSON.stringify({query, params})
  const ask = async () => {
    const res = await fetch(`${lake.url}/v2025-02-19/data/query/test`, {
      method: 'POST',
      headers: {'content-type': 'application/json', authorization: `Bearer ${lake.token}`},
      body,
    })
    const text = await res.text()
    expect(res.status, text.slice(0, 300)).toBe(200)
    return JSON.parse(text) as {result: unknown; syncTags: string[]}
  }
  counting()
  const first = await ask()
  JSON.stringify = original
  expect(first.result).toEqual([{_id: 'a1'}])
  expect(passes).toBe(1)
  // The same question keeps its tag (the live key is the same text).
  const again = await ask()
  expect(again.syncTags).toEqual(first.syncTags)
})

it("the parameters' JSON made while counting their bytes, and the keys made of it, are JSON.stringify's", () => {
  const cases: Record<string, unknown>[] = [
    {},
    params,
    {'নাম "quoted"\n': [1, -2.5, null, true, {a: {b: ['\u2028', '\ud800']}}], empty: ''},
    {gone: undefined, kept: 1, also: undefined},
    {gone: undefined},
  ]
  for (const value of cases) {
    const {paramsJson} = checkQueryText('*', value)
    expect(paramsJson).toBe(JSON.stringify(value))
    const rest = [{kind: 'published'}, undefined, 'editor:u1']
    expect(requestKey('*[_id == "a"]', paramsJson, rest)).toBe(
      JSON.stringify(['*[_id == "a"]', value, ...rest]),
    )
    expect(requestKey('q', paramsJson, [])).toBe(JSON.stringify(['q', value]))
  }
})
