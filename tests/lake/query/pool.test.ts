/**
 * Query threads' priority (issue 9): on a machine with few cores a thread running a pathological
 * query to its deadline competes with the event loop for a core, and the kernel must favour the
 * event loop (pings, in-place lookups, writes); but a cheap query must not lose to every other
 * load. A query thread runs at the lake's priority and is demoted by the CPU its task used.
 */
import {readdirSync, readFileSync} from 'node:fs'
import {getPriority} from 'node:os'
import {Worker} from 'node:worker_threads'
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {expect, test} from 'vitest'
import {createQueryPool, DEMOTE_AFTER_MS} from '../../../lake/query/pool.ts'
import {QUERY_THREAD_NAME, workerNice} from '../../../lake/query/priority.ts'
import {withoutSysNice} from '../../helpers/withoutSysNice.ts'
import {squareFilter} from '../../helpers/squareFilter.ts'

const run = promisify(execFile)

/** Each thread of this process: its name (field 2 of /proc/self/task/<tid>/stat) and nice (19). */
function threads(): {tid: string; name: string; nice: number}[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // The name may hold spaces; fields after it are space-separated.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      return [{tid, name, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])}]
    } catch {
      return [] // it ended meanwhile
    }
  })
}

// The test may itself run under `nice` (as CI jobs often do): the gap is what counts.
const lakeNice = getPriority()
const WORKER_NICE = workerNice(lakeNice)

/**
 * Whether a thread of this process may take a lower nice value back (CAP_SYS_NICE, or RLIMIT_NICE
 * high enough): a developer's `npm test` as a user has neither, CI as root both.
 */
async function mayTakeNiceBack(): Promise<boolean> {
  const probe = new Worker(
    `const os = require('node:os')
     const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())
     const nice = os.getPriority(tid)
     let back = false
     try { os.setPriority(tid, nice + 1); os.setPriority(tid, nice); back = true } catch {}
     require('node:worker_threads').parentPort.postMessage(back)`,
    {eval: true},
  )
  try {
    return await new Promise<boolean>((resolve) => probe.once('message', resolve))
  } finally {
    await probe.terminate()
  }
}

test("a query thread runs its task at the lake's priority, is demoted once the task has used DEMOTE_AFTER_MS of CPU, and takes the lake's priority back for the next (without the right to take it back, loads at the lake's priority and is retired once demoted)", async () => {
  expect(WORKER_NICE).toBeGreaterThan(lakeNice)
  if (!(await mayTakeNiceBack())) return expectRetiredOnceDemoted()
  const existing = new Set(threadStates().keys())
  const demoting = createQueryPool({timeoutMs: 120_000, memoryMb: 64, threads: 1})
  try {
    await demoting.filter(squareFilter(10), 60_000, 60_000)
    // The pool's one thread: the new thread that loaded the engine (tens of ms of CPU and more).
    // The compile cache's warm-up thread has ended by now.
    const [tid, ...others] = [...threadStates()]
      .filter(([id, {cpuMs}]) => !existing.has(id) && cpuMs > 30)
      .map(([id]) => id)
    expect(others).toEqual([])
    // Loaded niced (the test above), then back at the lake's priority to run queries: 10 steps
    // down, every query lost to any other load (under the mixed load, 146 of 825 readers' queries
    // 504 while the query threads were given 3 s of CPU in 187 s).
    expect(threadStates().get(tid)?.nice).toBe(lakeNice)

    // A task of seconds: sampled as it runs, the thread's CPU since the task began at each nice.
    const begin = threadStates().get(tid)!.cpuMs
    let atLake = 0
    let demotedAt: number | undefined
    const sampler = setInterval(() => {
      const state = threadStates().get(tid)
      if (!state) return
      if (state.nice === lakeNice && demotedAt === undefined) atLake = state.cpuMs - begin
      if (state.nice === WORKER_NICE) demotedAt ??= state.cpuMs - begin
    }, 5)
    try {
      expect(await demoting.filter(squareFilter(2400), 120_000, 60_000)).toEqual({
        ok: true,
        matches: [true],
      })
    } finally {
      clearInterval(sampler)
    }
    const spent = threadStates().get(tid)!.cpuMs - begin
    expect(spent, 'the long task used more CPU than the allowance').toBeGreaterThan(
      2 * DEMOTE_AFTER_MS,
    )
    expect(demotedAt, 'demoted while it ran').toBeDefined()
    // Not before its allowance (the pool reads the thread's CPU every 50 ms, from the first reading
    // on, so it is demoted a poll or two past it at most; ticks of 10 ms).
    expect(atLake).toBeGreaterThanOrEqual(DEMOTE_AFTER_MS * 0.9)
    expect(demotedAt!).toBeGreaterThanOrEqual(DEMOTE_AFTER_MS)

    // Its task answered, the same thread (not a new one) is back at the lake's priority.
    await expect.poll(() => threadStates().get(tid)?.nice).toBe(lakeNice)
    await demoting.filter(squareFilter(10), 60_000, 60_000)
    expect(threadStates().get(tid)?.nice).toBe(lakeNice)
  } finally {
    await demoting.close()
  }
}, 120_000)

/**
 * Without the right to take a lower nice value back, a query thread loads and runs at the lake's
 * priority (lowered, it stayed 10 steps down for life), is demoted by its long task, and is then
 * retired rather than reused niced: the next task runs on a fresh thread at the lake's priority.
 */
async function expectRetiredOnceDemoted() {
  const existing = new Set(threadStates().keys())
  const retiring = createQueryPool({timeoutMs: 120_000, memoryMb: 64, threads: 1})
  const newThreads = () =>
    [...threadStates()].filter(([id, {cpuMs}]) => !existing.has(id) && cpuMs > 30).map(([id]) => id)
  try {
    await retiring.filter(squareFilter(10), 60_000, 60_000)
    const [tid, ...others] = newThreads()
    expect(others).toEqual([])
    expect(threadStates().get(tid)?.nice).toBe(lakeNice)
    const nices = new Set<number>()
    const sampler = setInterval(() => {
      const state = threadStates().get(tid)
      if (state) nices.add(state.nice)
    }, 5)
    try {
      await retiring.filter(squareFilter(2400), 120_000, 60_000)
    } finally {
      clearInterval(sampler)
    }
    expect([...nices].sort()).toEqual([lakeNice, WORKER_NICE].sort())
    await retiring.filter(squareFilter(10), 60_000, 60_000)
    await expect.poll(() => threadStates().has(tid)).toBe(false)
    const fresh = newThreads().filter((id) => id !== tid)
    expect(fresh.length).toBeGreaterThan(0)
    for (const id of fresh) expect(threadStates().get(id)?.nice).toBe(lakeNice)
  } finally {
    await retiring.close()
  }
}

test('a task is demoted by the CPU it used from its start, even when the event loop reads its thread late', async () => {
  // The pool reads a thread's CPU every 50 ms from the event loop; a busy loop reads it late. The
  // first reading was taken as the task's start, so the CPU used before it went uncounted: on a
  // saturated lake, the very moment demotion matters, a long query ran its first seconds undemoted.
  if (!(await mayTakeNiceBack())) return
  const existing = new Set(threadStates().keys())
  const late = createQueryPool({timeoutMs: 120_000, memoryMb: 64, threads: 1})
  try {
    await late.filter(squareFilter(10), 60_000, 60_000)
    const [tid] = [...threadStates()]
      .filter(([id, {cpuMs}]) => !existing.has(id) && cpuMs > 30)
      .map(([id]) => id)
    const begin = threadStates().get(tid)!.cpuMs
    let demotedAt: number | undefined
    const sampler = setInterval(() => {
      const state = threadStates().get(tid)
      if (state?.nice === WORKER_NICE) demotedAt ??= state.cpuMs - begin
    }, 5)
    // Its outcome kept, so that a failed assertion below (the pool then closed) leaves no rejection.
    const answer = late.filter(squareFilter(2400), 120_000, 60_000).then(
      (matched) => matched,
      (err: Error) => err,
    )
    // Once the task runs on its thread (the event loop turned by setImmediate only, so the pool's
    // first reading, due 50 ms after the task was handed over, is rarely taken yet), the event loop
    // is held until the task has used twice its allowance (a busy machine gives the thread less
    // than a core): no reading of its thread meanwhile.
    const cpuOf = () => threadStates().get(tid)!.cpuMs - begin
    while (cpuOf() < 1) await new Promise((resolve) => setImmediate(resolve))
    const giveUpAt = performance.now() + 60_000
    while (cpuOf() < 2 * DEMOTE_AFTER_MS && performance.now() < giveUpAt);
    const atRelease = cpuOf()
    expect(atRelease).toBeGreaterThanOrEqual(2 * DEMOTE_AFTER_MS)
    try {
      expect(await answer).toEqual({ok: true, matches: [true]})
    } finally {
      clearInterval(sampler)
    }
    expect(demotedAt, 'demoted while it ran').toBeDefined()
    // Demoted at the first reading past its allowance, counted from the task's start: before, the
    // first reading was the start, and the thread ran a further allowance at the lake's priority.
    const due = Math.max(atRelease, DEMOTE_AFTER_MS)
    expect(demotedAt! - due, `allowance from ${Math.round(atRelease)} ms`).toBeLessThan(
      DEMOTE_AFTER_MS / 2,
    )
  } finally {
    await late.close()
  }
}, 120_000)

test("without the right to raise a thread back, a demoted thread is retired even when the pool's next task went to it first", async () => {
  // A process as a developer runs the lake (tests/helpers/withoutSysNice.ts). The pool has one
  // thread, and its first task queues the warm-up tasks behind it: one goes to the demoted thread
  // before its task's end is heard. The thread was left for retirement at the end of some later
  // task, and the pool, whose only thread it was, gave the next task none: it waited out its bound.
  const script = fileURLToPath(new URL('./retireFirstTask.ts', import.meta.url))
  const [command, ...args] = [...withoutSysNice(), process.execPath, script]
  const {stdout} = await run(command, args, {timeout: 100_000})
  const rounds = JSON.parse(stdout) as {slow: unknown; cheap: unknown; cheapMs: number}[]
  expect(rounds).toHaveLength(3)
  for (const {slow, cheap, cheapMs} of rounds) {
    expect(slow).toEqual({ok: true, matches: [true]})
    expect(cheap, `answered after ${cheapMs} ms`).toEqual({answer: {ok: true, matches: [true]}})
  }
}, 120_000)

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

test('a query thread lowers its priority before it loads the query engine (only where it may take it back)', async () => {
  const back = await mayTakeNiceBack()
  const existing = new Set(threadStates().keys())
  // Each new thread: the CPU it had used when last seen at the lake's priority, whether it was
  // seen lowered, and the CPU it had used when last seen. The compile cache's warm-up thread loads
  // the engine too (before the pool's thread), and must lower its priority first as well.
  const seen = new Map<
    string,
    {atLakeNice: number; lowered: boolean; cpuMs: number; query?: boolean}
  >()
  const sample = () => {
    const names = new Map(threads().map((t) => [t.tid, t.name]))
    for (const [tid, {nice, cpuMs}] of threadStates()) {
      if (existing.has(tid)) continue
      if (nice !== lakeNice && nice !== WORKER_NICE) continue
      const thread = seen.get(tid) ?? {atLakeNice: 0, lowered: false, cpuMs: 0}
      if (nice === lakeNice && !thread.lowered) thread.atLakeNice = cpuMs
      if (nice === WORKER_NICE) thread.lowered = true
      thread.cpuMs = cpuMs
      thread.query ||= names.get(tid) === QUERY_THREAD_NAME
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
  for (const {atLakeNice, lowered, cpuMs, query} of loaders) {
    // Without the right to take it back, a query thread lowered stayed so for life: it loads at
    // the lake's priority (the compile cache's warm-up thread, which then ends, still lowers).
    if (query && !back) {
      expect(lowered).toBe(false)
      continue
    }
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
    // Read (and write) threads run at the lake's priority. Threads of the tests above, at the
    // lake's priority too, may still be ending: only new ones count.
    const existing = new Set(threads().map((t) => t.tid))
    const writeThreads = () =>
      threads().filter(
        (t) => !existing.has(t.tid) && t.name === 'WorkerThread' && t.nice === lakeNice,
      ).length
    const before = 0
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
