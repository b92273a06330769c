/**
 * Piscina starts no thread for the tasks queued in a pool whose threads all failed (one exited or
 * was killed under a task, or failed as it started: too many open files, too little memory) until
 * another task comes, and none at all once one failed as it started: the tasks queued there would
 * wait for ever. Such a pool is given up: destroyed, which answers them, with the failure kept
 * for their callers, and the pool's owner starts a new one for the next task. The idle thread
 * (idleThread.ts) and the query pool's lanes (lake/query/pool.ts) use it.
 */

/** What of a Piscina pool this needs. */
export interface StrandablePool {
  readonly threads: readonly unknown[]
  readonly queueSize: number
  destroy(): Promise<void>
}

export interface StrandedPools {
  /**
   * After a thread of `pool` failed with `err` (its 'error' event, or a task's rejection): when
   * that left tasks queued and no thread to run them, gives the pool up and returns true.
   */
  giveUp(pool: StrandablePool, err: Error): boolean
  /** Why `pool` was given up, for the tasks it answered; undefined while it was not. */
  failure(pool: StrandablePool): Error | undefined
}

export function createStrandedPools(): StrandedPools {
  const failures = new WeakMap<StrandablePool, Error>()
  return {
    giveUp(pool, err) {
      if (failures.has(pool) || pool.threads.length > 0 || pool.queueSize === 0) return false
      failures.set(pool, err)
      pool.destroy().catch(() => undefined)
      return true
    },
    failure: (pool) => failures.get(pool),
  }
}
