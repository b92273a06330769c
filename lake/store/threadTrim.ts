/**
 * A store thread's own heap, given back before the thread ends (the search analyzer's: run on its
 * thread when its tasks pause, idleThread.ts `trim`).
 *
 * A thread that ends does not give its heap back then: V8 moves an ended isolate's pages into a
 * pool the process shares and frees them about 8 s later, from a task on another isolate
 * (src/heap/page-pool.cc, ReleaseOnTearDown). After a fast bulk load of the archive the analyzer's
 * thread held 105 MB of pages (69 MB live at its last scavenge), which stayed resident that long
 * after it ended, into the bench's first queries (docs/benchmarks-log.md, the peak RSS). V8's
 * memory-reducing collection on the thread's own heap compacts it and frees its emptied pages at
 * once, so what the pool gets at the end is the pages of its live objects.
 */
import {getHeapStatistics} from 'node:v8'
import {memoryReducingCollection} from './heapTrim.ts'

/** A heap smaller than this is left as it is (a thread that has only started holds 4-10 MB). */
export const THREAD_TRIM_ABOVE_BYTES = 24 * 1024 * 1024

export interface ThreadMemory {
  /** The thread's heap pages in memory now (V8's total_physical_size). */
  heapBytes: number
  /** Trims that ran a collection, since the thread started. */
  trims: number
  /** The last of them: its heap before and after. */
  lastTrim?: {before: number; after: number}
}

let trims = 0
let lastTrim: ThreadMemory['lastTrim']
let collect: (() => void) | null = null

/** The thread's heap now, and its trims so far. */
export function threadMemory(): ThreadMemory {
  return {heapBytes: getHeapStatistics().total_physical_size, trims, lastTrim}
}

/** Runs the memory-reducing collection on this thread's heap if it holds more than `aboveBytes`. */
export function trimThreadHeap(aboveBytes = THREAD_TRIM_ABOVE_BYTES): ThreadMemory {
  const before = getHeapStatistics().total_physical_size
  if (before > aboveBytes) {
    collect ??= memoryReducingCollection()
    collect()
    trims++
    lastTrim = {before, after: getHeapStatistics().total_physical_size}
  }
  return threadMemory()
}
