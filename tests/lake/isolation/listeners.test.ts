/**
 * A listener cannot slow the newsroom's writes (issue 9): filters run after the commit, outside
 * the write lock, and a filter that is not of bounded cost runs on a query worker within a budget
 * per event. A listener whose filter overruns is closed with `channelError` saying why.
 */
import {afterAll, beforeAll, expect, test} from 'vitest'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {openSse} from '../listen/helpers.ts'

const BUDGET_MS = 1000
/** Quadratic in the document's title: cheap on the probe document, seconds on a long title. */
const SLOW_FILTER =
  '*[_type == "article" && count(string::split(title, "")[count(string::split(^.title, "")[@ == ^]) > 0]) > 0]'

let lake: TestLake

beforeAll(async () => {
  lake = await startTestLake({tls: false})
  lake.server.lake.context.config.listen = {filterBudgetMs: BUDGET_MS}
  await lake.client().fetch('count(*)')
})

afterAll(async () => {
  await lake?.close()
})

const listenUrl = (query: string, params: Record<string, unknown> = {}) => {
  const search = new URLSearchParams({query})
  for (const [name, value] of Object.entries(params)) search.set(`$${name}`, JSON.stringify(value))
  return `${lake.url}/v2025-02-19/data/listen/test?${search}`
}

async function timedCommit(id: string, title: string): Promise<number> {
  const started = performance.now()
  await lake.client().createOrReplace({_id: id, _type: 'article', title})
  return performance.now() - started
}

test('a listener whose filter overruns is closed with channelError; commits are not slowed', async () => {
  const auth = {authorization: `Bearer ${lake.token}`}
  const slow = await openSse(listenUrl(SLOW_FILTER), auth)
  const plain = await openSse(listenUrl('*[_type == "article"]'), auth)
  await slow.until((m) => m.some((x) => x.event === 'welcome'), 10_000)
  await plain.until((m) => m.some((x) => x.event === 'welcome'), 10_000)

  const idle = await timedCommit('short', 'ছোট')
  // A 1,500-character title makes the filter run for seconds per document.
  const loaded = await timedCommit('long', 'ক'.repeat(1500))
  const after = await timedCommit('short-2', 'আবার ছোট')

  const messages = await slow.until((m) => m.some((x) => x.event === 'channelError'), 10_000)
  const error = JSON.parse(messages.find((x) => x.event === 'channelError')!.data!)
  expect(error.error.type).toBe('queryTimeoutError')
  expect(error.error.description).toMatch(/filter took longer than 1 s on one transaction/)
  await slow.closed(5000)
  // The event for the short title went out before the overrun closed the listener.
  expect(
    messages.filter((x) => x.event === 'mutation').map((x) => JSON.parse(x.data!).documentId),
  ).toEqual(['short'])

  // Commits do not wait for any listener's filter: the long title commits as fast as a short one
  // (generously: well under the seconds the filter needs, or the budget).
  expect(loaded).toBeLessThan(Math.max(10 * idle, BUDGET_MS))
  expect(after).toBeLessThan(Math.max(10 * idle, BUDGET_MS))

  // Other listeners keep hearing every commit, in order.
  const heard = await plain.until(
    (m) => m.filter((x) => x.event === 'mutation').length >= 3,
    10_000,
  )
  expect(
    heard.filter((x) => x.event === 'mutation').map((x) => JSON.parse(x.data!).documentId),
  ).toEqual(['short', 'long', 'short-2'])
  plain.close()
})

test('a filter that is slow on its own is refused with channelError before welcome', async () => {
  const auth = {authorization: `Bearer ${lake.token}`}
  const reader = await openSse(
    listenUrl('*[count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0]) > 0]', {
      s: 'ক'.repeat(1500),
    }),
    auth,
  )
  const messages = await reader.until((m) => m.some((x) => x.event === 'channelError'), 10_000)
  expect(messages.some((x) => x.event === 'welcome')).toBe(false)
  expect(JSON.parse(messages[0].data!).error.type).toBe('queryTimeoutError')
})
