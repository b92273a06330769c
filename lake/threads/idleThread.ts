/**
 * One worker thread kept while it has work: started by the first task (most test lakes never need
 * one) and ended after `idleMs` without one, so its heap and connections do not stay through what
 * the lake does next (a bulk load's analysis left the analyzer holding 45-80 MB). The store's
 * background threads (the search analyzer, the WAL checkpointer, the commit thread) and http's
 * body memory thread use it, so it imports neither (eslint.config.js).
 */
import {Piscina} from 'piscina'
import {withCompileCache} from '../../kit/compileCache.ts'

/** How long the thread waits for more work before it ends (by default). */
const IDLE_MS = 2000

export interface IdleThread<Task, Result> {
  /** `transfer`: buffers the task's value holds, moved to the thread rather than copied. */
  run(task: Task, transfer?: ArrayBuffer[]): Promise<Result>
  /**
   * Runs `closeTask`, if given (the thread closes its connections, after its current task), and
   * stops the thread. A thread gone idle closed its connections as it ended.
   */
  close(closeTask?: Task): Promise<void>
}

/** `name` says which thread failed, in the lake's log. */
export function createIdleThread<Task, Result>(
  filename: string,
  name: string,
  idleMs = IDLE_MS,
): IdleThread<Task, Result> {
  let pool: Piscina<Task, Result> | null = null
  return {
    run(task, transfer) {
      pool ??= new Piscina<Task, Result>({
        filename,
        minThreads: 0,
        maxThreads: 1,
        idleTimeout: idleMs,
        // Without Node's type stripper, which each thread would load again (kit/compileCache.ts).
        env: withCompileCache(),
        // A failure while it has no task is emitted on the pool: unheard, it would stop the lake.
      }).on('error', (err: Error) =>
        console.error(`lake: the ${name} thread failed: ${err.message}`),
      )
      return pool.run(task, transfer ? {transferList: transfer} : undefined)
    },
    async close(closeTask) {
      if (closeTask !== undefined && pool && pool.threads.length > 0) {
        await pool.run(closeTask).catch(() => undefined)
      }
      await pool?.destroy()
      pool = null
    },
  }
}
