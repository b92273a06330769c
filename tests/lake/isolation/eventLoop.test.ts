/**
 * Issue 9's audit: shapes that ran on the HTTP event loop, in place or as a listener's "bounded"
 * filter, and held every other caller for seconds past the deadline. Each now ends with the
 * timeout error at the deadline (or a clear 4xx), while a concurrent /ping answers: the median of
 * pings taken all through the query, not the fastest of them.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, test} from 'vitest'
import {startLakeProcess, type LakeProcess} from '../../../kit/lakeProcess.ts'
import {startTestLake, type TestLake} from '../../helpers/lake.ts'
import {searchIndexCaughtUp} from '../../helpers/searchIndex.ts'
import {openSse} from '../listen/listeners.ts'
import {cpuTimes} from './childLake.ts'
import {
  expectFreedAfterCancel,
  expectPingsAnswered,
  expectStopped,
  idlePings,
  median,
  pingsBound,
  pingsFromDue,
  timed,
} from './pathological.ts'

const TIMEOUT_MS = 1500
const API = 'v2025-02-19'

/** Fourteen `**` segments: a backtracking `.*` each in groq-js (7.8 s on a 29-character id). */
const GLOB = `${Array(14).fill('**').join('.')}.#`
/**
 * Fourteen `*` segments: `[^.]+` each, joined by groq-js with an unescaped `.` (any character), so
 * they backtrack too (111 s on a 46-character id).
 */
const STAR_GLOB = `${Array(14).fill('*').join('.')}.#`
const STAR_ID = `article-${'x'.repeat(38)}`
const ANONYMOUS_GLOB = `{"first": *[_id == "x"][0], "m": "article-xxxxxxxxxxxxxxxxxxxxxx" in path($g)}`
/** Iterates the parent's 60-item array four deep: 60^4 steps (15 s in place). */
const NESTED =
  '*[_id == "a1"][0]{"n": count(arr[count(^.arr[count(^.^.arr[count(^.^.^.arr[true]) > 0]) > 0]) > 0])}'

let lake: TestLake
let viewer: string

beforeAll(async () => {
  lake = await startTestLake({tls: false, serverOptions: {queryTimeoutMs: TIMEOUT_MS}})
  viewer = (await lake.server.lake.auth!.store.createToken({label: 'viewer', role: 'viewer'})).token
  const arr = Array.from({length: 60}, (_, i) => ({_key: `k${i}`, v: i}))
  await lake.client().create({_id: 'a1', _type: 'article', arr})
  // The first query starts the workers; a cold start is not what these tests measure.
  await lake.client().fetch('count(string::split("ab", ""))')
})

afterAll(async () => {
  await lake?.close()
})

const queryUrl = (query: string, params: Record<string, unknown> = {}, base = lake.url) => {
  const search = new URLSearchParams({query})
  for (const [name, value] of Object.entries(params)) search.set(`$${name}`, JSON.stringify(value))
  return `${base}/${API}/data/query/test?${search}`
}

const pingUrl = (base = lake.url) => `${base}/${API}/ping`

/** Pings `url` one after another (every 20 ms) until `done` settles, each timed from its sending. */
async function pingsInTurn(url: string, done: Promise<unknown>): Promise<number[]> {
  let finished = false
  void done.finally(() => (finished = true)).catch(() => {})
  const pings: number[] = []
  while (!finished) {
    pings.push((await timed(url)).ms)
    await sleep(20)
  }
  return pings
}

/**
 * Sends a request with pings beside it, every 100 ms from 50 ms after it was sent until it is
 * answered, and idle pings just before it: its response, JSON body and time, and the pings.
 */
async function withPings(send: () => Promise<Response>) {
  const idle = await idlePings(pingUrl())
  const started = performance.now()
  const slow = send().then(async (res) => ({
    res,
    body: await res.json(),
    ms: performance.now() - started,
  }))
  const pings = await pingsFromDue(pingUrl(), slow, {everyMs: 100, start: started + 50})
  return {...(await slow), pings, idle}
}

/**
 * `send` with pings beside it (withPings), and the CPU milliseconds this process (the in-process
 * lake's threads, ended ones included) spent meanwhile.
 */
async function withPingsAndCpu(send: () => Promise<Response>) {
  const before = await cpuTimes(process.pid)
  const answer = await withPings(send)
  return {...answer, cpuMs: (await cpuTimes(process.pid)).all - before.all}
}

/** Runs `url` with pings beside it; expects the deadline's 504 and a free event loop. */
async function stoppedAtDeadline(url: string, init?: RequestInit) {
  await expectPingsAnswered(async () => {
    const {res, body, ms, cpuMs, pings, idle} = await withPingsAndCpu(() => fetch(url, init))
    expect(res.status, JSON.stringify(body)).toBe(504)
    expect(body.error.type).toBe('queryTimeoutError')
    // Before: 7.8 s and 15 s, and every ping waited for the query.
    expectStopped({cpuMs, ms}, TIMEOUT_MS)
    expect(pings.length).toBeGreaterThanOrEqual(3)
    return {pings, idle}
  })
}

describe('in-place queries that were not linear', () => {
  test('an anonymous glob of many `**` ends at the deadline; pings answer meanwhile', async () => {
    await stoppedAtDeadline(queryUrl(ANONYMOUS_GLOB, {g: GLOB}))
  })

  test('an anonymous glob of many `*` ends at the deadline; pings answer meanwhile', async () => {
    const query = `{"first": *[_id == "x"][0], "m": ${JSON.stringify(STAR_ID)} in path($g)}`
    await stoppedAtDeadline(queryUrl(query, {g: STAR_GLOB}))
  })

  test("a viewer's iteration through `^` ends at the deadline; pings answer meanwhile", async () => {
    await stoppedAtDeadline(queryUrl(NESTED), {headers: {authorization: `Bearer ${viewer}`}})
  })

  test('nested projections through `^` end with a typed error, not a 500', async () => {
    const arr = Array.from({length: 230}, (_, i) => ({_key: `k${i}`, v: 'x'.repeat(50) + i}))
    await lake.client().createOrReplace({_id: 'wide', _type: 'article', arr})
    const res = await fetch(
      queryUrl('*[_id == "wide"][0]{"x": arr[]{"y": ^.arr[]{"z": ^.^.arr[]{v, "w": ^.^.^._id}}}}'),
      {headers: {authorization: `Bearer ${viewer}`}},
    )
    const body = await res.json()
    // Before: 70.7 s on the event loop, then a 500 (RangeError: Invalid string length).
    expect([400, 504], JSON.stringify(body)).toContain(res.status)
    expect(body.error.type).toMatch(
      /^(queryTimeoutError|queryMemoryLimitError|queryResultTooLargeError)$/,
    )
  })
})

describe("a mutation's query (issue 9 audit, finding 2)", () => {
  /** Ran in the transaction, in the write lock, with no deadline: 6.4-7 s before. */
  const patchByQuery = (id = 'a1') => ({
    mutations: [
      {
        patch: {
          query: `*[_id == "${id}" && count(string::split($s, "")[count(string::split($s, "")[@ == ^]) > 0]) > 0]`,
          params: {s: 'x'.repeat(1500)},
          set: {title: 'z'},
        },
      },
    ],
  })
  const mutate = (token: string, body: unknown, dryRun = true) =>
    fetch(`${lake.url}/${API}/data/mutate/test${dryRun ? '?dryRun=true' : ''}`, {
      method: 'POST',
      headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
      body: JSON.stringify(body),
    })

  test("a writer's patch by query ends at the deadline, off the event loop", async () => {
    await expectPingsAnswered(async () => {
      const {res, body, ms, cpuMs, pings, idle} = await withPingsAndCpu(() =>
        mutate(lake.token, patchByQuery()),
      )
      expect(res.status, JSON.stringify(body)).toBe(504)
      expect(body.error.type).toBe('queryTimeoutError')
      expectStopped({cpuMs, ms}, TIMEOUT_MS)
      return {pings, idle}
    })
  })

  test('the write lock is free while a patch by query runs: another write commits at once', async () => {
    let slowAnswered = false
    const slow = mutate(lake.token, patchByQuery()).then((res) => {
      slowAnswered = true
      return res.status
    })
    await sleep(300)
    const started = performance.now()
    await lake.client().createOrReplace({_id: 'during', _type: 'article', title: 'w'})
    const ms = performance.now() - started
    // Before: the create waited for the query (6-7 s; the deadline here is 1.5 s), so it took what
    // the query had left and was answered after it. Either under half the deadline, or answered
    // while the patch's query still ran (on a loaded machine a write alone can take longer).
    const during = !slowAnswered
    expect(
      ms < TIMEOUT_MS / 2 || during,
      `${Math.round(ms)} ms, ${during ? 'before' : 'after'} the patch's answer`,
    ).toBe(true)
    expect(await slow).toBe(504)
  })

  test('a viewer gets the 403 before the query runs', async () => {
    const refused = async (body: unknown) => {
      const started = performance.now()
      const res = await mutate(viewer, body)
      const answer = await res.json()
      expect(res.status, JSON.stringify(answer)).toBe(403)
      expect(answer.message).toMatch(/role "viewer" may not create, update or delete/)
      return performance.now() - started
    }
    // The same refusal of a write that has no query: what a 403 takes on this machine now.
    const plain = {mutations: [{patch: {id: 'a1', set: {title: 'z'}}}]}
    for (const body of [
      patchByQuery(),
      {mutations: [{delete: patchByQuery().mutations[0].patch}]},
    ]) {
      // Before: 6.7 s, the whole query first. Had the query run, the 403 could come only past its
      // deadline (1.5 s), however fast the machine: the refusal must take less than the plain one
      // measured just before it plus half the deadline. Over up to three runs: one pause of a
      // loaded machine (0.2-0.8 s at load 20) can delay any one request, as it could a fixed
      // 750 ms. (With the query run first and then refused: 1,510-1,525 ms; plain 5-319 ms.)
      const measured: string[] = []
      let before = false
      for (let run = 0; run < 3 && !before; run++) {
        const baseline = await refused(plain)
        const ms = await refused(body)
        measured.push(`${Math.round(ms)} ms; plain ${Math.round(baseline)} ms`)
        before = ms < baseline + TIMEOUT_MS / 2
      }
      expect(before, measured.join(' | ')).toBe(true)
    }
  })

  test('a patch by query applies to what it matched; a normal one still writes', async () => {
    // A lake whose deadline is past its query, which is not what this checks. On the file's lake
    // (1.5 s) the tests before ran queries to the deadline, and a thread stopped at it is replaced
    // at a query thread's nice level: its start took past the deadline on a busy machine (a 504
    // at load 15, and at load 23 with a warm thread answering just before).
    const roomy = await startTestLake({tls: false, serverOptions: {queryTimeoutMs: 120_000}})
    try {
      await roomy.client().createOrReplace({_id: 'm1', _type: 'matched', n: 1})
      await roomy.client().createOrReplace({_id: 'm2', _type: 'matched', n: 2})
      const res = await fetch(`${roomy.url}/${API}/data/mutate/test`, {
        method: 'POST',
        headers: {authorization: `Bearer ${roomy.token}`, 'content-type': 'application/json'},
        body: JSON.stringify({
          mutations: [
            {patch: {query: '*[_type == $t] | order(n)', params: {t: 'matched'}, inc: {n: 10}}},
          ],
        }),
      })
      const body = await res.json()
      expect(res.status, JSON.stringify(body)).toBe(200)
      expect(body.results).toEqual([
        {id: 'm1', operation: 'update'},
        {id: 'm2', operation: 'update'},
      ])
      expect(await roomy.client().fetch('*[_type == "matched"] | order(n).n')).toEqual([11, 12])
    } finally {
      await roomy.close()
    }
    // A hang guard: a lake's start, and its query thread's at its nice level.
  }, 180_000)
})

describe('many patches of one large document (issue 9 audit, finding 3)', () => {
  // A lake of its own, a child process as run: in this process the lake shared its event loop
  // and heap with the test's own client (the 3 MB draft built, sent and collected), and at load
  // 10+ on two cores that alone made the one ping of a 120-230 ms refusal take 105-229 ms.
  let child: LakeProcess
  let dataDir: string

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lake-budget-'))
    child = await startLakeProcess({dataDir, tls: false})
    const items = Array.from({length: 87_381}, (_, i) => ({_key: `k${i}`, t: 'x'.repeat(20)}))
    const created = await mutate(false, [
      {createOrReplace: {_id: 'drafts.big', _type: 'article', items}},
    ])
    expect(created.status, JSON.stringify(created.body)).toBe(200)
    // The draft's indexing after its commit, and a cold ping path, are not what is measured.
    await searchIndexCaughtUp(dataDir, 'test')
    for (let i = 0; i < 5; i++) await timed(`${child.url}/${API}/ping`)
  }, 120_000)

  afterAll(async () => {
    await child?.stop()
    if (dataDir) await rm(dataDir, {recursive: true, force: true})
  })

  const mutate = (dryRun: boolean, mutations: unknown[]) =>
    fetch(`${child.url}/${API}/data/mutate/test${dryRun ? '?dryRun=true' : ''}`, {
      method: 'POST',
      headers: {authorization: `Bearer ${child.token}`, 'content-type': 'application/json'},
      body: JSON.stringify({mutations}),
    }).then(async (res) => ({status: res.status, body: await res.json()}))

  test('past the transaction budget: a quick 400 saying how to split it; pings answer', async () => {
    const send = (count: number) =>
      mutate(
        true,
        Array.from({length: count}, (_, i) => ({
          patch: {id: 'drafts.big', set: {[`items[_key=="k${i}"].t`]: 'y'}},
        })),
      )
    // Refused eight times in a row, with pings every 20 ms all through: one refusal takes 15-250
    // ms, and the median of the one ping beside it (every 100 ms) was that ping.
    const many = (async () => {
      const answers = []
      for (let i = 0; i < 8; i++) answers.push(await send(200))
      return answers
    })()
    // A lake process of its own: pings one after another, timed from their sending (this process
    // does nothing else meanwhile), and as many idle ones just before.
    const idle = await pingsInTurn(pingUrl(child.url), sleep(300))
    const pings = await pingsInTurn(pingUrl(child.url), many)
    const answers = await many
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(400))
    const {status, body} = answers[0]
    // Before: 125 s on the event loop (each patch copied, checked and parsed the whole draft).
    expect(status, JSON.stringify(body)).toBe(400)
    expect(body.error.items[0].error.type).toBe('transactionTooLargeError')
    expect(body.error.description).toMatch(
      /tests 87381 array items for their _key.*split it into several/,
    )
    const measured = `during ${pings.map(Math.round).join(' ')}; idle ${idle.map(Math.round).join(' ')}`
    expect(median(pings), measured).toBeLessThan(pingsBound(idle))
    // Within the budget the patches apply (before: 11.9 s for 20).
    const few = await send(10)
    expect(few.status, JSON.stringify(few.body)).toBe(200)
    expect(few.body.results).toHaveLength(10)
  })
})

test('a published commit does not re-run a remembered query on the event loop', async () => {
  // Remembered by the live API (syncTags), and asked again after every published commit.
  const first = await fetch(queryUrl(ANONYMOUS_GLOB, {g: GLOB}))
  expect(first.status).toBe(504)
  for (let i = 0; i < 2; i++) {
    // Before: each commit stalled /ping 1.7–2.4 s.
    await expectPingsAnswered(async (run) => {
      const idle = await idlePings(pingUrl())
      await lake.client().createOrReplace({_id: `p${i}-${run}`, _type: 'article', title: 't'})
      const pings = await pingsFromDue(pingUrl(), sleep(TIMEOUT_MS + 300), {everyMs: 100})
      return {pings, idle}
    })
  }
})

test.each([
  ['`**`', GLOB, `article-${'x'.repeat(22)}`],
  ['`*`', STAR_GLOB, STAR_ID],
])(
  "a listener's glob of many %s runs within the per-event budget, off the event loop",
  async (_, glob, id) => {
    // A second: the event's filter takes 3.5 s and 15 s of CPU (quiet), the probe document's at
    // the listener's open 1-4 ms, which at 500 ms a niced query thread on a loaded machine still
    // overran (load 20: the listener refused before `welcome`).
    lake.server.lake.context.config.listen = {filterBudgetMs: 1000}
    const search = new URLSearchParams({query: '*[_id in path($g)]', $g: JSON.stringify(glob)})
    await expectPingsAnswered(async (run) => {
      const listener = await openSse(`${lake.url}/${API}/data/listen/test?${search}`, {
        authorization: `Bearer ${viewer}`,
      })
      try {
        const opened = await listener.until(
          (m) => m.some((x) => x.event === 'welcome' || x.event === 'channelError'),
          10_000,
        )
        if (!opened.some((x) => x.event === 'welcome')) {
          // The probe's few milliseconds past the budget: a pause of the machine, not the glob's
          // work on an event, which is what is measured. Tried again, up to three runs in all.
          return {pings: [], idle: [], inconclusive: `refused at its open: ${opened[0].data}`}
        }
        const idle = await idlePings(pingUrl())
        // Another id of the same length each run: the filter's work is the same.
        const written = lake.client().createOrReplace({
          _id: `${id.slice(0, -1)}${run}`,
          _type: 'article',
          title: 'u',
        })
        // Before: the commit answered, then its filter held /ping 2.6 s.
        const pings = await pingsFromDue(
          pingUrl(),
          listener.until((m) => m.some((x) => x.event === 'channelError'), 10_000),
          {everyMs: 100},
        )
        await written
        const error = JSON.parse(listener.messages.find((x) => x.event === 'channelError')!.data!)
        expect(error.error.type).toBe('queryTimeoutError')
        return {pings, idle}
      } finally {
        listener.close()
      }
    })
  },
)

test('a client that disconnects cancels a query that used to run in place', async () => {
  // One worker: if the cancelled query kept running, the next one would wait behind it.
  const single = await startTestLake({
    tls: false,
    serverOptions: {queryTimeoutMs: 60_000, queryThreads: 1},
  })
  try {
    await single.client().create({
      _id: 'a1',
      _type: 'article',
      arr: Array.from({length: 60}, (_, i) => ({_key: `k${i}`, v: i})),
    })
    const cheap = () => timed(queryUrl('count(string::split("ab", ""))', {}, single.url))
    // The first query starts the thread: the baseline.
    const first = await cheap()
    expect(first.status).toBe(200)
    // The nested query alone takes about 15 s; a terminated one takes none.
    await expectFreedAfterCancel(
      async () => {
        const controller = new AbortController()
        const slow = fetch(queryUrl(NESTED, {}, single.url), {
          headers: {authorization: `Bearer ${single.token}`},
          signal: controller.signal,
        }).catch((e) => e)
        await sleep(300)
        controller.abort()
        expect(await slow).toBeInstanceOf(Error)
      },
      cheap,
      first.ms,
    )
  } finally {
    await single.close()
  }
})
