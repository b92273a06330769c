/**
 * A query thread gives back the young generation a task grew (issue 9, the query set's peak RSS).
 * V8 grows a thread's young generation to its limit under a task that allocates fast and keeps
 * much alive for a while (a scan over every article), and keeps it, resident, while the thread
 * waits for its next task: it never collects while idle.
 */
import {expect, test} from 'vitest'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {squareQuery} from '../../helpers/squareFilter.ts'

/**
 * A query over `$s` (no documents) that holds 1.8 million strings alive at once: the characters of
 * six copies of it, each a string of its own (V8 shares only those of one byte).
 */
function manyStrings() {
  const task = squareQuery(1)
  const query = 'count(string::split($s + $s + $s + $s + $s + $s, ""))'
  return {...task, request: {...task.request, query, params: {s: 'অ'.repeat(300_000)}}}
}

const young = () => ({...squareQuery(1), request: {...squareQuery(1).request, query: 'young'}})

/** A quarter of the 16 MB a query thread's young generation may grow to (pool.ts YOUNG_MB). */
const SMALL = 4 * 1024 * 1024

test('a query thread gives back the young generation that loading the engine or a task grew, before it waits for the next', async () => {
  const pool = createQueryPool({
    timeoutMs: 120_000,
    memoryMb: 256,
    threads: 1,
    thread: new URL('./threadReportsYoung.ts', import.meta.url).href,
  })
  try {
    const size = async () => Number(((await pool.run(young())) as {json: string}).json)
    // Loading the engine grew it to its limit (16 MB on main, every query thread for the lake's life).
    expect(await size()).toBeLessThanOrEqual(SMALL)
    const answer = await pool.run(manyStrings())
    expect(answer, JSON.stringify(answer).slice(0, 300)).toMatchObject({ok: true, json: '1800000'})
    expect(await size()).toBeLessThanOrEqual(SMALL)
  } finally {
    await pool.close()
  }
}, 120_000)
