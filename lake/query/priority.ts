/**
 * Query threads' priority (Linux keeps a nice value per thread; elsewhere every read here answers
 * null and the threads keep the lake's priority). A query thread runs a signed-in caller's task at
 * the lake's priority and the pool demotes the one whose task has used more than DEMOTE_AFTER_MS
 * of CPU (pool.ts taskWatch), as schedulers demote a process by the CPU it used: a pathological
 * query run to its deadline still yields the core to the event loop, but a cheap one no longer
 * loses to any other load. (All queries 10 steps down: under the mixed load, 146 of 825 readers'
 * queries 504 while the query threads were given 3 s of CPU in 187 s; docs/benchmarks-log.md.) An
 * anonymous caller's query runs niced from its start: a flood of cheap public queries, each under
 * the allowance, took the cores from an editor's saves. Only node:fs and node:os: thread.ts loads
 * this before the engine.
 */
import {existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs'
import {getPriority, setPriority} from 'node:os'

/**
 * How much nicer than the lake a demoted query thread runs (and one loading the engine). Relative,
 * so a lake started under `nice` keeps the gap. (With autogroup scheduling, the Linux default,
 * other sessions share the CPU by group whatever the nice values inside it.)
 */
export const WORKER_NICENESS = 10

/** The nice value of a demoted query thread of a lake running at `lakeNice` (19 is the lowest). */
export function workerNice(lakeNice: number): number {
  return Math.min(19, lakeNice + WORKER_NICENESS)
}

/** The calling thread's Linux thread id (the last part of /proc/thread-self), or null. */
export function ownThreadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    return Number.isInteger(tid) && tid > 0 ? tid : null
  } catch {
    return null
  }
}

/**
 * What a query thread calls itself (Linux: /proc/<pid>/task/<tid>/comm, at most 15 characters):
 * the threads of a lake are otherwise told apart by nothing but their nice value, which is now the
 * lake's (the bench's CPU of the query threads, tests).
 */
export const QUERY_THREAD_NAME = 'lake-query'

/** What the compile cache's warm-up thread calls itself (pool.ts warm): lowered as it loads. */
export const WARM_UP_THREAD_NAME = 'lake-warm-up'

/**
 * What a write thread (pool.ts' writes lane: large write bodies read and built) calls itself:
 * started on demand, so a test tells by it whether a request's work went to one, beside the
 * store's threads (analyzer, checkpointer, commit thread) that start and end idle on their own.
 */
export const WRITE_THREAD_NAME = 'lake-write'

/** Names the calling thread (Linux); elsewhere nothing. */
export function nameOwnThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name)
  } catch {
    // No /proc: the name is for observers only.
  }
}

/** The CPU (ms) thread `tid` of this process has used (schedstat's first field, ns), or null. */
export function threadCpuMs(tid: number): number | null {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]) / 1e6
  } catch {
    return null // no /proc, or the thread ended
  }
}

/**
 * Sets thread `tid` of this process to `nice`; false when refused (a lower nice value needs
 * CAP_SYS_NICE or RLIMIT_NICE) or when the thread is no longer this process's (setpriority takes
 * any thread id of the system: a tid reused by another process is never touched).
 */
export function setThreadNice(tid: number, nice: number): boolean {
  try {
    if (!existsSync(`/proc/self/task/${tid}`)) return false
    if (getPriority(tid) !== nice) setPriority(tid, nice)
    return true
  } catch {
    return false
  }
}

/**
 * Sets this process's query threads (and the compile cache's warm-up thread) lowered below `nice`
 * (WORKER_NICENESS: demoted under a task, or still loading the engine) back to it, where allowed
 * (mayRaiseTo). For threads about to be terminated: a thread ends at its own priority (stops its
 * JavaScript, frees its heap), and the process's exit waits for every thread's end, so on a busy
 * machine a lowered one, given a tenth of a core or less, held a stopping lake's end. Every such
 * thread of the process: the lake has one pool.
 */
export function raiseLoweredQueryThreads(nice: number): void {
  if (!mayRaiseTo(nice)) return
  let tids: string[]
  try {
    tids = readdirSync('/proc/self/task')
  } catch {
    return // no /proc: no thread was lowered
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      if (name !== QUERY_THREAD_NAME && name !== WARM_UP_THREAD_NAME) continue
      if (getPriority(Number(tid)) === workerNice(nice)) setThreadNice(Number(tid), nice)
    } catch {
      // It ended meanwhile.
    }
  }
}

/** CAP_SYS_NICE's bit in /proc/<pid>/status's CapEff. */
const CAP_SYS_NICE = 23n

/**
 * Whether a thread of this process may set itself back to `nice` once lowered (Linux: with
 * CAP_SYS_NICE, or an RLIMIT_NICE of at least 20 - nice; "Max nice priority" in /proc/self/limits).
 * Without either, as a developer running the lake as themselves, a lowered thread stays so for
 * life. Read, not tried: trying means lowering a thread that may never come back. False without
 * /proc (then the threads are never lowered: ownThreadId is null).
 */
export function mayRaiseTo(nice: number): boolean {
  try {
    const status = readFileSync('/proc/self/status', 'latin1')
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1]
    if (capEff && (BigInt(`0x${capEff}`) >> CAP_SYS_NICE) & 1n) return true
    const limit = /^Max nice priority\s+(\S+)/m.exec(
      readFileSync('/proc/self/limits', 'latin1'),
    )?.[1]
    return limit === 'unlimited' || (limit !== undefined && 20 - Number(limit) <= nice)
  } catch {
    return false
  }
}
