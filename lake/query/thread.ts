/**
 * A pool thread's first module (piscina's `filename`): a query thread lowers its priority, then
 * loads the engine (worker.ts). Loading groq-js, the store and the rest takes a thread 0.3-1.5 s of
 * CPU; when a thread lowered its priority only once that was done, the pool's three threads loaded
 * at the event loop's priority, which (with autogroup scheduling, the lake's threads share their
 * group's CPU) left the event loop a quarter of it: on a busy machine pings waited 0.3-0.6 s after
 * the first query, and again while a thread terminated at a deadline was replaced.
 */
import {readlinkSync} from 'node:fs'
import {createRequire} from 'node:module'
import {getPriority, setPriority} from 'node:os'
import {workerData as threadData} from 'node:worker_threads'
import {isWorkerThread, workerData} from 'piscina'
import type * as Engine from './worker.ts'

/**
 * How much nicer than the lake a query thread runs. A query on a worker is the expensive kind (a
 * scan, or a pathological one running to its deadline); the event loop answers pings, in-place
 * lookups and writes. On a machine with few cores they compete for the same core, so the kernel is
 * told to favour the event loop. Relative, so a lake started under `nice` keeps the gap. (With
 * autogroup scheduling, the Linux default, other sessions share the CPU by group whatever the
 * nice values inside it.)
 */
export const WORKER_NICENESS = 10

/** The nice value of a query thread of a lake running at `lakeNice` (19 is the lowest priority). */
export function workerNice(lakeNice: number): number {
  return Math.min(19, lakeNice + WORKER_NICENESS)
}

/**
 * Lowers this thread's priority. Linux keeps a nice value per thread, and setpriority() on a
 * thread id (the last part of /proc/thread-self) changes that thread alone; elsewhere the worker
 * keeps the lake's priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, workerNice(getPriority(tid)))
  } catch {
    // No /proc (macOS, Windows), or not permitted: the same priority as the event loop.
  }
}

// Not on the threads that build writes or read large documents (pool.ts says why). A pool's
// thread carries piscina's workerData; the compile cache's warm-up thread (pool.ts) its own, and
// is lowered like a query's.
const lane = ((isWorkerThread ? workerData : threadData) as {lane?: string} | null)?.lane
if (lane !== undefined && lane !== 'writes' && lane !== 'reads') lowerPriority()

// Only now the engine, as piscina would load it (require first: the compile cache's key).
const engine = createRequire(import.meta.url)('./worker.ts') as typeof Engine

export default engine.default
