/**
 * A query pool's thread module (overflowMemory.test.ts) whose tasks hold heap, as garbage an idle
 * thread never collects is held. A query task's `params`: `fillMb` fills this thread's heap up to
 * that many MB and answers with its Linux thread id; with `spinUntil` (a file) it first spins,
 * its heap small, until the file exists (used CPU: the pool demotes it), then fills its heap and
 * spins until it is stopped. With `unread` it does not say which thread it runs on, so the pool
 * cannot read its heap while it runs (as for a task that answers before the pool's first reading).
 * With `spinCpuMs` it spins after filling until its thread has used that much more CPU, then
 * answers, or with `blockOn` (a FIFO) writes its Linux thread id to `<blockOn>.tid` and opens the
 * FIFO: a thread held in a system call, whose end (once stopped) waits for a writer to open it.
 *
 * Its heap reads as what it holds, within a MB: a fill ends with a full collection (counted with
 * the garbage of its own growth and of the thread's load, a fill to 70 MB read 63-78 MB as it
 * spun, against a cap of 80; now 69-70), and a spin reads its CPU only every SPIN_STEP iterations (each
 * reading is garbage: read each iteration, it grew the young generation by up to 8 MB between
 * scavenges).
 */
import {existsSync, openSync, writeFileSync} from 'node:fs'
import {getHeapStatistics} from 'node:v8'
import {isMainThread, threadId} from 'node:worker_threads'
import {
  nameOwnThread,
  ownThreadId,
  QUERY_THREAD_NAME,
  threadCpuMs,
} from '../../../lake/query/priority.ts'
import {TASK_SLOT} from '../../../lake/query/wire.ts'
import {exposedGc} from '../../../lake/threads/exposedGc.ts'

const tid = ownThreadId() ?? 0
// Not the test's own thread.
if (!isMainThread) nameOwnThread(QUERY_THREAD_NAME)

const held: string[] = []
const used = () => getHeapStatistics().used_heap_size
/** Fills the heap until what it holds, collected, is `mb` MB (less at most one). */
function fill(mb: number) {
  const gc = exposedGc()
  // A heap that reads as more than it holds makes a test's sums wrong: a failure, not a guess.
  if (!gc) throw new Error("threadHoldsHeap: V8's gc could not be had to fill the heap exactly")
  do {
    while (used() < mb * 2 ** 20) held.push('x'.repeat(2 ** 20))
    gc()
  } while (used() < (mb - 1) * 2 ** 20)
}

/** Iterations of a spin between two readings of its CPU (some milliseconds of it). */
const SPIN_STEP = 1_000_000
let spun = 0
/** Spins until thread `tid` has used `ms` more milliseconds of CPU. */
function spinCpu(ms: number) {
  const until = (threadCpuMs(tid) ?? 0) + ms
  while ((threadCpuMs(tid) ?? Infinity) < until) {
    for (let i = 0; i < SPIN_STEP; i++) spun = (spun + i) | 0
  }
}

interface Task {
  thread?: SharedArrayBuffer
  request?: {
    params?: {
      fillMb?: number
      spinUntil?: string
      unread?: boolean
      spinCpuMs?: number
      blockOn?: string
    }
  }
}

export default function run(task: Task | null) {
  if (task === null) return null
  // As worker.ts does: the pool reads the thread's heap and CPU once these are written.
  if (task.thread && task.request?.params?.unread !== true) {
    new Float64Array(task.thread, TASK_SLOT.cpuAtStartOffset, 1)[0] = threadCpuMs(tid) ?? 0
    const slot = new Int32Array(task.thread)
    Atomics.store(slot, TASK_SLOT.tid, tid)
    Atomics.store(slot, TASK_SLOT.threadId, threadId)
  }
  const {fillMb = 0, spinUntil, spinCpuMs, blockOn} = task.request?.params ?? {}
  if (spinUntil === undefined) {
    fill(fillMb)
    // Read by the pool meanwhile (it reads every 50 ms of the event loop, which outranks this
    // thread once demoted): its reading is of the heap filled.
    if (spinCpuMs !== undefined) spinCpu(spinCpuMs)
    if (blockOn !== undefined) {
      writeFileSync(`${blockOn}.tid`, String(tid))
      openSync(blockOn, 'r')
    }
    return {ok: true, json: String(tid)}
  }
  while (!existsSync(spinUntil));
  fill(fillMb)
  for (;;);
}
