/**
 * Audit finding F4: the history endpoints of a long log held the event loop. The transactions
 * export built its whole NDJSON in one go (30 MB, 6.3 s, a ping waited 3.9 s) and the Events API
 * decoded every transaction of the document for its first page. Now the export is read a page at
 * a time with the event loop free between pages, and the Events API reads the log's outline
 * (nothing decoded).
 */
import {beforeAll, expect, test} from 'vitest'
import {API, pingsWhile, useChildLake} from './childLake.ts'

/**
 * Five articles, each rewritten eight times with a new 200,000-character Bengali body, one
 * transaction a revision (as an editor's patches): the export is ~70 MB.
 */
const IDS = Array.from({length: 5}, (_, i) => `long-${i}`)
const ROUNDS = 8

// Its own process: the client's reading of ~70 MB does not share the lake's event loop.
const lake = useChildLake('history')

/** Sends one mutation as the scripts' token (role editor). */
async function mutate(mutation: object): Promise<void> {
  const res = await fetch(`${lake.url}/${API}/data/mutate/test`, {
    method: 'POST',
    headers: lake.headers(),
    body: JSON.stringify({mutations: [mutation]}),
  })
  expect(res.status, await res.text()).toBe(200)
}

beforeAll(async () => {
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      IDS.map((id, i) =>
        mutate({
          createOrReplace: {_id: id, _type: 'article', body: `${round}-${i}`.padEnd(200_000, 'ক')},
        }),
      ),
    )
  }
  await mutate({patch: {id: IDS[0], set: {title: 'শেষ'}}})
}, 120_000)

const historyUrl = (path: string) => `${lake.url}/${API}/data/history/test/${path}`
const auth = () => ({headers: {Authorization: `Bearer ${lake.token}`}})

test('the transactions export of a long log streams while /ping keeps answering', async () => {
  const request = fetch(
    historyUrl(`transactions/${IDS.join(',')}?effectFormat=mendoza`),
    auth(),
  ).then(async (res) => ({status: res.status, text: await res.text()}))
  const pings = await pingsWhile(lake, request)
  const {status, text} = await request
  expect(status).toBe(200)
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line))
  expect(lines).toHaveLength(ROUNDS * IDS.length + 1)
  expect(
    lines
      .slice(0, IDS.length)
      .map((line) => line.documentIDs[0])
      .sort(),
  ).toEqual(IDS)
  expect(Object.keys(lines[0].effects)).toEqual(lines[0].documentIDs)
  expect(lines.at(-1).mutations[0].patch.set).toEqual({title: 'শেষ'})
  // Before: one answer of ~70 MB built at once; the first ping waited 5.6 s (load 14). The aim is
  // a median under 100 ms; on a loaded machine (load 13-15 on two cores) pings measured 130-210 ms
  // whatever the lake does, so the bound here is what main can not meet.
  expect(pings.length).toBeGreaterThan(1)
  expect(Math.max(...pings)).toBeLessThan(1500)
})

test('the Events API reads a long log without decoding it', async () => {
  const request = fetch(historyUrl(`events/documents/${IDS[0]}`), auth()).then(async (res) => ({
    status: res.status,
    body: await res.json(),
  }))
  const pings = await pingsWhile(lake, request)
  const {status, body} = await request
  expect(status).toBe(200)
  const events = body.events[IDS[0]] as {type: string}[]
  expect(events.map((event) => event.type)).toEqual([
    ...Array(ROUNDS).fill('updateLiveDocument'),
    'createLiveDocument',
  ])
  // Before: 0.8 s and pings of 0.7 s (load 14), the whole log decoded for the first page.
  expect(Math.max(0, ...pings)).toBeLessThan(500)
})
