/**
 * A pool thread's first module (piscina's `filename`): a query thread lowers its priority, loads
 * the engine (worker.ts), then takes the lake's priority back. Loading groq-js, the store and the
 * rest takes a thread 0.3-1.5 s of CPU; when the pool's three threads loaded at the event loop's
 * priority, they (with autogroup scheduling, the lake's threads share their group's CPU) left the
 * event loop a quarter of it: on a busy machine pings waited 0.3-0.6 s after the first query, and
 * again while a thread terminated at a deadline was replaced. Its tasks then run at their callers'
 * priority (an anonymous caller's niced, worker.ts) until the pool demotes one that used too much
 * CPU (priority.ts). A lake that may not raise a thread back (no CAP_SYS_NICE nor RLIMIT_NICE: a
 * developer's `npm run dev`) loads its query threads at its own priority instead (lowered, they
 * stayed so for life), and its anonymous lane's threads lowered, for life (pool.ts).
 */
import {getPriority} from 'node:os'
import {workerData as threadData} from 'node:worker_threads'
import {isWorkerThread, workerData} from 'piscina'
import {createRequire} from 'node:module'
import {
  mayRaiseTo,
  nameOwnThread,
  ownThreadId,
  QUERY_THREAD_NAME,
  setThreadNice,
  WARM_UP_THREAD_NAME,
  WRITE_THREAD_NAME,
  workerNice,
} from './priority.ts'
import type * as Engine from './worker.ts'

// Not on the threads that build writes or read large documents (pool.ts says why). A pool's
// thread carries piscina's workerData; the compile cache's warm-up thread (pool.ts) its own, and
// is lowered like a query's.
const lane = ((isWorkerThread ? workerData : threadData) as {lane?: string} | null)?.lane
const tid = lane !== undefined && lane !== 'writes' && lane !== 'reads' ? ownThreadId() : null
const lakeNice = tid === null ? null : getPriority(tid)
if (lane === 'queries' || lane === 'anonymous') nameOwnThread(QUERY_THREAD_NAME)
// Named too, so that a closing pool finds it lowered (raiseLoweredQueryThreads).
else if (lane === 'warm') nameOwnThread(WARM_UP_THREAD_NAME)
else if (lane === 'writes') nameOwnThread(WRITE_THREAD_NAME)
// The compile cache's warm-up thread ends once loaded, and the anonymous lane's threads stay
// lowered for life (pool.ts): lowered either way.
const lowers = tid !== null && lakeNice !== null && (lane !== 'queries' || mayRaiseTo(lakeNice))
const lowered = lowers && setThreadNice(tid, workerNice(lakeNice))

// Only now the engine, as piscina would load it (require first: the compile cache's key).
const engine = createRequire(import.meta.url)('./worker.ts') as typeof Engine

// Back to the lake's priority for its tasks (allowed: mayRaiseTo).
if (lowered && lane === 'queries') setThreadNice(tid, lakeNice)

export default engine.default
