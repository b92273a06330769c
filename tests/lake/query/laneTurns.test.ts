/**
 * The write and read lanes' threads take turns by caller, as the query threads do (createTurns):
 * they served their tasks first come, first served, so one caller's burst of large data/doc
 * reads, history rebuilds, or large writes' reads and builds made every other caller's wait behind
 * all of it. Counted, not timed: the lane's two threads are held by tasks waiting on a latch, one
 * caller queues eight tasks and another one, then the threads are freed one at a time, each
 * taking a task that waits in turn; the second thread freed goes to the other caller.
 */
import {expect, test} from 'vitest'
import {createQueryPool} from '../../../lake/query/pool.ts'

/** Each kind a caller can send many of, by the pool's method that runs it. */
const KINDS = [
  ['documents', 'documents'],
  ['history', 'history'],
  ['transaction', 'build'],
  ['read', 'read'],
] as const

/** Up to 64 tasks begun: [0] counts them, then their labels (threadWaitsOnLatch.ts). */
const began = new Int32Array(new SharedArrayBuffer(4 * 64))

const latch = () => new Int32Array(new SharedArrayBuffer(4))
const release = (held: Int32Array) => {
  Atomics.store(held, 0, 1)
  Atomics.notify(held, 0)
}

/** Waits until `count` tasks have begun; the test's own timeout bounds it. */
async function begun(count: number) {
  for (;;) {
    const now = Atomics.load(began, 0)
    if (now >= count) return
    await Atomics.waitAsync(began, 0, now).value
  }
}

test.each(KINDS)(
  "another caller's %s task is begun by the second thread freed, not after one caller's eight",
  async (kind, method) => {
    Atomics.store(began, 0, 0)
    const pool = createQueryPool({
      timeoutMs: 60_000,
      buildTimeoutMs: 60_000,
      memoryMb: 128,
      thread: new URL('./threadWaitsOnLatch.ts', import.meta.url).href,
    })
    const run = (label: number, held: Int32Array, holder: string) => {
      const task = {kind, label, began: began.buffer, latch: held.buffer}
      const send = pool[method] as (task: unknown, options: {holder: string}) => Promise<unknown>
      return send.call(pool, task, {holder})
    }
    const firstHeld = latch()
    const secondHeld = latch()
    const rest = latch()
    try {
      // The lane's two threads, each held by a task of a third caller.
      const holding = [run(100, firstHeld, 'holder'), run(101, secondHeld, 'holder')]
      await begun(2)
      const burst = Array.from({length: 8}, (_, i) => run(i + 1, rest, 'burst'))
      const other = run(0, rest, 'other')
      // Every task above has asked (a turn, or the lane's queue) before a thread is freed.
      await new Promise((resolve) => setImmediate(resolve))
      release(firstHeld)
      await begun(3)
      release(secondHeld)
      await begun(4)
      const order = [...began.subarray(1, 5)]
      release(rest)
      await Promise.all([...holding, ...burst, other])
      expect(order.slice(0, 2).sort()).toEqual([100, 101])
      // The burst's first, then the other caller's; on main the burst's second.
      expect(order.slice(2)).toEqual([1, 0])
    } finally {
      release(firstHeld)
      release(secondHeld)
      release(rest)
      await pool.close()
    }
  },
  120_000,
)
