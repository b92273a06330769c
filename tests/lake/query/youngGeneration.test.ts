/**
 * A query thread gives back the young generation loading the engine or a long task grew (issue 9,
 * the query set's peak RSS). V8 grows a thread's young generation to its limit while the thread
 * loads groq-js and the rest, and under a long task that keeps much alive (a scan over every
 * article), and keeps it resident while the thread waits for tasks: it never collects idle.
 */
import {expect, test} from 'vitest'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {TRIM_AFTER_CPU_MS} from '../../../lake/query/worker.ts'
import {squareQuery} from '../../helpers/squareFilter.ts'

/** A quarter of the 16 MB a query thread's young generation may grow to (pool.ts YOUNG_MB). */
const SMALL = 4 * 1024 * 1024

/**
 * A query over `$s` and `$t` (no documents): 1.8 million strings alive at once (the characters of
 * six copies of `$s`, each a string of its own: V8 shares only those of one byte), then square
 * work over `$t`'s 2,400 characters, past TRIM_AFTER_CPU_MS of CPU (1,600 took 0.55 s).
 */
function longTask() {
  const task = squareQuery(1)
  const strings = 'count(string::split($s + $s + $s + $s + $s + $s, ""))'
  const square = 'count(string::split($t, "")[count(string::split($t, "")[@ == "x"]) > 0])'
  const params = {s: 'অ'.repeat(300_000), t: 'x'.repeat(2400)}
  return {...task, request: {...task.request, query: `[${strings}, ${square}]`, params}}
}

/** Answered by threadReportsYoung.ts with its thread's young generation, in bytes. */
const young = () => {
  const task = squareQuery(1)
  return {...task, request: {...task.request, query: 'young'}}
}

test(`a query thread gives back the young generation that loading the engine or a task of ${TRIM_AFTER_CPU_MS} ms of CPU grew, before it waits for the next`, async () => {
  const pool = createQueryPool({
    timeoutMs: 120_000,
    memoryMb: 256,
    threads: 1,
    thread: new URL('./threadReportsYoung.ts', import.meta.url).href,
    // Never demoted: the give-back follows the task's CPU, not its priority, and demoted beside a
    // loaded test run's processes the test took 55-95 s of its 120 (25 s without).
    demoteAfterMs: Infinity,
  })
  try {
    const size = async () => Number(((await pool.run(young())) as {json: string}).json)
    // On main: 16777216, its limit.
    expect(await size()).toBeLessThanOrEqual(SMALL)
    expect(await pool.run(longTask())).toMatchObject({ok: true, json: '[1800000,2400]'})
    expect(await size()).toBeLessThanOrEqual(SMALL)
    // The thread answers queries as before.
    expect(await pool.run(squareQuery(10))).toMatchObject({ok: true, json: '10'})
  } finally {
    await pool.close()
  }
}, 120_000)
