/**
 * The query workers of one lake: a piscina pool, started on the first query (most test lakes never
 * need it) and sized for the machine. Every query has a deadline counted from its arrival; at the
 * deadline, or when the caller goes away, the thread running it is terminated (the only way to
 * stop synchronous GROQ evaluation) and piscina starts a fresh one. Each worker has a heap cap.
 *
 * Why piscina rather than hand-rolled node:worker_threads: it already does the queueing,
 * abort-by-termination with replacement, resource limits, idle shutdown and clean destroy, and
 * dispatches through Atomics rather than a message round trip per task.
 */
import {createRequire, flushCompileCache} from 'node:module'
import {availableParallelism} from 'node:os'
import {fileURLToPath} from 'node:url'
import {Piscina} from 'piscina'
import {withCompileCache} from '../../kit/compileCache.ts'
import {QueryMemoryError, QueryTimeoutError, UnavailableError} from '../core/errors.ts'
import type {FilterTask, FilterTaskResult, QueryTask, QueryTaskResult, WorkerTask} from './wire.ts'

export interface QueryPoolOptions {
  /** Deadline per query, from its arrival (queueing included). */
  timeoutMs: number
  /** Old-generation heap per worker thread, in MB. */
  memoryMb: number
  /**
   * Worker threads; default: the cores, at least 3, so that with one thread on a slow query and
   * one restarting after a terminated one, a third still answers at once.
   */
  threads?: number
}

export interface QueryPool {
  /**
   * Runs a query on a worker; `signal` aborting (the client left) cancels it. With `since` (epoch
   * ms) the deadline counts from then: a request's several queries share one deadline.
   */
  run(task: QueryTask, signal?: AbortSignal, since?: number): Promise<QueryTaskResult>
  /** Runs a listener filter on a worker within `budgetMs` (a QueryTimeoutError past it). */
  filter(task: FilterTask, budgetMs: number): Promise<FilterTaskResult>
  /** Terminates every worker at once, whatever they are running (their teardown is not awaited). */
  close(): Promise<void>
}

const WORKER = new URL('./worker.ts', import.meta.url).href

/**
 * Young generation per thread, in MB. V8 grows it up to 128 MB on a thread that allocates fast (a
 * scan does), and that memory stays resident: three threads held more than the whole query set
 * needs. A smaller one costs a few more scavenges. A process started with `--max-semi-space-size`
 * (the lake's, kit/lakeProcess.ts: 8, so 16 MB) gives every thread the flag's size instead.
 */
const YOUNG_MB = 16

export function createQueryPool(options: QueryPoolOptions): QueryPool {
  let pool: Piscina<WorkerTask | null, unknown> | null = null
  /** The pool once a first worker has loaded the engine: deadlines count from there. */
  let ready: Promise<Piscina<WorkerTask | null, unknown> | null> | null = null
  let closed = false
  const threads = options.threads ?? Math.max(3, availableParallelism())

  function start(): Piscina<WorkerTask | null, unknown> {
    return new Piscina({
      filename: WORKER,
      // All threads start with the pool (a cold thread takes ~0.3–1.5 s to load the query engine),
      // so a free one is ready when another is busy; piscina replaces a terminated one at once.
      minThreads: threads,
      maxThreads: threads,
      resourceLimits: {
        maxOldGenerationSizeMb: options.memoryMb,
        maxYoungGenerationSizeMb: YOUNG_MB,
      },
      // Threads that find the engine's stripped TypeScript there never load Node's type stripper.
      env: withCompileCache(),
      // An idle thread's failure is emitted on the pool: unheard, it would stop the lake.
    }).on('error', (err: Error) => console.error(`lake: a query thread failed: ${err.message}`))
  }

  /**
   * Loads the worker's module here first and writes the compile cache (kit/compileCache.ts), so
   * the threads find every module they load there: one missing module (the worker's own, which
   * only threads load) makes a thread load Node's type stripper, some 15 MB for its life.
   */
  function warm() {
    // As piscina loads it (require first), so the cache holds it under the same key.
    createRequire(import.meta.url)(fileURLToPath(WORKER))
    flushCompileCache()
  }

  async function startPool() {
    try {
      warm()
    } catch {
      // A cache not written costs memory, not correctness.
    }
    if (closed) return null
    pool = start()
    // A null task only loads the worker; a query's deadline is not spent on a cold start.
    await pool.run(null).catch(() => undefined)
    return pool
  }

  async function dispatch(
    task: WorkerTask,
    timeoutMs: number,
    signal?: AbortSignal,
    since?: number,
  ) {
    if (closed) throw new UnavailableError('The lake is shutting down')
    ready ??= startPool()
    const running = await ready
    if (closed || !running) throw new UnavailableError('The lake is shutting down')
    const left = since === undefined ? timeoutMs : timeoutMs - (Date.now() - since)
    if (left <= 0) throw new QueryTimeoutError(timeoutMs)
    const deadline = AbortSignal.timeout(left)
    const abort = signal ? AbortSignal.any([deadline, signal]) : deadline
    try {
      return await running.run(task, {signal: abort})
    } catch (err) {
      if (deadline.aborted) throw new QueryTimeoutError(timeoutMs)
      if (closed) throw new UnavailableError('The lake is shutting down')
      if (signal?.aborted) throw new UnavailableError('The client closed the connection')
      if ((err as {code?: string}).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new QueryMemoryError(options.memoryMb)
      }
      throw err
    }
  }

  return {
    run: async (task, signal, since) =>
      (await dispatch(task, options.timeoutMs, signal, since)) as QueryTaskResult,
    filter: async (task, budgetMs) => (await dispatch(task, budgetMs)) as FilterTaskResult,
    async close() {
      if (closed) return
      closed = true
      // Every thread is told to stop at once, and what it ran is answered. Their teardown (each
      // frees its heap, 0.1-1 s at their nice level on a busy machine) is not waited for: the
      // threads only read, and the process ending ends them.
      pool?.destroy().catch(() => undefined)
    },
  }
}
