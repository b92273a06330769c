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
import {workerNice} from '../../../lake/query/thread.ts'

const pool = createQueryPool({timeoutMs: 10_000, memoryMb: 64, threads: 2})
afterAll(() => pool.close())

/** Each thread of this process: its name (field 2 of /proc/self/task/<tid>/stat) and nice (19). */
function threads(): {name: string; nice: number}[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // The name may hold spaces; fields after it are space-separated.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      return [{name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])}]
    } catch {
      return [] // it ended meanwhile
    }
  })
}

const niceValues = () => threads().map((thread) => thread.nice)

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
  await pool.filter(task, 10_000, 30_000)
  // Both threads start with the pool; the warm-up task proves the engine loaded on one of them.
  await expect
    .poll(() => niceValues().filter((nice) => nice === WORKER_NICE).length - before)
    .toBe(2)
  expect(niceValues()).toContain(lakeNice)
})

/** Per thread of this process: its nice value and the CPU it has used, in ms (schedstat). */
function threadStates(): Map<string, {nice: number; cpuMs: number}> {
  const states = new Map<string, {nice: number; cpuMs: number}>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      states.set(tid, {nice, cpuMs: ns / 1e6})
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return states
}

test('a query thread lowers its priority before it loads the query engine', async () => {
  const existing = new Set(threadStates().keys())
  // Each new thread: the CPU it had used when last seen at the lake's priority, whether it was
  // seen lowered, and the CPU it had used when last seen. The compile cache's warm-up thread loads
  // the engine too (before the pool's thread), and must lower its priority first as well.
  const seen = new Map<string, {atLakeNice: number; lowered: boolean; cpuMs: number}>()
  const sample = () => {
    for (const [tid, {nice, cpuMs}] of threadStates()) {
      if (existing.has(tid)) continue
      if (nice !== lakeNice && nice !== WORKER_NICE) continue
      const thread = seen.get(tid) ?? {atLakeNice: 0, lowered: false, cpuMs: 0}
      if (nice === lakeNice && !thread.lowered) thread.atLakeNice = cpuMs
      if (nice === WORKER_NICE) thread.lowered = true
      thread.cpuMs = cpuMs
      seen.set(tid, thread)
    }
  }
  const sampler = setInterval(sample, 1)
  // One thread: once the first task is answered, it has loaded the engine.
  const cold = createQueryPool({timeoutMs: 30_000, memoryMb: 64, threads: 1})
  try {
    const task = {kind: 'filter' as const, query: '_type == "a"', params: {}, identity: 'x'}
    await cold.filter({...task, documents: []}, 30_000, 30_000)
    sample()
  } finally {
    clearInterval(sampler)
    await cold.close()
  }
  // The threads that loaded the engine (tens of ms of CPU and more), not libuv's helpers.
  const loaders = [...seen.values()].filter((thread) => thread.cpuMs > 30)
  expect(loaders.length).toBeGreaterThan(0)
  for (const {atLakeNice, lowered, cpuMs} of loaders) {
    expect(lowered).toBe(true)
    // Before, the thread lowered its priority once groq-js, the store and the rest were loaded:
    // nearly all of its start ran at the event loop's priority and took the event loop's share of
    // the CPU. Now only Node's start of a thread does (about 40 % of it on this machine).
    expect(atLakeNice / cpuMs, `${Math.round(atLakeNice)} of ${Math.round(cpuMs)} ms`).toBeLessThan(
      0.7,
    )
  }
})

test('a read thread ends when idle, and the next read-lane task starts one (as write threads do)', async () => {
  // An idle thread never collects: the heap a bulk load's builds left stayed for the lake's life.
  const writes = createQueryPool({timeoutMs: 10_000, memoryMb: 64, threads: 2, laneIdleMs: 300})
  try {
    // Read (and write) threads run at the lake's priority; the other pool's query threads run niced.
    const writeThreads = () =>
      threads().filter((t) => t.name === 'WorkerThread' && t.nice === lakeNice).length
    const before = writeThreads()
    const read = {
      kind: 'documents' as const,
      dataDir: '/nonexistent-lake',
      dataset: 'x',
      ids: ['a'],
    }
    expect(await writes.documents(read)).toBeInstanceOf(Uint8Array)
    expect(writeThreads() - before).toBe(1)
    await expect.poll(() => writeThreads() - before, {timeout: 10_000}).toBe(0)
    expect(await writes.documents(read)).toBeInstanceOf(Uint8Array)
    expect(writeThreads() - before).toBe(1)
  } finally {
    await writes.close()
  }
})
