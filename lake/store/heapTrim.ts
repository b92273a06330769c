/**
 * Gives the event loop's heap back to the system once a burst of writes has gone idle.
 *
 * A bulk load parses and builds its documents on the event loop; V8 grows the heap under it (more
 * when the load is fast) and, after its collections, keeps the emptied pages: pages freed by a
 * collection go to V8's page pool, still resident, and only a memory-reducing collection releases
 * the pool and compacts the half-empty pages. V8 starts one itself only once it sees a low
 * allocation rate, which a lake answering queries after the load never shows: after a fast
 * archive load the process held 100-280 MB of such pages through the whole query set, its heap's
 * live objects 20-30 MB (docs/benchmarks-log.md, the peak RSS). A plain full collection (`gc()`)
 * empties the heap but leaves the pool resident.
 *
 * So when a store's writes have gone idle (its idle checkpoint), the trimmer looks at the
 * process's RSS, and if it is HEAP_TRIM_GROWTH_BYTES over the lowest seen while the event loop's
 * heap ran HEAP_TRIM_MAJOR_GCS full collections or more since the last trim (it was filled and
 * emptied again, as a bulk load does; query threads starting grow the RSS too, and a collection here
 * would not give that back), it runs V8's memory-reducing collection, through the `gc` of a fresh
 * context (the lake's own global gets no `gc`, and no flag is needed to start it): a stall of tens
 * of ms on the event loop, once per burst that grew the heap, never per write.
 */
import {constants, PerformanceObserver} from 'node:perf_hooks'
import {exposedGc} from '../threads/exposedGc.ts'

export interface HeapTrim {
  /** Writes went idle: trims if the process grew and its heap was churned since the last trim. */
  idle(): void
  /** Stops counting the event loop's collections (the lake closes). */
  close(): void
}

export interface HeapTrimOptions {
  /** The process's RSS (tests give their own). */
  rss?: () => number
  /**
   * Calls `count` with each full collection of this thread's heap; returns the stop (tests give
   * their own).
   */
  onMajorGc?: (count: () => void) => () => void
  /** The memory-reducing collection (tests give their own). */
  collect?: () => void
}

export const HEAP_TRIM_GROWTH_BYTES = 64 * 1024 * 1024
/** Loading the bench's archive ran 15-30 on the event loop; a few small writes none. */
export const HEAP_TRIM_MAJOR_GCS = 4
/** A trim that gave back less than this raises the mark to what it left. */
export const HEAP_TRIM_FREED_BYTES = 16 * 1024 * 1024

export function createHeapTrim(options: HeapTrimOptions = {}): HeapTrim {
  const rss = options.rss ?? (() => process.memoryUsage.rss())
  let collect = options.collect ?? null
  // The lowest RSS seen: growth is counted from what the process held at rest, never from what a
  // trim that gave back much left during a pause in a load (the analyzer's thread at its largest).
  let floor = rss()
  let majorGcs = 0
  const stop = (options.onMajorGc ?? observeMajorGcs)(() => void majorGcs++)
  return {
    idle() {
      const now = rss()
      floor = Math.min(floor, now)
      if (now - floor < HEAP_TRIM_GROWTH_BYTES || majorGcs < HEAP_TRIM_MAJOR_GCS) return
      collect ??= memoryReducingCollection()
      collect()
      majorGcs = 0
      // What a trim could not give back (query threads, SQLite's caches) is the process at rest
      // now: counted from the old mark, every later idle moment would run a collection that
      // frees nothing (hundreds of ms with a large live heap).
      const after = rss()
      if (now - after < HEAP_TRIM_FREED_BYTES) floor = after
    },
    close: stop,
  }
}

/** Node's `gc` performance entries of this thread's heap, the full collections counted. */
function observeMajorGcs(count: () => void): () => void {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (
        (entry as {detail?: {kind?: number}}).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR
      ) {
        count()
      }
    }
  })
  observer.observe({entryTypes: ['gc']})
  return () => observer.disconnect()
}

/**
 * V8's `gc` with the last-resort flavour, the one that collects with the memory-reducing flag
 * (Heap::CollectAllAvailableGarbage: it compacts and releases the page pool). Were the option
 * unknown (another V8), `gc` runs a plain full collection: less given back, nothing broken. Were
 * `gc` not to be had (exposedGc), the trim is skipped this time and tried again at the next.
 */
export function memoryReducingCollection(): () => void {
  let gc = exposedGc()
  return () => {
    gc ??= exposedGc()
    gc?.({type: 'major', execution: 'sync', flavor: 'last-resort'})
  }
}
