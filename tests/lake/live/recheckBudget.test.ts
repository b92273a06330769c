/**
 * Live re-checks are budgeted: a remembered question whose answer takes longer than a limit is
 * answered coarsely for a while ("something changed", announced after every commit that could
 * change it) instead of holding a query thread after every commit; a dataset's re-runs share a
 * bounded amount of time, cheapest first. Before, every remembered question was re-run after every
 * commit whatever it cost: 3 datasets with 4 slow questions each took a cheap worker query's p50
 * from 1.7 ms to 876 ms while commits came, and an honest question's tag waited behind them.
 */
import {Piscina} from 'piscina'
import {afterAll, beforeAll, describe, expect, it, vi, type MockInstance} from 'vitest'
import type {QueryTask} from '../../../lake/query/wire.ts'
import {recheckCredit, SyncTagRegistry} from '../../../lake/live/syncTags.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {SPLIT_QUERY} from '../isolation/pathological.ts'
import {openSse} from '../listen/listeners.ts'

/** Asks `query` of the public dataset `test` without a token (API version X); its sync tag. */
async function askAnonymously(
  url: string,
  query: string,
  params: Record<string, unknown> = {},
): Promise<string> {
  const search = new URLSearchParams({query})
  for (const [name, value] of Object.entries(params)) search.set(`$${name}`, JSON.stringify(value))
  const res = await fetch(`${url}/vX/data/query/test?${search}`)
  const body = (await res.json()) as {syncTags: string[]}
  expect(res.status, JSON.stringify(body)).toBe(200)
  return body.syncTags[0]
}

/**
 * The lake's re-check limits and credits (lake/live/syncTags.ts, liveEvents.ts) at a tenth or
 * less, the cheap/costly line lower still (the slow questions here are costly however fast the
 * machine), and a backoff longer than the test: a question made coarse stays so.
 */
const RECHECK = {
  recheckLimits: {
    signedInMs: 200,
    anonymousMs: 30,
    backoffMs: 600_000,
    maxBackoffMs: 600_000,
    cheapMs: 10,
  },
  recheckCredits: {cheap: {burstMs: 200, share: 0.5}, costly: {burstMs: 200, share: 0.25}},
}

describe('a dataset that anonymous callers ask slow questions about', () => {
  let lake: TestLake
  beforeAll(async () => {
    // A deadline far past what the slow questions take: only the re-check limit can stop them.
    // Their threads are not demoted: the re-check judges CPU, not priority. Limits and credits
    // at a tenth of the lake's or less (RECHECK), so that questions of 0.1 s of CPU show the
    // budget: with the defaults they took a second each, asked and re-run, which a loaded test
    // run (load 20 and more) stretched past the test's 90 s.
    lake = await startTestLake({
      tls: false,
      serverOptions: {queryTimeoutMs: 60_000, queryDemoteAfterMs: Infinity, recheck: RECHECK},
    })
    lake.server.lake.context.visibility.set('test', 'public')
    await lake.client().create({_id: 'seed', _type: 'article', title: 'বীজ'})
    // The first query starts the workers: a cold start (seconds under load) is not what this measures.
    await lake.client().fetch('count(string::split("ab", ""))')
  })
  afterAll(async () => {
    await lake?.close()
  })

  const ask = (query: string, params: Record<string, unknown> = {}) =>
    askAnonymously(lake.url, query, params)

  it('re-runs slow questions at most once, then announces them coarsely; a cheap one stays exact', async () => {
    const live = lake.server.lake.context.live
    const cheap = await ask('*[_type == "article"]{title}')
    // About 0.1-0.2 s of CPU each (quadratic in $s: 900 characters took 1.6 s): over the
    // anonymous limit (RECHECK's 30 ms) when asked. Their answers change with the notes, the cheap
    // one's with the articles.
    const s = 'ক'.repeat(300)
    const slow = await Promise.all(
      [0, 1, 2].map((n) => ask(`${SPLIT_QUERY} + $n + count(*[_type == "note"])`, {s, n})),
    )
    const stream = await openSse(`${lake.url}/vX/data/live/events/test`)
    try {
      await stream.until((m) => m.some((x) => x.event === 'welcome'))
      const tagsSince = (from: number) =>
        stream.messages
          .slice(from)
          .filter((x) => x.event === 'message')
          .flatMap((x) => (JSON.parse(x.data!) as {tags: string[]}).tags)

      await lake.client().create({_type: 'article', title: 'নতুন'})
      // Once the round is done, what it announced has been sent: the wait is the lake's (its
      // re-runs, seconds at load on niced query threads), not a fixed time.
      await live.settled('test')
      await stream.until(() => tagsSince(0).includes(cheap))
      // The round re-runs slow questions while the dataset's credit lasts (200 ms of CPU: one or
      // two here): a second overrun (after the ask's) makes them coarse.
      await live.settled('test')
      expect(live.questions('test').coarse).toBeGreaterThanOrEqual(1)

      // A commit that changes the slow answers only: the cheap question is re-run and stays
      // quiet; the slow ones are announced, coarsely, for want of credit or re-run.
      const second = stream.messages.length
      await lake.client().create({_type: 'note', title: 'অন্য'})
      await live.settled('test')
      await stream.until(() => slow.every((tag) => tagsSince(second).includes(tag)))
      expect(tagsSince(second)).not.toContain(cheap)
    } finally {
      stream.close()
    }
  }, 90_000)
})

describe('a cheap question asked while the query thread is busy', () => {
  let lake: TestLake
  /** Every task the lake's query pools are given (watched, not changed). */
  let sent: MockInstance<Piscina['run']>
  /** How many times the query that holds the thread was sent to a pool. */
  const heldSent = () =>
    sent.mock.calls.filter(([task]) => (task as QueryTask | null)?.request?.query === SPLIT_QUERY)
      .length
  beforeAll(async () => {
    sent = vi.spyOn(Piscina.prototype, 'run')
    // One query thread, which a slow query holds; a deadline far past what that takes. RECHECK's
    // limits, so that a hold of 0.1-0.2 s of CPU is a wait past the anonymous one: a hold of 2 s
    // (against the lake's 500 ms), niced, ran into the deadline at load 30.
    lake = await startTestLake({
      tls: false,
      serverOptions: {queryTimeoutMs: 60_000, queryThreads: 1, recheck: RECHECK},
    })
    lake.server.lake.context.visibility.set('test', 'public')
    await lake.client().create({_id: 'seed', _type: 'article', title: 'বীজ'})
    // Starts the thread; API version 1 has no sync tags, so nothing is remembered.
    await fetch(
      `${lake.url}/v1/data/query/test?query=${encodeURIComponent('count(string::split("ab", ""))')}`,
    )
  })
  afterAll(async () => {
    await lake?.close()
    sent?.mockRestore()
  })

  /**
   * Holds the query thread for 0.1 s or more (seconds on a busy machine). API version 1 has
   * no sync tags, so it is not remembered. Returns once the lake has sent it to its one thread's
   * pool: every query after it waits behind it (Piscina's queue is first in, first out). A fixed
   * wait for that could pass on a busy machine with the question ahead of it, testing nothing.
   */
  async function holdThread(): Promise<{done: Promise<string>}> {
    const s = JSON.stringify('ক'.repeat(300))
    const search = new URLSearchParams({query: SPLIT_QUERY, $s: s})
    const before = heldSent()
    const held = fetch(`${lake.url}/v1/data/query/test?${search}`).then((res) => res.text())
    await vi.waitFor(() => expect(heldSent()).toBe(before + 1), {timeout: 30_000, interval: 5})
    return {done: held}
  }

  it('is judged by the CPU its answer took, not by its wait for the thread', async () => {
    const live = lake.server.lake.context.live
    // A few milliseconds of a worker (string::split is never run in place), asked anonymously
    // (RECHECK's 30 ms limit) while the thread is held: when asked and when re-run, its answer waits
    // longer than the limit. Judged by that wait it was answered coarsely for 10 s after the
    // commit below, and by the costly credit.
    const question = '{"split": count(string::split("ab", "")), "n": count(*[_type == "article"])}'
    let held = await holdThread()
    await askAnonymously(lake.url, question)
    await held.done
    held = await holdThread()
    await lake.client().create({_type: 'article', title: 'নতুন'})
    await live.settled('test')
    await held.done
    expect(live.questions('test')).toEqual({remembered: 1, coarse: 0})
  }, 90_000)
})

describe('SyncTagRegistry re-runs within its credits', () => {
  const LIMITS = {
    signedInMs: 1000,
    anonymousMs: 250,
    backoffMs: 10_000,
    maxBackoffMs: 40_000,
    cheapMs: 100,
  }
  const none = (now: () => number) => recheckCredit({burstMs: 0, share: 0}, now)

  /**
   * Questions whose re-runs take `costs` ms of CPU, and as long of a fake clock after `waits` ms
   * for a thread; answers never change.
   */
  function registry(
    costs: Record<string, number>,
    anonymous: string[] = [],
    waits: Record<string, number> = {},
  ) {
    let now = 0
    const ran: string[] = []
    const announced: string[][] = []
    const tags: Record<string, string> = {}
    const tagRegistry = new SyncTagRegistry({
      announce: (list) => announced.push(list),
      limits: LIMITS,
      now: () => now,
    })
    const rerunOf = (key: string) => async () => {
      ran.push(key)
      now += (waits[key] ?? 0) + costs[key]
      if (key.startsWith('failing')) throw new Error('the query deadline')
      return {json: 'same', cpuMs: costs[key]}
    }
    const asked = (key: string, costMs?: number) => ({
      key,
      tagClass: 'published' as const,
      rerun: rerunOf(key),
      anonymous: anonymous.includes(key),
      costMs,
    })
    for (const key of Object.keys(costs)) tags[tagRegistry.remember(asked(key), 'same')] = key
    const names = (list: string[] | undefined) => (list ?? []).map((tag) => tags[tag]).sort()
    const setClock = (ms: number) => (now = Math.max(now, ms))
    const clock = () => now
    const ranIn = async (credits?: Parameters<SyncTagRegistry['recheck']>[1]) => {
      ran.length = 0
      announced.length = 0
      await tagRegistry.recheck('published', credits)
      return [...ran]
    }
    return {tagRegistry, asked, ran, ranIn, announced, names, clock, setClock}
  }

  it('runs the cheapest first and announces the rest coarsely once the credit is spent', async () => {
    const r = registry({slow: 900, cheap: 5, mid: 600})
    expect(await r.ranIn()).toEqual(['slow', 'cheap', 'mid'])
    expect(r.announced).toEqual([])
    // 500 ms for costly questions: `mid` (600) runs and spends it; `slow` finds none left.
    const costly = recheckCredit({burstMs: 500, share: 0}, r.clock)
    expect(await r.ranIn({cheap: none(r.clock), costly})).toEqual(['mid'])
    // `cheap` (5 ms last time) spends the cheap credit, of which there is none here.
    expect(r.names(r.announced.flat())).toEqual(['cheap', 'slow'])
    // Not for want of credit: re-run again when there is some.
    expect(r.tagRegistry.coarse()).toBe(0)
    expect(await r.ranIn()).toEqual(['cheap', 'mid', 'slow'])
  })

  it("a slow question's re-run does not spend the cheap questions' credit", async () => {
    const r = registry({slow: 5000, cheap: 5})
    await r.ranIn()
    const credits = {
      cheap: recheckCredit({burstMs: 100, share: 0}, r.clock),
      costly: recheckCredit({burstMs: 100, share: 0}, r.clock),
    }
    expect(await r.ranIn(credits)).toEqual(['cheap', 'slow'])
    // The costly credit is 4,900 ms overdrawn; the cheap one still has 90 ms.
    expect(await r.ranIn(credits)).toEqual(['cheap'])
    expect(r.names(r.announced.flat())).toEqual(['slow'])
  })

  it('answers coarsely a question that overran its limit twice in a row', async () => {
    // 300 ms is within a signed-in asker's limit (1,000) and over an anonymous one's (250).
    const r = registry({signedIn: 300, anonymous: 300}, ['anonymous'])
    // Once is not enough (a cold pool, a queue): run again.
    expect(await r.ranIn()).toEqual(['signedIn', 'anonymous'])
    expect(r.tagRegistry.coarse()).toBe(0)
    expect(await r.ranIn()).toEqual(['signedIn', 'anonymous'])
    expect([r.announced, r.tagRegistry.coarse()]).toEqual([[], 1])
    expect(await r.ranIn()).toEqual(['signedIn'])
    expect(r.names(r.announced.flat())).toEqual(['anonymous'])
  })

  it('judges a question by its CPU, not its wait for a thread', async () => {
    // Each waits 5 s for a thread; `trivial` then takes 2 ms, `heavy` 300 (over the anonymous
    // limit, 250).
    const r = registry({trivial: 2, heavy: 300}, ['trivial', 'heavy'], {trivial: 5000, heavy: 5000})
    for (let round = 0; round < 3; round++) await r.ranIn()
    expect(r.tagRegistry.coarse()).toBe(1)
    expect(await r.ranIn()).toEqual(['trivial'])
    // `trivial` spends the cheap credit: none of the costly one is left.
    const credits = {
      cheap: recheckCredit({burstMs: 100, share: 0}, r.clock),
      costly: none(r.clock),
    }
    expect(await r.ranIn(credits)).toEqual(['trivial'])
  })

  it('a re-run that fails spends the time it took (its CPU is not known), and is forgotten', async () => {
    // Never timed yet, both spend the cheap credit, least recently asked first.
    const r = registry({failing: 50, slow: 300}, [], {failing: 3000})
    const cheap = recheckCredit({burstMs: 2000, share: 0}, r.clock)
    // `failing` runs to its deadline (3,050 ms): `slow` finds no credit left.
    expect(await r.ranIn({cheap, costly: none(r.clock)})).toEqual(['failing'])
    expect(r.names(r.announced.flat())).toEqual(['failing', 'slow'])
    expect(r.tagRegistry.size('published')).toBe(1)
  })

  it('counts the CPU of the first answer as a first run; asked again cheaply, it is re-run', async () => {
    const r = registry({q: 600}, ['q'])
    r.tagRegistry.remember(r.asked('q', 600), 'same')
    expect(await r.ranIn()).toEqual(['q'])
    expect(await r.ranIn()).toEqual([])
    expect(r.names(r.announced.flat())).toEqual(['q'])
    r.tagRegistry.remember(r.asked('q', 20), 'same')
    expect(await r.ranIn()).toEqual(['q'])
  })

  it('tries an overrunning question again after a backoff that doubles, up to its cap', async () => {
    const r = registry({anonymous: 300}, ['anonymous'])
    const ranAt: number[] = []
    for (let second = 0; second <= 120; second++) {
      r.setClock(second * 1000)
      if ((await r.ranIn()).length > 0) ranAt.push(second)
    }
    // Overruns at 0 and 1 s; coarse for 10 s, then 20, then 40 (the cap), then 40 again.
    expect(ranAt).toEqual([0, 1, 12, 33, 74, 115])
  })

  it('a credit refills at its share of the time passing, up to its burst', () => {
    let now = 0
    const credit = recheckCredit({burstMs: 2000, share: 0.25}, () => now)
    credit.spend(2500)
    expect(credit.left()).toBe(-500)
    now += 4000
    expect(credit.left()).toBe(500)
    now += 100_000
    expect(credit.left()).toBe(2000)
  })
})
