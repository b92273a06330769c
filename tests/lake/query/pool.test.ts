/**
 * Query workers run at a lower priority than the lake's event loop (issue 9, isolation): on a
 * machine with few cores a worker running a pathological query to its deadline competes with the
 * event loop for a core, and the kernel must favour the event loop (pings, in-place lookups,
 * writes).
 */
import {readdirSync, readFileSync} from 'node:fs'
import {getPriority} from 'node:os'
import {afterAll, expect, test} from 'vitest'
import {createQueryPool} from '../../../lake/query/pool.ts'
import {workerNice} from '../../../lake/query/wire.ts'

const pool = createQueryPool({timeoutMs: 10_000, memoryMb: 64, threads: 2})
afterAll(() => pool.close())

/** The nice value of each thread of this process (field 19 of /proc/self/task/<tid>/stat). */
function niceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces; fields after it are space-separated.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
  })
}

// The test may itself run under `nice` (as CI jobs often do): the gap is what counts.
const lakeNice = getPriority()
const WORKER_NICE = workerNice(lakeNice)

test('query threads run niced, the event loop does not', async () => {
  expect(WORKER_NICE).toBeGreaterThan(lakeNice)
  const before = niceValues().filter((nice) => nice === WORKER_NICE).length
  const task = {
    kind: 'filter' as const,
    query: '_type == "a"',
    params: {},
    identity: 'x',
    documents: [],
  }
  await pool.filter(task, 10_000)
  // Both threads start with the pool; the warm-up task proves the engine loaded on one of them.
  await expect
    .poll(() => niceValues().filter((nice) => nice === WORKER_NICE).length - before)
    .toBe(2)
  expect(niceValues()).toContain(lakeNice)
})
