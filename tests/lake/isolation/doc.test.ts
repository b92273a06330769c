/**
 * data/doc cannot stall the lake (hostile audit of /doc, 2026-12-02): an anonymous request with
 * includeAllVersions read and parsed every version in the dataset before its permission check
 * (3.4 s, a concurrent ping waited 3.3 s), and many large documents were parsed and serialised
 * again on the event loop (999 ids, 117 MB in 19 s). Over a lake process as a developer runs it.
 */
import {beforeAll, expect, test} from 'vitest'
import {API, pingsWhile, useChildLake} from './childLake.ts'
import {median} from './pathological.ts'

/** 100 versions in a release, each with a 200,000-character Bengali body: ~60 MB stored. */
const VERSIONS = Array.from({length: 100}, (_, i) => `versions.r1.big-${i}`)

const lake = useChildLake('doc')

beforeAll(async () => {
  for (let i = 0; i < VERSIONS.length; i += 10) {
    const mutations = VERSIONS.slice(i, i + 10).map((id, j) => ({
      create: {_id: id, _type: 'article', body: `${i + j}`.padEnd(200_000, 'ক')},
    }))
    const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
      method: 'POST',
      headers: lake.headers(),
      body: JSON.stringify({mutations}),
    })
    expect(res.status, await res.text()).toBe(200)
  }
}, 180_000)

const docUrl = (ids: readonly string[], query = '') =>
  `${lake.url}/${API}/data/doc/test/${ids.map(encodeURIComponent).join(',')}${query}`

test('anonymous includeAllVersions requests are answered from their ids while pings answer', async () => {
  const answers: unknown[] = []
  const requests = (async () => {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(docUrl([`big-${i}`], '?includeAllVersions=true'))
      answers.push(await res.json())
    }
  })()
  const pings = await pingsWhile(lake, requests)
  expect(answers).toEqual(
    Array.from({length: 5}, (_, i) => ({
      documents: [],
      omitted: [{id: `big-${i}`, reason: 'permission'}],
    })),
  )
  // Before: each request parsed the release's 60 MB; pings waited 1-3 s.
  expect(Math.max(0, ...pings)).toBeLessThan(500)
})

test('100 large documents are read off the event loop and streamed while pings answer', async () => {
  const request = fetch(docUrl(VERSIONS), {headers: {Authorization: `Bearer ${lake.token}`}}).then(
    async (res) => ({status: res.status, text: await res.text()}),
  )
  const pings = await pingsWhile(lake, request)
  // Parsed after the pings: this process's own 60 MB parse would hold them too.
  const {status, text} = await request
  expect(status).toBe(200)
  const body = JSON.parse(text) as {documents: {_id: string}[]}
  expect(body.documents.map((doc) => doc._id)).toEqual(VERSIONS)
  // Before: parsed and serialised again on the event loop, every ping behind it: the longest
  // waited 7.0-11.7 s at load 16-19. Now a few pings wait for the client's own reading of 60 MB
  // and the machine's load (up to 2.9 s at load 17), most answer at once.
  expect(pings.length).toBeGreaterThan(0)
  expect(median(pings)).toBeLessThan(300)
  expect(Math.max(...pings)).toBeLessThan(5000)
})

test('more than 1,000 ids are a 400 saying the limit', async () => {
  const ids = Array.from({length: 1001}, (_, i) => `a${i}`)
  const res = await fetch(docUrl(ids), {headers: {Authorization: `Bearer ${lake.token}`}})
  expect(res.status).toBe(400)
  expect(((await res.json()) as {message: string}).message).toBe(
    '1001 document ids given; at most 1000 per request: split the request',
  )
})
