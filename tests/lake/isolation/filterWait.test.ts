/**
 * A listener's filter budget is its own evaluation's: waiting for a busy query thread has its own,
 * larger bound, and a listener ended for waiting is told so, not that its filter is too slow.
 * One query thread, and its turns (the thread's and the overflow's one extra, createTurns) held by
 * two queries of the same caller that run to the query deadline (10 s): a filter takes its
 * caller's turn after them (one blocker alone is demoted and gives its turn back, and the filter
 * runs beside it on the overflow's thread). The filter's own evaluation on one small document
 * takes milliseconds.
 */
import {afterAll, beforeAll, expect, test} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse, type SseMessage} from '../listen/listeners.ts'

/** Not of bounded cost (string::split), so it runs on a query thread; quick on a short title. */
const FILTER = '*[_type == "article" && count(string::split(title, "")) > 0]'
/** Cubic in $s and independent of the documents: holds its thread until the query deadline. */
const BLOCKER =
  'count(string::split($s, "")[count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0]) > 0])'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({tls: false, serverOptions: {queryThreads: 1}})
  await lake.client().fetch('count(*)')
})

afterAll(async () => {
  await lake?.close()
})

const auth = () => ({authorization: `Bearer ${lake.token}`})
const listenUrl = () =>
  `${lake.url}/v2025-02-19/data/listen/test?${new URLSearchParams({query: FILTER})}`

/**
 * Holds the query threads' turns until the query deadline: two blockers of the listener's caller,
 * given time to arrive before the write its filter runs for. Resolves with their statuses.
 */
async function holdThreads(): Promise<() => Promise<number[]>> {
  const search = new URLSearchParams({query: BLOCKER, $s: JSON.stringify('ক'.repeat(400))})
  const statuses = [0, 1].map(() =>
    fetch(`${lake.url}/v2025-02-19/data/query/test?${search}`, {headers: auth()}).then(
      (res) => res.status,
    ),
  )
  await new Promise((resolve) => setTimeout(resolve, 2_000))
  return () => Promise.all(statuses)
}

const mutationIds = (messages: SseMessage[]) =>
  messages.filter((x) => x.event === 'mutation').map((x) => JSON.parse(x.data!).documentId)

test('a filter that waits behind a busy thread longer than its budget still gets the event', async () => {
  lake.server.lake.context.config.listen = {filterBudgetMs: 500, filterWaitMs: 60_000}
  const reader = await openSse(listenUrl(), auth())
  await reader.until((m) => m.some((x) => x.event === 'welcome'), 20_000)
  const held = await holdThreads()
  // Behind the blockers: its filter waits for a turn for their 10 s.
  await lake.client().createOrReplace({_id: 'waited', _type: 'article', title: 'অপেক্ষা'})
  const messages = await reader.until(
    (m) => mutationIds(m).includes('waited') || m.some((x) => x.event === 'channelError'),
    60_000,
  )
  expect(messages.filter((x) => x.event === 'channelError').map((x) => x.data)).toEqual([])
  expect(mutationIds(messages)).toEqual(['waited'])
  expect(await held()).toEqual([504, 504])
  reader.close()
})

test('a filter that waits past the wait bound ends the stream for its client to reconnect, saying the lake was busy', async () => {
  lake.server.lake.context.config.listen = {filterBudgetMs: 500, filterWaitMs: 1000}
  const reader = await openSse(listenUrl(), auth())
  await reader.until((m) => m.some((x) => x.event === 'welcome'), 20_000)
  const held = await holdThreads()
  await lake.client().createOrReplace({_id: 'waited-long', _type: 'article', title: 'দীর্ঘ'})
  // Not a channelError, after which @sanity/client would not reconnect (docs/listeners.md).
  await reader.closed(60_000)
  const {messages} = reader
  expect(messages.flatMap((x) => (x.event ? [x.event] : []))).toEqual(['welcome'])
  expect(messages.map((x) => x.comment ?? '').join('\n')).toMatch(
    /filter waited more than 1 s for a query thread \(the lake is busy\)/,
  )
  expect(mutationIds(messages)).toEqual([])
  await held()
})
