/**
 * A query that reads little but answers much: `{"a": [@, @, …]}` repeats each document it reads in
 * its answer. Its reads were within the in-place budget (bodies and their bytes), so it ran on the
 * event loop, which then made the whole answer's JSON: 200 articles of 18 KB repeated 120 times
 * were 485 MB made in 38 s of the loop, pings stalled 35 s, and the live API made it again after
 * every commit touching a published document. What an answer in place may be is budgeted too, so
 * such a query goes to a query thread (its deadline and memory cap apply). Judged by CPU from /proc
 * (docs/testing.md): the event loop's share of what the lake spent.
 */
import {expect, test} from 'vitest'
import {openSse} from '../listen/listeners.ts'
import {API, cpuWhile, mutateChild, queryChild, useChildLake} from './childLake.ts'

const lake = useChildLake('multiplied-answer', {warm: true})
const mutate = (mutations: unknown[]) => mutateChild(lake, mutations)
const query = (text: string) => queryChild(lake, text)
const spent = (work: () => Promise<unknown>) => cpuWhile(lake.pid, work)

/** 20 articles of about 50 kB: 1 MB of bodies, well within the in-place budget's 4 MB. */
const ARTICLES = 20
const body = (i: number) => `খবর ${i} `.repeat(5_000)
/** Each article 40 times: about 40 MB of JSON from 1 MB read. */
const COPIES = 40
const SLICE = `*[_type == "article"][0...${ARTICLES}]`
const MULTIPLIED = `${SLICE}{"a": [${Array(COPIES).fill('@').join(', ')}]}`

test('an answer that repeats what it read is made on a query thread, the same answer', async () => {
  await mutate(
    Array.from({length: ARTICLES}, (_, i) => ({
      create: {_id: `a${String(i).padStart(2, '0')}`, _type: 'article', body: body(i)},
    })),
  )
  const plain = (await query(SLICE)).result as {_id: string}[]
  expect(plain).toHaveLength(ARTICLES)
  let multiplied: {a: unknown[]}[] = []
  const cpu = await spent(async () => {
    multiplied = (await query(MULTIPLIED)).result as {a: unknown[]}[]
  })
  expect(multiplied).toEqual(plain.map((doc) => ({a: Array(COPIES).fill(doc)})))
  // In place: 1,000-1,500 ms of the loop's of about the same for the lake (0.9-1.0).
  expect(cpu.loop / cpu.all, `event loop ${cpu.loop} ms of the lake's ${cpu.all} ms`).toBeLessThan(
    0.3,
  )
}, 240_000)

test("the live API's re-run of such a question after a commit is made on a query thread too", async () => {
  const {syncTags} = await query(MULTIPLIED)
  const [tag] = syncTags
  const events = await openSse(`${lake.url}/${API}/data/live/events/test`, lake.headers())
  try {
    expect(events.status).toBe(200)
    const announced = (messages: {event?: string; data?: string}[]) =>
      messages.some(
        (m) =>
          m.event === 'message' && (JSON.parse(m.data!) as {tags: string[]}).tags.includes(tag),
      )
    const cpu = await spent(async () => {
      // A one-field patch of a published article the answer holds: its re-run answers otherwise.
      await mutate([{patch: {id: 'a00', set: {title: 'নতুন শিরোনাম'}}}])
      await events.until(announced, 120_000)
    })
    // Re-run, not announced without running (a coarse answer): the lake spent what the answer
    // costs, tens of times the patch's few milliseconds.
    expect(cpu.all, `the lake spent ${cpu.all} ms`).toBeGreaterThan(200)
    // Re-run in place: 1,000-1,500 ms of the loop's, all of the lake's.
    expect(
      cpu.loop / cpu.all,
      `event loop ${cpu.loop} ms of the lake's ${cpu.all} ms`,
    ).toBeLessThan(0.3)
  } finally {
    events.close()
  }
}, 240_000)
