/**
 * Shared memory for large write bodies (nodeRequest.ts writeBody), allocated and first touched on a
 * thread of its own. A page's first write is dear on this machine (a VM): 20 MB of fresh memory
 * took 0.4 s to write at load 4, 2 ms once touched; on the event loop a 20.9 MB body's copy into
 * fresh shared memory took 0.3-0.65 s under load, one 64 kB chunk's up to 122 ms at load 17.
 * Started by the first large body and ended after IDLE_MS without one, as the commit thread is (an
 * idle thread holds a few MB).
 */
import {createIdleThread} from '../threads/idleThread.ts'

export interface BodyMemory {
  /**
   * `bytes` of shared memory, zeroed, its pages already touched (on the event loop instead when
   * the thread fails: slower, never wrong).
   */
  allocate(bytes: number): Promise<SharedArrayBuffer>
  /** Stops the thread (a request still reading falls back to the event loop). */
  close(): Promise<void>
}

/** As the commit thread's: a newsroom's large writes come in bursts (an editor saving often). */
const IDLE_MS = 60_000

const WORKER = new URL('./bodyMemoryWorker.ts', import.meta.url).href

export function createBodyMemory(idleMs = IDLE_MS): BodyMemory {
  // The trim: the thread lets go of the memory it handed out last once its tasks pause
  // (bodyMemoryWorker.ts says why; each task does so for the ones before it).
  const thread = createIdleThread<{bytes: number} | {trim: true}, SharedArrayBuffer | null>(
    WORKER,
    'body memory',
    idleMs,
    {trim: true},
  )
  let closed = false
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
    async close() {
      closed = true
      await thread.close()
    },
  }
}
