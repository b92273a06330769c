/**
 * Shared memory for large write bodies (nodeRequest.ts writeBody), allocated and first touched on a
 * thread of its own. A page's first write is dear on this machine (a VM): 20 MB of fresh memory
 * took 0.4 s to write at load 4, 2 ms once touched; on the event loop a 20.9 MB body's copy into
 * fresh shared memory took 0.3-0.65 s under load, one 64 kB chunk's up to 122 ms at load 17.
 * Started by the first large body and ended after IDLE_MS without one, as the commit thread is (an
 * idle thread holds a few MB).
 */
import {exposedGc, type Gc} from '../threads/exposedGc.ts'
import {createIdleThread} from '../threads/idleThread.ts'

export interface BodyMemory {
  /**
   * `bytes` of shared memory, zeroed, its pages already touched (on the event loop instead when
   * the thread fails: slower, never wrong).
   */
  allocate(bytes: number): Promise<SharedArrayBuffer>
  /**
   * A body's read failed (its client went, a 408, a 413) with `bytes` of its shared memory and
   * chunks held: past ABANDONED_BYTES since the last collection, the event loop's heap is
   * collected ABANDONED_COLLECT_MS later, once for a burst.
   */
  abandoned(bytes: number): void
  /** Stops the thread (a request still reading falls back to the event loop). */
  close(): Promise<void>
}

/**
 * Abandoned bodies' bytes that ask for a collection. Their shared memory is freed only once the
 * event loop's handles on it are collected (they lived through the body's arrival, so most
 * likely promoted: a full collection), and memory outside V8's heap asks for none: four bodies of
 * 12 MB whose clients went kept an idle lake 85-140 MiB up for as long as it idled (20 at once
 * made V8 collect, some seconds later). A body past the thread's first step holds 4 MiB, one
 * of 12 MB some 40 MiB.
 */
export const ABANDONED_BYTES = 32 * 1024 * 1024
/**
 * The wait before that collection, not put off by more: a burst of bodies that end together
 * costs one, and a caller who abandons bodies without pause at most one a second (a full
 * collection of the event loop's heap; its time by the heap's size, not measured here).
 */
export const ABANDONED_COLLECT_MS = 1_000

/** As the commit thread's: a newsroom's large writes come in bursts (an editor saving often). */
const IDLE_MS = 60_000

const WORKER = new URL('./bodyMemoryWorker.ts', import.meta.url).href

export function createBodyMemory(
  idleMs = IDLE_MS,
  collect: () => void = fullCollection(),
): BodyMemory {
  // The trim: the thread lets go of the memory it handed out last once its tasks pause
  // (bodyMemoryWorker.ts says why; each task does so for the ones before it).
  const thread = createIdleThread<{bytes: number} | {trim: true}, SharedArrayBuffer | null>(
    WORKER,
    'body memory',
    idleMs,
    {trim: true},
  )
  let closed = false
  let abandoned = 0
  let collection: NodeJS.Timeout | null = null
  const here = (bytes: number) => new SharedArrayBuffer(bytes)
  return {
    async allocate(bytes) {
      if (closed) return here(bytes)
      try {
        return (await thread.run({bytes}))!
      } catch {
        // Out of memory there, or the thread gone: the event loop's own allocation says which.
        return here(bytes)
      }
    },
    abandoned(bytes) {
      abandoned += bytes
      if (abandoned < ABANDONED_BYTES || collection !== null || closed) return
      collection = setTimeout(() => {
        collection = null
        abandoned = 0
        collect()
      }, ABANDONED_COLLECT_MS)
      collection.unref()
    },
    async close() {
      closed = true
      if (collection !== null) clearTimeout(collection)
      await thread.close()
    },
  }
}

/** V8's full collection of this thread's heap (skipped, and tried at the next, without `gc`). */
function fullCollection(): () => void {
  let gc: Gc | null = null
  return () => {
    gc ??= exposedGc()
    gc?.({type: 'major'})
  }
}
