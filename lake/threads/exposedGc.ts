/**
 * V8's `gc` for a thread that must collect at a moment of its own choosing: the event loop's and
 * the store threads' heap trims (lake/store/heapTrim.ts), the query threads', the body memory
 * thread's (lake/http/bodyMemoryWorker.ts).
 */
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

export type Gc = (options?: object) => void

/**
 * V8's `gc`, taken from a new context made while `--expose-gc` is set, then unset again. V8's
 * flags are the process's, not the thread's: the event loop and the search analyzer's thread can
 * trim at the same moment, and one thread's unset between the other's set and its new context
 * left that context without `gc` (it crashed a bench's lake, 2026-12-04). So a few tries, and
 * null rather than a throw when every one lost the race.
 */
export function exposedGc(): Gc | null {
  const global = (globalThis as {gc?: Gc}).gc
  if (typeof global === 'function') return global
  for (let attempt = 0; attempt < 8; attempt++) {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('globalThis.gc') as Gc | undefined
    setFlagsFromString('--no-expose-gc')
    if (typeof gc === 'function') return gc
  }
  return null
}
