/**
 * One worker thread kept while it has work: started by the first task (most test lakes never need
 * one) and ended after `idleMs` without one, so its heap and connections do not stay through what
 * the lake does next (a bulk load's analysis left the analyzer holding 45-80 MB). The store's
 * background threads (the search analyzer, the WAL checkpointer, the commit thread) and http's
 * body memory thread use it, so it imports neither (eslint.config.js).
 */
import {Piscina} from 'piscina'
import {withCompileCache} from '../../kit/compileCache.ts'
import {createStrandedPools} from './strandedPools.ts'

/** How long the thread waits for more work before it ends (by default). */
const IDLE_MS = 2000
/**
 * How long the thread's tasks pause before it runs its `trim` task (below IDLE_MS: before it
 * ends). Above the analyzer's longest wait for a fuller batch (200 ms) under steady writes, so
 * that fifty writers never bring one.
 */
export const TRIM_AFTER_MS = 500

export interface IdleThread<Task, Result> {
  /** `transfer`: buffers the task's value holds, moved to the thread rather than copied. */
  run(task: Task, transfer?: ArrayBuffer[]): Promise<Result>
  /** Runs a task that is not work (a reading of the thread's memory): it does not put off `trim`. */
  inspect(task: Task): Promise<Result>
  /**
   * Runs `closeTask`, if given (the thread closes its connections, after its current task), and
   * stops the thread. A thread gone idle closed its connections as it ended.
   */
  close(closeTask?: Task): Promise<void>
}

/**
 * `name` says which thread failed, in the lake's log. `trim`: a task the thread runs once its
 * tasks have paused for TRIM_AFTER_MS (lake/store/threadTrim.ts: its heap given back before it
 * ends; the thread's own event loop cannot time it, Piscina blocks it in Atomics.wait between
 * tasks).
 */
export function createIdleThread<Task, Result>(
  filename: string,
  name: string,
  idleMs = IDLE_MS,
  trim?: Task,
): IdleThread<Task, Result> {
  let pool: Piscina<Task, Result> | null = null
  /**
   * Tasks sent and not answered, and the trim's timer once none is left. The timer is set only
   * when the count falls to 0, and every task's start clears it, so none is set here already.
   */
  let running = 0
  /** close() was called: a trim it cut short is not a failure to log. */
  let closing = false
  let trimTimer: NodeJS.Timeout | null = null
  const afterTask = () => {
    if (--running > 0 || trim === undefined || !pool) return
    trimTimer = setTimeout(runTrim, TRIM_AFTER_MS).unref()
  }
  const runTrim = () => {
    trimTimer = null
    // A thread already ended (or closed) is not started again for it.
    if (running > 0 || !pool || pool.threads.length === 0) return
    // Through runOn: a task sent while it runs waits behind it, stranded were its thread to end.
    runOn(pool, trim!).catch((err: Error) => {
      if (!closing) console.error(`lake: the ${name} thread's trim failed: ${err.message}`)
    })
  }
  /** Pools whose failed thread left tasks waiting: given up, the next task starts a new one. */
  const strandedPools = createStrandedPools()
  const stranded = (started: Piscina<Task, Result>, err: Error) => {
    if (strandedPools.giveUp(started, err) && pool === started) pool = null
  }
  const start = (): Piscina<Task, Result> => {
    if (pool) return pool
    const started = new Piscina<Task, Result>({
      filename,
      minThreads: 0,
      maxThreads: 1,
      idleTimeout: idleMs,
      // Without Node's type stripper, which each thread would load again (kit/compileCache.ts).
      env: withCompileCache(),
    })
    // A failure while it has no task is emitted on the pool: unheard, it would stop the lake.
    started.on('error', (err: Error) => {
      console.error(`lake: the ${name} thread failed: ${err.message}`)
      stranded(started, err)
    })
    return (pool = started)
  }
  const runOn = (started: Piscina<Task, Result>, task: Task, transfer?: ArrayBuffer[]) =>
    started.run(task, transfer ? {transferList: transfer} : undefined).catch((err: Error) => {
      stranded(started, err)
      throw strandedPools.failure(started) ?? err
    })
  return {
    run(task, transfer) {
      const answer = runOn(start(), task, transfer)
      running++
      if (trimTimer) clearTimeout(trimTimer)
      trimTimer = null
      answer.then(afterTask, afterTask)
      return answer
    },
    inspect: (task) => runOn(start(), task),
    async close(closeTask) {
      closing = true
      if (trimTimer) clearTimeout(trimTimer)
      trimTimer = null
      if (closeTask !== undefined && pool && pool.threads.length > 0) {
        await pool.run(closeTask).catch(() => undefined)
      }
      await pool?.destroy()
      pool = null
    },
  }
}
