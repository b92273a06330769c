/**
 * A demoted query gives its turn back (issue 9): under the mixed load the three query threads were
 * held to their deadlines by a hostile caller's pathological query and the common word's search,
 * and every other query waited for a turn (a lane's cheap latest 20 waited 7.5-9.3 s at p50 and
 * 504ed as often as the slow searches). Demotion made the held threads yield the CPU, not the turn.
 * No timings here: what is answered while what still runs, and how many threads there are.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {expect, test} from 'vitest'
import {QueryTimeoutError, UnavailableError} from '../../../lake/core/errors.ts'
import {createTurns, type Turn} from '../../../lake/core/turns.ts'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {QUERY_THREAD_NAME} from '../../../lake/query/priority.ts'
import {squareQuery} from '../../helpers/squareFilter.ts'
import {track} from '../../helpers/track.ts'

/** Seconds of CPU at 1,600; this, tens of seconds and more at the demoted thread's nice. */
const PATHOLOGICAL = 8000
const cheap = () => squareQuery(10)

/** The query threads of this process (named by thread.ts), by tid. */
function queryThreads(): string[] {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === QUERY_THREAD_NAME
    } catch {
      return false // it ended meanwhile
    }
  })
}

/**
 * The query threads of earlier pools once none is left starting or ending: none listed for a
 * second (or, after 30 s, what is left). A pool's close() does not await its threads' teardown, and
 * this file shares its process with other files' pools (the unit project's isolate: false): a
 * thread still starting as its pool closed would be counted as one of the next pool's.
 */
async function settledQueryThreads(): Promise<Set<string>> {
  const until = Date.now() + 30_000
  let quietSince = Date.now()
  while (Date.now() < until) {
    if (queryThreads().length > 0) quietSince = Date.now()
    else if (Date.now() - quietSince >= 1_000) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return new Set(queryThreads())
}

test("a cheap query of another caller is answered while a demoted query holds the pool's one thread", async () => {
  const pool = createQueryPool({timeoutMs: 60_000, memoryMb: 256, threads: 1})
  const slow = new AbortController()
  try {
    expect(await pool.run(cheap(), {holder: 'hostile'})).toMatchObject({ok: true})
    const pathological = pool.run(squareQuery(PATHOLOGICAL), {
      signal: slow.signal,
      holder: 'hostile',
    })
    const held = track(pathological)
    // Before, the reader waited for the one turn until the pathological query's deadline: a 504.
    expect(await pool.run(cheap(), {holder: 'reader'})).toMatchObject({
      ok: true,
      json: '10',
    })
    expect(held.settled, 'the pathological query still runs').toBe(false)
    slow.abort()
    await expect(pathological).rejects.toBeInstanceOf(UnavailableError)
  } finally {
    slow.abort()
    await pool.close()
  }
}, 120_000)

test('a hostile caller sending many pathological queries holds at most twice the query threads, and what it held is freed as they are aborted', async () => {
  const threads = 2
  const existing = await settledQueryThreads()
  const pool = createQueryPool({timeoutMs: 120_000, memoryMb: 256, threads})
  const hostile = new AbortController()
  let most = 0
  const count = () => (most = Math.max(most, queryThreads().filter((t) => !existing.has(t)).length))
  const sampler = setInterval(count, 10)
  try {
    expect(await pool.run(cheap(), {holder: 'hostile'})).toMatchObject({ok: true})
    const pathological = Array.from({length: 8}, () =>
      track(pool.run(squareQuery(PATHOLOGICAL), {signal: hostile.signal, holder: 'hostile'})),
    )
    // Two demoted on the pool's threads gave their turns back, two more took them (on the
    // overflow's threads) and were demoted in turn, every extra turn in use: four threads.
    await expect.poll(count, {timeout: 60_000, interval: 50}).toBe(2 * threads)
    // A while longer: no fifth thread for the four queries still waiting.
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    count()
    expect(most).toBe(2 * threads)
    expect(pathological.filter((state) => state.settled)).toEqual([])
    // Counted until here: a thread terminated as its query is aborted may still be listed while
    // it tears down and its replacement starts.
    clearInterval(sampler)
    hostile.abort()
    await expect.poll(() => pathological.every((state) => state.settled)).toBe(true)
    for (const {error} of pathological) expect(error).toBeInstanceOf(UnavailableError)
  } finally {
    hostile.abort()
    clearInterval(sampler)
  }
  // Everything the aborted queries held was freed: one more pathological query is demoted and
  // gives its turn back, and the reader is answered beside it (a leaked extra turn: it waited).
  const slow = new AbortController()
  try {
    const pathological = pool.run(squareQuery(PATHOLOGICAL), {
      signal: slow.signal,
      holder: 'hostile2',
    })
    const held = track(pathological)
    const readers = await Promise.all(
      Array.from({length: threads + 1}, (_, i) => pool.run(cheap(), {holder: `reader${i}`})),
    )
    for (const answer of readers) expect(answer).toMatchObject({ok: true, json: '10'})
    expect(held.settled).toBe(false)
  } finally {
    slow.abort()
    await pool.close()
  }
}, 180_000)

test('a demoted query ended at its deadline frees its extra turn for the next demoted query', async () => {
  const pool = createQueryPool({timeoutMs: 8_000, memoryMb: 256, threads: 1})
  try {
    for (let round = 0; round < 2; round++) {
      const pathological = pool.run(squareQuery(PATHOLOGICAL), {holder: 'hostile'})
      const held = track(pathological)
      expect(await pool.run(cheap(), {holder: `reader${round}`})).toMatchObject({
        ok: true,
      })
      expect(held.settled, `round ${round}: the pathological query still runs`).toBe(false)
      await expect(pathological).rejects.toBeInstanceOf(QueryTimeoutError)
    }
  } finally {
    await pool.close()
  }
}, 120_000)

/** Takes a turn of `turns` for `holder`, and says whether it has been given yet. */
function take(turns: ReturnType<typeof createTurns>, holder: string, signal?: AbortSignal) {
  let turn: Turn | undefined
  const taking = turns(holder, signal ?? new AbortController().signal).then((t) => (turn = t))
  taking.catch(() => undefined)
  return {taking, turn: () => turn}
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

test('turns: a demoted query gives its turn back, its extra turn is freed once, and no more extra turns than slots are given', async () => {
  const turns = createTurns(1)
  const a = take(turns, 'hostile')
  await settle()
  const c = take(turns, 'reader')
  const b = take(turns, 'hostile')
  await settle()
  expect([a.turn(), b.turn(), c.turn()].map(Boolean)).toEqual([true, false, false])
  // A is demoted: its turn (and its caller's count) given back, the reader waiting longest has it.
  a.turn()!.demoted()
  a.turn()!.demoted()
  await settle()
  expect([b.turn(), c.turn()].map(Boolean)).toEqual([false, true])
  // The reader's query is demoted too, but the one extra turn is A's: it keeps its turn.
  c.turn()!.demoted()
  await settle()
  expect(b.turn()).toBeUndefined()
  // A ends: C's demotion takes the freed extra turn, and gives its turn to B.
  a.turn()!.end()
  a.turn()!.end()
  await settle()
  expect(b.turn()).toBeDefined()
  // One turn and one extra turn in use: D waits, however often they are ended or demoted.
  b.turn()!.end()
  b.turn()!.end()
  const d = take(turns, 'other')
  const e = take(turns, 'other2')
  await settle()
  expect([d.turn(), e.turn()].map(Boolean)).toEqual([true, false])
  c.turn()!.end()
  c.turn()!.demoted()
  c.turn()!.end()
  await settle()
  expect(e.turn()).toBeUndefined()
  // D demoted takes the freed extra turn: E's turn.
  d.turn()!.demoted()
  await settle()
  expect(e.turn()).toBeDefined()
  // An aborted wait takes nothing.
  const leaving = new AbortController()
  const f = take(turns, 'leaving', leaving.signal)
  const g = take(turns, 'next')
  leaving.abort()
  await expect(f.taking).rejects.toBeDefined()
  e.turn()!.end()
  await settle()
  expect(g.turn()).toBeDefined()
  const h = take(turns, 'last')
  await settle()
  expect(h.turn()).toBeUndefined()
})
