/**
 * Every thread a Piscina pool started, kept until it has exited, so that a close waits for all of
 * them. Piscina's destroy() waits only for the threads it still lists: one it let go before (its
 * task aborted at a deadline or by a client gone, or ended idle) it had told to stop and dropped,
 * and such a thread inside a native call (a read, a SQLite step) outlived the close. The process's
 * exit() then waited for it, after ending the thread that keeps the stop limit
 * (lake/cli/stopping.ts), with nothing left to end the process.
 */
import type {Worker} from 'node:worker_threads'

/** What of a Piscina pool this needs. */
export interface ThreadStartingPool {
  readonly threads: readonly Worker[]
  on(event: 'workerCreate', listener: (thread: {readonly id: number}) => void): unknown
}

export interface StartedThreads {
  /** Keeps each thread `pool` starts (its 'workerCreate') until it exits. */
  watch(pool: ThreadStartingPool): void
  /** Keeps `worker` until it exits. */
  add(worker: Worker): void
  /** Tells every thread still running to stop; done once each has exited. */
  end(): Promise<void>
}

export function startedThreads(): StartedThreads {
  const running = new Set<Worker>()
  const add = (worker: Worker) => {
    if (running.has(worker)) return
    running.add(worker)
    worker.once('exit', () => running.delete(worker))
  }
  return {
    watch(pool) {
      pool.on('workerCreate', (thread) => {
        const worker = pool.threads.find((started) => started.threadId === thread.id)
        if (worker) add(worker)
      })
    },
    add,
    // terminate() of a thread already told to stop is done at its exit too.
    end: async () => void (await Promise.all([...running].map((worker) => worker.terminate()))),
  }
}
