/**
 * The overflow lane doubles how many query threads may run, each within --query-memory; without a
 * bound over all of them the lake's default (1,024 MB, three threads) let six threads hold 6 GB on
 * a two-core machine. The query and overflow threads running tasks hold together at most what the
 * query threads alone may (threads × the cap): past it the overflow's task holding the most is
 * stopped. No timings: which query is stopped, which answered, which still runs.
 */
import {execFileSync} from 'node:child_process'
import {closeSync, constants, existsSync, openSync, readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {expect, test} from 'vitest'
import {UnavailableError} from '../../../lake/core/errors.ts'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {squareQuery} from '../../helpers/squareFilter.ts'
import {track} from '../../helpers/track.ts'

const cheap = () => squareQuery(10)

test("beside a demoted query, the overflow's threads answer a cheap query but stop a heavy one past the query threads' memory together", async () => {
  // One query thread of 80 MB: the first query holds it, under the cap, to the end of the test.
  // Heaps filled exactly (threadHoldsHeap.ts), 50 MB each: either thread alone within its 80, the
  // two together past them whatever the machine's load. Two squared-string queries did it before,
  // their heaps between collections 41-48 and 32-42 MB: together past 80 only if their peaks met.
  const pool = heapPool({threads: 1})
  const dir = await mkdtemp(join(tmpdir(), 'lake-overflow-sum-'))
  const grow = join(dir, 'grow')
  const first = new AbortController()
  const second = new AbortController()
  try {
    // threadHoldsHeap.ts answers a cheap query with its thread's Linux id: the query thread's.
    const queryThread = await pool.run(cheap(), {holder: 'hostile'})
    expect(queryThread).toMatchObject({ok: true, json: expect.stringMatching(/^\d+$/)})
    // Spins, its heap small, until `grow` exists: it uses CPU and is demoted.
    const held = track(
      pool.run(holding({fillMb: 50, spinUntil: grow}), {signal: first.signal, holder: 'hostile'}),
    )
    // Demoted, it gave its turn back: the reader runs on an overflow thread (the lane's benefit).
    const reader = await pool.run(cheap(), {holder: 'reader'})
    expect(reader).toMatchObject({ok: true, json: expect.stringMatching(/^\d+$/)})
    const readerThread = (reader as {json: string}).json
    expect(existsSync(`/proc/self/task/${readerThread}`), 'a thread of this process').toBe(true)
    expect(readerThread, 'not the query thread').not.toBe((queryThread as {json: string}).json)
    expect(held.settled, 'the query on the query thread still runs').toBe(false)
    // The held query fills its heap to 50 MB and spins on; a second heavy query on the overflow
    // does the same: each thread within 80 MB, both together past it. Only the budget ends it
    // (no deadline within the test): its answer would be a failure naming no error.
    await writeFile(grow, '')
    const heavy = pool.run(holding({fillMb: 50, spinUntil: grow}), {
      signal: second.signal,
      holder: 'hostile2',
    })
    const stopped = await heavy.then(
      (answer) => answer,
      (err: unknown) => err,
    )
    expect(stopped).toBeInstanceOf(UnavailableError)
    expect((stopped as Error).message).toMatch(/more than the 80 MB they may hold together/)
    // The query thread's query is not the overflow's: it still runs.
    expect(held.settled, 'the query on the query thread still runs').toBe(false)
  } finally {
    first.abort()
    second.abort()
    await pool.close()
    await rm(dir, {recursive: true, force: true})
  }
}, 120_000)

/**
 * Query threads of 80 MB (two unless given) running threadHoldsHeap.ts, with no deadline or idle end (10
 * minutes) within a test: only the memory budget ends a thread. `demoteAfterMs`: the pool's
 * (DEMOTE_AFTER_MS) unless given.
 */
function heapPool({threads = 2, demoteAfterMs}: {threads?: number; demoteAfterMs?: number} = {}) {
  return createQueryPool({
    timeoutMs: 600_000,
    memoryMb: 80,
    threads,
    laneIdleMs: 600_000,
    thread: new URL('./threadHoldsHeap.ts', import.meta.url).href,
    demoteAfterMs,
  })
}

/**
 * A task of threadHoldsHeap.ts: its thread's heap filled to `fillMb`, after `spinUntil` exists;
 * `unread`, the pool never reads its heap while it runs; `spinCpuMs`, it spins that much CPU once
 * filled; `blockOn`, it then waits to open that FIFO.
 */
function holding(params: {
  fillMb: number
  spinUntil?: string
  unread?: boolean
  spinCpuMs?: number
  blockOn?: string
}) {
  return {...cheap(), request: {query: 'held', params, apiVersion: '2025-02-19'}}
}

test.each([
  ['its heap read as its task ran or once idle', false],
  ['its heap never read as its task ran, only once idle', true],
])(
  "an idle overflow thread's heap counts in the budget (%s): the thread is ended when the query threads' heaps grow past it beside its own",
  async (_, unread) => {
    // The two may hold 160 MB together, the overflow's threads beside. An overflow thread would
    // end of itself only after 10 minutes idle, past the test's timeout (its hang guard): no
    // wall-clock bound tells the budget's end from the idle one.
    const pool = heapPool()
    const dir = await mkdtemp(join(tmpdir(), 'lake-overflow-heap-'))
    const grow = join(dir, 'grow')
    const hostile = new AbortController()
    try {
      // Two queries that spin, their heaps small, until told to fill them to 70 MB each.
      const held = [1, 2].map((i) =>
        track(
          pool.run(holding({fillMb: 70, spinUntil: grow}), {
            signal: hostile.signal,
            holder: `hostile${i}`,
          }),
        ),
      )
      // Beside them once demoted, on an overflow thread: 60 MB, which its thread keeps once idle.
      const answer = await pool.run(holding({fillMb: 60, unread}), {holder: 'reader'})
      const idle = Number((answer as {json: string}).json)
      expect(existsSync(`/proc/self/task/${idle}`)).toBe(true)
      // The query threads fill their heaps: 140 MB, within the 160 alone, past it with the idle
      // thread's 60.
      await writeFile(grow, '')
      // Until the idle thread ends (without the budget's reading of idle heaps: the test's timeout).
      while (existsSync(`/proc/self/task/${idle}`)) {
        // A query thread's query ended (stopped, failed): their heaps will not grow, and the wait
        // would only end at the test's timeout, saying nothing of why.
        const ended = held.find((query) => query.settled)
        if (ended) expect.fail(`a query thread's query ended first: ${String(ended.error)}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // The running queries were not stopped for it.
      expect(held.map((query) => query.settled)).toEqual([false, false])
    } finally {
      hostile.abort()
      await pool.close()
      await rm(dir, {recursive: true, force: true})
    }
  },
  120_000,
)

test("a thread stopped for the budget leaves the threads' sum at its stop, not at its end: the query beside it is answered while the stopped thread is still ending", async () => {
  // 160 MB for the query and overflow threads together. The held queries (spinning without end)
  // are demoted and give their turns back; the first and second (0.6-1.1 s of CPU each) are not:
  // demoted, they spun 10 nice steps down, and beside 4 busy loops (load 12) took 47 s of 63.
  const pool = heapPool({demoteAfterMs: 2_000})
  const dir = await mkdtemp(join(tmpdir(), 'lake-overflow-stopped-'))
  const filled = join(dir, 'filled')
  await writeFile(filled, '')
  const fifo = join(dir, 'fifo')
  execFileSync('mkfifo', [fifo])
  const hostile = new AbortController()
  try {
    // Two queries that fill 30 MB each and spin: demoted, they fill the query lane.
    const held = [1, 2].map((i) =>
      track(
        pool.run(holding({fillMb: 30, spinUntil: filled}), {
          signal: hostile.signal,
          holder: `h${i}`,
        }),
      ),
    )
    // On an overflow thread: 70 MB, read as it spins (130 MB in all), then held in a system call,
    // so that once stopped its thread ends only when the test lets it.
    const first = pool
      .run(holding({fillMb: 70, spinCpuMs: 500, blockOn: fifo}), {
        signal: hostile.signal,
        holder: 'first',
      })
      .then(
        () => null,
        (err: unknown) => err,
      )
    const firstState = track(first)
    const tidFile = `${fifo}.tid`
    // Its thread asleep once it has said which it is: in the FIFO's open (the file may be half
    // written as it is read).
    const blocked = () => {
      try {
        const stat = readFileSync(`/proc/self/task/${readFileSync(tidFile, 'utf8')}/stat`, 'latin1')
        return stat.replace(/^.*\) /s, '').startsWith('S')
      } catch {
        return false
      }
    }
    while (!blocked()) {
      // Stopped before it blocked (its cap, the budget): it never will, and the wait would end
      // only at the test's timeout.
      if (firstState.settled)
        expect.fail(`the first ended before it blocked: ${String(await first)}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const stoppedThread = readFileSync(tidFile, 'utf8')
    // Beside it, on the other overflow thread: 40 MB (170 in all). The budget stops the first,
    // holding the most (100 left), and this one's readings go on while the first's thread ends.
    const second = await pool.run(holding({fillMb: 40, spinCpuMs: 1000}), {
      signal: hostile.signal,
      holder: 'second',
    })
    expect(second).toMatchObject({ok: true})
    // Stopped by one of the second's readings, so before its answer (the stop settles it at once):
    // otherwise nothing would end it before the test's, it waits in the FIFO's open.
    expect(firstState.settled, 'the budget stopped the first while the second ran').toBe(true)
    const stopped = await first
    expect(stopped).toBeInstanceOf(UnavailableError)
    expect((stopped as Error).message).toMatch(/more than the 160 MB they may hold together/)
    expect(existsSync(`/proc/self/task/${stoppedThread}`), 'the stopped thread was ending').toBe(
      true,
    )
    expect(held.map((query) => query.settled)).toEqual([false, false])
  } finally {
    hostile.abort()
    // A writer held open through the close lets the stopped thread out of the FIFO's open, or
    // through it if it gets there later (a FIFO opened for reading and writing neither blocks nor
    // fails without a reader, on Linux; a write-only one was ENXIO then, and the close waited).
    const writer = openSync(fifo, constants.O_RDWR)
    try {
      await pool.close()
    } finally {
      closeSync(writer)
    }
    await rm(dir, {recursive: true, force: true})
  }
}, 120_000)
